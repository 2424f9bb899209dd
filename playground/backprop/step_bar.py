"""Step through the pass: first step, step back, play / pause, step forward, last step, and a
slider over the 2 x (number of blocks) steps. `step_changed(step)` whenever the step moves;
playing moves one step every `PLAY_MS` and stops at the last step, and waits while `hold()`
says the step is still animating (`wait_over()` then gives it a whole beat)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

PLAY_MS = 1500


class StepBar(QWidget):
    """`set_count(n)`, `step`, `set_step(step)`, `play()`, `pause()`, `playing`, `hold`."""

    step_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = self._button("|◀", "The first step (Home)", lambda: self.set_step(0))
        self.back = self._button("◀ Step back", "One step back (Left arrow)",
                                 lambda: self.set_step(self.step - 1))
        self.play_button = self._button("▶ Play", "Step through the pass on its own (Space)",
                                        self.toggle_play)
        self.play_button.setObjectName("labPlay")
        self.forward = self._button("Step forward ▶", "One step on (Right arrow)",
                                    lambda: self.set_step(self.step + 1))
        self.last = self._button("▶|", "The last step (End)",
                                 lambda: self.set_step(self.slider.maximum()))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("labSteps")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._on_slider)
        self.label = QLabel()
        self.label.setMinimumWidth(90)
        self.hold = lambda: False  # True while the step shown is still animating
        self.timer = QTimer(self)
        self.timer.setInterval(PLAY_MS)
        self.timer.timeout.connect(self._on_tick)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.first, self.back, self.play_button, self.forward, self.last):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.set_count(0)

    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys belong to the tab
        button.clicked.connect(slot)
        return button

    @property
    def step(self) -> int:
        return self.slider.value()

    @property
    def count(self) -> int:
        return self.slider.maximum() + 1 if self.isEnabled() else 0

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_count(self, count: int) -> None:
        """`count` steps (0: nothing to step through)."""
        self.setEnabled(count > 0)
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(count - 1, 0))
        self.slider.blockSignals(False)
        if not count:
            self.pause()
        self._show()

    def set_step(self, step: int) -> None:
        self.slider.setValue(min(max(int(step), 0), self.slider.maximum()))

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if not self.isEnabled():
            return
        if self.step >= self.slider.maximum():
            self.set_step(0)
        self.timer.start()
        self.play_button.setText("⏸ Pause")

    def pause(self) -> None:
        self.timer.stop()
        self.play_button.setText("▶ Play")

    def wait_over(self) -> None:
        """The step's animation ended: while playing, the next step comes a beat later."""
        if self.playing:
            self.timer.start()

    def _on_tick(self) -> None:
        if self.step >= self.slider.maximum():
            self.pause()
            return
        if self.hold():
            return
        self.set_step(self.step + 1)
        if self.step >= self.slider.maximum():
            self.pause()

    def _on_slider(self, value: int) -> None:
        self._show()
        self.step_changed.emit(value)

    def _show(self) -> None:
        total = self.slider.maximum() + 1
        self.label.setText(f"step {self.step + 1} of {total}" if self.isEnabled() else "")
        self.back.setEnabled(self.step > 0)
        self.first.setEnabled(self.step > 0)
        self.forward.setEnabled(self.step < self.slider.maximum())
        self.last.setEnabled(self.step < self.slider.maximum())
