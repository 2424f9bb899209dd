"""Kernel builders, presets, kernel facts and JSON kernel files."""

import json

import numpy as np
import pytest

from core.image import kernels
from core.image.kernel_facts import kernel_facts
from core.image.kernels import (
    PRESETS,
    Kernel,
    gaussian,
    gaussian_weights,
    load_kernel,
    make_preset,
    save_kernel,
    validate_kernel,
)

PRESET_NAMES = [
    "Identity", "Box blur", "Gaussian", "Sobel x", "Sobel y", "Scharr x", "Scharr y", "Prewitt x",
    "Prewitt y", "Laplacian (4-neighbour)", "Laplacian (8-neighbour)", "Sharpen", "Unsharp mask",
    "Emboss", "Outline", "Motion blur",
]


def test_gaussian_reproduces_the_course_notes_table():
    table = gaussian_weights(7, 0.84089642)
    assert round(table[3, 3], 8) == 0.22508352
    for r, c in ((2, 3), (4, 3), (3, 2), (3, 4)):
        assert round(table[r, c], 8) == 0.11098164
    for r, c in ((0, 0), (0, 6), (6, 0), (6, 6)):
        assert round(table[r, c], 8) == 0.00000067
    values = gaussian(7, 0.84089642).values
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, table, rtol=0, atol=1e-8)
    assert round(float(values[3, 3]), 8) == 0.22508352


def test_gaussian_matches_formula_for_even_and_odd_sizes():
    for size, sigma in ((4, 1.0), (5, 2.0), (1, 0.5)):
        x = np.arange(size) - (size - 1) / 2
        expected = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma**2))
        expected /= expected.sum()
        np.testing.assert_allclose(gaussian_weights(size, sigma), expected, rtol=1e-12, atol=0)
        np.testing.assert_allclose(gaussian(size, sigma).values.sum(), 1.0, rtol=0, atol=1e-6)


def test_presets_in_display_order_and_all_build():
    assert list(PRESETS) == PRESET_NAMES
    for name in PRESET_NAMES:
        kernel = make_preset(name)
        assert kernel.name == name
        assert kernel.values.dtype == np.float32 and kernel.values.ndim == 2
        assert np.all(np.isfinite(kernel.values))


