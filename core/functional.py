"""Stateless array math of the engine: convolution, pooling, softmax and cross-entropy.

Tensors are NCHW (batch, channels, height, width). The functions take and return plain arrays and
keep no state; the layers in `core.layers` hold parameters and caches and delegate to them.

Convolution is done the im2col way without Python loops over pixels: kh * kw copies of strided
runs of the padded input list every receptive field as a column matrix, and one BLAS product per
batch multiplies it by the weights. The backward pass is two more products (weights, columns)
and adds the column gradients back onto the input one kernel tap at a time (kh * kw vectorised
additions), which is where a shared weight's deltas are summed (item 11 of the course notes).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Number of positions a `kernel` fits along `size` cells padded by `padding` on each side."""
    return (size + 2 * padding - kernel) // stride + 1


class ConvGeometry(NamedTuple):
    """Sizes of one convolution, and of the padded buffer its taps are read from.

    The padded input of every (channel, sample) is stored as rows of `row` cells (`row` is the
    padded width rounded up to a multiple of the stride) with one spare row at the bottom. Output
    cell (r, q) reads buffer cell (stride * r + i) * row + stride * q + j for kernel tap (i, j).
    Outputs are computed on a grid `pitch` = row / stride columns wide; the columns from `out_w`
    on are spare and dropped. At stride 1 a tap's cells for a whole image are then one
    contiguous run of the buffer, copied at memory speed instead of row by row.
    """

    n: int
    channels: int
    height: int
    width: int
    kh: int
    kw: int
    stride: int
    padding: int
    out_h: int
    out_w: int
    rows: int
    row: int
    pitch: int

    @property
    def length(self) -> int:
        """Output grid cells per image, spare columns included."""
        return self.out_h * self.pitch


