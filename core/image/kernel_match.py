"""Which classic kernel a learned filter looks like, and whether the likeness means anything.

The likeness r is the cosine between the filter and a classic kernel as vectors of kh*kw numbers
(-1..1; negative: the inverted kernel). A random filter always resembles one of the fifteen 3x3
classics a little (half of them reach r = 0.56, one in twenty 0.79), so a name is given only
when r beats what `CHANCE_QUANTILE` of random filters reach at that size (`chance_level`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.image.kernels import PRESETS, make_preset

CHANCE_QUANTILE = 0.99
"""A filter is named only when its match beats 99 in 100 random filters of its size."""
CHANCE_SAMPLES = 4000
CHANCE_SEED = 0


@lru_cache(maxsize=8)
def classic_kernels(size: int) -> tuple[tuple[str, np.ndarray], ...]:
    """(name, (size, size) float64) for every preset that exists at this size and is not
    flat."""
    found = []
    for name, preset in PRESETS.items():
        params = {"size": size} if "size" in getattr(preset, "parameters", {}) else {}
        try:
            values = np.asarray(make_preset(name, **params).values, dtype=np.float64)
        except (ValueError, TypeError):
            continue
        if values.shape != (size, size) or not np.any(values):
            continue
        found.append((name, values))
    return tuple(found)


def _unit_rows(classics) -> np.ndarray:
    """(K, kh*kw) classics as unit vectors."""
    rows = np.stack([values.ravel() for _, values in classics])
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def closest_kernel(weights: np.ndarray, classics) -> tuple[str, float] | None:
    """The classic kernel most like one filter (kh, kw) (or (in, kh, kw): averaged over inputs)
    and the likeness r in -1..1. None when there is nothing to compare (no classic of that
    shape, or an all-zero filter)."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim == 3:
        weights = weights.mean(axis=0)
    norm = np.linalg.norm(weights)
    shaped = [(name, values) for name, values in classics if values.shape == weights.shape]
    if not shaped or norm == 0:
        return None
    r = _unit_rows(shaped) @ (weights.ravel() / norm)
    best = int(np.argmax(np.abs(r)))
    return shaped[best][0], float(r[best])


@lru_cache(maxsize=8)
def chance_level(size: int, quantile: float = CHANCE_QUANTILE) -> float:
    """The best |r| that `quantile` of random filters of `size` x `size` do not exceed.

    Random filters are drawn with independent normal weights, as He and Xavier initialisation
    draw them (the likeness does not depend on the scale); 1.0 when there is no classic kernel
    of that size (nothing can be named)."""
    classics = classic_kernels(size)
    if not classics:
        return 1.0
    rng = np.random.default_rng(CHANCE_SEED)
    filters = rng.standard_normal((CHANCE_SAMPLES, size * size))
    filters /= np.linalg.norm(filters, axis=1, keepdims=True)
    best = np.abs(filters @ _unit_rows(classics).T).max(axis=1)
    return float(np.quantile(best, quantile))


def meaningful_match(weights: np.ndarray) -> tuple[str, float] | None:
    """`closest_kernel` of a square filter among the classics of its size, only when the
    likeness beats chance (`chance_level`); else None."""
    weights = np.asarray(weights)
    kh, kw = weights.shape[-2:]
    if kh != kw:
        return None
    match = closest_kernel(weights, classic_kernels(kh))
    if match is None or abs(match[1]) <= chance_level(kh):
        return None
    return match
