"""Start / Pause / Resume / Stop / Reset buttons and a progress bar with a one-line read-out."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

STATES = ("idle", "running", "paused", "stopping", "finished")


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def progress_text(event: dict, epochs: int, elapsed: float) -> tuple[int, int, str]:
    """(done, total, text) for a batch event: batches done of all epochs, and a read-out like
    "epoch 2/5 · batch 30/63 · 2,400 samples/s · 0:41 left"."""
    batches = max(int(event.get("batches") or 1), 1)
    epoch, batch = int(event["epoch"]), int(event["batch"])
    done = (epoch - 1) * batches + batch
    total = max(epochs * batches, 1)
    left = elapsed / done * (total - done) if done else 0.0
    speed = float(event.get("samples_per_s") or 0.0)
    text = (f"epoch {epoch}/{epochs} · batch {batch}/{batches} · {speed:,.0f} samples/s · "
            f"{format_seconds(left)} left")
    return min(done, total), total, text


def summary_text(history) -> str:
    """One line on how a run ended, e.g. "Finished after 5 epoch(s): test accuracy 96.1%"."""
    reason = history.stop_reason or "ended"
    last = history.epochs[-1] if history.epochs else None
    if last and last.get("test_accuracy") is not None:
        return (f"{reason.capitalize()} after {len(history.epochs)} epoch(s): test accuracy "
                f"{last['test_accuracy']:.1%}, loss {last['test_loss']:.3f}.")
    return f"{reason.capitalize()} after {history.steps} batches."


class TrainingControls(QGroupBox):
    """The buttons only emit requests; the dashboard decides and calls `set_state`."""

    start_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()
    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.setObjectName("trainingControls")
        self.start_button = self._button("Start", "Train the network from the builder",
                                         self.start_requested)
        self.pause_button = self._button("Pause", "Pause after the current batch",
                                         self.pause_requested)
        self.resume_button = self._button("Resume", "Carry on where it paused",
                                          self.resume_requested)
        self.stop_button = self._button("Stop", "Stop after the current batch; keeps the weights",
                                        self.stop_requested)
        self.reset_button = self._button("Reset", "Forget the trained weights and the curves",
                                         self.reset_requested)
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.readout = QLabel("Press Start to train.")
        self.readout.setObjectName("trainingReadout")
        self.readout.setWordWrap(True)
        self.readout.setMinimumHeight(2 * self.readout.fontMetrics().lineSpacing() + 4)
        grid = QGridLayout(self)
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.pause_button, 0, 1)
        grid.addWidget(self.resume_button, 0, 2)
        grid.addWidget(self.stop_button, 1, 0)
        grid.addWidget(self.reset_button, 1, 1)
        grid.addWidget(self.progress, 2, 0, 1, 3)
        grid.addWidget(self.readout, 3, 0, 1, 3)
        self.state = "idle"
        self.set_state("idle")

    def _button(self, text: str, tip: str, signal) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"{text.lower()}Button")
        button.setToolTip(tip)
        button.clicked.connect(signal)
        return button

    def set_state(self, state: str) -> None:
        """Enable the buttons that make sense in `state` (one of STATES)."""
        if state not in STATES:
            raise ValueError(f"unknown training state {state!r}; expected one of {STATES}")
        self.state = state
        self.start_button.setEnabled(state in ("idle", "finished"))
        self.pause_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state == "paused")
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.reset_button.setEnabled(state in ("idle", "finished"))
        self.start_button.setText("Continue" if state == "finished" else "Start")

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.readout.setText(text)

    def show_finished(self, history, epochs: int) -> None:
        """The bar at the point where the run ended, and how it ended."""
        done, total = 0, 1
        if history.batches:
            done, total, _ = progress_text(history.batches[-1], epochs, 1.0)
        if history.stop_reason == "finished":
            done = total
        self.show_progress(done, total, summary_text(history))
