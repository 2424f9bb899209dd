"""The backprop lab's data: per-position conv contributions sum to dE/dW, max pooling routes the
error to the arg-max only, every block's dE/dW and dE/dH match finite differences, the SGD step
lowers the loss, the model is left as it was, and the numerical check agrees."""

import json

import numpy as np
import pytest

from core.data.sources import load_dataset
from core.nn import lab_details
from core.nn.backprop_lab import (
    LabPass,
    activation_curve,
    conv_weight_contributions,
    dense_terms,
    maxpool_routing,
    numerical_check,
    run_lab_pass,
)
from core.nn.gradcheck import check_gradients
from core.nn.layer import LAYERS
from core.nn.layers import Dense
from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.optim import SGD
from core.resources import resource_path
from core.train.fitting import data_options, fit_to_data
from core.train.trainer import Trainer

LESSONS = ["chain_sigmoid", "tiny_cnn_9x9", "reference", "rnn_first_symbol"]


def template(name):
    return json.loads(resource_path("models", f"{name}.json").read_text())


def model_and_sample(name, count=1, seed=0, dtype=np.float64):
    """A template built in `dtype` with non-zero biases, `count` inputs in [0, 1) and labels. A
    block before a ReLU gets positive weights and biases, so that no ReLU output is zero and a
    max pool after it sees no ties (where a finite difference would straddle the kink)."""
    model = Sequential.from_spec(template(name), seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for layer, after in zip(model.layers, [*model.layers[1:], None], strict=True):
        positive = type(after).__name__ == "ReLU"
        for key, value in layer.params.items():
            if "bias" in key:
                value[...] = 0.1 * rng.standard_normal(value.shape)
            if positive:
                np.abs(value, out=value)
    x = rng.random((count, *model.input_shape)).astype(dtype)
    labels = rng.integers(0, model.output_shape[0], count)
    return model, x, labels


def nine_by_nine_shape():
    """One generated shape drawn at 9x9, the input the tiny CNN takes."""
    train, _ = load_dataset("shapes", size=9, count=4, test_count=1, seed=3,
                            kinds=["circle", "cross"])
    return train.images[:1].astype(np.float64), train.labels[:1]


# ----- the notes' 9x9 / pad 2 / 3x3 / stride 2 example ----------------------------------------
def test_the_9x9_template_has_36_contributions_of_3x3_that_sum_to_the_weight_gradient():
    model = Sequential.from_spec(template("tiny_cnn_9x9"), dtype=np.float64)
    x, labels = nine_by_nine_shape()
    conv = run_lab_pass(model, x, labels).blocks[0]
    assert conv.kind == "Conv2D" and conv.lab_view == "contributions"
    parts = conv_weight_contributions(conv)
    assert parts.count == 36 and parts.output_size == (6, 6)
    out_c, in_c = conv.params["weight"].shape[:2]
    assert parts.terms.shape == (36, out_c, in_c, 3, 3)
    assert parts.padded_input.shape == (1, 13, 13)
    for o in range(out_c):
        for c in range(in_c):
            terms = parts.terms_for(o, c)
            assert terms.shape == (36, 3, 3)
            np.testing.assert_allclose(terms.sum(axis=0), conv.grad_params["weight"][o, c],
                                       rtol=0, atol=1e-6)
            np.testing.assert_allclose(parts.running_sums(o, c)[-1], terms.sum(axis=0),
                                       rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(parts.terms.sum(axis=0), conv.grad_params["weight"], atol=1e-6,
                               rtol=0)
    np.testing.assert_allclose(parts.grad_out.sum(axis=0), conv.grad_params["bias"], atol=1e-12,
                               rtol=0)
    np.testing.assert_array_equal(parts.positions[7], [1, 1])  # row-major over the 6x6 outputs
    for p in (0, 7, 35):
        r0, c0, r1, c1 = parts.input_window(p)
        assert (r1 - r0, c1 - c0) == (3, 3)
        np.testing.assert_array_equal(parts.padded_input[:, r0:r1, c0:c1], parts.patches[p])
    assert parts.input_window(35) == (10, 10, 13, 13)
    assert np.all(parts.patches[0][:, :2, :] == 0)  # the top-left window lies in the padding


def test_contributions_of_each_sample_of_a_batch_add_up_to_the_batch_gradient(monkeypatch):
    model, x, labels = model_and_sample("reference", count=3)
    lab = run_lab_pass(model, x, labels)
    for conv in (lab.blocks[0], lab.blocks[3]):
        total = sum(conv_weight_contributions(conv, s).total() for s in range(3))
        np.testing.assert_allclose(total, conv.grad_params["weight"], rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="sample must be 0..2"):
        conv_weight_contributions(lab.blocks[0], 3)
    big = conv_weight_contributions(lab.blocks[3])
    monkeypatch.setattr(lab_details, "MAX_TERMS", big.grad_out.size * big.patches[0].size - 1)
    with pytest.raises(ValueError, match="take one filter slice with terms_for"):
        big.terms  # noqa: B018 - the property is what is tested
    assert big.terms_for(15, 7).shape == (196, 3, 3)
    with pytest.raises(ValueError, match="needs a convolution block"):
        conv_weight_contributions(lab.blocks[1])


# ----- max pooling ---------------------------------------------------------------------------
@pytest.mark.parametrize("size, stride", [(2, None), (3, 2), (3, 3)])
def test_max_pooling_sends_the_error_only_to_the_arg_max_cells(size, stride):
    spec = {"input_shape": [2, 7, 7], "layers": [
        {"class": "MaxPool2D", "config": {"size": size, "stride": stride}},
        {"class": "Flatten", "config": {}}, {"class": "Dense", "config": {"out_features": 3}}]}
    model = Sequential.from_spec(spec, dtype=np.float64)
    rng = np.random.default_rng(size)
    x = rng.permutation(np.arange(2 * 7 * 7, dtype=np.float64)).reshape(1, 2, 7, 7)  # no ties
    pool = run_lab_pass(model, x, [1]).blocks[0]
    route = maxpool_routing(pool)
    step = stride or size
    out_h = route.output.shape[1]
    argmax = np.zeros((2, 7, 7), bool)
    for c in range(2):  # the reference: each window's maximum found by plain indexing
        for i in range(out_h):
            for j in range(out_h):
                window = x[0, c, i * step:i * step + size, j * step:j * step + size]
                r, q = np.unravel_index(window.argmax(), window.shape)
                argmax[c, i * step + r, j * step + q] = True
                assert tuple(route.sources[c, i, j]) == (i * step + r, j * step + q)
                assert route.output[c, i, j] == window.max()
    assert np.all(pool.grad_output != 0)
    np.testing.assert_array_equal(pool.grad_input[0] != 0, argmax)
    np.testing.assert_allclose(route.grad_input, pool.grad_input[0], rtol=1e-12, atol=0)
    assert tuple(route.windows[1, 0]) == (step, 0, step + size, size)


def test_the_9x9_templates_pool_routes_its_error_to_its_maxima():
    model = Sequential.from_spec(template("tiny_cnn_9x9"), dtype=np.float64)
    x, labels = nine_by_nine_shape()
    pool = run_lab_pass(model, x, labels).blocks[1]
    route = maxpool_routing(pool)
    assert route.sources.shape == (4, 3, 3, 2) and route.size == 2 and route.stride == 2
    np.testing.assert_allclose(route.grad_input, pool.grad_input[0], rtol=1e-12, atol=0)
    c, i, j = np.indices((4, 3, 3))
    rows, cols = route.sources[..., 0], route.sources[..., 1]
    np.testing.assert_array_equal(route.input[c, rows, cols], route.output)


# ----- every block against finite differences ------------------------------------------------
@pytest.mark.parametrize("name", LESSONS)
def test_every_blocks_gradients_match_finite_differences(name):
    model, x, labels = model_and_sample(name, count=2, seed=4)
    loss = SoftmaxCrossEntropy()
    lab = run_lab_pass(model, x, labels, loss)
    body = model.layers

    def energy_from(start, feed):
        def energy():
            out = feed
            for layer in body[start:]:
                out = layer.forward(out, record=False, check=False)
            return loss.forward(out, labels)
        return energy

    checked = 0
    for block in lab.blocks:
        if block.kind == "ReLU":
            assert np.all(block.output > 0)  # no ties for the max pool after it
        layer = body[block.index]
        feed = block.input.copy()
        errors = check_gradients(energy_from(block.index, feed),
                                 {"input": (feed, block.grad_input)}, max_checks=12)
        errors.update(check_gradients(energy_from(0, x), {
            key: (layer.params[key], block.grad_params[key]) for key in block.grad_params},
            max_checks=12))
        assert max(errors.values()) < 1e-6, (block.name, errors)
        checked += len(errors)
    assert checked == len(lab.blocks) + sum(len(b.grad_params) for b in lab.blocks)


def test_activations_hand_out_the_derivative_their_backward_uses():
    x = np.random.default_rng(0).standard_normal((3, 5)) * 3
    grad = np.random.default_rng(1).standard_normal((3, 5))
    curves = [cls for cls in LAYERS.values() if cls.LAB_VIEW == "curve"]
    assert {c.__name__ for c in curves} >= {"ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus"}
    for cls in curves:
        layer = cls(dtype=np.float64)
        layer.forward(x)
        np.testing.assert_allclose(layer.local_derivative(x) * grad, layer.backward(grad),
                                   rtol=1e-12, atol=1e-15)
        assert cls.derivative_text({}).startswith("f'(x) =")
    sigmoid = LAYERS["Sigmoid"](dtype=np.float64)
    np.testing.assert_allclose(LAYERS["Softplus"](dtype=np.float64).local_derivative(x),
                               sigmoid.forward(x, record=False), rtol=1e-12)
    assert "softplus' = sigmoid" in LAYERS["Softplus"].derivative_text({})
    assert LAYERS["Softmax"]().local_derivative(x) is None
    assert Dense(5, 2).local_derivative(x) is None


def test_the_chain_spells_out_dense_sums_and_sigmoid_slopes():
    model, x, labels = model_and_sample("chain_sigmoid")
    lab = run_lab_pass(model, x, labels)
    assert [b.kind for b in lab.blocks] == ["Flatten", "Dense", "Sigmoid", "Dense", "Sigmoid",
                                            "Dense"]
    assert [(s.direction, s.block) for s in lab.steps[5:7]] == [("forward", 5), ("backward", 5)]
    assert len(lab.steps) == 12
    v = lab.blocks[3]
    terms = dense_terms(v, 0, out_index=2, in_index=1)
    assert terms.forward_products.shape == (3,) and terms.backward_products.shape == (3,)
    assert terms.forward_products.sum() + terms.bias == pytest.approx(v.output[0, 2], abs=1e-12)
    assert terms.backward_products.sum() == pytest.approx(v.grad_input[0, 1], abs=1e-12)
    assert terms.grad_weight == pytest.approx(v.grad_params["weight"][2, 1], abs=1e-12)
    np.testing.assert_allclose(terms.grad_weight_matrix, v.grad_params["weight"], atol=1e-12)
    sigmoid = lab.blocks[2]
    s = sigmoid.output
    np.testing.assert_allclose(sigmoid.local_derivative, s * (1 - s), rtol=1e-12)
    assert sigmoid.local_derivative.max() <= 0.25
    np.testing.assert_allclose(sigmoid.grad_input, sigmoid.grad_output * s * (1 - s), rtol=1e-12)
    curve = activation_curve(sigmoid)
    assert curve.x[0] <= -4 and curve.x[-1] >= 4 and curve.derivative.max() == pytest.approx(
        0.25, abs=1e-3)
    with pytest.raises(ValueError, match="needs a Dense block"):
        dense_terms(sigmoid, 0, 0)
    with pytest.raises(ValueError, match="out_index must be 0..2"):
        dense_terms(v, 0, 3)


# ----- the SGD step, and the model left alone ------------------------------------------------
def test_a_small_step_lowers_the_loss_by_the_update_it_hands_out():
    model, x, labels = model_and_sample("chain_sigmoid", count=2, dtype=np.float32)
    lab = run_lab_pass(model, x, labels, alpha=0.05)
    assert isinstance(lab, LabPass) and lab.alpha == 0.05
    assert lab.loss_after < lab.loss
    stepped = Sequential.from_spec(template("chain_sigmoid"))
    weights = model.get_weights()
    for block in lab.blocks:
        for key, update in block.update.items():
            np.testing.assert_allclose(update, -0.05 * block.grad_params[key], rtol=1e-6)
            weights[f"{block.index}.{key}"] = weights[f"{block.index}.{key}"] + update
    stepped.set_weights(weights)
    after = SoftmaxCrossEntropy().forward(stepped.forward(x), labels)
    assert lab.loss_after == pytest.approx(after, rel=1e-6)
    assert lab.classes == ["even", "odd"]
    np.testing.assert_allclose(lab.probabilities.sum(axis=1), 1, rtol=1e-6)


def test_the_model_is_left_as_it_was():
    model, x, labels = model_and_sample("reference", count=2, dtype=np.float32)
    rng = np.random.default_rng(7)
    for _, _, grad in model.named_parameters():
        grad[...] = rng.standard_normal(grad.shape)
    weights = model.get_weights()
    grads = {name: grad.copy() for name, _, grad in model.named_parameters()}
    model.forward(x[:1], training=True)  # a pass waiting for its backward
    pending = [layer.pending for layer in model.layers]
    run_lab_pass(model, x, labels, alpha=0.5)
    for name, value in model.get_weights().items():
        np.testing.assert_array_equal(value, weights[name])
    for name, _, grad in model.named_parameters():
        np.testing.assert_array_equal(grad, grads[name])
    assert [layer.pending for layer in model.layers] == pending == [1] * 8


def test_shared_weights_add_the_deltas_of_every_use():
    dense = Dense(3, 3, dtype=np.float64, rng=np.random.default_rng(0))
    tanh = LAYERS["Tanh"](dtype=np.float64)
    model = Sequential([dense, tanh, dense], (3,))
    x, labels = np.array([[0.5, -1.0, 2.0]]), np.array([2])
    lab = run_lab_pass(model, x, labels, alpha=0.1)
    first, last = lab.blocks[0].grad_params["weight"], lab.blocks[2].grad_params["weight"]
    assert not np.allclose(first, last)
    for block in (lab.blocks[0], lab.blocks[2]):
        np.testing.assert_allclose(block.update["weight"], -0.1 * (first + last), rtol=1e-12)
    analytic, numerical = numerical_check(model, x, labels, None, 2, "weight", (1, 2))
    assert analytic == pytest.approx(first[1, 2] + last[1, 2], rel=1e-12)
    assert numerical == pytest.approx(analytic, rel=1e-6, abs=1e-10)


def test_frozen_filters_and_blocks_get_no_update():
    spec = template("tiny_cnn_9x9")
    spec["layers"][0]["init"] = {"kernels": [{"name": "Sobel x", "values": [
        [-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]}], "freeze": True}
    spec["layers"][3]["config"]["trainable"] = False
    model = Sequential.from_spec(spec, dtype=np.float64)
    x, labels = nine_by_nine_shape()
    lab = run_lab_pass(model, x, labels, alpha=0.2)
    conv, dense = lab.blocks[0], lab.blocks[3]
    assert np.all(conv.update["weight"][0] == 0) and conv.update["bias"][0] == 0
    np.testing.assert_allclose(conv.update["weight"][1:], -0.2 * conv.grad_params["weight"][1:])
    assert dense.trainable is False and dense.grad_params == {} and dense.update == {}
    assert set(dense.params) == {"weight", "bias"}
    with pytest.raises(ValueError, match="frozen"):
        numerical_check(model, x, labels, None, 3, "weight", (0, 0))


def test_a_training_pass_tries_its_step_with_the_same_dropout_draws():
    spec = {"input_shape": [6], "classes": ["a", "b"], "layers": [
        {"class": "Dense", "config": {"out_features": 6}}, {"class": "Dropout", "config": {}},
        {"class": "Dense", "config": {"out_features": 2}}]}
    model = Sequential.from_spec(spec, dtype=np.float64)
    twin = Sequential.from_spec(spec, dtype=np.float64)
    x, labels = np.random.default_rng(2).standard_normal((4, 6)), np.array([0, 1, 1, 0])
    lab = run_lab_pass(model, x, labels, alpha=1e-3, training=True)
    dropped = lab.blocks[1]
    assert np.any((dropped.output == 0) & (dropped.input != 0))
    assert dropped.local_derivative is None
    assert lab.loss_after < lab.loss  # a different draw would not be the same loss surface
    np.testing.assert_array_equal(model.forward(x, training=True), twin.forward(x, training=True))


# ----- the numerical check -------------------------------------------------------------------
@pytest.mark.parametrize("name, block, param, index", [
    ("chain_sigmoid", 1, "weight", (0, 2)), ("chain_sigmoid", 5, "bias", (1,)),
    ("chain_sigmoid", 2, "input", (0, 1)), ("tiny_cnn_9x9", 0, "weight", (2, 0, 1, 1)),
    ("tiny_cnn_9x9", 1, "input", None), ("rnn_first_symbol", 0, "weight_hh", (3, 5))])
def test_the_numerical_check_agrees_with_the_analytic_gradient(name, block, param, index):
    model, x, labels = model_and_sample(name, dtype=np.float32)
    if index is None:  # a max pool's input: a cell that was a maximum
        grad = run_lab_pass(model, x, labels).blocks[block].grad_input
        index = np.unravel_index(np.abs(grad).argmax(), grad.shape)
    analytic, numerical = numerical_check(model, x, labels, SoftmaxCrossEntropy(), block, param,
                                          index)
    assert abs(analytic) > 1e-9
    assert numerical == pytest.approx(analytic, rel=1e-6, abs=1e-10)
    lab = run_lab_pass(model, x, labels)  # the lab's own float32 numbers say the same
    own = (lab.blocks[block].grad_input if param == "input"
           else lab.blocks[block].grad_params[param])[index]
    assert own == pytest.approx(analytic, rel=1e-3, abs=1e-6)


def test_the_numerical_check_names_what_it_cannot_check():
    model, x, labels = model_and_sample("chain_sigmoid")
    with pytest.raises(ValueError, match="has no 'kernel'"):
        numerical_check(model, x, labels, None, 1, "kernel", (0, 0))
    with pytest.raises(ValueError, match=r"index must pick one entry of weight of block 1 of "
                                         r"shape \(3, 3\)"):
        numerical_check(model, x, labels, None, 1, "weight", (0, 3))
    with pytest.raises(ValueError, match="block must be 0..5"):
        numerical_check(model, x, labels, None, 6, "weight", (0, 0))
    with pytest.raises(ValueError, match="alpha must be a positive step size"):
        run_lab_pass(model, x, labels, alpha=0)


# ----- the templates train on data the app has -----------------------------------------------
@pytest.mark.parametrize("name, source, optimizer, epochs, least", [
    ("chain_sigmoid", "parity", SGD(0.5, momentum=0.9), 30, 1.0),
    ("tiny_cnn_9x9", "shapes", SGD(0.05, momentum=0.9), 10, 0.8)])
def test_the_lesson_templates_fit_their_data_and_learn_it(name, source, optimizer, epochs, least):
    spec = template(name)
    options = data_options(source, spec)
    train, test = load_dataset(source, **options)
    fitted = fit_to_data(spec, train)
    assert fitted.note == "" and fitted.spec == spec  # nothing to change: the data fits
    model = Sequential.from_spec(spec)
    Trainer(model, SoftmaxCrossEntropy(), optimizer, train, test, epochs=epochs).run()
    accuracy = np.mean(model.predict(test.images).argmax(axis=1) == test.labels)
    assert accuracy >= least
