"""The step of a block the lab does not spell out cell by cell (Flatten, Dropout, average
pooling, RNN, LSTM, Rows): what went in and what came out, or dE/dO arriving and dE/dH passed
down, as heat maps, with the block's own one-line description and its equation for the way back
(`derivative_text`); a block with weights shows them going forward and their gradient coming
back (one parameter at a time; click an entry of the gradient to follow it in the update)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout

from core.nn.layer import LAYERS
from playground.backprop.equation_label import EquationLabel
from playground.backprop.step_panel import StepPanel, param_symbol
from playground.backprop.tensor_view import TensorView


def _dims(array) -> str:
    return " x ".join(str(int(v)) for v in array.shape)


class PlainPanel(StepPanel):
    """See the module docstring. `weights` shows the parameter chosen in `param`."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("labPlain")
        self.lab = self.block = None
        self.direction = "forward"
        self.equation = EquationLabel()
        self.before, self.after = TensorView(), TensorView()
        self.weights = TensorView()
        self.weights.entry_clicked.connect(self._on_weight_clicked)
        self.param = QComboBox()
        self.param.setObjectName("labPlainParam")
        self.param.setToolTip("Which of the block's weights to show")
        self.param.currentIndexChanged.connect(lambda _i: self._show_weights())
        row = QHBoxLayout()
        row.addWidget(self.before, 2)
        row.addWidget(self.after, 1)
        row.addWidget(self.weights, 2)
        choose = QHBoxLayout()
        choose.addStretch(1)
        choose.addWidget(self.param)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.equation)
        layout.addLayout(choose)
        layout.addLayout(row, 1)

    def show_step(self, lab, block, direction: str) -> None:
        new = self.block is None or self.block.index != block.index or self.lab is not lab
        self.lab, self.block, self.direction = lab, block, direction
        help_text = html.escape(getattr(LAYERS.get(block.kind), "HELP", ""))
        derivative = html.escape(block.derivative_text)
        weights = ("" if block.params else " It has no weights: nothing to update.")
        steps = {k: ", a row per time step" if block.family == "recurrent" and
                 array.ndim == 3 else "" for k, array in (("in", block.input),
                                                          ("out", block.output))}
        if direction == "forward":
            self.before.set_tensor(block.input[0], f"input H ({_dims(block.input[0])}"
                                   f"{steps['in']})", symbol="H")
            self.after.set_tensor(block.output[0], f"output O ({_dims(block.output[0])}"
                                  f"{steps['out']})", symbol="O")
            reading = ""
            if block.family == "recurrent" and block.params:
                last = ("O holds every state x(t), a row per step" if block.output.ndim == 3
                        else "O is the state after the last step, x(T)")
                reading = f" Here a(t) is row t of the input H, x(0) = 0, and {last}."
            self.equation.set_equation(f"<b>Forward through {html.escape(block.name)}</b>: "
                                       f"{help_text}.{reading}{weights}")
        else:
            self.before.set_tensor(block.grad_input[0], f"dE/dH (passed down{steps['in']})",
                                   symbol="dE/dH")
            self.after.set_tensor(block.grad_output[0], f"dE/dO (arriving{steps['out']})",
                                  symbol="dE/dO")
            rule = (f"{derivative}." if derivative else
                    "dE/dH<sub>j</sub> = Σ<sub>i</sub> dE/dO<sub>i</sub> dO<sub>i</sub>/dH"
                    "<sub>j</sub>: each input gets the errors of the outputs it fed.")
            own = (" Click an entry of a weight's gradient to follow its update."
                   if block.params and block.trainable else "")
            self.equation.set_equation(
                f"<b>Backward through {html.escape(block.name)}</b> ({help_text}): {rule}"
                f"{weights}{own}")
        names = list(block.params)
        if new or [self.param.itemData(i) for i in range(self.param.count())] != names:
            self.param.blockSignals(True)
            self.param.clear()
            for name in names:
                self.param.addItem(param_symbol(name), name)
            self.param.blockSignals(False)
        self.param.setVisible(bool(names))
        self.weights.setVisible(bool(names))
        self._show_weights()

    def _show_weights(self) -> None:
        block = self.block
        name = self.param.currentData()
        if block is None or name not in block.params:
            return
        symbol = param_symbol(name)
        if self.direction == "forward":
            values = block.params[name]
            self.weights.set_tensor(values, f"{symbol} ({_dims(values)})", symbol=symbol)
        else:
            values = block.grad_params.get(name, block.params[name] * 0)
            steps = " (summed over the steps)" if block.family == "recurrent" else ""
            self.weights.set_tensor(values, f"dE/d{symbol}{steps}", symbol=f"dE/d{symbol}")

    def _on_weight_clicked(self, index: tuple) -> None:
        block = self.block
        if self.direction == "backward" and block is not None and block.trainable:
            self.weights.set_chosen(index)
            self.weight_chosen.emit(block.index, self.param.currentData(), tuple(index))
