"""Work off the GUI thread: the newest of many jobs, or one long job, reported by queued signals.

A job is a plain function `job(progress, should_stop) -> result`, usually a `core` call: it calls
`progress(...)` now and then and raises `core.jobs.Cancelled` once `should_stop()` returns True.
The helpers run it on a worker thread and report through signals queued to the GUI thread; a job
never touches a widget.

- `LatestJobRunner`: every `submit` supersedes the jobs before it. They are asked to stop, and
  their progress and results never reach the signals. One worker thread: a superseded job still
  finishing its step does not compete with the newest one.
- `BackgroundTask`: one long job (loading a data set or an image, training) on its own QThread;
  every `progress(...)` call is forwarded, `stop()` cancels. The task is a child of its owner,
  which keeps it until its thread has ended and, when its window closes, stops it and waits a
  short grace (`stop_or_abandon`, or `stop_tasks(owner)` for all of them).

Qt must never destroy a running QThread (it aborts the process). A job stuck in one long step
(a training batch of a minute) cannot see its stop request in time, so a closing window does not
wait for it: `abandon()` takes the task from its owner and keeps it in `_ABANDONED` until its
thread ends. When the event loop ends with such a thread still running, `exit_code_after_loop`
flushes the standard streams and leaves with `os._exit`: safe because background jobs only read
files and compute in memory (every save happens in the GUI thread), so nothing is half-written,
and the interpreter's shutdown, which would destroy the running QThread, never happens.
`LatestJobRunner.shutdown` does the same for a job of the newest-job runner.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from core.jobs import Cancelled

CLOSE_GRACE_MS = 2000
"""How long a closing window waits for a stopped job before abandoning it."""

PROGRESS_INTERVAL_S = 0.05
"""`LatestJobRunner` forwards at most one progress report per this many seconds."""

Job = Callable[[Callable[..., None], Callable[[], bool]], object]


# ---------------------------------------------------------------------------------------------
# The newest of many jobs


class _Relay(QObject):
    """Lives in the GUI thread; signals emitted from the worker are queued to it."""

    finished = Signal(int, object)
    failed = Signal(int, str)
    progressed = Signal(int, float)
    cancelled = Signal(int)


class _LatestJob(QRunnable):
    def __init__(self, generation: int, job: Job, relay: _Relay, stop: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._generation, self._job, self._relay, self._stop = generation, job, relay, stop
        self._last_progress = 0.0

    def run(self) -> None:
        if self._stop.is_set():
            self._relay.cancelled.emit(self._generation)
            return
        try:
            result = self._job(self._progress, self._stop.is_set)
        except Cancelled:
            self._relay.cancelled.emit(self._generation)
            return
        except Exception as error:  # reported to the user, never raised into Qt
            if not self._stop.is_set():
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


class LatestJobRunner(QObject):
    """Runs one job at a time on its own thread and reports only the newest job's outcome.

    Jobs call `progress(fraction)`, 0..1. Signals: `result_ready(object)`, `failed(str)`,
    `progress(int)` in percent, `busy_changed(bool)`; `busy` is True while any job runs.
    """

    result_ready = Signal(object)
    failed = Signal(str)
    progress = Signal(int)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The pool is the first child: deleting the runner waits for it before the relay goes.
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

    def submit(self, job: Job) -> int:
        """Queue `job(progress, should_stop)`; any older job is asked to stop. Returns its id."""
        self._stop.set()
        self.generation += 1
        self._stop = threading.Event()
        self._running += 1
        self._pool.start(_LatestJob(self.generation, job, self._relay, self._stop))
        self._set_busy(True)
        return self.generation

    def cancel(self) -> None:
        """Ask the current job to stop; its result will be dropped."""
        self._stop.set()
        self.generation += 1

    def shutdown(self, grace_ms: int = CLOSE_GRACE_MS) -> bool:
        """Stop the current job and wait up to `grace_ms` for it (a closing window calls this).
        A job still running then is abandoned: the runner leaves its owner and is kept, since
        deleting its pool would wait for the job. True if the job ended."""
        self.cancel()
        self._pool.clear()
        if self._pool.waitForDone(grace_ms):
            return True
        self.setParent(None)
        _ABANDONED_RUNNERS.add(self)
        return False

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

    def _on_cancelled(self, _generation: int) -> None:
        self._done_one()

    def _on_progress(self, generation: int, fraction: float) -> None:
        if generation == self.generation:
            self.progress.emit(int(round(100 * min(max(fraction, 0.0), 1.0))))

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)


# ---------------------------------------------------------------------------------------------
# One long job


class _JobThread(QThread):
    """Runs the job; its signals are emitted in the worker thread and queued to the task."""

    progressed = Signal(object)
    returned = Signal(object)
    raised = Signal(object)
    stopped = Signal()

    def __init__(self, job: Job, stop: threading.Event, parent: QObject) -> None:
        super().__init__(parent)
        self._job, self._stop = job, stop

    def run(self) -> None:
        try:
            result = self._job(self._progress, self._stop.is_set)
        except Cancelled:
            self.stopped.emit()
        except Exception as error:  # reported to the owner, never raised into Qt
            self.raised.emit(error.with_traceback(None))
        else:
            self.returned.emit(result)

    def _progress(self, *values) -> None:
        self.progressed.emit(values)


class BackgroundTask(QObject):
    """One `job(progress, should_stop)` on its own QThread, owned by `parent`.

    Signals, all in the GUI thread: `progressed(tuple)` (the values the job passed to
    `progress`), then exactly one of `finished(result)`, `failed(exception)` or `cancelled()`
    (the job raised `core.jobs.Cancelled`), then `ended()` once the thread has finished.
    """

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    ended = Signal()

    def __init__(self, job: Job, *, name: str = "background job",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()
        self._reported = False
        self._silent = False
        self.worker_thread = _JobThread(job, self._stop, self)
        self.worker_thread.setObjectName(name)
        self.worker_thread.progressed.connect(self._on_progressed)
        self.worker_thread.returned.connect(self._on_returned)
        self.worker_thread.raised.connect(self._on_raised)
        self.worker_thread.stopped.connect(self._on_stopped)
        self.worker_thread.finished.connect(self._on_thread_finished)

    def start(self) -> None:
        self.worker_thread.start()

    def stop(self) -> None:
        """Ask the job to stop (its `should_stop()` turns True); the outcome is still reported."""
        self._stop.set()

    def is_running(self) -> bool:
        """True from `start()` until the outcome is reported or the thread has ended."""
        return self.worker_thread.isRunning() and not self._reported

    def stop_and_wait(self, timeout_ms: int = 30000) -> bool:
        """Stop the job and block until its thread ends; True if it ended within `timeout_ms`."""
        if not self.worker_thread.isRunning():
            return True
        self.stop()
        return self.worker_thread.wait(timeout_ms)

    def stop_or_abandon(self, grace_ms: int = CLOSE_GRACE_MS) -> bool:
        """Stop the job and wait up to `grace_ms` for its thread; if it is still running then,
        `abandon()` it. True if the thread ended within the grace."""
        if self.stop_and_wait(grace_ms):
            return True
        self.abandon()
        return False

    def abandon(self) -> None:
        """Stop the job, report nothing more, and let it run on without an owner: the task is
        kept (never destroyed while its thread runs) until the thread ends, then deleted."""
        self._silent = True
        self.stop()
        if not self.worker_thread.isRunning():
            return
        self.setParent(None)
        _ABANDONED.add(self)
        self.worker_thread.finished.connect(self._on_abandoned_thread_finished)

    def _on_abandoned_thread_finished(self) -> None:
        _ABANDONED.discard(self)
        self.deleteLater()

    def discard(self) -> None:
        """Stop the job, report nothing more, and delete the task once its thread has ended."""
        self._silent = True
        self.stop()
        self.worker_thread.finished.connect(self.deleteLater)
        if not self.worker_thread.isRunning():
            self.deleteLater()

    # --- in the GUI thread ---------------------------------------------------------------------
    def _on_progressed(self, values: tuple) -> None:
        if not self._silent:
            self.progressed.emit(values)

    def _on_returned(self, result: object) -> None:
        self._reported = True
        if not self._silent:
            self.finished.emit(result)

    def _on_raised(self, error: Exception) -> None:
        self._reported = True
        if not self._silent:
            self.failed.emit(error)

    def _on_stopped(self) -> None:
        self._reported = True
        if not self._silent:
            self.cancelled.emit()

    def _on_thread_finished(self) -> None:
        if not self._silent:
            self.ended.emit()


_ABANDONED: set[BackgroundTask] = set()
"""Tasks whose window closed while their thread still ran (see `BackgroundTask.abandon`)."""


def stop_tasks(owner: QObject, grace_ms: int = CLOSE_GRACE_MS) -> bool:
    """Stop every `BackgroundTask` child of `owner` (discarded ones too), wait up to `grace_ms`
    for each and abandon those still running: what a closing window does. True if all ended."""
    return all([task.stop_or_abandon(grace_ms) for task in owner.findChildren(BackgroundTask)])


_ABANDONED_RUNNERS: set[LatestJobRunner] = set()
"""Runners whose window closed while a job still ran (see `LatestJobRunner.shutdown`)."""


def running_abandoned() -> list[str]:
    """The names of abandoned tasks (and "job" for abandoned runners) still running."""
    tasks = [task.worker_thread.objectName() for task in list(_ABANDONED)
             if task.worker_thread.isRunning()]
    return tasks + ["job" for runner in list(_ABANDONED_RUNNERS)
                    if runner._pool.activeThreadCount() > 0]


def exit_code_after_loop(code: int) -> int:
    """`code`, once the app's event loop has ended; if an abandoned job is still running, the
    process ends here with `code` after flushing its streams (see the module docstring)."""
    if running_abandoned():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)
    return code
