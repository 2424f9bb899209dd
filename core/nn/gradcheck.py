"""Numerical gradient checking: central differences in float64 against a block's backward.

For a block f the check uses the scalar E = sum(f(x) * R) with a fixed random R, so that
dE/d(output) = R; backward(R) must then match (E(w + eps) - E(w - eps)) / (2 eps) for every
checked weight and input value. Build the block or network with dtype=np.float64 first.
`check_gradients` compares any hand-built pass (e.g. one block applied twice) the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||), 0 when both are zero."""
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    scale = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - n) / scale)


def _positions(size: int, max_checks: int | None, rng) -> np.ndarray:
    if max_checks is None or size <= max_checks:
        return np.arange(size)
    return np.sort(rng.choice(size, max_checks, replace=False))


def numeric_gradient(energy: Callable[[], float], array: np.ndarray, positions: np.ndarray,
                     eps: float) -> np.ndarray:
    """dE/d(array) at the flat `positions`, by central differences (array is changed back)."""
    flat = array.reshape(-1)
    assert np.shares_memory(flat, array), "array must be contiguous"
    grad = np.empty(len(positions))
    for k, pos in enumerate(positions):
        old = flat[pos]
        flat[pos] = old + eps
        plus = energy()
        flat[pos] = old - eps
        minus = energy()
        flat[pos] = old
        grad[k] = (plus - minus) / (2 * eps)
    return grad


def _require_float64(owner, dtype) -> None:
    if np.dtype(dtype) != np.float64:
        raise TypeError(f"gradcheck needs {owner} in float64 (build it with dtype=np.float64); "
                        f"it is {np.dtype(dtype)}")


def check_gradients(energy: Callable[[], float], analytic: dict[str, tuple[np.ndarray, np.ndarray]],
                    *, eps: float = 1e-6, seed: int = 0,
                    max_checks: int | None = None) -> dict[str, float]:
    """Relative error per name of analytic gradients against central differences of `energy`.

    analytic: name -> (array, its analytic dE/d(array)); each array is perturbed in place (and
    changed back) at up to `max_checks` random positions (all when None).
    """
    rng = np.random.default_rng(seed)
    errors = {}
    for name, (array, grad) in analytic.items():
        positions = _positions(array.size, max_checks, rng)
        numeric = numeric_gradient(energy, array, positions, eps)
        errors[name] = relative_error(np.asarray(grad).reshape(-1)[positions], numeric)
    return errors


def check_layer(layer, x: np.ndarray, *, eps: float = 1e-6, seed: int = 0,
                max_checks: int | None = None, training: bool = False,
                prepare: Callable[[], None] | None = None) -> dict[str, float]:
    """Relative errors of a block's backward: {"input": ..., "weight": ..., "bias": ...}.

    x is a float64 batch (N, ...). `prepare()` runs before every forward (e.g. to reseed dropout).
    At most `max_checks` values per array are perturbed (all when None).
    """
    _require_float64(repr(layer), layer.dtype)
    x = np.array(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    prepare = prepare or (lambda: None)
    prepare()
    out = layer.forward(x, training=training)
    projection = rng.standard_normal(out.shape)
    layer.zero_grad()
    analytic = {"input": (x, layer.backward(projection))}
    analytic.update({name: (layer.params[name], layer.grads[name].copy())
                     for name in layer.params if layer.trainable})

    def energy() -> float:
        prepare()
        return float((layer.forward(x, training=training, record=False) * projection).sum())

    return check_gradients(energy, analytic, eps=eps, seed=seed + 1, max_checks=max_checks)


def check_model(model, x: np.ndarray, labels: np.ndarray, loss, *, eps: float = 1e-6,
                seed: int = 0, max_checks: int | None = 30) -> dict[str, float]:
    """Relative errors of a whole network plus loss: one entry per parameter and "input"."""
    _require_float64(f"network {model.name!r}", model.dtype)
    x = np.array(x, dtype=np.float64)
    loss.forward(model.forward(x, training=False, record=True), labels)
    model.zero_grad()
    analytic = {"input": (x, model.backward(loss.backward(), input_grad=True))}
    analytic.update({name: (value, grad.copy()) for name, value, grad in model.named_parameters()})

    def energy() -> float:
        return loss.forward(model.forward(x, training=False), labels)

    return check_gradients(energy, analytic, eps=eps, seed=seed, max_checks=max_checks)
