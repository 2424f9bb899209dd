"""Getting images in: files (open, drop), the clipboard, the bundled samples, recent files.

Small files are read at once. A large file is read on a worker thread: a preview at screen
resolution first, then the full image; the newest request wins. Errors come back as one message
naming the file and what to do, never as an exception in the GUI.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap

from core.files.images import (
    MAX_PIXELS,
    READABLE_SUFFIXES,
    ImageReadError,
    image_size,
    is_grey,
    read_image,
    read_preview,
)
from core.jobs import check_stop
from core.resources import sample_images
from playground.widgets.background import BackgroundTask, stop_tasks

LARGE_PIXELS = 4_200_000
"""Above this many pixels a file is read on a worker thread, with a preview first."""

PREVIEW_SIDE = 1600
"""Longest side of the quick preview of a large image."""

RECENT_KEY = "filters/recentFiles"
MAX_RECENT = 8


def load_large_image(path: Path, max_pixels: int, progress, should_stop) -> np.ndarray:
    """A job for a `BackgroundTask`: `progress(preview)` with a quick version of the image at
    screen resolution, then the full image; `core.jobs.Cancelled` when stopped in between."""
    preview = read_preview(path, PREVIEW_SIDE, max_pixels=max_pixels)
    check_stop(should_stop, f"reading {path}")
    progress(preview)
    return read_image(path, max_pixels=max_pixels, should_stop=should_stop)


class ImageLoader(QObject):
    """Reads images for the studio. `image_loaded(array, name, is_preview)`, `failed(text)`."""

    image_loaded = Signal(object, str, bool)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.max_pixels = MAX_PIXELS
        self.settings = settings if settings is not None else QSettings()
        self._task: BackgroundTask | None = None
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
        task = BackgroundTask(partial(load_large_image, path, self.max_pixels),
                              name="image loading", parent=self)
        task.progressed.connect(lambda values: self._on_preview(values[0], path))
        task.finished.connect(lambda image: self._on_full(image, path))
        task.failed.connect(lambda error: self._on_failed(error, path))
        self._task = task
        self._set_loading(True)
        task.start()
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
        """Stop reading and wait for the threads (the window is closing)."""
        self._cancel_running()
        stop_tasks(self)

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
        """The newest request wins: an older read stops and reports nothing more."""
        if self._task is not None:
            self._task.discard()
            self._task = None
        self._set_loading(False)

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.busy_changed.emit(loading)

    def _on_preview(self, image: np.ndarray, path: Path) -> None:
        self.image_loaded.emit(image, path.name, True)

    def _on_full(self, image: np.ndarray, path: Path) -> None:
        self._cancel_running()  # nothing is left to cancel: this lets the task go
        self.add_recent(path)
        self.image_loaded.emit(image, path.name, False)

    def _on_failed(self, error: Exception, path: Path) -> None:
        self._cancel_running()
        self.failed.emit(str(error) if isinstance(error, ImageReadError) else f"{path}: {error}")


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
