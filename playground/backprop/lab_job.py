"""The lab's work off the GUI thread, as plain jobs for `LatestJobRunner`: one pass (the
network rebuilt from its spec and a copy of its weights, so the builder can change meanwhile)
with the conv contributions and max-pool routings it will draw, and one numerical check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.jobs import check_stop
from core.nn.backprop_lab import (
    LabPass,
    conv_weight_contributions,
    maxpool_routing,
    numerical_check,
    run_lab_pass,
)
from core.nn.model import Sequential

DETAILS = {"contributions": conv_weight_contributions, "routing": maxpool_routing}
"""What is worked out ahead for a block, by the block's `lab_view`."""


@dataclass
class LabResult:
    """A pass ready to draw: the pass, per block index its contributions or routing, the
    network it ran on (for the numerical checks), and the request it answers."""

    lab: LabPass
    details: dict[int, object]
    model: Sequential
    key: tuple


def pass_job(spec: dict, weights: dict | None, seed: int, x: np.ndarray, label: int,
             alpha: float, key: tuple):
    """The pass of network `spec` (weights from `seed`, then `weights` if given) on one sample
    x (the network's input shape) with class `label`."""

    def job(_progress, should_stop):
        model = Sequential.from_spec(spec, seed=seed)
        if weights is not None:
            model.set_weights(weights)
        check_stop(should_stop)
        lab = run_lab_pass(model, x, label, alpha=alpha, should_stop=should_stop)
        details = {}
        for block in lab.blocks:
            check_stop(should_stop)
            if block.lab_view in DETAILS:
                details[block.index] = DETAILS[block.lab_view](block)
        return LabResult(lab, details, model, key)

    return job


def check_job(model: Sequential, x: np.ndarray, label: int, block: int, param: str,
              index: tuple):
    """(analytic, numerical, (block, param, index)) for one weight entry."""

    def job(_progress, should_stop):
        analytic, numerical = numerical_check(model, x, label, None, block, param, index,
                                              should_stop=should_stop)
        return analytic, numerical, (block, param, tuple(index))

    return job
