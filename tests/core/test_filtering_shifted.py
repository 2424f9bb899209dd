"""Small kernels at stride 1 by shifted copies and one matrix-vector product per output row
(core.image._shifted), against an independent float64 computation: every padding, grey and
colour, blocks read as they are or padded, threads, strips, and NaN refused."""

import math

import numpy as np
import pytest
from test_filtering_products import (
    _tolerance,
    assert_huge_values_pass,
    assert_refused,
    by_products,
    reference,
)

from core.image import _fastpaths, _products, _shifted, filtering
from core.image.filtering import apply_kernel

PADDINGS = ["zero", "reflect", "edge", "wrap", "valid"]


@pytest.fixture
def shifted_calls(monkeypatch):
    """The sources of the blocks computed by shifted copies, as (rows, values, offset)."""
    calls = []
    correlate_rows = _shifted.correlate_rows

    def spy(source, offset, channels, scratch, target):
        calls.append((source.shape[0], source.shape[1], offset))
        correlate_rows(source, offset, channels, scratch, target)

    monkeypatch.setattr(_shifted, "correlate_rows", spy)
    return calls


@pytest.fixture
def small_blocks(monkeypatch):
    """Shifted copies wherever they apply, in blocks of two output rows shared by two threads:
    blocks of padded rows and of rows read as they are follow one another."""
    costs = _products._costs

    def shifted_first(*args):
        products_ns, shifted_ns = costs(*args)
        return (products_ns, shifted_ns) if math.isinf(shifted_ns) else (1.0, 0.0)

    monkeypatch.setattr(_products, "_costs", shifted_first)
    monkeypatch.setattr(_shifted, "_BLOCK_BYTES", 1)
    monkeypatch.setattr(_shifted, "_MIN_BLOCK_ROWS", 2)
    monkeypatch.setattr(_products, "_PARALLEL_MIN_VALUES", 0)
    monkeypatch.setattr(_products, "_SUMMED_PARALLEL_MIN_VALUES", 0)


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("shape", [(3, 3), (5, 5), (4, 2), (1, 5), (5, 1), (2, 6), (3, 3, 1)])
@pytest.mark.parametrize("channels", [1, 3])
def test_matches_float64_reference(padding, shape, channels, shifted_calls, small_blocks):
    if len(shape) == 3 and channels > 1:
        shape = shape[:2] + (channels,)  # a 3-D kernel on colour: not this way
    rng = np.random.default_rng(sum(shape) + channels)
    kernel = rng.normal(size=shape)
    image = rng.random((17, 23, channels), dtype=np.float32)
    result = by_products(image, kernel, padding, 1)
    np.testing.assert_allclose(result, reference(image, kernel, padding, 1),
                               atol=_tolerance(image, kernel), rtol=0)
    takes_it = len(shape) == 2 or channels == 1
    assert bool(shifted_calls) == takes_it
    if takes_it:  # rows read as they are (offset: the left padding) and padded rows (offset 0)
        offsets = {offset for _, _, offset in shifted_calls}
        left = 0 if padding == "valid" else (shape[1] - 1) // 2 * channels
        padded_rows = padding != "valid" and shape[0] > 1
        assert offsets == {left} | ({0} if padded_rows else set())


@pytest.mark.parametrize("size", [(1, 1), (2, 9), (9, 2), (40, 3)])
def test_images_smaller_than_the_kernel(size, shifted_calls, small_blocks):
    rng = np.random.default_rng(size[0])
    kernel = rng.normal(size=(5, 5))
    for channels in (1, 3):
        image = rng.random(size + (channels,), dtype=np.float32)
        for padding in ("zero", "reflect", "edge", "wrap"):
            np.testing.assert_allclose(by_products(image, kernel, padding, 1),
                                       reference(image, kernel, padding, 1),
                                       atol=_tolerance(image, kernel), rtol=0)
    assert shifted_calls


@pytest.mark.parametrize("dtype", [np.uint8, np.float64, np.int16])
def test_other_dtypes_and_strips_through_apply_kernel(dtype, shifted_calls, small_blocks,
                                                      monkeypatch):
    monkeypatch.setattr(filtering, "_STRIP_NS", 1.0)  # one strip per output row
    monkeypatch.setattr(_fastpaths, "plan", lambda *args, **kwargs: ("direct", True))
    rng = np.random.default_rng(5)
    image = (rng.random((21, 18, 3)) * 100).astype(dtype)
    kernel = rng.normal(size=(3, 3))
    strips = []
    result = apply_kernel(image, kernel, padding="edge", progress=strips.append)
    expected = reference(image.astype(np.float64), kernel, "edge", 1)
    np.testing.assert_allclose(result, expected, atol=_tolerance(image, kernel), rtol=0)
    assert len(strips) == 21 and len(shifted_calls) == 21
    assert {offset for _, _, offset in shifted_calls} == {0}  # padded: not float32 as it is


def test_one_and_two_threads_give_the_same_values(monkeypatch, shifted_calls):
    """Each output row is one product, whatever block or thread computes it (the copies are
    aligned alike in every block)."""
    rng = np.random.default_rng(6)
    image = rng.random((300, 257, 3), dtype=np.float32)
    for kernel in (rng.normal(size=(5, 5)), rng.normal(size=(3, 3))):
        results = []
        for threads in (1, 2):
            monkeypatch.setattr(_products._workers, "THREADS", threads)
            results.append(by_products(image, kernel, "zero", 1))
        np.testing.assert_array_equal(results[0], results[1])
    assert shifted_calls


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("zeros_propagate", [True, False])
def test_nan_and_infinity_are_refused(padding, zeros_propagate, small_blocks, monkeypatch,
                                      shifted_calls):
    """Rows read as they are: from the sum of every kh-th output row where the products
    multiply zero weights too, else from the rows themselves."""
    monkeypatch.setattr(_shifted, "zeros_propagate", lambda kh, kw: zeros_propagate)
    rng = np.random.default_rng(7)
    image = rng.random((23, 19, 3), dtype=np.float32)
    sobel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    corners = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    for kernel in (rng.normal(size=(3, 3)), sobel, corners, rng.normal(size=(5, 4))):
        assert_refused(image, kernel, padding,
                       ((0, 0, 0), (11, 9, 1), (22, 18, 2), (21, 0, 1), (1, 17, 0)),
                       grey_too=True)
    assert shifted_calls
    assert_huge_values_pass((23, 19, 3), padding)


def test_the_products_multiply_zero_weights_here():
    """The bundled BLAS multiplies zero weights too, so one sum checks the rows read."""
    assert all(_shifted.zeros_propagate(k, k) for k in (1, 2, 3, 4, 5))


def test_the_cost_model_takes_shifted_copies_for_small_kernels_only(shifted_calls):
    rng = np.random.default_rng(8)
    image = rng.random((400, 300, 3), dtype=np.float32)
    for shape, expected in (((3, 3), True), ((5, 5), True), ((7, 7), False), ((9, 9), False)):
        shifted_calls.clear()
        apply_kernel(image, rng.normal(size=shape), method="direct")
        assert bool(shifted_calls) == expected, shape
    shifted_calls.clear()
    apply_kernel(image, rng.normal(size=(3, 3)), method="direct", stride=2)
    assert not shifted_calls
    assert _fastpaths.plan(rng.normal(size=(3, 3)), (2048, 2048)) == ("direct", True)
