"""The chosen preset's parameters: one slider + spin box per parameter the preset declares in
`core.image.kernels.PRESETS`, sizes limited to what the kernel grid holds."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QWidget

from core.image.kernels import PRESETS, make_preset
from playground.filters.kernel_document import MAX_SIZE, KernelDocument
from playground.widgets.slider_spin import SliderSpin
from playground.widgets.undo_keys import pass_undo_keys

_SIZE_PARAMETERS = ("size", "n", "length")
PARAMETER_LABELS = {"n": "size", "angle_deg": "angle (°)"}
"""Labels of preset parameters whose names are terse in `core.image.kernels` (Box blur's n is its
size, as Gaussian's is)."""
PARAMETER_DECIMALS = {"sigma": 8, "angle_deg": 2}
"""Decimals of float parameters (default 3): sigma 0.84089642 from the notes can be typed."""


def preset_defaults(name: str) -> dict:
    """The parameters a click on preset `name` uses (sizes limited to what the grid holds)."""
    return {key: (min(default, MAX_SIZE) if key in _SIZE_PARAMETERS else default)
            for key, (default, _low, _high) in PRESETS[name].parameters.items()}


class PresetParameters(QGroupBox):
    """The "Parameters" box, hidden for presets without parameters and for other kernels.

    `show_preset` makes it show the document's preset and values; moving a control remakes
    the preset into the document (consecutive moves make one undo step). Signals: `error(str)`.
    """

    error = Signal(str)

    def __init__(self, document: KernelDocument, parent: QWidget | None = None) -> None:
        super().__init__("Parameters", parent)
        self.document = document
        self.controls: dict[str, SliderSpin] = {}
        self.preset: str | None = None
        self.form = QFormLayout(self)
        # label above its control: the slider gets the panel's whole width
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.hide()

    def show_preset(self, name: str | None, values: dict) -> None:
        """Controls for preset `name` (None: no preset, the box hides) set to `values`."""
        if name != self.preset:
            self._build(name)
        for key, control in self.controls.items():
            if key in values:
                control.set_value(values[key])

    def _build(self, name: str | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.controls = {}
        self.preset = name
        parameters = PRESETS[name].parameters if name else {}
        for key, (default, low, high) in parameters.items():
            integer = isinstance(default, int)
            if key in _SIZE_PARAMETERS:
                high = min(high, MAX_SIZE)
            log = not integer and low > 0 and high / low >= 20
            control = SliderSpin(default, low, high, integer=integer, log=log,
                                 decimals=PARAMETER_DECIMALS.get(key, 3))
            control.setObjectName(f"param_{key}")
            control.value_changed.connect(self._on_changed)
            self.controls[key] = control
            label = PARAMETER_LABELS.get(key, key) + (" (slider on a log scale)" if log else "")
            self.form.addRow(label + ":", control)
            pass_undo_keys(control)
        self.setVisible(bool(parameters))

    def values(self) -> dict[str, float]:
        """The controls' values by parameter name (integers where the preset declares them)."""
        return {key: (int(c.value()) if c.integer else c.value())
                for key, c in self.controls.items()}

    def _on_changed(self, _value: float) -> None:
        name = self.preset
        if name is None:
            return
        parameters = self.values()
        try:
            kernel = make_preset(name, **parameters)
            self.document.set_kernel(kernel.values, divisor=kernel.divisor,
                                     offset=kernel.offset, name=name, source=name,
                                     parameters=parameters,
                                     merge_key=f"preset parameters: {name}")
        except ValueError as error:
            self.error.emit(str(error))
