"""The three ways to compute a strided "valid" cross-correlation of an already padded image.

All take `padded` float32 (Hp, Wp, C) and `weights` float32 (kh, kw) or (kh, kw, C), and return
float32 (Ho, Wo, C) for a 2-D kernel (each channel filtered) or (Ho, Wo) for a 3-D kernel
(channels summed), where Ho = (Hp - kh) // stride + 1 and Wo likewise:

    out[r, c] = sum_ij weights[i, j] * padded[r * stride + i, c * stride + j]

- direct: one multiply-add per kernel tap over shifted (strided) slices of the padded image, all
  channels at once, in cache-sized blocks of rows, split over two threads for large images.
- separable: the kernel's SVD as a sum of rank-1 terms (one term for Gaussian, box, Sobel); each
  term is a vertical pass of shifted row slices then a horizontal `scipy.ndimage.correlate1d`.
- fft: real FFTs of the whole padded image (all channels at once, `workers=2`) times the FFT of
  the flipped kernel; an FFT size >= the padded size is enough for the valid part.

`choose_method` picks the cheapest by a cost model calibrated on this kind of machine.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.fft
import scipy.ndimage

METHODS = ("direct", "separable", "fft")

_BLOCK_VALUES = 24_576
"""Values per row block in the direct path (~100 KB of float32: stays in L2 cache)."""

_THREADS = max(1, min(2, os.cpu_count() or 1))
_PARALLEL_MIN_WORK = 2_000_000
"""Multiply-adds below which the direct path stays on one thread."""

_RANK_RTOL = 1e-5
"""Singular values below this fraction of the largest are dropped by the separable path."""

# Cost model, in nanoseconds, measured on a 2-core x86 machine (numpy 2.4, scipy 1.17) with
# 1024x1024 and 2048x2048 RGB float32 images (see benchmarks/bench_filtering.py).
_NS_PER_TAP_VALUE = 0.38 / _THREADS
_NS_PER_TAP_CALL = 1_000.0
_NS_CORRELATE1D_VALUE = 1.5
_NS_CORRELATE1D_TAP_VALUE = 0.18
_NS_FFT_VALUE_LOG = 0.3
_NS_FFT_CALL = 100_000.0

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="filtering")
    return _pool


def output_hw(padded_hw, kernel_hw, stride) -> tuple[int, int]:
    """(Ho, Wo) of a valid correlation of a (Hp, Wp) array with a (kh, kw) kernel at `stride`."""
    sr, sc = _pair(stride)
    return (padded_hw[0] - kernel_hw[0]) // sr + 1, (padded_hw[1] - kernel_hw[1]) // sc + 1


def _pair(stride) -> tuple[int, int]:
    return (stride, stride) if isinstance(stride, int | np.integer) else tuple(stride)


def correlate_valid(padded: np.ndarray, weights: np.ndarray, stride: int, method: str):
    """Strided valid cross-correlation of `padded` (Hp, Wp, C) with `weights` by `method`."""
    if method == "direct":
        return direct(padded, weights, stride)
    if method == "separable":
        return separable(padded, weights, stride)
    if method == "fft":
        return fft(padded, weights, stride)
    raise ValueError(f"method must be one of {', '.join(METHODS)}; received {method!r}")


# ---------------------------------------------------------------------------------------------
# Direct


def direct(padded: np.ndarray, weights: np.ndarray, stride) -> np.ndarray:
    """Sum of shifted slices: for each tap (i, j), out += weights[i, j] * padded[i::s, j::s]."""
    sr, sc = _pair(stride)
    kh, kw = weights.shape[:2]
    ho, wo = output_hw(padded.shape, (kh, kw), (sr, sc))
    channels = padded.shape[2]
    acc = np.empty((ho, wo, channels), np.float32)
    taps = [(i, j, weights[i, j]) for i in range(kh) for j in range(kw) if np.any(weights[i, j])]
    if not taps:
        acc.fill(0)
    else:
        rows_per_block = max(1, _BLOCK_VALUES // max(1, wo * channels))
        work = len(taps) * acc.size
        parts = _THREADS if work >= _PARALLEL_MIN_WORK and ho >= 2 * rows_per_block else 1
        bounds = np.linspace(0, ho, parts + 1).astype(int)
        jobs = [(padded, taps, (sr, sc), acc, a, b, rows_per_block)
                for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
        if len(jobs) == 1:
            _direct_rows(*jobs[0])
        else:
            for future in [_executor().submit(_direct_rows, *job) for job in jobs]:
                future.result()
    if weights.ndim == 3:
        return acc.sum(axis=2, dtype=np.float32)
    return acc


def _direct_rows(padded, taps, stride, acc, start, stop, rows_per_block) -> None:
    sr, sc = stride
    wo = acc.shape[1]
    scratch = np.empty((rows_per_block,) + acc.shape[1:], np.float32)
    for r0 in range(start, stop, rows_per_block):
        r1 = min(stop, r0 + rows_per_block)
        block, tmp = acc[r0:r1], scratch[: r1 - r0]
        first = True
        for i, j, weight in taps:
            rows = slice(r0 * sr + i, (r1 - 1) * sr + i + 1, sr)
            source = padded[rows, j : j + (wo - 1) * sc + 1 : sc]
            if first:
                np.multiply(source, weight, out=block)
                first = False
            else:
                np.multiply(source, weight, out=tmp)
                np.add(block, tmp, out=block)


# ---------------------------------------------------------------------------------------------
# Separable (sum of rank-1 terms)


def rank1_terms(weights2d: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(column (kh,), row (kw,)), ...] with sum of outer(column, row) == weights2d (to float32)."""
    u, s, vt = np.linalg.svd(np.asarray(weights2d, np.float64))
    if s[0] == 0:
        return []
    keep = s > _RANK_RTOL * s[0]
    return [((u[:, k] * s[k]).astype(np.float32), vt[k].astype(np.float32))
            for k in np.flatnonzero(keep)]


