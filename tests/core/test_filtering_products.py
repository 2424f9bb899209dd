"""The direct method as matrix products over row blocks (core.image._products), against an
independent float64 computation and scipy.ndimage; blocks, column chunks, threads and strips."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from core.image import _borders, _fastpaths, _products, filtering, kernels
from core.image._padding import pad_amounts, pad_phases_into, padded_indices
from core.image.filtering import apply_kernel
from core.jobs import Cancelled

_NUMPY_PAD = {"zero": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}
_SCIPY_MODE = {"zero": "constant", "reflect": "mirror", "edge": "nearest", "wrap": "wrap"}


@pytest.fixture(autouse=True)
def products_alone(monkeypatch):
    """The products and sums of shifted rows for every kernel (no shifted copies)."""
    monkeypatch.setattr(_products, "SHIFTED_COPIES", False)


@pytest.fixture
def unpadded_calls(monkeypatch):
    """A list that grows by one at each block of rows read without padding, the blocks made
    _MIN_BLOCK_ROWS rows high."""
    calls = []
    unpadded = _products._rows_unpadded
    monkeypatch.setattr(_products, "_rows_unpadded",
                        lambda *args: calls.append(1) or unpadded(*args))
    monkeypatch.setattr(_products, "_BLOCK_BYTES", 1)
    return calls


def assert_read_as_they_are(image, kernel, padding, stride, unpadded_calls) -> None:
    """`by_products` equals `reference`, and read some rows without padding them."""
    unpadded_calls.clear()
    result = by_products(image, kernel, padding, stride)
    expected = reference(image, kernel, padding, stride)
    assert unpadded_calls
    np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel), rtol=0)


def assert_refused(image, kernel, padding, cells, grey_too=False) -> None:
    """NaN, +inf and -inf at each of `cells` are refused at stride 1; with `grey_too`, also in
    that cell's channel alone, as a grey image."""
    for cell in cells:
        for value in (np.nan, np.inf, -np.inf):
            bad = image.copy()
            bad[cell] = value
            images = [bad, np.ascontiguousarray(bad[:, :, cell[2]])] if grey_too else [bad]
            for each in images:
                with pytest.raises(ValueError, match="NaN or infinite"):
                    by_products(each, kernel, padding, 1)


def assert_huge_values_pass(shape, padding) -> None:
    """Finite values whose sum overflows float32 are not mistaken for infinity."""
    huge = np.full(shape, 3e38, np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isinf(by_products(huge, np.ones((3, 3)), padding, 1)).any()


def reference(image, kernel, padding, stride):
    """float64 sum over taps of weight * shifted padded image (numpy.pad, no code of ours)."""
    image3 = np.asarray(image, np.float64)
    image3 = image3[:, :, None] if image3.ndim == 2 else image3
    kernel = np.asarray(kernel, np.float64)
    kh, kw = kernel.shape[:2]
    if padding != "valid":
        widths = (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0))
        image3 = np.pad(image3, widths, mode=_NUMPY_PAD[padding])
    ho = (image3.shape[0] - kh) // stride + 1
    wo = (image3.shape[1] - kw) // stride + 1
    out = np.zeros((ho, wo, image3.shape[2]))
    for i in range(kh):
        for j in range(kw):
            window = image3[i : i + (ho - 1) * stride + 1 : stride,
                            j : j + (wo - 1) * stride + 1 : stride]
            out += (kernel[i, j] * window) if kernel.ndim == 2 else (kernel[i, j] * window)
    return out.sum(axis=2) if kernel.ndim == 3 else out


def by_products(image, kernel, padding, stride):
    """`_products.correlate` on all rows, as apply_kernel calls it."""
    image3 = image if image.ndim == 3 else image[:, :, None]
    weights = np.asarray(kernel, np.float32)
    amounts = pad_amounts(weights.shape[:2], padding)
    ho, wo = filtering.output_size(image3.shape[:2], weights.shape[:2], padding=padding,
                                   stride=stride)
    shape = (ho, wo) if weights.ndim == 3 else (ho, wo, image3.shape[2])
    out = np.full(shape, np.nan, np.float32)
    _products.correlate(image3, weights, amounts, padding, (stride, stride), out, 0, ho)
    return out


