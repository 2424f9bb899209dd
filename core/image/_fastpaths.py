"""The three ways to compute a strided "valid" cross-correlation of an already padded image.

All take `padded` float32 (Hp, Wp, C) and `weights` float32 (kh, kw) or (kh, kw, C), and return
float32 (Ho, Wo, C) for a 2-D kernel (each channel filtered) or (Ho, Wo) for a 3-D kernel
(channels summed), where Ho = (Hp - kh) // stride + 1 and Wo likewise:

    out[r, c] = sum_ij weights[i, j] * padded[r * stride + i, c * stride + j]

- direct: one multiply-add per kernel tap over shifted (strided) slices of the padded image, all
  channels at once, in cache-sized blocks of rows, split over two threads for large images.
- separable: the kernel's SVD as a sum of rank-1 terms (one term for Gaussian, box, Sobel); each
  term is a vertical then a horizontal 1-D direct pass (mirrored taps share a multiplication).
- fft: real FFTs of the whole padded image (all channels at once, `workers=2`) times the FFT of
  the flipped kernel; an FFT size >= the padded size is enough for the valid part.

`choose_method` picks the cheapest by a cost model calibrated on this kind of machine.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft

from core.image import _products, _workers

METHODS = ("direct", "separable", "fft")

_BLOCK_VALUES = 65_536
"""Values per row block in the direct path (256 KB of float32: stays in L2 cache)."""

_THREADS = _workers.THREADS
_CHUNKS_PER_THREAD = 2
_PARALLEL_MIN_WORK = 2_000_000
"""Multiply-adds below which the direct path stays on one thread."""

_RANK_RTOL = 1e-5
"""Singular values below this fraction of the largest are dropped by the separable path."""

# Cost model, in nanoseconds, measured on a 2-core x86 machine (numpy 2.4, scipy 1.17) with
# 1024x1024 and 2048x2048 RGB float32 images (see benchmarks/bench_filtering.py).
_FFT_BAND = 128
"""Output rows per FFT band, about (see `fft`)."""

_NS_PER_TAP_VALUE = 0.45 / _THREADS
_NS_PER_TAP_CALL = 1_000.0
_NS_FFT_VALUE_LOG = 0.45
_NS_FFT_CALL = 100_000.0
_NS_PAD_VALUE = 0.6
"""`pad_image`, per padded value (median of 256x256 to 2048x2048 grey and RGB float32, 3x3
padding; 1.3 where a fresh 48 MB array is paged in)."""

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
    groups = tap_groups(weights)
    if not groups:
        acc.fill(0)
    else:
        rows_per_block = max(1, _BLOCK_VALUES // max(1, wo * channels))
        work = _passes(groups) * acc.size
        parts = 1
        if _THREADS > 1 and work >= _PARALLEL_MIN_WORK:
            # A few chunks per thread, so that a thread slowed by other work hands chunks over.
            parts = max(1, min(_CHUNKS_PER_THREAD * _THREADS, ho // rows_per_block))
        bounds = np.linspace(0, ho, parts + 1).astype(int)
        jobs = [(padded, groups, (sr, sc), acc, a, b, rows_per_block)
                for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
        _workers.run(_direct_rows, jobs)
    if weights.ndim == 3:
        return acc.sum(axis=2, dtype=np.float32)
    return acc


def tap_groups(weights: np.ndarray) -> list[tuple[np.ndarray, list[tuple[int, int, int]]]]:
    """Non-zero taps grouped by weight: [(weight, [(i, j, sign), ...]), ...].

    Taps of equal weight (or, for 2-D kernels, equal magnitude: sign -1 for the negative ones) are
    summed before one multiplication, which saves work on symmetric kernels (box, Gaussian,
    Sobel). The first member of each group has sign +1.
    """
    groups: dict = {}
    for i, row in enumerate(np.asarray(weights).tolist()):  # Python numbers: fast to loop over
        for j, weight in enumerate(row):
            if isinstance(weight, list):
                if any(weight):
                    groups.setdefault(tuple(weight), []).append((i, j, 1))
            elif weight:
                groups.setdefault(abs(weight), []).append((i, j, 1 if weight > 0 else -1))
    result = []
    for key, members in groups.items():
        members.sort(key=lambda member: -member[2])
        value = np.asarray(key, np.float32)
        if members[0][2] < 0:  # all negative: use the negative weight, add them all
            value, members = -value, [(i, j, 1) for i, j, _ in members]
        result.append((value, members))
    return result


def _passes(groups) -> int:
    """Array passes of the direct path per output value (a multiply or an add counts one)."""
    return sum(2 if len(members) == 1 else len(members) + 1 for _, members in groups)


def _direct_rows(padded, groups, stride, acc, start, stop, rows_per_block) -> None:
    sr, sc = stride
    wo = acc.shape[1]
    scratch = np.empty((rows_per_block,) + acc.shape[1:], np.float32)
    for r0 in range(start, stop, rows_per_block):
        r1 = min(stop, r0 + rows_per_block)
        block, tmp = acc[r0:r1], scratch[: r1 - r0]

        def source(i, j, r0=r0, r1=r1):
            rows = slice(r0 * sr + i, (r1 - 1) * sr + i + 1, sr)
            return padded[rows, j : j + (wo - 1) * sc + 1 : sc]

        for number, (weight, members) in enumerate(groups):
            if len(members) == 1:
                term = source(*members[0][:2])
            else:
                first, second = members[0], members[1]
                combine = np.add if second[2] > 0 else np.subtract
                combine(source(*first[:2]), source(*second[:2]), out=tmp)
                for i, j, sign in members[2:]:
                    (np.add if sign > 0 else np.subtract)(tmp, source(i, j), out=tmp)
                term = tmp
            if number == 0:
                np.multiply(term, weight, out=block)
            else:
                np.multiply(term, weight, out=tmp)
                np.add(block, tmp, out=block)


# ---------------------------------------------------------------------------------------------
# Separable (sum of rank-1 terms)


def rank1_terms(weights2d: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(column (kh,), row (kw,)), ...] with sum of outer(column, row) == weights2d (to float32)."""
    u, s, vt = np.linalg.svd(np.asarray(weights2d, np.float64))
    if s[0] == 0:
        return []
    keep = s > _RANK_RTOL * s[0]
    return [(_symmetrised(u[:, k] * s[k]), _symmetrised(vt[k]))
            for k in np.flatnonzero(keep)]


