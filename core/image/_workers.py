"""The filters' share of `core.thread_pool`: two threads at most (one is the caller)."""

from __future__ import annotations

from core import thread_pool

THREADS = max(1, min(2, thread_pool.CORES))


def run(function, jobs) -> None:
    """Call `function(*job)` for each job, on the filters' threads; wait for all."""
    thread_pool.run(function, jobs, THREADS)
