"""Stateless array math of the engine: convolution, pooling, softmax and cross-entropy.

Tensors are NCHW (batch, channels, height, width). The functions take and return plain arrays and
keep no state; the layers in `core.nn.layers` hold parameters and caches and delegate to them.

Convolution is done the im2col way without Python loops over pixels: a strided view of the padded
input lists every receptive field, one copy turns it into a column matrix and BLAS multiplies it by
the weights (and, by a row of ones, adds the bias). The backward pass sums a shared weight's deltas
over every position it visited (item 11 of the course notes) in the same kind of product, and
adds the input gradient back onto the padded input in a few long vectorised additions (one per
kernel row, or per tap where that moves less memory).

The work on a batch is handed to `parallel.over_batch` one part of the batch at a time, and sums
over the batch go to `parallel.afterwards`, so that a network can run a string of blocks on its
threads in one go (`parallel.batch_pipeline`): nothing reads the batch outside that work.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core.nn import parallel


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Number of positions a `kernel` fits along `size` cells padded by `padding` on each side."""
    return (size + 2 * padding - kernel) // stride + 1


def pad2d(x: np.ndarray, padding: int) -> np.ndarray:
    """Zero-pad the last two axes of (N, C, H, W) by `padding` cells on every side."""
    if padding == 0:
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=x.dtype)
    out[:, :, padding:padding + h, padding:padding + w] = x
    return out


def _tap(array: np.ndarray, i: int, j: int, stride: int, out_h: int, out_w: int) -> np.ndarray:
    """The (N, C, out_h, out_w) view of `array` seen by kernel tap (i, j)."""
    return array[:, :, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]


def im2col(xp: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """Receptive fields of a padded (N, C, Hp, Wp) input as columns (N, C*kh*kw, Ho*Wo).

    Rows are ordered (channel, tap row, tap column) like a flattened (C, kh, kw) weight.
    """
    n, c = xp.shape[:2]
    windows = _windows(xp, kh, kw, stride)
    return windows.reshape(n, c * kh * kw, -1)


def _windows(xp: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """The read-only (N, C, kh, kw, Ho, Wo) view of a padded input's receptive fields."""
    n, c, hp, wp = xp.shape
    out_h = (hp - kh) // stride + 1
    out_w = (wp - kw) // stride + 1
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, shape=(n, c, kh, kw, out_h, out_w),
                      strides=(sn, sc, sh, sw, sh * stride, sw * stride), writeable=False)


def col2im(cols: np.ndarray, padded_shape: tuple, kh: int, kw: int, stride: int, *,
           out: np.ndarray | None = None) -> np.ndarray:
    """Adjoint of `im2col`: add columns (N, C*kh*kw, Ho*Wo) back onto a padded (N, C, Hp, Wp)
    array of zeros, or onto `out` (zeroed first) when given."""
    n, c, hp, wp = padded_shape
    out_h = (hp - kh) // stride + 1
    out_w = (wp - kw) // stride + 1
    taps = cols.reshape(n, c, kh, kw, out_h, out_w)
    if out is None:
        out = np.zeros(padded_shape, dtype=cols.dtype)
    else:
        out[...] = 0
    for i in range(kh):
        for j in range(kw):
            _tap(out, i, j, stride, out_h, out_w)[...] += taps[:, :, i, j]
    return out


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int,
                   padding: int) -> tuple[np.ndarray, tuple]:
    """Cross-correlate x (N, C, H, W) with weight (O, C, kh, kw), add bias (O,).

    Returns the output (N, O, Ho, Wo) and the cache `conv2d_backward` needs. The batch is
    shared among the engine's threads (`core.nn.parallel`). The columns end with a row of ones
    so that one matrix product adds the bias too (and the backward gets its gradient with the
    weights').
    """
    n, in_c, h, w = x.shape
    out_c, _, kh, kw = weight.shape
    padded_shape = (n, in_c, h + 2 * padding, w + 2 * padding)
    out_h = (padded_shape[2] - kh) // stride + 1
    out_w = (padded_shape[3] - kw) // stride + 1
    taps = in_c * kh * kw
    cols = np.empty((n, taps + 1, out_h * out_w), dtype=x.dtype)
    out = np.empty((n, out_c, out_h * out_w), dtype=x.dtype)
    w2 = np.concatenate([weight.reshape(out_c, taps), bias.reshape(out_c, 1)], axis=1)

    def part(s: slice) -> None:
        windows = _windows(pad2d(x[s], padding), kh, kw, stride)
        np.copyto(cols[s, :taps].reshape(windows.shape), windows)  # one copy, straight in place
        cols[s, taps] = 1
        np.matmul(w2, cols[s], out=out[s])

    parallel.over_batch(part, n, values=out.size * (taps + 1))
    return out.reshape(n, out_c, out_h, out_w), (cols, padded_shape, padding)


