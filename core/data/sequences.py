"""Generated sequence tasks for recurrent networks: each sample is T steps of F values
(`Dataset.images` of shape (N, T, F)), small enough to train in seconds.

- "first-symbol": step 1 shows one of K symbols, the T - 1 steps after it show random distractor
  symbols (noise); the class is the first symbol. Each step is one-hot over K + 4 values (the K
  symbols, then 4 distractors). The answer lies T steps back, so a plain tanh RNN learns it at
  T = 10 and visibly fails as T grows: its gradient fades on the way back.
- "parity": T random bits, one per step; the class is whether the number of ones is even or odd.
- "marked": two values per step, a number in [0, 1) and a marker that is 1 at exactly two
  steps; the class says which of the two marked numbers is larger.

Every task is seeded; the test split is drawn from its own generator, never overlapping the
training one.
"""

from __future__ import annotations

import numpy as np

from core.data.datasets import Dataset, DatasetError, make_dataset
from core.jobs import ProgressFn, StopFn, check_stop, report

TASKS = ("first-symbol", "parity", "marked")
DISTRACTORS = 4  # symbols that only ever appear as noise after the first step
MAX_STEPS = 10_000
MAX_SAMPLES = 1_000_000


def _check(task: str, steps, train, test, least_steps: int = 1) -> None:
    for name, value, low, high in (("steps", steps, least_steps, MAX_STEPS),
                                   ("train", train, 1, MAX_SAMPLES),
                                   ("test", test, 1, MAX_SAMPLES)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or not (
                low <= value <= high):
            raise DatasetError(f"{task}: {name} must be a whole number from {low} to {high}; "
                               f"received {value!r}")


def first_symbol(n: int, steps: int, symbols: int, rng: np.random.Generator):
    """(sequences (n, steps, symbols + 4) float32 one-hot, labels (n,)): a symbol, then
    distractors."""
    labels = rng.integers(0, symbols, size=n)
    shown = symbols + rng.integers(0, DISTRACTORS, size=(n, steps))
    shown[:, 0] = labels
    x = np.zeros((n, steps, symbols + DISTRACTORS), np.float32)
    np.put_along_axis(x, shown[:, :, None], 1.0, axis=2)
    return x, labels


def parity(n: int, steps: int, rng: np.random.Generator):
    """(bits (n, steps, 1) float32, labels (n,)): 1 when the number of ones is odd."""
    bits = rng.integers(0, 2, size=(n, steps, 1))
    return bits.astype(np.float32), bits.sum(axis=(1, 2)) % 2


def marked(n: int, steps: int, rng: np.random.Generator):
    """(sequences (n, steps, 2) float32, labels (n,)): (number, marker) per step, label 1 when
    the second marked number is larger."""
    values = rng.random((n, steps)).astype(np.float32)
    order = np.argsort(rng.random((n, steps)), axis=1)[:, :2]
    first, second = order.min(axis=1), order.max(axis=1)
    rows = np.arange(n)
    markers = np.zeros((n, steps), np.float32)
    markers[rows, first] = 1
    markers[rows, second] = 1
    labels = (values[rows, second] > values[rows, first]).astype(np.int64)
    return np.stack([values, markers], axis=2), labels


def _splits(task: str, make, classes, *, train: int, test: int, seed: int,
            progress: ProgressFn, should_stop: StopFn) -> tuple[Dataset, Dataset]:
    check_stop(should_stop)
    parts = []
    for k, count in enumerate((train, test)):
        x, labels = make(count, np.random.default_rng([seed, k]))
        parts.append(make_dataset(x, labels, classes, f"{task} ({'train' if k == 0 else 'test'})"))
        report(progress, k + 1, 2)
        check_stop(should_stop)
    return parts[0], parts[1]


def load_first_symbol(*, steps: int = 10, symbols: int = 4, train: int = 4000, test: int = 1000,
                      seed: int = 0, progress: ProgressFn = None,
                      should_stop: StopFn = None) -> tuple[Dataset, Dataset]:
    """Remember the first of `steps` steps: one of `symbols` symbols, then distractors."""
    _check("first-symbol", steps, train, test)
    if not isinstance(symbols, int) or isinstance(symbols, bool) or not 2 <= symbols <= 26:
        raise DatasetError(f"first-symbol: symbols must be a whole number from 2 to 26; "
                           f"received {symbols!r}")
    names = [chr(ord("A") + k) for k in range(symbols)]
    train_set, test_set = _splits(
        f"first symbol after {steps} steps", lambda n, rng: first_symbol(n, steps, symbols, rng),
        names, train=train, test=test, seed=seed, progress=progress, should_stop=should_stop)
    return train_set, test_set


def load_parity(*, steps: int = 8, train: int = 4000, test: int = 1000, seed: int = 0,
                progress: ProgressFn = None, should_stop: StopFn = None) -> tuple[Dataset, Dataset]:
    """Is the number of ones among `steps` random bits even or odd?"""
    _check("parity", steps, train, test)
    return _splits(f"parity of {steps} bits", lambda n, rng: parity(n, steps, rng),
                   ["even", "odd"], train=train, test=test, seed=seed, progress=progress,
                   should_stop=should_stop)


def load_marked(*, steps: int = 20, train: int = 4000, test: int = 1000, seed: int = 0,
                progress: ProgressFn = None, should_stop: StopFn = None) -> tuple[Dataset, Dataset]:
    """Which of the two marked numbers among `steps` is larger?"""
    _check("marked", steps, train, test, least_steps=2)
    return _splits(f"larger marked number in {steps} steps",
                   lambda n, rng: marked(n, steps, rng), ["first", "second"], train=train,
                   test=test, seed=seed, progress=progress, should_stop=should_stop)


LOADERS = {"first-symbol": load_first_symbol, "parity": load_parity, "marked": load_marked}