def test_classic_kernels_have_their_textbook_values():
    np.testing.assert_array_equal(kernels.sobel_x().values, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernels.sobel_y().values, kernels.sobel_x().values.T)
    np.testing.assert_array_equal(kernels.scharr_x().values,
                                  [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]])
    np.testing.assert_array_equal(kernels.scharr_y().values, kernels.scharr_x().values.T)
    np.testing.assert_array_equal(kernels.prewitt_x().values, [[-1, 0, 1]] * 3)
    np.testing.assert_array_equal(kernels.prewitt_y().values, kernels.prewitt_x().values.T)
    np.testing.assert_array_equal(kernels.laplacian4().values, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(kernels.laplacian8().values, [[1, 1, 1], [1, -8, 1], [1, 1, 1]])
    np.testing.assert_array_equal(kernels.sharpen().values, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(kernels.outline().values,
                                  [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(kernels.emboss().values, [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
    box = kernels.box(4)
    np.testing.assert_allclose(box.effective(), np.full((4, 4), 1 / 16), rtol=1e-6, atol=0)
    ident = kernels.identity(4)
    assert ident.values[1, 1] == 1 and ident.values.sum() == 1


def test_unsharp_mask_is_identity_plus_amount_times_detail():
    size, sigma, amount = 5, 1.2, 0.7
    delta = np.zeros((size, size))
    delta[2, 2] = 1
    expected = delta + amount * (delta - gaussian_weights(size, sigma))
    np.testing.assert_allclose(kernels.unsharp_mask(size, sigma, amount).values, expected,
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("length", [1, 4, 9])
def test_motion_blur_lies_along_its_angle(length):
    horizontal = kernels.motion_blur(length, 0).values
    vertical = kernels.motion_blur(length, 90).values
    np.testing.assert_allclose(horizontal.sum(), 1, rtol=0, atol=1e-6)
    np.testing.assert_allclose(vertical, horizontal.T, rtol=0, atol=1e-6)
    if length % 2:  # the line runs along the middle row, evenly
        middle = length // 2
        np.testing.assert_allclose(horizontal[middle], np.full(length, 1 / length), atol=1e-6)
        np.testing.assert_allclose(horizontal.sum(axis=1)[middle], 1, atol=1e-6)
    else:  # the line runs between the two middle rows: half of it lands on each
        upper, lower = length // 2 - 1, length // 2
        np.testing.assert_allclose(horizontal[upper], horizontal[lower], atol=1e-6)
        np.testing.assert_allclose(horizontal.sum(axis=1)[[upper, lower]], [0.5, 0.5], atol=1e-6)
    diagonal = kernels.motion_blur(length, 45).values
    np.testing.assert_allclose(diagonal, diagonal[::-1, ::-1], rtol=0, atol=1e-6)  # symmetric
    # 45 degrees counter-clockwise on screen: bottom-left to top-right, the anti-diagonal
    np.testing.assert_allclose(diagonal, diagonal[::-1, ::-1].T, rtol=0, atol=1e-6)
    if length > 1:
        anti = np.fliplr(diagonal)
        assert np.trace(anti) > 0.5 and np.trace(diagonal) < np.trace(anti)


def test_make_preset_checks_names_and_parameters():
    kernel = make_preset("Gaussian", size=7, sigma=0.84089642)
    np.testing.assert_allclose(kernel.values, gaussian_weights(7, 0.84089642), atol=1e-8)
    with pytest.raises(ValueError, match="unknown preset 'Blur'"):
        make_preset("Blur")
    with pytest.raises(ValueError, match="no parameter sigma"):
        make_preset("Box blur", sigma=2)
    with pytest.raises(ValueError, match="size must be from 1 to 31"):
        make_preset("Gaussian", size=33)
    with pytest.raises(ValueError, match="whole number"):
        make_preset("Box blur", n=2.5)


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ([], ValueError, "empty"),
        ([[]], ValueError, "empty"),
        ([["a", "b"]], TypeError, "numbers"),
        ([[1, 2], [3]], ValueError, "same length"),
        ([[1, np.nan]], ValueError, "NaN"),
        ([[1, np.inf]], ValueError, "NaN or infinite"),
        ([1, 2, 3], ValueError, "2-D"),
        (np.ones((2, 2, 2, 2)), ValueError, "2-D .* or 3-D"),
        (np.ones((32, 3)), ValueError, "largest size is 31x31"),
        ([[True, False]], TypeError, "numbers"),
    ],
)
def test_validate_kernel_rejects_bad_values(values, error, match):
    with pytest.raises(error, match=match):
        validate_kernel(values)


def test_validate_kernel_accepts_sizes_up_to_31_and_3d():
    assert validate_kernel(np.ones((31, 1))).shape == (31, 1)
    assert validate_kernel(np.ones((3, 3, 3), np.int64)).dtype == np.float32


def test_kernel_facts_of_separable_and_non_separable_kernels():
    facts = kernel_facts(kernels.sobel_x())
    assert facts.separable and facts.total == 0
    assert facts.brightness == "sum 0: flat areas go black (edge detector)"
    column, row = facts.factors
    np.testing.assert_allclose(column, [1, 2, 1], atol=1e-5)
    np.testing.assert_allclose(row, [-1, 0, 1], atol=1e-5)
    assert facts.cost["direct"] == 9 and facts.cost["separable"] == 6 and facts.cost["fft"] > 0
    assert facts.method in ("direct", "separable", "fft")

    blur = kernel_facts(gaussian(7, 2.0))
    assert blur.separable and blur.brightness == "sum 1: keeps brightness"
    np.testing.assert_allclose(np.outer(*blur.factors), gaussian(7, 2.0).values, atol=1e-7)

    lap = kernel_facts(kernels.laplacian4())
    assert not lap.separable and lap.factors is None and "separable" not in lap.cost

    bright = kernel_facts(Kernel("x", [[0, 0, 0], [0, 2, 0], [0, 0, 0]]))
    assert bright.brightness == "sum 2: brightens"


def test_frequency_response_is_the_shifted_fft_magnitude():
    kernel = kernels.box(3)
    response = kernel_facts(kernel).frequency_response
    assert response.shape == (64, 64) and response.dtype == np.float32
    np.testing.assert_allclose(response[32, 32], 1.0, rtol=1e-6)  # DC gain = sum of weights
    padded = np.zeros((64, 64))
    padded[:3, :3] = 1 / 9
    expected = np.fft.fftshift(np.abs(np.fft.fft2(padded)))
    np.testing.assert_allclose(response, expected, rtol=1e-5, atol=1e-6)


def test_kernel_file_round_trip(tmp_path):
    kernel = Kernel("mine", np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5, divisor=3.0,
                    offset=128.0)
    save_kernel(tmp_path / "k.json", kernel)
    loaded = load_kernel(tmp_path / "k.json")
    assert loaded.name == "mine" and loaded.divisor == 3.0 and loaded.offset == 128.0
    np.testing.assert_array_equal(loaded.values, kernel.values)
    colour = Kernel("rgb", np.ones((3, 3, 3)))
    save_kernel(tmp_path / "c.json", colour)
    assert load_kernel(tmp_path / "c.json").values.shape == (3, 3, 3)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "x"}', "'values'"),
        ('{"values": [[1, 2], [3]]}', "same length"),
        ('{"values": []}', "empty"),
        ('{"values": [["a", 1]]}', "numbers"),
        ('{"values": [[NaN, 1]]}', "NaN"),
        ('{"values": [[1, 2]], "divisor": 0}', "divisor"),
        (json.dumps({"values": np.ones((32, 32)).tolist()}), "largest size"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_bad_kernel_files_name_the_file_and_the_problem(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as info:
        load_kernel(path)
    assert "bad.json" in str(info.value)


def test_missing_and_binary_kernel_files(tmp_path):
    with pytest.raises(ValueError, match=r"no such file \(expected a kernel file\)"):
        load_kernel(tmp_path / "none.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="bin.json"):
        load_kernel(tmp_path / "bin.json")


def test_bundled_example_kernel_files_load():
    from core.resources import resource_path

    folder = resource_path("kernels")
    files = sorted(folder.glob("*.json"))
    assert len(files) >= 5
    for path in files:
        kernel = load_kernel(path)
        assert kernel.name and np.all(np.isfinite(kernel.effective()))
    notes = load_kernel(folder / "notes_gaussian_7x7.json")
    np.testing.assert_allclose(notes.values, gaussian_weights(7, 0.84089642), rtol=0, atol=1e-8)
    assert load_kernel(folder / "rgb_red_minus_green.json").values.shape == (3, 3, 3)
