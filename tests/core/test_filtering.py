"""apply_kernel against independent computations: a plain loop, and scipy.ndimage.

The loop reference pads by its own index arithmetic (not numpy.pad) and follows the geometry the
docs state: default padding (k - 1) // 2 before and k // 2 after; window of output (r, c) starts
at padded cell (r * stride, c * stride); convolve = correlate with the flipped kernel.
"""

import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.image.filtering import PADDING_MODES, apply_kernel, describe_geometry, output_size
from core.image.kernels import Kernel

METHODS = ("auto", "direct", "separable", "fft")
SCIPY_MODES = {"zero": "constant", "reflect": "mirror", "edge": "nearest", "wrap": "wrap"}


def _source_index(i, n, padding):
    """Input index for padded position i (relative to the image), or None for a zero cell."""
    if 0 <= i < n:
        return i
    if padding == "zero":
        return None
    if padding == "edge":
        return min(max(i, 0), n - 1)
    if padding == "wrap":
        return i % n
    if n == 1:
        return 0
    period = 2 * (n - 1)
    m = i % period
    return m if m < n else period - m


def reference(image, kernel, *, padding="zero", pad_width=None, stride=1, mode="correlate",
              divisor=1.0, offset=0.0):
    """The definition, as loops over output pixels, in float64."""
    img = np.asarray(image, np.float64)
    grey = img.ndim == 2
    if grey:
        img = img[:, :, None]
    k = np.asarray(kernel, np.float64)
    if mode == "convolve":
        k = k[::-1, ::-1]
    kh, kw = k.shape[:2]
    height, width, channels = img.shape
    if padding == "valid":
        top = bottom = left = right = 0
    elif pad_width is None:
        top, bottom, left, right = (kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2
    else:
        top = bottom = left = right = pad_width
    out_h = (height + top + bottom - kh) // stride + 1
    out_w = (width + left + right - kw) // stride + 1
    out = np.zeros((out_h, out_w) if k.ndim == 3 else (out_h, out_w, channels))
    for r in range(out_h):
        for c in range(out_w):
            window = np.zeros((kh, kw, channels))
            for i in range(kh):
                for j in range(kw):
                    si = _source_index(r * stride + i - top, height, padding)
                    sj = _source_index(c * stride + j - left, width, padding)
                    if si is not None and sj is not None:
                        window[i, j] = img[si, sj]
            if k.ndim == 3:
                out[r, c] = np.sum(window * k)
            else:
                out[r, c] = np.sum(window * k[:, :, None], axis=(0, 1))
    out = out / divisor + offset
    return out[:, :, 0] if grey and k.ndim == 2 else out


def _scale(image, kernel):
    return float(np.abs(np.asarray(image, np.float64)).max()) * float(np.abs(kernel).sum()) + 1.0


def _check(image, kernel, **options):
    expected = reference(image, kernel, **options)
    for method in METHODS:
        result = apply_kernel(image, kernel, method=method, **options)
        assert result.dtype == np.float32 and result.shape == expected.shape, method
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5 * _scale(image, kernel),
                                   err_msg=f"method={method}")


RNG = np.random.default_rng(1234)
KERNELS = {
    "3x3": RNG.normal(size=(3, 3)),
    "4x4 even": RNG.normal(size=(4, 4)),
    "2x5 non-square": RNG.normal(size=(2, 5)),
    "1x1": RNG.normal(size=(1, 1)),
    "rank-1 5x3": np.outer([1.0, 2, 3, 2, 1], [-1.0, 0, 1]),
}


@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel_name", list(KERNELS))
@pytest.mark.parametrize("kind", ["grey uint8", "colour float32", "grey float64", "colour uint8"])
def test_matches_loop_reference(padding, stride, kernel_name, kind):
    rng = np.random.default_rng(7)
    shape = (9, 11) if kind.startswith("grey") else (8, 10, 3)
    if kind.endswith("uint8"):
        image = rng.integers(0, 256, size=shape, dtype=np.uint8)
    else:
        image = rng.normal(size=shape).astype(kind.split()[1])
    _check(image, KERNELS[kernel_name], padding=padding, stride=stride)


