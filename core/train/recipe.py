"""The run recipe: everything a training run needs besides the network, as one plain object.

The command line (flags) and the training tab (the form) both fill a `Recipe`; one function
(`core.train.run_setup.build_trainer`) turns it into a trainer. `to_dict()` / `from_dict()`
round-trip through JSON; a saved model keeps the recipe it was trained with.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from core.data.datasets import Dataset, channel_stats, normalise
from core.nn.optim import SCHEDULES, optimizer_from_config, schedule_from_config

DEFAULT_LR = {"SGD": 0.05, "Adam": 0.001}
SCHEDULE_PRESETS = {  # the training tab's choices
    "constant": {"class": "ConstantLR", "config": {}},
    "step": {"class": "StepLR", "config": {"step_size": 2, "gamma": 0.5}},
    "cosine": {"class": "CosineLR", "config": {}},
}


def _default_optimizer() -> dict:
    return {"class": "SGD", "config": {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.0}}


def _default_schedule() -> dict:
    return {"class": "ConstantLR", "config": {}}


class RecipeError(ValueError):
    """A recipe that cannot drive a run; `problems` holds one message per bad field."""

    def __init__(self, problems: list[str], source: str = "recipe"):
        super().__init__(f"{source}: " + "; ".join(problems))
        self.problems = list(problems)


@dataclass
class Recipe:
    """How to train: data, preprocessing, optimiser, schedule, length, seed, augmentation.

    data / data_options: a `core.data.sources.load_dataset` source and its options. normalize:
    standardise the images per channel; mean / std: the statistics used (filled in from the
    training split when the run starts, then kept so the model sees inputs prepared the same
    way ever after). optimizer: `core.nn.optim.to_config` of the optimiser (its lr is the base
    rate). schedule: a schedule's class and its settings besides lr (CosineLR's total_epochs
    defaults to `epochs`). train_limit / test_limit: use only the first N samples (0: all).
    clip_norm: scale the gradients down to this global norm when larger (0: never).
    """

    data: str = "mnist-5k"
    data_options: dict = field(default_factory=dict)
    normalize: bool = False
    mean: list[float] | None = None
    std: list[float] | None = None
    optimizer: dict = field(default_factory=_default_optimizer)
    schedule: dict = field(default_factory=_default_schedule)
    epochs: int = 5
    batch_size: int = 64
    seed: int = 0
    shift: int = 0
    flip: bool = False
    train_limit: int = 0
    test_limit: int = 0
    clip_norm: float = 0.0

    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.get("config", {}).get("lr", math.nan))

    def problems(self) -> list[str]:
        """One message per field that cannot drive a run (empty when the recipe is good)."""
        found = []

        def integer(name, low):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                found.append(f"{name} must be an integer >= {low}; received {value!r}")

        for name, low in (("epochs", 1), ("batch_size", 1), ("seed", 0), ("shift", 0),
                          ("train_limit", 0), ("test_limit", 0)):
            integer(name, low)
        if not isinstance(self.data, str) or not self.data.strip():
            found.append(f"data must name a data source; received {self.data!r}")
        if not isinstance(self.data_options, dict):
            found.append(f"data_options must be an object; received {self.data_options!r}")
        for name in ("normalize", "flip"):
            if not isinstance(getattr(self, name), bool):
                found.append(f"{name} must be true or false; received {getattr(self, name)!r}")
        for name in ("mean", "std"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, list) or not value or not all(
                    _number(v) and math.isfinite(v) for v in value)):
                found.append(f"{name} must be a list of numbers or null; received {value!r}")
        if (self.mean is None) != (self.std is None):
            found.append("mean and std must be given together")
        elif isinstance(self.std, list) and any(_number(v) and v <= 0 for v in self.std):
            found.append(f"std must be positive; received {self.std!r}")
        if not (_number(self.clip_norm) and math.isfinite(self.clip_norm)
                and self.clip_norm >= 0):
            found.append(f"clip_norm must be a number >= 0; received {self.clip_norm!r}")
        try:
            make_optimizer(self)
        except (ValueError, TypeError, AttributeError) as error:
            found.append(str(error))
        else:
            try:
                make_schedule(self)
            except (ValueError, TypeError, AttributeError) as error:
                found.append(str(error))
        return found

    def check(self, source: str = "recipe") -> Recipe:
        """This recipe, or RecipeError listing every bad field."""
        problems = self.problems()
        if problems:
            raise RecipeError(problems, source)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data, *, base: Recipe | None = None, source: str = "recipe") -> Recipe:
        """A checked recipe from `to_dict`'s output; absent fields come from `base` (defaults
        when None). Unknown fields are refused by name, like bad values (RecipeError)."""
        if not isinstance(data, dict):
            raise RecipeError([f"expected an object; received {type(data).__name__}"], source)
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        values = {**(base or cls()).to_dict(), **{k: v for k, v in data.items() if k in names}}
        recipe = cls(**values)
        problems = [f"unknown field {name!r}" for name in unknown] + recipe.problems()
        if problems:
            raise RecipeError(problems, source)
        return recipe

    def with_preprocessing(self, mean, std) -> Recipe:
        """A copy that prepares inputs with this mean and std (None, None: unchanged images)."""
        if mean is None:
            return replace(self, normalize=False, mean=None, std=None)
        return replace(self, normalize=True, mean=[float(m) for m in mean],
                       std=[float(s) for s in std])


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def make_optimizer(recipe: Recipe):
    """The core optimiser the recipe describes."""
    return optimizer_from_config(recipe.optimizer)


def make_schedule(recipe: Recipe):
    """The core learning-rate schedule the recipe describes, starting at the optimiser's lr."""
    if not isinstance(recipe.schedule, dict) or recipe.schedule.get("class") not in SCHEDULES:
        raise ValueError(f"schedule: unknown {recipe.schedule!r}; known: {', '.join(SCHEDULES)}")
    config = {"lr": recipe.learning_rate, **dict(recipe.schedule.get("config") or {})}
    if recipe.schedule["class"] == "CosineLR":
        config.setdefault("total_epochs", recipe.epochs)
    return schedule_from_config({"class": recipe.schedule["class"], "config": config})


