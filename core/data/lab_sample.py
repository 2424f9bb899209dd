"""One picture made into the input of any network: what the backprop lab feeds its pass.

A digit, a drawing or a generated shape is a grey (H, W) picture in 0..1; the network may take
maps (C, H, W), a sequence (T, F) or a vector (F,). `fit_picture` resizes the picture to the
input (a vector of a square number of values takes the picture s x s, read row by row; any other
vector takes it squeezed into one row), and `shape_picture` draws one generated shape.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from core.data.digits import fit_input
from core.data.shapes import SHAPE_KINDS, make_shapes


def fit_picture(picture: np.ndarray, input_shape) -> np.ndarray:
    """(H, W) in 0..1 -> (1, *input_shape) float32 for a network taking `input_shape`."""
    picture = np.asarray(picture, dtype=np.float32)
    if picture.ndim != 2:
        raise ValueError(f"expected a grey (H, W) picture; received shape {picture.shape}")
    shape = tuple(int(v) for v in input_shape)
    if len(shape) == 3:
        return fit_input(picture, shape)
    if len(shape) == 2:
        return _resize(picture, *shape)[None]
    if len(shape) == 1:
        side = math.isqrt(shape[0])
        rows, cols = (side, side) if side * side == shape[0] else (1, shape[0])
        return _resize(picture, rows, cols).reshape(1, shape[0])
    raise ValueError(f"a network input must be (C, H, W), (T, F) or (F,); received {shape}")


def _resize(picture: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resized as the digits are (`core.data.digits.fit_input`): box filter when shrinking."""
    shrinking = height <= picture.shape[0] and width <= picture.shape[1]
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    image = Image.fromarray(picture, mode="F").resize((width, height), method)
    return np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)


def shape_picture(kind: str, seed: int, size: int = 28) -> np.ndarray:
    """One generated shape of `kind` (one of `SHAPE_KINDS`), (size, size) float32 in 0..1, drawn
    with `seed` (its place, size and angle)."""
    if kind not in SHAPE_KINDS:
        raise ValueError(f"unknown shape {kind!r}; choose from {', '.join(SHAPE_KINDS)}")
    others = [k for k in SHAPE_KINDS if k != kind]
    rng = np.random.default_rng(seed)
    images, labels = make_shapes(2, rng, kinds=(kind, others[0]), size=size)
    return images[int(np.flatnonzero(labels == 0)[0]), 0]
