"""The recurrent cell drawn once per time step: a(t) comes in from below, x(t-1) comes in from
the left, x(t) goes out to the right, and every cell names the same weights W_ih, W_hh, b.

As many steps as fit the width are drawn around the chosen one (the others are elided with
"…"); each arrow carries a small strip of the values it passes (a(t) in grey, x(t) from blue
through white to red). Clicking a cell chooses its step.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

CELL_W, CELL_H, GAP = 96, 70, 64  # a cell, and the arrow between two cells
SIDE = 92  # room for x(0) at the left and for the output at the right
HIGHLIGHT = QColor(40, 110, 200)
CELL_FILL = QColor(236, 240, 246)


def diverging_lut() -> np.ndarray:
    """(256, 3) uint8: blue (-1) through white (0) to red (+1)."""
    s = np.linspace(-1.0, 1.0, 256)[:, None]
    blue, white, red = np.array([40, 90, 200.0]), np.full(3, 255.0), np.array([200, 40, 40.0])
    colours = np.where(s < 0, white + (blue - white) * -s, white + (red - white) * s)
    return colours.astype(np.uint8)


LUT = diverging_lut()
GREY = np.repeat(np.linspace(0, 255, 256)[:, None], 3, axis=1).astype(np.uint8)


def strip_image(values: np.ndarray, low: float, high: float, lut: np.ndarray) -> QImage:
    """A 1 x n image of `values` coloured by `lut` between `low` and `high`."""
    span = (high - low) or 1.0
    index = np.clip((np.asarray(values, np.float64) - low) / span * 255, 0, 255).astype(int)
    rgb = np.ascontiguousarray(lut[index][None])
    image = QImage(rgb.data, rgb.shape[1], 1, 3 * rgb.shape[1], QImage.Format.Format_RGB888)
    return image.copy()  # own its pixels: `rgb` goes away


class UnrolledChain(QWidget):
    """The unrolled cells. `show_pass(unrolled)`, `set_step(step)`, `clear(text)`; signal
    `step_clicked(step)` (0-based)."""

    step_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unrolledChain")
        self.setMinimumHeight(236)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.unrolled = None
        self.step = 0
        self.message = "The unrolled network appears here."
        self.stale = ""  # said above the cells while they show the previous network
        self._cells: list[tuple[int, QRectF]] = []

    @property
    def steps(self) -> int:
        return 0 if self.unrolled is None else self.unrolled.steps

    def show_pass(self, unrolled, stale: str = "") -> None:
        self.unrolled, self.stale = unrolled, stale
        self.step = min(self.step, max(self.steps - 1, 0))
        self.update()

    def set_stale(self, text: str) -> None:
        self.stale = text
        self.update()

    def set_step(self, step: int) -> None:
        self.step = step
        self.update()

    def clear(self, text: str) -> None:
        self.unrolled, self.message, self.stale = None, text, ""
        self.update()

    def visible_steps(self) -> range:
        """The steps drawn at the current width, around the chosen one."""
        count = max(1, min(self.steps, (self.width() - 2 * SIDE + GAP) // (CELL_W + GAP)))
        first = min(max(self.step - count // 2, 0), max(self.steps - count, 0))
        return range(first, first + count)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        for step, rect in self._cells:
            if rect.contains(event.position()):
                self.step_clicked.emit(step)
                return
        super().mousePressEvent(event)

    # ------------------------------------------------------------------------------ drawing
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        self._cells = []
        if self.unrolled is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.message)
            return
        u = self.unrolled
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        title = ("The same cell with the same weights at every step: x(t) = f( x(t−1), a(t) )"
                 if u.cell == "RNN" else
                 "The same LSTM cell at every step: x(t), c(t) = LSTM( x(t−1), c(t−1), a(t) )")
        painter.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, title)
        painter.setFont(self.font())
        t, f = self.step + 1, u.nonlinearity if u.cell == "RNN" else "LSTM"
        formula = (f"Step {t}: x({t}) = {f}( W_ih a({t}) + b_ih + W_hh x({t - 1}) + b_hh )"
                   if u.cell == "RNN" else
                   f"Step {t}: gates i, f, g, o from a({t}) and x({t - 1}); "
                   f"c({t}) = f·c({t - 1}) + i·g; x({t}) = o·tanh(c({t}))")
        painter.setPen(HIGHLIGHT)
        painter.drawText(QRectF(8, 24, self.width() - 16, 18), Qt.AlignmentFlag.AlignLeft,
                         formula)
        painter.setPen(QColor(80, 80, 80))
        painter.drawText(QRectF(8, self.height() - 20, self.width() - 16, 18),
                         Qt.AlignmentFlag.AlignLeft,
                         "grey: a(t), the input at step t  ·  coloured: x(t), the hidden "
                         "state passed on (blue < 0 < red)")
        if self.stale:
            painter.setPen(QColor(170, 60, 0))
            painter.drawText(QRectF(8, self.height() - 38, self.width() - 16, 18),
                             Qt.AlignmentFlag.AlignLeft, self.stale)
        shown = self.visible_steps()
        used = len(shown) * CELL_W + (len(shown) - 1) * GAP + 2 * SIDE
        left = max((self.width() - used) / 2, 0) + SIDE
        top = 80.0
        x_high = max(float(np.abs(u.states).max()), 1e-6)
        a_low, a_high = float(u.inputs.min()), float(u.inputs.max())
        for n, step in enumerate(shown):
            rect = QRectF(left + n * (CELL_W + GAP), top, CELL_W, CELL_H)
            self._cells.append((step, rect))
            self._draw_cell(painter, rect, step, step == self.step)
            below = QRectF(rect.center().x() - 40, rect.bottom() + 34, 80, 10)
            self._arrow(painter, QPointF(rect.center().x(), below.top() - 2),
                        QPointF(rect.center().x(), rect.bottom() + 2), step == self.step)
            painter.drawImage(below, strip_image(u.inputs[step], a_low, a_high, GREY))
            painter.setPen(QColor(60, 60, 60))
            painter.drawRect(below)
            painter.setPen(HIGHLIGHT if step == self.step else QColor("black"))
            painter.drawText(QRectF(below.left() - 20, below.bottom() + 2, 120, 18),
                             Qt.AlignmentFlag.AlignHCenter, f"a({step + 1})")
            self._state_arrow(painter, rect.left() - GAP, rect.left(), top + CELL_H / 2,
                              step - 1, x_high)
        last = shown[-1]
        end = left + len(shown) * (CELL_W + GAP) - GAP
        self._state_arrow(painter, end, end + GAP, top + CELL_H / 2, last, x_high)
        painter.setPen(QColor("black"))
        after = ("→ output" if last == self.steps - 1 else "…")
        painter.drawText(QRectF(end + GAP + 4, top + CELL_H / 2 - 10, SIDE, 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, after)
        if shown[0] > 0:
            painter.drawText(QRectF(left - GAP - SIDE, top + CELL_H / 2 - 10, SIDE - 4, 20),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "…")

    def _draw_cell(self, painter: QPainter, rect: QRectF, step: int, chosen: bool) -> None:
        u = self.unrolled
        painter.setPen(QPen(HIGHLIGHT if chosen else QColor(90, 90, 90), 3 if chosen else 1))
        painter.setBrush(QColor(214, 228, 248) if chosen else CELL_FILL)
        painter.drawRoundedRect(rect, 8, 8)
        painter.setPen(QColor("black"))
        painter.drawText(QRectF(rect.left(), rect.top() - 20, rect.width(), 18),
                         Qt.AlignmentFlag.AlignHCenter,
                         f"step {step + 1}" + (" ◀" if chosen else ""))
        kind = u.nonlinearity if u.cell == "RNN" else "LSTM"
        inner = rect.adjusted(4, 6, -4, -6)
        painter.drawText(inner, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         f"f = {kind}")
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        painter.setFont(small)
        painter.setPen(QColor(70, 70, 70))
        painter.drawText(inner, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                         "W_ih  W_hh  b\n(shared)")
        painter.setFont(self.font())

    def _state_arrow(self, painter: QPainter, x0: float, x1: float, y: float, state: int,
                     high: float) -> None:
        """The arrow carrying x(state + 1) (x(0) = 0 when state is -1), with its strip."""
        name = "x(0) = 0" if state < 0 else f"x({state + 1})"
        chosen = state in (self.step - 1, self.step)
        self._arrow(painter, QPointF(x0 + 2, y), QPointF(x1 - 2, y), chosen)
        painter.setPen(HIGHLIGHT if chosen else QColor("black"))
        painter.drawText(QRectF(x0 - 12, y - 34, x1 - x0 + 24, 16),
                         Qt.AlignmentFlag.AlignHCenter, name)
        if state >= 0:
            strip = QRectF(x0 + 6, y - 16, x1 - x0 - 12, 9)
            painter.drawImage(strip, strip_image(self.unrolled.states[state], -high, high, LUT))
            painter.setPen(QColor(60, 60, 60))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(strip)

    @staticmethod
    def _arrow(painter: QPainter, start: QPointF, end: QPointF, chosen: bool) -> None:
        colour = HIGHLIGHT if chosen else QColor(50, 50, 50)
        painter.setPen(QPen(colour, 3 if chosen else 2))
        painter.drawLine(start, end)
        direction = end - start
        length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 1e-6)
        ux, uy = direction.x() / length, direction.y() / length
        head = QPolygonF([end, QPointF(end.x() - 8 * ux - 4 * uy, end.y() - 8 * uy + 4 * ux),
                          QPointF(end.x() - 8 * ux + 4 * uy, end.y() - 8 * uy - 4 * ux)])
        painter.setBrush(colour)
        painter.drawPolygon(head)
        painter.setBrush(Qt.BrushStyle.NoBrush)