def conv2d_backward(grad_out: np.ndarray, cache: tuple, weight: np.ndarray, stride: int, *,
                    input_grad: bool = True, param_grads: bool = True,
                    add_to: tuple[np.ndarray, np.ndarray] | None = None):
    """Gradients of a convolution from grad_out (N, O, Ho, Wo).

    Returns (grad_x (N, C, H, W) or None, grad_weight (O, C, kh, kw) or None, grad_bias (O,) or
    None). The weight gradient sums the contributions of every position the kernel visited:
    per sample on the engine's threads, then over the whole batch at once. With `add_to`
    (weight, bias gradient arrays) those are added there instead (once the batch work is done,
    `parallel.afterwards`) and (grad_x, None, None) is returned.
    """
    cols, padded_shape, padding = cache
    n, out_c = grad_out.shape[:2]
    _, in_c, kh, kw = weight.shape
    per_position = grad_out.shape[2] * grad_out.shape[3]
    # Per sample dE/dW, as (O, K) = g @ cols^T or, faster when the filters have more weights
    # than the output has positions, as its transpose (K, O) = cols @ g^T.
    transposed = cols.shape[1] > per_position
    shape = (n, cols.shape[1], out_c) if transposed else (n, out_c, cols.shape[1])
    per_sample = np.empty(shape, dtype=grad_out.dtype) if param_grads else None
    by_row = stride == 1 and _by_row_pays(weight.shape)
    by_tap = stride == 1 and not by_row
    padded_grad = None
    if input_grad:  # by tap needs a spare row
        padded_grad = np.empty((n, in_c, padded_shape[2] + by_tap, padded_shape[3]),
                               dtype=grad_out.dtype)

    def part(s: slice) -> None:
        g = grad_out[s].reshape(-1, out_c, per_position)  # read here: the batch work may be later
        if param_grads and transposed:
            np.matmul(cols[s], g.transpose(0, 2, 1), out=per_sample[s])
        elif param_grads:
            np.matmul(g, cols[s].transpose(0, 2, 1), out=per_sample[s])
        if input_grad and by_row:
            _input_grad_by_row(grad_out[s], weight, padded_shape, padded_grad[s])
        elif input_grad and by_tap:
            _input_grad_by_tap(grad_out[s], weight, padded_shape, padded_grad[s])
        elif input_grad:
            dcols = np.matmul(weight.reshape(out_c, -1).T, g)
            col2im(dcols, padded_grad[s].shape, kh, kw, stride, out=padded_grad[s])

    def param_grads_now() -> tuple[np.ndarray, np.ndarray]:
        total = per_sample.sum(axis=0)  # (O, K + 1): the last column, by the ones, is the bias's
        total = total.T if transposed else total
        return total[:, :-1].reshape(weight.shape), total[:, -1].copy()

    def add_param_grads() -> None:
        grad_w, grad_b = param_grads_now()
        weight_total, bias_total = add_to
        weight_total += grad_w
        bias_total += grad_b

    macs = grad_out.size * cols.shape[1] * (param_grads + input_grad)
    parallel.over_batch(part, n, values=macs)
    grad_w = grad_b = None
    if param_grads and add_to is not None:
        parallel.afterwards(add_param_grads)
    elif param_grads:
        grad_w, grad_b = param_grads_now()
    grad_x = None
    if input_grad:
        hp, wp = padded_shape[2:]
        grad_x = padded_grad[:, :, padding:hp - padding, padding:wp - padding]
    return grad_x, grad_w, grad_b


