"""Start / Pause / Resume / Stop / Reset buttons and a progress bar with a one-line read-out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

STATES = ("idle", "running", "paused", "stopping", "finished", "stale")


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def progress_text(event: dict, epochs: int, elapsed: float, *,
                  paused: bool = False) -> tuple[int, int, str]:
    """(done, total, text) for a batch event: batches done of all epochs, and a read-out like
    "epoch 2/5 · batch 30/63" over "2,400 samples/s · 0:41 left" (two lines, so that neither
    wraps), or while `paused` the one line "Paused at epoch 2/5 · batch 30/63"."""
    batches = max(int(event.get("batches") or 1), 1)
    epoch, batch = int(event["epoch"]), int(event["batch"])
    done = (epoch - 1) * batches + batch
    total = max(epochs * batches, 1)
    where = f"epoch {epoch}/{epochs} · batch {batch}/{batches}"
    if paused:
        return min(done, total), total, f"Paused at {where}"
    left = elapsed / done * (total - done) if done else 0.0
    speed = float(event.get("samples_per_s") or 0.0)
    text = f"{where}\n{speed:,.0f}\u00a0samples/s · {format_seconds(left)}\u00a0left"
    return min(done, total), total, text


def divergence_text(stop_reason: str, rate: float | None = None) -> str:
    """A clean sentence from a stop reason like "diverged: loss exploded to 3.3e+06 (it started
    at 0.011) at epoch 1, batch 2 — lower the learning rate"; `rate`: the learning rate used."""
    detail = stop_reason.split(":", 1)[1].strip() if ":" in stop_reason else ""
    what, _, advice = detail.partition(" — ")
    what = what or "the loss ran away"
    if not what.startswith("the "):
        what = "the " + what
    advice = (advice or "lower the learning rate").strip().rstrip(".")
    if rate is not None:
        advice += f" (it was {rate:g})"
    return (f"Diverged: {what}. The weights from before that batch are kept; "
            f"{advice} and press Start again.")


def _epoch_score(event: dict) -> str:
    if event.get("test_accuracy") is not None:
        return f"test accuracy {event['test_accuracy']:.1%}, loss {event['test_loss']:.3f}"
    return f"train accuracy {event['train_accuracy']:.1%}, loss {event['train_loss']:.3f}"


def summary_text(history, current_accuracy: float | None = None) -> str:
    """How a run ended, e.g. "Finished after 5 epoch(s): test accuracy 96.1%, loss 0.123.".

    `current_accuracy` is the test accuracy of the weights as they are now (what Results
    shows); it is named when the run ended inside an epoch, where it differs from the last
    full epoch's score."""
    reason = history.stop_reason or "ended"
    last_batch = history.batches[-1] if history.batches else None
    last_epoch = history.epochs[-1] if history.epochs else None
    now = (f"the current weights score {current_accuracy:.1%} (Results)"
           if current_accuracy is not None else "")
    if reason.startswith("diverged"):
        text = divergence_text(reason)
        return f"{text} They score {current_accuracy:.1%} (Results)." if now else text
    mid_epoch = last_batch is not None and (
        last_batch["batch"] < last_batch["batches"]
        or last_epoch is None or last_epoch["epoch"] != last_batch["epoch"])
    if not mid_epoch and last_epoch is not None:
        return (f"{reason.capitalize()} after {len(history.epochs)} epoch(s): "
                f"{_epoch_score(last_epoch)}.")
    if last_batch is None:
        return f"{reason.capitalize()} before the first batch."
    where = (f"{reason.capitalize()} in epoch {last_batch['epoch']} "
             f"(batch {last_batch['batch']}/{last_batch['batches']}).")
    if last_epoch is not None:
        where += f" Last full epoch: {_epoch_score(last_epoch)}"
        return where + (f"; {now}." if now else ".")
    return where + (f" No full epoch yet; {now}." if now else " No full epoch yet.")


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
        # Room for four lines: how a run ended can take that many (see `summary_text`).
        self.readout.setMinimumHeight(4 * self.readout.fontMetrics().lineSpacing() + 4)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        grid = QGridLayout(self)
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.pause_button, 0, 1)
        grid.addWidget(self.resume_button, 0, 2)
        grid.addWidget(self.stop_button, 1, 0)
        grid.addWidget(self.reset_button, 1, 1)
        grid.addWidget(self.progress, 2, 0, 1, 3)
        grid.addWidget(self.readout, 3, 0, 1, 3)
        self.state = "idle"
        self.continues = True  # "Continue" when finished: the trained weights fit the network
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
        self.start_button.setEnabled(state in ("idle", "finished", "stale"))
        self.pause_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state == "paused")
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.reset_button.setEnabled(state in ("idle", "finished", "stale"))
        self._show_start_text()

    def set_continues(self, continues: bool) -> None:
        """Whether Start would carry on with the trained weights (False: fresh weights)."""
        self.continues = bool(continues)
        self._show_start_text()

    def _show_start_text(self) -> None:
        carry_on = self.state == "finished" and self.continues
        self.start_button.setText("Continue" if carry_on else "Start")
        self.start_button.setToolTip("Train the trained weights further" if carry_on else
                                     "Train the network from the builder from fresh weights")

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.readout.setText(text)

    def bind(self, document) -> None:
        """Follow a `TrainingDocument`: its run state and its progress."""
        document.state_changed.connect(lambda: self._follow(document))
        document.progress_changed.connect(lambda: self.show_progress(*document.progress))
        self._follow(document)
        self.show_progress(*document.progress)

    def _follow(self, document) -> None:
        self.set_state(document.state)
        self.set_continues(not document.difference())


def finished_progress(history, epochs: int,
                      current_accuracy: float | None = None) -> tuple[int, int, str]:
    """(done, total, text): the bar at the point where the run ended, and how it ended (see
    `summary_text`)."""
    done, total = 0, 1
    if history.batches:
        done, total, _ = progress_text(history.batches[-1], epochs, 1.0)
    if history.stop_reason == "finished":
        done = total
    return done, total, summary_text(history, current_accuracy)
