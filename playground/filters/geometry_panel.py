"""Padding, stride, correlation vs convolution and the neighbourhood function, with the size text.

The settings are one small `Geometry` value; the panel edits it and says what comes out, e.g.
"512x512, pad 1, 3x3, stride 1 -> 512x512" (from `core.filtering.describe_geometry`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QSpinBox, QWidget

from core.filtering import PADDING_MODES, describe_geometry

PADDING_TEXT = {
    "zero": "Zero (the notes' choice)",
    "reflect": "Reflect (mirror, no edge repeat)",
    "edge": "Edge (repeat the border pixel)",
    "wrap": "Wrap (tile the image)",
    "valid": "Valid (no padding: smaller output)",
}
FUNCTIONS = {
    "sum": "Weighted sum (convolution)",
    "median": "Median of the neighbourhood",
    "min": "Minimum (erode)",
    "max": "Maximum (dilate)",
}
MAX_STRIDE = 16
MAX_PAD = 16


@dataclass(frozen=True)
class Geometry:
    """How the kernel walks over the image."""

    padding: str = "zero"
    pad_width: int | None = None
    stride: int = 1
    mode: str = "correlate"
    function: str = "sum"

    def core_options(self) -> dict:
        """Keyword arguments for `core.filtering` calls."""
        return {"padding": self.padding, "pad_width": self.pad_width, "stride": self.stride}


class GeometryPanel(QWidget):
    """Edits a `Geometry`; emits `changed(Geometry)`; `describe(...)` sets the size text."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.geometry_value = Geometry()
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
        self.mode_combo.addItem("Convolution (kernel flipped)", "convolve")
        self.function_combo = QComboBox()
        self.function_combo.setObjectName("functionCombo")
        for key, text in FUNCTIONS.items():
            self.function_combo.addItem(text, key)
        self.function_combo.setToolTip(
            "The kernel function K applied to every neighbourhood: a weighted sum uses the "
            "grid's weights; median, min and max use only its size"
        )
        self.size_label = QLabel("–")
        self.size_label.setObjectName("outputSizeLabel")
        self.size_label.setWordWrap(True)
        for combo in (self.padding_combo, self.mode_combo, self.function_combo):
            combo.currentIndexChanged.connect(self._on_control_changed)
        for spin in (self.pad_spin, self.stride_spin):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_control_changed)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Padding:", self.padding_combo)
        form.addRow("Pad width:", self.pad_spin)
        form.addRow("Stride:", self.stride_spin)
        form.addRow("Mode:", self.mode_combo)
        form.addRow("Function K:", self.function_combo)
        form.addRow("Output:", self.size_label)

    @property
    def geometry_settings(self) -> Geometry:
        return self.geometry_value

    def set_geometry(self, geometry: Geometry) -> None:
        """Show `geometry` in the controls (and emit `changed` once)."""
        blockers = [QSignalBlocker(w) for w in (self.padding_combo, self.pad_spin,
                                                 self.stride_spin, self.mode_combo,
                                                 self.function_combo)]
        self.padding_combo.setCurrentIndex(self.padding_combo.findData(geometry.padding))
        self.pad_spin.setValue(-1 if geometry.pad_width is None else geometry.pad_width)
        self.stride_spin.setValue(geometry.stride)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(geometry.mode))
        self.function_combo.setCurrentIndex(self.function_combo.findData(geometry.function))
        del blockers
        self._on_control_changed()

    def _on_control_changed(self) -> None:
        valid = self.padding_combo.currentData() == "valid"
        pad = -1 if valid else self.pad_spin.value()
        self.pad_spin.setEnabled(not valid)
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
        """Set and return the output-size text; a geometry that does not fit is said so."""
        if image_hw is None:
            text = "open an image to see the output size"
        else:
            try:
                text = describe_geometry(tuple(image_hw), tuple(kernel_hw),
                                         **self.geometry_value.core_options())
            except ValueError as error:
                text = f"does not fit: {error}"
        self.size_label.setText(text)
        return text
