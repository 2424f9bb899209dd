"""The Unrolled view: a recurrent network and one chosen sample, step by step.

The cell is drawn once per time step (`unrolled_chain`), a time slider / step buttons / the
arrow keys choose the step, the hidden state is a heat map with one column per step, one unit's
equation is filled in with the numbers of the chosen step (`unrolled_equation`), and the fade of
dE/dx(t) back through time is plotted beside untrained tanh, ReLU and LSTM copies of the network,
with W_hh and its largest singular value (`unrolled_plots`).

The pass (`core.nn.unroll.unroll_pass` and `compare_cells`) runs off the GUI thread with a
`LatestJobRunner` on a network rebuilt from its spec and a copy of its weights, so the network
the dashboard shows can change meanwhile. Until the newest pass arrives the view says it shows
the previous one.
"""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.jobs import check_stop
from core.nn.model import Sequential
from core.nn.unroll import compare_cells, unroll_pass
from playground.training.unrolled_chain import UnrolledChain
from playground.training.unrolled_equation import (
    equation_html,
    singular_value_text,
    unit_equation,
)
from playground.training.unrolled_plots import GradientFade, RecurrentWeights, StateStrips
from playground.widgets.background import LatestJobRunner


def unrolled_job(spec: dict, weights: dict | None, seed: int, x: np.ndarray, label: int,
                 compared: dict | None):
    """A job for `LatestJobRunner`: the network `spec` (weights from `seed`, then `weights` if
    given) unrolled on sample x, and (unless given) its tanh / ReLU / LSTM comparisons."""

    def job(_progress, should_stop):
        model = Sequential.from_spec(spec, seed=seed)
        if weights is not None:
            model.set_weights(weights)
        check_stop(should_stop)
        unrolled = unroll_pass(model, x, label)
        check_stop(should_stop)
        cells = compared if compared is not None else compare_cells(spec, x, label, seed=seed)
        return unrolled, cells

    return job


def _same_network(old: dict, new: dict) -> bool:
    """The same spec, seed, preparation, note and weights (compared value by value)."""
    if any(old[k] != new[k] for k in ("spec", "seed", "note", "prepare")):
        return False
    a, b = old["weights"], new["weights"]
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


