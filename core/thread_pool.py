"""One small persistent thread pool for the whole of `core`.

NumPy's loops and matrix products release the GIL, so threads working on different rows of an
image (the filters) or different samples of a batch (the network engine) use several cores. The
caller always works through the jobs too, so a busy pool only slows work down, never stalls it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

CORES = max(1, os.cpu_count() or 1)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, CORES - 1), thread_name_prefix="core")
        return _pool


def run(function, jobs, threads: int) -> None:
    """Call `function(*job)` for each job, on up to `threads` threads (the caller's included);
    return when all are done. The caller runs the first job and then, like the pool's threads,
    takes the next one left. An exception in a job is raised here."""
    jobs = list(jobs)
    helpers = min(int(threads), len(jobs)) - 1
    if helpers <= 0:
        for job in jobs:
            function(*job)
        return
    queue = iter(jobs[1:])
    take = threading.Lock()

    def work() -> None:
        while True:
            with take:
                job = next(queue, None)
            if job is None:
                return
            function(*job)

    pool = _executor()
    futures = [pool.submit(work) for _ in range(helpers)]
    try:
        function(*jobs[0])
        work()
    finally:
        for future in futures:
            if not future.cancel():  # a helper that never started has nothing left to do
                future.result()
