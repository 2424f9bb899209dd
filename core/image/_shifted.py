"""Direct correlation at stride 1 as one matrix-vector product per output row, over kw shifted
copies of the rows read (a 2-D kernel, or any kernel on a grey image).

With P the padded rows (Wp * C values each) and Lo = Wo * C values per output row, the block's
rows are copied kw times, shifted, each copy Ls >= Lo values long: Q[p, j, :Lo] =
P[p, j * C : j * C + Lo]. The kh * kw values under output value x of row r are then
Q[r + i, j, x] = Q[r, 0, x + (i * kw + j) * Ls]: evenly spaced, so they form row x of one
column-major (Lo, kh * kw) matrix with leading dimension Ls, and the whole output row is that
matrix times the flattened kernel, one BLAS matrix-vector product (NumPy loops over the block's
rows in one call). Each input value is copied kw times and read kh * kw times from cache, with
no intermediate products: on 2048x2048 images, 3x3 and 5x5 kernels take 0.7-0.85x the time of
the products and sums of `core.image._products`, which this replaces where the cost model says
so.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core.image._borders import border_strips
from core.image._padding import check_finite, pad_phases_into

_BLOCK_BYTES = 3 * 1024 * 1024
"""Size of one block's shifted copies. On 2048x2048 grey and RGB, 3x3 and 5x5, copies of 2-4 MB
were fastest on two threads: 1 MB blocks cost more calls (each takes the GIL back), larger ones
fall out of the second-level cache."""
_MIN_BLOCK_ROWS = 8
_MAX_TAPS = 25
"""Larger kernels read too many values per output from cache: on 2048x2048 RGB, 7x7 took as
long as the products, 9x9 1.7x as long (the products reuse each value in registers)."""

# Cost model (nanoseconds on two threads; measured on one thread, 2048x2048 grey, 3x3 to 9x9,
# and halved): per output value and kernel tap (the matrix-vector products); per output value
# and kernel column (the shifted copies). `core.image._products` adds its costs per row and
# per block.
_NS_TAP = 0.0135
_NS_COPY = 0.104


def applies(stride, weights: np.ndarray, channels: int) -> bool:
    """Whether this way computes the correlation: stride 1, a 2-D kernel or a grey image, and
    at most `_MAX_TAPS` taps."""
    kh, kw = weights.shape[:2]
    return (tuple(stride) == (1, 1) and (weights.ndim == 2 or channels == 1)
            and kh * kw <= _MAX_TAPS)


def estimate_ns(weights: np.ndarray, out_values: int) -> float:
    """Rough time of the products and copies for `out_values` output values (two threads)."""
    kh, kw = weights.shape[:2]
    return out_values * (kh * kw * _NS_TAP + kw * _NS_COPY)


def block_rows(weights: np.ndarray, row_values: int) -> int:
    """Output rows per block: the block's shifted copies take about `_BLOCK_BYTES`."""
    kh, kw = weights.shape[:2]
    rows = _BLOCK_BYTES // (4 * kw * row_values) - (kh - 1)
    return int(max(_MIN_BLOCK_ROWS, rows))


