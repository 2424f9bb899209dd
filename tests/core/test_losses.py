"""Losses: values against direct formulas, gradients against finite differences."""

import numpy as np
import pytest

from core.nn.gradcheck import numeric_gradient, relative_error
from core.nn.losses import MSE, SoftmaxCrossEntropy


@pytest.mark.parametrize("loss_cls", [SoftmaxCrossEntropy, MSE])
@pytest.mark.parametrize("batch", [1, 5])
def test_loss_gradients_match_finite_differences(loss_cls, batch):
    rng = np.random.default_rng(batch)
    logits = rng.standard_normal((batch, 4))
    labels = rng.integers(0, 4, batch)
    loss = loss_cls()
    loss.forward(logits, labels)
    analytic = loss.backward().copy()
    numeric = numeric_gradient(lambda: loss.forward(logits, labels), logits,
                               np.arange(logits.size), 1e-6)
    assert relative_error(analytic, numeric) < 1e-8


def test_cross_entropy_value_and_fused_gradient():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], dtype=np.float32)
    labels = np.array([0, 1])
    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert value == pytest.approx(-np.log(p[[0, 1], labels]).mean(), rel=1e-6)
    grad = loss.backward()
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, (p - np.eye(3)[labels]) / 2, rtol=1e-5, atol=1e-7)


def test_cross_entropy_is_stable_for_huge_logits():
    loss = SoftmaxCrossEntropy()
    value = loss.forward(np.array([[1e30, -1e30]], dtype=np.float32), np.array([0]))
    assert value == 0.0 and np.isfinite(loss.backward()).all()


def test_mse_is_half_the_squared_error_averaged_over_the_batch():
    outputs = np.array([[0.5, 0.2], [0.1, 0.9]])
    loss = MSE()
    assert loss.forward(outputs, np.array([0, 1])) == pytest.approx(
        0.5 * ((0.5 - 1) ** 2 + 0.2**2 + 0.1**2 + 0.1**2) / 2, rel=1e-12)
    np.testing.assert_allclose(loss.backward(), (outputs - np.eye(2)) / 2, rtol=1e-12)
    same = MSE().forward(outputs, np.eye(2))
    assert same == pytest.approx(loss.forward(outputs, np.array([0, 1])), rel=1e-12)


@pytest.mark.parametrize("outputs,labels,error,message", [
    (np.zeros((2, 3)), np.array([0, 3]), ValueError, r"labels must lie in 0..2"),
    (np.zeros((2, 3)), np.array([0]), ValueError, "2 outputs but 1 labels"),
    (np.zeros((2, 3)), np.array([0.5, 1.0]), TypeError, "integer class labels"),
    (np.zeros(3), np.array([0]), ValueError, r"shape \(N, K\)"),
    (np.full((1, 3), np.nan), np.array([0]), ValueError, "NaN"),
    (np.zeros((2, 3)), np.zeros((2, 4)), ValueError, "do not match"),
    (np.zeros((0, 3)), np.zeros(0, dtype=int), ValueError, "empty"),
])
def test_bad_loss_inputs_are_refused(outputs, labels, error, message):
    for loss in (SoftmaxCrossEntropy(), MSE()):
        with pytest.raises(error, match=message):
            loss.forward(outputs, labels)


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="forward before backward"):
        SoftmaxCrossEntropy().backward()