@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("shape", [(3, 3, 3), (2, 4, 3), (4, 3, 1)])
def test_3d_kernel_sums_over_channels(padding, stride, shape):
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=shape)
    image = rng.integers(0, 256, size=(7, 9, shape[2]), dtype=np.uint8)
    _check(image, kernel, padding=padding, stride=stride)
    if shape[2] == 1:  # a single-channel 3-D kernel also fits a grey image
        _check(image[:, :, 0], kernel, padding=padding, stride=stride)


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("shape", [(3, 4), (4, 2), (5, 5)])
def test_convolve_flips_and_explicit_pad_width(padding, shape):
    rng = np.random.default_rng(5)
    kernel = rng.normal(size=shape)
    image = rng.normal(size=(10, 9, 3)).astype(np.float32)
    _check(image, kernel, padding=padding, mode="convolve")
    _check(image, kernel, padding=padding, pad_width=3, stride=2)


def test_divisor_and_offset_from_kernel_or_arguments():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, size=(6, 7, 3), dtype=np.uint8)
    values = rng.integers(-3, 4, size=(3, 3)).astype(np.float32)
    kernel = Kernel("k", values, divisor=4.0, offset=10.0)
    expected = reference(image, values, divisor=4.0, offset=10.0)
    for method in METHODS:
        np.testing.assert_allclose(apply_kernel(image, kernel, method=method), expected,
                                   rtol=1e-5, atol=1e-3)
    overridden = apply_kernel(image, kernel, divisor=2.0, offset=-1.0)
    np.testing.assert_allclose(overridden, reference(image, values, divisor=2.0, offset=-1.0),
                               rtol=1e-5, atol=1e-3)


def test_course_notes_example_9x9_pad_2_3x3_stride_2_gives_6x6():
    image = np.arange(81, dtype=np.float32).reshape(9, 9)
    kernel = np.arange(9, dtype=np.float32).reshape(3, 3) - 4
    assert output_size((9, 9), (3, 3), pad_width=2, stride=2) == (6, 6)
    line = describe_geometry((9, 9), (3, 3), pad_width=2, stride=2)
    assert line == "9x9, pad 2, 3x3, stride 2 -> 6x6"
    result = apply_kernel(image, kernel, pad_width=2, stride=2)
    assert result.shape == (6, 6)
    np.testing.assert_allclose(result, reference(image, kernel, pad_width=2, stride=2),
                               rtol=1e-6, atol=1e-4)
    # the top-left output only sees the corner input cell under the kernel's bottom-right weight
    assert result[0, 0] == kernel[2, 2] * image[0, 0]


def test_same_size_output_at_stride_1():
    image = np.zeros((13, 17))
    for shape in ((1, 1), (2, 2), (3, 6), (31, 31)):
        for padding in ("zero", "reflect", "edge", "wrap"):
            assert apply_kernel(image, np.ones(shape), padding=padding).shape == (13, 17)
    assert apply_kernel(image, np.ones((3, 6)), padding="valid").shape == (11, 12)


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (4, 4), (2, 3), (6, 5)])
@pytest.mark.parametrize("colour", [False, True])
def test_matches_scipy_ndimage_correlate(padding, shape, colour):
    """scipy's window is centred at k // 2; ours at (k - 1) // 2, i.e. origin -1 on even axes."""
    rng = np.random.default_rng(11)
    kernel = rng.normal(size=shape).astype(np.float32)
    image = rng.normal(size=(20, 23, 3) if colour else (20, 23)).astype(np.float32)
    origin = [-1 if k % 2 == 0 else 0 for k in shape]
    weights, origins = kernel, origin
    if colour:
        weights, origins = kernel[:, :, None], origin + [0]
    expected = ndi.correlate(image.astype(np.float64), weights.astype(np.float64),
                             mode=SCIPY_MODES[padding], origin=origins)
    for method in METHODS:
        result = apply_kernel(image, kernel, padding=padding, method=method)
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5 * _scale(image, kernel))
    if all(k % 2 for k in shape):
        expected = ndi.convolve(image.astype(np.float64), weights.astype(np.float64),
                                mode=SCIPY_MODES[padding])
        result = apply_kernel(image, kernel, padding=padding, mode="convolve")
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5 * _scale(image, kernel))


