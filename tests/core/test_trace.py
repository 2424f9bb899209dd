"""One pass as data: the deltas chain, weight gradients match finite differences, the pass equals
forward + backward, and the model's gradients and recorded passes are left alone."""

import numpy as np
import pytest

from core.nn.gradcheck import check_gradients
from core.nn.losses import MSE, SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.trace import PassTrace, trace_pass


def b(name, **config):
    return {"class": name, "config": config}


SPEC = {"name": "traced", "input_shape": [2, 7, 6], "layers": [
    b("Conv2D", out_channels=3, kernel_size=3, padding=1), b("Tanh"), b("MaxPool2D", size=2),
    b("Conv2D", out_channels=2, kernel_size=2, stride=1), b("LeakyReLU", negative_slope=0.1),
    b("Flatten"), b("Dense", out_features=5), b("Sigmoid"), b("Dense", out_features=3),
    b("Softmax")]}


def model_and_batch(dtype=np.float64, seed=0):
    model = Sequential.from_spec(SPEC, seed=seed, dtype=dtype)
    for layer in model.layers:
        if "bias" in layer.params:
            layer.params["bias"][:] = np.random.default_rng(seed + 1).standard_normal(
                layer.params["bias"].shape)
    x = np.random.default_rng(seed + 2).standard_normal((4, 2, 7, 6)).astype(dtype)
    return model, x, np.array([0, 2, 1, 2])


def test_the_deltas_chain_from_the_loss_to_the_input():
    model, x, labels = model_and_batch()
    trace = trace_pass(model, x, labels, SoftmaxCrossEntropy())
    assert isinstance(trace, PassTrace)
    assert [t.index for t in trace.blocks] == list(range(9))  # the Softmax is the probabilities
    np.testing.assert_array_equal(trace.blocks[0].input, x)
    np.testing.assert_array_equal(trace.blocks[-1].output, trace.logits)
    np.testing.assert_array_equal(trace.blocks[-1].grad_output, trace.grad_logits)
    for below, above in zip(trace.blocks, trace.blocks[1:], strict=False):
        np.testing.assert_array_equal(above.input, below.output)
        np.testing.assert_array_equal(above.grad_input, below.grad_output)
    for t in trace.blocks:
        assert t.grad_output.shape == t.output.shape and t.grad_input.shape == t.input.shape
    np.testing.assert_allclose(trace.probabilities.sum(axis=1), 1, rtol=1e-12)
    expected = (trace.probabilities - np.eye(3)[labels]) / len(labels)
    np.testing.assert_allclose(trace.grad_logits, expected, rtol=1e-10, atol=1e-14)
    assert trace.blocks[0].name.startswith("Conv2D(2->3")


@pytest.mark.parametrize("loss", [SoftmaxCrossEntropy(), MSE()], ids=repr)
def test_weight_and_input_gradients_match_finite_differences(loss):
    model, x, labels = model_and_batch(seed=3)
    trace = trace_pass(model, x, labels, loss)
    analytic = {"input": (x, trace.blocks[0].grad_input)}
    for t in trace.blocks:
        for name, grad in t.grad_params.items():
            analytic[f"{t.index}.{name}"] = (model.layers[t.index].params[name], grad)
    assert len(analytic) == 1 + 2 * 4

    def energy():
        return loss.forward(model.forward(x), labels)

    errors = check_gradients(energy, analytic, max_checks=25)
    assert max(errors.values()) < 1e-6, errors
    assert trace.loss == pytest.approx(energy(), rel=1e-12)


def test_the_pass_equals_forward_and_backward_and_leaves_the_model_as_it_was():
    model, x, labels = model_and_batch(dtype=np.float32, seed=4)
    rng = np.random.default_rng(5)
    for _, _, grad in model.named_parameters():
        grad[...] = rng.standard_normal(grad.shape)  # gradients accumulated by earlier steps
    before = {name: grad.copy() for name, _, grad in model.named_parameters()}
    earlier = x[:2] * 0.5
    model.forward(earlier, training=True)  # a pass that waits for its backward

    trace = trace_pass(model, x, labels, SoftmaxCrossEntropy())

    for name, _, grad in model.named_parameters():
        np.testing.assert_array_equal(grad, before[name])
    assert [layer.pending for layer in model.layers] == [1] * 9 + [0]
    loss = SoftmaxCrossEntropy()
    model.drop_contexts()
    value = loss.forward(model.forward(x, training=True), labels)
    model.zero_grad()
    grad_x = model.backward(loss.backward(), input_grad=True)
    assert trace.loss == pytest.approx(value, rel=1e-6)
    np.testing.assert_allclose(trace.logits, model.forward(x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(trace.probabilities, model.predict(x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(trace.blocks[0].grad_input, grad_x, rtol=1e-5, atol=1e-8)
    for t in trace.blocks:
        for name, grad in t.grad_params.items():
            np.testing.assert_allclose(grad, model.layers[t.index].grads[name], rtol=1e-5,
                                       atol=1e-8)


def test_frozen_blocks_and_a_failing_loss_leave_no_trace_behind():
    spec = {**SPEC, "layers": [dict(SPEC["layers"][0], config={
        **SPEC["layers"][0]["config"], "trainable": False}), *SPEC["layers"][1:]]}
    model = Sequential.from_spec(spec, dtype=np.float64)
    x = np.random.default_rng(6).standard_normal((2, 2, 7, 6))
    trace = trace_pass(model, x, np.array([1, 0]), SoftmaxCrossEntropy())
    assert trace.blocks[0].trainable is False and trace.blocks[0].grad_params == {}
    assert set(trace.blocks[3].grad_params) == {"weight", "bias"}
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        trace_pass(model, x, np.array([1, 7]), SoftmaxCrossEntropy())
    assert all(layer.pending == 0 for layer in model.layers)


def test_dropout_draws_are_restored_after_a_training_trace():
    spec = {"input_shape": [6], "layers": [b("Dropout", p=0.5), b("Dense", out_features=2)]}
    model = Sequential.from_spec(spec, dtype=np.float64)
    twin = Sequential.from_spec(spec, dtype=np.float64)
    x = np.ones((3, 6))
    trace = trace_pass(model, x, np.array([0, 1, 0]), SoftmaxCrossEntropy(), training=True)
    assert (trace.blocks[0].output == 0).any()
    np.testing.assert_array_equal(model.forward(x, training=True), twin.forward(x, training=True))
