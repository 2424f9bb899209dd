"""The training loop: shuffled mini-batches, test evaluation, callbacks, pause / stop, history.

`Trainer.run()` blocks; the app calls it from a worker thread and steers it with `pause()`,
`resume()` and `stop()` from the GUI thread (they take effect before the next batch). Callbacks
receive plain dicts (see `History`) in the training thread.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from core.allocation import keep_freed_memory
from core.data.datasets import Dataset, make_augmentation
from core.nn.optim import to_config
from core.train.bundle import Preprocessing, save_bundle
from core.train.history import History

__all__ = ["Trainer", "History", "evaluate"]

EXPLOSION_FACTOR = 1000.0
"""A batch loss this many times the first one (or 1, if larger) counts as divergence: with a
numerically stable loss a learning rate far too large makes the loss shoot up but stay finite."""


def evaluate(model, data: Dataset, loss=None, *, batch_size: int = 256, limit=None,
             should_stop: Callable[[], bool] | None = None) -> tuple[float | None, float]:
    """Mean loss (None without a loss) and accuracy of `model` on `data`, in batches.

    limit: evaluate only the first `limit` samples. Returns (None, nan) if stopped early.
    The loss sees the logits (`model.forward` leaves out a trailing Softmax).
    """
    count = len(data) if limit is None else min(int(limit), len(data))
    total_loss, right = 0.0, 0
    for start in range(0, count, batch_size):
        if should_stop is not None and should_stop():
            return None, math.nan
        stop = min(start + batch_size, count)
        labels = data.labels[start:stop]
        outputs = model.forward(data.images[start:stop], training=False)
        if loss is not None:
            total_loss += loss.forward(outputs, labels) * (stop - start)
        right += int(np.count_nonzero(np.argmax(outputs, axis=1) == labels))
    if count == 0:
        return None, math.nan
    return (total_loss / count if loss is not None else None), right / count


class Trainer:
    """Train `model` on `train` with `loss` and `optimizer`, evaluating on `test` each epoch.

    seed drives the shuffling (np.random.default_rng(seed)) and the augmentation, so two runs of
    the same model, data and settings give the same weights bit for bit. schedule: an object
    with `schedule(epoch) -> lr` (or a function) applied at the start of each epoch (0-based).
    augment: None, {"shift": px, "flip": bool}, a `core.data.datasets.Augmentation` or a function
    (images, rng) -> images. stats_every: per-layer norms every that many batches (0: never).
    eval_limit: evaluate on the first that many test images only. clip_norm: when the gradients
    of all trained parameters together have a larger norm, scale them down to it before each
    step (None: never). checkpoint_prefix: after each epoch save the model as the bundle
    PREFIX.last and, when the test accuracy improved, PREFIX.best (with `recipe`, if given).
    A trainer runs once: after `stop()`, `run()` returns at once with stop_reason "stopped".
    """

    def __init__(self, model, loss, optimizer, train: Dataset, test: Dataset | None = None, *,
                 batch_size: int = 64, epochs: int = 5, seed: int = 0, schedule=None,
                 augment=None, stats_every: int = 10, eval_limit: int | None = None,
                 on_batch=None, on_epoch=None, on_stats=None,
                 checkpoint_prefix: str | None = None, eval_batch_size: int = 256,
                 clip_norm: float | None = None, recipe=None) -> None:
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1; received {batch_size}")
        if int(epochs) < 1:
            raise ValueError(f"epochs must be >= 1; received {epochs}")
        if len(train) == 0:
            raise ValueError(f"{train.name}: the training set is empty")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.train, self.test = train, test
        self.batch_size, self.epochs, self.seed = int(batch_size), int(epochs), int(seed)
        self.schedule = schedule
        self.augment = make_augmentation(augment)
        self.stats_every = max(int(stats_every), 0)
        self.eval_limit = eval_limit
        self.eval_batch_size = int(eval_batch_size)
        self.on_batch, self.on_epoch, self.on_stats = on_batch, on_epoch, on_stats
        self.checkpoint_prefix = checkpoint_prefix
        self.recipe = recipe
        if clip_norm is not None and not float(clip_norm) > 0:
            raise ValueError(f"clip_norm must be a positive number or None; received {clip_norm}")
        self.clip_norm = float(clip_norm) if clip_norm is not None else None
        self._check_shapes()
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._held = threading.Event()
        self._paused_seconds = 0.0
        self.history = History(meta=self._meta())

    # ------------------------------------------------------------------------- control
    def pause(self) -> None:
        """Hold training before the next batch (thread-safe)."""
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        """Continue after `pause()` (thread-safe)."""
        self._running.set()

    def stop(self) -> None:
        """End training before the next batch; `run()` then returns (thread-safe)."""
        self._stop.set()
        self._running.set()

    @property
    def is_paused(self) -> bool:
        return not self._running.is_set()

    @property
    def is_held(self) -> bool:
        """True while the loop is actually waiting in a pause (no batch running)."""
        return self._held.is_set()

    @property
    def is_stopped(self) -> bool:
        return self._stop.is_set()

    def _should_stop(self) -> bool:
        """Called between batches: waits while paused, then says whether to stop."""
        if not self._running.is_set():
            began = time.perf_counter()
            self._held.set()
            self._running.wait()
            self._held.clear()
            self._paused_seconds += time.perf_counter() - began
        return self._stop.is_set()

    # ------------------------------------------------------------------------- checks
    def _check_shapes(self) -> None:
        expected = tuple(int(s) for s in self.model.spec()["input_shape"])
        for data in (self.train, self.test):
            if data is not None and data.shape != expected:
                raise ValueError(
                    f"the network takes inputs {'x'.join(map(str, expected))} but {data.name} "
                    f"has images {'x'.join(map(str, data.shape))}; change the network's input "
                    "shape or the data set's size and colour"
                )
        outputs = self.model.forward(self.train.images[:1], training=False)
        classes = max(self.train.num_classes, int(self.train.labels.max()) + 1)
        if outputs.ndim != 2 or outputs.shape[1] < classes:
            raise ValueError(
                f"the network ends with {outputs.shape[1:]} outputs but {self.train.name} has "
                f"{classes} classes; make the last Dense layer output {classes} values"
            )

    def _meta(self) -> dict:
        return {
            "data": self.train.name,
            "test_data": self.test.name if self.test is not None else None,
            "classes": list(self.train.class_names),
            "input_shape": list(self.train.shape),
            "train_samples": len(self.train),
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "seed": self.seed,
            "optimizer": to_config(self.optimizer) if hasattr(self.optimizer, "config") else (
                repr(self.optimizer)),
            "loss": repr(self.loss),
            "mean": self.train.mean,
            "std": self.train.std,
            "augment": repr(self.augment) if self.augment is not None else None,
        }

    # ------------------------------------------------------------------------- the loop
    def run(self) -> History:
        """Train for `epochs` (or until stopped or diverged) and return the history."""
        keep_freed_memory()  # each step's arrays reuse the last step's memory
        history = self.history
        shuffle_rng = np.random.default_rng(self.seed)
        augment_rng = np.random.default_rng([self.seed, 1])
        self._good = {name: value.copy() for name, value, _ in self.model.named_parameters()}
        self._first_loss: float | None = None
        n = len(self.train)
        batches = -(-n // self.batch_size)
        step, best = 0, -math.inf
        history.stop_reason = ""
        for epoch in range(1, self.epochs + 1):
            lr = self._apply_schedule(epoch - 1)
            order = shuffle_rng.permutation(n)
            started, busy, self._paused_seconds = time.perf_counter(), 0.0, 0.0
            seen = right = 0
            loss_sum = 0.0
            for batch in range(1, batches + 1):
                if self._should_stop():
                    history.stop_reason = "stopped"
                    return history
                tick = time.perf_counter()
                index = order[(batch - 1) * self.batch_size : batch * self.batch_size]
                images, labels = self.train.images[index], self.train.labels[index]
                if self.augment is not None:
                    images = self.augment(images, augment_rng)
                with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked
                    value, hits = self._step(images, labels)
                if value is None:
                    history.stop_reason = self._diverged(epoch, batch)
                    return history
                step += 1
                seen += len(index)
                right += hits
                loss_sum += value * len(index)
                busy += time.perf_counter() - tick
                event = {
                    "epoch": epoch, "batch": batch, "batches": batches, "step": step,
                    "loss": value, "accuracy": hits / len(index), "lr": lr,
                    "samples_per_s": seen / busy if busy > 0 else 0.0,
                }
                history.batches.append(event)
                if self.on_batch is not None:
                    self.on_batch(dict(event))
                if self.stats_every and (step == 1 or step % self.stats_every == 0):
                    self._record_stats(step)
            event = self._epoch_event(epoch, loss_sum / seen, right / seen, lr, started)
            if event is None:  # stopped during the evaluation
                history.stop_reason = "stopped"
                return history
            history.epochs.append(event)
            score = event["test_accuracy"] if event["test_accuracy"] is not None else (
                event["train_accuracy"])
            self._checkpoint(score > best)
            best = max(best, score)
            if self.on_epoch is not None:
                self.on_epoch(dict(event))
        history.stop_reason = "finished"
        return history

    def _apply_schedule(self, epoch_index: int) -> float:
        if self.schedule is not None:
            rule = getattr(self.schedule, "schedule", self.schedule)
            self.optimizer.lr = float(rule(epoch_index))
        return float(self.optimizer.lr)

    def _step(self, images, labels) -> tuple[float | None, int]:
        """One forward/backward/update; (None, 0) when the loss is not finite."""
        outputs = self.model.forward(images, training=True)
        if not np.all(np.isfinite(outputs)):
            self._bad_loss = "became " + ("nan" if np.isnan(outputs).any() else "inf")
            return None, 0
        value = float(self.loss.forward(outputs, labels))
        if not math.isfinite(value):
            self._bad_loss = "became " + ("nan" if math.isnan(value) else "inf")
            return None, 0
        if self._first_loss is None:
            self._first_loss = value
        elif value > EXPLOSION_FACTOR * max(abs(self._first_loss), 1.0):
            self._bad_loss = f"exploded to {value:.3g} (it started at {self._first_loss:.3g})"
            return None, 0
        for name, weights, _ in self.model.named_parameters():
            np.copyto(self._good[name], weights)  # these weights gave a finite loss: keep them
        self.model.zero_grad()
        self.model.backward(self.loss.backward())
        self._clip_gradients()
        self.optimizer.step(self.model.named_parameters())
        hits = int(np.count_nonzero(np.argmax(outputs, axis=1) == labels))
        return value, hits

    def _clip_gradients(self) -> None:
        """Scale every trained gradient by clip_norm / global norm when that is below 1."""
        if self.clip_norm is None:
            return
        grads = [grad for _, _, grad in self.model.named_parameters()]
        total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
        if total > self.clip_norm:
            for grad in grads:
                grad *= grad.dtype.type(self.clip_norm / total)

    def _diverged(self, epoch: int, batch: int) -> str:
        for name, weights, _ in self.model.named_parameters():
            np.copyto(weights, self._good[name])
        return (f"diverged: loss {self._bad_loss} at epoch {epoch}, batch {batch} "
                "— lower the learning rate")

    def _record_stats(self, step: int) -> None:
        """Per layer: gradient norm, weight norm, and |update| / |weight| of the last step."""
        sums: dict[int, list[float]] = {}
        for name, weights, grads in self.model.named_parameters():
            index = int(name.split(".", 1)[0])
            acc = sums.setdefault(index, [0.0, 0.0, 0.0])
            w = weights.astype(np.float64).ravel()
            g = grads.astype(np.float64).ravel()
            delta = w - self._good[name].astype(np.float64).ravel()
            acc[0] += float(g @ g)
            acc[1] += float(w @ w)
            acc[2] += float(delta @ delta)
        layers = []
        for index, (g2, w2, d2) in sorted(sums.items()):
            weight_norm = math.sqrt(w2)
            layers.append({
                "index": index,
                "name": f"{index} {type(self.model.layers[index]).__name__}",
                "grad_norm": math.sqrt(g2),
                "weight_norm": weight_norm,
                "update_ratio": math.sqrt(d2) / weight_norm if weight_norm > 0 else 0.0,
            })
        event = {"step": step, "layers": layers}
        self.history.stats.append(event)
        if self.on_stats is not None:
            self.on_stats({"step": step, "layers": [dict(layer) for layer in layers]})

    def _epoch_event(self, epoch, train_loss, train_accuracy, lr, started) -> dict | None:
        test_loss = test_accuracy = None
        if self.test is not None and len(self.test):
            with np.errstate(over="ignore", invalid="ignore"):
                test_loss, test_accuracy = evaluate(
                    self.model, self.test, self.loss, batch_size=self.eval_batch_size,
                    limit=self.eval_limit, should_stop=self._should_stop,
                )
            if test_loss is None and math.isnan(test_accuracy):
                return None
        return {
            "epoch": epoch, "train_loss": train_loss, "train_accuracy": train_accuracy,
            "test_loss": test_loss, "test_accuracy": test_accuracy, "lr": lr,
            "seconds": time.perf_counter() - started - self._paused_seconds,
        }

    def _checkpoint(self, improved: bool) -> None:
        """Save the model as the bundles PREFIX.last and, if it improved, PREFIX.best."""
        if not self.checkpoint_prefix:
            return
        preprocessing = Preprocessing.of_data(self.train)
        for tag in ("last", "best") if improved else ("last",):
            save_bundle(f"{self.checkpoint_prefix}.{tag}", self.model, recipe=self.recipe,
                        history=self.history, preprocessing=preprocessing)
