"""Neighbourhood functions other than a weighted sum: median, min (erode), max (dilate).

Same geometry as `core.image.filtering.apply_kernel` (padding modes, pad_width, stride, anchor of
even sizes at (k - 1) // 2), computed with scipy.ndimage's rank filters on the padded image.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage

from core.image._padding import check_image, check_stride, output_size, pad_amounts, pad_image
from core.image.kernels import MAX_KERNEL_SIZE
from core.jobs import check_stop

_STRIP_WORK = 5e6
"""Window cells visited per strip when working in strips (~10-20 ms)."""
_MEDIAN_CELL_COST = 15
"""A median visits a cell ~15 times slower than min / max (which are separable)."""

FUNCTIONS = {
    "median": scipy.ndimage.median_filter,
    "min": scipy.ndimage.minimum_filter,
    "max": scipy.ndimage.maximum_filter,
}


def neighbourhood(image, size, function: str, *, padding: str = "edge", pad_width=None,
                  stride: int = 1, progress=None, should_stop=None) -> np.ndarray:
    """Median, min or max of each (h, w) window of `image` (H, W) or (H, W, C), per channel.

    size: int or (h, w), 1..31. With an even number of cells the median is the mean of the two
    middle values (as numpy.median). Returns float32 (Ho, Wo) or (Ho, Wo, C) (see `output_size`).
    With `progress(fraction)` or `should_stop()` given, works in short strips of rows and raises
    `core.jobs.Cancelled` when `should_stop()` returns True.
    """
    if function not in FUNCTIONS:
        raise ValueError(f"function must be one of {', '.join(FUNCTIONS)}; received {function!r}")
    kh, kw = _size_pair(size)
    stride = check_stride(stride)
    grey = np.ndim(image) == 2
    image3 = check_image(image)
    out_h, out_w = output_size(image3.shape[:2], (kh, kw), padding=padding, pad_width=pad_width,
                               stride=stride)
    amounts = pad_amounts((kh, kw), padding, pad_width)
    if progress is None and should_stop is None:
        out = _filter_valid(pad_image(image3, amounts, padding), (kh, kw), function, stride)
    else:
        out = np.empty((out_h, out_w, image3.shape[2]), np.float32)
        padded_width = image3.shape[1] + amounts[2] + amounts[3]
        cells = kh * kw * _MEDIAN_CELL_COST if function == "median" else kh + kw
        work = padded_width * image3.shape[2] * cells
        rows_per_strip = max(1, int(_STRIP_WORK // (work * stride)))
        for start in range(0, out_h, rows_per_strip):
            check_stop(should_stop, "filtering")
            stop = min(out_h, start + rows_per_strip)
            rows = slice(start * stride, (stop - 1) * stride + kh)
            slab = pad_image(image3, amounts, padding, rows=rows)
            out[start:stop] = _filter_valid(slab, (kh, kw), function, stride)
            if progress is not None:
                progress(stop / out_h)
    return out[:, :, 0] if grey else out


def _filter_valid(padded, size, function, stride) -> np.ndarray:
    """The strided valid part of `function` over (kh, kw) windows of padded (Hp, Wp, C)."""
    kh, kw = size
    out_h, out_w = (padded.shape[0] - kh) // stride + 1, (padded.shape[1] - kw) // stride + 1
    if function == "median" and (kh * kw) % 2 == 0:
        # An even count of cells: the mean of the two middle values (as numpy.median).
        below = scipy.ndimage.rank_filter(padded, kh * kw // 2 - 1, size=(kh, kw, 1))
        above = scipy.ndimage.rank_filter(padded, kh * kw // 2, size=(kh, kw, 1))
        filtered = (below + above) * np.float32(0.5)
    else:
        filtered = FUNCTIONS[function](padded, size=(kh, kw, 1), mode="nearest")
    rows = slice(kh // 2, kh // 2 + (out_h - 1) * stride + 1, stride)
    cols = slice(kw // 2, kw // 2 + (out_w - 1) * stride + 1, stride)
    return np.ascontiguousarray(filtered[rows, cols], dtype=np.float32)


def _size_pair(size) -> tuple[int, int]:
    pair = (size, size) if isinstance(size, int | np.integer) else tuple(size)
    if len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and 1 <= v <= MAX_KERNEL_SIZE
        for v in pair
    ):
        raise ValueError(f"size must be an int or (h, w) from 1 to {MAX_KERNEL_SIZE}; "
                         f"received {size!r}")
    return int(pair[0]), int(pair[1])
