"""Weight initialisation, always from a seeded generator passed in by the caller.

He (Kaiming) keeps the variance of ReLU activations steady from layer to layer; Xavier (Glorot)
does the same for tanh and sigmoid. Both scale with the fan-in (and fan-out) of a weight tensor.
"""

from __future__ import annotations

import numpy as np

INITIALISERS = ("he", "xavier")


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a Dense (out, in) or Conv2D (out, in, kh, kw) weight shape."""
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def he_normal(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """Normal weights with std sqrt(2 / fan_in)."""
    fan_in, _ = fans(shape)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


def xavier_uniform(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """Uniform weights in +-sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def initialise(name: str, shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """Weights of `shape` drawn with the initialiser called `name` ("he" or "xavier")."""
    if name == "he":
        return he_normal(shape, rng, dtype)
    if name == "xavier":
        return xavier_uniform(shape, rng, dtype)
    raise ValueError(f"init must be one of {', '.join(INITIALISERS)}; received {name!r}")
