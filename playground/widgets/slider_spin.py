"""A slider and a spin box bound to one number (integer or float), each following the other.

A float range spanning decades (e.g. a Gaussian's sigma, 0.1 to 10) can use a logarithmic
slider, so that small values get as much of its length as large ones.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QSpinBox, QWidget

from playground.widgets.no_wheel import ignore_wheel_unless_focused

SLIDER_STEPS = 1000
SLIDER_DECIMALS = 3


class SliderSpin(QWidget):
    """`value_changed(float)` fires once per change, whichever control moved.

    `log=True` (floats with minimum > 0 only) maps the slider's position to the logarithm of
    the value. `decimals`: how many the spin box shows and accepts (a value typed with more is
    rounded to them); the slider gives values rounded to 3 decimals. The wheel moves the
    controls only when they have keyboard focus.
    """

    value_changed = Signal(float)

    def __init__(self, value: float, minimum: float, maximum: float, *, integer: bool,
                 step: int = 1, log: bool = False, decimals: int = 3,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if log and (integer or minimum <= 0):
            raise ValueError("a logarithmic slider needs a float range above 0")
        self.integer = integer
        self.log = log
        self.minimum, self.maximum, self.step = minimum, maximum, step
        self._value = float(value)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        if integer:
            self.spin = QSpinBox()
            self.spin.setRange(int(minimum), int(maximum))
            self.spin.setSingleStep(step)
            self.slider.setRange(int(minimum), int(maximum))
            self.slider.setSingleStep(step)
            self.slider.setPageStep(step)
        else:
            self.spin = QDoubleSpinBox()
            self.spin.setRange(minimum, maximum)
            self.spin.setDecimals(decimals)
            self.spin.setSingleStep((maximum - minimum) / 100)
            if log:  # steps of about a tenth of the value
                self.spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
            self.slider.setRange(0, SLIDER_STEPS)
        self.spin.setKeyboardTracking(False)
        # every digit of the spin box stays readable; the slider gives way in a narrow panel
        self.spin.setMinimumWidth(max(70, self.spin.sizeHint().width()))
        self.slider.setMinimumWidth(60)
        ignore_wheel_unless_focused(self.slider, self.spin)
        self.slider.valueChanged.connect(self._on_slider)
        self.spin.valueChanged.connect(self._on_spin)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.set_value(value)

    def value(self) -> float:
        """The exact value set (the spin box shows it rounded to its decimals)."""
        return self._value

    def set_value(self, value: float) -> None:
        """Show `value` in both controls without emitting."""
        self._value = float(int(value) if self.integer else value)
        with QSignalBlocker(self.spin), QSignalBlocker(self.slider):
            self.spin.setValue(int(value) if self.integer else value)
            self.slider.setValue(self._to_slider(self._value))

    def _to_slider(self, value: float) -> int:
        if self.integer:
            return int(value)
        if self.log:
            span = math.log(self.maximum / self.minimum)
            fraction = math.log(max(value, self.minimum) / self.minimum) / span
        else:
            span = self.maximum - self.minimum
            fraction = (value - self.minimum) / span if span else 0.0
        return round(fraction * SLIDER_STEPS)

    def _from_slider(self, position: int) -> float:
        fraction = position / SLIDER_STEPS
        if self.log:
            return self.minimum * (self.maximum / self.minimum) ** fraction
        return self.minimum + (self.maximum - self.minimum) * fraction

    def _on_slider(self, position: int) -> None:
        if self.integer:
            value = self.minimum + round((position - self.minimum) / self.step) * self.step
            value = min(int(value), int(self.maximum))
        else:
            value = round(self._from_slider(position), SLIDER_DECIMALS)
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        self._value = float(self.spin.value())
        self.value_changed.emit(self._value)

    def _on_spin(self, value: float) -> None:
        self._value = float(value)
        with QSignalBlocker(self.slider):
            self.slider.setValue(self._to_slider(value))
        self.value_changed.emit(self._value)
