"""Data sets for training: images float32 (N, C, H, W) in 0..1 (or sequences (N, T, F)), int64
labels, class names, normalisation and augmentation. The loaders live beside this module;
`core.data.sources` dispatches to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

DIGITS = [str(d) for d in range(10)]
MAX_CLASSES = 10_000
"""Most classes a data set may have (labels 0..9,999)."""


class DatasetError(ValueError):
    """A data set cannot be loaded; the message names the file and what is wrong."""


@dataclass
class Dataset:
    """Images float32 (N, C, H, W), labels int64 (N,), one name per class. A sequence data set
    holds (N, T, F) instead: T time steps of F values per sample (`core.data.sequences`).

    `mean` and `std` (per channel, or None) record a normalisation already applied to `images`,
    so that new images (predictions) can be treated the same way.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    name: str
    mean: list[float] | None = field(default=None)
    std: list[float] | None = field(default=None)

    def __post_init__(self) -> None:
        if self.images.ndim not in (3, 4):
            raise ValueError(f"images must be (N, C, H, W) or sequences (N, T, F); received "
                             f"shape {self.images.shape}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"labels must be ({self.images.shape[0]},) to match the images; "
                f"received {self.labels.shape}"
            )

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        """(C, H, W) of one image, (T, F) of one sequence."""
        return tuple(int(s) for s in self.images.shape[1:])

    @property
    def is_sequence(self) -> bool:
        """True for sequences (N, T, F), False for images (N, C, H, W)."""
        return self.images.ndim == 3

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, indices) -> Dataset:
        """A copy holding only the samples at `indices` (array of ints, a slice or a mask)."""
        return replace(self, images=self.images[indices], labels=self.labels[indices])

    def class_counts(self) -> np.ndarray:
        """Samples per class, (K,) int64."""
        return np.bincount(self.labels, minlength=self.num_classes).astype(np.int64)


def make_dataset(images: np.ndarray, labels: np.ndarray, class_names, name: str) -> Dataset:
    """Build a Dataset from uint8 or float images (N, C, H, W) and integer labels.

    uint8 pixels are scaled to 0..1; labels outside 0..K-1 raise DatasetError.
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        pixels = images.astype(np.float32)
        pixels *= np.float32(1.0 / 255.0)
    else:
        pixels = np.ascontiguousarray(images, dtype=np.float32)
    labels = np.asarray(labels).astype(np.int64)
    class_names = [str(c) for c in class_names]
    if labels.size and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise DatasetError(
            f"{name}: labels run from {labels.min()} to {labels.max()} but there are "
            f"{len(class_names)} class names"
        )
    return Dataset(pixels, labels, class_names, name)


# ---------------------------------------------------------------------------------- normalise


def channel_stats(dataset: Dataset) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of the images, each a list of C floats (one
    value for sequences)."""
    images = dataset.images
    axes = (0, 2, 3) if images.ndim == 4 else None
    mean = np.atleast_1d(images.mean(axis=axes, dtype=np.float64))
    std = np.atleast_1d(images.std(axis=axes, dtype=np.float64))
    std = np.where(std > 1e-8, std, 1.0)
    return [float(m) for m in mean], [float(s) for s in std]


def normalise(dataset: Dataset, mean, std) -> Dataset:
    """A copy with (images - mean) / std per channel, recording mean and std on the result."""
    if dataset.mean is not None:
        raise ValueError(f"{dataset.name} is already normalised")
    channels = dataset.shape[0] if not dataset.is_sequence else 1
    mean_arr = np.asarray(mean, dtype=np.float32).reshape(-1)
    std_arr = np.asarray(std, dtype=np.float32).reshape(-1)
    if mean_arr.size not in (1, channels) or std_arr.size not in (1, channels):
        raise ValueError(
            f"mean and std need 1 or {channels} values; received {mean_arr.size} and "
            f"{std_arr.size}"
        )
    if np.any(std_arr <= 0):
        raise ValueError(f"std must be positive; received {std_arr.tolist()}")
    mean_arr = np.broadcast_to(mean_arr, (channels,))
    std_arr = np.broadcast_to(std_arr, (channels,))
    images = (dataset.images - mean_arr[:, None, None]) / std_arr[:, None, None]
    return replace(
        dataset,
        images=images.astype(np.float32),
        mean=[float(m) for m in mean_arr],
        std=[float(s) for s in std_arr],
    )


# ---------------------------------------------------------------------------------- augment


@dataclass(frozen=True)
class Augmentation:
    """Random shifts of up to `shift` pixels (zero fill) and random horizontal flips.

    Called as `augmentation(images, rng)` on a batch (B, C, H, W); returns a new batch.
    """

    shift: int = 0
    flip: bool = False

    def __post_init__(self) -> None:
        if int(self.shift) < 0:
            raise ValueError(f"shift must be >= 0 pixels; received {self.shift}")

    @property
    def active(self) -> bool:
        return self.shift > 0 or self.flip

    def __call__(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = images
        if self.shift > 0:
            out = random_shift(out, int(self.shift), rng)
        if self.flip:
            out = random_flip(out, rng)
        return out


def random_shift(images: np.ndarray, shift: int, rng: np.random.Generator) -> np.ndarray:
    """Shift each image (B, C, H, W) by its own random (dy, dx) in [-shift, shift], zero fill."""
    batch, channels, height, width = images.shape
    offsets = rng.integers(0, 2 * shift + 1, size=(2, batch))
    padded = np.pad(images, ((0, 0), (0, 0), (shift, shift), (shift, shift)))
    rows = np.arange(height)[None, :] + offsets[0][:, None]  # (B, H)
    cols = np.arange(width)[None, :] + offsets[1][:, None]  # (B, W)
    return padded[
        np.arange(batch)[:, None, None, None],
        np.arange(channels)[None, :, None, None],
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]


def random_flip(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mirror a random half of the images (B, C, H, W) left to right."""
    flip = rng.random(images.shape[0]) < 0.5
    return np.where(flip[:, None, None, None], images[..., ::-1], images)


def make_augmentation(augment) -> Callable | None:
    """None, an Augmentation, a dict {"shift": int, "flip": bool} or a callable(images, rng)."""
    if augment is None:
        return None
    if isinstance(augment, dict):
        augment = Augmentation(**augment)
    if isinstance(augment, Augmentation):
        return augment if augment.active else None
    if callable(augment):
        return augment
    raise TypeError(f"augment must be None, a dict, an Augmentation or a function; got {augment!r}")