def separable(padded: np.ndarray, weights: np.ndarray, stride) -> np.ndarray:
    """Vertical then horizontal 1-D passes for each rank-1 term (per channel for a 3-D kernel)."""
    sr, sc = _pair(stride)
    kh, kw = weights.shape[:2]
    ho, wo = output_hw(padded.shape, (kh, kw), (sr, sc))
    if weights.ndim == 3:
        out = np.zeros((ho, wo), np.float32)
        for c in range(weights.shape[2]):
            part = separable(padded[..., c : c + 1], weights[..., c], (sr, sc))
            out += part[..., 0]
        return out
    out = np.zeros((ho, wo, padded.shape[2]), np.float32)
    for column, row in rank1_terms(weights):
        vertical = direct(padded, column[:, None], (sr, 1))
        horizontal = scipy.ndimage.correlate1d(vertical, row, axis=1, mode="constant")
        out += horizontal[:, kw // 2 : kw // 2 + (wo - 1) * sc + 1 : sc]
    return out


# ---------------------------------------------------------------------------------------------
# FFT


def fft(padded: np.ndarray, weights: np.ndarray, stride) -> np.ndarray:
    """Correlation as a product of real FFTs (float32/complex64), then the valid, strided part."""
    sr, sc = _pair(stride)
    kh, kw = weights.shape[:2]
    ho, wo = output_hw(padded.shape, (kh, kw), (sr, sc))
    shape = _fft_shape(padded.shape[:2])
    flipped = np.ascontiguousarray(weights[::-1, ::-1])
    spectrum = scipy.fft.rfft2(padded, s=shape, axes=(0, 1), workers=_THREADS)
    kernel_spectrum = scipy.fft.rfft2(flipped, s=shape, axes=(0, 1), workers=_THREADS)
    if weights.ndim == 3:
        spectrum *= kernel_spectrum
        spectrum = spectrum.sum(axis=2)
    else:
        spectrum *= kernel_spectrum[..., None]
    full = scipy.fft.irfft2(spectrum, s=shape, axes=(0, 1), workers=_THREADS)
    rows = slice(kh - 1, kh - 1 + (ho - 1) * sr + 1, sr)
    cols = slice(kw - 1, kw - 1 + (wo - 1) * sc + 1, sc)
    return np.ascontiguousarray(full[rows, cols], dtype=np.float32)


def _fft_shape(padded_hw) -> tuple[int, int]:
    return (scipy.fft.next_fast_len(int(padded_hw[0]), real=True),
            scipy.fft.next_fast_len(int(padded_hw[1]), real=True))


# ---------------------------------------------------------------------------------------------
# Cost model


def fft_multiplications_per_pixel(image_hw, kernel_hw) -> int:
    """Approximate real multiplications per output pixel of the FFT path (forward + inverse)."""
    fh, fw = _fft_shape((image_hw[0] + kernel_hw[0] - 1, image_hw[1] + kernel_hw[1] - 1))
    n = fh * fw
    return int(round((2 * 2.5 * n * math.log2(n) + 3 * n) / (image_hw[0] * image_hw[1])))


def estimate_ns(method: str, weights: np.ndarray, padded_shape, stride=1) -> float:
    """Rough time in nanoseconds of `method` on a padded image of `padded_shape` (Hp, Wp, C)."""
    sr, sc = _pair(stride)
    kh, kw = weights.shape[:2]
    hp, wp = padded_shape[0], padded_shape[1]
    channels = padded_shape[2] if len(padded_shape) > 2 else 1
    ho, wo = output_hw((hp, wp), (kh, kw), (sr, sc))
    if method == "direct":
        taps = int(np.count_nonzero(np.any(weights != 0, axis=2) if weights.ndim == 3 else weights))
        blocks = max(1, ho * wo * channels // _BLOCK_VALUES)
        return taps * (ho * wo * channels * _NS_PER_TAP_VALUE + blocks * _NS_PER_TAP_CALL)
    if method == "separable":
        if weights.ndim == 3:
            ranks = sum(len(rank1_terms(weights[..., c])) for c in range(weights.shape[2]))
            values = ho * wp
        else:
            ranks = len(rank1_terms(weights))
            values = ho * wp * channels
        vertical = kh * values * _NS_PER_TAP_VALUE + kh * _NS_PER_TAP_CALL
        horizontal = values * (_NS_CORRELATE1D_VALUE + kw * _NS_CORRELATE1D_TAP_VALUE)
        return ranks * (vertical + horizontal)
    if method == "fft":
        fh, fw = _fft_shape((hp, wp))
        return _NS_FFT_VALUE_LOG * fh * fw * channels * math.log2(fh * fw) + _NS_FFT_CALL
    raise ValueError(f"method must be one of {', '.join(METHODS)}; received {method!r}")


def choose_method(weights: np.ndarray, image_shape, stride=1) -> str:
    """The cheapest method for `weights` on an image of `image_shape` (H, W[, C]), by the model."""
    kh, kw = weights.shape[:2]
    padded_shape = (image_shape[0] + kh - 1, image_shape[1] + kw - 1,
                    image_shape[2] if len(image_shape) > 2 else 1)
    costs = {m: estimate_ns(m, weights, padded_shape, stride) for m in METHODS}
    return min(costs, key=costs.get)
