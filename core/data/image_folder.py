"""A folder with one sub-folder of images per class (the ImageFolder convention).

    DIR/cat/001.png, DIR/cat/002.jpg, DIR/dog/001.png ...         split here into train/test
    DIR/train/cat/..., DIR/test/cat/...                          split given by the folders

Every image is read with `core.files.images.read_image`, stretched to the chosen size and
stored grey or colour. Files whose names do not end in an image suffix (README.txt...) are skipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from core.data.datasets import Dataset, DatasetError, make_dataset
from core.files.images import READABLE_SUFFIXES, ImageReadError, read_image
from core.jobs import check_stop, report

MAX_SOURCE_PIXELS = 16_000_000
PROGRESS_EVERY = 64


def class_folders(folder: Path) -> list[Path]:
    """The class sub-folders of `folder`, sorted by name; raises DatasetError when none."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder")
    classes = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DatasetError(
            f"{folder}: no class sub-folders; put the images of each class in a sub-folder "
            "named after the class (e.g. cats/ and dogs/)"
        )
    return classes


def image_files(class_dir: Path) -> list[Path]:
    """The image files in one class folder, sorted; raises DatasetError when there are none."""
    files = sorted(
        p
        for p in class_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in READABLE_SUFFIXES
    )
    if not files:
        raise DatasetError(
            f"{class_dir}: the class folder holds no images ({', '.join(READABLE_SUFFIXES)})"
        )
    return files


def load_image_folder(
    folder,
    *,
    progress=None,
    should_stop=None,
    size=28,
    grey: bool = True,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[Dataset, Dataset]:
    """Load a class-per-folder image collection as (train, test).

    size: an int (square) or (height, width); grey=True gives (N, 1, H, W), else (N, 3, H, W).
    Without train/ and test/ sub-folders, each class is split at random (seed) keeping
    `test_fraction` of its images for testing.
    """
    folder = Path(folder).expanduser()
    height, width = _size(size)
    if not 0.0 <= float(test_fraction) < 1.0:
        raise DatasetError(f"test_fraction must be in [0, 1); received {test_fraction}")
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        names = [p.name for p in class_folders(folder / "train")]
        train_files = _listing(folder / "train", names)
        test_names = [p.name for p in class_folders(folder / "test")]
        unknown = sorted(set(test_names) - set(names))
        if unknown:
            raise DatasetError(
                f"{folder / 'test'}: classes {', '.join(unknown)} have no folder in "
                f"{folder / 'train'}"
            )
        test_files = _listing(folder / "test", test_names, names)
    else:
        names = [p.name for p in class_folders(folder)]
        train_files, test_files = _split(_listing(folder, names), float(test_fraction), seed)
    total = len(train_files) + len(test_files)
    counter = _Counter(progress, should_stop, total)
    shape = (1 if grey else 3, height, width)
    train_x = _read_all(train_files, shape, counter)
    test_x = _read_all(test_files, shape, counter)
    report(progress, total, total)
    train_y = np.array([label for _, label in train_files], dtype=np.int64)
    test_y = np.array([label for _, label in test_files], dtype=np.int64)
    name = folder.name or str(folder)
    return (
        make_dataset(train_x, train_y, names, f"{name} (train)"),
        make_dataset(test_x, test_y, names, f"{name} (test)"),
    )


def _size(size) -> tuple[int, int]:
    try:
        height, width = (size, size) if np.isscalar(size) else tuple(size)
        height, width = int(height), int(width)
    except (TypeError, ValueError):
        raise DatasetError(f"size must be an int or (height, width); received {size!r}") from None
    if not (1 <= height <= 1024 and 1 <= width <= 1024):
        raise DatasetError(f"size must be 1..1024 pixels a side; received {height}x{width}")
    return height, width


def _listing(root: Path, names: list[str], all_names=None) -> list[tuple[Path, int]]:
    index = {n: i for i, n in enumerate(all_names or names)}
    return [(path, index[name]) for name in names for path in image_files(root / name)]


def _split(files, test_fraction: float, seed: int):
    rng = np.random.default_rng(seed)
    labels = np.array([label for _, label in files])
    train_idx, test_idx = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        members = members[rng.permutation(members.size)]
        n_test = int(round(members.size * test_fraction))
        if test_fraction > 0 and members.size >= 2:
            n_test = min(max(n_test, 1), members.size - 1)
        test_idx.extend(members[:n_test])
        train_idx.extend(members[n_test:])
    return [files[i] for i in sorted(train_idx)], [files[i] for i in sorted(test_idx)]


class _Counter:
    def __init__(self, progress, should_stop, total: int) -> None:
        self.progress, self.should_stop, self.total, self.done = progress, should_stop, total, 0

    def tick(self) -> None:
        check_stop(self.should_stop)
        if self.done % PROGRESS_EVERY == 0:
            report(self.progress, self.done, self.total)
        self.done += 1


def _read_all(files, shape, counter: _Counter) -> np.ndarray:
    channels, height, width = shape
    out = np.empty((len(files), channels, height, width), dtype=np.uint8)
    for i, (path, _) in enumerate(files):
        counter.tick()
        out[i] = _load_one(path, channels, height, width)
    return out


def prepare_image(pixels: np.ndarray, input_shape, *, invert="auto") -> np.ndarray:
    """Turn a uint8 image (H, W) or (H, W, 3) into a network input float32 (C, H', W') in 0..1.

    It is converted to grey or colour and resized (stretched) to `input_shape` (C, H', W') the
    way the data sets are. invert: True, False or "auto"; for grey inputs, "auto" inverts
    dark-on-light images (the mean of the border is above half) into MNIST's light-on-dark.
    """
    channels, height, width = (int(s) for s in input_shape)
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise ValueError(f"expected uint8 pixels (H, W) or (H, W, 3); received {pixels.dtype} "
                         f"{pixels.shape}")
    if channels == 1 and pixels.ndim == 3:
        pixels = np.asarray(Image.fromarray(pixels[..., :3]).convert("L"))
    if pixels.shape[:2] != (height, width):
        pixels = np.asarray(Image.fromarray(pixels).resize((width, height), Image.BILINEAR))
    image = pixels.astype(np.float32) / np.float32(255.0)
    if channels == 1:
        image = image[None, :, :]
        if invert == "auto":
            border = np.concatenate([image[0, 0], image[0, -1], image[0, :, 0], image[0, :, -1]])
            invert = float(border.mean()) > 0.5
        if invert:
            image = 1.0 - image
        return image
    if channels != 3:
        raise ValueError(f"network inputs must have 1 or 3 channels; the network takes {channels}")
    if image.ndim == 2:
        return np.broadcast_to(image, (3, height, width)).copy()
    return np.ascontiguousarray(image.transpose(2, 0, 1))


def _load_one(path: Path, channels: int, height: int, width: int) -> np.ndarray:
    """One image file as uint8 (C, H, W)."""
    try:
        pixels = read_image(path, max_pixels=MAX_SOURCE_PIXELS, grey=channels == 1)
    except ImageReadError as error:
        raise DatasetError(str(error)) from None
    if pixels.shape[:2] != (height, width):
        pixels = np.asarray(Image.fromarray(pixels).resize((width, height), Image.BILINEAR))
    if channels == 1:
        return pixels[None, :, :]
    if pixels.ndim == 2:
        return np.broadcast_to(pixels, (3, height, width))
    return pixels.transpose(2, 0, 1)
