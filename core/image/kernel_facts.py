"""Facts about a kernel: sum and brightness effect, separability (SVD), frequency response, and
what each filtering method would cost on an image of a given size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.image import _fastpaths
from core.image.kernels import Kernel

_SEPARABLE_RTOL = 1e-5
"""Singular values below this fraction of the largest count as zero (float32 resolution)."""


@dataclass
class KernelFacts:
    """What a kernel does: sum, brightness effect, separability, frequency response and costs."""

    total: float
    brightness: str
    separable: bool
    factors: tuple[np.ndarray, np.ndarray] | None
    frequency_response: np.ndarray
    cost: dict[str, int]
    method: str


def separable_factors(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(column (kh,), row (kw,)) with outer(column, row) == weights if the 2-D kernel has rank 1.

    Found by SVD. The column's sum (or largest entry) is made positive; for whole-number kernels
    the column is scaled so its smallest non-zero entry is 1 (Sobel x: [1, 2, 1] and [-1, 0, 1]).
    Returns None for a 3-D or a rank > 1 kernel.
    """
    weights = np.asarray(weights, np.float64)
    if weights.ndim != 2:
        return None
    u, s, vt = np.linalg.svd(weights)
    if s[0] == 0:
        return np.zeros(weights.shape[0], np.float32), np.zeros(weights.shape[1], np.float32)
    if len(s) > 1 and s[1] > _SEPARABLE_RTOL * s[0]:
        return None
    column, row = u[:, 0] * math.sqrt(s[0]), vt[0] * math.sqrt(s[0])
    scale = np.sign(column.sum()) or np.sign(column[np.argmax(np.abs(column))])
    if np.array_equal(weights, np.round(weights)):
        scale /= np.min(np.abs(column[np.abs(column) > 1e-6 * np.abs(column).max()]))
    return (column * scale).astype(np.float32), (row / scale).astype(np.float32)


def brightness_text(total: float) -> str:
    """How a kernel of this sum changes brightness, in words."""
    if abs(total - 1) < 1e-4:
        return "sum 1: keeps brightness"
    if abs(total) < 1e-4:
        return "sum 0: flat areas go black (edge detector)"
    if total < 0:
        return f"sum {total:.3g}: inverts brightness"
    return f"sum {total:.3g}: {'brightens' if total > 1 else 'darkens'}"


def kernel_facts(kernel: Kernel | np.ndarray, *, image_shape=(1024, 1024, 3)) -> KernelFacts:
    """Facts about `kernel`; costs and method are for an image of `image_shape` (default 1 MP RGB).

    cost: multiplications per output pixel for "direct", "separable" (rank-1 kernels only) and
    "fft" (approximate, for that image size).
    """
    if not isinstance(kernel, Kernel):
        kernel = Kernel("Custom", kernel)
    weights = kernel.effective()
    factors = separable_factors(weights)
    padded = np.zeros((64, 64), np.float64)
    flat = weights.sum(axis=2) if weights.ndim == 3 else weights
    padded[: flat.shape[0], : flat.shape[1]] = flat
    response = np.fft.fftshift(np.abs(np.fft.fft2(padded))).astype(np.float32)
    kh, kw = weights.shape[:2]
    depth = weights.shape[2] if weights.ndim == 3 else 1
    cost = {"direct": kh * kw * depth}
    if factors is not None:
        cost["separable"] = kh + kw
    cost["fft"] = _fastpaths.fft_multiplications_per_pixel(image_shape[:2], (kh, kw))
    method = _fastpaths.choose_method(weights, image_shape, stride=1)
    total = float(weights.sum(dtype=np.float64))
    return KernelFacts(total, brightness_text(total), factors is not None, factors, response,
                       cost, method)
