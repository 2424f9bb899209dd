"""Build what one training run needs from the settings: the model and the trainer. No Qt."""

from __future__ import annotations

from playground.training.hyper_panel import (
    TrainingConfig,
    make_augment,
    make_optimizer,
    make_schedule,
)


def stats_interval(samples: int, batch_size: int) -> int:
    """Batches between per-layer statistics: about 20 points an epoch, at least every 10."""
    batches = -(-samples // max(batch_size, 1))
    return max(1, min(10, batches // 20))


def network_difference(spec: dict, current, train=None) -> str:
    """"" when training `spec` (fitted to the data set `train`, if given) would continue the
    trained model `current`; otherwise what differs: "blocks" or "input" ("none" when there is
    no trained model). Compares specs: no network is built."""
    from core.nn.spec_fit import network_difference as difference

    if current is None:
        return "none"
    return difference(spec, current.spec(), train)


def model_for(spec: dict, config: TrainingConfig, current=None):
    """The model to train: `current` if it is this very network (training continues), else a
    new one with weights from `config.seed` and the spec's seed kernels."""
    from core.nn.model import Sequential

    if current is not None and not network_difference(spec, current):
        return current
    return Sequential.from_spec(spec, seed=config.seed)


def make_trainer(model, train, test, config: TrainingConfig, callbacks: dict):
    """A `core.train.trainer.Trainer` for the config; `callbacks` are on_batch/on_epoch/on_stats."""
    from core.nn.losses import SoftmaxCrossEntropy
    from core.train.trainer import Trainer

    trainer = Trainer(
        model, SoftmaxCrossEntropy(), make_optimizer(config), train, test,
        batch_size=config.batch_size, epochs=config.epochs, seed=config.seed,
        schedule=make_schedule(config), augment=make_augment(config),
        stats_every=stats_interval(len(train), config.batch_size),
        **callbacks,
    )
    trainer.history.meta["settings"] = config.to_dict()  # the form's values, to restore them
    return trainer
