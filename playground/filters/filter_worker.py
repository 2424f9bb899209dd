"""Run filtering jobs off the GUI thread; a newer request supersedes an older one.

A job is a plain function `job(progress, should_stop) -> result` built from `core` calls.
`FilterRunner.submit(job)` bumps a generation counter and asks the running job to stop (the core
functions raise `Cancelled` when `should_stop()` turns True); results and progress of stale
generations are dropped, so the window only ever shows the newest edit.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

PROGRESS_INTERVAL_S = 0.05


class _Relay(QObject):
    """Lives in the GUI thread; signals emitted from the worker are queued to it."""

    finished = Signal(int, object)
    failed = Signal(int, str)
    progressed = Signal(int, float)
    cancelled = Signal(int)


class _Job(QRunnable):
    def __init__(self, generation: int, job: Callable, relay: _Relay, stop: threading.Event,
                 runner: FilterRunner) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._generation = generation
        self._job = job
        self._relay = relay
        self._stop = stop
        self._runner = runner
        self._last_progress = 0.0

    def run(self) -> None:
        if self._stop.is_set():
            self._relay.cancelled.emit(self._generation)
            return
        try:
            result = self._job(self._progress, self._stop.is_set)
        except Exception as error:  # reported to the user, never raised into Qt
            if self._stop.is_set() or type(error).__name__ == "Cancelled":
                self._relay.cancelled.emit(self._generation)
            else:
                traceback.print_exc()
                self._relay.failed.emit(self._generation, str(error) or type(error).__name__)
            return
        if self._stop.is_set():
            self._relay.cancelled.emit(self._generation)
        else:
            self._relay.finished.emit(self._generation, result)

    def _progress(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            self._relay.progressed.emit(self._generation, float(fraction))


class FilterRunner(QObject):
    """Runs one job at a time on its own thread pool and reports the newest one's outcome.

    Signals: `result_ready(object)`, `failed(str)`, `progress(int)` in percent, `busy(bool)`.
    """

    result_ready = Signal(object)
    failed = Signal(str)
    progress = Signal(int)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)
        self._relay.progressed.connect(self._on_progress)
        self._relay.cancelled.connect(self._on_cancelled)
        self.generation = 0
        self._stop = threading.Event()
        self._running = 0
        self.busy = False

    def submit(self, job: Callable) -> int:
        """Queue `job(progress, should_stop)`; any older job is asked to stop. Returns its id."""
        self._stop.set()
        self.generation += 1
        self._stop = threading.Event()
        self._running += 1
        self._pool.start(_Job(self.generation, job, self._relay, self._stop, self))
        self._set_busy(True)
        return self.generation

    def cancel(self) -> None:
        """Ask the current job to stop; its result will be dropped."""
        self._stop.set()
        self.generation += 1

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop the current job and wait for the thread (a closing window calls this)."""
        self.cancel()
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)

    def _done_one(self) -> None:
        self._running = max(0, self._running - 1)
        if self._running == 0:
            self._set_busy(False)

    def _on_finished(self, generation: int, result: object) -> None:
        self._done_one()
        if generation == self.generation:
            self.progress.emit(100)
            self.result_ready.emit(result)

    def _on_failed(self, generation: int, message: str) -> None:
        self._done_one()
        if generation == self.generation:
            self.failed.emit(message)

    def _on_cancelled(self, generation: int) -> None:
        self._done_one()

    def _on_progress(self, generation: int, fraction: float) -> None:
        if generation == self.generation:
            self.progress.emit(int(round(100 * min(max(fraction, 0.0), 1.0))))

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)