def make_augment(recipe: Recipe) -> dict | None:
    """The trainer's augmentation ({"shift", "flip"}), or None when the recipe has none."""
    if recipe.shift <= 0 and not recipe.flip:
        return None
    return {"shift": int(recipe.shift), "flip": bool(recipe.flip)}


def stats_interval(samples: int, batch_size: int) -> int:
    """Batches between per-layer statistics: about 20 points an epoch, at least every 10."""
    batches = -(-samples // max(batch_size, 1))
    return max(1, min(10, batches // 20))


def prepare_data(recipe: Recipe, train: Dataset, test: Dataset | None):
    """(recipe, train, test) ready for a run: the limits applied, and the images prepared with
    the recipe's mean and std (computed from `train` when the recipe normalises but has none
    yet). The returned recipe records the statistics used. Calling it again changes nothing."""
    if recipe.train_limit and len(train) > recipe.train_limit:
        train = train.subset(slice(0, recipe.train_limit))
    if test is not None and recipe.test_limit and len(test) > recipe.test_limit:
        test = test.subset(slice(0, recipe.test_limit))
    if recipe.normalize and recipe.mean is None:
        if train.mean is not None:
            recipe = recipe.with_preprocessing(train.mean, train.std)
        else:
            recipe = recipe.with_preprocessing(*channel_stats(train))
    elif not recipe.normalize:
        recipe = recipe.with_preprocessing(None, None)
    train = _prepared(train, recipe)
    test = _prepared(test, recipe) if test is not None else None
    if train.mean is not None:  # as recorded on the data (one value per channel)
        recipe = replace(recipe, mean=list(train.mean), std=list(train.std))
    return recipe, train, test


def _prepared(data: Dataset, recipe: Recipe) -> Dataset:
    """`data` standardised with the recipe's statistics (undoing any other ones first)."""
    if data.mean == recipe.mean and data.std == recipe.std:
        return data
    if data.mean is not None:
        data = restore(data)
    return normalise(data, recipe.mean, recipe.std) if recipe.mean is not None else data


def restore(data: Dataset) -> Dataset:
    """A copy of a standardised data set with its images back in 0..1 (mean and std None)."""
    mean = np.asarray(data.mean, np.float32)[:, None, None]
    std = np.asarray(data.std, np.float32)[:, None, None]
    return replace(data, images=(data.images * std + mean).astype(np.float32), mean=None,
                   std=None)
