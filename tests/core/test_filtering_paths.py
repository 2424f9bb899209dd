"""Same result whatever the method; strips, progress and cancelling; bad input; method choice."""

import numpy as np
import pytest

from core.image import _fastpaths, filtering
from core.image.filtering import apply_kernel
from core.image.kernels import PRESETS, Kernel, box, gaussian, make_preset
from core.jobs import Cancelled

METHODS = ("direct", "separable", "fft")


def _image(shape=(48, 61, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def _assert_same_all_methods(image, kernel, **options):
    weights = kernel.effective() if isinstance(kernel, Kernel) else np.asarray(kernel)
    atol = 1e-5 * 255 * float(np.abs(weights).sum()) + 1e-6
    results = {m: apply_kernel(image, kernel, method=m, **options) for m in METHODS}
    for method in ("separable", "fft"):
        np.testing.assert_allclose(results[method], results["direct"], rtol=1e-4, atol=atol,
                                   err_msg=f"{method} vs direct, {options}")
    return results["direct"]


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("options", [{}, {"stride": 2, "padding": "reflect"},
                                     {"padding": "wrap", "mode": "convolve"}])
def test_every_preset_same_result_whatever_the_method(name, options):
    _assert_same_all_methods(_image(), make_preset(name), **options)


@pytest.mark.parametrize("name", ["Gaussian", "Box blur", "Motion blur", "Unsharp mask"])
def test_large_presets_same_result(name):
    size_key = {"Gaussian": "size", "Box blur": "n", "Motion blur": "length",
                "Unsharp mask": "size"}[name]
    for size in (8, 15, 31):
        _assert_same_all_methods(_image((40, 45)), make_preset(name, **{size_key: size}),
                                 padding="edge", stride=3)


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (7, 7), (8, 5), (15, 15), (31, 31), (31, 4),
                                   (3, 3, 3), (6, 5, 3)])
@pytest.mark.parametrize("stride", [1, 2])
def test_random_kernels_same_result(shape, stride):
    kernel = np.random.default_rng(sum(shape)).normal(size=shape)
    image = _image((40, 52, 3)).astype(np.float32) / 255
    _assert_same_all_methods(image, kernel, stride=stride, padding="reflect")


def test_auto_equals_forced_methods_and_picks_by_cost():
    big = (1024, 1024, 3)
    rng = np.random.default_rng(0)
    assert _fastpaths.choose_method(rng.normal(size=(3, 3)), big) == "direct"
    assert _fastpaths.choose_method(gaussian(9, 2).values, big) == "direct"
    assert _fastpaths.choose_method(box(31).values, big) == "separable"
    assert _fastpaths.choose_method(rng.normal(size=(31, 31)), big) == "fft"
    image = _image()
    kernel = rng.normal(size=(9, 9))
    np.testing.assert_allclose(apply_kernel(image, kernel),
                               apply_kernel(image, kernel, method="direct"), rtol=1e-4, atol=1e-2)