@pytest.mark.parametrize("padding", ["zero", "reflect", "edge", "wrap"])
def test_3d_kernel_matches_scipy_middle_channel(padding):
    rng = np.random.default_rng(12)
    kernel = rng.normal(size=(3, 5, 3)).astype(np.float32)
    image = rng.normal(size=(16, 15, 3)).astype(np.float32)
    expected = ndi.correlate(image.astype(np.float64), kernel.astype(np.float64),
                             mode=SCIPY_MODES[padding])[:, :, 1]
    np.testing.assert_allclose(apply_kernel(image, kernel, padding=padding), expected,
                               rtol=1e-5, atol=1e-5 * _scale(image, kernel))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    height=st.integers(1, 12),
    width=st.integers(1, 12),
    channels=st.sampled_from([None, 1, 3]),
    kh=st.integers(1, 6),
    kw=st.integers(1, 6),
    kernel_3d=st.booleans(),
    padding=st.sampled_from(PADDING_MODES),
    pad_width=st.one_of(st.none(), st.integers(0, 4)),
    stride=st.integers(1, 3),
    mode=st.sampled_from(["correlate", "convolve"]),
    seed=st.integers(0, 2**31),
)
def test_property_random_shapes_match_reference(height, width, channels, kh, kw, kernel_3d,
                                                padding, pad_width, stride, mode, seed):
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    image = rng.integers(0, 256, size=shape).astype(np.uint8)
    depth = 1 if channels is None else channels
    kernel = rng.normal(size=(kh, kw, depth) if kernel_3d else (kh, kw))
    if padding == "valid":
        pad_width = None
    try:
        expected_shape = output_size((height, width), (kh, kw), padding=padding,
                                     pad_width=pad_width, stride=stride)
    except ValueError:
        with pytest.raises(ValueError, match="does not fit"):
            apply_kernel(image, kernel, padding=padding, pad_width=pad_width, stride=stride)
        return
    _check(image, kernel, padding=padding, pad_width=pad_width, stride=stride, mode=mode)
    assert apply_kernel(image, kernel, padding=padding, pad_width=pad_width,
                        stride=stride).shape[:2] == expected_shape


@pytest.mark.parametrize("pad_width", [((1, 2), (0, 3)), (2, 1), ((0, 0), (4, 1))])
def test_uneven_pad_width_equals_padding_by_hand(pad_width):
    rng = np.random.default_rng(13)
    image = rng.normal(size=(7, 9, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 4))
    rows, cols = pad_width
    rows = (rows, rows) if isinstance(rows, int) else rows
    cols = (cols, cols) if isinstance(cols, int) else cols
    for padding, numpy_mode in (("zero", "constant"), ("reflect", "reflect"), ("edge", "edge"),
                                ("wrap", "wrap")):
        by_hand = np.pad(image, (rows, cols, (0, 0)), mode=numpy_mode)
        expected = reference(by_hand, kernel, padding="valid", stride=2)
        for method in METHODS:
            result = apply_kernel(image, kernel, padding=padding, pad_width=pad_width, stride=2,
                                  method=method)
            np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)


def test_describe_geometry_wording():
    assert describe_geometry((5, 6), (3, 3)) == "5x6, pad 1, 3x3, stride 1 -> 5x6"
    assert describe_geometry((5, 6), (4, 4)) == "5x6, pad 1,2,1,2, 4x4, stride 1 -> 5x6"
    assert describe_geometry((5, 6), (3, 3), padding="valid") == (
        "5x6, no padding, 3x3, stride 1 -> 3x4")
    assert describe_geometry((9, 9), (3, 3), padding="reflect", pad_width=2, stride=3) == (
        "9x9, pad 2 (reflect), 3x3, stride 3 -> 4x4")
    with pytest.raises(ValueError, match="pad_width"):
        output_size((5, 5), (3, 3), pad_width=((1, 2), (3,)))
