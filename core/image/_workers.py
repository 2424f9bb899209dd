"""The filters' small thread pool: NumPy's loops and matrix products release the GIL, so two
threads filtering different rows use two cores."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

THREADS = max(1, min(2, os.cpu_count() or 1))

_pool: ThreadPoolExecutor | None = None


def run(function, jobs) -> None:
    """Call `function(*job)` for each job, on the pool when there are several; wait for all."""
    if len(jobs) == 1:
        function(*jobs[0])
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="filtering")
    for future in [_pool.submit(function, *job) for job in jobs]:
        future.result()
