"""Classification metrics: accuracy, confusion matrix, per-class precision and recall."""

from __future__ import annotations

import numpy as np


def predicted_classes(scores: np.ndarray) -> np.ndarray:
    """Class indices (N,) from scores (N, K) (logits or probabilities); (N,) indices pass."""
    scores = np.asarray(scores)
    if scores.ndim == 2:
        return np.argmax(scores, axis=1)
    if scores.ndim == 1:
        return scores.astype(np.int64)
    raise ValueError(f"expected scores (N, K) or class indices (N,); received shape {scores.shape}")


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of right predictions: argmax of scores (N, K), or class indices (N,)."""
    predicted = predicted_classes(scores)
    labels = np.asarray(labels)
    if predicted.shape != labels.shape:
        raise ValueError(f"{predicted.shape[0]} predictions for {labels.shape} labels")
    if labels.size == 0:
        return 0.0
    return float(np.mean(predicted == labels))


def top_k_accuracy(scores: np.ndarray, labels: np.ndarray, k: int = 3) -> float:
    """Fraction of samples whose label is among the k highest scores (N, K)."""
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    if scores.ndim != 2 or scores.shape[0] != labels.shape[0]:
        raise ValueError(f"expected scores (N, K) for {labels.shape[0]} labels; got {scores.shape}")
    if labels.size == 0:
        return 0.0
    k = min(int(k), scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (K, K) int64: row = true class, column = predicted class."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = predicted_classes(predicted)
    if labels.shape != predicted.shape:
        raise ValueError(f"{labels.shape[0]} labels for {predicted.shape[0]} predictions")
    for name, values in (("labels", labels), ("predictions", predicted)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must be in 0..{num_classes - 1}; found {values.min()}.."
                             f"{values.max()}")
    flat = labels * num_classes + predicted
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def precision_recall(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class precision and recall (K,) float64 from a confusion matrix (K, K).

    precision[k] = right predictions of k / all predictions of k; recall[k] = right predictions
    of k / all samples of k. A class never predicted (or absent) gets 0.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    right = np.diag(confusion)
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    precision = np.divide(right, predicted, out=np.zeros_like(right), where=predicted > 0)
    recall = np.divide(right, actual, out=np.zeros_like(right), where=actual > 0)
    return precision, recall


def class_report(labels, scores, class_names) -> list[dict]:
    """One dict per class: name, support, precision, recall (for tables and the CLI)."""
    confusion = confusion_matrix(labels, scores, len(class_names))
    precision, recall = precision_recall(confusion)
    return [
        {
            "name": str(name),
            "support": int(confusion[k].sum()),
            "precision": float(precision[k]),
            "recall": float(recall[k]),
        }
        for k, name in enumerate(class_names)
    ]
