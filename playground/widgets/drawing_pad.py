"""A pad to draw a digit with the mouse (thick white strokes on black), or to drop an image on."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.data.digits import photo_to_ink
from core.files.images import ImageReadError, read_image

CANVAS = 280


class DrawingPad(QWidget):
    """A 280x280 canvas; strokes are `CANVAS / 11` pixels wide (about 2.5 pixels once a full-size
    digit is scaled into MNIST's 20x20 box, as thick as MNIST's strokes).

    `drawing_changed` fires while drawing (each mouse move) and on clear; `image_dropped(path)`
    when an image file is dropped (the canvas then shows it); `drop_failed(message)` if it cannot
    be read."""

    drawing_changed = Signal()
    image_dropped = Signal(str)
    drop_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawingPad")
        self.setFixedSize(CANVAS, CANVAS)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the mouse, or drop an image file here")
        self.pen_width = CANVAS / 11
        self._canvas = QImage(CANVAS, CANVAS, QImage.Format.Format_Grayscale8)
        self._canvas.fill(0)
        self._last: QPointF | None = None

    # --- the drawing as data -------------------------------------------------------------
    def ink(self) -> np.ndarray:
        """The canvas as (280, 280) float32 in 0..1, 1 = ink."""
        ptr = self._canvas.constBits()
        line = self._canvas.bytesPerLine()
        raw = np.frombuffer(ptr, dtype=np.uint8, count=line * CANVAS).reshape(CANVAS, line)
        return raw[:, :CANVAS].astype(np.float32) / 255.0

    def set_ink(self, ink: np.ndarray) -> None:
        """Show an (H, W) array in 0..1 (fitted into the canvas) and announce the change."""
        from PIL import Image

        grey = (np.clip(ink, 0, 1) * 255).astype(np.uint8)
        height, width = grey.shape
        scale = CANVAS / max(height, width)  # fit inside the canvas, keeping the aspect ratio
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        fitted = np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.BILINEAR))
        grey = np.zeros((CANVAS, CANVAS), np.uint8)
        top, left = (CANVAS - size[1]) // 2, (CANVAS - size[0]) // 2
        grey[top : top + size[1], left : left + size[0]] = fitted
        image = QImage(grey.data, CANVAS, CANVAS, CANVAS, QImage.Format.Format_Grayscale8)
        self._canvas = image.copy()
        self.update()
        self.drawing_changed.emit()

    def clear(self) -> None:
        self._canvas.fill(0)
        self._last = None
        self.update()
        self.drawing_changed.emit()

    def is_blank(self) -> bool:
        return not self.ink().any()

    # --- painting ----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.drawImage(QRect(0, 0, self.width(), self.height()), self._canvas)
        painter.setPen(QPen(QColor(90, 90, 90), 1, Qt.PenStyle.DashLine))
        inner = CANVAS * 4 // 28
        painter.drawRect(inner, inner, CANVAS - 2 * inner - 1, CANVAS - 2 * inner - 1)
        painter.end()

    def _to_canvas(self, pos: QPointF) -> QPointF:
        return QPointF(pos.x() * CANVAS / self.width(), pos.y() * CANVAS / self.height())

    def _stroke_to(self, point: QPointF) -> None:
        painter = QPainter(self._canvas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(255, 255, 255), self.pen_width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if self._last is None:
            painter.drawPoint(point)
        else:
            painter.drawLine(self._last, point)
        painter.end()
        self._last = point
        self.update()
        self.drawing_changed.emit()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self._stroke_to(self._to_canvas(event.position()))
        elif event.button() == Qt.MouseButton.RightButton:
            self.clear()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._stroke_to(self._to_canvas(event.position()))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._last = None

    def draw_stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw a polyline given in canvas pixels (x, y) as one stroke (used for scripted input)."""
        self._last = None
        for x, y in points:
            self._stroke_to(QPointF(x, y))
        self._last = None

    # --- dropping an image file ----------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        path = urls[0].toLocalFile()
        event.acceptProposedAction()
        self.load_image(path)

    def load_image(self, path: str) -> bool:
        """Show the image at `path` as ink (dark-on-light is inverted). False if unreadable."""
        try:
            image = read_image(path)
        except ImageReadError as error:
            self.drop_failed.emit(str(error))
            return False
        self.set_ink(photo_to_ink(image))
        self.image_dropped.emit(path)
        return True


def canvas_point(x: float, y: float) -> QPoint:
    """A canvas coordinate as a widget point (the pad is drawn at its canvas size)."""
    return QPoint(round(x), round(y))
