"""CIFAR-10 from its binary distribution (cifar-10-binary.tar.gz), never the pickled one.

Each batch file is a run of 3073-byte records: one label byte (0..9), then 1024 red, 1024 green
and 1024 blue bytes of a 32x32 image, row by row.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.data.datasets import Dataset, DatasetError, make_dataset
from core.files.reading import MB, check_file, read_bytes
from core.jobs import check_stop, report

RECORD_BYTES = 1 + 3 * 32 * 32
MAX_BATCH_BYTES = 256 * MB
"""Largest batch file read (CIFAR-10's are 30 MB: 10,000 records)."""
CIFAR10_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def read_cifar_batch(path: Path, *, num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Read one binary batch file: images uint8 (N, 3, 32, 32) and labels int64 (N,).

    Its size is checked (a whole number of records, at most MAX_BATCH_BYTES) before it is read.
    """
    size = check_file(path, "CIFAR-10 batch file", max_bytes=MAX_BATCH_BYTES, error=DatasetError)
    _check_length(path, size)
    data = read_bytes(path, "CIFAR-10 batch file", max_bytes=MAX_BATCH_BYTES,
                      error=DatasetError)
    _check_length(path, len(data))
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= num_classes:
        bad = int(np.argmax(labels >= num_classes))
        raise DatasetError(
            f"{path}: record {bad} has label {labels[bad]}; CIFAR-10 labels are 0..9 "
            "(is this the CIFAR-100 binary version?)"
        )
    images = records[:, 1:].reshape(-1, 3, 32, 32).copy()
    return images, labels


def _check_length(path: Path, size: int) -> None:
    if not size:
        raise DatasetError(f"{path}: the file is empty")
    if size % RECORD_BYTES:
        raise DatasetError(
            f"{path}: {size} bytes is not a whole number of {RECORD_BYTES}-byte records "
            "(1 label + 3x32x32 pixels); is this CIFAR-10's binary version, complete?"
        )


def find_cifar_folder(folder: Path) -> Path:
    """The folder holding the .bin batches: `folder` or its `cifar-10-batches-bin` child."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder")
    for candidate in (folder, folder / "cifar-10-batches-bin"):
        if any(os.path.lexists(candidate / name) for name in ("test_batch.bin",
                                                               "data_batch_1.bin")):
            return candidate
    raise DatasetError(
        f"{folder}: no data_batch_1.bin or test_batch.bin; unpack cifar-10-binary.tar.gz "
        "(the binary version, not the python one) and name its cifar-10-batches-bin folder"
    )


def load_cifar10(
    folder, *, progress=None, should_stop=None, grey: bool = False
) -> tuple[Dataset, Dataset]:
    """Load CIFAR-10: data_batch_1..5.bin (those present, at least one) and test_batch.bin.

    Returns colour images (N, 3, 32, 32), or (N, 1, 32, 32) luminance with grey=True.
    """
    folder = find_cifar_folder(Path(folder).expanduser())
    train_files = [folder / f"data_batch_{i}.bin" for i in range(1, 6)]
    train_files = [f for f in train_files if os.path.lexists(f)]
    test_file = folder / "test_batch.bin"
    if not train_files:
        raise DatasetError(f"{folder}: no training batches (data_batch_1.bin ... 5.bin)")
    if not os.path.lexists(test_file):
        raise DatasetError(f"{folder}: no test_batch.bin")
    names = _class_names(folder)
    total = len(train_files) + 1
    parts = []
    for done, path in enumerate([*train_files, test_file]):
        check_stop(should_stop)
        report(progress, done, total)
        parts.append(read_cifar_batch(path, num_classes=len(names)))
    check_stop(should_stop)
    train_x = np.concatenate([p[0] for p in parts[:-1]])
    train_y = np.concatenate([p[1] for p in parts[:-1]])
    test_x, test_y = parts[-1]
    if grey:
        train_x, test_x = _to_grey(train_x), _to_grey(test_x)
    train = make_dataset(train_x, train_y, names, "CIFAR-10 (train)")
    test = make_dataset(test_x, test_y, names, "CIFAR-10 (test)")
    report(progress, total, total)
    return train, test


def _class_names(folder: Path) -> list[str]:
    meta = folder / "batches.meta.txt"
    if meta.is_file():
        text = read_bytes(meta, "list of class names", max_bytes=1 << 16, error=DatasetError)
        names = [line.strip() for line in text.decode("utf-8", "replace").splitlines()]
        names = [n for n in names if n]
        if len(names) == 10:
            return names
    return list(CIFAR10_CLASSES)


def _to_grey(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 3, H, W) -> float32 (N, 1, H, W) luminance in 0..1."""
    grey = np.tensordot(images.astype(np.float32), GREY_WEIGHTS / 255.0, axes=([1], [0]))
    return grey[:, None, :, :].astype(np.float32)