def _tolerance(image, kernel):
    return 2e-6 * float(np.abs(image).max()) * float(np.abs(kernel).sum()) + 1e-7


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap", "valid"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 4), (5, 2), (1, 6), (6, 1), (7, 7), (2, 5, 3)])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_matches_float64_reference(padding, shape, stride):
    rng = np.random.default_rng(sum(shape) + stride)
    kernel = rng.normal(size=shape)
    image = rng.random((19, 24, 3), dtype=np.float32)
    expected = reference(image, kernel, padding, stride)
    result = by_products(image, kernel, padding, stride)
    np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel), rtol=0)


@pytest.mark.parametrize("size", [(17, 23), (16, 30), (9, 8)])
@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap"])
def test_grey_and_colour_match_scipy(size, padding):
    rng = np.random.default_rng(size[0])
    kernel = rng.normal(size=(5, 5)).astype(np.float32)
    for image in (rng.random(size, dtype=np.float32), rng.random(size + (3,), dtype=np.float32)):
        weights = kernel if image.ndim == 2 else kernel[:, :, None]
        expected = ndi.correlate(image.astype(np.float64), weights.astype(np.float64),
                                 mode=_SCIPY_MODE[padding])
        result = by_products(image, kernel, padding, 1)
        result = result[:, :, 0] if image.ndim == 2 else result
        np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel), rtol=0)


def test_small_blocks_column_chunks_and_threads_give_the_same_result(monkeypatch):
    rng = np.random.default_rng(3)
    image = rng.random((37, 29, 3), dtype=np.float32)
    for shape, stride, padding in (((5, 4), 1, "reflect"), ((3, 3, 3), 2, "wrap"),
                                   ((7, 7), 3, "zero")):
        kernel = rng.normal(size=shape)
        expected = reference(image, kernel, padding, stride)
        monkeypatch.setattr(_products, "_BLOCK_BYTES", 1)  # one row per block
        monkeypatch.setattr(_products, "_MIN_BLOCK_ROWS", 1)
        monkeypatch.setattr(_products, "_BLAS_ONE_THREAD", 40)  # a few columns per product
        monkeypatch.setattr(_products, "_PARALLEL_MIN_VALUES", 0)  # rows shared by threads
        layout = _products._Layout(image, shape[:2], (stride, stride), padding,
                                   pad_amounts(shape[:2], padding),
                                   *_products.terms(kernel.astype(np.float32), 3))
        assert layout.per_block == 1 and layout.columns < image.shape[1]
        result = by_products(image, kernel, padding, stride)
        np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel), rtol=0)
        monkeypatch.undo()


def test_zero_columns_are_skipped_and_a_zero_kernel_gives_zeros():
    image = np.random.default_rng(4).random((12, 15, 3), dtype=np.float32)
    kernel = np.zeros((3, 5))
    kernel[:, 1] = [1, -2, 3]
    matrix, keys = _products.terms(kernel.astype(np.float32), 3)
    assert keys == [(1, None)] and matrix.shape == (1, 3)
    np.testing.assert_allclose(by_products(image, kernel, "edge", 1),
                               reference(image, kernel, "edge", 1), atol=1e-5, rtol=0)
    assert not np.any(by_products(image, np.zeros((3, 3)), "zero", 2))
    for method in ("auto", "direct"):  # the cost model too takes a kernel of zeros
        assert not np.any(apply_kernel(np.ones((300, 300, 3)), np.zeros((5, 5)), method=method))


@pytest.fixture
def products_forced(monkeypatch):
    """apply_kernel's direct method always by matrix products."""
    monkeypatch.setattr(_fastpaths, "plan", lambda *args, **kwargs: ("direct", True))


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap", "valid"])
def test_apply_kernel_uint8_strips_divisor_and_offset(products_forced, monkeypatch, padding):
    monkeypatch.setattr(filtering, "_STRIP_NS", 1.0)  # one strip per row
    image = np.random.default_rng(5).integers(0, 256, size=(21, 18, 3), dtype=np.uint8)
    kernel = np.random.default_rng(6).normal(size=(4, 3))
    seen = []
    result = apply_kernel(image, kernel, padding=padding, stride=2, divisor=4.0, offset=1.5,
                          progress=seen.append, should_stop=lambda: False)
    expected = reference(image, kernel, padding, 2) / 4.0 + 1.5
    np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel), rtol=1e-6)
    assert len(seen) == result.shape[0] and seen[-1] == 1.0
    grey = apply_kernel(image[:, :, 1], kernel, padding=padding)
    np.testing.assert_allclose(grey, reference(image[:, :, 1], kernel, padding, 1)[:, :, 0],
                               atol=_tolerance(image, kernel), rtol=0)


