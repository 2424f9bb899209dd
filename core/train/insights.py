"""What a run's numbers mean, one line each, computed from the run (`RunData`), never canned.

- `guessing`: a loss that stays near ln(K) after training has started means the network still
  gives each of K classes about 1/K: it is guessing.
- `gradient_spread`: per-layer gradient norms that differ by more than `SPREAD` times mean the
  error signal fades (vanishing) or grows (exploding) on its way back to the first layers.
- `overfitting`: a test loss rising for epochs while the train loss keeps falling.

Thresholds, measured on the shipped templates (3 epochs on the bundled MNIST subset, seed 0):
deep_sigmoid's gradient norms span 760-1240x from its last layer to its first and its loss stays
at 2.32-2.35 (ln 10 = 2.30); deep_relu's span 3x and the reference CNN's 3-7x, and both losses
leave ln 10 within 10 batches.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from core.train.run_data import RunData

GUESS_TOLERANCE = 0.05
"""A loss within 5% of ln(K) counts as "at ln(K)" (2.19-2.42 for 10 classes)."""
GUESS_MIN_BATCHES = 30
"""Every network starts at ln(K): only after this many batches does staying there mean much."""
GUESS_WINDOW = 20
"""The recent batches averaged (one batch's loss is noisy)."""
SPREAD = 100.0
"""Gradient norms across layers differing by more than this (two decades) are flagged."""
GRADIENT_WINDOW = 5
"""The recent statistics events whose median norm each layer gets (one event is noisy)."""
OVERFIT_EPOCHS = 2
"""The test loss must have risen for at least this many epochs past its best..."""
OVERFIT_RISE = 0.03
"""...by at least this fraction of its best value, while the train loss fell."""
CURE = {"vanishing": "deep_relu", "healthy": "deep_sigmoid"}
"""The shipped template (resources/models/) that shows the other side of each gradient case."""


@dataclass(frozen=True)
class Insight:
    """One line about a run: `topic` ("loss", "gradient" or "overfitting"), `level`
    ("warning": something holds the network back, "note": how it is going) and the `text`."""

    topic: str
    level: str
    text: str


def guessing(losses: list[float], classes: int | None, batches: int) -> Insight | None:
    """A warning when the mean of the last `GUESS_WINDOW` batch losses sits within
    `GUESS_TOLERANCE` of ln(classes) after at least `GUESS_MIN_BATCHES` batches; else None.
    `losses`: per-batch train losses, oldest first; `batches`: how many were trained."""
    if not classes or classes < 2 or batches < GUESS_MIN_BATCHES or not losses:
        return None
    recent = [v for v in losses[-GUESS_WINDOW:] if math.isfinite(v)]
    if not recent:
        return None
    loss, chance = statistics.fmean(recent), math.log(classes)
    if abs(loss - chance) > GUESS_TOLERANCE * chance:
        return None
    return Insight("loss", "warning",
                   f"Loss {loss:.2f} ≈ ln {classes} = {chance:.2f} after {batches} batches: the "
                   f"network is still guessing, about 1/{classes} for each of the {classes} "
                   "classes.")


def _layer_order(name: str) -> int:
    """The block index a statistics name starts with ("3 Dense" -> 3)."""
    head = name.split(" ", 1)[0]
    return int(head) if head.isdigit() else 0


def gradient_spread(norms: dict[str, list[float]], network: str = "") -> Insight | None:
    """How far apart the layers' gradient norms are (median of each layer's last
    `GRADIENT_WINDOW` values): a warning past `SPREAD` (vanishing when the first layer gets the
    smallest, else exploding), a note when 3 or more layers stay within it, else None.
    `norms`: layer name ("3 Dense") -> norms, oldest first; `network`: the network's name."""
    typical = {}
    for name, values in norms.items():
        recent = [v for v in values[-GRADIENT_WINDOW:] if math.isfinite(v) and v > 0]
        if recent:
            typical[name] = statistics.median(recent)
    if len(typical) < 2:
        return None
    ordered = sorted(typical, key=_layer_order)
    low, high = min(typical.values()), max(typical.values())
    spread = high / low
    first, last = typical[ordered[0]], typical[ordered[-1]]
    if spread > SPREAD:
        ends = (f"block {ordered[0]}: {first:.1e}, block {ordered[-1]}: {last:.1e}")
        if first < last:
            cure = CURE["vanishing"]
            other = f" (the {cure} template shows the cure)" if network != cure else ""
            return Insight("gradient", "warning",
                           f"Gradient norms span {spread:,.0f}x, smallest at the input end "
                           f"({ends}): a vanishing gradient, so the first layers barely "
                           f"learn{other}.")
        return Insight("gradient", "warning",
                       f"Gradient norms span {spread:,.0f}x, largest at the input end ({ends}): "
                       "an exploding gradient; lower the learning rate or clip the gradient norm.")
    if len(typical) < 3:
        return None
    contrast = CURE["healthy"]
    other = f" (compare {contrast})" if network != contrast else ""
    return Insight("gradient", "note",
                   f"Gradient norms within {spread:,.1f}x across {len(typical)} layers: the "
                   f"error reaches the first layer{other}.")


def overfitting(train: dict[int, float], test: dict[int, float]) -> Insight | None:
    """A warning when the test loss rose for `OVERFIT_EPOCHS` or more epochs past its best, by
    more than `OVERFIT_RISE` of it, while the train loss fell; else None. `train`, `test`:
    epoch -> loss."""
    epochs = sorted(e for e in test if e in train and math.isfinite(test[e])
                    and math.isfinite(train[e]))
    if len(epochs) <= OVERFIT_EPOCHS:
        return None
    best = min(epochs, key=lambda e: test[e])
    last = epochs[-1]
    later = [e for e in epochs if e > best]
    if len(later) < OVERFIT_EPOCHS or test[last] <= test[best] * (1 + OVERFIT_RISE):
        return None
    if train[last] >= train[best]:
        return None
    return Insight("overfitting", "warning",
                   f"Overfitting from epoch {later[0]}: test loss rose {test[best]:.3f} → "
                   f"{test[last]:.3f} while train loss fell {train[best]:.3f} → "
                   f"{train[last]:.3f}; epoch {best}'s weights generalised best.")


def _by_epoch(run: RunData, name: str) -> dict[int, float]:
    xs, ys = run.series[name]
    return {round(x): y for x, y in zip(xs, ys, strict=True)}


def run_insights(run: RunData, classes: int | None) -> list[Insight]:
    """Every line that applies to `run` (a network with `classes` outputs), loss first."""
    losses = run.series["train loss (batch)"][1]
    batches = len(losses)
    if not losses:  # a saved run without batches: its epochs tell the same
        losses = run.series["train loss (epoch)"][1]
        batches = len(losses) * run.batches_per_epoch
    norms = {name: ys for name, (_xs, ys) in run.grad_norms.items()}
    found = (guessing(losses, classes, batches),
             overfitting(_by_epoch(run, "train loss (epoch)"), _by_epoch(run, "test loss (epoch)")),
             gradient_spread(norms, run.network))
    return [insight for insight in found if insight is not None]