def test_strips_report_progress_and_give_the_same_result(monkeypatch):
    monkeypatch.setattr(filtering, "_STRIP_NS", 1.0)  # force one strip per row
    image = _image((23, 30, 3))
    kernel = np.random.default_rng(1).normal(size=(4, 5))
    for method in METHODS:
        for padding, pad_width in (("zero", None), ("reflect", 4), ("edge", 2), ("wrap", 3),
                                   ("valid", None)):
            options = {"stride": 2, "method": method, "padding": padding, "pad_width": pad_width}
            seen = []
            striped = apply_kernel(image, kernel, progress=seen.append,
                                   should_stop=lambda: False, **options)
            whole = apply_kernel(image, kernel, **options)
            np.testing.assert_allclose(striped, whole, rtol=1e-5, atol=1e-3)
            assert len(seen) == striped.shape[0] and seen == sorted(seen) and seen[-1] == 1.0
    image = image.astype(np.float32)
    image[20, 5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        apply_kernel(image, kernel, progress=lambda fraction: None)


def test_should_stop_cancels(monkeypatch):
    monkeypatch.setattr(filtering, "_STRIP_NS", 1.0)
    calls = []

    def stop_on_third_check():
        calls.append(1)
        return len(calls) >= 3

    progress = []
    with pytest.raises(Cancelled):
        apply_kernel(_image(), np.ones((3, 3)), progress=progress.append,
                     should_stop=stop_on_third_check)
    assert len(progress) == 2


def test_large_image_strips_are_short():
    image = np.zeros((2048, 2048, 3), np.float32)
    kernel = np.random.default_rng(0).normal(size=(9, 9)).astype(np.float32)
    fractions = []
    apply_kernel(image, kernel, progress=fractions.append)
    assert len(fractions) >= 4 and fractions[-1] == 1.0


@pytest.mark.parametrize(
    ("image", "kernel", "options", "error", "match"),
    [
        (np.zeros((5, 5)), [], {}, ValueError, "empty"),
        (np.zeros((5, 5)), [["x"]], {}, TypeError, "numbers"),
        (np.zeros((5, 5)), [[1, np.nan]], {}, ValueError, "NaN"),
        (np.zeros((5, 5)), [[np.inf]], {}, ValueError, "infinite"),
        (np.full((5, 5), np.nan), np.ones((3, 3)), {}, ValueError, "image contains NaN"),
        (np.full((5, 5), -np.inf), np.ones((3, 3)), {}, ValueError, "infinite"),
        (np.zeros((5, 5)), np.ones((7, 3)), {"padding": "valid"}, ValueError, "does not fit"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"stride": 0}, ValueError, "stride must be"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"stride": 1.5}, ValueError, "stride must be"),
        (np.zeros((2, 5, 5, 3)), np.ones((3, 3)), {}, ValueError, "4-D"),
        (np.zeros(5), np.ones((3, 3)), {}, ValueError, "1-D"),
        (np.zeros((0, 5)), np.ones((3, 3)), {}, ValueError, "empty"),
        (np.array([["a"]]), np.ones((1, 1)), {}, TypeError, "real numbers"),
        (np.zeros((5, 5, 3)), np.ones((3, 3, 2)), {}, ValueError, "2 channel"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"padding": "mirror"}, ValueError, "padding must"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"method": "magic"}, ValueError, "method must"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"mode": "flip"}, ValueError, "mode must"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"pad_width": -1}, ValueError, "pad_width"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"divisor": 0}, ValueError, "divisor"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"offset": float("nan")}, ValueError, "offset"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"padding": "valid", "pad_width": 2}, ValueError,
         "no padding"),
    ],
)
def test_bad_input_gets_a_clear_error(image, kernel, options, error, match):
    with pytest.raises(error, match=match):
        apply_kernel(image, kernel, **options)


def test_input_is_not_modified_and_output_is_float32():
    image = _image((10, 12))
    before = image.copy()
    out = apply_kernel(image, np.ones((3, 3)))
    np.testing.assert_array_equal(image, before)
    assert out.dtype == np.float32
    float64_image = image.astype(np.float64)
    assert apply_kernel(float64_image, np.ones((2, 2)), method="fft").dtype == np.float32


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("shape", [(3, 3), (8, 5), (6, 4, 3)])
def test_fft_in_bands_equals_direct(monkeypatch, stride, shape):
    monkeypatch.setattr(_fastpaths, "_FFT_BAND", 5)  # bands of a few rows on a small image
    image = _image((47, 33, 3))
    kernel = np.random.default_rng(len(shape) + stride).normal(size=shape)
    assert _fastpaths._fft_band_rows(shape[0], stride) < 20
    banded = apply_kernel(image, kernel, method="fft", stride=stride, padding="reflect")
    direct = apply_kernel(image, kernel, method="direct", stride=stride, padding="reflect")
    np.testing.assert_allclose(banded, direct, rtol=1e-4, atol=1e-5 * 255 * np.abs(kernel).sum())
