"""One run's model and trainer: which network a run trains (the trained one, continued, or a
new one) and the trainer built from the recipe, the one place the command line and the app
turn settings into a `Trainer`."""

from __future__ import annotations

from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.train.fitting import network_difference as spec_difference
from core.train.recipe import (
    Recipe,
    make_augment,
    make_optimizer,
    make_schedule,
    prepare_data,
    stats_interval,
)
from core.train.trainer import Trainer


def build_trainer(recipe: Recipe, model, train, test=None, *, callbacks: dict | None = None,
                  checkpoint_prefix: str | None = None) -> Trainer:
    """A `Trainer` for `model` on `train` / `test` as the recipe says (RecipeError or ValueError
    naming the setting when it cannot). The data get the recipe's limits and normalisation
    (see `prepare_data`); `trainer.recipe` is the recipe with the statistics used, and is
    recorded in the history's meta and in checkpoints. callbacks: on_batch / on_epoch /
    on_stats."""
    recipe, train, test = prepare_data(recipe.check(), train, test)
    if make_augment(recipe) is not None and getattr(train, "is_sequence", False):
        raise ValueError(f"shift and flip move and mirror images, but {train.name} holds "
                         "sequences: set shift to 0 and flip off")
    trainer = Trainer(
        model, SoftmaxCrossEntropy(), make_optimizer(recipe), train, test,
        batch_size=recipe.batch_size, epochs=recipe.epochs, seed=recipe.seed,
        schedule=make_schedule(recipe), augment=make_augment(recipe),
        stats_every=stats_interval(len(train), recipe.batch_size),
        clip_norm=recipe.clip_norm or None, checkpoint_prefix=checkpoint_prefix,
        recipe=recipe, **(callbacks or {}),
    )
    trainer.history.meta["recipe"] = recipe.to_dict()
    return trainer


def network_difference(spec: dict, current, train=None) -> str:
    """"" when training `spec` (fitted to the data set `train`, if given) would continue the
    trained model `current`; otherwise what differs: "blocks" or "input" ("none" when there is
    no trained model). Compares specs: no network is built."""
    if current is None:
        return "none"
    return spec_difference(spec, current.spec(), train)


def model_for(spec: dict, recipe: Recipe, current=None) -> Sequential:
    """The model to train: `current` if it is this very network (training continues), else a
    new one with weights from `recipe.seed` and the spec's seed kernels."""
    if current is not None and not network_difference(spec, current):
        return current
    return Sequential.from_spec(spec, seed=recipe.seed)