class Scratch:
    """One thread's shifted copies, and whether their columns outside the source are zeros."""

    def __init__(self, weights: np.ndarray, rows: int, row_values: int):
        kh, kw = weights.shape[:2]
        # Rows of a multiple of 16 values from a 64-byte boundary: every block's products then
        # read the same alignment, and give the same last bits wherever the blocks start.
        padded = -(-row_values // 16) * 16
        size = (rows + kh - 1) * kw * padded
        memory = np.empty(size + 16, np.float32)
        first = (-memory.ctypes.data % 64) // 4
        self.copies = memory[first : first + size].reshape(rows + kh - 1, kw, padded)
        self.kernel = np.ascontiguousarray(weights, np.float32).reshape(kh * kw, 1)
        self.zeroed_for = None  # the (offset, width) whose outside columns hold zeros


def correlate_rows(source, offset: int, channels: int, scratch: Scratch, target) -> None:
    """target (n, Lo) = the correlation of the rows `source` (n + kh - 1, values): padded
    column k * C + c is source column k * C + c - offset (zero outside `source`)."""
    n, row_values = target.shape
    kh = len(source) - n + 1
    copies = scratch.copies
    kw = copies.shape[1]
    width = source.shape[1]
    zero_outside = scratch.zeroed_for != (offset, width)
    for j in range(kw):
        first = j * channels - offset  # source column of copy j's column 0
        c0, c1 = max(0, -first), min(row_values, width - first)
        if c1 > c0:
            np.copyto(copies[: n + kh - 1, j, c0:c1], source[:, first + c0 : first + c1])
        if zero_outside:
            copies[:, j, : max(0, c0)] = 0
            copies[:, j, max(c0, c1) :] = 0
    scratch.zeroed_for = (offset, width)
    s0, s1, s2 = copies.strides
    windows = as_strided(copies, (n, row_values, kh * kw), (s0, s2, s1), writeable=False)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN or inf: refused by the caller
        np.matmul(windows, scratch.kernel, out=target[:, :, None])


def rows_by_copies(layout, out, start: int, stop: int) -> None:
    """Output rows [start, stop) of `core.image._products.correlate` (`layout` its _Layout) by
    shifted copies: of the image rows as they are where a block reads no padding row, else of
    padded rows."""
    kh, channels, image3 = layout.kh, layout.channels, layout.image3
    per_block = min(layout.per_block, stop - start)
    scratch = Scratch(layout.weights, per_block, layout.out_values)
    padded = None
    inside = None  # the rows read without padding: [start, stop, first image row]
    for r0 in range(start, stop, per_block):
        r1 = min(stop, r0 + per_block)
        rows = layout.row_index[r0 : r1 - 1 + kh]
        target = out[r0:r1].reshape(r1 - r0, -1)  # out is C-contiguous: a view
        if layout.unpadded and rows[0] >= 0 and rows[-1] - rows[0] == len(rows) - 1:
            source = image3[rows[0] : rows[-1] + 1].reshape(len(rows), -1)
            correlate_rows(source, layout.left * channels, channels, scratch, target)
            _check_read(layout, target, int(rows[0]))
            if inside is None:
                inside = [r0, r1, int(rows[0])]
            inside[1] = r1
            continue
        if padded is None:
            padded = np.empty((per_block - 1 + kh, layout.wp * channels), np.float32)
        source = padded[: len(rows)]
        pad_phases_into(source.reshape(len(rows), 1, layout.wp, channels), image3, rows,
                        layout.col_index, layout.left, layout.padding)
        correlate_rows(source, 0, channels, scratch, target)
    border_strips(layout, out, inside)


def _check_read(layout, target, first: int) -> None:
    """Refuse NaN and infinity in the image rows read for `target`'s output rows: each value
    read reaches the outputs under it, at every tap (zero weights too, where the products do
    multiply them), so every kh-th output row, and the last, summed cover them all."""
    n, kh = len(target), layout.kh
    read = layout.image3[first : first + n - 1 + kh]
    zero_weights = not layout.matrix.all() or len(layout.keys) < layout.kw
    if zero_weights and not zeros_propagate(kh, layout.kw):
        check_finite(read)
        return
    with np.errstate(over="ignore", invalid="ignore"):
        summed = np.add.reduce(target[::kh], axis=0)
        summed += target[n - 1]
    if not np.isfinite(summed).all():
        check_finite(read)  # NaN or infinity, or only an overflow of large values


@functools.cache
def zeros_propagate(kh: int, kw: int) -> bool:
    """Whether the matrix-vector products multiply zero weights too (0 * NaN is NaN), so that
    every value read reaches the output: optimised BLAS kernels do, the reference BLAS skips
    zero weights. Tried once per kernel size on a small image with one NaN."""
    rows, values = 2 * kh + 1, 4 * kw + 16  # the NaN is under kh * kw windows
    source = np.ones((rows, values), np.float32)
    source[kh, values // 2] = np.nan
    weights = np.zeros((kh, kw), np.float32)
    weights[kh // 2, kw // 2] = 1.0
    target = np.empty((rows - kh + 1, values - kw + 1), np.float32)
    correlate_rows(source, 0, 1, Scratch(weights, len(target), target.shape[1]), target)
    with np.errstate(invalid="ignore"):
        reached = np.isnan(target).sum()
    return bool(reached == kh * kw)
