"""Padding, stride, correlation vs convolution and the neighbourhood function, with the size text.

The settings are one small `Geometry` value; the panel edits it and says what comes out, e.g.
"300x451 (rows x cols), pad 1, 3x3, stride 2 -> 150x226" (from
`core.image.filtering.describe_geometry`).
Sizes are written rows x cols (height x width) everywhere in the studio. The Sobel magnitude and
angle views are computed at stride 1 with edge padding: the panel then disables its controls
and says so.

With an undo stack (the kernel document's), every change of a control is one undoable step
in the same history as the kernel's edits, and undo moves the controls back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QSpinBox, QWidget

from core.image.filtering import PADDING_MODES, describe_geometry
from playground.widgets.no_wheel import ignore_wheel_unless_focused

PADDING_TEXT = {
    "zero": "Zero (most common)",
    "reflect": "Reflect (mirror, no edge repeat)",
    "edge": "Edge (repeat the border pixel)",
    "wrap": "Wrap (tile the image)",
    "valid": "Valid (no padding: smaller output)",
}
FUNCTIONS = {
    "sum": "Weighted sum (the kernel)",
    "median": "Median of the neighbourhood",
    "min": "Minimum (erode)",
    "max": "Maximum (dilate)",
}
MAX_STRIDE = 16
MAX_PAD = 16
SOBEL_NOTE = ("Sobel magnitude and angle are computed at stride 1 with edge padding, so "
              "padding, stride, mode and function do not apply. Choose Gx or Gy to use them.")
NEIGHBOURHOOD_NOTE = ("Median, minimum and maximum use only the kernel's size, not its weights, "
                      "so correlation and convolution give the same result.")
SOBEL_VIEWS = ("magnitude", "angle")
COMBO_MIN_CHARACTERS = 14


def size_text(rows: int, cols: int) -> str:
    """"300x451": a size written rows x cols, as everywhere in the studio."""
    return f"{rows}x{cols}"


def let_shrink(*combos: QComboBox, characters: int = COMBO_MIN_CHARACTERS) -> None:
    """Let combo boxes narrow down to about `characters` letters in a small window (the text
    shown is then shortened; the drop-down list keeps it whole). Their preferred width stays
    that of their longest item."""
    for combo in combos:
        metrics = combo.fontMetrics()
        combo.setMinimumWidth(metrics.averageCharWidth() * characters + 32)


@dataclass(frozen=True)
class Geometry:
    """How the kernel walks over the image."""

    padding: str = "zero"
    pad_width: int | None = None
    stride: int = 1
    mode: str = "correlate"
    function: str = "sum"

    def core_options(self) -> dict:
        """Keyword arguments for `core.image.filtering` calls."""
        return {"padding": self.padding, "pad_width": self.pad_width, "stride": self.stride}


class _ControlsCommand(QUndoCommand):
    """One change of the panel's controls; undo and redo put every control back."""

    def __init__(self, panel: GeometryPanel, before: tuple, after: tuple, text: str) -> None:
        super().__init__(text)
        self._panel = panel
        self._before = before
        self._after = after
        self._first = True

    def redo(self) -> None:
        if self._first:  # pushed after the control changed: it already shows `after`
            self._first = False
            return
        self._panel._show_controls(self._after)

    def undo(self) -> None:
        self._panel._show_controls(self._before)


