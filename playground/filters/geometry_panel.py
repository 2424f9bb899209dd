"""Padding, stride, correlation vs convolution and the neighbourhood function, with the size text.

The settings are one small `Geometry` value held by the studio's document; the panel shows it,
changes it through the document and says what comes out, e.g.
"300x451 (rows x cols), pad 1, 3x3, stride 2 -> 150x226" (from
`core.image.filtering.describe_geometry`).
Sizes are written rows x cols (height x width) everywhere in the studio. The Sobel magnitude and
angle views are computed at stride 1 with edge padding: the panel then disables its controls
and says so.

Every change of a control is one undoable step in the same history as the kernel's edits, and
undo moves the controls back (they follow the document).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QSpinBox, QWidget

from core.image.filtering import PADDING_MODES, describe_geometry
from core.image.requests import Geometry
from playground.filters.studio_document import StudioDocument
from playground.widgets.no_wheel import ignore_wheel_unless_focused

__all__ = ["Geometry", "GeometryPanel", "let_shrink", "size_text"]

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


class GeometryPanel(QWidget):
    """Shows and edits the document's `Geometry`; `describe(...)` sets the size text.

    Each control change is one undoable step of the document; undo moves the controls back
    because they follow the document.
    """

    def __init__(self, document: StudioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
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
        document.geometry_changed.connect(self._on_document_changed)
        self._on_document_changed()

    @property
    def geometry_settings(self) -> Geometry:
        """The geometry as applied (no pad width with "valid" padding)."""
        return self.document.geometry.effective()

    def set_geometry(self, geometry: Geometry) -> None:
        """Set the document's geometry (one undoable step; the controls follow)."""
        self.document.set_geometry(geometry)

    def _on_document_changed(self) -> None:
        """Show the document's geometry in the controls (without echoing it back)."""
        geometry = self.document.geometry
        with (QSignalBlocker(self.padding_combo), QSignalBlocker(self.pad_spin),
              QSignalBlocker(self.stride_spin), QSignalBlocker(self.mode_combo),
              QSignalBlocker(self.function_combo)):
            self.padding_combo.setCurrentIndex(self.padding_combo.findData(geometry.padding))
            self.pad_spin.setValue(-1 if geometry.pad_width is None else geometry.pad_width)
            self.stride_spin.setValue(geometry.stride)
            self.mode_combo.setCurrentIndex(self.mode_combo.findData(geometry.mode))
            self.function_combo.setCurrentIndex(self.function_combo.findData(geometry.function))
        self._update_enabled()

    def set_sobel_view(self, sobel_view: bool) -> None:
        """Disable the controls (with a note) while a Sobel magnitude or angle view is shown."""
        self.sobel_view = sobel_view
        self._update_enabled()

    def _update_enabled(self) -> None:
        sobel = self.sobel_view
        geometry = self.document.geometry
        valid = geometry.padding == "valid"
        neighbourhood = geometry.function != "sum"
        for widget in (self.padding_combo, self.stride_spin, self.function_combo):
            widget.setEnabled(not sobel)
        self.pad_spin.setEnabled(not sobel and not valid)
        self.mode_combo.setEnabled(not sobel and not neighbourhood)
        note = SOBEL_NOTE if sobel else NEIGHBOURHOOD_NOTE if neighbourhood else ""
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))

    def _on_control_changed(self) -> None:
        """A person changed a control: the document takes it (one undoable step)."""
        pad = self.pad_spin.value()
        self.document.set_geometry(Geometry(
            padding=self.padding_combo.currentData(),
            pad_width=None if pad < 0 else pad,
            stride=self.stride_spin.value(),
            mode=self.mode_combo.currentData(),
            function=self.function_combo.currentData(),
        ))

    def describe(self, image_hw: tuple[int, int] | None, kernel_hw: tuple[int, int]) -> str:
        """Set and return the output-size text for what the result shows; a geometry that does
        not fit is said so. Sizes are rows x cols."""
        geometry = self.document.geometry
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
