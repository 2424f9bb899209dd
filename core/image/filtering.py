"""Apply a kernel to an image: channels, padding modes, stride, correlation or convolution.

Images are (H, W) grey or (H, W, C) colour, uint8 or float in, float32 out. A 2-D kernel
(kh, kw) filters each channel; a 3-D kernel (kh, kw, C) sums over the channels into one output
channel. Filtering is cross-correlation (as in CNN layers):

    out[r, c] = sum_ij w[i, j] * padded[r * stride + i, c * stride + j] / divisor + offset

and mode="convolve" flips the kernel first. Padding and the anchor of even-sized kernels are
described in `core.image._padding` (default pad (k - 1) // 2 before and k // 2 after, so the
anchor of an even kernel is index (k - 1) // 2). The work is done by one of three methods
(`core.image._fastpaths`): direct, separable or FFT, chosen by a cost model unless forced.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.image import _fastpaths, _products
from core.image._padding import (
    PADDING_MODES,
    as_float_image,
    check_finite,
    check_image,
    check_stride,
    describe_geometry,
    output_size,
    pad_amounts,
    pad_image,
    padded_indices,
)
from core.image.angles import angle_legend, angle_to_rgb
from core.image.kernels import Kernel, sobel_x, sobel_y, validate_kernel
from core.image.neighbourhood import neighbourhood
from core.jobs import check_stop

__all__ = [
    "METHODS", "PADDING_MODES", "PixelExplanation", "angle_legend", "angle_to_rgb",
    "apply_kernel", "describe_geometry", "explain_pixel", "gradients", "neighbourhood",
    "output_size", "pad_amounts", "sobel", "to_grey",
]

METHODS = ("auto",) + _fastpaths.METHODS
_STRIP_NS = 12e6
"""Target time of one strip when progress / should_stop are given (keeps each step short, with
room for a busy machine)."""
_PAD_NS_PER_VALUE = 1.0
"""Cost of converting and padding one input value (for the strip sizes)."""

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
"""Weights of R, G, B in the grey (luma) conversion used by `to_grey` and the Sobel helpers."""


@dataclass
class _Prepared:
    image: np.ndarray  # (H, W, C), the caller's dtype
    weights: np.ndarray  # float32 (kh, kw) or (kh, kw, C), divisor folded in, flipped if convolve
    values: np.ndarray  # float32, flipped if convolve, divisor not applied
    divisor: float
    offset: float
    amounts: tuple[int, int, int, int]
    stride: int
    grey: bool


def _prepare(image, kernel, padding, pad_width, stride, mode, divisor, offset) -> _Prepared:
    if mode not in ("correlate", "convolve"):
        raise ValueError(f"mode must be 'correlate' or 'convolve'; received {mode!r}")
    if isinstance(kernel, Kernel):
        values = kernel.values
        divisor = kernel.divisor if divisor is None else divisor
        offset = kernel.offset if offset is None else offset
    else:
        values = validate_kernel(kernel)
    divisor = 1.0 if divisor is None else _finite(divisor, "divisor")
    if divisor == 0:
        raise ValueError("divisor must not be 0")
    offset = _finite(0.0 if offset is None else offset, "offset")
    stride = check_stride(stride)
    grey = np.ndim(image) == 2
    image3 = check_image(image)
    if values.ndim == 3 and values.shape[2] != image3.shape[2]:
        raise ValueError(
            f"a {values.shape[0]}x{values.shape[1]}x{values.shape[2]} kernel needs an image with "
            f"{values.shape[2]} channel(s); received one with {image3.shape[2]}"
        )
    if mode == "convolve":
        values = values[::-1, ::-1]
    values = np.ascontiguousarray(values, np.float32)
    weights = values if divisor == 1.0 else (values / np.float32(divisor)).astype(np.float32)
    kernel_hw = values.shape[:2]
    output_size(image3.shape[:2], kernel_hw, padding=padding, pad_width=pad_width, stride=stride)
    amounts = pad_amounts(kernel_hw, padding, pad_width)
    return _Prepared(image3, weights, values, divisor, offset, amounts, stride, grey)


def _finite(value, name) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number; received {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number; received {value!r}")
    return number


def apply_kernel(
    image,
    kernel,
    *,
    padding: str = "zero",
    pad_width=None,
    stride: int = 1,
    mode: str = "correlate",
    divisor: float | None = None,
    offset: float | None = None,
    method: str = "auto",
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Filter `image` (H, W) or (H, W, C) with `kernel` (kh, kw) / (kh, kw, C) or a `Kernel`.

    Returns float32 (Ho, Wo) for a grey image or a 3-D kernel, else (Ho, Wo, C), with
    (Ho, Wo) = `output_size(...)`. A `Kernel`'s divisor and offset are used unless given here.
    method: "auto" (cheapest by the cost model), "direct", "separable" or "fft"; all give the
    same result to float32 rounding. With `progress(fraction)` or `should_stop()` given, the
    output is computed in strips of rows (each ~12 ms when idle) and `Cancelled` is raised when
    `should_stop()` returns True.
    """
    prep = _prepare(image, kernel, padding, pad_width, stride, mode, divisor, offset)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; received {method!r}")
    kh, kw = prep.weights.shape[:2]
    top, bottom, left, right = prep.amounts
    height, width, channels = prep.image.shape
    padded_shape = (height + top + bottom, width + left + right, channels)
    method, products = _fastpaths.plan(
        prep.weights, (padded_shape[0] - kh + 1, padded_shape[1] - kw + 1, channels),
        prep.stride, method)
    if progress is None and should_stop is None and not products:
        padded = pad_image(prep.image, prep.amounts, padding)
        out = _fastpaths.correlate_valid(padded, prep.weights, prep.stride, method)
    else:
        out = _in_strips(prep, padded_shape, padding, method, products, progress, should_stop)
    if prep.offset:
        out += np.float32(prep.offset)
    if out.ndim == 3 and prep.grey:
        out = out[:, :, 0]
    return out


