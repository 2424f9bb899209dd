"""An activation's step: forward y = f(x), backward dE/dx = dE/dy · f'(x), element by element.

The curve f and its slope f' (`core.nn.backprop_lab.activation_curve`, computed by the block)
are drawn with the sample's values as points on them; the slope's axis always reaches 1, so
sigmoid's largest slope, 0.25, looks as small as it is beside ReLU's 1. The block says what its
derivative is in words ("softplus' = sigmoid"). One element, chosen by a click, is spelled out.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from core.nn.backprop_lab import activation_curve
from playground.backprop.equation_label import EquationLabel
from playground.backprop.numbers import number_link
from playground.backprop.step_panel import StepPanel
from playground.backprop.tensor_view import TensorView

MAX_POINTS = 1000
"""At most this many of the sample's values are drawn on the curves."""
POINT = (40, 110, 200)
CHOSEN = (215, 100, 20)


def _plot(title: str, y_label: str) -> tuple[pg.PlotWidget, pg.PlotDataItem, pg.ScatterPlotItem,
                                              pg.ScatterPlotItem]:
    widget = pg.PlotWidget(background="w")
    widget.setTitle(title, color="k")
    widget.setLabel("bottom", "x (the block's input)")
    widget.setLabel("left", y_label)
    widget.setMouseEnabled(False, False)
    widget.hideButtons()
    widget.showGrid(x=True, y=True, alpha=0.2)
    curve = widget.plot(pen=pg.mkPen((60, 60, 60), width=2))
    points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(*POINT, 140), pen=None)
    chosen = pg.ScatterPlotItem(size=13, brush=pg.mkBrush(*CHOSEN), pen=pg.mkPen("k"))
    widget.addItem(points)
    widget.addItem(chosen)
    return widget, curve, points, chosen


class ActivationPanel(StepPanel):
    """See the module docstring; `chosen` is the element spelled out (a tensor index)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("labActivation")
        self.lab = self.block = None
        self.direction = "forward"
        self.chosen: tuple = (0,)
        self.equation = EquationLabel()
        self.equation.setObjectName("labActivationEquation")
        self.f_plot, self.f_curve, self.f_points, self.f_chosen = _plot("f(x)", "y = f(x)")
        self.d_plot, self.d_curve, self.d_points, self.d_chosen = _plot("f'(x), the slope",
                                                                        "f'(x)")
        self.views = {name: TensorView() for name in ("x", "y", "dy", "d", "dx")}
        for view in self.views.values():
            view.entry_clicked.connect(self._choose)
            view.channel_changed.connect(self._on_channel)
        plots = QHBoxLayout()
        plots.addWidget(self.f_plot)
        plots.addWidget(self.d_plot)
        grids = QGridLayout()
        for column, name in enumerate(("x", "y", "dy", "d", "dx")):
            grids.addWidget(self.views[name], 0, column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.equation)
        layout.addLayout(plots, 3)
        layout.addLayout(grids, 2)

    def show_step(self, lab, block, direction: str) -> None:
        if self.block is None or self.block.index != block.index or self.lab is not lab:
            flat = int(np.argmax(np.abs(block.grad_output[0])))
            self.chosen = tuple(int(v) for v in np.unravel_index(flat, block.input[0].shape))
        self.lab, self.block, self.direction = lab, block, direction
        forward = direction == "forward"
        curve = activation_curve(block)
        x = block.input[0].reshape(-1)[:MAX_POINTS]
        self.f_curve.setData(curve.x, curve.value)
        self.f_points.setData(x, block.output[0].reshape(-1)[:MAX_POINTS])
        self.d_curve.setData(curve.x, curve.derivative)
        self.d_points.setData(x, block.local_derivative[0].reshape(-1)[:MAX_POINTS])
        top = max(1.05, float(np.max(curve.derivative)) * 1.05)
        self.d_plot.setYRange(min(-0.05, float(np.min(curve.derivative))), top, padding=0)
        self.d_plot.setVisible(not forward)
        self.views["x"].set_tensor(block.input[0], "x (input H)", symbol="x")
        self.views["y"].set_tensor(block.output[0], "y = f(x) (output O)", symbol="y")
        self.views["dy"].set_tensor(block.grad_output[0], "dE/dy (arriving)", symbol="dE/dy")
        self.views["d"].set_tensor(block.local_derivative[0], "f'(x)", symbol="f'(x)")
        self.views["dx"].set_tensor(block.grad_input[0], "dE/dx (passed down)", symbol="dE/dx")
        for name in ("x", "y"):
            self.views[name].setVisible(forward)
        for name in ("dy", "d", "dx"):
            self.views[name].setVisible(not forward)
        self._show_choice()

    def _on_channel(self, channel: int) -> None:
        for view in self.views.values():
            if view.channel != channel:
                view.set_channel(channel)

    def _choose(self, index) -> None:
        self.chosen = tuple(index)
        self._show_choice()

    def _show_choice(self) -> None:
        block, k = self.block, self.chosen
        if block is None:
            return
        for view in self.views.values():
            view.set_chosen(k)
        x = float(block.input[0][k])
        self.f_chosen.setData([x], [float(block.output[0][k])])
        self.d_chosen.setData([x], [float(block.local_derivative[0][k])])
        self.equation.set_equation(self.html(k))

    def html(self, k: tuple) -> str:
        block = self.block
        name = block.kind
        place = ",".join(str(i + 1) for i in k)
        x, y = block.input[0][k], block.output[0][k]
        words = block.derivative_text
        if self.direction == "forward":
            return (f"<b>Forward: y = f(x)</b>, {name} applied to each value on its own. "
                    f"Click a value to follow it.<br><br>"
                    f"y<sub>{place}</sub> = {name}({number_link(x)}) = <b>{number_link(y)}</b>")
        g_out, d, g_in = (block.grad_output[0][k], block.local_derivative[0][k],
                          block.grad_input[0][k])
        return (f"<b>Backward: dE/dx = dE/dy · f'(x)</b>, element by element (no weights: "
                f"nothing to update). {words}.<br><br>"
                f"dE/dx<sub>{place}</sub> = dE/dy<sub>{place}</sub> · f'(x<sub>{place}</sub>) = "
                f"{number_link(g_out, brackets=True)} · {number_link(d, brackets=True)} = "
                f"<b>{number_link(g_in)}</b> &nbsp; (x<sub>{place}</sub> = {number_link(x)})")
