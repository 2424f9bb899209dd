"""Turn a drawing or a photo of a digit into a network input prepared like MNIST.

MNIST digits were scaled (keeping their aspect ratio) to fit a 20x20 box, then placed in a 28x28
field so that their centre of mass sits at the centre. A drawing prepared the same way looks to the
network like the digits it learned from. Pure NumPy + Pillow, no Qt.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

FIELD = 28
BOX = 20
MARGIN = 1
"""Blank rows / columns kept at each edge when centring by mass would push a digit further. A 7's
mass sits in its bar, so centring it pushes its stem to the bottom edge; in the bundled MNIST
subset 88% of the 7s keep the last row blank, so the prepared digit keeps it blank too."""
PAPER_NOISE = 0.25  # in a photo, ink fainter than this (after stretching) counts as paper


def ink_bounding_box(ink: np.ndarray, threshold: float = 0.05) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) inclusive of the pixels above `threshold`, or None if blank."""
    mask = ink > threshold
    if not mask.any():
        return None
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def centre_of_mass(ink: np.ndarray) -> tuple[float, float]:
    """(row, col) centre of mass of a non-negative (H, W) array, in pixel-index coordinates."""
    total = float(ink.sum())
    if total <= 0:
        return (ink.shape[0] - 1) / 2, (ink.shape[1] - 1) / 2
    rows = np.arange(ink.shape[0], dtype=np.float64)
    cols = np.arange(ink.shape[1], dtype=np.float64)
    return float(rows @ ink.sum(axis=1)) / total, float(cols @ ink.sum(axis=0)) / total


def _resize(ink: np.ndarray, height: int, width: int) -> np.ndarray:
    shrinking = height <= ink.shape[0] and width <= ink.shape[1]
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    image = Image.fromarray(ink.astype(np.float32), mode="F").resize((width, height), method)
    return np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)


def to_mnist(ink: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """(H, W) ink in 0..1 (1 = stroke) -> (28, 28) float32: the digit's bounding box scaled to fit
    20x20 (aspect kept, anti-aliased), centred by centre of mass, `MARGIN` pixels from every edge
    at least. A blank drawing gives zeros."""
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D (H, W) drawing, got shape {ink.shape}")
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    box = ink_bounding_box(ink, threshold)
    if box is None:
        return field
    top, bottom, left, right = box
    crop = ink[top : bottom + 1, left : right + 1]
    scale = BOX / max(crop.shape)
    height = max(1, min(BOX, round(crop.shape[0] * scale)))
    width = max(1, min(BOX, round(crop.shape[1] * scale)))
    digit = _resize(crop, height, width)
    row_com, col_com = centre_of_mass(digit)
    centre = (FIELD - 1) / 2
    # Place the digit so its centre of mass lands on the field's centre, off the field's edges.
    row0 = int(np.clip(round(centre - row_com), MARGIN, FIELD - MARGIN - height))
    col0 = int(np.clip(round(centre - col_com), MARGIN, FIELD - MARGIN - width))
    field[row0 : row0 + height, col0 : col0 + width] = digit
    return field


def photo_to_ink(image: np.ndarray, invert: bool | None = None) -> np.ndarray:
    """uint8 (H, W) or (H, W, 3) photo -> (H, W) float32 ink in 0..1 (1 = stroke).

    invert None (auto): dark-on-light images (the usual scan or photo of a written digit) are
    inverted so that the digit is bright on black, as in MNIST; True / False force it."""
    image = np.asarray(image)
    if image.ndim == 3:
        image = image[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    grey = image.astype(np.float32) / 255.0
    if invert is None:
        invert = float(np.median(grey)) > 0.5
    if invert:
        grey = 1.0 - grey
    low = float(np.percentile(grey, 5))
    span = max(float(grey.max()) - low, 1e-6)
    ink = np.clip((grey - low) / span, 0.0, 1.0)
    # Paper texture and JPEG noise would widen the digit's bounding box: keep clear ink only.
    return np.where(ink < PAPER_NOISE, 0.0, ink).astype(np.float32)


def fit_input(digit: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """(28, 28) digit -> (1, C, H, W) float32 batch for a network taking `input_shape` (C, H, W)
    (resized and repeated over channels when the network is not 1x28x28)."""
    if len(input_shape) != 3:
        raise ValueError(
            f"the drawing pad needs a network taking images (C, H, W); this one takes {input_shape}"
        )
    channels, height, width = (int(v) for v in input_shape)
    if (height, width) != digit.shape:
        digit = _resize(digit, height, width)
    return np.repeat(digit[None, None], channels, axis=1).astype(np.float32)
