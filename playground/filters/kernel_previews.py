"""Small previews of what each kernel does, for the kernel list: computed once on one fixed,
recognisable picture (a cat's face, so that blur, edges and sharpening look like themselves
whatever image is open), off the GUI thread, and shown as square icons of one size."""

from __future__ import annotations

from functools import cache

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap

from core.files.images import read_image, to_uint8
from core.image.filtering import apply_kernel
from core.image.kernels import PRESETS, Kernel, make_preset
from core.resources import resource_path
from playground.filters.image_loading import array_to_qimage

ICON_SIDE = 44
SAMPLE_FILE = "chelsea.png"
SAMPLE_CROP = (slice(20, 276), slice(100, 356))
"""The cat's eyes and nose (256 x 256 pixels), shrunk 4x to the preview sample."""
SAMPLE_SHRINK = 4


@cache
def preview_sample() -> np.ndarray:
    """The picture every kernel preview is computed on: uint8 (64, 64, 3), the same each time."""
    image = read_image(resource_path("images", SAMPLE_FILE))[SAMPLE_CROP].astype(np.float32)
    side = image.shape[0] // SAMPLE_SHRINK
    blocks = image.reshape(side, SAMPLE_SHRINK, side, SAMPLE_SHRINK, 3).mean(axis=(1, 3))
    sample = np.round(blocks).astype(np.uint8)
    sample.flags.writeable = False  # shared by every call
    return sample


@cache
def preset_previews() -> dict[str, np.ndarray]:
    """Every preset (default parameters) applied to `preview_sample()`, keyed by name: made
    once (about 10 ms), at once, since they never change."""
    kernels = {name: make_preset(name) for name in PRESETS}
    previews = compute_previews(preview_sample(), kernels, lambda _f: None, lambda: False)
    for pixels in previews.values():
        pixels.flags.writeable = False  # shared by every panel
    return previews


def compute_previews(thumbnail: np.ndarray, kernels: dict[str, Kernel] | None, progress,
                     should_stop) -> dict[str, np.ndarray]:
    """Each kernel applied to a small image: key -> uint8 (h, w[, 3]), e.g. the user's kernels
    keyed by their file paths."""
    jobs = dict(kernels or {})
    previews = {}
    for index, (key, kernel) in enumerate(jobs.items()):
        if should_stop():
            break
        values = kernel.values
        if values.ndim == 3:  # per-channel kernel: needs a colour image
            if thumbnail.ndim != 3 or thumbnail.shape[2] != values.shape[2]:
                continue
        try:
            result = apply_kernel(thumbnail, kernel, padding="edge")
        except ValueError:
            continue  # e.g. a kernel larger than the thumbnail
        flat = abs(float(kernel.effective().sum())) < 1e-6
        previews[key] = to_uint8(result, scale="abs" if flat else "clip")
        progress((index + 1) / len(jobs))
    return previews


def blank_icon() -> QIcon:
    """A light grey square of the icon size, shown until the preview is computed."""
    pixmap = QPixmap(ICON_SIDE, ICON_SIDE)
    pixmap.fill(QColor(225, 225, 225))
    return QIcon(pixmap)


def preview_icon(pixels: np.ndarray) -> QIcon:
    """An ICON_SIDE square icon: the middle square of the preview, so every row looks alike."""
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = np.ascontiguousarray(pixels[top:top + side, left:left + side])
    pixmap = QPixmap.fromImage(array_to_qimage(square))
    return QIcon(pixmap.scaled(ICON_SIDE, ICON_SIDE, Qt.AspectRatioMode.IgnoreAspectRatio,
                               Qt.TransformationMode.SmoothTransformation))
