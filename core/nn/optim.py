"""Optimisers that update parameters in place from their gradients, and learning-rate schedules.

`step(named_parameters)` takes the list `Sequential.named_parameters()` returns:
(name, value, grad) triples; state (velocities, moments) is kept per name. Each optimiser and
schedule gives its constructor arguments with `config()` and is rebuilt by `from_config`;
`to_config` / `optimizer_from_config` / `schedule_from_config` add and read the class name.
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

    def config(self) -> dict:
        return {"lr": self.lr, "momentum": float(self.momentum),
                "weight_decay": float(self.weight_decay)}

    @classmethod
    def from_config(cls, config: dict) -> SGD:
        return cls(**config)

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

    def config(self) -> dict:
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps,
                "weight_decay": self.weight_decay}

    @classmethod
    def from_config(cls, config: dict) -> Adam:
        config = dict(config)
        if "betas" in config:
            config["betas"] = tuple(config["betas"])
        return cls(**config)

    def __repr__(self):
        return f"Adam(lr={self.lr:g}, betas={self.betas}, weight_decay={self.weight_decay:g})"


class _Schedule:
    """What the schedules share: `config()` is the constructor's arguments."""

    ARGS: tuple[str, ...] = ()

    def config(self) -> dict:
        return {name: getattr(self, name) for name in self.ARGS}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{name}={getattr(self, name):g}" for name in self.ARGS)
        return f"{type(self).__name__}({args})"


class ConstantLR(_Schedule):
    """The same learning rate every epoch."""

    ARGS = ("lr",)

    def __init__(self, lr: float):
        self.lr = _check_lr(lr)

    def schedule(self, epoch: int) -> float:
        return self.lr

    __call__ = schedule


class StepLR(_Schedule):
    """lr * gamma ** (epoch // step_size): drops by `gamma` every `step_size` epochs."""

    ARGS = ("lr", "step_size", "gamma")

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1):
        self.lr = _check_lr(lr)
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer; received {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def schedule(self, epoch: int) -> float:
        return self.lr * self.gamma ** (epoch // self.step_size)

    __call__ = schedule


class CosineLR(_Schedule):
    """Half a cosine from lr at epoch 0 down to min_lr at `total_epochs`."""

    ARGS = ("lr", "total_epochs", "min_lr")

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


OPTIMIZERS = {"SGD": SGD, "Adam": Adam}
SCHEDULES = {"ConstantLR": ConstantLR, "StepLR": StepLR, "CosineLR": CosineLR}


def to_config(item) -> dict:
    """{"class": name, "config": constructor arguments} for an optimiser or a schedule."""
    return {"class": type(item).__name__, "config": item.config()}


def _from_config(data, known: dict, what: str):
    if not isinstance(data, dict) or not isinstance(data.get("config", {}), dict):
        raise ValueError(f'{what} must be {{"class": ..., "config": {{...}}}}; received {data!r}')
    cls = known.get(data.get("class"))
    if cls is None:
        raise ValueError(f"{what}: unknown class {data.get('class')!r}; known: "
                         f"{', '.join(known)}")
    try:
        return cls.from_config(data.get("config", {}))
    except TypeError as error:
        raise ValueError(f"{what} {data['class']}: {error}") from None
    except ValueError as error:
        text = str(error)
        raise ValueError(f"{what} {text}" if text.startswith(data["class"]) else
                         f"{what} {data['class']}: {text}") from None


def optimizer_from_config(data: dict):
    """The optimiser `to_config` described; ValueError naming the class and setting if not."""
    return _from_config(data, OPTIMIZERS, "optimizer")


def schedule_from_config(data: dict):
    """The learning-rate schedule `to_config` described; ValueError if it cannot be built."""
    return _from_config(data, SCHEDULES, "schedule")
