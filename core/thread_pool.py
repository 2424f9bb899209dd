"""One small persistent thread pool for the whole of `core`.

NumPy's loops and matrix products release the GIL, so threads working on different rows of an
image (the filters) or different samples of a batch (the network engine) use several cores. The
caller always works through the jobs too, so a busy pool only slows work down, never stalls it.

The pool is a queue and CORES - 1 helper threads, lighter than `concurrent.futures` (no future
per job). Having done its own jobs, the caller waits for the helpers still at work by polling
for up to `_POLL_SECONDS` (yielding the GIL each time) before it sleeps: a thread woken from
sleep takes tens of microseconds to run again, on the order of a whole job of a small network.
"""

from __future__ import annotations

import os
import queue
import threading
import time

CORES = max(1, os.cpu_count() or 1)

_POLL_SECONDS = 0.0005

_tasks: queue.SimpleQueue = queue.SimpleQueue()
_started = 0
_start_lock = threading.Lock()


def _helper() -> None:
    while True:
        _tasks.get()()


def _ensure_helpers(count: int) -> None:
    global _started
    with _start_lock:
        while _started < count:
            threading.Thread(target=_helper, name=f"core_{_started}", daemon=True).start()
            _started += 1


class _Batch:
    """The jobs of one `run`: taken in turn by the caller and by the helpers that join in."""

    def __init__(self, function, jobs):
        self.function, self.jobs = function, iter(jobs)
        self.lock = threading.Lock()
        self.done = threading.Lock()
        self.done.acquire()
        self.busy = 0  # helpers working on the batch
        self.closed = False  # the caller has run out of jobs: late helpers leave at once
        self.waiting = False
        self.error: BaseException | None = None

    def work(self) -> None:
        while True:
            with self.lock:
                job = next(self.jobs, None) if self.error is None else None
            if job is None:
                return
            try:
                self.function(*job)
            except BaseException as error:  # handed to the caller
                with self.lock:
                    self.error = self.error or error
                return

    def helper(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.busy += 1
        try:
            self.work()
        finally:
            with self.lock:
                self.busy -= 1
                if self.waiting and self.busy == 0:
                    self.done.release()


def run(function, jobs, threads: int) -> None:
    """Call `function(*job)` for each job, on up to `threads` threads (the caller's included);
    return when all are done. The caller runs the first job and then, like the pool's threads,
    takes the next one left. An exception in a job is raised here."""
    jobs = list(jobs)
    helpers = min(int(threads), len(jobs), CORES) - 1
    if helpers <= 0:
        for job in jobs:
            function(*job)
        return
    _ensure_helpers(CORES - 1)
    batch = _Batch(function, jobs)
    for _ in range(helpers):
        _tasks.put(batch.helper)
    batch.work()
    with batch.lock:
        batch.closed = True
        batch.waiting = batch.busy > 0
    if batch.waiting:
        _wait(batch.done)
    if batch.error is not None:
        raise batch.error


def _wait(done: threading.Lock) -> None:
    """Acquire `done`: polled for up to `_POLL_SECONDS`, then asleep."""
    deadline = time.perf_counter() + _POLL_SECONDS
    while time.perf_counter() < deadline:
        if done.acquire(blocking=False):
            return
        time.sleep(0)  # lets a helper have the GIL
    done.acquire()
