"""Loss functions: a number for how wrong the outputs are, and its gradient for backprop."""

from __future__ import annotations

import numpy as np

from core.nn import functional as F


def _check(name: str, outputs, targets) -> tuple[np.ndarray, np.ndarray]:
    outputs = np.asarray(outputs)
    targets = np.asarray(targets)
    if outputs.ndim != 2 or outputs.dtype.kind != "f":
        raise ValueError(f"{name} expects floating outputs of shape (N, K); received "
                         f"{outputs.dtype} {outputs.shape}")
    n, k = outputs.shape
    if n == 0:
        raise ValueError(f"{name}: the batch is empty; a loss needs at least one sample")
    if targets.ndim == 1:
        if targets.dtype.kind not in "iu":
            raise TypeError(f"{name} expects integer class labels (N,); received {targets.dtype}")
        if targets.shape[0] != n:
            raise ValueError(f"{name}: {n} outputs but {targets.shape[0]} labels")
        if n and (targets.min() < 0 or targets.max() >= k):
            raise ValueError(f"{name}: labels must lie in 0..{k - 1} for {k} outputs; received "
                             f"{targets.min()}..{targets.max()}")
    elif targets.shape != outputs.shape:
        raise ValueError(f"{name}: targets of shape {targets.shape} do not match outputs "
                         f"{outputs.shape}")
    if not np.isfinite(outputs).all():
        raise ValueError(f"{name}: the network produced NaN or infinite outputs")
    return outputs, targets


class SoftmaxCrossEntropy:
    """Cross-entropy of softmax(logits) against labels, fused for a stable, simple gradient.

    `forward(logits (N, K), labels (N,) ints or (N, K) probabilities) -> float` (batch mean);
    `backward() -> (softmax(logits) - one_hot(labels)) / N`, shaped (N, K).
    """

    def __init__(self):
        self._grad = None

    def forward(self, logits, labels) -> float:
        logits, labels = _check("SoftmaxCrossEntropy", logits, labels)
        loss, self._grad = F.softmax_cross_entropy(logits, labels)
        return loss

    def backward(self) -> np.ndarray:
        if self._grad is None:
            raise RuntimeError("SoftmaxCrossEntropy: call forward before backward")
        return self._grad

    def __repr__(self):
        return "SoftmaxCrossEntropy()"


class MSE:
    """Half the summed squared error per sample, averaged over the batch: E = 1/2 sum (o - t)^2.

    Integer labels (N,) are compared with one-hot rows. `backward() -> (o - t) / N`.
    """

    def __init__(self):
        self._grad = None

    def forward(self, outputs, targets) -> float:
        outputs, targets = _check("MSE", outputs, targets)
        if targets.ndim == 1:
            targets = np.eye(outputs.shape[1], dtype=outputs.dtype)[targets]
        diff = outputs - targets.astype(outputs.dtype, copy=False)
        n = outputs.shape[0]
        self._grad = diff / outputs.dtype.type(n)
        return 0.5 * float((diff.astype(np.float64) ** 2).sum()) / n

    def backward(self) -> np.ndarray:
        if self._grad is None:
            raise RuntimeError("MSE: call forward before backward")
        return self._grad

    def __repr__(self):
        return "MSE()"


LOSSES = {"SoftmaxCrossEntropy": SoftmaxCrossEntropy, "MSE": MSE}
