"""`playground filter`: outputs equal the engine's results; bad input is one line and exit 1."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.files.images import read_image, to_uint8, write_image
from core.image.filtering import angle_to_rgb, apply_kernel, neighbourhood, sobel
from core.image.kernels import PRESETS, Kernel, make_preset, save_kernel
from playground.cli import run_cli


@pytest.fixture
def picture(tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(21, 30, 3), dtype=np.uint8)
    path = tmp_path / "in.png"
    write_image(path, image)
    return path, image


def _run_ok(args, capsys):
    assert run_cli(["filter", *map(str, args)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("wrote ")
    return out


def _run_error(args, capsys, match):
    assert run_cli(["filter", *map(str, args)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("playground filter: error:") and "\n" not in err
    assert match in err, err
    return err


def _run_usage(args, capsys, match):
    """A usage error: exit code 2, the command's usage, then one line naming the flag."""
    assert run_cli(["filter", *map(str, args)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("usage: playground filter")
    last = err.splitlines()[-1]
    assert last.startswith("playground filter: error:") and match in last, err
    return last


def test_preset_to_png(picture, tmp_path, capsys):
    path, image = picture
    out = tmp_path / "blur.png"
    _run_ok([path, "-o", out, "--preset", "gaussian", "--size", "5", "--sigma", "1.5"], capsys)
    expected = to_uint8(apply_kernel(image, make_preset("Gaussian", size=5, sigma=1.5)))
    np.testing.assert_array_equal(read_image(out), expected)


def test_default_output_beside_the_input(picture, capsys):
    path, image = picture
    _run_ok([path, "--preset", "Box blur", "--size", "4", "--padding", "edge"], capsys)
    written = read_image(path.with_name("in_filtered.png"))
    expected = to_uint8(apply_kernel(image, make_preset("Box blur", n=4), padding="edge"))
    np.testing.assert_array_equal(written, expected)


def test_typed_kernel_to_npy_with_stride_and_convolve(picture, tmp_path, capsys):
    path, image = picture
    out = tmp_path / "k.npy"
    text = "1,2,0;-1,0.5,3"
    _run_ok([path, "-o", out, f"--kernel={text}", "--stride", "2", "--padding", "wrap",
             "--convolve", "--divisor", "2", "--offset", "1"], capsys)
    kernel = np.array([[1, 2, 0], [-1, 0.5, 3]])
    expected = apply_kernel(image, kernel, stride=2, padding="wrap", mode="convolve",
                            divisor=2, offset=1)
    result = np.load(out, allow_pickle=False)
    assert result.dtype == np.float32 and result.shape == expected.shape == (11, 15, 3)
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-4)


def test_typed_kernel_starting_negative(picture, tmp_path, capsys):
    path, image = picture
    _run_ok([path, "-o", tmp_path / "s.npy", "--kernel=-1 0 1; -2 0 2; -1 0 1"], capsys)
    expected = apply_kernel(image, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"), expected, rtol=1e-6, atol=1e-4)


def test_kernel_file_and_scale_abs(picture, tmp_path, capsys):
    path, image = picture
    kernel = Kernel("edges", [[-1, 0, 1]] * 3, offset=0)
    save_kernel(tmp_path / "edges.json", kernel)
    out = tmp_path / "edges.png"
    _run_ok([path, "-o", out, "--kernel-file", tmp_path / "edges.json", "--scale", "abs"], capsys)
    expected = to_uint8(apply_kernel(image, kernel), scale="abs")
    np.testing.assert_array_equal(read_image(out), expected)


def test_sobel_magnitude_and_angle(picture, tmp_path, capsys):
    path, image = picture
    magnitude, angle = sobel(image)
    _run_ok([path, "-o", tmp_path / "m.npy", "--sobel", "magnitude"], capsys)
    np.testing.assert_allclose(np.load(tmp_path / "m.npy"), magnitude, rtol=1e-6, atol=1e-4)
    _run_ok([path, "-o", tmp_path / "a.png", "--sobel", "angle"], capsys)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), angle_to_rgb(magnitude, angle))


def test_neighbourhood_median(picture, tmp_path, capsys):
    path, image = picture
    _run_ok([path, "-o", tmp_path / "med.npy", "--neighbourhood", "median", "--size", "3"],
            capsys)
    np.testing.assert_array_equal(np.load(tmp_path / "med.npy"),
                                  neighbourhood(image, 3, "median"))


def test_list_presets(capsys):
    assert run_cli(["filter", "--list-presets"]) == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert name in out


def _png_claiming_size(path, width, height):
    """A small valid PNG whose header claims width x height (a decompression-bomb stand-in)."""
    Image.new("L", (4, 4)).save(path)
    data = bytearray(path.read_bytes())
    ihdr = 8 + 8  # signature, then length + b"IHDR"
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))


def test_unreadable_files_are_one_line_errors(picture, tmp_path, capsys):
    path, _ = picture
    _run_error([tmp_path / "missing.png", "--preset", "Sharpen"], capsys, "no such file")
    (tmp_path / "junk.png").write_bytes(b"this is not an image")
    _run_error([tmp_path / "junk.png", "--preset", "Sharpen"], capsys, "not an image")
    (tmp_path / "cut.png").write_bytes(path.read_bytes()[:120])
    _run_error([tmp_path / "cut.png", "--preset", "Sharpen"], capsys, "corrupt or truncated")
    _png_claiming_size(tmp_path / "bomb.png", 9000, 9000)
    _run_error([tmp_path / "bomb.png", "--preset", "Sharpen"], capsys, "over the limit")
    _png_claiming_size(tmp_path / "huge.png", 40000, 40000)  # Pillow's own bomb guard
    _run_error([tmp_path / "huge.png", "--preset", "Sharpen"], capsys, "huge.png")
    (tmp_path / "bad.json").write_text("{oops")
    _run_error([path, "--kernel-file", tmp_path / "bad.json"], capsys, "not valid JSON")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--kernel", "1,2;3"], "--kernel: kernel rows must all have the same length"),
        (["--kernel", "1,x"], "could not convert"),
        (["--kernel", ";"], "empty"),
        (["--kernel", "nan,1"], "NaN"),
        (["--preset", "Blurry"], "--preset: unknown preset"),
        (["--preset", "Sobel x", "--size", "5"],
         "--size does not apply to the Sobel x preset (it has no settings)"),
        (["--preset", "Gaussian", "--size", "40"],
         "--size must be a whole number from 1 to 31 for the Gaussian preset; received 40"),
        (["--preset", "Gaussian", "--stride", "0"], "--stride must be at least 1; received 0"),
        (["--preset", "Gaussian", "-o", "out.gif"], "cannot write .gif"),
        ([], "choose a filter"),
        (["--neighbourhood", "min"], "--neighbourhood needs --size"),
    ],
)
def test_bad_options_are_usage_errors(picture, tmp_path, capsys, args, match):
    path, _ = picture
    _run_usage([path, *args], capsys, match)
    assert not path.with_name("in_filtered.png").exists()


def test_a_kernel_larger_than_the_image_is_one_line(picture, capsys):
    path, _ = picture
    _run_error([path, "--kernel", ";".join([",".join(["1"] * 25)] * 25), "--padding", "valid"],
               capsys, "does not fit")


def test_no_image_given(capsys):
    _run_usage(["--preset", "Gaussian"], capsys, "give an input image")
