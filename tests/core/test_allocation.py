"""Freed memory kept for reuse (core.allocation): set once, and training steps stop faulting."""

import json
import resource
import sys

import numpy as np
import pytest

from core.allocation import keep_freed_memory
from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.optim import SGD
from core.resources import resource_path

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")


def _steps(model, loss, optimizer, x, y, count):
    for _ in range(count):
        loss.forward(model.forward(x, training=True), y)
        model.zero_grad()
        model.backward(loss.backward())
        optimizer.step(model.named_parameters())


@linux
def test_training_steps_reuse_freed_memory_instead_of_faulting_it_in():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # once per process; asking again changes nothing
    spec = json.loads(resource_path("models", "reference.json").read_text(encoding="utf-8"))
    model = Sequential.from_spec(spec, seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=64)
    loss, optimizer = SoftmaxCrossEntropy(), SGD(0.01, momentum=0.9)
    _steps(model, loss, optimizer, x, y, 5)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    _steps(model, loss, optimizer, x, y, 20)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # The step's arrays take ~6 MB (1,500 pages); without the thresholds, every step faulted
    # much of it in again.
    assert faults < 200, faults
