"""The kernel editor panel: grid(s), size, brush, symmetry, divisor, offset, normalise, sum.

Only composes controls; every change goes to the `KernelDocument` (undoable), and the controls
follow the document when it changes (undo, presets), with their own signals blocked.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.filters.geometry_panel import let_shrink
from playground.filters.grid_cells import SYMMETRIES
from playground.filters.kernel_document import MAX_SIZE, MIN_SIZE, RGB_CHANNELS, KernelDocument
from playground.filters.kernel_grid import KernelGrid
from playground.widgets.no_wheel import ignore_wheel_unless_focused

CHANNEL_NAMES = ("R", "G", "B")
WIDE_SHARE = 4
"""Per channel, the grid being edited is this many times as wide as each of the other two, so
its cells are big enough for numbers; the others show their colours (click one to widen it)."""


def _spin(low: float, high: float, decimals: int, step: float, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setToolTip(tip)
    spin.setKeyboardTracking(False)
    spin.setMaximumWidth(96)
    return spin


class KernelEditor(QWidget):
    """Edits a `KernelDocument`. `error(str)` carries messages for the window's message bar."""

    error = Signal(str)

    def __init__(self, document: KernelDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.grids = [KernelGrid(document, channel) for channel in range(RGB_CHANNELS)]
        self.channel_labels = [QLabel(name) for name in CHANNEL_NAMES]
        grid_area = QGridLayout()
        grid_area.setSpacing(4)
        for index, (grid, label) in enumerate(zip(self.grids, self.channel_labels, strict=True)):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid_area.addWidget(label, 0, index)
            grid_area.addWidget(grid, 1, index)
            grid.error.connect(self.error)
            grid.installEventFilter(self)
        grid_area.setRowStretch(1, 1)
        self.grid_area = grid_area
        self.grid = self.grids[0]
        self.wide_channel = 0

        self.rows_spin = QSpinBox()
        self.cols_spin = QSpinBox()
        for spin, what in ((self.rows_spin, "rows"), (self.cols_spin, "columns")):
            spin.setRange(MIN_SIZE, MAX_SIZE)
            spin.setToolTip(f"Kernel {what} ({MIN_SIZE} to {MAX_SIZE}; odd or even)")
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_size_changed)
        self.brush_spin = _spin(-999, 999, 3, 1, "Value painted by a left-drag on the grid")
        self.brush_spin.setValue(1.0)
        self.brush_spin.valueChanged.connect(self._on_brush_changed)
        self.symmetry_combo = QComboBox()
        for key, text in SYMMETRIES.items():
            self.symmetry_combo.addItem(text, key)
        self.symmetry_combo.setToolTip("Painting a cell also paints its mirror images")
        self.symmetry_combo.currentIndexChanged.connect(self._on_symmetry_changed)
        self.per_channel_check = QCheckBox("Per colour channel (3 grids, summed)")
        self.per_channel_check.setToolTip(
            "One kernel per colour channel, summed into one grey output: a 3x3 kernel over RGB "
            "has 27 weights, like a convolution layer's filter"
        )
        self.per_channel_check.toggled.connect(self._on_per_channel_toggled)
        self.divisor_spin = _spin(-1e5, 1e5, 3, 1, "The weighted sum is divided by this")
        self.divisor_spin.editingFinished.connect(self._on_divisor_edited)
        self.offset_spin = _spin(-1e4, 1e4, 2, 8, "Added after dividing (e.g. 128 for edges)")
        self.offset_spin.editingFinished.connect(self._on_offset_edited)
        self.normalise_button = QPushButton("Normalise to sum 1")
        self.normalise_button.setToolTip("Set the divisor to the sum of the weights")
        self.normalise_button.clicked.connect(self._on_normalise)
        self.sum_label = QLabel()
        self.sum_label.setObjectName("sumLabel")
        self.sum_label.setWordWrap(True)

        size_row = QHBoxLayout()
        size_row.addWidget(self.rows_spin)
        size_row.addWidget(QLabel("x"))
        size_row.addWidget(self.cols_spin)
        size_row.addStretch(1)
        let_shrink(self.symmetry_combo)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow: label above
        form.addRow("Size (rows x cols):", size_row)
        form.addRow("Brush value:", self.brush_spin)
        form.addRow("Symmetry:", self.symmetry_combo)
        divide_row = QHBoxLayout()
        divide_row.addWidget(self.divisor_spin)
        divide_row.addWidget(QLabel("offset"))
        divide_row.addWidget(self.offset_spin)
        form.addRow("Divisor:", divide_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid_area, 1)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.normalise_button)
        buttons.addWidget(self.sum_label, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.per_channel_check)
        ignore_wheel_unless_focused(self.rows_spin, self.cols_spin, self.brush_spin,
                                    self.symmetry_combo, self.divisor_spin, self.offset_spin)
        self.layout_stretch = layout
        document.changed.connect(self._sync_from_document)
        self._sync_from_document()

    def _sync_from_document(self) -> None:
        document = self.document
        height, width = document.shape
        blockers = [QSignalBlocker(w) for w in (self.rows_spin, self.cols_spin, self.divisor_spin,
                                                 self.offset_spin, self.per_channel_check)]
        self.rows_spin.setValue(height)
        self.cols_spin.setValue(width)
        self.divisor_spin.setValue(document.divisor)
        self.offset_spin.setValue(document.offset)
        self.per_channel_check.setChecked(document.per_channel)
        del blockers
        for index, (grid, label) in enumerate(zip(self.grids, self.channel_labels, strict=True)):
            visible = index == 0 or document.per_channel
            grid.setVisible(visible)
            # three grids side by side: smaller cells, height fitted to the cells
            grid.set_compact(document.per_channel)
            label.setVisible(document.per_channel)
        self._share_width()
        self.layout_stretch.setStretch(0, 0 if document.per_channel else 1)
        raw = float(document.values.sum())
        self.sum_label.setText(
            f"Sum: <b>{document.total():.4g}</b> "
            f"(weights {raw:.4g} ÷ {document.divisor:g})"
        )

    def eventFilter(self, watched, event) -> bool:
        """Clicking (or tabbing into) a narrow channel grid widens it."""
        if watched in self.grids and event.type() in (QEvent.Type.MouseButtonPress,
                                                      QEvent.Type.FocusIn):
            self.widen_channel(self.grids.index(watched))
        return False

    def widen_channel(self, channel: int) -> None:
        """Give the grid of `channel` (0 R, 1 G, 2 B) most of the width, with its numbers."""
        self.wide_channel = channel
        self._share_width()

    def _share_width(self) -> None:
        per_channel = self.document.per_channel
        for index, label in enumerate(self.channel_labels):
            wide = index == self.wide_channel
            shown = per_channel or index == 0
            # per channel the grids' tops are in one row, under R G B
            self.grid_area.setAlignment(self.grids[index], Qt.AlignmentFlag.AlignTop
                                        if per_channel else Qt.AlignmentFlag(0))
            self.grid_area.setColumnStretch(index, (WIDE_SHARE if wide else 1) if shown else 0)
            name = CHANNEL_NAMES[index]
            font = label.font()
            font.setBold(wide)
            label.setFont(font)
            label.setToolTip("" if wide else f"Click to widen the {name} grid and read its "
                                             "numbers")

    def _on_size_changed(self) -> None:
        self.document.resize(self.rows_spin.value(), self.cols_spin.value())

    def _on_brush_changed(self, value: float) -> None:
        for grid in self.grids:
            grid.brush_value = value

    def _on_symmetry_changed(self) -> None:
        for grid in self.grids:
            grid.symmetry = self.symmetry_combo.currentData()

    def _on_per_channel_toggled(self, checked: bool) -> None:
        self.document.set_per_channel(checked)

    def _on_divisor_edited(self) -> None:
        value = self.divisor_spin.value()
        try:
            self.document.set_divisor(value)
        except ValueError:
            self.error.emit("The divisor cannot be 0: dividing by 0 has no result. "
                            "Use 1 to leave the weighted sum as it is.")
            with QSignalBlocker(self.divisor_spin):
                self.divisor_spin.setValue(self.document.divisor)

    def _on_offset_edited(self) -> None:
        self.document.set_offset(self.offset_spin.value())

    def _on_normalise(self) -> None:
        try:
            self.document.normalise()
        except ValueError as error:
            self.error.emit(str(error))
