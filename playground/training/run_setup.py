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


def model_for(spec: dict, config: TrainingConfig, current=None):
    """The model to train: `current` if it is this very network (training continues), else a
    new one with weights from `config.seed` and the spec's seed kernels."""
    from core.model import Sequential

    if current is not None:
        fresh = Sequential.from_spec(spec).spec()
        if (current.spec()["layers"] == fresh["layers"]
                and list(current.input_shape) == list(spec["input_shape"])):
            return current
    return Sequential.from_spec(spec, seed=config.seed)


def make_trainer(model, train, test, config: TrainingConfig, callbacks: dict):
    """A `core.training.Trainer` for the config; `callbacks` are on_batch/on_epoch/on_stats."""
    from core.losses import SoftmaxCrossEntropy
    from core.training import Trainer

    return Trainer(
        model, SoftmaxCrossEntropy(), make_optimizer(config), train, test,
        batch_size=config.batch_size, epochs=config.epochs, seed=config.seed,
        schedule=make_schedule(config), augment=make_augment(config),
        stats_every=stats_interval(len(train), config.batch_size),
        **callbacks,
    )
