"""The end of the pass: the SGD step W ← W − α dE/dW (α editable), the loss before and after
it, and, for the gradient entry the user clicked, the update and a numerical check beside the
analytic value (the check is worked out off the GUI thread by the tab)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout

from playground.backprop.equation_label import EquationLabel
from playground.backprop.numbers import number_link, short
from playground.backprop.step_panel import param_symbol

DEFAULT_ALPHA = 0.1


def weight_name(block, param: str, index: tuple) -> str:
    symbol = param_symbol(param)
    place = ",".join(str(int(i) + 1) for i in index)
    return f"{symbol}<sub>{place}</sub> of block {block.index + 1} ({block.label})"


class UpdatePanel(QGroupBox):
    """`show_pass(lab, classes)`, `show_entry(block, param, index)`, `show_check(...)`;
    signal `alpha_changed(float)`."""

    alpha_changed = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__("After the pass: the update", parent)
        self.setObjectName("labUpdate")
        self.alpha = QDoubleSpinBox()
        self.alpha.setObjectName("labAlpha")
        self.alpha.setDecimals(4)
        self.alpha.setRange(0.0001, 10.0)
        self.alpha.setSingleStep(0.05)
        self.alpha.setValue(DEFAULT_ALPHA)
        self.alpha.setToolTip("The step size α of W ← W − α dE/dW")
        self.alpha.setKeyboardTracking(False)
        self.alpha.valueChanged.connect(self.alpha_changed)
        self.loss = EquationLabel()
        self.loss.setObjectName("labLoss")
        self.entry = EquationLabel()
        self.entry.setObjectName("labEntry")
        self.check = EquationLabel()
        self.check.setObjectName("labCheck")
        form = QFormLayout()
        form.addRow("step size α:", self.alpha)
        hint = QLabel("Click an entry of a weight gradient (dE/dW) in a step going back to "
                       "follow it here.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for widget in (self.loss, self.entry, self.check, hint):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setMinimumWidth(230)
        self.clear()

    def clear(self) -> None:
        for label in (self.loss, self.entry, self.check):
            label.set_equation("")

    def show_pass(self, lab, classes: list[str]) -> None:
        """The loss before and after the step, and what the network answered."""
        probabilities = lab.probabilities[0]
        guess, target = int(np.argmax(probabilities)), int(lab.labels[0])
        def name(k):
            return (classes[k] if k < len(classes) else str(k))
        down = lab.loss_after < lab.loss
        self.loss.set_equation(
            f"The network says <b>{name(guess)}</b> ({short(100 * probabilities[guess])}%), "
            f"the target is <b>{name(target)}</b> "
            f"({short(100 * probabilities[target])}%).<br>"
            f"Loss before the step: E = {number_link(lab.loss)}<br>"
            f"after one step with α = {number_link(lab.alpha)}: E = "
            f"<b>{number_link(lab.loss_after)}</b> "
            f"({'lower' if down else 'not lower: try a smaller α'})")

    def show_entry(self, block, param: str, index: tuple) -> None:
        """The update of one chosen weight: w − α dE/dw."""
        w = block.params[param][index]
        grad = block.grad_params[param][index]
        step = block.update[param][index]
        self.entry.set_equation(
            f"<b>{weight_name(block, param, index)}</b><br>"
            f"dE/dw = {number_link(grad)}<br>"
            f"w ← w − α dE/dw = {number_link(w)} + {number_link(step, brackets=True)} = "
            f"<b>{number_link(w + step)}</b>")
        self.check.set_equation("Numerical check: computing…")

    def show_check(self, analytic: float, numerical: float) -> None:
        scale = max(abs(analytic), abs(numerical), 1e-12)
        difference = abs(analytic - numerical) / scale
        verdict = "they agree" if difference < 1e-3 else "they differ"
        self.check.set_equation(
            f"<b>Numerical check</b> (E(w + ε) − E(w − ε)) / 2ε, ε = 10<sup>−6</sup>, in "
            f"float64:<br>analytic {number_link(analytic)} · numerical "
            f"{number_link(numerical)}<br>relative difference {short(difference)}: {verdict}")

    def show_check_failed(self, message: str) -> None:
        self.check.set_equation(f"Numerical check failed: {message}")