def _in_strips(prep, padded_shape, padding, method, products, progress,
               should_stop) -> np.ndarray:
    """Output rows in strips; each strip pads and converts only the input rows it needs.

    Without progress and should_stop, one strip (the matrix products pad block by block).
    """
    weights, stride = prep.weights, prep.stride
    kh, kw = weights.shape[:2]
    ho, wo = _fastpaths.output_hw(padded_shape, (kh, kw), stride)
    strips = 1
    if progress is not None or should_stop is not None:
        total_ns = _fastpaths.estimate_ns(method, weights, padded_shape, stride)
        total_ns += padded_shape[0] * padded_shape[1] * padded_shape[2] * _PAD_NS_PER_VALUE
        strips = max(1, min(ho, math.ceil(total_ns / _STRIP_NS)))
    bounds = np.linspace(0, ho, strips + 1).astype(int)
    shape = (ho, wo) if weights.ndim == 3 else (ho, wo, padded_shape[2])
    out = np.empty(shape, np.float32)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        check_stop(should_stop, "filtering")
        if products:
            _products.correlate(prep.image, weights, prep.amounts, padding, (stride, stride),
                                out, start, stop)
        else:
            rows = slice(start * stride, (stop - 1) * stride + kh)
            slab = pad_image(prep.image, prep.amounts, padding, rows=rows)
            out[start:stop] = _fastpaths.correlate_valid(slab, weights, stride, method)
        if progress is not None:
            progress(float(stop) / ho)
    return out


# ---------------------------------------------------------------------------------------------
# One output pixel, explained


@dataclass
class PixelExplanation:
    """How one output pixel is computed; arrays are (kh, kw), or (kh, kw, C) for a 3-D kernel.

    value == (products.sum() / divisor + offset) == apply_kernel(...)[row, col(, channel)].
    top_left is the input (row, col) under the window's top-left cell (may be negative).
    """

    window: np.ndarray
    in_padding: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    total: float
    divisor: float
    offset: float
    value: float
    top_left: tuple[int, int]


def explain_pixel(image, kernel, row: int, col: int, *, padding="zero", pad_width=None, stride=1,
                  mode="correlate", divisor=None, offset=None, channel=None) -> PixelExplanation:
    """Explain OUTPUT pixel (row, col): the window under the kernel, weights, products and sum.

    Padding cells hold what the padding mode puts there (0 for zero padding). channel: which
    channel of a colour image a 2-D kernel reads (default 0); a 3-D kernel reads all channels.
    """
    prep = _prepare(image, kernel, padding, pad_width, stride, mode, divisor, offset)
    image3, values = prep.image, prep.values
    kh, kw = values.shape[:2]
    top, bottom, left, right = prep.amounts
    out_h, out_w = output_size(image3.shape[:2], (kh, kw), padding=padding, pad_width=pad_width,
                               stride=prep.stride)
    if not (0 <= row < out_h and 0 <= col < out_w):
        raise ValueError(f"output pixel ({row}, {col}) is outside the {out_h}x{out_w} output")
    height, width, channels = image3.shape
    rows = padded_indices(height, top, bottom, padding)[row * prep.stride :][:kh]
    cols = padded_indices(width, left, right, padding)[col * prep.stride :][:kw]
    in_padding = (np.arange(kh)[:, None] + row * prep.stride - top < 0) | (
        np.arange(kh)[:, None] + row * prep.stride - top >= height)
    in_padding = in_padding | (np.arange(kw)[None, :] + col * prep.stride - left < 0) | (
        np.arange(kw)[None, :] + col * prep.stride - left >= width)
    if values.ndim == 3:
        picked = image3
    else:
        channel = 0 if channel is None else int(channel)
        if not 0 <= channel < channels:
            raise ValueError(f"channel must be from 0 to {channels - 1}; received {channel}")
        picked = image3[:, :, channel : channel + 1]
    window = picked[np.clip(rows, 0, None)[:, None], np.clip(cols, 0, None)[None, :]]
    window = np.where(((rows < 0)[:, None] | (cols < 0)[None, :])[..., None], 0.0, window)
    window = window.astype(np.float32)
    check_finite(window)
    if values.ndim == 2:
        window = window[:, :, 0]
    products = (window.astype(np.float64) * values).astype(np.float32)
    total = float(np.sum(window.astype(np.float64) * values))
    value = total / prep.divisor + prep.offset
    return PixelExplanation(window, in_padding, values.copy(), products, total, prep.divisor,
                            prep.offset, value, (row * prep.stride - top, col * prep.stride - left))