def _symmetrised(vector: np.ndarray) -> np.ndarray:
    """float32 `vector`, made exactly (anti)symmetric if it is so to float32 rounding.

    SVD factors of symmetric kernels are symmetric only up to rounding; exact symmetry lets the
    direct passes share one multiplication between mirrored taps.
    """
    tolerance = 1e-6 * float(np.abs(vector).max())
    for sign in (1.0, -1.0):
        mirrored = sign * vector[::-1]
        if np.abs(vector - mirrored).max() <= tolerance:
            vector = (vector + mirrored) / 2
            break
    return vector.astype(np.float32)


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
    out = None
    for column, row in rank1_terms(weights):
        vertical = direct(padded, column[:, None], (sr, 1))
        term = direct(vertical, row[None, :], (1, sc))
        if out is None:
            out = term
        else:
            out += term
    return np.zeros((ho, wo, padded.shape[2]), np.float32) if out is None else out


# ---------------------------------------------------------------------------------------------
# FFT


def fft(padded: np.ndarray, weights: np.ndarray, stride) -> np.ndarray:
    """Correlation as a product of real FFTs (float32/complex64), then the valid, strided part.

    Tall images are done in bands of ~128 output rows (overlap-save): smaller transforms stay in
    cache and cost less per pixel, which beats one transform of the whole image.
    """
    sr, sc = _pair(stride)
    kh, kw = weights.shape[:2]
    ho, wo = output_hw(padded.shape, (kh, kw), (sr, sc))
    band = _fft_band_rows(kh, sr)
    if ho <= band + band // 2:
        return _fft_whole(padded, weights, (sr, sc), {})
    out = np.empty((ho, wo) if weights.ndim == 3 else (ho, wo, padded.shape[2]), np.float32)
    spectra: dict = {}
    for start in range(0, ho, band):
        stop = min(ho, start + band)
        slab = padded[start * sr : (stop - 1) * sr + kh]
        out[start:stop] = _fft_whole(slab, weights, (sr, sc), spectra)
    return out


