"""The Backprop tab: one forward and backward pass of the builder's network on one sample,
module by module, with the numbers of `core.nn.backprop_lab`.

The network is drawn as a row of modules; the 2 x (number of blocks) steps go forward through
every block, then back down; Step back / Step forward / Play / the slider, or the keys Left,
Right, Space, Home and End, move through them. Each step shows the module's equation with the
pass's numbers in the panel its block asks for (`LabBlock.lab_view`); the update panel beside
it gives the SGD step, the loss before and after, and the numerical check of a clicked entry.

The pass runs off the GUI thread (`LatestJobRunner`), on a network rebuilt from its spec: while
a new one is worked out the view says it shows the previous network or sample, and a network
that cannot be built empties the view.
"""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.train.network_data import lab_data
from playground.backprop.activation_panel import ActivationPanel
from playground.backprop.conv_panel import ConvPanel
from playground.backprop.dense_panel import DensePanel
from playground.backprop.lab_job import check_job, pass_job
from playground.backprop.module_row import ModuleRow
from playground.backprop.plain_panel import PlainPanel
from playground.backprop.pool_panel import PoolPanel
from playground.backprop.sample_picker import SamplePicker
from playground.backprop.step_bar import StepBar
from playground.backprop.update_panel import UpdatePanel
from playground.widgets.background import LatestJobRunner

STALE_STYLE = "background: #fff3cd; color: #6b4e00; padding: 4px;"
EMPTY_TEXT = ("The Backprop tab steps through one pass of the network in the builder. Build "
              "or open a network there (Templates > tiny_cnn_9x9 is a good start).")


