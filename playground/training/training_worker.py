"""Run `core.train.trainer.Trainer.run()` on a QThread and report through queued signals.

The trainer's callbacks run in the worker thread; they only wrap their dicts into signals (Qt
queues them to the GUI thread), never touch a widget. Weight snapshots for the live views are
copies taken with `Sequential.get_weights()` between batches, at most every `snapshot_interval`
seconds. Pause / resume / stop are forwarded to the trainer, which is thread-safe.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from threadpoolctl import threadpool_limits

# A QThread destroyed while it runs aborts the process: every thread started here stays
# referenced (with its worker) until it has finished, even if the widget that started it is gone.
_STARTED: list = []


def keep_until_finished(thread: QThread, worker: QObject) -> None:
    """Hold `thread` and `worker` until the thread has finished (checked at the next call)."""
    _STARTED[:] = [pair for pair in _STARTED if not pair[0].isFinished()]
    _STARTED.append((thread, worker))


class TrainingWorker(QObject):
    """Owns one trainer for one run. Build it in the GUI thread, then hand it to `TrainingThread`.

    `build_trainer(on_batch=..., on_epoch=..., on_stats=...)` must return an object with `run()`
    (-> history), `pause()`, `resume()`, `stop()`; `model` must have `get_weights()` and
    `predict(x)`; `test_images` (N, C, H, W) are classified after training for the results views.
    """

    batch_done = Signal(dict)
    epoch_done = Signal(dict)
    stats_ready = Signal(dict)
    snapshot_ready = Signal(dict)  # {"step": int, "weights": {name: ndarray}}
    finished = Signal(dict)  # {"history", "weights", "probabilities" (N, K) or None}
    failed = Signal(str)

    def __init__(self, build_trainer: Callable, model, test_images=None, *,
                 snapshot_interval: float = 0.25) -> None:
        super().__init__()
        self.model = model
        self.test_images = test_images
        self.snapshot_interval = snapshot_interval
        self._last_snapshot = 0.0
        self._step = 0
        self._aborting = False
        self.trainer = build_trainer(
            on_batch=self._on_batch, on_epoch=self._on_epoch, on_stats=self._on_stats
        )

    # --- callbacks, called in the worker thread ---------------------------------------------
    def _on_batch(self, event: dict) -> None:
        self._step = int(event.get("step", self._step + 1))
        self.batch_done.emit(dict(event))
        now = time.monotonic()
        if now - self._last_snapshot >= self.snapshot_interval:
            self._last_snapshot = now
            self._emit_snapshot()

    def _on_epoch(self, event: dict) -> None:
        self.epoch_done.emit(dict(event))
        self._emit_snapshot()

    def _on_stats(self, event: dict) -> None:
        self.stats_ready.emit(dict(event))

    def _emit_snapshot(self) -> None:
        self.snapshot_ready.emit({"step": self._step, "weights": self.model.get_weights()})

    # --- the job -----------------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        """Train to the end (or until stopped); then classify the test images."""
        try:
            # The engine's matrix products are small: a second BLAS thread hardly speeds them
            # up, but its busy-waiting takes the core the GUI thread needs.
            with threadpool_limits(limits=1, user_api="blas"):
                history = self.trainer.run()
            probabilities = None
            if self.test_images is not None and len(self.test_images) and not self._aborting:
                probabilities = self.model.predict(self.test_images)
            weights = self.model.get_weights()
        except Exception as error:  # reported to the user, never raised into Qt
            detail = traceback.format_exception_only(type(error), error)[-1].strip()
            self.failed.emit(f"Training failed: {detail}")
            return
        self.finished.emit(
            {"history": history, "weights": weights, "probabilities": probabilities}
        )

    # --- control, called from the GUI thread -------------------------------------------------
    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self, *, abort: bool = False) -> None:
        """Ask the trainer to stop after the current batch; `abort` also skips the final
        classification of the test set (used when the window closes)."""
        self._aborting = self._aborting or abort
        self.trainer.stop()
        if getattr(self.trainer, "is_paused", False):
            self.trainer.resume()


class TrainingThread(QObject):
    """Runs one `TrainingWorker` on its own QThread; `ended` fires (in the GUI thread) when the
    thread has finished, whichever way the run ended."""

    ended = Signal()

    def __init__(self, worker: TrainingWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName("training")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        # Direct: quit from the worker thread itself, so a GUI thread blocked in wait() is freed.
        direct = Qt.ConnectionType.DirectConnection
        worker.finished.connect(self.thread.quit, direct)
        worker.failed.connect(self.thread.quit, direct)
        self.thread.finished.connect(self.ended)

    def start(self) -> None:
        keep_until_finished(self.thread, self.worker)
        self.thread.start()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def stop_and_wait(self, timeout_ms: int = 30000) -> bool:
        """Stop the run (skipping the final evaluation) and block until the thread ends.
        True if it ended within `timeout_ms`."""
        if not self.thread.isRunning():
            return True
        self.worker.stop(abort=True)
        return self.thread.wait(timeout_ms)