def test_apply_kernel_by_products_cancels_and_refuses_nan(products_forced, monkeypatch):
    monkeypatch.setattr(filtering, "_STRIP_NS", 1.0)
    image = np.random.default_rng(7).random((20, 20, 3), dtype=np.float32)
    calls = []
    with pytest.raises(Cancelled):
        apply_kernel(image, np.ones((3, 3)), should_stop=lambda: calls.append(1) or len(calls) > 2)
    image[15, 3, 2] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        apply_kernel(image, np.ones((3, 3)))


def test_the_cost_model_picks_products_for_dense_small_kernels_on_large_images():
    rng = np.random.default_rng(8)
    random3 = rng.normal(size=(3, 3)).astype(np.float32)
    assert _fastpaths.plan(random3, (2048, 2048, 3)) == ("direct", True)
    assert _fastpaths.choose_method(rng.normal(size=(31, 31)), (2048, 2048, 3)) == "fft"
    # a tiny image: the taps' few NumPy calls cost less than a product per row
    assert _fastpaths.plan(random3, (10, 10, 3)) == ("direct", False)
    assert _fastpaths.plan(random3, (2048, 2048, 3), method="fft") == ("fft", False)


def test_the_cost_model_charges_padding_to_the_methods_that_pad_the_whole_image():
    """Sobel and small Gaussians on large float images: the products read the rows unpadded."""
    sobel = kernels.sobel_x().values.astype(np.float32)
    gaussian5 = kernels.gaussian(5, 5 / 6).values.astype(np.float32)
    assert _fastpaths.plan(sobel, (2048, 2048, 3)) == ("direct", True)
    assert _fastpaths.plan(gaussian5, (2048, 2048, 3)) == ("direct", True)
    assert _fastpaths.plan(gaussian5, (64, 64, 3))[0] == "separable"
    assert _fastpaths.plan(kernels.box(15).effective(), (2048, 2048, 3))[0] == "separable"


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("phases", [1, 2, 3])
def test_column_phases_hold_the_padded_columns(padding, phases):
    rng = np.random.default_rng(phases)
    image = rng.integers(0, 256, size=(6, 8, 2), dtype=np.uint8)
    for top, bottom, left, right in ((1, 2, 3, 1), (0, 0, 0, 0), (2, 0, 1, 4)):
        expected = np.pad(image, ((top, bottom), (left, right), (0, 0)),
                          mode=_NUMPY_PAD[padding]).astype(np.float32)
        row_index = padded_indices(6, top, bottom, padding)
        col_index = padded_indices(8, left, right, padding)
        width = -(-len(col_index) // phases)
        out = np.full((len(row_index), phases, width, 2), np.nan, np.float32)
        pad_phases_into(out, image, row_index, col_index, left, padding)
        for x in range(len(col_index)):
            np.testing.assert_array_equal(out[:, x % phases, x // phases], expected[:, x])


def test_strided_products_compute_only_the_columns_read():
    """Stride 2: each kernel column is multiplied with one column phase (half the products)."""
    weights = np.random.default_rng(9).normal(size=(5, 5)).astype(np.float32)
    image = np.zeros((40, 40, 3), np.float32)
    layout = _products._Layout(image, (5, 5), (2, 2), "zero", pad_amounts((5, 5)),
                               *_products.terms(weights, 3))
    assert layout.phase_width == 22 and [p for p, _, _ in layout.phases] == [0, 1]
    assert [j % 2 for j, _ in layout.keys] == [0, 0, 0, 1, 1]
    full = _products.estimate_ns(weights, (2052, 2052, 3), (1, 1))
    # A quarter of the output, half the products per row; splitting the phases costs a copy.
    assert _products.estimate_ns(weights, (2052, 2052, 3), (2, 2)) < 0.7 * full


@pytest.mark.parametrize("padding", ["zero", "reflect", "wrap", "valid"])
@pytest.mark.parametrize("stride", [2, 3])
def test_grey_strided_matches_float64_reference(padding, stride):
    """Grey images keep whole padded rows and add strided rows of the products."""
    rng = np.random.default_rng(stride)
    image = rng.random((23, 26), dtype=np.float32)
    for shape in ((3, 3), (6, 5), (1, 4)):
        kernel = rng.normal(size=shape)
        result = by_products(image, kernel, padding, stride)[:, :, 0]
        expected = reference(image, kernel, padding, stride)[:, :, 0]
        np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel), rtol=0)


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap"])
def test_float_rows_inside_the_image_are_read_without_padding(padding, unpadded_calls):
    """Stride 1 on float32: inner row blocks read the image itself, borders apart."""
    rng = np.random.default_rng(10)
    for shape, size in (((3, 3), (40, 30, 3)), ((5, 4), (40, 9, 2)), ((7, 7, 3), (50, 20, 3)),
                        ((3, 7), (30, 4, 1)), ((6, 5), (33, 21, 3))):
        image = rng.random(size, dtype=np.float32)
        kernel = rng.normal(size=shape)
        kernel[:, 0] = 0  # a skipped column
        assert_read_as_they_are(image, kernel, padding, 1, unpadded_calls)


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap", "valid"])
def test_rows_are_summed_whatever_columns_the_kernel_skips(padding, monkeypatch):
    """Equally spaced kernel columns are summed by one product per row (`sum_by_product`)
    where each term is a whole row (grey, or a 2-D kernel), others term by term; grey and
    colour, 2-D and 3-D kernels (one with a single channel in use)."""
    monkeypatch.setattr(_products, "_BLOCK_BYTES", 1)  # blocks of _MIN_BLOCK_ROWS rows
    summed, adding = [], []  # sums by product made while adding shifted rows (not borders)
    by_product, add_shifted = _borders.sum_by_product, _products._add_shifted
    monkeypatch.setattr(_borders, "sum_by_product",
                        lambda *args: (adding and summed.append(1)) or by_product(*args))

    def spy_add_shifted(*args):
        adding.append(1)
        try:
            add_shifted(*args)
        finally:
            adding.pop()

    monkeypatch.setattr(_products, "_add_shifted", spy_add_shifted)
    rng = np.random.default_rng(11)
    for image in (rng.random((37, 29), dtype=np.float32),
                  rng.random((33, 21, 3), dtype=np.float32)):
        for zero_columns in ((), (0,), (1, 3), (2,), (0, 1, 2, 3, 5), (1, 3, 5)):
            channels = 1 if image.ndim == 2 else image.shape[2]
            for shape in ((5, 7), (4, 6), (6, 7, channels), (3, 7, channels)):
                kernel = rng.normal(size=shape)
                kernel[:, list(zero_columns)] = 0
                if shape[0] == 3:  # a 3-D kernel using one channel only
                    kernel[..., 1:] = 0
                summed.clear()
                result = by_products(image, kernel, padding, 1)
                expected = reference(image, kernel, padding, 1)
                if kernel.ndim == 2 and image.ndim == 2:
                    result, expected = result[:, :, 0], expected[:, :, 0]
                np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel),
                                           rtol=0)
                kept = np.flatnonzero(np.any(kernel.reshape(shape[0], shape[1], -1), (0, 2)))
                evenly = len(kept) > 1 and len(set(np.diff(kept))) == 1
                whole_rows = image.ndim == 2 or kernel.ndim == 2
                assert bool(summed) == (evenly and whole_rows), (zero_columns, shape)


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap", "valid"])
def test_rows_read_as_they_are_are_still_refused_with_nan(padding, unpadded_calls):
    """Float32 rows read without padding are checked for NaN / infinity as padding them is."""
    rng = np.random.default_rng(12)
    image = rng.random((41, 23, 3), dtype=np.float32)
    # Checked from the products of a column with no zero weight, or (none here) from the rows.
    for kernel in (rng.normal(size=(5, 4)), np.eye(5, 4) * rng.normal(size=(5, 4))):
        assert_read_as_they_are(image, kernel, padding, 1, unpadded_calls)
        assert_refused(image, kernel, padding,
                       ((0, 0, 0), (20, 11, 1), (40, 22, 2), (38, 0, 1), (17, 5, 0)))
    assert_huge_values_pass((41, 23, 3), padding)


