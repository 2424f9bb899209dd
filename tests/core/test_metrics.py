"""Accuracy, confusion matrix, precision and recall against counts done by hand."""

import numpy as np
import pytest

from core.train.metrics import (
    accuracy,
    class_report,
    confusion_matrix,
    precision_recall,
    top_k_accuracy,
)

LABELS = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
PREDICTED = np.array([0, 1, 0, 1, 1, 2, 0, 2, 1])


def test_accuracy_from_indices_and_scores():
    assert accuracy(PREDICTED, LABELS) == pytest.approx(6 / 9)
    scores = np.eye(3)[PREDICTED] * 0.8 + 0.05
    assert accuracy(scores, LABELS) == pytest.approx(6 / 9)
    with pytest.raises(ValueError):
        accuracy(PREDICTED[:-1], LABELS)


def test_confusion_matrix_counts_true_rows_predicted_columns():
    expected = np.zeros((4, 4), dtype=np.int64)
    for truth, guess in zip(LABELS, PREDICTED, strict=True):
        expected[truth, guess] += 1
    confusion = confusion_matrix(LABELS, PREDICTED, 4)
    np.testing.assert_array_equal(confusion, expected)
    assert confusion.sum() == LABELS.size
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix(LABELS, PREDICTED, 2)


def test_precision_and_recall_per_class():
    precision, recall = precision_recall(confusion_matrix(LABELS, PREDICTED, 4))
    # class 0: predicted 3 times (2 right); 3 samples (2 right)
    # class 1: predicted 4 times (2 right); 2 samples (2 right)
    # class 2: predicted 2 times (2 right); 4 samples (2 right); class 3: absent -> 0
    np.testing.assert_allclose(precision, [2 / 3, 2 / 4, 2 / 2, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(recall, [2 / 3, 2 / 2, 2 / 4, 0.0], rtol=0, atol=1e-12)


def test_top_k_and_report():
    scores = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    labels = np.array([1, 0, 2])
    assert top_k_accuracy(scores, labels, k=1) == 0.0
    assert top_k_accuracy(scores, labels, k=2) == pytest.approx(1 / 3)
    assert top_k_accuracy(scores, labels, k=3) == 1.0
    report = class_report(LABELS, PREDICTED, ["a", "b", "c"])
    assert [r["support"] for r in report] == [3, 2, 4]
    assert report[1]["recall"] == 1.0 and report[1]["precision"] == 0.5
