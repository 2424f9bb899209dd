"""Run `core.train.trainer.Trainer.run()` as a `BackgroundTask` and report through queued signals.

The trainer's callbacks run in the worker thread; they only hand their dicts to the task's
`progress`, which queues them to the GUI thread, where they become this object's signals: never a
widget touched from the worker. Weight snapshots for the live views are copies taken with
`Sequential.get_weights()` between batches, at most every `snapshot_interval` seconds. Pause /
resume / stop are forwarded to the trainer, which is thread-safe.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from threadpoolctl import threadpool_limits

from core.nn.parallel import using_threads
from playground.widgets.background import CLOSE_GRACE_MS, BackgroundTask


class TrainingWorker(QObject):
    """Owns one trainer for one run, built in the GUI thread; `start()` trains on a thread.

    `build_trainer(on_batch=..., on_epoch=..., on_stats=...)` must return an object with `run()`
    (-> history), `pause()`, `resume()`, `stop()`; `model` must have `get_weights()` and
    `predict(x)`; `test_images` (N, C, H, W) are classified after training for the results views.
    The owner (the worker's parent) stops it before closing (`stop_or_abandon`): a batch that
    does not end within a short grace is left to run on its own (never destroyed while running).
    """

    batch_done = Signal(dict)
    epoch_done = Signal(dict)
    stats_ready = Signal(dict)
    snapshot_ready = Signal(dict)  # {"step": int, "weights": {name: ndarray}}
    finished = Signal(dict)  # {"history", "weights", "probabilities" (N, K) or None}
    failed = Signal(str)
    ended = Signal()  # the thread has finished, whichever way the run ended

    def __init__(self, build_trainer: Callable, model, test_images=None, *,
                 snapshot_interval: float = 0.25, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.test_images = test_images
        self.snapshot_interval = snapshot_interval
        self._last_snapshot = 0.0
        self._step = 0
        self._aborting = False
        self._report: Callable[..., None] = lambda *values: None
        self.trainer = build_trainer(
            on_batch=self._on_batch, on_epoch=self._on_epoch, on_stats=self._on_stats
        )
        self.task = BackgroundTask(self._train, name="training", parent=self)
        self.task.progressed.connect(self._on_progressed)
        self.task.finished.connect(self.finished.emit)
        self.task.failed.connect(self._on_failed)
        self.task.ended.connect(self.ended.emit)
        self._signals = {"batch": self.batch_done, "epoch": self.epoch_done,
                         "stats": self.stats_ready, "snapshot": self.snapshot_ready}

    # --- the job and the trainer's callbacks, in the worker thread ----------------------------
    def _train(self, progress, _should_stop) -> dict:
        """Train to the end (or until stopped); then classify the test images."""
        self._report = progress
        # One engine thread and one BLAS thread: the other core stays with the window (a
        # second BLAS thread hardly speeds the small matrix products up, but its busy-waiting
        # takes the core the GUI thread needs).
        with threadpool_limits(limits=1, user_api="blas"), using_threads(1):
            history = self.trainer.run()
        probabilities = None
        if self.test_images is not None and len(self.test_images) and not self._aborting:
            probabilities = self.model.predict(self.test_images)
        return {"history": history, "weights": self.model.get_weights(),
                "probabilities": probabilities}

    def _on_batch(self, event: dict) -> None:
        self._step = int(event.get("step", self._step + 1))
        self._report("batch", dict(event))
        now = time.monotonic()
        if now - self._last_snapshot >= self.snapshot_interval:
            self._last_snapshot = now
            self._emit_snapshot()

    def _on_epoch(self, event: dict) -> None:
        self._report("epoch", dict(event))
        self._emit_snapshot()

    def _on_stats(self, event: dict) -> None:
        self._report("stats", dict(event))

    def _emit_snapshot(self) -> None:
        self._report("snapshot", {"step": self._step, "weights": self.model.get_weights()})

    # --- in the GUI thread ---------------------------------------------------------------------
    def _on_progressed(self, values: tuple) -> None:
        kind, event = values
        self._signals[kind].emit(event)

    def _on_failed(self, error: Exception) -> None:
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        self.failed.emit(f"Training failed: {detail}")

    def start(self) -> None:
        self.task.start()

    def is_running(self) -> bool:
        return self.task.is_running()

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self, *, abort: bool = False) -> None:
        """Ask the trainer to stop after the current batch; `abort` also skips the final
        classification of the test set (used when the window closes)."""
        self._aborting = self._aborting or abort
        self.task.stop()
        self.trainer.stop()
        if getattr(self.trainer, "is_paused", False):
            self.trainer.resume()

    def stop_and_wait(self, timeout_ms: int = 30000) -> bool:
        """Stop the run (skipping the final evaluation) and block until its thread ends.
        True if it ended within `timeout_ms`."""
        if not self.task.worker_thread.isRunning():
            return True
        self.stop(abort=True)
        return self.task.stop_and_wait(timeout_ms)

    def stop_or_abandon(self, grace_ms: int = CLOSE_GRACE_MS) -> bool:
        """Stop the run (skipping the final evaluation) and wait up to `grace_ms` for its
        thread; a batch still running then is abandoned: the worker leaves its owner and is kept
        until the thread ends (see `playground.widgets.background`). True if it ended."""
        if not self.task.worker_thread.isRunning():
            return True
        self.stop(abort=True)
        if self.task.stop_or_abandon(grace_ms):
            return True
        self.setParent(None)  # the job still runs this object's methods: never delete it
        self.task.keep_alive = self
        return False

    def discard(self) -> None:
        """Let a run that has ended go: deleted once its thread has finished."""
        self.task.worker_thread.finished.connect(self.deleteLater)
        if not self.task.worker_thread.isRunning():
            self.deleteLater()