@pytest.mark.parametrize("padding", ["zero", "valid"])
@pytest.mark.parametrize("stride", [2, 3])
def test_float_rows_are_read_without_padding_at_larger_strides(padding, stride, unpadded_calls):
    """Zero and "valid" padding at strides above 1: inner float32 rows of grey images read as
    they are; colour images go to the column phases (only the columns read computed)."""
    rng = np.random.default_rng(13 + stride)
    for shape, size in (((3, 3), (61, 30, 1)), ((5, 4), (70, 9, 1)), ((7, 6, 1), (75, 20, 1)),
                        ((3, 7), (66, 17, 1)), ((4, 5), (63, 21))):
        image = rng.random(size, dtype=np.float32)
        kernel = rng.normal(size=shape)
        kernel[:, 1] = 0  # a skipped column
        assert_read_as_they_are(image, kernel, padding, stride, unpadded_calls)
    for shape, size in (((3, 3), (61, 30, 3)), ((5, 4), (70, 9, 2)), ((7, 6, 3), (75, 20, 3))):
        image = rng.random(size, dtype=np.float32)
        kernel = rng.normal(size=shape)
        unpadded_calls.clear()
        np.testing.assert_allclose(by_products(image, kernel, padding, stride),
                                   reference(image, kernel, padding, stride),
                                   atol=_tolerance(image, kernel), rtol=0)
        assert not unpadded_calls
    if padding == "valid":  # the rows read are checked as padding them did, the others not
        for image in (rng.random((64, 10), dtype=np.float32),
                      rng.random((64, 10, 3), dtype=np.float32)):
            kernel = rng.normal(size=(4, 3))
            read = (64 - 4) // stride * stride + 4
            for row in (0, 31, read - 1):
                bad = image.copy()
                bad[row, 4] = np.nan
                with pytest.raises(ValueError, match="NaN or infinite"):
                    by_products(bad, kernel, "valid", stride)
            if read < 64:
                bad = image.copy()
                bad[read:, 2] = np.inf
                by_products(bad, kernel, "valid", stride)


