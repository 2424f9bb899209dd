"""Optimisers that update parameters in place from their gradients, and learning-rate schedules.

`step(named_parameters)` takes the list `Sequential.named_parameters()` returns:
(name, value, grad) triples; state (velocities, moments) is kept per name.
"""

from __future__ import annotations

import math

import numpy as np


def _check_lr(lr) -> float:
    if not isinstance(lr, int | float) or isinstance(lr, bool) or not lr > 0 or math.isinf(lr):
        raise ValueError(f"learning rate must be a positive number; received {lr!r}")
    return float(lr)


class SGD:
    """Stochastic gradient descent with momentum and weight decay (PyTorch's formulation).

    v <- momentum * v + (grad + weight_decay * w);  w <- w - lr * v
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        self.lr = _check_lr(lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1); received {momentum}")
        if weight_decay < 0:
            raise ValueError(f"SGD: weight_decay must be >= 0; received {weight_decay}")
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, named_parameters) -> None:
        for name, value, grad in named_parameters:
            g = grad
            if self.weight_decay:
                g = g + value.dtype.type(self.weight_decay) * value
            if self.momentum:
                v = self.velocity.get(name)
                if v is None or v.shape != value.shape:
                    v = self.velocity[name] = np.array(g, dtype=value.dtype)
                else:
                    v *= value.dtype.type(self.momentum)
                    v += g
                g = v
            value -= value.dtype.type(self.lr) * g

    def __repr__(self):
        return (f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, "
                f"weight_decay={self.weight_decay:g})")


class Adam:
    """Adam: per-weight step sizes from running means of the gradient and its square."""

    def __init__(self, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        self.lr = _check_lr(lr)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"Adam: betas must lie in [0, 1); received {betas}")
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.state: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}

    def step(self, named_parameters) -> None:
        b1, b2 = self.betas
        for name, value, grad in named_parameters:
            g = grad
            if self.weight_decay:
                g = g + value.dtype.type(self.weight_decay) * value
            m, v, t = self.state.get(name, (None, None, 0))
            if m is None or m.shape != value.shape:
                m, v, t = np.zeros_like(value), np.zeros_like(value), 0
            t += 1
            m *= value.dtype.type(b1)
            m += value.dtype.type(1 - b1) * g
            v *= value.dtype.type(b2)
            v += value.dtype.type(1 - b2) * (g * g)
            self.state[name] = (m, v, t)
            step = self.lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            eps = self.eps * math.sqrt(1 - b2**t)
            value -= value.dtype.type(step) * m / (np.sqrt(v) + value.dtype.type(eps))

    def __repr__(self):
        return f"Adam(lr={self.lr:g}, betas={self.betas}, weight_decay={self.weight_decay:g})"


class ConstantLR:
    """The same learning rate every epoch."""

    def __init__(self, lr: float):
        self.lr = _check_lr(lr)

    def schedule(self, epoch: int) -> float:
        return self.lr

    __call__ = schedule


class StepLR:
    """lr * gamma ** (epoch // step_size): drops by `gamma` every `step_size` epochs."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1):
        self.lr = _check_lr(lr)
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer; received {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def schedule(self, epoch: int) -> float:
        return self.lr * self.gamma ** (epoch // self.step_size)

    __call__ = schedule


class CosineLR:
    """Half a cosine from lr at epoch 0 down to min_lr at `total_epochs`."""

    def __init__(self, lr: float, total_epochs: int, min_lr: float = 0.0):
        self.lr = _check_lr(lr)
        if int(total_epochs) != total_epochs or total_epochs < 1:
            raise ValueError(f"CosineLR: total_epochs must be a positive integer; "
                             f"received {total_epochs}")
        self.total_epochs, self.min_lr = int(total_epochs), float(min_lr)

    def schedule(self, epoch: int) -> float:
        t = min(max(epoch, 0), self.total_epochs) / self.total_epochs
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1 + math.cos(math.pi * t))

    __call__ = schedule
