"""A max pool's step. Forward: each window of the input gives its largest value. Backward: the
error of each output goes back only to the cell that was the maximum of its window; every other
cell gets zero. Both are drawn as the input grid (windows framed, each arg-max cell marked)
beside the output grid, with an arrow per window between the arg-max cell and its output while
the output is small enough to read them (at most `ARROW_LIMIT` cells a side); a larger one keeps
the marked arg-max cells and the faded zeros (`core.nn.backprop_lab.maxpool_routing`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QSpinBox, QToolTip, QVBoxLayout, QWidget

from playground.backprop.equation_label import EquationLabel
from playground.backprop.heat_grid import Marks, paint_grid, symmetric_scale
from playground.backprop.numbers import entry_name, full, number_link
from playground.backprop.step_panel import StepPanel, sub

FORWARD = QColor(40, 110, 200, 150)
BACKWARD = QColor(215, 100, 20, 170)
TITLE_H = 22
ARROW_LIMIT = 12
"""Arrows are drawn while the output is at most this many cells high and wide."""
FRAMED_CELL = 10
"""Windows are framed while a cell is at least this many pixels wide (thinly, in grey, when
there are no arrows: the orange marks are the arg-max cells)."""
QUIET_WINDOW = QColor(150, 150, 150)


class PoolFlow(QWidget):
    """The input side (left) and the output side (right) of one channel, and the arrows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 160)
        self.left = self.right = None
        self.titles = ("", "")
        self.symbols = ("", "")
        self.channel = 0
        self.sources = None  # (Ho, Wo, 2)
        self.windows = None  # (Ho, Wo, 4)
        self.backward = False

    def set_flow(self, left: np.ndarray, right: np.ndarray, sources: np.ndarray,
                 windows: np.ndarray, titles: tuple[str, str], backward: bool,
                 symbols: tuple[str, str] = ("H", "O"), channel: int = 0) -> None:
        """One channel: `left` (H, W) and `right` (Ho, Wo), each output's arg-max `sources`
        and `windows`; `symbols` name the entries in the tooltips, symbol[channel, row, col]."""
        self.left, self.right = np.asarray(left, np.float64), np.asarray(right, np.float64)
        self.sources, self.windows, self.titles = sources, windows, titles
        self.symbols, self.channel = symbols, int(channel)
        self.backward = backward
        self.update()

    @property
    def arrows(self) -> bool:
        """Whether an arrow is drawn per window (the output is small enough to read them)."""
        return self.right is not None and max(self.right.shape) <= ARROW_LIMIT

    def _geometry(self):
        """(cell, left origin, right origin)."""
        (h, w), (ho, wo) = self.left.shape, self.right.shape
        gap = 0.35
        cell = min(46.0, (self.width() - 8) / (w + wo + max(w, wo) * gap),
                   (self.height() - TITLE_H - 4) / max(h, ho))
        cell = max(cell, 1.0)
        used = cell * (w + wo + max(w, wo) * gap)
        x0 = (self.width() - used) / 2
        left = QPointF(x0, TITLE_H)
        right = QPointF(x0 + cell * (w + max(w, wo) * gap), TITLE_H + (h - ho) * cell / 2)
        return cell, left, right

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        if self.left is None:
            return
        painter = QPainter(self)
        cell, left, right = self._geometry()
        scale = symmetric_scale(self.left, self.right)
        sources = self.sources.reshape(-1, 2)
        chosen = np.zeros(self.left.shape, bool)
        chosen[sources[:, 0], sources[:, 1]] = True
        windows = [tuple(int(v) for v in w) for w in self.windows.reshape(-1, 4)]
        if not self.arrows and cell < FRAMED_CELL:
            windows = []  # the marked arg-max cells say enough on a map this size
        marks = Marks(windows=windows, faded=~chosen if self.backward else None,
                      cells=[tuple(int(v) for v in s) for s in sources])
        if not self.arrows:
            marks.window_colour, marks.window_width = QColor(QUIET_WINDOW), 1.0
        paint_grid(painter, left, cell, self.left, scale, marks)
        paint_grid(painter, right, cell, self.right, scale)
        painter.setPen(QColor(30, 30, 30))
        for origin, shape, title in ((left, self.left.shape, self.titles[0]),
                                     (right, self.right.shape, self.titles[1])):
            painter.drawText(QRectF(origin.x() - 40, origin.y() - TITLE_H,
                                    shape[1] * cell + 80, TITLE_H),
                             Qt.AlignmentFlag.AlignCenter, title)
        if not self.arrows:
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = BACKWARD if self.backward else FORWARD
        painter.setPen(QPen(colour, 1.6 if cell > 10 else 1))
        painter.setBrush(colour)
        ho, wo = self.right.shape
        for r in range(ho):
            for c in range(wo):
                a = QPointF(left.x() + (self.sources[r, c, 1] + 0.5) * cell,
                            left.y() + (self.sources[r, c, 0] + 0.5) * cell)
                b = QPointF(right.x() + (c + 0.5) * cell, right.y() + (r + 0.5) * cell)
                start, end = (b, a) if self.backward else (a, b)
                self._arrow(painter, start, end, max(3.0, min(cell / 4, 8.0)), cell / 2)
        painter.end()

    @staticmethod
    def _arrow(painter: QPainter, start: QPointF, end: QPointF, head: float,
               inset: float) -> None:
        """An arrow from the edge of the start cell to the edge of the end cell (the cells'
        numbers stay readable)."""
        line = end - start
        length = max((line.x() ** 2 + line.y() ** 2) ** 0.5, 1e-6)
        ux, uy = line.x() / length, line.y() / length
        # leave each cell where the line crosses its border (cells are squares of 2 * inset)
        reach = inset / max(abs(ux), abs(uy), 1e-6)
        start = QPointF(start.x() + ux * reach, start.y() + uy * reach)
        end = QPointF(end.x() - ux * reach, end.y() - uy * reach)
        painter.drawLine(start, end)
        back = QPointF(end.x() - ux * head * 1.6, end.y() - uy * head * 1.6)
        side = QPointF(-uy * head * 0.7, ux * head * 0.7)
        painter.drawPolygon(QPolygonF([end, back + side, back - side]))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.left is None:
            return
        cell, left, right = self._geometry()
        pos = event.position()
        for origin, side in ((left, 0), (right, 1)):
            r, c = int((pos.y() - origin.y()) // cell), int((pos.x() - origin.x()) // cell)
            if 0 <= r < (self.left, self.right)[side].shape[0] and \
                    0 <= c < (self.left, self.right)[side].shape[1]:
                QToolTip.showText(event.globalPosition().toPoint(), self.tooltip(side, r, c),
                                  self)
                return
        QToolTip.hideText()

    def tooltip(self, side: int, row: int, col: int) -> str:
        """The entry of the input (side 0) or output (side 1) named as the equations do."""
        values = (self.left, self.right)[side]
        return (f"{entry_name(self.symbols[side], (self.channel, row, col))} = "
                f"{full(values[row, col])}")


class PoolPanel(StepPanel):
    """See the module docstring. `flow` is the drawing; `shown_grad_input` the dE/dH drawn."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("labPool")
        self.lab = self.block = self.routing = None
        self.direction = "forward"
        self.equation = EquationLabel()
        self.channel = QSpinBox()
        self.channel.setPrefix("channel ")
        self.channel.setMinimum(1)
        self.channel.valueChanged.connect(lambda _v: self._redraw())
        self.flow = PoolFlow()
        row = QHBoxLayout()
        row.addWidget(self.channel)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.equation)
        layout.addLayout(row)
        layout.addWidget(self.flow, 1)

    @property
    def shown_grad_input(self) -> np.ndarray:
        return self.flow.left

    def show_step(self, lab, block, direction: str, routing=None) -> None:
        self.lab, self.block, self.direction, self.routing = lab, block, direction, routing
        channels = block.input.shape[1]
        self.channel.blockSignals(True)
        self.channel.setMaximum(channels)
        self.channel.blockSignals(False)
        self.channel.setVisible(channels > 1)
        self._redraw()

    def _redraw(self) -> None:
        routing = self.routing
        if routing is None:
            return
        ch = self.channel.value() - 1
        size, stride = routing.size, routing.stride
        if self.direction == "forward":
            self.flow.set_flow(routing.input[ch], routing.output[ch], routing.sources[ch],
                               routing.windows, ("input H", "output O: each window's maximum"),
                               backward=False, symbols=("H", "O"), channel=ch)
            shown = ("The arrows start at the cell that was the maximum." if self.flow.arrows
                     else "The cell that was the maximum of each window is framed in orange.")
            self.equation.set_equation(
                f"<b>Forward: O = the largest value of each {size}x{size} window</b> (stride "
                f"{stride}); no weights. {shown}")
            return
        self.flow.set_flow(routing.grad_input[ch], routing.grad_output[ch], routing.sources[ch],
                           routing.windows, ("dE/dH (passed down)", "dE/dO (arriving)"),
                           backward=True, symbols=("dE/dH", "dE/dO"), channel=ch)
        r, c = (int(v) for v in np.unravel_index(
            np.argmax(np.abs(routing.grad_output[ch])), routing.grad_output[ch].shape))
        sr, sc = (int(v) for v in routing.sources[ch, r, c])
        shown = ("The arrows show where each error goes." if self.flow.arrows else
                 "Each window's arg-max cell is framed in orange; the pale cells get 0.")
        self.equation.set_equation(
            f"<b>Backward: the error goes only to the cell that was the maximum</b>: "
            f"dE/dH = dE/dO at the arg-max of each window, 0 everywhere else (the other cells "
            f"did not change the output). No weights, nothing to update. {shown}<br><br>"
            f"For example, {sub('dE/dO', ch, r, c)} = "
            f"{number_link(routing.grad_output[ch, r, c])} goes to its window's arg-max "
            f"cell: {sub('dE/dH', ch, sr, sc)} = "
            f"<b>{number_link(routing.grad_input[ch, sr, sc])}</b>.")