def _input_grad_by_row(grad_out: np.ndarray, weight: np.ndarray, padded_shape: tuple,
                         out: np.ndarray) -> None:
    """dE/dx of a stride-1 convolution written to `out` (N, C, Hp, Wp), one matrix product and
    kh additions of whole images.

    grad_out is laid kw times on rows as wide as the padded input, shifted right by 0 .. kw-1
    columns. Then one product by the weights, ordered (tap row, channel) x (filter, tap column),
    gives for each tap row what the whole row of taps adds onto the padded input, and that lands
    on one contiguous run of it: kh long additions instead of kh * kw * N * C * Ho short ones.
    """
    n, out_c, out_h, out_w = grad_out.shape
    _, in_c, kh, kw = weight.shape
    wp = padded_shape[3]
    length = out_h * wp
    shifted = np.zeros((n, out_c, kw, out_h, wp), dtype=grad_out.dtype)
    for j in range(kw):
        shifted[:, :, j, :, j:j + out_w] = grad_out
    by_row = weight.transpose(2, 1, 0, 3).reshape(kh * in_c, out_c * kw)
    rows = np.matmul(by_row, shifted.reshape(n, out_c * kw, length)).reshape(n, kh, in_c, length)
    flat = out.reshape(n, in_c, -1)
    flat[:, :, :length] = rows[:, 0]
    flat[:, :, length:] = 0
    for i in range(1, kh):
        flat[:, :, i * wp:i * wp + length] += rows[:, i]


def _input_grad_by_tap(grad_out: np.ndarray, weight: np.ndarray, padded_shape: tuple,
                       out: np.ndarray) -> None:
    """dE/dx of a stride-1 convolution written to `out` (N, C, Hp + 1, Wp), with whole-image
    runs: the better way when there are many filters and few input channels.

    grad_out is laid on a grid as wide as the padded input (spare columns zero), so that for
    each kernel tap the column gradients of an image land on one contiguous run of the padded
    input (the spare row takes the overhang): kh * kw long additions.
    """
    n, out_c, out_h, out_w = grad_out.shape
    _, in_c, kh, kw = weight.shape
    wp = padded_shape[3]
    grid = np.zeros((n, out_c, out_h, wp), dtype=grad_out.dtype)
    grid[..., :out_w] = grad_out
    length = out_h * wp
    dcols = np.matmul(weight.reshape(out_c, -1).T, grid.reshape(n, out_c, length))
    taps = dcols.reshape(n, in_c, kh * kw, length)
    flat = out.reshape(n, in_c, -1)
    flat[...] = 0
    for i in range(kh):
        for j in range(kw):
            start = i * wp + j
            flat[:, :, start:start + length] += taps[:, :, i * kw + j]


def _by_row_pays(weight_shape: tuple) -> bool:
    """Whether `_input_grad_by_row` moves less memory than `_input_grad_by_tap` (measured:
    it does unless the filters outnumber the input channels several times)."""
    out_c, in_c, kh, kw = weight_shape
    return out_c * kw < 2 * in_c * kh * (kw - 1)


def pool_output_shape(h: int, w: int, size: int, stride: int) -> tuple[int, int]:
    """Output (Ho, Wo) of a size x size pooling window moved by `stride` (no padding)."""
    return (h - size) // stride + 1, (w - size) // stride + 1


def max_pool_forward(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, tuple]:
    """Max over size x size windows of x (N, C, H, W); returns (N, C, Ho, Wo) and a cache.

    Overlapping windows are visited one tap at a time (size * size strided views, element-wise
    maxima), which NumPy does much faster than a reduction over small reshaped axes. Windows
    that do not overlap (stride >= size) have all their taps copied at once into contiguous
    planes (one per tap): the maximum over them here and the comparisons of the backward pass
    then run on contiguous rows, in a few calls for the whole part of the batch.
    """
    n, c, h, w = x.shape
    out_h, out_w = pool_output_shape(h, w, size, stride)
    out = np.empty((n, c, out_h, out_w), dtype=x.dtype)
    if stride < size:
        parallel.over_batch(lambda s: _fold_windows(np.maximum, x[s], out[s], size, stride), n,
                            values=x.size)
        return out, (x, out, size, stride, x.shape)
    taps = np.empty((size * size, n, c, out_h, out_w), dtype=x.dtype)

    def part(s: slice) -> None:
        np.copyto(taps[:, s].reshape(size, size, -1, c, out_h, out_w),
                  _all_taps(x[s], size, stride, out_h, out_w))
        np.maximum.reduce(taps[:, s], axis=0, out=out[s])

    parallel.over_batch(part, n, values=x.size)
    return out, (taps, out, size, stride, x.shape)


def _all_taps(array: np.ndarray, size: int, stride: int, out_h: int, out_w: int) -> np.ndarray:
    """The (size, size, N, C, out_h, out_w) view of `array` (N, C, H, W) seen by every tap of
    windows that do not overlap (stride >= size): each cell appears once, so it may be written."""
    sn, sc, sh, sw = array.strides
    return as_strided(array, (size, size, *array.shape[:2], out_h, out_w),
                      (sh, sw, sn, sc, sh * stride, sw * stride))


