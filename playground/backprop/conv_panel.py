"""A Conv2D's step. Forward: the kernel over the padded input H̃ gives each output cell,
O[o, r, c] = Σ W[o, i, u, v] · H̃[i, r·s + u, c·s + v] + b[o], spelled out with the pass's
numbers for the output cell clicked, its window framed on the input. Backward: the kernel
window slides over the padded input, and at each output position dE/dO there times the window
under the kernel is one contribution to dE/dW; the contributions are added to a running sum
until the total dE/dW appears (the weights are shared by every position, so their deltas add
up). The numbers come from `core.nn.backprop_lab.conv_weight_contributions`; one filter and one
input channel are shown at a time, so any size of layer works."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from playground.backprop.equation_label import EquationLabel
from playground.backprop.heat_grid import HeatGrid, Marks, symmetric_scale
from playground.backprop.numbers import entry_name, number_link
from playground.backprop.step_panel import SHOWN_TERMS, StepPanel, spelled_sum, sub

TICK_MS = 110
TICKS = 60
"""The running sum reaches the total in about this many ticks, whatever the number of
positions (36 positions: one per tick)."""
MOST_SPELLED = 27
"""A forward sum of up to this many products (a 3x3 kernel over 3 channels) is written whole."""


class ConvPanel(StepPanel):
    """See the module docstring. `position` is the last contribution added (-1: none yet);
    `running` the sum shown; `play()`, `finish()`, `next_position()`."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("labConv")
        self.lab = self.block = self.parts = None
        self.direction = "forward"
        self.position = -1
        self.output_cell = (0, 0)
        self.running = None
        self.equation = EquationLabel()
        self.equation.setObjectName("labConvEquation")
        self.out_channel = QSpinBox()
        self.out_channel.setPrefix("filter ")
        self.out_channel.setMinimum(1)
        self.in_channel = QSpinBox()
        self.in_channel.setPrefix("input channel ")
        self.in_channel.setMinimum(1)
        for box in (self.out_channel, self.in_channel):
            box.valueChanged.connect(self._on_channels)
        self.play_button = QPushButton("▶ Add the contributions")
        self.play_button.setObjectName("labConvPlay")
        self.play_button.clicked.connect(self.toggle_play)
        self.next_button = QPushButton("+1 position")
        self.next_button.clicked.connect(self.next_position)
        self.all_button = QPushButton("All at once")
        self.all_button.clicked.connect(self.finish)
        self.progress = QLabel()
        controls = QHBoxLayout()
        for widget in (self.out_channel, self.in_channel, self.play_button, self.next_button,
                       self.all_button, self.progress):
            controls.addWidget(widget)
        controls.addStretch(1)
        self.grids = {name: HeatGrid() for name in ("input", "kernel", "out", "grad_out",
                                                    "term", "sum", "total", "grad_in")}
        self.grids["out"].cell_clicked.connect(self._on_output_clicked)
        self.grids["grad_out"].cell_clicked.connect(self._on_grad_out_clicked)
        self.grids["total"].cell_clicked.connect(self._on_total_clicked)
        self.grids["grad_in"].max_cell = 40
        self.grids["input"].names = self._input_name
        grid = QGridLayout()
        grid.addWidget(self.grids["input"], 0, 0, 2, 1)
        places = {"kernel": (0, 1), "out": (0, 2), "grad_out": (0, 1), "grad_in": (0, 2),
                  "term": (1, 1), "sum": (1, 2), "total": (1, 3)}
        for name, (row, column) in places.items():
            grid.addWidget(self.grids[name], row, column)
        grid.setColumnStretch(0, 3)
        for column in (1, 2, 3):
            grid.setColumnStretch(column, 2)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_tick)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.equation)
        layout.addLayout(controls)
        layout.addLayout(grid, 1)

    # ------------------------------------------------------------------------------ showing
    def show_step(self, lab, block, direction: str, parts=None) -> None:
        new = self.block is None or self.block.index != block.index or self.lab is not lab
        self.lab, self.block, self.direction, self.parts = lab, block, direction, parts
        out_c, in_c = block.params["weight"].shape[:2]
        for box, count in ((self.out_channel, out_c), (self.in_channel, in_c)):
            box.blockSignals(True)
            box.setMaximum(count)
            box.blockSignals(False)
            box.setVisible(count > 1)
        if new:  # start on the output its window's inputs moved most
            out = np.abs(block.output[0, self.channels[0]] - block.params["bias"][
                self.channels[0]])
            self.output_cell = tuple(int(v) for v in np.unravel_index(np.argmax(out), out.shape))
        self.pause()
        self.position = -1
        forward = direction == "forward"
        for name in ("kernel", "out"):
            self.grids[name].setVisible(forward)
        for name in ("grad_out", "term", "sum", "total", "grad_in"):
            self.grids[name].setVisible(not forward)
        for widget in (self.play_button, self.next_button, self.all_button, self.progress):
            widget.setVisible(not forward)
        self._redraw()
        if not forward:
            self.play()

    @property
    def channels(self) -> tuple[int, int]:
        return self.out_channel.value() - 1, self.in_channel.value() - 1

    def _on_channels(self, _value: int) -> None:
        self.pause()
        self.position = -1
        self._redraw()

    def _padding_mask(self) -> np.ndarray:
        parts = self.parts
        pad = parts.padding
        mask = np.ones(parts.padded_input.shape[1:], bool)
        height, width = mask.shape
        mask[pad:height - pad, pad:width - pad] = False
        return mask

    def _input_name(self, row: int, col: int) -> str:
        """H̃[i, y, x] of the padded input, and where it comes from in H (or that it is padding)."""
        pad, i = self.parts.padding, self.channels[1]
        name = entry_name("H̃", (i, row, col))
        if self._padding_mask()[row, col]:
            return f"{name} (padding)"
        return f"{name} = {entry_name('H', (i, row - pad, col - pad))}"

    def _redraw(self) -> None:
        block, parts = self.block, self.parts
        if block is None or parts is None:
            return
        o, i = self.channels
        padded = parts.padded_input[i]
        title = (f"input H̃: H padded by {parts.padding} zeros" if parts.padding else
                 "input H̃ = H")
        if parts.padded_input.shape[0] > 1:
            title += f" (channel {i + 1})"
        self.grids["input"].set_values(padded, title)
        if self.direction == "forward":
            r, c = self.output_cell
            p = r * parts.output_size[1] + c
            self.grids["input"].set_marks(Marks(windows=[parts.input_window(p)],
                                                faded=self._padding_mask()))
            kernel = block.params["weight"][o, i]
            self.grids["kernel"].set_values(kernel, f"kernel W (filter {o + 1})", symbol="W",
                                            lead=(o, i))
            self.grids["out"].set_values(block.output[0, o], f"output O (filter {o + 1})",
                                         symbol="O", lead=(o,))
            self.grids["out"].set_marks(Marks(chosen=(r, c)))
            self.equation.set_equation(self.forward_html())
            return
        terms = parts.terms_for(o, i)
        sums = parts.running_sums(o, i)
        total = block.grad_params["weight"][o, i]
        scale = symmetric_scale(sums, total)
        p = self.position
        self.running = sums[p] if p >= 0 else np.zeros_like(total)
        windows = [parts.input_window(p)] if p >= 0 else []
        self.grids["input"].set_marks(Marks(windows=windows, faded=self._padding_mask()))
        self.grids["grad_out"].set_values(block.grad_output[0, o], f"dE/dO (filter {o + 1})",
                                          symbol="dE/dO", lead=(o,))
        chosen = tuple(int(v) for v in parts.positions[p]) if p >= 0 else None
        self.grids["grad_out"].set_marks(Marks(chosen=chosen))
        term = terms[p] if p >= 0 else np.zeros_like(total)
        self.grids["term"].set_values(term, "this position's contribution",
                                      symmetric_scale(terms))
        self.grids["term"].names = lambda u, v: (
            f"position {p + 1}'s share of {entry_name('dE/dW', (o, i, u, v))}")
        self.grids["sum"].set_values(self.running, f"running sum of {p + 1}", scale)
        self.grids["sum"].names = lambda u, v: (
            f"{entry_name('dE/dW', (o, i, u, v))} after {p + 1} of {parts.count} positions")
        done = p == parts.count - 1
        self.grids["total"].set_values(total, "dE/dW (the total)" if done else
                                       "dE/dW: when all are added", scale, blank=not done,
                                       symbol="dE/dW", lead=(o, i))
        self.grids["grad_in"].set_values(block.grad_input[0, i], "dE/dH (passed down)",
                                         symbol="dE/dH", lead=(i,))
        self.progress.setText(f"{p + 1} of {parts.count} contributions added")
        self.next_button.setEnabled(not done)
        self.all_button.setEnabled(not done)
        self.equation.set_equation(self.backward_html(term, done))

    # ------------------------------------------------------------------------------ animation
    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.parts is None or self.direction != "backward":
            return
        if self.position >= self.parts.count - 1:
            self.position = -1
        self.timer.start()
        self.play_button.setText("⏸ Pause")

    def pause(self) -> None:
        self.timer.stop()
        self.play_button.setText("▶ Add the contributions")

    def animating(self) -> bool:
        """True while the running sum is being added up on its own."""
        return self.timer.isActive()

    def _on_tick(self) -> None:
        per_tick = max(1, math.ceil(self.parts.count / TICKS))
        self.position = min(self.position + per_tick, self.parts.count - 1)
        done = self.position >= self.parts.count - 1
        if done:
            self.pause()
        self._redraw()
        if done:
            self.animation_finished.emit()

    def next_position(self) -> None:
        if self.parts is not None and self.position < self.parts.count - 1:
            self.position += 1
            self._redraw()

    def finish(self) -> None:
        """Add every contribution: the running sum becomes dE/dW."""
        if self.parts is not None:
            self.pause()
            self.position = self.parts.count - 1
            self._redraw()

    # ------------------------------------------------------------------------------ clicks
    def _on_output_clicked(self, row: int, col: int) -> None:
        self.output_cell = (row, col)
        self._redraw()

    def _on_grad_out_clicked(self, row: int, col: int) -> None:
        """Jump the running sum to the position clicked."""
        self.pause()
        self.position = row * self.parts.output_size[1] + col
        self._redraw()

    def _on_total_clicked(self, row: int, col: int) -> None:
        if self.position == self.parts.count - 1:
            o, i = self.channels
            self.weight_chosen.emit(self.block.index, "weight", (o, i, row, col))

    # ------------------------------------------------------------------------------ equations
    def forward_html(self) -> str:
        """O[o, r, c] = Σ W[o, i, u, v] H̃[i, r·s + u, c·s + v] + b[o], with the numbers of the
        output cell chosen."""
        block, parts = self.block, self.parts
        o, _i = self.channels
        r, c = self.output_cell
        s, k = parts.stride, parts.kernel_size
        weight = block.params["weight"][o]  # (C, k, k)
        p = r * parts.output_size[1] + c
        window = parts.patches[p]  # (C, k, k), the padded input under the kernel
        channels, top, left = weight.shape[0], r * s, c * s
        taps = [(ch, u, v) for ch in range(channels) for u in range(k) for v in range(k)]
        names = [f"{sub('W', o, ch, u, v)}{sub('H̃', ch, top + u, left + v)}"
                 for ch, u, v in taps]
        factors = [(weight[t], window[t]) for t in taps]
        shown = len(taps) if len(taps) <= MOST_SPELLED else SHOWN_TERMS
        products = (weight * window).reshape(-1)
        over = "i, " if channels > 1 else ""
        return (f"<b>Forward: O = W ⋆ H + b</b>. The {k}x{k} kernel is laid on the input "
                f"padded by {parts.padding} zeros (H̃) every {s} cell{'s' if s > 1 else ''} "
                f"(stride {s}); each output is the sum of kernel times window, plus the bias:"
                f" O<sub>o,r,c</sub> = Σ<sub>{over}u,v</sub> W<sub>o,{over}u,v</sub> · "
                f"H̃<sub>{over}{s}(r−1)+u,{s}(c−1)+v</sub> + b<sub>o</sub>. Click an output to "
                f"spell it out; its window is framed on H̃.<br><br>"
                f"{sub('O', o, r, c)} = {spelled_sum(names, factors, products, shown)} + "
                f"{number_link(block.params['bias'][o], brackets=True)} = <b>"
                f"{number_link(block.output[0, o, r, c])}</b>")

    def backward_html(self, term: np.ndarray, done: bool) -> str:
        block, parts = self.block, self.parts
        o, _i = self.channels
        p = self.position
        lines = [f"<b>Backward: dE/dW = Σ<sub>positions</sub> dE/dO<sub>r,c</sub> · "
                 f"(window of H at r,c)</b>. The same {parts.kernel_size}x{parts.kernel_size} "
                 f"weights were used at all {parts.count} positions, so their gradient adds "
                 f"one delta per use. Press ▶ or click a cell of dE/dO."]
        if p >= 0:
            r, c = (int(v) for v in parts.positions[p])
            lines.append(f"Position {p + 1}, output cell ({r + 1}, {c + 1}): "
                         f"{sub('dE/dO', o, r, c)} = "
                         f"{number_link(block.grad_output[0, o, r, c])} times the window "
                         f"framed on H̃ gives this contribution.")
        if done:
            lines.append(f"All {parts.count} contributions added: the running sum is dE/dW. "
                         f"dE/db = Σ dE/dO = "
                         f"{number_link(block.grad_params['bias'][o])}. Click an entry of "
                         f"dE/dW to check it numerically.")
        return "<br>".join(lines)