class UnrolledView(QWidget):
    """See the module docstring. Public: `set_data`, `set_network`, `clear`, `refresh`,
    `set_step`, `shutdown`; `unrolled` (the pass shown), `compared`; signal `pass_shown`."""

    pass_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unrolledView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.images = self.labels = None
        self.classes: list[str] = []
        self.network: dict | None = None  # {"spec", "weights", "seed", "prepare", "note"}
        self.unrolled = None
        self.compared: dict = {}
        self._compared_key = None
        self._wanted = None  # what the newest job computes
        self._shown_key = None
        self._network_id = 0
        self._pending_compared_key = None
        self._rng = np.random.default_rng(0)
        self.runner = LatestJobRunner(self)
        self.runner.result_ready.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)
        self._build()
        self.clear("The unrolled view appears for a network with an RNN or LSTM block, "
                   "once a data set is loaded.")

    def _build(self) -> None:
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.sample = QSpinBox()
        self.sample.setObjectName("unrolledSample")
        self.sample.setPrefix("test sample ")
        self.sample.valueChanged.connect(lambda _v: self.refresh())
        self.random_button = QPushButton("Random sample")
        self.random_button.clicked.connect(self._on_random_clicked)
        self.back_button = QPushButton("◀ step")
        self.back_button.setToolTip("One step back (Left arrow key)")
        self.back_button.clicked.connect(lambda: self.set_step(self.step - 1))
        self.next_button = QPushButton("step ▶")
        self.next_button.setToolTip("One step on (Right arrow key)")
        self.next_button.clicked.connect(lambda: self.set_step(self.step + 1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("unrolledTime")
        self.slider.setMinimum(1)
        self.slider.valueChanged.connect(lambda v: self._show_step())
        self.step_label = QLabel()
        self.step_label.setMinimumWidth(92)
        self.unit = QSpinBox()
        self.unit.setPrefix("unit j = ")
        self.unit.setToolTip("The unit whose equation is written out (or click the heat map)")
        self.unit.valueChanged.connect(lambda _v: self._show_step())
        top = QHBoxLayout()
        for widget in (self.sample, self.random_button, self.unit):
            top.addWidget(widget)
        top.addStretch(1)
        time_row = QHBoxLayout()
        for widget in (self.back_button, self.slider, self.next_button, self.step_label):
            time_row.addWidget(widget)
        time_row.setStretch(time_row.indexOf(self.slider), 1)
        self.chain = UnrolledChain()
        self.chain.step_clicked.connect(self.set_step)
        self.strips = StateStrips()
        self.strips.cell_clicked.connect(self._on_cell_clicked)
        self.equation = QLabel()
        self.equation.setObjectName("unrolledEquation")
        self.equation.setWordWrap(True)
        self.equation.setTextFormat(Qt.TextFormat.RichText)
        self.equation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.equation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equation.setStyleSheet("background: white; padding: 6px;")
        equation_box = QScrollArea()
        equation_box.setWidgetResizable(True)
        equation_box.setWidget(self.equation)
        self.fade = GradientFade()
        self.weights_view = RecurrentWeights()
        self.fade_note = QLabel()
        self.fade_note.setWordWrap(True)
        fade_box = QWidget()
        fade_layout = QVBoxLayout(fade_box)
        fade_layout.setContentsMargins(0, 0, 0, 0)
        fade_layout.addWidget(self.fade, 1)
        fade_layout.addWidget(self.fade_note)
        grid = QGridLayout()
        self._grid, self._panels, self._columns = grid, (
            self.strips, equation_box, fade_box, self.weights_view), 0
        self._arrange(2)
        for widget in (self.strips, fade_box, self.weights_view, equation_box):
            widget.setMinimumWidth(160)
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.note)
        column.addLayout(top)
        column.addLayout(time_row)
        column.addWidget(self.chain)
        column.addLayout(grid, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    NARROW = 1100
    """Below this width the panels stand in one column (the view scrolls) instead of two."""

    def _arrange(self, columns: int) -> None:
        """Lay the four panels out in a 2 x 2 grid, or one under the other when narrow."""
        if columns == self._columns:
            return
        grid = self._grid
        for panel in self._panels:
            grid.removeWidget(panel)
        for index, panel in enumerate(self._panels):
            grid.addWidget(panel, *divmod(index, columns))
        rows = -(-len(self._panels) // columns)
        for row in range(len(self._panels)):
            grid.setRowMinimumHeight(row, 190 if row < rows else 0)
            grid.setRowStretch(row, 1 if row < rows else 0)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2 if columns == 2 else 0)
        self._columns = columns

    def resizeEvent(self, event) -> None:
        self._arrange(1 if event.size().width() < self.NARROW else 2)
        super().resizeEvent(event)

    # ------------------------------------------------------------------------------ inputs
    @property
    def step(self) -> int:
        """The chosen step, 0-based."""
        return self.slider.value() - 1

    def set_step(self, step: int) -> None:
        self.slider.setValue(step + 1)  # the slider keeps it within the steps

    def set_data(self, images: np.ndarray, labels: np.ndarray, classes: list[str]) -> None:
        """The samples to choose from (the test set, as loaded): (N, ...), (N,), class names."""
        self.images, self.labels, self.classes = images, labels, list(classes)
        self.sample.setMaximum(max(len(images) - 1, 0))
        self.refresh()

    def set_network(self, spec: dict, *, weights: dict | None = None, seed: int = 0,
                    prepare=None, note: str = "") -> None:
        """Show network `spec` with `weights` (as from `Sequential.get_weights`), or untrained
        with weights from `seed`; `prepare` turns a shown sample into the network's input; the
        `note` says which weights these are."""
        network = {"spec": spec, "weights": weights, "seed": seed, "prepare": prepare,
                   "note": note}
        if self.network is not None and _same_network(self.network, network):
            return
        self.network = network
        self._network_id += 1
        self.refresh()

    def clear(self, text: str) -> None:
        """Show nothing but `text` (no recurrent network, or no data)."""
        self.network = None
        self.runner.cancel()
        self._wanted = self._shown_key = None
        self.unrolled, self.compared = None, {}
        self.note.setText(text)
        self.chain.clear(text)
        self.strips.clear_pass()
        self.fade.clear_pass()
        self.weights_view.clear_pass()
        self.equation.setText("")
        self.fade_note.setText("")
        self.step_label.setText("")

    def shutdown(self) -> None:
        self.runner.shutdown()

    # ------------------------------------------------------------------------------ the pass
    def refresh(self) -> None:
        """Work out the pass of the current network on the chosen sample (off the GUI
        thread), unless it is the one shown."""
        if self.network is None or self.images is None or not len(self.images):
            return
        index = self.sample.value()
        net = self.network
        x = self.images[index: index + 1]
        x = (net["prepare"](x) if net["prepare"] is not None else x)[0]
        label = int(self.labels[index])
        spec_text = json.dumps(net["spec"], sort_keys=True)
        compared_key = (spec_text, net["seed"], index)
        key = (self._network_id, index)
        if key in (self._wanted, self._shown_key):
            return
        self._wanted = key
        cached = self.compared if compared_key == self._compared_key else None
        if self.unrolled is not None:
            self.chain.set_stale("Showing the previous network or sample: working out the new "
                                 "pass…")
        self.runner.submit(unrolled_job(net["spec"], net["weights"], net["seed"], x, label,
                                        cached))
        self._pending_compared_key = compared_key

    def _on_result(self, result) -> None:
        unrolled, compared = result
        self._shown_key, self._wanted = self._wanted, None
        self._compared_key = self._pending_compared_key
        self.unrolled, self.compared = unrolled, compared
        net = self.network or {}
        truth = self.classes[unrolled.label] if self.classes else str(unrolled.label)
        guess = int(np.argmax(unrolled.probabilities))
        guess_name = self.classes[guess] if self.classes else str(guess)
        self.note.setText(
            f"<b>{unrolled.block_name}</b> (block {unrolled.block_index + 1}) with "
            f"{net.get('note', '')}. Sample {self.sample.value()}: true class <b>{truth}</b>, "
            f"the network says <b>{guess_name}</b> "
            f"({float(unrolled.probabilities[guess]):.0%}), loss E = {unrolled.loss:.3f}.")
        steps, units = unrolled.states.shape
        self.slider.setMaximum(steps)
        self.unit.setMaximum(units - 1)
        self.chain.show_pass(unrolled)
        self.strips.show_pass(unrolled)
        self.fade.show_norms(unrolled.state_grad_norms, compared)
        self.fade_note.setText(self._fade_text(unrolled, compared))
        sigma = unrolled.largest_singular_value
        self.weights_view.show_weights(unrolled.weights["weight_hh"],
                                       singular_value_text(sigma, steps, unrolled.cell))
        self._show_step()
        self.pass_shown.emit()

    def _on_failed(self, message: str) -> None:
        self._wanted = None
        self.chain.set_stale(f"Cannot unroll this network: {message}")

    @staticmethod
    def _fade_text(unrolled, compared: dict) -> str:
        """||dE/da(1)|| / ||dE/da(T)|| for this network and the compared cells, in words."""
        def ratio(u) -> str:
            norms = u.input_grad_norms
            return f"{norms[0] / norms[-1]:.0e}" if norms[-1] > 0 else "—"

        steps = unrolled.steps
        others = ", ".join(f"{key.replace('RNN ', '')} {ratio(u)}" for key, u in compared.items())
        return (f"The error reaching step 1 is ×{ratio(unrolled)} the one at step {steps} "
                f"(||dE/da(1)|| / ||dE/da({steps})||) in this network; untrained: {others}. "
                f"A tiny number means step 1 barely learns.")

    # ------------------------------------------------------------------------------ the step
    def _show_step(self) -> None:
        if self.unrolled is None:
            return
        step, unit = self.step, self.unit.value()
        self.step_label.setText(f"t = {step + 1} of {self.unrolled.steps}")
        self.back_button.setEnabled(step > 0)
        self.next_button.setEnabled(step < self.unrolled.steps - 1)
        self.chain.set_step(step)
        self.strips.set_choice(step, unit)
        self.fade.set_step(step)
        self.equation.setText(equation_html(unit_equation(self.unrolled, step, unit)))

    def _on_cell_clicked(self, step: int, unit: int) -> None:
        self.unit.setValue(unit)
        self.set_step(step)

    def _on_random_clicked(self) -> None:
        if self.images is not None and len(self.images):
            self.sample.setValue(int(self._rng.integers(len(self.images))))

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Left / Right: one step back / on; Home / End: the first / last step."""
        key = event.key()
        moves = {Qt.Key.Key_Left: self.step - 1, Qt.Key.Key_Right: self.step + 1,
                 Qt.Key.Key_Home: 0, Qt.Key.Key_End: self.slider.maximum() - 1}
        if key in moves and self.unrolled is not None:
            self.set_step(moves[key])
            event.accept()
            return
        super().keyPressEvent(event)
