"""Small images with captions in a wrapping grid: sample strips, wrong predictions, filters."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget


def to_display(image: np.ndarray, *, symmetric: bool = False) -> np.ndarray:
    """(H, W), (1, H, W) or (3, H, W) float -> uint8 (H, W) or (H, W, 3) stretched to 0..255.

    `symmetric` maps 0 to mid-grey (for weights, which are signed)."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[0] if image.shape[0] == 1 else np.moveaxis(image[:3], 0, -1)
    if not np.isfinite(image).all():
        image = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
    if symmetric:
        peak = float(np.abs(image).max()) or 1.0
        scaled = 0.5 + 0.5 * image / peak
    else:
        low, high = float(image.min()), float(image.max())
        scaled = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return np.ascontiguousarray((np.clip(scaled, 0, 1) * 255).astype(np.uint8))


def to_pixmap(display: np.ndarray, size: int) -> QPixmap:
    """uint8 (H, W) or (H, W, 3) -> a QPixmap scaled to `size` pixels (nearest, blocky)."""
    display = np.ascontiguousarray(display)
    height, width = display.shape[:2]
    if display.ndim == 2:
        image = QImage(display.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        image = QImage(display.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy()).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


HIGHLIGHT = "background: #202020; border: 3px solid #e67828;"
PLAIN = "background: #202020;"


class ImageTile(QWidget):
    """One image above a caption; `clicked` fires on a left click."""

    clicked = Signal()

    def __init__(self, size: int, caption_width: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self.picture = QLabel()
        self.picture.setFixedSize(size, size)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet(PLAIN)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        if caption_width:
            self.caption.setFixedWidth(caption_width)
        else:
            self.caption.setMaximumWidth(max(size + 30, 70))
        font = self.caption.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        self.caption.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.caption)

    def set_image(self, display: np.ndarray, caption: str, tooltip: str = "") -> None:
        self.picture.setPixmap(to_pixmap(display, self.size))
        self.caption.setText(caption)
        lines = caption.count("\n") + 1
        self.caption.setMinimumHeight(lines * self.caption.fontMetrics().lineSpacing() + 2)
        self.setToolTip(tooltip or caption)

    def set_highlighted(self, on: bool) -> None:
        """Outline the picture (the tile the user is tracing)."""
        self.picture.setStyleSheet(HIGHLIGHT if on else PLAIN)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class ImageGrid(QWidget):
    """A grid of `ImageTile`s, `columns` wide; tiles are created once and reused.
    `tile_clicked(index)` fires when a tile is clicked."""

    tile_clicked = Signal(int)

    def __init__(self, columns: int = 8, size: int = 48, caption_width: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.tile_size = size
        self.caption_width = caption_width
        self.tiles: list[ImageTile] = []
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

    def set_images(self, displays: list[np.ndarray], captions: list[str],
                   tooltips: list[str] | None = None) -> None:
        """Show uint8 images (see `to_display`) with captions; hides tiles left over."""
        while len(self.tiles) < len(displays):
            tile = ImageTile(self.tile_size, self.caption_width)
            index = len(self.tiles)
            tile.clicked.connect(lambda i=index: self.tile_clicked.emit(i))
            self._layout.addWidget(tile, index // self.columns, index % self.columns)
            self.tiles.append(tile)
        tooltips = tooltips or [""] * len(displays)
        for tile, display, caption, tip in zip(self.tiles, displays, captions, tooltips,
                                               strict=False):
            tile.set_image(display, caption, tip)
            tile.show()
        for tile in self.tiles[len(displays):]:
            tile.hide()

    def highlight(self, index: int | None) -> None:
        """Outline tile `index` alone (None: none)."""
        for i, tile in enumerate(self.tiles):
            tile.set_highlighted(i == index)

    def highlighted(self) -> int | None:
        return next((i for i, t in enumerate(self.tiles) if t.picture.styleSheet() == HIGHLIGHT),
                    None)

    def shown_count(self) -> int:
        return sum(1 for t in self.tiles if not t.isHidden())

    def captions(self) -> list[str]:
        return [t.caption.text() for t in self.tiles if not t.isHidden()]
