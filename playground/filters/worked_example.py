"""A worked example: the kernel walks over a 9x9 array cell by cell, padding and stride drawn.

The defaults are the course notes' example: 9x9 input, zero padding of 2, a 3x3 kernel, stride 2
-> 6x6 outputs that all share the same 9 weights. The studio's neighbourhood function is followed
(median, min and max show that function over the window), and a per-channel kernel is stepped
through one channel, saying how many weights the full sum uses. Numbers come from
`core.image.filtering`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.image.filtering import apply_kernel, explain_pixel, neighbourhood, output_size
from playground.filters.cell_text import format_weight
from playground.filters.grid_cells import diverging_colour

EXAMPLE_INPUT = (np.arange(81).reshape(9, 9) * 37 % 10).astype(np.float32)
"""The 9x9 array stepped through: digits 0..9 in a pattern that is easy to follow."""

PADDING_COLOUR = QColor(215, 215, 215)
ALL_TERMS_MAX = 25
"""Kernels with up to this many weights list every product, zeros too; larger ones leave the
zero products out (and say so)."""
CHANNEL_NAMES = ("red", "green", "blue")
STEP_MS = 700
MIN_CELL = 20
"""Smallest cell (pixels) of the example: its digits stay readable (a short tab scrolls)."""
MAX_CELL = 40
SIDE_MIN_WIDTH = 300
"""Width the controls and arithmetic need beside the canvas."""


class _Canvas(QWidget):
    """Paints the padded input with the window, and the output filled up to the current step."""

    def __init__(self, example: WorkedExample) -> None:
        super().__init__(example)
        self.example = example
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def grid_shape(self) -> tuple[int, int]:
        """(rows, columns) of cells drawn: the title row, the padded input, a gap, the output."""
        ex = self.example
        side = EXAMPLE_INPUT.shape[0] + 2 * ex.pad
        out_h, out_w = ex.output.shape if ex.output is not None else (0, 0)
        return max(side, out_h) + 1, side + 1 + max(out_w, 4)

    def fit_minimum(self) -> None:
        """At least MIN_CELL pixels a cell: readable digits, the tab scrolls when short."""
        rows, columns = self.grid_shape()
        self.setMinimumSize(columns * MIN_CELL, rows * MIN_CELL)

    def paintEvent(self, event) -> None:
        ex = self.example
        painter = QPainter(self)
        pad, n = ex.pad, EXAMPLE_INPUT.shape[0]
        side = n + 2 * pad
        out_h, out_w = ex.output.shape if ex.output is not None else (0, 0)
        rows, columns = self.grid_shape()
        cell = max(float(MIN_CELL), min(MAX_CELL, self.width() / columns, self.height() / rows))
        font = QFont(self.font())
        font.setPixelSize(max(11, int(cell / 2.4)))
        painter.setFont(font)
        y0 = cell
        painter.drawText(QRectF(0, 0, side * cell, cell), Qt.AlignmentFlag.AlignCenter,
                         f"input 9x9, pad {pad} (grey)")
        for i in range(side):
            for j in range(side):
                r, c = i - pad, j - pad
                inside = 0 <= r < n and 0 <= c < n
                rect = QRectF(j * cell, y0 + i * cell, cell, cell)
                painter.fillRect(rect, QColor(250, 250, 250) if inside else PADDING_COLOUR)
                painter.setPen(QPen(QColor(170, 170, 170), 1))
                painter.drawRect(rect)
                painter.setPen(QColor(30, 30, 30) if inside else QColor(110, 110, 110))
                value = EXAMPLE_INPUT[r, c] if inside else 0.0
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{value:g}")
        explanation = ex.explanation
        if explanation is not None:
            kh, kw = explanation.weights.shape[:2]
            top, left = explanation.top_left
            window = QRectF((left + pad) * cell, y0 + (top + pad) * cell, kw * cell, kh * cell)
            painter.fillRect(window, QColor(255, 170, 0, 60))
            painter.setPen(QPen(QColor(230, 120, 0), 3))
            painter.drawRect(window)
        x_out = (side + 1) * cell
        painter.setPen(QColor(30, 30, 30))
        painter.drawText(QRectF(x_out, 0, max(out_w, 4) * cell, cell),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"output {out_h}x{out_w}")
        if ex.output is not None:
            scale = float(np.abs(ex.output).max()) or 1.0
            for r in range(out_h):
                for c in range(out_w):
                    rect = QRectF(x_out + c * cell, y0 + r * cell, cell, cell)
                    index = r * out_w + c
                    done = index <= ex.step
                    colour = diverging_colour(float(ex.output[r, c]), scale) if done \
                        else QColor(255, 255, 255)
                    painter.fillRect(rect, colour)
                    painter.setPen(QPen(QColor(170, 170, 170), 1))
                    painter.drawRect(rect)
                    if done:
                        painter.setPen(QColor(20, 20, 20))
                        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                                         format_weight(round(float(ex.output[r, c]), 2)))
                    if index == ex.step:
                        painter.setPen(QPen(QColor(230, 120, 0), 3))
                        painter.drawRect(rect)
        painter.end()


class WorkedExample(QWidget):
    """Steps a 2-D kernel over `EXAMPLE_INPUT` with zero padding `pad` and `stride`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.weights = np.ones((3, 3), np.float32)
        self.channels = 1
        self.function = "sum"
        self.divisor: float | None = None
        self.offset = 0.0
        self.pad, self.stride, self.step = 2, 2, 0
        self.output: np.ndarray | None = None
        self.explanation = None
        self.canvas = _Canvas(self)
        self.pad_spin = QSpinBox()
        self.pad_spin.setObjectName("examplePad")
        self.pad_spin.setRange(0, 4)
        self.pad_spin.setValue(self.pad)
        self.stride_spin = QSpinBox()
        self.stride_spin.setObjectName("exampleStride")
        self.stride_spin.setRange(1, 4)
        self.stride_spin.setValue(self.stride)
        for spin in (self.pad_spin, self.stride_spin):
            spin.valueChanged.connect(self._on_geometry_changed)
        self.back_button = QPushButton("◀ Back")
        self.step_button = QPushButton("Step ▶")
        self.step_button.setObjectName("exampleStep")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.back_button.clicked.connect(lambda: self.go_to(self.step - 1))
        self.step_button.clicked.connect(lambda: self.go_to(self.step + 1))
        self.play_button.toggled.connect(self._on_play_toggled)
        self.timer = QTimer(self)
        self.timer.setInterval(STEP_MS)
        self.timer.timeout.connect(self._on_tick)
        self.arithmetic = QLabel()
        self.arithmetic.setObjectName("exampleArithmetic")
        self.arithmetic.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("pad"))
        controls.addWidget(self.pad_spin)
        controls.addWidget(QLabel("stride"))
        controls.addWidget(self.stride_spin)
        controls.addStretch(1)
        for button in (self.back_button, self.step_button, self.play_button):
            controls.addWidget(button)
        # the canvas beside its controls and arithmetic: the example needs width more than height
        side = QVBoxLayout()
        side.addLayout(controls)
        side.addWidget(self.arithmetic)
        side.addStretch(1)
        layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 3)
        layout.addLayout(side, 2)
        self.box_layout = layout
        self._watching = False
        self._recompute()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        parent = self.parentWidget()  # a scroll area's viewport: its width is the room
        if parent is not None and not self._watching:
            self._watching = True
            parent.installEventFilter(self)
        self._arrange(parent.width() if parent is not None else self.width())

    def eventFilter(self, watched, event) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._arrange(event.size().width())
        return False

    def _arrange(self, room: int) -> None:
        """Controls and arithmetic beside the canvas when there is room, else below it."""
        beside = room >= self.canvas.minimumWidth() + SIDE_MIN_WIDTH
        self.box_layout.setDirection(QBoxLayout.Direction.LeftToRight if beside
                                     else QBoxLayout.Direction.TopToBottom)

    def set_kernel(self, values: np.ndarray, divisor: float | None, offset: float) -> None:
        """Use the studio's kernel (kh, kw), or (kh, kw, 3) per channel: the example then steps
        through the red channel's weights and says that the real sum runs over all three."""
        values = np.asarray(values, np.float32)
        self.channels = values.shape[2] if values.ndim == 3 else 1
        self.weights = values[..., 0] if values.ndim == 3 else values
        self.divisor, self.offset = divisor, offset
        self._recompute()

    def set_function(self, function: str) -> None:
        """"sum" (the weighted sum) or a neighbourhood function: "median", "min", "max"."""
        if function != self.function:
            self.function = function
            self._recompute()

    def go_to(self, step: int) -> None:
        """Show step `step` (0 = first output cell), clamped to the output."""
        self.canvas.fit_minimum()
        if self.output is None:
            return
        self.step = min(max(step, 0), self.output.size - 1)
        row, col = divmod(self.step, self.output.shape[1])
        self.explanation = explain_pixel(EXAMPLE_INPUT, self.weights, row, col, padding="zero",
                                         pad_width=self.pad, stride=self.stride,
                                         divisor=self.divisor, offset=self.offset)
        head = f"Step {self.step + 1} of {self.output.size}: output (row {row}, col {col}) = "
        if self.function != "sum":
            text = head + self._function_text(float(self.output[row, col]))
        else:
            text = head + self._sum_text()
        self.arithmetic.setText(text)
        self.canvas.update()

    def _function_text(self, value: float) -> str:
        """e.g. "median of {0, 7, 4, 3, 0, 7, 6, 3, 0} = 3": the window's values, no weights."""
        window = self.explanation.window.ravel()
        listed = ", ".join(f"{x:g}" for x in window)
        ordered = ", ".join(f"{x:g}" for x in np.sort(window))
        kh, kw = self.weights.shape
        return (f"{self.function} of {{{listed}}} = <b>{value:g}</b> (in order: {ordered}). "
                f"The {self.function} uses no weights, only the {kh}x{kw} window.")

    def _sum_text(self) -> str:
        """Every product (zero weights too, unless the kernel is large), the sum and sharing."""
        explanation = self.explanation
        pairs = list(zip(explanation.window.ravel(), explanation.weights.ravel(), strict=True))
        every = len(pairs) <= ALL_TERMS_MAX
        terms = " + ".join(f"{x:g}×{format_weight(float(w))}" for x, w in pairs
                           if every or w != 0) or "0"
        left_out = not every and any(w == 0 for _, w in pairs)
        text = (terms + (" (zero weights left out)" if left_out else "")
                + f" = {explanation.total:g}"
                + (f" ÷ {explanation.divisor:g}" if explanation.divisor != 1 else "")
                + (f" + {explanation.offset:g}" if explanation.offset else "")
                + f" → <b>{explanation.value:.4g}</b>. ")
        count, weights = self.output.size, self.weights.size
        if self.channels > 1:
            return text + (
                f"Per-channel kernel: this steps through the {CHANNEL_NAMES[0]} channel's "
                f"{weights} weights only (the example is grey). On a colour image each output "
                f"adds the sums of all {self.channels} channels: {weights * self.channels} "
                f"weights, shared by all {count} outputs."
            )
        return text + f"All {count} outputs share the same {weights} weights."

    def _on_geometry_changed(self) -> None:
        self.pad, self.stride = self.pad_spin.value(), self.stride_spin.value()
        self._recompute()

    def _recompute(self) -> None:
        kh, kw = self.weights.shape
        try:
            output_size(EXAMPLE_INPUT.shape, (kh, kw), padding="zero", pad_width=self.pad,
                        stride=self.stride)
            if self.function == "sum":
                self.output = apply_kernel(EXAMPLE_INPUT, self.weights, padding="zero",
                                           pad_width=self.pad, stride=self.stride,
                                           divisor=self.divisor, offset=self.offset)
            else:
                self.output = neighbourhood(EXAMPLE_INPUT, (kh, kw), self.function,
                                            padding="zero", pad_width=self.pad,
                                            stride=self.stride)
        except ValueError as error:
            self.output, self.explanation = None, None
            self.arithmetic.setText(f"The {kh}x{kw} kernel does not fit this example: {error}")
            self.canvas.update()
            return
        self.go_to(min(self.step, self.output.size - 1))

    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            if self.output is not None and self.step >= self.output.size - 1:
                self.go_to(0)
            self.timer.start()
        else:
            self.timer.stop()

    def _on_tick(self) -> None:
        if self.output is None or self.step >= self.output.size - 1:
            self.play_button.setChecked(False)
            return
        self.go_to(self.step + 1)
