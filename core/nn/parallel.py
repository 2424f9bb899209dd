"""How many threads the engine spreads a batch over, and the splitting itself.

The heavy blocks (convolution, pooling, element-wise activations) cut their batch into
contiguous parts, one per thread, and each part writes its own slice of one output array. Sums
over the batch (weight and bias gradients) are taken afterwards over the whole batch, in the same
order whatever the number of threads, so one thread and two give the same numbers bit for bit.

The count belongs to the calling thread and is 1 unless set with `using_threads`: the app's
training tab keeps one thread so that the window keeps a core, the command line uses them all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from threadpoolctl import threadpool_limits

from core import thread_pool

MIN_PART = 4
"""Fewest samples worth handing to a thread of their own."""

_local = threading.local()


def threads() -> int:
    """The number of threads the engine uses in the calling thread (1 unless `using_threads`)."""
    return getattr(_local, "threads", 1)


@contextmanager
def using_threads(count: int) -> Iterator[None]:
    """Let the engine use `count` threads in the calling thread until the block ends.

    With more than one, BLAS is kept to one thread meanwhile (process-wide): the engine's own
    threads each run their small matrix products, which BLAS threads would only crowd.
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"using_threads: count must be an integer >= 1; received {count!r}")
    previous = threads()
    _local.threads = count
    try:
        with threadpool_limits(limits=1, user_api="blas") if count > 1 else nullcontext():
            yield
    finally:
        _local.threads = previous


def batch_parts(samples: int) -> list[slice]:
    """Contiguous slices of a batch of `samples`, one per thread that has work."""
    count = max(1, min(threads(), samples // MIN_PART))
    bounds = [samples * i // count for i in range(count + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(count)]


def over_batch(work: Callable[[slice], None], samples: int) -> None:
    """Call `work(part)` for each part of a batch of `samples` (`batch_parts`), in parallel;
    return when all are done. Each call must write only its part of its outputs."""
    parts = batch_parts(samples)
    thread_pool.run(work, [(part,) for part in parts], len(parts))