def _fold_windows(combine: np.ufunc, x: np.ndarray, out: np.ndarray, size: int,
                  stride: int) -> None:
    """Fill `out` (N, C, Ho, Wo) with `combine` folded over the size x size taps of x's windows,
    one strided view per tap (element-wise, much faster than reducing small reshaped axes)."""
    out_h, out_w = out.shape[2:]
    np.copyto(out, _tap(x, 0, 0, stride, out_h, out_w))
    for i in range(size):
        for j in range(size):
            if i or j:
                combine(out, _tap(x, i, j, stride, out_h, out_w), out=out)


def max_pool_backward(grad_out: np.ndarray, cache: tuple) -> np.ndarray:
    """Route grad_out (N, C, Ho, Wo) to the first arg-max cell of every window (item 12)."""
    source, out, size, stride, shape = cache
    out_h, out_w = out.shape[2:]
    overlap = stride < size
    tiled = stride == size and shape[2] == out_h * size and shape[3] == out_w * size
    grad_x = np.empty(shape, dtype=grad_out.dtype)

    def part(s: slice) -> None:
        best, grad, target_x = out[s], grad_out[s], grad_x[s]
        if not tiled:
            target_x[...] = 0
        if not overlap:  # all taps at once: the first of each window's hits takes the gradient
            hits = np.equal(source[:, s], best)
            seen = hits[:-1].copy()  # seen[t]: a hit among taps 0..t (accumulate is slow)
            for t in range(1, len(seen)):
                np.logical_or(seen[t - 1], seen[t], out=seen[t])
            np.greater(hits[1:], seen, out=hits[1:])
            np.multiply(grad, hits.reshape(size, size, *best.shape), order="C",
                        out=_all_taps(target_x, size, stride, out_h, out_w))
            return
        hit = np.empty(best.shape, dtype=bool)
        taken = np.empty(best.shape, dtype=bool)
        for t in range(size * size):
            i, j = divmod(t, size)
            np.equal(_tap(source[s], i, j, stride, out_h, out_w), best, out=hit)
            if t == 0:
                np.copyto(taken, hit)
            else:
                np.greater(hit, taken, out=hit)  # a hit not taken by an earlier tap
                taken |= hit
            target = _tap(target_x, i, j, stride, out_h, out_w)
            target += grad * hit

    parallel.over_batch(part, shape[0], values=math.prod(shape))
    return grad_x


def avg_pool_forward(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, tuple]:
    """Mean over size x size windows of x (N, C, H, W); returns (N, C, Ho, Wo) and a cache."""
    n, c, h, w = x.shape
    out_h, out_w = pool_output_shape(h, w, size, stride)
    out = np.empty((n, c, out_h, out_w), dtype=x.dtype)
    scale = x.dtype.type(1.0 / (size * size))

    def part(s: slice) -> None:
        _fold_windows(np.add, x[s], out[s], size, stride)
        out[s] *= scale

    parallel.over_batch(part, n, values=x.size)
    return out, (x.shape, size, stride)


def avg_pool_backward(grad_out: np.ndarray, cache: tuple) -> np.ndarray:
    """Share grad_out (N, C, Ho, Wo) equally among the cells of every window."""
    shape, size, stride = cache
    out_h, out_w = grad_out.shape[2:]
    scale = grad_out.dtype.type(1.0 / (size * size))
    tiled = stride == size and shape[2] == out_h * size and shape[3] == out_w * size
    grad_x = np.empty(shape, grad_out.dtype)

    def part(s: slice) -> None:
        share = grad_out[s] * scale
        target_x = grad_x[s]
        if not tiled:
            target_x[...] = 0
        for i in range(size):
            for j in range(size):
                target = _tap(target_x, i, j, stride, out_h, out_w)
                if tiled:
                    target[...] = share
                else:
                    target += share

    parallel.over_batch(part, shape[0], values=math.prod(shape))
    return grad_x


def times(grad: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """grad * factor element by element, for a batch (N, ...) of both, on the engine's threads."""
    out = np.empty(np.broadcast_shapes(grad.shape, factor.shape), dtype=grad.dtype)

    def part(s: slice) -> None:
        np.multiply(grad[s], factor[s], out=out[s])

    parallel.over_batch(part, out.shape[0], values=out.size)
    return out


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
