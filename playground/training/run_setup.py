"""Which model a training run trains: the trained one (continue) or a new one. No Qt.

The trainer itself is built from the run's recipe by `core.train.run_setup.build_trainer`.
"""

from __future__ import annotations

from core.train.recipe import Recipe


def network_difference(spec: dict, current, train=None) -> str:
    """"" when training `spec` (fitted to the data set `train`, if given) would continue the
    trained model `current`; otherwise what differs: "blocks" or "input" ("none" when there is
    no trained model). Compares specs: no network is built."""
    from core.nn.spec_fit import network_difference as difference

    if current is None:
        return "none"
    return difference(spec, current.spec(), train)


def model_for(spec: dict, config: Recipe, current=None):
    """The model to train: `current` if it is this very network (training continues), else a
    new one with weights from `config.seed` and the spec's seed kernels."""
    from core.nn.model import Sequential

    if current is not None and not network_difference(spec, current):
        return current
    return Sequential.from_spec(spec, seed=config.seed)
