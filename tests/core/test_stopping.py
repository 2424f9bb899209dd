"""Long core functions stop when asked (`core.jobs.Cancelled`) and, when not asked, give the
uninterrupted result: Sobel, median/min/max, apply_kernel, the studio's run, image reading."""

import numpy as np
import pytest

from core.files.images import read_image, read_preview, write_image
from core.image.filtering import apply_kernel, neighbourhood, sobel
from core.image.kernels import make_preset
from core.image.requests import FilterRequest, run_filter
from core.jobs import Cancelled

SIDE = 4096


def stop_after_first_call():
    """A should_stop that says False once, then True (and counts its calls)."""
    calls = []

    def should_stop():
        calls.append(None)
        return len(calls) > 1

    should_stop.calls = calls
    return should_stop


@pytest.fixture(scope="module")
def big_image():
    return np.random.default_rng(0).integers(0, 256, (SIDE, SIDE), dtype=np.uint8)


def test_a_4096_median_stops_when_asked(big_image):
    should_stop = stop_after_first_call()
    with pytest.raises(Cancelled):
        neighbourhood(big_image, 3, "median", should_stop=should_stop)
    assert len(should_stop.calls) == 2  # stopped at the second strip, not at the end


def test_a_4096_median_not_stopped_equals_the_uninterrupted_result(big_image):
    seen = []
    result = neighbourhood(big_image, 3, "median", progress=seen.append,
                           should_stop=lambda: False)
    np.testing.assert_array_equal(result, neighbourhood(big_image, 3, "median"))
    assert len(seen) > 1 and seen[-1] == 1.0


def test_a_4096_sobel_stops_when_asked(big_image):
    should_stop = stop_after_first_call()
    with pytest.raises(Cancelled):
        sobel(big_image, should_stop=should_stop)
    assert len(should_stop.calls) == 2


@pytest.mark.parametrize("padding", ["edge", "zero", "valid"])
def test_a_4096_sobel_not_stopped_equals_the_uninterrupted_result(big_image, padding):
    seen = []
    magnitude, angle = sobel(big_image, padding=padding, progress=seen.append,
                             should_stop=lambda: False)
    expected_magnitude, expected_angle = sobel(big_image, padding=padding)
    np.testing.assert_array_equal(magnitude, expected_magnitude)
    np.testing.assert_array_equal(angle, expected_angle)
    assert len(seen) > 1 and seen == sorted(seen) and seen[-1] == 1.0


def test_a_colour_sobel_in_strips_equals_the_whole():
    image = np.random.default_rng(1).integers(0, 256, (700, 900, 3), dtype=np.uint8)
    expected = sobel(image)
    striped = sobel(image, should_stop=lambda: False)
    np.testing.assert_array_equal(striped[0], expected[0])
    np.testing.assert_array_equal(striped[1], expected[1])


def test_a_4096_kernel_stops_when_asked(big_image):
    should_stop = stop_after_first_call()
    with pytest.raises(Cancelled):
        apply_kernel(big_image, make_preset("Gaussian"), should_stop=should_stop)
    assert len(should_stop.calls) == 2


@pytest.mark.parametrize(("function", "view"), [("median", "kernel"), ("max", "kernel"),
                                                 ("sum", "magnitude"), ("sum", "angle")])
def test_the_studio_run_passes_should_stop_on(big_image, function, view):
    request = FilterRequest(big_image, make_preset("Box blur"), padding="edge", function=function,
                            view=view)
    should_stop = stop_after_first_call()
    with pytest.raises(Cancelled):
        run_filter(request, lambda fraction: None, should_stop)
    assert len(should_stop.calls) == 2


def test_the_studio_run_reports_sobel_progress():
    image = np.random.default_rng(2).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    seen = []
    output = run_filter(FilterRequest(image, make_preset("Box blur"), view="magnitude"),
                        seen.append, lambda: False)
    np.testing.assert_array_equal(output.raw, sobel(image)[0])
    assert seen and seen[-1] == 1.0


def test_reading_an_image_stops_when_asked(tmp_path):
    path = tmp_path / "big.png"
    image = np.random.default_rng(3).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    write_image(path, image)
    with pytest.raises(Cancelled, match="big.png"):
        read_image(path, should_stop=lambda: True)
    should_stop = stop_after_first_call()
    with pytest.raises(Cancelled):
        read_image(path, should_stop=should_stop)  # decoded, stopped before converting
    np.testing.assert_array_equal(read_image(path, should_stop=lambda: False), image)


def test_a_preview_is_small_and_like_the_image(tmp_path):
    path = tmp_path / "wide.png"
    image = np.zeros((100, 400, 3), np.uint8)
    image[:, 200:] = 255
    write_image(path, image)
    preview = read_preview(path, 50)
    assert max(preview.shape) == 50 and preview.shape[2] == 3 and preview.dtype == np.uint8
    assert preview[:, :20].max() == 0 and preview[:, 30:].min() == 255
