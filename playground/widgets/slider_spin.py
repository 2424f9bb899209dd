"""A slider and a spin box bound to one number (integer or float), each following the other."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QSpinBox, QWidget

SLIDER_STEPS = 1000


class SliderSpin(QWidget):
    """`value_changed(float)` fires once per change, whichever control moved."""

    value_changed = Signal(float)

    def __init__(self, value: float, minimum: float, maximum: float, *, integer: bool,
                 step: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.integer = integer
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
            self.spin.setDecimals(3)
            self.spin.setSingleStep((maximum - minimum) / 100)
            self.slider.setRange(0, SLIDER_STEPS)
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(70)
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
        span = self.maximum - self.minimum
        return round((value - self.minimum) / span * SLIDER_STEPS) if span else 0

    def _on_slider(self, position: int) -> None:
        if self.integer:
            value = self.minimum + round((position - self.minimum) / self.step) * self.step
            value = min(int(value), int(self.maximum))
        else:
            value = self.minimum + (self.maximum - self.minimum) * position / SLIDER_STEPS
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        self._value = float(self.spin.value())
        self.value_changed.emit(self._value)

    def _on_spin(self, value: float) -> None:
        self._value = float(value)
        with QSignalBlocker(self.slider):
            self.slider.setValue(self._to_slider(value))
        self.value_changed.emit(self._value)