class GeometryPanel(QWidget):
    """Edits a `Geometry`; emits `changed(Geometry)`; `describe(...)` sets the size text.

    Given an `undo_stack`, each control change is pushed onto it as one undoable step.
    """

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None,
                 undo_stack: QUndoStack | None = None) -> None:
        super().__init__(parent)
        self.geometry_value = Geometry()
        self.undo_stack = undo_stack
        self.padding_combo = QComboBox()
        self.padding_combo.setObjectName("paddingCombo")
        for mode in PADDING_MODES:
            self.padding_combo.addItem(PADDING_TEXT.get(mode, mode), mode)
        self.pad_spin = QSpinBox()
        self.pad_spin.setObjectName("padSpin")
        self.pad_spin.setRange(-1, MAX_PAD)
        self.pad_spin.setSpecialValueText("auto (half the kernel)")
        self.pad_spin.setValue(-1)
        self.pad_spin.setToolTip("Cells of padding around the image; auto keeps the size")
        self.stride_spin = QSpinBox()
        self.stride_spin.setObjectName("strideSpin")
        self.stride_spin.setRange(1, MAX_STRIDE)
        self.stride_spin.setToolTip("Step between windows: stride 2 halves width and height")
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("modeCombo")
        self.mode_combo.addItem("Correlation (as in CNN layers)", "correlate")
        self.mode_combo.addItem("Convolution (flipped kernel)", "convolve")
        self.function_combo = QComboBox()
        self.function_combo.setObjectName("functionCombo")
        for key, text in FUNCTIONS.items():
            self.function_combo.addItem(text, key)
        self.function_combo.setToolTip(
            "The function applied to every neighbourhood: a weighted sum uses the "
            "grid's weights; median, min and max use only its size"
        )
        self.note_label = QLabel()
        self.note_label.setObjectName("geometryNote")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #7a4b00;")
        self.note_label.hide()
        self.sobel_view = False
        ignore_wheel_unless_focused(self.padding_combo, self.pad_spin, self.stride_spin,
                                    self.mode_combo, self.function_combo)
        self.size_label = QLabel("–")
        self.size_label.setObjectName("outputSizeLabel")
        self.size_label.setWordWrap(True)
        for combo in (self.padding_combo, self.mode_combo, self.function_combo):
            combo.currentIndexChanged.connect(self._on_control_changed)
        for spin in (self.pad_spin, self.stride_spin):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_control_changed)
        let_shrink(self.padding_combo, self.mode_combo, self.function_combo)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow: label above
        form.addRow(self.note_label)  # first: seen as soon as the panel is
        form.addRow("Padding:", self.padding_combo)
        form.addRow("Pad width:", self.pad_spin)
        form.addRow("Stride:", self.stride_spin)
        form.addRow("Mode:", self.mode_combo)
        form.addRow("Neighbourhood function:", self.function_combo)
        form.addRow("Output:", self.size_label)

        self._shown = self._control_values()

    @property
    def geometry_settings(self) -> Geometry:
        return self.geometry_value

    def set_geometry(self, geometry: Geometry) -> None:
        """Show `geometry` in the controls (and emit `changed` once); one undoable step."""
        pad = -1 if geometry.pad_width is None else geometry.pad_width
        self._show_controls((geometry.padding, pad, geometry.stride, geometry.mode,
                             geometry.function), undoable=True)

    def _control_values(self) -> tuple:
        """(padding, pad spin value (-1 = auto), stride, mode, function) as the controls show."""
        return (self.padding_combo.currentData(), self.pad_spin.value(),
                self.stride_spin.value(), self.mode_combo.currentData(),
                self.function_combo.currentData())

    def _show_controls(self, values: tuple, undoable: bool = False) -> None:
        padding, pad, stride, mode, function = values
        with (QSignalBlocker(self.padding_combo), QSignalBlocker(self.pad_spin),
              QSignalBlocker(self.stride_spin), QSignalBlocker(self.mode_combo),
              QSignalBlocker(self.function_combo)):
            self.padding_combo.setCurrentIndex(self.padding_combo.findData(padding))
            self.pad_spin.setValue(pad)
            self.stride_spin.setValue(stride)
            self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))
            self.function_combo.setCurrentIndex(self.function_combo.findData(function))
        if undoable:
            self._on_control_changed()
        else:
            self._shown = self._control_values()
            self._apply()

    def set_sobel_view(self, sobel_view: bool) -> None:
        """Disable the controls (with a note) while a Sobel magnitude or angle view is shown."""
        self.sobel_view = sobel_view
        self._update_enabled()

    def _update_enabled(self) -> None:
        sobel = self.sobel_view
        valid = self.padding_combo.currentData() == "valid"
        neighbourhood = self.function_combo.currentData() != "sum"
        for widget in (self.padding_combo, self.stride_spin, self.function_combo):
            widget.setEnabled(not sobel)
        self.pad_spin.setEnabled(not sobel and not valid)
        self.mode_combo.setEnabled(not sobel and not neighbourhood)
        note = SOBEL_NOTE if sobel else NEIGHBOURHOOD_NOTE if neighbourhood else ""
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))

    def _on_control_changed(self) -> None:
        """A person changed a control: one undo step (with a stack), then the new geometry."""
        before, after = self._shown, self._control_values()
        self._shown = after
        if self.undo_stack is not None and before != after:
            self.undo_stack.push(_ControlsCommand(self, before, after,
                                                  self._step_text(before, after)))
        self._apply()

    def _step_text(self, before: tuple, after: tuple) -> str:
        """What changed, for the Edit menu: e.g. "Stride 2" or "Padding: Reflect"."""
        padding, pad, stride, mode, function = after
        if padding != before[0]:
            return f"Padding: {PADDING_TEXT.get(padding, padding).split(' (')[0]}"
        if pad != before[1]:
            return "Pad width auto" if pad < 0 else f"Pad width {pad}"
        if stride != before[2]:
            return f"Stride {stride}"
        if mode != before[3]:
            return "Convolution" if mode == "convolve" else "Correlation"
        return f"Function: {'weighted sum' if function == 'sum' else function}"

    def _apply(self) -> None:
        """Take the geometry from the controls, update what is enabled, emit `changed`."""
        valid = self.padding_combo.currentData() == "valid"
        pad = -1 if valid else self.pad_spin.value()
        self._update_enabled()
        self.geometry_value = replace(
            self.geometry_value,
            padding=self.padding_combo.currentData(),
            pad_width=None if pad < 0 else pad,
            stride=self.stride_spin.value(),
            mode=self.mode_combo.currentData(),
            function=self.function_combo.currentData(),
        )
        self.changed.emit(self.geometry_value)

    def describe(self, image_hw: tuple[int, int] | None, kernel_hw: tuple[int, int]) -> str:
        """Set and return the output-size text for what the result shows; a geometry that does
        not fit is said so. Sizes are rows x cols."""
        geometry = self.geometry_value
        if image_hw is None:
            text = "open an image to see the output size"
        elif self.sobel_view:
            size = size_text(*image_hw)
            text = f"{size} (rows x cols), edge padding, Sobel 3x3, stride 1 -> {size}"
        else:
            try:
                text = describe_geometry(tuple(image_hw), tuple(kernel_hw),
                                         **geometry.core_options())
            except ValueError as error:
                text = f"does not fit: {error}"
            else:
                first, rest = text.split(", ", 1)
                text = f"{first} (rows x cols), {rest}"
                if geometry.function != "sum":
                    rows, cols = kernel_hw
                    text += f"; {geometry.function} of each {size_text(rows, cols)} window"
        self.size_label.setText(text)
        return text
