"""How many threads the engine spreads a batch over, and the splitting itself.

The heavy blocks (convolution, pooling, element-wise activations) cut their batch into
contiguous parts, one per thread, and each part writes its own slice of one output array. Sums
over the batch (weight and bias gradients) are taken afterwards over the whole batch, in the same
order whatever the number of threads, so one thread and two give the same numbers bit for bit.

A network's forward and backward passes go further (`batch_pipeline`): the work of a run of
blocks is collected and done in one go, each thread taking its part of the batch through every
block of the run, so that the threads meet once per run instead of once per block.

The count belongs to the calling thread and is 1 unless set with `using_threads`: the app's
training tab keeps one thread so that the window keeps a core, the command line uses them all.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from threadpoolctl import threadpool_limits

from core import thread_pool

MIN_PART = 4
"""Fewest samples worth handing to a thread of their own."""

SMALL_WORK = 32_768
"""Work on fewer values than this (`over_batch`) is not worth waking a thread for."""

SMALL_PIPELINE = 9_000_000
"""A pipeline run whose collected work adds up to fewer values than this is done on the
calling thread: each part's Python and the threads' meeting would cost more than the second
core gives back. Measured on 2 cores: the reference network at batch 16 (5 and 9 million
values forward and backward) trains 1.25x faster on one thread than split in two; from
batch 32 (10 and 17 million) two threads are faster, as for LeNet-5 from batch 24."""

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


def over_batch(work: Callable[[slice], None], samples: int, *, values: int | None = None) -> None:
    """Call `work(part)` for each part of a batch of `samples` (`batch_parts`), in parallel;
    return when all are done. Each call must write only its part of its outputs.

    `values`: about how many values the work computes, all parts together (a multiply-add
    counts one), or None for "much". Inside `batch_pipeline` (for the same batch) the work is
    only collected, and done with the rest of the run at the next `finish_pipeline`. Work on
    fewer than `SMALL_WORK` values is done at once on the calling thread when nothing is
    waiting (threads would cost more)."""
    pending = getattr(_local, "pending", None)
    small = values is not None and values < SMALL_WORK
    if pending is not None and pending.samples == samples and not (small and not pending.works):
        pending.works.append(work)
        pending.values += math.inf if values is None else values
        return
    finish_pipeline()  # whatever was collected is done before this work reads the batch
    if small:
        work(slice(0, samples))
        return
    parts = batch_parts(samples)
    thread_pool.run(work, [(part,) for part in parts], len(parts))


def afterwards(step: Callable[[], None]) -> None:
    """Call `step()` once the batch work asked for so far is done: at once, or inside
    `batch_pipeline` after the collected work (sums over the whole batch go here)."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        step()
    else:
        pending.steps.append(step)


class _Pending:
    def __init__(self, samples: int):
        self.samples = samples
        self.works: list[Callable[[slice], None]] = []
        self.steps: list[Callable[[], None]] = []
        self.values = 0.0  # the works' values, added up


@contextmanager
def batch_pipeline(samples: int) -> Iterator[None]:
    """Collect the batch work of the blocks called in the block (see `over_batch`) and do it
    at each `finish_pipeline` and at the end: each thread takes its part of the batch through
    all the collected work in order, then the `afterwards` steps run in order. Only blocks whose
    passes read the batch solely inside that work may run here (`Layer.PIPELINED`).

    With one thread nothing is collected: the work is done as it is asked for, as outside."""
    if threads() == 1 or getattr(_local, "pending", None) is not None:
        yield
        return
    _local.pending = _Pending(samples)
    try:
        yield
        finish_pipeline()
    finally:
        _local.pending = None


def finish_pipeline() -> None:
    """Do the work collected so far by `batch_pipeline` (nothing outside one)."""
    pending = getattr(_local, "pending", None)
    if pending is None or not (pending.works or pending.steps):
        return
    works, steps, values = pending.works, pending.steps, pending.values
    pending.works, pending.steps, pending.values = [], [], 0.0

    def run_all(part: slice) -> None:
        for work in works:
            work(part)

    samples = pending.samples
    parts = batch_parts(samples) if values >= SMALL_PIPELINE else [slice(0, samples)]
    thread_pool.run(run_all, [(part,) for part in parts], len(parts))
    for step in steps:
        step()


@contextmanager
def pipeline_paused() -> Iterator[None]:
    """Do the work a `batch_pipeline` collected so far, then run the block as outside one."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        yield
        return
    finish_pipeline()
    _local.pending = None
    try:
        yield
    finally:
        _local.pending = pending
