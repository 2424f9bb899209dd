"""A Dense block's step: forward O = W H + b, backward dE/dH = Wᵀ dE/dO and dE/dW = dE/dO Hᵀ,
each as small heat maps side by side, and one chosen entry (click it) spelled out as the sum of
its products with the pass's numbers (`core.nn.backprop_lab.dense_terms`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout

from core.nn.backprop_lab import dense_terms
from playground.backprop.equation_label import EquationLabel
from playground.backprop.heat_grid import symmetric_scale
from playground.backprop.numbers import number_link
from playground.backprop.step_panel import StepPanel, spelled_sum, sub
from playground.backprop.tensor_view import TensorView


def _sign(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("font-size: 18px; color: #333;")
    return label


class DensePanel(StepPanel):
    """See the module docstring. `chosen` holds the entry spelled out per direction."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("labDense")
        self.lab = self.block = None
        self.direction = "forward"
        self.chosen = {"forward": 0, "input": 0, "weight": (0, 0)}
        self.equation = EquationLabel()
        self.equation.setObjectName("labDenseEquation")
        names = ("W", "H", "b", "O", "Wt", "dO", "dH", "dO2", "Ht", "dW")
        self.views = {name: TensorView(column=name not in ("Ht",)) for name in names}
        self.views["W"].grid.column = False
        for name in ("W", "Wt", "dW"):
            self.views[name].grid.max_cell = 52
        self.views["Wt"].grid.names = lambda r, c: f"Wᵀ[{r + 1}, {c + 1}] = W[{c + 1}, {r + 1}]"
        self.views["O"].entry_clicked.connect(lambda index: self._choose("forward", index[0]))
        self.views["W"].entry_clicked.connect(lambda index: self._choose("forward", index[0]))
        self.views["dH"].entry_clicked.connect(lambda index: self._choose("input", index[0]))
        self.views["Wt"].entry_clicked.connect(lambda index: self._choose("input", index[0]))
        self.views["dW"].entry_clicked.connect(lambda index: self._choose("weight", index))
        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        rows = ((("W", 4), "·", ("H", 1), "+", ("b", 1), "=", ("O", 1)),
                (("Wt", 4), "·", ("dO", 1), "=", ("dH", 1)),
                (("dO2", 1), "·", ("Ht", 4), "=", ("dW", 4)))
        self._rows = []
        for r, row in enumerate(rows):
            widgets = []
            for c, item in enumerate(row):
                widget = _sign(item) if isinstance(item, str) else self.views[item[0]]
                grid.addWidget(widget, r, c)
                widgets.append(widget)
            self._rows.append(widgets)
        for c, stretch in enumerate((4, 0, 1, 0, 1, 0, 1, 0)):
            grid.setColumnStretch(c, stretch)
        grid.setColumnStretch(7, 1)  # what is left goes to the right of the grids
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.equation)
        layout.addLayout(grid, 1)

    # ------------------------------------------------------------------------------ showing
    def show_step(self, lab, block, direction: str) -> None:
        new_block = self.block is None or self.block.index != block.index or self.lab is not lab
        self.lab, self.block, self.direction = lab, block, direction
        if new_block:
            self._default_choice()
        forward = direction == "forward"
        for widget in self._rows[0]:
            widget.setVisible(forward)
        for row in self._rows[1:]:
            for widget in row:
                widget.setVisible(not forward)
        w = block.params["weight"]
        h, o = block.input[0].reshape(-1), block.output[0].reshape(-1)
        if forward:
            scale = symmetric_scale(w, h, o)
            self.views["W"].set_tensor(w, f"W ({w.shape[0]}x{w.shape[1]})", scale, "W")
            self.views["H"].set_tensor(h, "H (input)", scale, "H")
            self.views["b"].set_tensor(block.params["bias"], "b", scale, "b")
            self.views["O"].set_tensor(o, "O (output)", scale, "O")
        else:
            g_out, g_in = block.grad_output[0].reshape(-1), block.grad_input[0].reshape(-1)
            g_w = block.grad_params["weight"]
            self.views["Wt"].set_tensor(w.T, f"Wᵀ ({w.shape[1]}x{w.shape[0]})")
            self.views["dO"].set_tensor(g_out, "dE/dO", symbol="dE/dO")
            self.views["dH"].set_tensor(g_in, "dE/dH (passed down)", symbol="dE/dH")
            self.views["dO2"].set_tensor(g_out, "dE/dO", symbol="dE/dO")
            self.views["Ht"].set_tensor(h, "Hᵀ (the input)", symbol="H")
            self.views["dW"].set_tensor(g_w, "dE/dW", symbol="dE/dW")
        self._show_choice()

    def _default_choice(self) -> None:
        """Start on the largest output, the largest dE/dH and the largest dE/dW."""
        block = self.block
        self.chosen["forward"] = int(np.argmax(np.abs(block.output[0].reshape(-1))))
        self.chosen["input"] = int(np.argmax(np.abs(block.grad_input[0].reshape(-1))))
        g_w = block.grad_params.get("weight")
        if g_w is not None:
            self.chosen["weight"] = tuple(int(v) for v in
                                          np.unravel_index(np.argmax(np.abs(g_w)), g_w.shape))

    def _choose(self, what: str, index) -> None:
        self.chosen[what] = index
        self._show_choice()
        if what == "weight" and self.block is not None:
            self.weight_chosen.emit(self.block.index, "weight", tuple(index))

    def _show_choice(self) -> None:
        if self.block is None:
            return
        if self.direction == "forward":
            i = self.chosen["forward"]
            self.views["O"].set_chosen((i,))
            self.equation.set_equation(self.forward_html(i))
        else:
            j, (i, k) = self.chosen["input"], self.chosen["weight"]
            self.views["dH"].set_chosen((j,))
            self.views["dW"].set_chosen((i, k))
            self.equation.set_equation(self.backward_html(j, (i, k)))

    # ------------------------------------------------------------------------------ equations
    def forward_html(self, i: int) -> str:
        """O_i = sum_j W_ij H_j + b_i with the numbers."""
        block = self.block
        w, h = block.params["weight"], block.input[0].reshape(-1)
        products = dense_terms(block, 0, i).forward_products
        names = [f"{sub('W', i, j)}{sub('H', j)}" for j in range(len(h))]
        factors = [(w[i, j], h[j]) for j in range(len(h))]
        bias, out = block.params["bias"][i], block.output[0].reshape(-1)[i]
        return (f"<b>Forward: O = W H + b</b> — each output is a weighted sum of the inputs "
                f"plus a bias: O<sub>i</sub> = Σ<sub>j</sub> W<sub>ij</sub> H<sub>j</sub> + "
                f"b<sub>i</sub>. Click an output to spell it out.<br><br>"
                f"{sub('O', i)} = {spelled_sum(names, factors, products)}"
                f" + {number_link(bias, brackets=True)} = <b>{number_link(out)}</b>")

    def backward_html(self, j: int, weight: tuple[int, int]) -> str:
        """dE/dH_j = sum_i dE/dO_i W_ij and dE/dW_ik = dE/dO_i H_k with the numbers."""
        block = self.block
        w, h = block.params["weight"], block.input[0].reshape(-1)
        g_out = block.grad_output[0].reshape(-1)
        products = dense_terms(block, 0, 0, j).backward_products
        names = [f"{sub('dE/dO', i)}{sub('W', i, j)}" for i in range(len(g_out))]
        factors = [(g_out[i], w[i, j]) for i in range(len(g_out))]
        g_in = block.grad_input[0].reshape(-1)[j]
        i, k = weight
        g_w = dense_terms(block, 0, i, k).grad_weight
        return (f"<b>Backward</b>: what it passes down, "
                f"dE/dH<sub>j</sub> = Σ<sub>i</sub> dE/dO<sub>i</sub> · dO<sub>i</sub>/dH<sub>j"
                f"</sub> = Σ<sub>i</sub> dE/dO<sub>i</sub> W<sub>ij</sub>, and its weights' "
                f"gradient, dE/dW<sub>ij</sub> = dE/dO<sub>i</sub> H<sub>j</sub>. Click an "
                f"entry of dE/dH or dE/dW to spell it out.<br><br>"
                f"{sub('dE/dH', j)} = {spelled_sum(names, factors, products)} = "
                f"<b>{number_link(g_in)}</b><br>"
                f"{sub('dE/dW', i, k)} = {sub('dE/dO', i)} {sub('H', k)} = "
                f"{number_link(g_out[i], brackets=True)}·{number_link(h[k], brackets=True)} = "
                f"<b>{number_link(g_w)}</b>; and dE/db = dE/dO.")
