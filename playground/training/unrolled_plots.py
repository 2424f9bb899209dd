"""The plots of the Unrolled view: the input and the hidden state per step as heat maps, the
fade of dE/dx(t) back through time for four cells, and the recurrent weights W_hh.

Each plot creates its items once and only updates their data.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.training.unrolled_chain import GREY, LUT

COMPARED = {  # compare_cells' key -> (legend, colour)
    "RNN tanh": ("untrained tanh RNN", (214, 39, 40)),
    "RNN relu": ("untrained ReLU RNN", (255, 127, 14)),
    "LSTM": ("untrained LSTM", (31, 119, 180)),
}
HIGHLIGHT = (40, 110, 200)


def _image_box(layout: pg.GraphicsLayoutWidget, row: int, col: int, title: str):
    plot = layout.addPlot(row=row, col=col, title=title)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.invertY(True)
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    return plot, image


class StateStrips(pg.GraphicsLayoutWidget):
    """Left: the input a(t), one row per step. Right: the hidden state x(t), one column per
    step, the chosen step framed and the chosen unit marked. Clicking the right one chooses a
    step and a unit: `cell_clicked(step, unit)`."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.input_plot, self.input_image = _image_box(self, 0, 0, "input a(t): row t")
        self.state_plot, self.state_image = _image_box(
            self, 0, 1, "hidden state x(t): a column per step")
        self.ci.layout.setColumnStretchFactor(0, 2)
        self.ci.layout.setColumnStretchFactor(1, 5)
        self.input_image.setLookupTable(GREY)
        self.state_image.setLookupTable(LUT)
        pen = pg.mkPen(HIGHLIGHT, width=2)
        self.row_box = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self.row_box.setPen(pen)
        self.input_plot.addItem(self.row_box)
        self.column_box = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self.column_box.setPen(pen)
        self.state_plot.addItem(self.column_box)
        self.unit_line = pg.InfiniteLine(angle=0, pen=pg.mkPen((0, 0, 0), width=1,
                                                               style=Qt.PenStyle.DashLine))
        self.state_plot.addItem(self.unit_line)
        for plot, left, bottom in ((self.input_plot, "step t", "value k"),
                                   (self.state_plot, "unit j", "step t")):
            plot.setLabel("left", left)
            plot.setLabel("bottom", bottom)
        self.state_image.mouseClickEvent = self._on_state_clicked
        self.shape = (0, 0)  # (steps, units) shown

    def show_pass(self, unrolled) -> None:
        steps, units = unrolled.states.shape
        self.shape = (steps, units)
        low, high = float(unrolled.inputs.min()), float(unrolled.inputs.max())
        self.input_image.setImage(unrolled.inputs, autoLevels=False,
                                  levels=(low, high if high > low else low + 1))
        self.input_image.setRect(0.5, 0.5, unrolled.inputs.shape[1], steps)
        high = max(float(np.abs(unrolled.states).max()), 1e-6)
        self.state_image.setImage(unrolled.states.T, autoLevels=False, levels=(-high, high))
        self.state_image.setRect(0.5, -0.5, steps, units)
        self.input_plot.setRange(xRange=(0.5, unrolled.inputs.shape[1] + 0.5),
                                 yRange=(0.5, steps + 0.5), padding=0)
        self.state_plot.setRange(xRange=(0.5, steps + 0.5), yRange=(-0.5, units - 0.5),
                                 padding=0)

    def set_choice(self, step: int, unit: int) -> None:
        steps, units = self.shape
        self.row_box.setRect(0.5, step + 0.5, max(self.input_image.width() or 1, 1), 1)
        self.column_box.setRect(step + 0.5, -0.5, 1, units)
        self.unit_line.setValue(unit)

    def clear_pass(self) -> None:
        self.shape = (0, 0)
        for image in (self.input_image, self.state_image):
            image.clear()

    def _on_state_clicked(self, event) -> None:
        steps, units = self.shape
        if not steps:
            return
        pos = event.pos()  # in image pixels: x = step, y = unit
        step, unit = int(pos.x()), int(pos.y())
        if 0 <= step < steps and 0 <= unit < units:
            event.accept()
            self.cell_clicked.emit(step, unit)


class GradientFade(pg.PlotWidget):
    """||dE/dx(t)|| per step on a log axis: this network, and untrained tanh RNN, ReLU RNN and
    LSTM copies of it on the same sample (`core.nn.unroll.compare_cells`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setTitle("Error reaching each step, ||dE/dx(t)|| (one backward pass)")
        self.setLogMode(y=True)
        self.setLabel("bottom", "step t (the error flows back from the last step)")
        self.setLabel("left", "||dE/dx(t)||")
        self.showGrid(x=True, y=True, alpha=0.3)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        legend = self.addLegend(offset=(-10, -40))
        legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        self.own = self.plot([], [], pen=pg.mkPen((0, 0, 0), width=3), name="this network")
        self.compared = {key: self.plot([], [], pen=pg.mkPen(colour, width=2), name=label)
                         for key, (label, colour) in COMPARED.items()}
        self.step_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(HIGHLIGHT, width=1))
        self.addItem(self.step_line)

    @staticmethod
    def _finite(norms: np.ndarray) -> np.ndarray:
        norms = np.asarray(norms, np.float64).copy()
        norms[norms <= 0] = np.nan  # a log axis has no 0: that step gets no point
        return norms

    def show_norms(self, own: np.ndarray, compared: dict) -> None:
        steps = np.arange(1, len(own) + 1)
        self.own.setData(steps, self._finite(own), connect="finite")
        for key, curve in self.compared.items():
            if key in compared:
                curve.setData(steps, self._finite(compared[key].state_grad_norms),
                              connect="finite")
            else:
                curve.setData([], [])
        self.setXRange(1, max(len(own), 2), padding=0.02)

    def curves_shown(self) -> int:
        """How many of the three compared cells have a curve."""
        return sum(1 for curve in self.compared.values()
                   if curve.xData is not None and len(curve.xData))

    def set_step(self, step: int) -> None:
        self.step_line.setValue(step + 1)

    def clear_pass(self) -> None:
        for curve in (self.own, *self.compared.values()):
            curve.setData([], [])


class RecurrentWeights(QWidget):
    """W_hh as an image (blue negative, red positive) and what its largest singular value
    means."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot, self.image = _image_box(self.graphics, 0, 0, "W_hh: row j, column m")
        self.image.setLookupTable(LUT)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.text)

    def show_weights(self, weight_hh: np.ndarray, text: str) -> None:
        high = max(float(np.abs(weight_hh).max()), 1e-6)
        self.image.setImage(weight_hh, autoLevels=False, levels=(-high, high))
        rows, cols = weight_hh.shape
        self.plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0)
        self.text.setText(text)

    def clear_pass(self) -> None:
        self.image.clear()
        self.text.setText("")
