"""Getting images in: files (open, drop), the clipboard, the bundled samples, recent files.

Small files are read at once. A large file is read on a worker thread: a preview at screen
resolution first, then the full image; the newest request wins. Errors come back as one message
naming the file and what to do, never as an exception in the GUI.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QSettings, QSize, Qt, QThreadPool, QUrl, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap

from core.files.images import (
    MAX_PIXELS,
    READABLE_SUFFIXES,
    ImageReadError,
    image_size,
    is_grey,
    read_image,
)
from core.resources import sample_images

LARGE_PIXELS = 4_200_000
"""Above this many pixels a file is read on a worker thread, with a preview first."""

PREVIEW_SIDE = 1600
"""Longest side of the quick preview of a large image."""

RECENT_KEY = "filters/recentFiles"
MAX_RECENT = 8


class _LoadRelay(QObject):
    preview = Signal(int, object, str)
    full = Signal(int, object, str)
    failed = Signal(int, str)


class _LoadJob(QRunnable):
    def __init__(self, generation: int, path: Path, max_pixels: int, relay: _LoadRelay,
                 stop: threading.Event) -> None:
        super().__init__()
        self._generation, self._path, self._max_pixels = generation, path, max_pixels
        self._relay, self._stop = relay, stop

    def run(self) -> None:
        try:
            preview = _read_preview(self._path)
            if self._stop.is_set():
                return
            self._relay.preview.emit(self._generation, preview, str(self._path))
            image = read_image(self._path, max_pixels=self._max_pixels)
        except ImageReadError as error:
            self._relay.failed.emit(self._generation, str(error))
            return
        except (OSError, ValueError) as error:
            self._relay.failed.emit(self._generation, f"{self._path}: {error}")
            return
        if not self._stop.is_set():
            self._relay.full.emit(self._generation, image, str(self._path))


def _read_preview(path: Path) -> np.ndarray:
    """A quick, smaller version of the image: uint8 (h, w) or (h, w, 3)."""
    with Image.open(path) as img:
        img.draft("RGB" if img.mode not in ("L", "1") else "L", (PREVIEW_SIDE, PREVIEW_SIDE))
        img.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        img = img.convert("L" if img.mode in ("L", "1", "I;16", "I", "F") else "RGB")
        return np.asarray(img, dtype=np.uint8).copy()


class ImageLoader(QObject):
    """Reads images for the studio. `image_loaded(array, name, is_preview)`, `failed(text)`."""

    image_loaded = Signal(object, str, bool)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.max_pixels = MAX_PIXELS
        self.settings = settings if settings is not None else QSettings()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _LoadRelay(self)
        self._relay.preview.connect(self._on_preview)
        self._relay.full.connect(self._on_full)
        self._relay.failed.connect(self._on_failed)
        self._generation = 0
        self._stop = threading.Event()
        self.loading = False

    def open_path(self, path: str | Path) -> bool:
        """Load a file. False (and `failed` emitted) when it is not a readable image.

        True means the image was read, or, for a large file, that reading has started.
        """
        path = Path(path)
        try:
            width, height = image_size(path, max_pixels=self.max_pixels)
        except ImageReadError as error:
            return self._fail(str(error))
        self._cancel_running()
        if width * height <= LARGE_PIXELS:
            try:
                image = read_image(path, max_pixels=self.max_pixels)
            except ImageReadError as error:
                return self._fail(str(error))
            self.add_recent(path)
            self.image_loaded.emit(image, path.name, False)
            return True
        self._generation += 1
        self._stop = threading.Event()
        self._set_loading(True)
        self._pool.start(_LoadJob(self._generation, path, self.max_pixels, self._relay,
                                  self._stop))
        return True

    def open_array(self, image: np.ndarray, name: str) -> bool:
        """Use an in-memory image (uint8 (H, W) or (H, W, 3)), e.g. pasted."""
        height, width = image.shape[:2]
        if height * width > self.max_pixels:
            return self._fail(f"{name}: {width}x{height} is over the pixel limit; scale it down")
        self._cancel_running()
        self.image_loaded.emit(image, name, False)
        return True

    def paste(self, clipboard) -> bool:
        """Load the clipboard's image, or the first image file it holds."""
        mime = clipboard.mimeData()
        paths = image_paths_from_urls(mime.urls()) if mime is not None and mime.hasUrls() else []
        if paths:
            return self.open_path(paths[0])
        qimage = clipboard.image()
        if qimage.isNull():
            return self._fail("The clipboard holds no image. Copy an image or an image file first.")
        return self.open_array(qimage_to_array(qimage), "pasted image")

    def shutdown(self) -> None:
        self._cancel_running()
        self._pool.waitForDone(5000)

    # ---- recent files --------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        files = [p for p in self.recent_files() if p != path]
        self.settings.setValue(RECENT_KEY, [path, *files][:MAX_RECENT])

    def clear_recent(self) -> None:
        self.settings.setValue(RECENT_KEY, [])

    # ---- internals -----------------------------------------------------------------------
    def _fail(self, text: str) -> bool:
        self.failed.emit(text)
        return False

    def _cancel_running(self) -> None:
        self._stop.set()
        self._generation += 1
        self._set_loading(False)

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.busy_changed.emit(loading)

    def _on_preview(self, generation: int, image: np.ndarray, path: str) -> None:
        if generation == self._generation:
            self.image_loaded.emit(image, Path(path).name, True)

    def _on_full(self, generation: int, image: np.ndarray, path: str) -> None:
        if generation == self._generation:
            self._set_loading(False)
            self.add_recent(path)
            self.image_loaded.emit(image, Path(path).name, False)

    def _on_failed(self, generation: int, text: str) -> None:
        if generation == self._generation:
            self._set_loading(False)
            self.failed.emit(text)


def image_paths_from_urls(urls: list[QUrl]) -> list[str]:
    """Local files among dropped/pasted URLs whose suffix is an image type."""
    paths = []
    for url in urls:
        if url.isLocalFile():
            local = url.toLocalFile()
            if Path(local).suffix.lower() in READABLE_SUFFIXES:
                paths.append(local)
    return paths


def local_files_from_urls(urls: list[QUrl]) -> list[str]:
    return [url.toLocalFile() for url in urls if url.isLocalFile()]


def qimage_to_array(qimage: QImage) -> np.ndarray:
    """A QImage as uint8 (H, W) when grey, else (H, W, 3)."""
    rgb = qimage.convertToFormat(QImage.Format.Format_RGB888)
    height, width, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    buffer = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * height)
    image = buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()
    return image[..., 0].copy() if is_grey(image) else image


def array_to_qimage(image: np.ndarray) -> QImage:
    """A uint8 (H, W) or (H, W, 3) array as a QImage that owns its pixels."""
    data = np.ascontiguousarray(image)
    height, width = data.shape[:2]
    if data.ndim == 2:
        qimage = QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        qimage = QImage(data.data, width, height, width * 3, QImage.Format.Format_RGB888)
    return qimage.copy()


def sample_thumbnail(path: Path, side: int = 48) -> QIcon:
    """A small icon of a sample image for the Samples menu."""
    pixmap = QPixmap(str(path))
    if pixmap.isNull():
        return QIcon()
    return QIcon(pixmap.scaled(QSize(side, side), Qt.AspectRatioMode.KeepAspectRatio,
                                Qt.TransformationMode.SmoothTransformation))


def samples() -> list[Path]:
    """The bundled sample images (from `core.resources`)."""
    return sample_images()