# ---------------------------------------------------------------------------------------------
# Gradients (Sobel)


def to_grey(image) -> np.ndarray:
    """(H, W) float32: the image itself if grey, else its luma 0.299 R + 0.587 G + 0.114 B."""
    return _grey(as_float_image(image))


def _grey(image3: np.ndarray) -> np.ndarray:
    """(H, W) float32 of a float32 (H, W, C) image: channel 0, the mean of two, or the luma."""
    if image3.shape[2] == 1:
        return image3[:, :, 0]
    if image3.shape[2] < 3:
        return image3.mean(axis=2, dtype=np.float32)
    # Pixel by pixel (not a matrix product), so that a strip gives the same values as the whole.
    grey = image3[:, :, 0] * LUMA[0]
    grey += image3[:, :, 1] * LUMA[1]
    grey += image3[:, :, 2] * LUMA[2]
    return grey


def gradients(image, *, padding: str = "edge", progress=None,
              should_stop=None) -> tuple[np.ndarray, np.ndarray]:
    """Sobel (gx, gy), float32 (H, W) each; colour is converted to grey (luma) first.

    gx > 0 where brightness rises to the right, gy > 0 where it rises downwards.
    progress / should_stop work as in `apply_kernel` (gx is the first half, gy the second).
    """
    grey = to_grey(image)
    halves = [None, None]
    if progress is not None:
        halves = [lambda f: progress(0.5 * f), lambda f: progress(0.5 + 0.5 * f)]
    gx = apply_kernel(grey, sobel_x(), padding=padding, progress=halves[0],
                      should_stop=should_stop)
    gy = apply_kernel(grey, sobel_y(), padding=padding, progress=halves[1],
                      should_stop=should_stop)
    return gx, gy


def sobel(image, *, padding: str = "edge", progress=None,
          should_stop=None) -> tuple[np.ndarray, np.ndarray]:
    """(magnitude sqrt(gx^2 + gy^2), angle atan2(gy, gx) in radians), float32 (H, W) each.

    angle 0 points right (+x); positive angles point down (+y, image rows), range (-pi, pi].
    Works in strips of output rows (grey, gx, gy, magnitude and angle of one strip at a time):
    with `progress(fraction)` or `should_stop()` given, each strip is short and `Cancelled` is
    raised when `should_stop()` returns True.
    """
    image3 = check_image(image)
    wx, wy = (kernel.values.astype(np.float32) for kernel in (sobel_x(), sobel_y()))
    amounts = pad_amounts((3, 3), padding)
    ho, wo = output_size(image3.shape[:2], (3, 3), padding=padding)
    padded_shape = (image3.shape[0] + amounts[0] + amounts[1],
                    image3.shape[1] + amounts[2] + amounts[3], 1)
    method = _fastpaths.choose_method(wx, (ho, wo, 1), 1)
    strips = 1
    if progress is not None or should_stop is not None:
        total_ns = 2 * _fastpaths.estimate_ns(method, wx, padded_shape)
        total_ns += padded_shape[0] * padded_shape[1] * (image3.shape[2] + 8) * _PAD_NS_PER_VALUE
        strips = max(1, min(ho, math.ceil(total_ns / _STRIP_NS)))
    bounds = np.linspace(0, ho, strips + 1).astype(int)
    magnitude = np.empty((ho, wo), np.float32)
    angle = np.empty((ho, wo), np.float32)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        check_stop(should_stop, "filtering")
        slab = pad_image(image3, amounts, padding, rows=slice(start, stop + 2))
        grey = _grey(slab)[:, :, None]
        gx = _fastpaths.correlate_valid(grey, wx, 1, method)[:, :, 0]
        gy = _fastpaths.correlate_valid(grey, wy, 1, method)[:, :, 0]
        magnitude[start:stop] = np.hypot(gx, gy)
        angle[start:stop] = np.arctan2(gy, gx)
        if progress is not None:
            progress(float(stop) / ho)
    return magnitude, angle