class BackpropTab(QWidget):
    """See the module docstring. Public: `set_network`, `clear`, `show_backward_step`,
    `set_step`, `step`, `shutdown`; `result` (the pass shown, a `lab_job.LabResult`);
    signals `pass_shown` and `check_shown`."""

    pass_shown = Signal()
    check_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backpropTab")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.network: dict | None = None  # {"spec", "weights", "seed", "prepare", "note"}
        self.result = None
        self.stale = False
        self._network_id = 0
        self._wanted = None
        self._pending_step: int | None = None  # a block whose backward step to open
        self._sample = None  # (x, label) of the newest request
        self.runner = LatestJobRunner(self)
        self.runner.result_ready.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)
        self.checker = LatestJobRunner(self)
        self.checker.result_ready.connect(self._on_check)
        self.checker.failed.connect(self._on_check_failed)
        self._build()
        self.clear(EMPTY_TEXT)

    def _build(self) -> None:
        self.picker = SamplePicker()
        self.picker.sample_changed.connect(self.refresh)
        self.note = QLabel()
        self.note.setObjectName("labNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.modules = ModuleRow()
        self.modules.block_clicked.connect(self._on_block_clicked)
        self.bar = StepBar()
        self.bar.step_changed.connect(lambda _step: self._show_step())
        self.step_title = QLabel()
        self.step_title.setObjectName("labStepTitle")
        self.step_title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.panels = {"terms": DensePanel(), "curve": ActivationPanel(),
                       "contributions": ConvPanel(), "routing": PoolPanel(), "": PlainPanel()}
        self.stack = QStackedWidget()
        for panel in self.panels.values():
            self.stack.addWidget(panel)
            panel.weight_chosen.connect(self.choose_weight)
            panel.animation_finished.connect(self.bar.wait_over)
        self.bar.hold = lambda: self.result is not None and self.current_panel().animating()
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        self.update_panel = UpdatePanel()
        self.update_panel.alpha_changed.connect(lambda _alpha: self.refresh())
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.step_title)
        column.addWidget(self.stack, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.update_panel)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.note)
        layout.addWidget(self.picker)
        layout.addWidget(self.modules)
        layout.addWidget(self.bar)
        layout.addWidget(split, 1)
        self.splitter = split

    # ------------------------------------------------------------------------------ inputs
    def set_network(self, spec: dict, *, weights: dict | None = None, seed: int = 0,
                    prepare=None, note: str = "", data: str = "", samples=None) -> None:
        """Show network `spec` with `weights` (as from `Sequential.get_weights`) or fresh
        weights from `seed`; `prepare` turns a batch of samples into the network's input (a
        trained model's preprocessing); `note` says which weights these are; `data` names the
        data it was trained on and `samples` is that data loaded (else the samples offered are
        those of the data it was made for, `core.train.network_data`)."""
        network = {"spec": json.loads(json.dumps(spec)), "weights": weights, "seed": seed,
                   "prepare": prepare, "note": note, "data": data, "samples": samples}
        if self.network is not None and _same(self.network, network):
            if self.stale and self._wanted is None and self.result is not None:
                self.stale = False  # back to the network shown
                self._show_note()
            return
        self.network = network
        self._network_id += 1
        self.picker.set_offer(network["spec"], lab_data(network["spec"], data), samples)
        self.picker.set_classes(list(spec.get("classes") or []) or
                                [str(k) for k in range(10)])
        self.refresh()

    def clear(self, text: str) -> None:
        """Show nothing but `text` (no network, or one that cannot be built)."""
        self.network = self.result = None
        self._wanted = None
        self.runner.cancel()
        self.checker.cancel()
        self.note.setText(text)
        self.note.setStyleSheet("")
        self.modules.clear()
        self.bar.set_count(0)
        self.step_title.setText("")
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)
        self.update_panel.clear()

    def mark_outdated(self, text: str) -> None:
        """Say the pass shown is of a network that has changed since (until the next one)."""
        if self.result is not None:
            self._say_stale(text)

    def show_backward_step(self, block: int) -> None:
        """Open the backward step of block `block` (now, or when the pass arrives)."""
        self._pending_step = int(block)
        if self.result is not None and not self.stale:
            self._open_pending_step()

    def shutdown(self) -> None:
        self.bar.pause()
        self.picker.shutdown()
        self.runner.shutdown()
        self.checker.shutdown()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.picker.load()
        self.setFocus()

    # ------------------------------------------------------------------------------ the pass
    def refresh(self) -> None:
        """Work out the pass of the network on the chosen sample (off the GUI thread), unless
        it is the one shown or being worked out."""
        net = self.network
        if net is None:
            return
        if self.picker.load_error:
            self.clear(self.picker.load_error)
            return
        try:
            x = self.picker.sample(net["spec"].get("input_shape", ()))
            if x is None:
                self._say_stale("Showing the previous network or sample: loading the samples "
                                "of the new one…" if self.result is not None else
                                "Loading the samples…")
                return
            if net["prepare"] is not None:
                x = net["prepare"](x)
        except ValueError as error:
            self.clear(f"Cannot feed a sample to {net['spec'].get('name', 'this network')}: "
                       f"{error}")
            return
        label = self.picker.label()
        alpha = self.update_panel.alpha.value()
        key = (self._network_id, self.picker.current_source(), x.tobytes(), label, alpha)
        shown = self.result.key if self.result is not None else None
        if key in (self._wanted, shown):
            return
        self._wanted = key
        self._sample = (x[0], label)
        if self.result is not None:
            self._say_stale("Showing the previous network or sample: working out the new "
                            "pass…")
        else:
            self.note.setText("Computing the pass…")
        self.runner.submit(pass_job(net["spec"], net["weights"], net["seed"], x[0], label,
                                    alpha, key))

    def _say_stale(self, text: str) -> None:
        self.stale = True
        self.note.setText(text)
        self.note.setStyleSheet(STALE_STYLE)

    def _on_result(self, result) -> None:
        if result.key != self._wanted:
            return
        self._wanted = None
        self.stale = False
        first = self.result is None
        old_step = self.bar.step
        self.result = result
        lab = result.lab
        self._show_note()
        self.modules.set_modules([block.label for block in lab.blocks])
        self.bar.set_count(len(lab.steps))
        self.update_panel.show_pass(lab, self._classes())
        self._choose_default_weight()
        if self._pending_step is not None:
            self._open_pending_step()
        else:
            self.bar.set_step(0 if first else old_step)
            self._show_step()
        self.pass_shown.emit()

    def _show_note(self) -> None:
        lab, net = self.result.lab, self.network or {}
        name = net.get("spec", {}).get("name", "network")
        self.note.setStyleSheet("")
        self.note.setText(f"<b>{name}</b> with {net.get('note', '')}: {len(lab.blocks)} "
                          f"blocks, {len(lab.steps)} steps. Keys: ← → step, Space plays, "
                          f"Home / End.")

    def _on_failed(self, message: str) -> None:
        self._wanted = None
        name = (self.network or {}).get("spec", {}).get("name", "This network")
        self.clear(f"Cannot run a pass of {name}: {message}")

    def _classes(self) -> list[str]:
        lab = self.result.lab
        return list(lab.classes or (self.network or {}).get("spec", {}).get("classes") or [])

    def _open_pending_step(self) -> None:
        block, self._pending_step = self._pending_step, None
        steps = self.result.lab.steps
        found = [k for k, s in enumerate(steps) if s.block == block and s.direction == "backward"]
        if found:
            self.bar.set_step(found[0])
        self._show_step()

    # ------------------------------------------------------------------------------ the step
    @property
    def step(self) -> int:
        return self.bar.step

    def set_step(self, step: int) -> None:
        self.bar.set_step(step)

    def current_panel(self):
        return self.stack.currentWidget()

    def _show_step(self) -> None:
        if self.result is None:
            return
        lab = self.result.lab
        step = lab.steps[self.bar.step]
        block = lab.blocks[step.block]
        self.modules.set_step(step.block, step.direction)
        arrow = "Forward" if step.direction == "forward" else "Backward"
        self.step_title.setText(f"{arrow} through block {step.block + 1} of "
                                f"{len(lab.blocks)}: {block.name}")
        panel = self.panels.get(block.lab_view, self.panels[""])
        for other in self.panels.values():
            if other is not panel and hasattr(other, "pause"):
                other.pause()
        if block.index in self.result.details:
            panel.show_step(lab, block, step.direction, self.result.details[block.index])
        else:
            panel.show_step(lab, block, step.direction)
        self.stack.setCurrentWidget(panel)

    def _on_block_clicked(self, block: int) -> None:
        """A click on a module goes to its step in the current direction."""
        if self.result is None:
            return
        direction = self.result.lab.steps[self.bar.step].direction
        for k, s in enumerate(self.result.lab.steps):
            if s.block == block and s.direction == direction:
                self.bar.set_step(k)
                return

    # ------------------------------------------------------------------------------ checks
    def _choose_default_weight(self) -> None:
        """Follow the largest dE/dW entry of the last block with weights until one is
        clicked."""
        for block in reversed(self.result.lab.blocks):
            grad = block.grad_params.get("weight")
            if grad is not None and block.trainable:
                index = tuple(int(v) for v in np.unravel_index(np.argmax(np.abs(grad)),
                                                               grad.shape))
                self.choose_weight(block.index, "weight", index)
                return

    def choose_weight(self, block: int, param: str, index: tuple) -> None:
        """Show the update of one weight entry and check its gradient numerically."""
        if self.result is None or self.stale:
            return
        chosen = self.result.lab.blocks[block]
        self.chosen_weight = (block, param, tuple(index))
        self.update_panel.show_entry(chosen, param, tuple(index))
        x, label = self._sample
        self.checker.submit(check_job(self.result.model, x, label, block, param, index))

    def _on_check(self, found) -> None:
        analytic, numerical, what = found
        if what != getattr(self, "chosen_weight", None):
            return
        self.update_panel.show_check(analytic, numerical)
        self.check_shown.emit()

    def _on_check_failed(self, message: str) -> None:
        self.update_panel.show_check_failed(message)

    # ------------------------------------------------------------------------------ keys
    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Left / Right: a step back / on; Space: play or pause; Home / End: first / last."""
        key = event.key()
        if self.result is not None:
            moves = {Qt.Key.Key_Left: self.bar.step - 1, Qt.Key.Key_Right: self.bar.step + 1,
                     Qt.Key.Key_Home: 0, Qt.Key.Key_End: self.bar.slider.maximum()}
            if key in moves:
                self.bar.pause()
                self.bar.set_step(moves[key])
                event.accept()
                return
            if key == Qt.Key.Key_Space:
                self.bar.toggle_play()
                event.accept()
                return
        super().keyPressEvent(event)


def _same(old: dict, new: dict) -> bool:
    """The same spec, seed, preparation, note and weights (compared value by value)."""
    if any(old[k] != new[k] for k in ("spec", "seed", "note", "prepare", "data")):
        return False
    if old["samples"] is not new["samples"]:
        return False
    a, b = old["weights"], new["weights"]
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
