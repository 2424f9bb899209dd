"""Weight initialisation, always from a seeded generator passed in by the caller.

He (Kaiming) keeps the variance of ReLU activations steady from layer to layer; Xavier (Glorot)
does the same for tanh and sigmoid. Both scale with the fan-in (and fan-out) of a weight tensor.
"""

from __future__ import annotations

import numpy as np

INITIALISERS = ("he", "xavier")
CHUNK = 1 << 20  # values drawn at a time: the float64 draws never take more than 8 MB


def _drawn(shape, dtype, draw) -> np.ndarray:
    """An array of `shape` in `dtype` filled by `draw(n)` (float64) a chunk at a time: the
    same numbers as one draw of the whole array, without its float64 copy."""
    out = np.empty(shape, dtype=dtype)
    flat = out.reshape(-1)
    for start in range(0, flat.size, CHUNK):
        flat[start:start + CHUNK] = draw(min(CHUNK, flat.size - start))
    return out


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a Dense (out, in) or Conv2D (out, in, kh, kw) weight shape."""
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def he_normal(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """Normal weights with std sqrt(2 / fan_in)."""
    fan_in, _ = fans(shape)
    scale = np.sqrt(2.0 / fan_in)
    return _drawn(shape, dtype, lambda n: rng.standard_normal(n) * scale)


def xavier_uniform(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """Uniform weights in +-sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return _drawn(shape, dtype, lambda n: rng.uniform(-limit, limit, size=n))


def initialise(name: str, shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """Weights of `shape` drawn with the initialiser called `name` ("he" or "xavier")."""
    if name == "he":
        return he_normal(shape, rng, dtype)
    if name == "xavier":
        return xavier_uniform(shape, rng, dtype)
    raise ValueError(f"init must be one of {', '.join(INITIALISERS)}; received {name!r}")