def conv_geometry(shape: tuple, kh: int, kw: int, stride: int, padding: int) -> ConvGeometry:
    """Geometry of a (kh, kw) convolution over an (N, C, H, W) input."""
    n, c, h, w = shape
    padded_w = w + 2 * padding
    row = -(-padded_w // stride) * stride
    return ConvGeometry(n, c, h, w, kh, kw, stride, padding,
                        conv_output_size(h, kh, stride, padding),
                        conv_output_size(w, kw, stride, padding),
                        h + 2 * padding + 1, row, row // stride)


def _tap_runs(flat: np.ndarray, g: ConvGeometry):
    """(tap index, (C, N, out_h, pitch) view of flat (C, N, rows*row)) for every kernel tap."""
    sc, sn, item = flat.strides
    for i in range(g.kh):
        for j in range(g.kw):
            start = flat[:, :, i * g.row + j:]
            yield i * g.kw + j, as_strided(
                start, shape=(g.channels, g.n, g.out_h, g.pitch),
                strides=(sc, sn, g.stride * g.row * item, g.stride * item))


def _buffer(workspace: dict | None, key: str, shape: tuple, dtype) -> np.ndarray:
    """A zeroed array, or the one kept in `workspace` under `key` from an earlier call.

    Reused buffers are only ever written where they were written before, so their zero cells
    (padding, spare columns) stay zero; this saves allocating and clearing them every batch.
    """
    if workspace is None:
        return np.zeros(shape, dtype=dtype)
    buffer = workspace.get(key)
    if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
        buffer = workspace[key] = np.zeros(shape, dtype=dtype)
    return buffer


def im2col(x: np.ndarray, g: ConvGeometry, workspace: dict | None = None) -> np.ndarray:
    """Receptive fields of x (N, C, H, W) as columns (C*kh*kw, N*length).

    Rows are ordered (channel, tap row, tap column) like a flattened (C, kh, kw) weight, columns
    (sample, output row, output column of the pitch-wide grid). Built with kh*kw copies of
    evenly spaced runs, no loop over pixels.
    """
    p = g.padding
    buffer = _buffer(workspace, "input", (g.channels, g.n, g.rows, g.row), x.dtype)
    buffer[:, :, p:p + g.height, p:p + g.width] = x.transpose(1, 0, 2, 3)
    flat = buffer.reshape(g.channels, g.n, -1)
    shape = (g.channels, g.kh * g.kw, g.n, g.out_h, g.pitch)
    cols = np.empty(shape, dtype=x.dtype) if workspace is None else \
        _buffer(workspace, "cols", shape, x.dtype)
    for tap, run in _tap_runs(flat, g):
        cols[:, tap] = run
    return cols.reshape(g.channels * g.kh * g.kw, g.n * g.length)


def col2im(cols: np.ndarray, g: ConvGeometry, workspace: dict | None = None) -> np.ndarray:
    """Adjoint of `im2col`: add columns (C*kh*kw, N*length) back onto x's place (N, C, H, W).

    Each kernel tap adds its whole column block at once; where a weight was used at many
    positions, their contributions add up here.
    """
    flat = _buffer(workspace, "input_grad", (g.channels, g.n, g.rows * g.row), cols.dtype)
    if workspace is not None:
        flat.fill(0)
    taps = cols.reshape(g.channels, g.kh * g.kw, g.n, g.out_h, g.pitch)
    for tap, run in _tap_runs(flat, g):
        run += taps[:, tap]
    p = g.padding
    buffer = flat.reshape(g.channels, g.n, g.rows, g.row)
    return np.ascontiguousarray(buffer[:, :, p:p + g.height, p:p + g.width].transpose(1, 0, 2, 3))


def _product(workspace: dict | None, key: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b, written into a reused workspace buffer when there is one."""
    if workspace is None:
        return a @ b
    return np.matmul(a, b, out=_buffer(workspace, key, (a.shape[0], b.shape[1]), b.dtype))


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int,
                   padding: int, workspace: dict | None = None) -> tuple[np.ndarray, tuple]:
    """Cross-correlate x (N, C, H, W) with weight (O, C, kh, kw), add bias (O,).

    Returns the output (N, O, Ho, Wo) and the cache `conv2d_backward` needs. The whole batch
    is one matrix product (O, C*kh*kw) @ (C*kh*kw, N*length).
    With a `workspace` dict, internal buffers are kept there and reused by later calls (the
    cache of one call is then only valid until the next call with the same workspace).
    """
    out_c, _, kh, kw = weight.shape
    g = conv_geometry(x.shape, kh, kw, stride, padding)
    cols = im2col(x, g, workspace)
    out = _product(workspace, "output", weight.reshape(out_c, -1), cols)
    result = np.empty((g.n, out_c, g.out_h, g.out_w), dtype=out.dtype)
    grid = out.reshape(out_c, g.n, g.out_h, g.pitch)[..., :g.out_w]
    np.add(grid, bias.reshape(out_c, 1, 1, 1), out=result.transpose(1, 0, 2, 3))
    return result, (cols, g, workspace)


def conv2d_backward(grad_out: np.ndarray, cache: tuple, weight: np.ndarray, stride: int, *,
                    input_grad: bool = True, param_grads: bool = True):
    """Gradients of a convolution from grad_out (N, O, Ho, Wo).

    Returns (grad_x (N, C, H, W) or None, grad_weight (O, C, kh, kw) or None, grad_bias (O,) or
    None). The weight gradient, one matrix product, sums the contributions of every position
    the kernel visited.
    """
    cols, g, workspace = cache
    out_c = weight.shape[0]
    grid = _buffer(workspace, "grid", (out_c, g.n, g.out_h, g.pitch), grad_out.dtype)
    grid[:, :, :, :g.out_w] = grad_out.transpose(1, 0, 2, 3)
    grid = grid.reshape(out_c, -1)
    grad_w = grad_b = grad_x = None
    if param_grads:
        grad_w = (cols @ grid.T).T.reshape(weight.shape)  # (faster than grid @ cols.T)
        grad_b = grid.sum(axis=1)
    if input_grad:
        dcols = _product(workspace, "cols_grad", weight.reshape(out_c, -1).T, grid)
        grad_x = col2im(dcols, g, workspace)
    return grad_x, grad_w, grad_b


def _tap(array: np.ndarray, i: int, j: int, stride: int, out_h: int, out_w: int) -> np.ndarray:
    """The (N, C, out_h, out_w) view of `array` seen by window cell (i, j)."""
    return array[:, :, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]


def pool_output_shape(h: int, w: int, size: int, stride: int) -> tuple[int, int]:
    """Output (Ho, Wo) of a size x size pooling window moved by `stride` (no padding)."""
    return (h - size) // stride + 1, (w - size) // stride + 1


def max_pool_forward(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, tuple]:
    """Max over size x size windows of x (N, C, H, W); returns (N, C, Ho, Wo) and a cache.

    The windows are visited one tap at a time (size * size strided views, element-wise maxima),
    which NumPy does much faster than a reduction over small reshaped axes.
    """
    n, c, h, w = x.shape
    out_h, out_w = pool_output_shape(h, w, size, stride)
    out = _tap(x, 0, 0, stride, out_h, out_w).copy(order="K")  # keeps x's memory layout
    for i in range(size):
        for j in range(size):
            if i or j:
                np.maximum(out, _tap(x, i, j, stride, out_h, out_w), out=out)
    return out, (x, out, size, stride)


def max_pool_backward(grad_out: np.ndarray, cache: tuple) -> np.ndarray:
    """Route grad_out (N, C, Ho, Wo) to the first arg-max cell of every window (item 12)."""
    x, out, size, stride = cache
    out_h, out_w = out.shape[2:]
    overlap = stride < size
    tiled = stride == size and x.shape[2] == out_h * size and x.shape[3] == out_w * size
    grad_x = np.empty_like(x) if tiled else np.zeros_like(x)
    taken = None
    for i in range(size):
        for j in range(size):
            hit = _tap(x, i, j, stride, out_h, out_w) == out
            if taken is None:
                taken = hit
            else:
                hit &= ~taken
                taken |= hit
            target = _tap(grad_x, i, j, stride, out_h, out_w)
            if overlap:
                target += grad_out * hit
            else:
                np.multiply(grad_out, hit, out=target)
    return grad_x


def avg_pool_forward(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, tuple]:
    """Mean over size x size windows of x (N, C, H, W); returns (N, C, Ho, Wo) and a cache."""
    n, c, h, w = x.shape
    out_h, out_w = pool_output_shape(h, w, size, stride)
    out = _tap(x, 0, 0, stride, out_h, out_w).copy(order="K")
    for i in range(size):
        for j in range(size):
            if i or j:
                out += _tap(x, i, j, stride, out_h, out_w)
    out *= x.dtype.type(1.0 / (size * size))
    return out, (x.shape, size, stride)


def avg_pool_backward(grad_out: np.ndarray, cache: tuple) -> np.ndarray:
    """Share grad_out (N, C, Ho, Wo) equally among the cells of every window."""
    shape, size, stride = cache
    out_h, out_w = grad_out.shape[2:]
    share = grad_out * grad_out.dtype.type(1.0 / (size * size))
    tiled = stride == size and shape[2] == out_h * size and shape[3] == out_w * size
    grad_x = np.empty(shape, grad_out.dtype) if tiled else np.zeros(shape, grad_out.dtype)
    for i in range(size):
        for j in range(size):
            target = _tap(grad_x, i, j, stride, out_h, out_w)
            if tiled:
                target[...] = share
            else:
                target += share
    return grad_x


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax: exp(z_i - max z) / sum_k exp(z_k - max z); rows sum to 1."""
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(z)) without overflow or log(0)."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits (N, K)) against targets, and d(loss)/d(logits).

    `targets` are class indices (N,) or probability rows (N, K). The fused gradient is
    (softmax(logits) - one_hot) / N.
    """
    n = logits.shape[0]
    logp = log_softmax(logits, axis=1)
    probs = np.exp(logp)
    if targets.ndim == 1:
        rows = np.arange(n)
        loss = -float(logp[rows, targets].sum()) / n
        grad = probs
        grad[rows, targets] -= 1
    else:
        loss = -float((targets * logp).sum()) / n
        grad = probs - targets
    grad /= n
    return loss, grad.astype(logits.dtype, copy=False)
