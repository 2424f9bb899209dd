"""The step of a block the lab does not spell out further (Flatten, Dropout, average pooling):
what went in and what came out, or dE/dO arriving and dE/dH passed down, with the block's own
one-line description."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from core.nn.layer import LAYERS
from playground.backprop.equation_label import EquationLabel
from playground.backprop.step_panel import StepPanel
from playground.backprop.tensor_view import TensorView


class PlainPanel(StepPanel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("labPlain")
        self.equation = EquationLabel()
        self.before, self.after = TensorView(), TensorView()
        row = QHBoxLayout()
        row.addWidget(self.before)
        row.addWidget(self.after)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.equation)
        layout.addLayout(row, 1)

    def show_step(self, lab, block, direction: str) -> None:
        help_text = getattr(LAYERS.get(block.kind), "HELP", "")
        weights = "" if block.params else " It has no weights: nothing to update."
        if direction == "forward":
            self.before.set_tensor(block.input[0], f"input H {tuple(block.input.shape[1:])}")
            self.after.set_tensor(block.output[0], f"output O {tuple(block.output.shape[1:])}")
            self.equation.set_equation(f"<b>Forward through {block.name}</b>: {help_text}."
                                       f"{weights}")
        else:
            self.before.set_tensor(block.grad_input[0], "dE/dH (passed down)")
            self.after.set_tensor(block.grad_output[0], "dE/dO (arriving)")
            self.equation.set_equation(
                f"<b>Backward through {block.name}</b>: dE/dH from dE/dO by the chain rule, "
                f"dE/dH<sub>j</sub> = Σ<sub>i</sub> dE/dO<sub>i</sub> dO<sub>i</sub>/dH<sub>j"
                f"</sub>: each input gets the errors of the outputs it fed ({help_text})."
                f"{weights}")
