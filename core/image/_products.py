"""Direct correlation as small matrix products over blocks of padded rows.

With P the padded image as rows of Wp * C values, stride (sr, sc) and a 2-D kernel w (kh, kw):

    Y[r, j, :] = sum_i w[i, j] * P[r * sr + i, :]          one (kw, kh) @ (kh, Wp * C) product
    out[r, c, ch] = sum_j Y[r, j, (c * sc + j) * C + ch]    the sum of kw shifted rows

so the kh * kw multiply-adds per value run fused and vectorised inside BLAS. At stride 1 the
shifted rows of Y are the columns of one strided matrix (each starts a row of Y plus C cells
after the last), so their sum is one more product, by a vector of ones
(`_borders.sum_by_product`); otherwise NumPy adds them. A 3-D kernel (kh, kw, C) has one row
of Y per (j, channel), added into one output channel. Zero columns of the kernel are skipped.
Float32 rows inside the image are read as they are (no padded copy; at stride 1 for every
padding, the border columns computed apart, and at larger strides for grey images with zero
and "valid" padding), and refused if they hold NaN or infinity, as padding refuses them
(`_check_read`); other rows are padded block by block (the whole image is never copied
padded). With a column stride sc, padded colour rows are split into sc column phases (every
sc-th column), and kernel column j is multiplied only with phase j % sc: only the columns the
output reads are computed, as contiguous rows; the other rows are added as strided rows. The
blocks are shared between two threads (NumPy's loops release the GIL). Small kernels at stride
1 go, where the cost model finds it cheaper, to the shifted copies of `core.image._shifted`
instead.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core.image import _borders, _shifted, _workers
from core.image._padding import check_finite, pad_phases_into, padded_indices

_BLOCK_BYTES = 8 * 1024 * 1024
"""Size of one block's padded rows and products. Every NumPy call ends by taking the GIL back,
and a thread that finds the other one holding it sleeps until woken (tens of microseconds
here), so two threads gain only when each call works long: on 2048x2048 RGB, 3x3 to 9x9, 8 MB
blocks took 0.60-0.75x the time of 1 MB blocks (which stay in cache), 16 and 32 MB were slower
again."""
_MIN_BLOCK_ROWS = 8
"""Fewer output rows per block would pad each input row again for too many blocks."""
_BLAS_ONE_THREAD = 262_144
_ROWS_PER_PRODUCT = {3: 4, 5: 4, 7: 2}
"""Output rows per product by kernel height (square kernels with every column in use): measured
on 2048x2048 RGB rows, one thread, (7, 7) products took 18.8 us per output row one at a time,
14.4 two at a time; (5, 5) 10.8 and 8.1 four at a time; (3, 3) 5.7 and 4.5; 9x9 gained
nothing."""
_PARALLEL_MIN_VALUES = 200_000
"""Output values below which one thread does all the rows."""
_SUMMED_PARALLEL_MIN_VALUES = 500_000
"""The same for grey rows summed at stride 1 (short rows, each a quick matrix product that
takes the GIL back): one thread was faster on 480x640 grey, two from 600x800 on (1.1-1.4x at
1024x1024, 1.7-1.9x at 2048x2048)."""
_JOBS_PER_THREAD = 2
"""Row ranges per thread, so that a thread slowed by other work hands ranges over."""
SHIFTED_COPIES = True
"""Whether small kernels may be computed by shifted copies (`core.image._shifted`) where the
cost model finds them cheaper; off, the products and sums below do every kernel."""

# Cost model (nanoseconds), fitted by least squares to `correlate` on 512x512 to 4096x4096 grey
# and RGB float32 with 3x3 to 15x15 kernels (2-core x86 machine, two threads; within 0.64-1.25x
# of the measured times): per padded value and column phase; per padded value and multiply-add;
# each addition of shifted rows per output value; each call on two threads (starting them);
# each block;
# each matrix product NumPy calls.
_NS_PRODUCT_VALUE = 0.55
_NS_PRODUCT_TAP = 0.014
_NS_ADD_VALUE = 0.1
_NS_SUM_VALUE = 0.033
"""Rows summed by one matrix-vector product (`_borders.sum_by_product`): per output value and
term."""
_NS_START = 350_000.0
_NS_BLOCK = 20_000.0
_NS_CALL = 1_000.0
_NS_PAD_VALUE = 0.2
"""Padding per padded value, where the column phases are split."""


def terms(weights: np.ndarray, channels: int) -> tuple[np.ndarray, list[tuple[int, int | None]]]:
    """(matrix (T, kh) float32, [(j, channel or None), ...]): the non-zero kernel columns."""
    if weights.ndim == 2:
        keys = [(j, None) for j in range(weights.shape[1]) if np.any(weights[:, j])]
        rows = [weights[:, j] for j, _ in keys]
    else:
        keys = [(j, ch) for j in range(weights.shape[1]) for ch in range(channels)
                if np.any(weights[:, j, ch])]
        rows = [weights[:, j, ch] for j, ch in keys]
    matrix = np.array(rows, np.float32).reshape(len(rows), weights.shape[0])
    return matrix, keys


def estimate_ns(weights: np.ndarray, padded_shape, stride=(1, 1)) -> float:
    """Rough time of `correlate` on a padded image of `padded_shape` (Hp, Wp, C)."""
    return min(_costs(weights, padded_shape, stride)) + _start_ns(weights, padded_shape, stride)


def _costs(weights: np.ndarray, padded_shape, stride) -> tuple[float, float]:
    """(products and sums of shifted rows, shifted copies (`core.image._shifted`; infinite
    where they do not apply)): rough times, threads started apart."""
    sr, sc = stride
    kh, kw = weights.shape[:2]
    hp, wp = padded_shape[0], padded_shape[1]
    channels = padded_shape[2] if len(padded_shape) > 2 else 1
    ho = (hp - kh) // sr + 1
    keys = terms(weights, channels)[1]
    count = len(keys)
    split = _phases(sc, channels)
    phase_values = math.ceil(wp / split) * channels
    phases = len({j % split for j, _ in keys}) or 1
    product = ho * phase_values * (phases * _NS_PRODUCT_VALUE + _NS_PRODUCT_TAP * kh * count)
    out_values = _out_values(weights, padded_shape, stride)
    adds = out_values * max(1, count - 1) * _NS_ADD_VALUE
    if _product_spacing(sc, keys, channels) is not None:
        adds = out_values * count * _NS_SUM_VALUE  # `_borders.sum_by_product`
    # The taps pad the image too (not counted there): only splitting the columns costs more.
    padding = (ho * sr + kh) * wp * channels * _NS_PAD_VALUE if split > 1 else 0.0
    blocks = math.ceil(ho / _block_rows(kh, sr, wp * channels, count)) * _NS_BLOCK
    calls = ho * phases * math.ceil(phase_values / _columns(kh, count)) * _NS_CALL
    shifted = math.inf
    if SHIFTED_COPIES and _shifted.applies(stride, weights, channels):
        shifted_blocks = math.ceil(ho / _shifted.block_rows(weights, wp * channels))
        shifted = (_shifted.estimate_ns(weights, out_values) + shifted_blocks * _NS_BLOCK
                   + ho * _NS_CALL)  # one matrix-vector product per row
    return product + adds + padding + blocks + calls, shifted


def _out_values(weights: np.ndarray, padded_shape, stride) -> int:
    kh, kw = weights.shape[:2]
    channels = padded_shape[2] if len(padded_shape) > 2 else 1
    ho = (padded_shape[0] - kh) // stride[0] + 1
    wo = (padded_shape[1] - kw) // stride[1] + 1
    return ho * wo * (1 if weights.ndim == 3 else channels)


def _start_ns(weights: np.ndarray, padded_shape, stride) -> float:
    """Starting the second thread, where `correlate` uses it."""
    channels = padded_shape[2] if len(padded_shape) > 2 else 1
    least = _parallel_min_values(stride[1], terms(weights, channels)[1], channels)
    values = _out_values(weights, padded_shape, stride)
    return _NS_START if values >= least and _workers.THREADS > 1 else 0.0


def _phases(sc: int, channels: int) -> int:
    """Column phases the padded rows are split into: the stride for colour (copying C values
    at a stride is slow, adding whole rows is fast), none for grey (strided adds are cheap)."""
    return sc if channels > 1 else 1


def _columns(kh: int, count: int) -> int:
    """Columns per matrix product: OpenBLAS splits a product over its own threads above
    m * n * k = 262,144, which clashes with ours (and stalls on a loaded machine)."""
    return max(1, _BLAS_ONE_THREAD // max(1, count * kh))


def _rows_per_product(kh: int, count: int) -> int:
    """Output rows per matrix product: OpenBLAS's kernels work in tiles of 8 or 16 rows, so
    (count, kh) products of few terms waste most of each tile; a banded (R * count,
    (R - 1) * sr + kh) matrix fills them, at the price of multiplying its zeros."""
    return _ROWS_PER_PRODUCT.get(kh, 1) if count == kh else 1  # as measured: square, full


def _band(matrix: np.ndarray, sr: int, rows: int) -> np.ndarray:
    """The (rows * T, (rows - 1) * sr + kh) matrix whose row (r, t) is matrix[t] shifted r * sr
    columns right: `rows` consecutive output rows of every term in one product."""
    count, kh = matrix.shape
    band = np.zeros((rows * count, (rows - 1) * sr + kh), np.float32)
    for r in range(rows):
        band[r * count : (r + 1) * count, r * sr : r * sr + kh] = matrix
    return band


def _block_rows(kh: int, sr: int, row_values: int, count: int) -> int:
    """Output rows per block: its padded rows and products take about `_BLOCK_BYTES` (more for
    large kernels on wide images: at least `_MIN_BLOCK_ROWS`)."""
    per_row = 4 * row_values * (sr + count)
    rows = (_BLOCK_BYTES - 4 * row_values * max(0, kh - sr)) // per_row
    return int(max(_MIN_BLOCK_ROWS, rows))


def correlate(image3, weights, amounts, padding, stride, out, start: int, stop: int) -> None:
    """Output rows [start, stop) of the strided correlation of the padded `image3`, into `out`.

    image3 (H, W, C) of any real dtype; weights float32 (kh, kw) or (kh, kw, C); amounts
    (top, bottom, left, right) and padding as in `core.image._padding`; out C-contiguous
    float32 (Ho, Wo, C) for a 2-D kernel, (Ho, Wo) for a 3-D one.
    """
    matrix, keys = terms(weights, image3.shape[2])
    if not keys:
        out[start:stop] = 0
        return
    top, bottom, left, right = amounts
    padded_shape = (image3.shape[0] + top + bottom, image3.shape[1] + left + right,
                    image3.shape[2])
    products_ns, shifted_ns = _costs(weights, padded_shape, tuple(stride))
    layout = _Layout(image3, weights.shape[:2], tuple(stride), padding, amounts, matrix, keys,
                     weights, shifted=shifted_ns < products_ns)
    count = stop - start
    parts = 1
    values = count * out[0].size
    least = _parallel_min_values(layout.sc, layout.keys, layout.channels)
    if _workers.THREADS > 1 and values >= least:
        parts = min(count, _JOBS_PER_THREAD * _workers.THREADS)
    bounds = np.linspace(start, stop, parts + 1).astype(int)
    jobs = [(layout, out, a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    _workers.run(_rows, jobs)


class _Layout:
    """What every block needs: the image, the padded indices, the products' matrix and terms
    (ordered by column phase: `phases` holds (phase, first term, stop term))."""

    def __init__(self, image3, kernel_hw, stride, padding, amounts, matrix, keys, weights=None,
                 shifted=False):
        height, width, channels = image3.shape
        top, bottom, left, right = amounts
        self.image3, self.padding, self.left = image3, padding, left
        self.kh, self.kw = kernel_hw
        self.sr, self.sc = stride
        self.row_index = padded_indices(height, top, bottom, padding)
        self.col_index = padded_indices(width, left, right, padding)
        self.wp, self.channels = len(self.col_index), channels
        # Float32 rows: the products read the image itself (no padded copy, no column phases)
        # where a block's rows are all inside it; at stride 1 for every padding (the border
        # columns are computed apart), at larger strides for grey images with zero and "valid"
        # padding (colour goes to the column phases, which compute only the columns read:
        # 2048x2048 RGB 7x7 at stride 2 took 11 ms there, 22 ms from the rows as they are).
        self.unpadded = (weights is not None and image3.dtype == np.float32
                         and image3.flags.c_contiguous
                         and (stride == (1, 1)
                              or (padding in ("zero", "valid") and channels == 1)))
        self.split = 1 if self.unpadded else _phases(self.sc, channels)
        self.phase_width = -(-self.wp // self.split)
        order = sorted(range(len(keys)), key=lambda t: (keys[t][0] % self.split, t))
        self.matrix, self.keys = matrix[order], [keys[t] for t in order]
        self.phases = []
        for t, (j, _) in enumerate(self.keys):
            if self.phases and self.phases[-1][0] == j % self.split:
                self.phases[-1][2] = t + 1
            else:
                self.phases.append([j % self.split, t, t + 1])
        self.weights = weights
        # A term with no zero weight: its products are NaN or infinite wherever a cell of the
        # rows read is (`_check_read`).
        full = np.flatnonzero((self.matrix != 0).all(axis=1))
        self.full_term = int(full[0]) if full.size else None
        self.per_block = _block_rows(self.kh, self.sr, self.wp * channels, len(keys))
        self.columns = _columns(self.kh, max(t1 - t0 for _, t0, t1 in self.phases))
        # Several output rows per product (a banded matrix): at stride 1 (larger strides
        # would multiply more zeros) and one phase.
        banded = len(self.phases) == 1 and stride == (1, 1)
        self.rows_per_product = _rows_per_product(self.kh, len(keys)) if banded else 1
        self.band = _band(self.matrix, self.sr, self.rows_per_product)
        self.band_columns = _columns(self.band.shape[1], self.band.shape[0])
        self.shifted = shifted  # by shifted copies (`core.image._shifted`)
        if shifted:
            self.out_values = (self.wp - self.kw + 1) * channels
            self.per_block = _shifted.block_rows(weights, self.out_values)


def _rows(layout: _Layout, out, start: int, stop: int) -> None:
    # Alike on every thread (NumPy's error state is per thread): sums of huge values give inf.
    with np.errstate(over="ignore"):
        if layout.shifted:
            _shifted.rows_by_copies(layout, out, start, stop)
        else:
            _rows_by_products(layout, out, start, stop)


def _rows_by_products(layout: _Layout, out, start: int, stop: int) -> None:
    kh, sr, sc, channels = layout.kh, layout.sr, layout.split, layout.channels
    row_values = layout.phase_width * channels
    # Zeros: the cells of a phase past the padded width are read by the products, never used.
    per_block = min(layout.per_block, stop - start)
    padded = np.zeros(((per_block - 1) * sr + kh, sc, row_values), np.float32)
    products = np.empty((per_block, len(layout.keys), row_values), np.float32)
    inside = None  # the rows read without padding: [start, stop, first image row]
    margins = False  # whether the products' padding columns hold zeros
    for r0 in range(start, stop, per_block):
        r1 = min(stop, r0 + per_block)
        rows = layout.row_index[r0 * sr : (r1 - 1) * sr + kh]
        if layout.unpadded and rows[0] >= 0 and rows[-1] - rows[0] == len(rows) - 1:
            if not margins:
                edge = layout.left * channels
                products[:, :, :edge] = 0
                products[:, :, edge + layout.image3.shape[1] * channels :] = 0
                margins = True
            _rows_unpadded(layout, products[: r1 - r0], int(rows[0]), out[r0:r1])
            if inside is None:
                inside = [r0, r1, int(rows[0])]
            inside[1] = r1
            continue
        pad_phases_into(padded[: len(rows)].reshape(len(rows), sc, layout.phase_width, channels),
                        layout.image3, rows, layout.col_index, layout.left, layout.padding)
        y = products[: r1 - r0]
        for phase, t0, t1 in layout.phases:
            _multiply(layout, padded[:, phase], y[:, t0:t1], t0, t1)
        margins = False
        _add_shifted(y, layout, out[r0:r1])
    _borders.border_strips(layout, out, inside)


def _rows_unpadded(layout: _Layout, products, first: int, target) -> None:
    """Output rows whose windows start at image row `first`, from the image rows as they are:
    the products of the image's columns go between the padding columns of `products`, which
    hold zeros (the products of zero padding; other paddings have the border columns computed
    apart, by `core.image._borders`)."""
    image = layout.image3.reshape(layout.image3.shape[0], -1)
    edge = layout.left * layout.channels
    y = products[:, :, edge : edge + image.shape[1]]
    with np.errstate(invalid="ignore"):  # NaN in the image: refused just below
        _multiply(layout, image[first:], y, 0, len(layout.keys))
    _check_read(layout, y, first)
    _add_shifted(products, layout, target)


def _multiply(layout: _Layout, rows, y, t0: int, t1: int) -> None:
    """y[r, t] = sum_i matrix[t0 + t, i] * rows[r * sr + i] for every row r of y (n, t1 - t0,
    values), in column chunks; `rows_per_product` output rows at a time where the layout has a
    banded matrix (all terms, one phase), the rest one at a time."""
    n, _, values = y.shape
    kh, sr, r = layout.kh, layout.sr, layout.rows_per_product
    step, cell = rows.strides
    groups = n // r if r > 1 and (t0, t1) == (0, len(layout.keys)) else 0
    plans = [(layout.matrix[t0:t1], 1, n - groups * r, groups * r, layout.columns)]
    if groups:
        plans.append((layout.band, r, groups, 0, layout.band_columns))
    for matrix, rows_each, count, first, columns in plans:
        if count == 0:
            continue
        height = (rows_each - 1) * sr + kh
        windows = as_strided(rows[first * sr :], (count, height, values),
                             (rows_each * sr * step, step, cell), writeable=False)
        s0, s1, s2 = y.strides
        out = as_strided(y[first:], (count, len(matrix), values), (rows_each * s0, s1, s2))
        for c0 in range(0, values, columns):
            c1 = min(values, c0 + columns)
            np.matmul(matrix, windows[:, :, c0:c1], out=out[:, :, c0:c1])


def _check_read(layout: _Layout, y, first: int) -> None:
    """Refuse NaN and infinity in the image rows read by the windows of `y`'s output rows, as
    padding the rows would (`check_finite`), from the products of a term with no zero weight:
    every q-th output row (q * stride <= kh: their windows cover all the rows read) summed."""
    n, kh, sr = len(y), layout.kh, layout.sr
    read = layout.image3[first : first + (n - 1) * sr + kh]
    if layout.full_term is None:
        check_finite(read)
        return
    q = max(1, kh // sr)
    with np.errstate(over="ignore", invalid="ignore"):
        summed = np.add.reduce(y[::q, layout.full_term], axis=0)
        summed += y[n - 1, layout.full_term]
    if not np.isfinite(summed).all():
        check_finite(read)  # NaN or infinity, or only an overflow of large values


def _add_shifted(y, layout: _Layout, target) -> None:
    """target = the sum over terms t of Y[:, t] shifted by its column (and channel): one
    product per row where the terms' columns are evenly spaced (stride 1), else additions."""
    n, count, row_values = y.shape
    wo, split, channels = target.shape[1], layout.split, layout.channels
    step = layout.sc // split
    if target.ndim == 3 and step == 1:  # whole rows of Wo * C values: one long loop per row
        target = target.reshape(n, wo * channels)
        views = [y[:, t, (j // split) * channels : (j // split + wo) * channels]
                 for t, (j, _) in enumerate(layout.keys)]
    else:
        y = y.reshape(n, count, layout.phase_width, channels)
        views = [y[:, t, j // split : j // split + (wo - 1) * step + 1 : step]
                 if ch is None else
                 y[:, t, j // split : j // split + (wo - 1) * step + 1 : step, ch]
                 for t, (j, ch) in enumerate(layout.keys)]
    if len(views) == 1:
        np.copyto(target, views[0])
        return
    spacing = _product_spacing(layout.sc, layout.keys, channels)
    if spacing is not None and target.flags.c_contiguous:
        _borders.sum_by_product(y.reshape(n, count, -1), layout.keys[0][0], spacing, channels,
                                target.reshape(n, -1))
        return
    np.add(views[0], views[1], out=target)
    for view in views[2:]:
        np.add(target, view, out=target)


def _product_spacing(sc: int, keys, channels: int) -> int | None:
    """The spacing of the kernel columns when the shifted rows are summed by one product per
    row (`_borders.sum_by_product`: stride 1, evenly spaced columns, each term a whole row of
    C values, i.e. a 2-D kernel or a grey image), else None."""
    if sc != 1 or len(keys) < 2 or (channels > 1 and keys[0][1] is not None):
        return None
    return _spacing(keys)


def _parallel_min_values(sc: int, keys, channels: int) -> int:
    """Output values from which `correlate` shares the rows between threads: fewer for grey
    rows summed by one product per row (`_borders.sum_by_product`)."""
    if channels == 1 and _product_spacing(sc, keys, channels) is not None:
        return _SUMMED_PARALLEL_MIN_VALUES
    return _PARALLEL_MIN_VALUES


def _spacing(keys) -> int | None:
    """The step between the terms' kernel columns if it is the same for all, else None."""
    steps = {b - a for (a, _), (b, _) in zip(keys[:-1], keys[1:], strict=True)}
    return steps.pop() if len(steps) == 1 else None