def _fft_band_rows(kh: int, stride: int) -> int:
    """Output rows per FFT band: the band's input height is a fast FFT length near 128 + kh."""
    height = scipy.fft.next_fast_len(_FFT_BAND + kh - 1)
    return max(1, (height - kh) // stride + 1)


def _fft_whole(padded, weights, stride, spectra: dict) -> np.ndarray:
    sr, sc = stride
    kh, kw = weights.shape[:2]
    ho, wo = output_hw(padded.shape, (kh, kw), (sr, sc))
    shape = _fft_shape(padded.shape[:2])
    spectrum = scipy.fft.rfft2(padded, s=shape, axes=(0, 1), workers=_THREADS)
    kernel_spectrum = spectra.get(shape)
    if kernel_spectrum is None:  # computed once per transform size
        flipped = np.ascontiguousarray(weights[::-1, ::-1])
        kernel_spectrum = scipy.fft.rfft2(flipped, s=shape, axes=(0, 1), workers=_THREADS)
        spectra[shape] = kernel_spectrum
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
    # Sizes with factors up to 11 (pocketfft's fast radices): 1030 -> 1056, not 1080.
    return (scipy.fft.next_fast_len(int(padded_hw[0])),
            scipy.fft.next_fast_len(int(padded_hw[1])))


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
        return min(_taps_ns(weights, padded_shape, stride),
                   _products.estimate_ns(weights, padded_shape, (sr, sc)))
    if method == "separable":
        if weights.ndim == 3:
            terms = [t for c in range(weights.shape[2]) for t in rank1_terms(weights[..., c])]
            channels = 1
        else:
            terms = rank1_terms(weights)
        total = 0.0
        for column, row in terms:
            for vector, values in ((column[:, None], ho * wp), (row[None, :], ho * wo)):
                passes = _passes(tap_groups(vector)) / 2
                blocks = max(1, values * channels // _BLOCK_VALUES)
                total += passes * (values * channels * _NS_PER_TAP_VALUE
                                   + blocks * _NS_PER_TAP_CALL)
            total += ho * wo * channels * _NS_PER_TAP_VALUE
        return total
    if method == "fft":
        band = _fft_band_rows(kh, sr)
        bands = 1 if ho <= band + band // 2 else math.ceil(ho / band)
        height = hp if bands == 1 else (band - 1) * sr + kh
        fh, fw = _fft_shape((height, wp))
        per_band = _NS_FFT_VALUE_LOG * fh * fw * channels * math.log2(fh * fw) + _NS_FFT_CALL
        return bands * per_band
    raise ValueError(f"method must be one of {', '.join(METHODS)}; received {method!r}")


def _taps_ns(weights: np.ndarray, padded_shape, stride=1) -> float:
    """Rough time of `direct` (tap by tap) on a padded image of `padded_shape` (Hp, Wp, C)."""
    kh, kw = weights.shape[:2]
    channels = padded_shape[2] if len(padded_shape) > 2 else 1
    ho, wo = output_hw(padded_shape[:2], (kh, kw), _pair(stride))
    taps = _passes(tap_groups(weights)) / 2
    blocks = max(1, ho * wo * channels // _BLOCK_VALUES)
    # Strided slices still bring every row and cache line of the input in: the cost follows
    # the input values read rather than the output values written.
    sr, sc = _pair(stride)
    touched = ho * sr * wo * sc * channels
    return taps * (touched * _NS_PER_TAP_VALUE + blocks * _NS_PER_TAP_CALL)


def choose_method(weights: np.ndarray, image_shape, stride=1) -> str:
    """The cheapest method for `weights` on an image of `image_shape` (H, W[, C]), by the model."""
    return plan(weights, image_shape, stride)[0]


def plan(weights: np.ndarray, image_shape, stride=1, method="auto") -> tuple[str, bool]:
    """(method, whether the direct method runs as matrix products): `method` or, for "auto",
    the cheapest for `weights` on an image of `image_shape` (H, W[, C]), by the model."""
    kh, kw = weights.shape[:2]
    padded_shape = (image_shape[0] + kh - 1, image_shape[1] + kw - 1,
                    image_shape[2] if len(image_shape) > 2 else 1)
    if method not in ("auto", "direct"):
        return method, False
    # All but the matrix products pad the whole image first; they pad block by block, and at
    # stride 1 read float32 rows inside the image as they are.
    pad = _NS_PAD_VALUE * padded_shape[0] * padded_shape[1] * padded_shape[2]
    taps = _taps_ns(weights, padded_shape, stride) + pad
    products = _products.estimate_ns(weights, padded_shape, _pair(stride))
    if _pair(stride) != (1, 1):
        products += pad
    if method == "auto":
        costs = {m: estimate_ns(m, weights, padded_shape, stride) + pad
                 for m in METHODS if m != "direct"}
        costs["direct"] = min(taps, products)
        method = min(costs, key=costs.get)
    return method, method == "direct" and products < taps
