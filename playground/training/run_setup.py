"""Which model a training run trains: the trained one (continue) or a new one. No Qt.

The trainer itself is built from the run's recipe by `core.train.run_setup.build_trainer`.
"""

from __future__ import annotations

from core.train.recipe import Recipe
from playground.training.spec_fit import fit_spec_to_data


def network_difference(spec: dict, current, train=None) -> str:
    """"" when training `spec` (fitted to the data set `train`, if given) would continue the
    trained model `current`; otherwise what differs: "blocks" or "input" ("none" when there is
    no trained model)."""
    from core.nn.model import Sequential

    if current is None:
        return "none"
    try:
        if train is not None:
            spec, _ = fit_spec_to_data(spec, train)
        fresh = Sequential.from_spec(spec).spec()
    except (ValueError, TypeError, KeyError, IndexError):
        return "blocks"
    if list(current.input_shape) != list(spec["input_shape"]):
        return "input"
    if current.spec()["layers"] != fresh["layers"]:
        return "input" if _fits_after_all(spec, current) else "blocks"
    return ""


class _TrainedOn:
    """The shape and classes a trained model was fitted to, where `fit_spec_to_data` wants a
    data set."""

    def __init__(self, model) -> None:
        self.name = "the trained network's data"
        self.shape = tuple(int(s) for s in model.input_shape)
        self.class_names = list(model.classes or range(model.output_shape[0]))


def _fits_after_all(spec: dict, current) -> bool:
    """True when `spec` is the trained network but for what a data set decides (input, classes,
    outputs of the last Dense): then the data set, not the network, changed."""
    from core.nn.model import Sequential

    try:
        refitted, _ = fit_spec_to_data(spec, _TrainedOn(current))
        return Sequential.from_spec(refitted).spec()["layers"] == current.spec()["layers"]
    except (ValueError, TypeError, KeyError, IndexError):
        return False


def model_for(spec: dict, config: Recipe, current=None):
    """The model to train: `current` if it is this very network (training continues), else a
    new one with weights from `config.seed` and the spec's seed kernels."""
    from core.nn.model import Sequential

    if current is not None and not network_difference(spec, current):
        return current
    return Sequential.from_spec(spec, seed=config.seed)
