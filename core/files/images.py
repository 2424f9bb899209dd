"""Read and write image files (Pillow) and convert between dtypes and value ranges.

Images are NumPy arrays (H, W) for grey or (H, W, C) for colour, as `core.image.filtering` expects.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from core.files.atomic import atomic_write
from core.files.reading import check_file
from core.jobs import StopFn, check_stop

MAX_PIXELS = 64_000_000
"""Largest image read by default (8000 x 8000); larger files are refused as possible bombs."""

READABLE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


class ImageReadError(ValueError):
    """An image file could not be read; the message says which file and why."""


def read_image(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS, grey: bool = False,
               should_stop: StopFn = None):
    """Read an image file into a uint8 array, (H, W) for grey or (H, W, 3) for colour.

    Palette, 16-bit and alpha images are converted (alpha is dropped, composited on white).
    Raises `ImageReadError` naming the file for a missing, corrupt, truncated or oversized file,
    and `core.jobs.Cancelled` when `should_stop()` is True before decoding or before converting.
    """
    with _opened(Path(path), max_pixels) as img:
        check_stop(should_stop, f"reading {path}")
        img.load()
        check_stop(should_stop, f"reading {path}")
        return _to_array(img, grey=grey)


def read_preview(path: str | os.PathLike, side: int, *, max_pixels: int = MAX_PIXELS):
    """A quick, smaller version of an image file (longest side at most `side`), uint8 (h, w) or
    (h, w, 3); JPEG files are decoded at a reduced scale. Raises `ImageReadError` like
    `read_image`."""
    with _opened(Path(path), max_pixels) as img:
        img.draft("RGB" if img.mode not in ("L", "1") else "L", (side, side))
        img.thumbnail((side, side))
        img = img.convert("L" if img.mode in ("L", "1", "I;16", "I", "F") else "RGB")
        return np.asarray(img, dtype=np.uint8).copy()


def image_size(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) of an image file, from its header, with `read_image`'s checks.

    Cheap even for a huge file: nothing is decoded. Raises `ImageReadError` like `read_image`.
    """
    with _opened(Path(path), max_pixels) as img:
        return img.size


@contextmanager
def _opened(path: Path, max_pixels: int):
    """The open Pillow image, its size checked; every failure becomes one ImageReadError."""
    check_file(path, "image", error=ImageReadError)  # a pipe, folder or device: its own message
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ImageReadError(
                        f"{path}: {width}x{height} is {width * height / 1e6:.0f} megapixels, "
                        f"over the limit of {max_pixels / 1e6:.0f}; scale it down first"
                    )
                _check_plausible(path, img)
                yield img
    except ImageReadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageReadError(f"{path}: far too large to open safely, over the limit of "
                             f"{max_pixels / 1e6:.0f} megapixels; scale it down first") from None
    except UnidentifiedImageError:
        raise ImageReadError(f"{path}: not an image file Playground can read") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageReadError(f"{path}: the file is corrupt or truncated ({error})") from None


# The most pixels a byte of each format can hold, with a margin of 4 over what the format allows
# (deflate: 1032 to 1 on raw bytes; JPEG: a bit per 8x8 block at least; GIF: LZW codes of 12
# bits for at most 4096 pixels each).
PIXELS_PER_BYTE = {"JPEG": 2048, "GIF": 4 * 2731, "PNG": None}
BITS = {"1": 1, "P": 1, "L": 8, "LA": 16, "I;16": 16, "I;16B": 16, "RGB": 24, "RGBA": 32}
CHECKED_FROM = 4_000_000  # pixels: smaller images cost too little to be worth refusing


def _check_plausible(path: Path, img: Image.Image) -> None:
    """Refuse, before decoding, a large image its file is far too small to hold (a 5 KB JPEG
    declaring 8000x8000): it is truncated or lies, and decoding it would cost its full size."""
    width, height = img.size
    if width * height < CHECKED_FROM or img.format not in PIXELS_PER_BYTE:
        return
    if img.format == "PNG":
        raw = height * (1 + (width * BITS.get(img.mode, 1) + 7) // 8)
        least = raw // (4 * 1032)
    else:
        least = width * height // PIXELS_PER_BYTE[img.format]
    size = path.stat().st_size
    if size < least:
        raise ImageReadError(f"{path}: a {width}x{height} {img.format} image needs at least "
                             f"{least:,} bytes but the file holds {size:,}; it is truncated or "
                             "damaged")


def _to_array(img: Image.Image, *, grey: bool) -> np.ndarray:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        data = np.asarray(img)  # 2 or 4 bytes a pixel, scaled in float32 in place
        top = 65535.0 if data.max(initial=0) > 255 else 255.0
        scaled = data.astype(np.float32)
        scaled *= np.float32(255.0 / top)
        scaled += np.float32(0.5)
        np.clip(scaled, 0, 255, out=scaled)
        return scaled.astype(np.uint8)
    if img.mode == "F":
        return to_uint8(np.asarray(img, dtype=np.float32), scale="normalize")
    if "A" in img.getbands() or img.mode == "P":
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba).convert("RGB")
    if grey or img.mode in ("L", "1"):
        return np.asarray(img.convert("L"), dtype=np.uint8).copy()
    return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()


def is_grey(image: np.ndarray) -> bool:
    """True for an (H, W) image or a colour image whose channels are all equal."""
    if image.ndim == 2:
        return True
    return bool(np.all(image[..., 1:] == image[..., :1]))


def to_uint8(image: np.ndarray, *, scale: str = "clip") -> np.ndarray:
    """Map a float image to 0..255 for display or saving.

    scale: "clip" keeps values and clips to 0..255; "normalize" stretches min..max to 0..255;
    "abs" takes the absolute value, then clips (edges of both signs show bright).
    """
    data = np.asarray(image, dtype=np.float32)
    if scale == "abs":
        data = np.abs(data)
    elif scale == "normalize":
        finite = data[np.isfinite(data)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        span = high - low
        data = (data - low) * (255.0 / span) if span > 0 else np.zeros_like(data)
    elif scale != "clip":
        raise ValueError(f"scale must be 'clip', 'normalize' or 'abs'; received {scale!r}")
    data = np.nan_to_num(data, nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.rint(data), 0, 255).astype(np.uint8)


def write_image(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write a uint8 (H, W) or (H, W, 3) image, atomically (temporary file, then rename)."""
    path = Path(path)
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"write_image expects uint8 pixels; received {array.dtype} (use to_uint8)")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ValueError(f"write_image expects (H, W) or (H, W, 3) pixels; received {array.shape}")
    suffix = path.suffix.lower() or ".png"
    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF",
           ".tiff": "TIFF"}.get(suffix)
    if fmt is None:
        raise ValueError(f"{path}: cannot write {suffix!r} images; use .png, .jpg, .bmp or .tif")
    atomic_write(path, lambda f: Image.fromarray(array).save(f, format=fmt))
