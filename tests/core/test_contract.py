"""The layer contract: one context per forward call, backward last in first out, gradients that
add up until zero_grad, a block applied twice, no contexts kept by evaluation."""

import numpy as np
import pytest

from core.data.sources import load_dataset
from core.nn.gradcheck import check_gradients, check_model
from core.nn.layer import LAYERS
from core.nn.layers import Conv2D, Dense
from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.optim import SGD
from core.train.trainer import Trainer, evaluate

TOLERANCE = 1e-6


def away_from_kinks(shape, seed=0):
    """Tie-free values at least 0.05 from zero (ReLU's kink)."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    magnitudes = 0.05 + rng.permutation(size) / size
    return (magnitudes * rng.choice([-1.0, 1.0], size)).reshape(shape)


# Blocks whose output has the input's shape, so that y = L(L(x)) works: (block, sample shape).
SQUARE_BLOCKS = {
    "Dense": (lambda: Dense(5, 5, dtype=np.float64, rng=np.random.default_rng(1)), (5,)),
    "Conv2D": (lambda: Conv2D(2, 2, 3, padding="same", dtype=np.float64,
                              rng=np.random.default_rng(2)), (2, 5, 6)),
    "Tanh": (lambda: LAYERS["Tanh"](dtype=np.float64), (3, 4)),
    "Sigmoid": (lambda: LAYERS["Sigmoid"](dtype=np.float64), (7,)),
}


def with_bias(layer, seed=3):
    if "bias" in layer.params:
        layer.params["bias"][:] = np.random.default_rng(seed).standard_normal(
            layer.params["bias"].shape)
    return layer


def param_pairs(layer):
    return {name: (layer.params[name], layer.grads[name].copy()) for name in layer.params}


@pytest.mark.parametrize("name", sorted(SQUARE_BLOCKS))
def test_a_block_applied_to_its_own_output_gets_both_gradients(name):
    make, shape = SQUARE_BLOCKS[name]
    layer = with_bias(make())
    x = away_from_kinks((3, *shape), seed=4)
    projection = np.random.default_rng(5).standard_normal(x.shape)
    layer.zero_grad()
    layer.forward(layer.forward(x))
    grad_x = layer.backward(layer.backward(projection))
    assert layer.pending == 0

    def energy():
        inner = layer.forward(x, record=False)
        return float((layer.forward(inner, record=False) * projection).sum())

    errors = check_gradients(energy, {"input": (x, grad_x), **param_pairs(layer)})
    assert set(errors) == {"input", *layer.params}
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("name", ["Dense", "Conv2D", "Tanh", "ReLU"])
def test_two_inputs_through_one_block_sum_their_weight_gradients(name):
    if name == "ReLU":
        layer, shape = LAYERS["ReLU"](dtype=np.float64), (2, 3, 3)
    else:
        make, shape = SQUARE_BLOCKS[name]
        layer = with_bias(make())
    first = away_from_kinks((2, *shape), seed=6)
    second = away_from_kinks((4, *shape), seed=7)  # another batch size: contexts cannot mix
    rng = np.random.default_rng(8)
    out_first = layer.forward(first)
    out_second = layer.forward(second)
    r_first, r_second = rng.standard_normal(out_first.shape), rng.standard_normal(
        out_second.shape)
    layer.zero_grad()
    grad_second = layer.backward(r_second)  # the newest forward first
    grad_first = layer.backward(r_first)

    def energy():
        return float((layer.forward(first, record=False) * r_first).sum()
                     + (layer.forward(second, record=False) * r_second).sum())

    errors = check_gradients(energy, {"first": (first, grad_first),
                                      "second": (second, grad_second), **param_pairs(layer)})
    assert max(errors.values()) < TOLERANCE, errors
    if layer.params:  # the sum of both uses, not the last one alone
        summed = layer.grads["weight"].copy()
        layer.forward(first)
        layer.zero_grad()
        layer.backward(r_first)
        np.testing.assert_allclose(summed - layer.grads["weight"],
                                   weight_grad_of(layer, second, r_second), rtol=1e-10,
                                   atol=1e-12)


def weight_grad_of(layer, x, projection):
    """dE/d(weight) of one use of `layer` alone."""
    layer.forward(x)
    layer.zero_grad()
    layer.backward(projection)
    return layer.grads["weight"].copy()


def test_a_network_that_uses_one_block_twice_passes_gradcheck():
    dense = with_bias(Dense(4, 4, dtype=np.float64, rng=np.random.default_rng(9)))
    tanh = LAYERS["Tanh"](dtype=np.float64)
    model = Sequential([dense, tanh, dense, tanh, Dense(4, 3, dtype=np.float64)], (4,),
                       name="shared")
    names = [name for name, _, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "4.weight", "4.bias"]  # the shared block once
    x = np.random.default_rng(10).standard_normal((3, 4))
    errors = check_model(model, x, np.array([0, 2, 1]), SoftmaxCrossEntropy(), max_checks=None)
    assert max(errors.values()) < TOLERANCE, errors
    assert all(layer.pending == 0 for layer in model.layers)


def test_gradients_add_up_until_zero_grad_and_stay_the_same_arrays():
    layer = Dense(3, 2, rng=np.random.default_rng(11))
    arrays = dict(layer.grads)
    x = np.random.default_rng(12).standard_normal((4, 3)).astype(np.float32)
    grad = np.ones((4, 2), dtype=np.float32)
    layer.forward(x)
    layer.backward(grad)
    once = layer.grads["weight"].copy()
    layer.forward(x)
    layer.backward(grad)
    np.testing.assert_allclose(layer.grads["weight"], 2 * once, rtol=1e-6)
    layer.zero_grad()
    assert not layer.grads["weight"].any() and not layer.grads["bias"].any()
    assert all(layer.grads[k] is arrays[k] for k in arrays)


def test_backward_without_its_forward_raises_and_a_wrong_shape_keeps_the_context():
    layer = Dense(3, 2)
    with pytest.raises(RuntimeError, match=r"Dense\(3->2\): backward without a matching forward"):
        layer.backward(np.zeros((1, 2), dtype=np.float32))
    layer.forward(np.ones((2, 3), dtype=np.float32))
    layer.forward(np.ones((5, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\(5, 2\); received \(2, 2\)"):
        layer.backward(np.zeros((2, 2), dtype=np.float32))  # the newest is the batch of 5
    assert layer.pending == 2
    assert layer.backward(np.zeros((5, 2), dtype=np.float32)).shape == (5, 3)
    assert layer.backward(np.zeros((2, 2), dtype=np.float32)).shape == (2, 3)
    with pytest.raises(RuntimeError, match="backward without a matching forward"):
        layer.backward(np.zeros((2, 2), dtype=np.float32))


def reference_model():
    spec = {"name": "small", "input_shape": [1, 8, 8], "layers": [
        {"class": "Conv2D", "config": {"out_channels": 3, "kernel_size": 3, "padding": 1}},
        {"class": "ReLU", "config": {}}, {"class": "Dropout", "config": {"p": 0.2}},
        {"class": "MaxPool2D", "config": {"size": 2}}, {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"out_features": 4}}, {"class": "Softmax", "config": {}}]}
    return Sequential.from_spec(spec, seed=1)


def test_evaluation_keeps_no_contexts_across_many_calls():
    model = reference_model()
    x = np.random.default_rng(13).random((2, 1, 8, 8), dtype=np.float32)
    for _ in range(2000):
        model.forward(x)
        model.forward(x, training=False)
        model.predict(x)
        model.feature_maps(x)
    assert [layer.pending for layer in model.layers] == [0] * len(model.layers)
    images = np.random.default_rng(14).random((20, 1, 8, 8), dtype=np.float32)
    data = type("Data", (), {"images": images, "labels": np.arange(20) % 4,
                             "__len__": lambda self: 20})()
    evaluate(model, data, SoftmaxCrossEntropy(), batch_size=3)
    assert [layer.pending for layer in model.layers] == [0] * len(model.layers)
    with pytest.raises(RuntimeError, match="network 'small': backward without a matching"):
        model.backward(np.zeros((2, 4), dtype=np.float32))


def test_a_training_pass_is_kept_until_backpropagated_once():
    model = reference_model()
    x = np.random.default_rng(15).random((2, 1, 8, 8), dtype=np.float32)
    model.forward(x, training=True)
    assert [layer.pending for layer in model.layers] == [1] * 6 + [0]  # the Softmax is skipped
    model.zero_grad()
    model.backward(np.ones((2, 4), dtype=np.float32))
    assert [layer.pending for layer in model.layers] == [0] * 7
    with pytest.raises(RuntimeError, match="backward without a matching forward"):
        model.backward(np.ones((2, 4), dtype=np.float32))
    model.forward(x, training=True)
    model.drop_contexts()
    assert [layer.pending for layer in model.layers] == [0] * 7


def test_frozen_filters_keep_their_views_of_the_accumulated_gradients():
    spec = {"input_shape": [1, 6, 6], "layers": [
        {"class": "Conv2D", "config": {"out_channels": 3, "kernel_size": 3},
         "init": {"kernels": [{"name": "box", "values": [[1, 1, 1], [1, 1, 1], [1, 1, 1]]}],
                  "freeze": True}},
        {"class": "Flatten", "config": {}}, {"class": "Dense", "config": {"out_features": 2}}]}
    model = Sequential.from_spec(spec)
    views = {name: grad for name, _, grad in model.named_parameters()}
    conv = model.layers[0]
    assert np.shares_memory(views["0.weight"], conv.grads["weight"])
    x = np.random.default_rng(16).random((3, 1, 6, 6), dtype=np.float32)
    loss = SoftmaxCrossEntropy()
    seeded = conv.params["weight"][0].copy()
    for _ in range(2):
        loss.forward(model.forward(x, training=True), np.array([0, 1, 1]))
        model.zero_grad()
        model.backward(loss.backward())
        np.testing.assert_array_equal(views["0.weight"], conv.grads["weight"][1:])
        assert views["0.weight"].any()
        SGD(0.1).step(model.named_parameters())
    np.testing.assert_array_equal(conv.params["weight"][0], seeded)


def test_the_trainer_zeroes_gradients_before_each_step():
    class Recorder:
        """An optimiser that keeps the gradients it is given and leaves the weights alone."""

        lr = 0.1

        def __init__(self):
            self.seen = []

        def step(self, named_parameters):
            self.seen.append({name: grad.copy() for name, _, grad in named_parameters})

    train, _ = load_dataset("shapes", count=32, test_count=8, size=16, seed=0)
    spec = {"input_shape": [1, 16, 16], "layers": [
        {"class": "Flatten", "config": {}}, {"class": "Dense", "config": {"out_features": 4}}]}
    recorder = Recorder()
    trainer = Trainer(Sequential.from_spec(spec), SoftmaxCrossEntropy(), recorder, train,
                      batch_size=32, epochs=3, stats_every=0)
    trainer.run()
    assert len(recorder.seen) == 3  # one batch of all 32 samples per epoch, same weights
    for later in recorder.seen[1:]:
        np.testing.assert_allclose(later["1.weight"], recorder.seen[0]["1.weight"], rtol=1e-4,
                                   atol=1e-7)
