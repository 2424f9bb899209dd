"""Reading and writing image files, and the value-range conversions."""

import os

import numpy as np
import pytest
from PIL import Image

from core.files.images import (
    ImageReadError,
    atomic_write,
    image_size,
    read_image,
    to_uint8,
    write_image,
)
from core.resources import resource_path


def test_reads_grey_and_colour_samples():
    grey = read_image(resource_path("images", "camera.png"))
    colour = read_image(resource_path("images", "chelsea.png"))
    assert grey.shape == (512, 512) and grey.dtype == np.uint8
    assert colour.shape == (300, 451, 3) and colour.dtype == np.uint8


def test_round_trip_png(tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(17, 23, 3), dtype=np.uint8)
    write_image(tmp_path / "x.png", image)
    np.testing.assert_array_equal(read_image(tmp_path / "x.png"), image)


def test_alpha_is_composited_on_white(tmp_path):
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # red, fully transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), np.full((4, 4, 3), 255))


def test_sixteen_bit_is_scaled_to_eight(tmp_path):
    data = np.array([[0, 65535]], dtype=np.uint16)
    Image.fromarray(data).save(tmp_path / "deep.png")
    np.testing.assert_array_equal(read_image(tmp_path / "deep.png"), [[0, 255]])


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        read_image(tmp_path / "nope.png")


def test_non_image_file(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture")
    with pytest.raises(ImageReadError, match="notes.png: not an image"):
        read_image(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.png"
    Image.fromarray(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="cut.png: the file is corrupt or truncated"):
        read_image(path)


def test_oversized_image_is_refused_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    Image.new("L", (300, 200)).save(path)
    with pytest.raises(ImageReadError, match="300x200 .* over the limit"):
        read_image(path, max_pixels=50_000)


@pytest.mark.parametrize(
    ("scale", "expected"),
    [("clip", [0, 0, 100, 255]), ("abs", [255, 50, 100, 255]), ("normalize", [0, 80, 128, 255])],
)
def test_to_uint8_scales(scale, expected):
    data = np.array([-300.0, -50.0, 100.0, 500.0])
    assert to_uint8(data, scale=scale).tolist() == expected


def test_to_uint8_rejects_unknown_scale():
    with pytest.raises(ValueError, match="scale must be"):
        to_uint8(np.zeros(3), scale="log")


def test_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "keep.bin"
    path.write_bytes(b"old")

    def fail(handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.bin"]


def test_written_files_get_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_image(tmp_path / "new.png", np.zeros((2, 2), np.uint8))
        assert (tmp_path / "new.png").stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        write_image(tmp_path / "private.png", np.zeros((2, 2), np.uint8))
        assert (tmp_path / "private.png").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
    kept = tmp_path / "kept.bin"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    atomic_write(kept, lambda handle: handle.write(b"new"))
    assert kept.read_bytes() == b"new" and kept.stat().st_mode & 0o777 == 0o640


def _png_header_only(path, width, height):
    """A PNG whose header claims width x height (the pixel data is missing)."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))


def test_image_size_reads_only_the_header(tmp_path):
    path = tmp_path / "claims.png"
    _png_header_only(path, 300, 200)
    assert image_size(path) == (300, 200)  # the pixels are missing: nothing was decoded
    with pytest.raises(ImageReadError, match="truncated"):
        read_image(path)


def test_a_decompression_bomb_is_called_too_large(tmp_path):
    path = tmp_path / "bomb.png"
    _png_header_only(path, 30000, 30000)  # beyond Pillow's own limit
    for read in (read_image, image_size):
        with pytest.raises(ImageReadError, match=r"bomb.png: far too large .* scale it down"):
            read(path)
