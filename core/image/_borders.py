"""What the direct filters share: the sum of shifted rows by one matrix-vector product per row,
and the border columns of the rows read without padding, computed apart.

`layout` is `core.image._products._Layout`: the image, the kernel, the padding and its indices.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def sum_by_product(y, first: int, spacing: int, channels: int, flat) -> None:
    """flat (n, m) = the sum over terms t of y[:, t] shifted left by (first + t * spacing) cells
    of `channels` values, as one matrix-vector product per row: the shifted rows are the
    columns of one matrix (their starts are a row of y plus spacing cells apart), times ones."""
    n, count, _ = y.shape
    m = flat.shape[1]
    s0, s1, s2 = y.strides
    shifted = as_strided(y[:, 0, first * channels :], (n, m, count),
                         (s0, s2, s1 + spacing * channels * s2), writeable=False)
    np.matmul(shifted, np.ones((count, 1), np.float32), out=flat[:, :, None])


def border_strips(layout, out, inside) -> None:
    """The border columns of the rows read without padding (`inside`), padding other than
    zero or "valid" (the products and copies there took zeros for the padding)."""
    if inside is not None and layout.padding not in ("zero", "valid"):
        wo, width = out.shape[1], layout.image3.shape[1]
        left = min(wo, layout.left)
        right = max(left, min(wo, width + layout.left - layout.kw + 1))
        for c0, c1 in ((0, left), (right, wo)):
            if c1 > c0:
                border_columns(layout, inside[2], out[inside[0] : inside[1]], c0, c1)


def border_columns(layout, first: int, target, c0: int, c1: int) -> None:
    """target[:, c0:c1] from the padded cells under those columns' windows (a 2-D kernel: the
    same products and sum of shifted rows as the image's, on the strip of those cells)."""
    n, kh, kw = len(target), layout.kh, layout.kw
    columns = layout.col_index[c0 : c1 - 1 + kw]
    strip = layout.image3[first : first + n - 1 + kh][:, columns]
    weights = layout.weights
    if weights.ndim == 2:
        rows = np.ascontiguousarray(strip).reshape(len(strip), -1)  # indexing may reorder axes
        windows = as_strided(rows, (n, kh, rows.shape[1]), (rows.strides[0],) * 2 + (4,),
                             writeable=False)
        y = np.matmul(np.ascontiguousarray(weights.T), windows)
        summed = np.empty((n, (c1 - c0) * strip.shape[2]), np.float32)
        sum_by_product(y, 0, 1, strip.shape[2], summed)
        target[:, c0:c1] = summed.reshape(target[:, c0:c1].shape)
        return
    s = strip.strides
    windows = as_strided(strip, (n, c1 - c0, kh, kw, strip.shape[2]), (s[0], s[1], s[0], s[1],
                                                                      s[2]), writeable=False)
    target[:, c0:c1] = np.einsum("rcijk,ijk->rc", windows, weights)
