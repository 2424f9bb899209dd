"""How a network's inputs are prepared: shape, class names, and the mean and std images are
standardised with, saved with the model and checked when read back."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.nn.model import Sequential
from core.train.bundle_files import BundleError


@dataclass
class Preprocessing:
    """How inputs are prepared for the network: shape (C, H, W) or (F,), class names, and the
    per-channel mean and std images are standardised with (None: used as they are, 0..1)."""

    input_shape: tuple[int, ...]
    classes: list[str] | None = None
    mean: list[float] | None = None
    std: list[float] | None = None

    @classmethod
    def of_data(cls, data) -> Preprocessing:
        """What a `Dataset` records: its image shape, class names, mean and std."""
        return cls(tuple(data.shape), list(data.class_names), data.mean, data.std)

    def apply(self, images) -> np.ndarray:
        """Images (N, C, H, W) in 0..1 prepared as in training (float32)."""
        images = np.asarray(images, dtype=np.float32)
        if self.mean is None:
            return images
        shape = (-1,) + (1,) * (len(self.input_shape) - 1)
        mean = np.asarray(self.mean, np.float32).reshape(shape)
        std = np.asarray(self.std, np.float32).reshape(shape)
        return ((images - mean) / std).astype(np.float32)

    def to_dict(self) -> dict:
        return {"input_shape": list(self.input_shape), "classes": self.classes,
                "mean": self.mean, "std": self.std}

    @classmethod
    def from_dict(cls, data, source: str, model: Sequential | None = None) -> Preprocessing:
        """Read the section back, checked (against `model`'s input and outputs when given);
        raises BundleError naming `source`."""
        if not isinstance(data, dict) or not isinstance(data.get("input_shape"), list) or not (
                all(isinstance(s, int) and not isinstance(s, bool) and s > 0
                    for s in data["input_shape"])):
            raise BundleError(f"{source}: the preprocessing section must hold input_shape, a "
                              "list of positive whole numbers")
        shape = tuple(data["input_shape"])
        if model is not None and shape != model.input_shape:
            raise BundleError(f"{source}: the preprocessing is for inputs "
                              f"{'x'.join(map(str, shape))} but the network takes "
                              f"{'x'.join(map(str, model.input_shape))}")
        mean, std = _mean_std(data.get("mean"), data.get("std"), shape, source)
        classes = data.get("classes")
        if classes is not None and (not isinstance(classes, list) or not all(
                isinstance(c, str) for c in classes)):
            raise BundleError(f"{source}: the preprocessing's classes must be a list of names")
        return cls(shape, list(classes) if classes is not None else None, mean, std)


def _mean_std(mean, std, shape: tuple, source: str):
    """Checked mean and std: both None, or lists of finite numbers, one per channel, std > 0."""
    if mean is None and std is None:
        return None, None
    channels = shape[0] if len(shape) > 1 else 1
    numbers = (isinstance(mean, list) and isinstance(std, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in mean + std))
    if not numbers or len(mean) != len(std) or len(mean) not in (1, channels) or not all(
            v > 0 for v in std):
        raise BundleError(f"{source}: preprocessing mean and std must be lists of {channels} "
                          f"finite numbers (std > 0); received {_short(mean)} and {_short(std)}")
    return [float(m) for m in mean], [float(s) for s in std]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
