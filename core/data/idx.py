"""MNIST's IDX file format (plain or gzip), the bundled MNIST subset and IDX folders.

An IDX file is: two zero bytes, a type code (0x08 uint8 ... 0x0E float64), the number of
dimensions, one big-endian uint32 per dimension, then the values, big-endian, row-major.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from core.data.datasets import DIGITS, MAX_CLASSES, Dataset, DatasetError, make_dataset
from core.files.reading import CHUNK, MB, open_file, read_text, read_upto, size_text
from core.jobs import check_stop, report

MAX_IDX_BYTES = 512 * MB
"""Most values one IDX file may declare (the full MNIST training images take 47 MB)."""

IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

# (role, base names tried in order); each also with ".gz".
IDX_FILES = {
    "train images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def read_idx(path: str | os.PathLike, *, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (gzip-compressed when its name ends in .gz) into an array.

    Returns the array with the file's shape, in native byte order. Raises DatasetError naming
    the file for a wrong magic number, an unknown type, a size that does not match the header,
    or a header declaring more than `max_bytes` of values. The header is checked (in Python
    integers) before the values are read, and a compressed file is inflated only as far as its
    header allows.
    """
    path = Path(path)
    packed = path.suffix.lower() == ".gz"
    with open_file(path, "IDX file", max_bytes=max_bytes + 1024, error=DatasetError) as raw:
        stored = os.fstat(raw.fileno()).st_size
        try:
            handle = gzip.GzipFile(fileobj=raw, mode="rb") if packed else raw
            dtype, shape, header = _header(handle, path)
            expected = math.prod(shape) * dtype.itemsize
            described = f"{' x '.join(map(str, shape))} values ({expected} bytes)"
            if expected > max_bytes:
                raise DatasetError(f"{path}: the header declares {described}, more than the "
                                   f"{size_text(max_bytes)} Playground reads; is it damaged?")
            if not packed and stored - header != expected:
                _wrong_size(path, described, stored - header, expected)
            data = read_upto(handle, expected, path, "IDX file", DatasetError,
                             first=expected if not packed else CHUNK)
            if len(data) < expected:
                _wrong_size(path, described, len(data), expected)
            if handle.read(1):
                raise DatasetError(f"{path}: more bytes than the header's {described}; the "
                                   "file is damaged or not IDX")
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise DatasetError(f"{path}: not a complete gzip file ({error})") from None
        except OSError as error:
            raise DatasetError(f"{path}: cannot be read ({error.strerror or error})") from None
    values = np.frombuffer(data, dtype=dtype).reshape(shape)
    return values if dtype.isnative else values.astype(dtype.newbyteorder("="))


def _header(handle, path: Path) -> tuple[np.dtype, tuple[int, ...], int]:
    """(value type, shape, header length) from the start of an IDX stream."""
    head = handle.read(4)
    if len(head) < 4:
        raise DatasetError(f"{path}: only {len(head)} bytes, too short for an IDX header")
    if head[0] != 0 or head[1] != 0:
        raise DatasetError(
            f"{path}: wrong magic number 0x{head.hex()}; not an IDX file "
            "(IDX files start with two zero bytes)"
        )
    type_code, ndim = head[2], head[3]
    if type_code not in IDX_TYPES:
        raise DatasetError(f"{path}: unknown IDX value type 0x{type_code:02x}")
    if ndim == 0:
        raise DatasetError(f"{path}: the IDX header declares 0 dimensions")
    dims = handle.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise DatasetError(f"{path}: truncated inside the header ({4 + len(dims)} bytes)")
    shape = tuple(int.from_bytes(dims[i:i + 4], "big") for i in range(0, 4 * ndim, 4))
    return IDX_TYPES[type_code], shape, 4 + 4 * ndim


def _wrong_size(path: Path, described: str, actual: int, expected: int):
    if actual < expected:
        raise DatasetError(f"{path}: truncated: the header promises {described} but the file "
                           f"holds {actual} bytes of data")
    raise DatasetError(f"{path}: {actual - expected} bytes more than the header's "
                       f"{described}; the file is damaged or not IDX")