@pytest.mark.parametrize("padding", ["zero", "reflect", "valid"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_several_rows_per_product_give_the_rows_one_at_a_time(padding, stride, monkeypatch):
    """At stride 1 a banded matrix computes several output rows per product: the same values
    as one row per product, for padded rows and rows read as they are, with the leftover rows
    of each block one at a time."""
    rng = np.random.default_rng(14 + stride)
    monkeypatch.setattr(_products, "_BLOCK_BYTES", 1)  # blocks of _MIN_BLOCK_ROWS (8) rows
    monkeypatch.setattr(_products, "_MIN_BLOCK_ROWS", 7)  # 4 + 3, 2 + 2 + 2 + 1 rows
    for size, shape in (((39, 27, 3), (3, 3)), ((41, 23), (5, 5)), ((37, 30, 3), (7, 7))):
        image = rng.random(size, dtype=np.float32)
        kernel = rng.normal(size=shape)
        layout = _products._Layout(image.reshape(size[0], size[1], -1), shape, (stride, stride),
                                   padding, pad_amounts(shape, padding),
                                   *_products.terms(kernel.astype(np.float32), 1),
                                   kernel.astype(np.float32))
        assert (layout.rows_per_product > 1) == (stride == 1)
        result = by_products(image, kernel, padding, stride)
        monkeypatch.setattr(_products, "_ROWS_PER_PRODUCT", {})
        one_by_one = by_products(image, kernel, padding, stride)
        monkeypatch.undo()
        monkeypatch.setattr(_products, "_BLOCK_BYTES", 1)
        monkeypatch.setattr(_products, "_MIN_BLOCK_ROWS", 7)
        np.testing.assert_allclose(result, one_by_one, atol=_tolerance(image, kernel), rtol=0)
        np.testing.assert_allclose(result, reference(image, kernel, padding, stride),
                                   atol=_tolerance(image, kernel), rtol=0)
