"""explain_pixel, Sobel gradients and angle colours, neighbourhood functions (median/min/max)."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from core.image.filtering import (
    PADDING_MODES,
    angle_legend,
    angle_to_rgb,
    apply_kernel,
    explain_pixel,
    gradients,
    neighbourhood,
    sobel,
    to_grey,
)
from core.image.kernels import Kernel


@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("mode", ["correlate", "convolve"])
def test_explain_pixel_value_equals_apply_kernel(padding, mode):
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, size=(7, 8, 3), dtype=np.uint8)
    kernel = Kernel("k", rng.integers(-3, 4, size=(4, 3)), divisor=3.0, offset=5.0)
    options = {"padding": padding, "stride": 2, "mode": mode}
    if padding != "valid":
        options["pad_width"] = 3
    out = apply_kernel(image, kernel, **options)
    # What each window cell must hold, padding included, by numpy's own padding.
    numpy_mode = {"zero": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap",
                  "valid": "constant"}[padding]
    pad = options.get("pad_width", 0)
    padded = np.pad(image[:, :, 2], pad, mode=numpy_mode)
    for row in range(out.shape[0]):
        for col in range(out.shape[1]):
            info = explain_pixel(image, kernel, row, col, channel=2, **options)
            assert info.window.shape == info.weights.shape == info.in_padding.shape == (4, 3)
            np.testing.assert_allclose(info.value, out[row, col, 2], rtol=1e-5, atol=1e-3)
            np.testing.assert_allclose(info.products, info.window * info.weights, rtol=1e-6)
            np.testing.assert_allclose(info.total, info.products.sum(), rtol=1e-5, atol=1e-3)
            assert info.divisor == 3.0 and info.offset == 5.0
            top, left = info.top_left
            assert (top, left) == (row * 2 - options.get("pad_width", 0),
                                   col * 2 - options.get("pad_width", 0))
            for i in range(4):
                for j in range(3):
                    inside = 0 <= top + i < 7 and 0 <= left + j < 8
                    assert info.in_padding[i, j] == (not inside)
                    assert info.window[i, j] == padded[top + i + pad, left + j + pad]
                    if inside:
                        assert info.window[i, j] == image[top + i, left + j, 2]
    flipped = explain_pixel(image, kernel, 0, 0, mode="convolve").weights
    np.testing.assert_array_equal(flipped, kernel.values[::-1, ::-1])


def test_explain_pixel_3d_kernel_and_bad_pixel():
    rng = np.random.default_rng(5)
    image = rng.normal(size=(6, 6, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3))
    info = explain_pixel(image, kernel, 2, 3)
    assert info.window.shape == (3, 3, 3)
    np.testing.assert_allclose(info.value, apply_kernel(image, kernel)[2, 3], rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ValueError, match="outside the 6x6 output"):
        explain_pixel(image, kernel, 6, 0)
    with pytest.raises(ValueError, match="channel"):
        explain_pixel(image, kernel[:, :, 0], 0, 0, channel=3)


def test_sobel_matches_scipy_and_definition():
    rng = np.random.default_rng(6)
    image = rng.integers(0, 256, size=(20, 25, 3), dtype=np.uint8)
    grey = image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(to_grey(image), grey, rtol=1e-5, atol=1e-3)
    gx, gy = gradients(image)
    np.testing.assert_allclose(gx, ndi.sobel(grey, axis=1, mode="nearest"), rtol=1e-5, atol=1e-2)
    np.testing.assert_allclose(gy, ndi.sobel(grey, axis=0, mode="nearest"), rtol=1e-5, atol=1e-2)
    magnitude, angle = sobel(image)
    np.testing.assert_allclose(magnitude, np.sqrt(gx.astype(np.float64) ** 2 + gy**2),
                               rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(angle, np.arctan2(gy, gx), rtol=1e-5, atol=1e-6)


def test_sobel_angle_convention_right_and_down():
    ramp = np.tile(np.arange(10, dtype=np.float32), (10, 1))  # brighter to the right
    magnitude, angle = sobel(ramp)
    np.testing.assert_allclose(angle[2:-2, 2:-2], 0, atol=1e-6)
    np.testing.assert_allclose(magnitude[2:-2, 2:-2], 8, rtol=1e-6)  # 1+2+1 times 2 cells
    _, angle = sobel(ramp.T)  # brighter downwards
    np.testing.assert_allclose(angle[2:-2, 2:-2], np.pi / 2, atol=1e-6)


def test_angle_colours_and_legend():
    magnitude = np.array([[1.0, 2.0, 0.0, 2.0]])
    angle = np.array([[0.0, 0.0, 1.0, 2 * np.pi / 3]])
    rgb = angle_to_rgb(magnitude, angle)
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 4, 3)
    np.testing.assert_array_equal(rgb[0, 0], [128, 0, 0])  # half magnitude, red
    np.testing.assert_array_equal(rgb[0, 1], [255, 0, 0])  # full magnitude, red
    np.testing.assert_array_equal(rgb[0, 2], [0, 0, 0])  # no edge: black
    np.testing.assert_array_equal(rgb[0, 3], [0, 255, 0])  # a third of the circle: green
    legend = angle_legend(65)
    assert legend.shape == (65, 65, 3) and legend.dtype == np.uint8
    right, below = legend[32, 63], legend[63, 32]
    assert right[0] > 200 and right[1] < 20 and right[2] < 20  # angle 0 = red, to the right
    expected_below = angle_to_rgb(np.array([[1.0]]), np.array([[np.pi / 2]]))[0, 0]
    np.testing.assert_allclose(below, expected_below, atol=12)  # +pi/2 points down
    assert legend[32, 32].max() < 20 and legend[0, 0].max() == 0  # dark centre, black corner
    with pytest.raises(ValueError, match="one shape"):
        angle_to_rgb(np.zeros((2, 2)), np.zeros((2, 3)))


def _neighbourhood_reference(image, size, function, padding, stride):
    kh, kw = size
    pads = ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)
    if padding == "valid":
        padded = image
    else:
        mode = {"zero": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}[padding]
        padded = np.pad(image, pads + ((0, 0),) * (image.ndim - 2), mode=mode)
    reduce = {"median": np.median, "min": np.min, "max": np.max}[function]
    rows = range(0, padded.shape[0] - kh + 1, stride)
    cols = range(0, padded.shape[1] - kw + 1, stride)
    return np.array([[reduce(padded[r : r + kh, c : c + kw], axis=(0, 1)) for c in cols]
                     for r in rows])


@pytest.mark.parametrize("function", ["median", "min", "max"])
@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize(("size", "stride"), [((3, 3), 1), ((4, 2), 2), ((5, 5), 3)])
def test_neighbourhood_matches_reference(function, padding, size, stride):
    rng = np.random.default_rng(8)
    image = rng.permutation(9 * 11 * 3).reshape(9, 11, 3).astype(np.float32)  # no ties
    expected = _neighbourhood_reference(image, size, function, padding, stride)
    result = neighbourhood(image, size, function, padding=padding, stride=stride)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=0, atol=0)
    grey = neighbourhood(image[:, :, 0], size, function, padding=padding, stride=stride)
    np.testing.assert_allclose(grey, expected[:, :, 0], rtol=0, atol=0)


def test_neighbourhood_bad_input():
    with pytest.raises(ValueError, match="function must be"):
        neighbourhood(np.zeros((5, 5)), 3, "mean")
    with pytest.raises(ValueError, match="size must be"):
        neighbourhood(np.zeros((5, 5)), 0, "min")
    with pytest.raises(ValueError, match="does not fit"):
        neighbourhood(np.zeros((5, 5)), 7, "max", padding="valid")


def test_neighbourhood_strips_progress_and_cancel(monkeypatch):
    from core.image import neighbourhood as module
    from core.jobs import Cancelled

    monkeypatch.setattr(module, "_STRIP_WORK", 1.0)  # one row per strip
    image = np.random.default_rng(9).permutation(14 * 9).reshape(14, 9).astype(np.float32)
    seen = []
    striped = neighbourhood(image, (4, 3), "median", stride=2, progress=seen.append)
    np.testing.assert_array_equal(striped, neighbourhood(image, (4, 3), "median", stride=2))
    assert len(seen) == striped.shape[0] and seen[-1] == 1.0
    with pytest.raises(Cancelled):
        neighbourhood(image, 3, "max", should_stop=lambda: True)


def test_sobel_progress_and_cancel(monkeypatch):
    from core.image import filtering
    from core.jobs import Cancelled

    monkeypatch.setattr(filtering, "_STRIP_NS", 1.0)
    image = np.random.default_rng(10).integers(0, 256, size=(9, 12, 3), dtype=np.uint8)
    seen = []
    magnitude, angle = sobel(image, progress=seen.append)
    expected_magnitude, expected_angle = sobel(image)
    np.testing.assert_array_equal(magnitude, expected_magnitude)
    np.testing.assert_array_equal(angle, expected_angle)
    assert seen == sorted(seen) and seen[-1] == 1.0 and any(f <= 0.5 for f in seen)
    with pytest.raises(Cancelled):
        sobel(image, should_stop=lambda: True)