def idx_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read an images file (N, rows, cols) and its labels file (N,), checking they agree.

    Returns images uint8 (N, 1, rows, cols) and labels (N,).
    """
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise DatasetError(
            f"{images_path}: expected images (count, rows, cols) but the file holds an array "
            f"of shape {images.shape}"
        )
    if images.dtype != np.uint8:
        raise DatasetError(f"{images_path}: expected uint8 pixels; the file holds {images.dtype}")
    if labels.ndim != 1:
        raise DatasetError(
            f"{labels_path}: expected one label per image but the file holds an array of "
            f"shape {labels.shape}"
        )
    if labels.shape[0] != images.shape[0]:
        raise DatasetError(
            f"{labels_path}: wrong count: {labels.shape[0]} labels for the "
            f"{images.shape[0]} images in {images_path.name}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise DatasetError(f"{labels_path}: labels must be integers; found {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise DatasetError(f"{labels_path}: negative label {int(labels.min())}")
    if labels.size and labels.max() >= MAX_CLASSES:
        raise DatasetError(f"{labels_path}: label {int(labels.max())} is past the "
                           f"{MAX_CLASSES:,} classes Playground can train; is the file damaged?")
    return images[:, None, :, :], labels.astype(np.int64)


def find_idx_files(folder: Path) -> dict[str, Path]:
    """The four standard MNIST files in `folder` (plain or .gz), by role."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder")
    found: dict[str, Path] = {}
    for role, names in IDX_FILES.items():
        for name in names:
            for candidate in (folder / name, folder / f"{name}.gz"):
                if os.path.lexists(candidate):
                    found[role] = candidate
                    break
            if role in found:
                break
        if role not in found:
            raise DatasetError(
                f"{folder}: no {role} file; expected {names[0]} or {names[0]}.gz "
                "(the standard MNIST / Fashion-MNIST file names)"
            )
    return found


def load_idx_folder(
    folder, *, progress=None, should_stop=None, class_names=None
) -> tuple[Dataset, Dataset]:
    """Load MNIST-format train/test IDX files from a folder (full MNIST, Fashion-MNIST...).

    Class names: `class_names` if given, else a `classes.txt` (one per line) in the folder, else
    Fashion-MNIST's names when the folder (or one of its two parents, as in torchvision's
    FashionMNIST/raw) is named "...fashion...", else the label numbers.
    """
    folder = Path(folder).expanduser()
    files = find_idx_files(folder)
    arrays = []
    for step, (images_role, labels_role) in enumerate(
        (("train images", "train labels"), ("test images", "test labels"))
    ):
        check_stop(should_stop)
        report(progress, step, 2)
        arrays.append(idx_pair(files[images_role], files[labels_role]))
    check_stop(should_stop)
    (train_x, train_y), (test_x, test_y) = arrays
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DatasetError(
            f"{files['test images']}: images are {test_x.shape[2]}x{test_x.shape[3]} but the "
            f"training images are {train_x.shape[2]}x{train_x.shape[3]}"
        )
    top = int(max(train_y.max(initial=0), test_y.max(initial=0)))
    names = _class_names(folder, class_names, top + 1)
    name = folder.name or str(folder)
    train = make_dataset(train_x, train_y, names, f"{name} (train)")
    test = make_dataset(test_x, test_y, names, f"{name} (test)")
    report(progress, 2, 2)
    return train, test


def _class_names(folder: Path, given, needed: int) -> list[str]:
    if given is not None:
        names = [str(c) for c in given]
        source = "class_names"
    elif os.path.lexists(folder / "classes.txt"):
        text = read_text(folder / "classes.txt", "list of class names",
                         max_bytes=MAX_CLASSES * 256, error=DatasetError)
        names = [line.strip() for line in text.splitlines() if line.strip()]
        source = str(folder / "classes.txt")
    elif any("fashion" in part.lower() for part in folder.resolve().parts[-3:]):
        names, source = list(FASHION_CLASSES), "Fashion-MNIST"
    else:
        names, source = [str(i) for i in range(needed)], str(folder)
    if len(names) < needed:
        raise DatasetError(
            f"{source}: {len(names)} class names but the labels go up to {needed - 1}"
        )
    return names


def load_mnist_subset(*, progress=None, should_stop=None) -> tuple[Dataset, Dataset]:
    """The bundled 5,000-digit MNIST subset: 4,000 train and 1,000 test images (1, 28, 28)."""
    from core.resources import resource_path

    train, test = load_idx_folder(
        resource_path("data", "mnist-5k"),
        progress=progress,
        should_stop=should_stop,
        class_names=DIGITS,
    )
    train.name, test.name = "MNIST 5k (train)", "MNIST 5k (test)"
    return train, test
