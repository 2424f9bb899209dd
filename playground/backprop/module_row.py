"""The network as a row of modules, Input on the left and the loss E on the right: the module of
the current step is highlighted, with the way the pass goes (forward: values to the right;
backward: errors to the left). A click on a module chooses it (`block_clicked(index)`)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

FORWARD = QColor(40, 110, 200)
BACKWARD = QColor(215, 100, 20)
FILL = QColor(238, 241, 246)
DONE = QColor(222, 232, 246)
HEIGHT = 66
GAP = 16


class ModuleRow(QWidget):
    """`set_modules(labels)`, `set_step(block, direction)` (block None: none current),
    `clear()`; signal `block_clicked(index)`."""

    block_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labModules")
        self.labels: list[str] = []
        self.block: int | None = None
        self.direction = "forward"
        self.setFixedHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._boxes: list[QRectF] = []

    def set_modules(self, labels: list[str]) -> None:
        self.labels = list(labels)
        self.update()

    def set_step(self, block: int | None, direction: str) -> None:
        self.block, self.direction = block, direction
        self.update()

    def clear(self) -> None:
        self.set_modules([])

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(600, HEIGHT)

    def _layout(self) -> list[QRectF]:
        count = len(self.labels) + 2  # Input, the blocks, the loss
        width = (self.width() - 4 - GAP * (count - 1)) / max(count, 1)
        return [QRectF(2 + i * (width + GAP), 14, width, HEIGHT - 20) for i in range(count)]

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self.labels:
            painter.end()
            return
        boxes = self._layout()
        self._boxes = boxes[1:-1]
        font = QFont(self.font())
        font.setPixelSize(11)
        painter.setFont(font)
        colour = FORWARD if self.direction == "forward" else BACKWARD
        names = ["Input", *self.labels, "Loss E"]
        current = None if self.block is None else self.block + 1
        for i, (box, name) in enumerate(zip(boxes, names, strict=True)):
            done = current is not None and (i < current if self.direction == "forward"
                                             else i > current)
            painter.setPen(QPen(colour, 3) if i == current else QPen(QColor(150, 150, 150), 1))
            painter.setBrush(QColor(colour).lighter(185) if i == current else
                             DONE if done else FILL)
            painter.drawRoundedRect(box, 5, 5)
            painter.setPen(QColor(20, 20, 20))
            painter.drawText(box.adjusted(2, 0, -2, 0),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, name)
            if i:
                self._arrow(painter, boxes[i - 1], box, current, i)
        if current is not None:
            box = boxes[current]
            painter.setPen(colour)
            word = "forward →" if self.direction == "forward" else "← backward"
            painter.drawText(QRectF(box.x() - 40, 0, box.width() + 80, 13),
                             Qt.AlignmentFlag.AlignCenter, word)
        painter.end()

    def _arrow(self, painter: QPainter, left: QRectF, right: QRectF, current, i: int) -> None:
        """An arrow between two modules: to the right going forward, to the left going back,
        coloured when it is the current step's."""
        y = left.center().y()
        forward = self.direction == "forward"
        active = current is not None and (i == current if forward else i - 1 == current)
        colour = (FORWARD if forward else BACKWARD) if active else QColor(150, 150, 150)
        start, end = (left.right() + 1, right.left() - 1)
        if not forward:
            start, end = end, start
        painter.setPen(QPen(colour, 2))
        painter.drawLine(QPointF(start, y), QPointF(end, y))
        tip = 5 if end > start else -5
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([QPointF(end, y), QPointF(end - tip, y - 4),
                                       QPointF(end - tip, y + 4)]))

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        for index, box in enumerate(self._boxes):
            if box.contains(event.position()):
                self.block_clicked.emit(index)
                return
