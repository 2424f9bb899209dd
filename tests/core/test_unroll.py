"""The unrolled pass as data, the gradient's fade back through time, the sequence tasks and the
recurrent templates trained on them."""

import numpy as np
import pytest

from core.data.sequences import first_symbol, marked, parity
from core.data.sources import load_dataset
from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.spec import analyse, read_spec
from core.nn.trace import trace_pass
from core.nn.unroll import compare_cells, unroll_pass, with_cell
from core.resources import resource_path
from core.train.fitting import data_options, fit_to_data
from core.train.recipe import Recipe
from core.train.run_setup import build_trainer


def template(name):
    return read_spec(resource_path("models", f"{name}.json"))


def first_symbol_network(steps, seed=0):
    train, test = load_dataset(f"first-symbol:{steps}", train=200, test=50)
    spec = fit_to_data(template("rnn_first_symbol"), train).spec
    return Sequential.from_spec(spec, seed=seed), spec, train


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_before_training_the_error_reaching_step_one_is_a_thousand_times_smaller(seed):
    model, _spec, train = first_symbol_network(30, seed)
    for i in range(5):
        unrolled = unroll_pass(model, train.images[i], train.labels[i])
        norms = unrolled.input_grad_norms
        assert norms.shape == (30,) and np.all(norms > 0)
        assert norms[0] <= 1e-3 * norms[-1], norms[[0, -1]]
        fade = unrolled.state_grad_norms
        assert fade[0] < fade[15] < fade[-1]  # it fades all the way back


def test_the_lstm_carries_the_error_further_back_than_the_tanh_rnn():
    _model, spec, train = first_symbol_network(30)
    cells = compare_cells(spec, train.images[0], train.labels[0])
    assert list(cells) == ["RNN tanh", "RNN relu", "LSTM"]
    ratio = {k: u.input_grad_norms[0] / u.input_grad_norms[-1] for k, u in cells.items()}
    assert ratio["LSTM"] > 100 * ratio["RNN tanh"], ratio
    assert cells["LSTM"].gates.shape == (30, 4 * 32) and cells["RNN relu"].nonlinearity == "relu"


def test_unrolled_steps_agree_with_the_network_and_the_traced_pass():
    spec = template("rnn_digits")
    model = Sequential.from_spec(spec, seed=3)
    image = np.random.default_rng(0).random((1, 28, 28)).astype(np.float32)
    before = {k: g.copy() for k, g in model.layers[1].grads.items()}
    unrolled = unroll_pass(model, image, 7)
    assert unrolled.block_index == 1 and unrolled.block_name == "RNN(28->64, tanh)"
    np.testing.assert_array_equal(unrolled.inputs, image[0])  # row t is a(t)
    np.testing.assert_allclose(unrolled.states[-1], model.feature_maps(image[None])[1][0],
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.tanh(unrolled.sums), unrolled.states, rtol=1e-5, atol=1e-6)
    traced = trace_pass(model, image[None], np.array([7]), SoftmaxCrossEntropy())
    np.testing.assert_allclose(unrolled.grad_inputs, traced.blocks[0].grad_output[0],
                               rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(unrolled.grad_states[-1], traced.blocks[1].grad_output[0],
                               rtol=1e-6)
    w_hh = unrolled.weights["weight_hh"]  # one step back: dE/dx(t-1) = W_hh^T (dE/dx(t) f')
    slope = 1 - unrolled.states[5] ** 2
    np.testing.assert_allclose(unrolled.grad_states[4], w_hh.T @ (unrolled.grad_states[5] * slope),
                               rtol=1e-4, atol=1e-9)
    assert unrolled.largest_singular_value == pytest.approx(
        np.linalg.svd(w_hh.astype(np.float64), compute_uv=False)[0])
    assert all(np.array_equal(g, before[k]) for k, g in model.layers[1].grads.items())
    assert unrolled.probabilities.shape == (10,) and unrolled.loss > 0


def test_unrolled_lstm_gates_are_in_pytorchs_order():
    model = Sequential.from_spec(template("lstm_digits"), seed=1)
    image = np.random.default_rng(2).random((1, 28, 28)).astype(np.float32)
    unrolled = unroll_pass(model, image, 3)
    p, a = unrolled.weights, unrolled.inputs[0]
    z = p["weight_ih"] @ a + p["bias_ih"] + p["bias_hh"]  # step 1: x(0) = 0
    i, f, g, o = np.split(z, 4)
    expected = np.concatenate([1 / (1 + np.exp(-i)), 1 / (1 + np.exp(-f)), np.tanh(g),
                               1 / (1 + np.exp(-o))])
    np.testing.assert_allclose(unrolled.gates[0], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(unrolled.cells[0], expected[:64] * expected[128:192], rtol=1e-5,
                               atol=1e-6)
    assert unrolled.sums is None and unrolled.cell == "LSTM" and unrolled.nonlinearity is None


def test_a_network_without_a_recurrent_block_is_refused_by_name():
    model = Sequential.from_spec(template("tiny_mlp"))
    with pytest.raises(ValueError, match="'tiny_mlp' has no RNN or LSTM block"):
        unroll_pass(model, np.zeros((1, 28, 28), np.float32), 0)
    with pytest.raises(ValueError, match="block 0 of network 'rnn_digits' is not an RNN"):
        unroll_pass(Sequential.from_spec(template("rnn_digits")), np.zeros((1, 28, 28),
                                                                          np.float32), 0, block=0)
    assert with_cell(template("rnn_digits"), "LSTM", None)["layers"][1] == {
        "class": "LSTM", "config": {"input_size": 28, "hidden_size": 64}}


# ----- the generated tasks -------------------------------------------------------------------
def test_first_symbol_is_one_hot_with_the_class_first_and_distractors_after():
    x, labels = first_symbol(50, 6, 4, np.random.default_rng(0))
    assert x.shape == (50, 6, 8) and x.dtype == np.float32
    assert np.all(x.sum(axis=2) == 1)
    np.testing.assert_array_equal(x[:, 0].argmax(axis=1), labels)
    assert np.all(x[:, 1:].argmax(axis=2) >= 4)  # only distractors after the first step


def test_parity_and_marked_labels():
    bits, labels = parity(40, 7, np.random.default_rng(1))
    np.testing.assert_array_equal(labels, bits.sum(axis=(1, 2)) % 2)
    x, labels = marked(40, 9, np.random.default_rng(2))
    assert x.shape == (40, 9, 2) and np.all(x[:, :, 1].sum(axis=1) == 2)
    for sample, label in zip(x, labels, strict=True):
        first, second = sample[sample[:, 1] == 1, 0]
        assert label == int(second > first)


def test_sources_give_sequences_with_the_steps_the_network_or_the_source_asks_for():
    spec = {"input_shape": [30, 8], "layers": [{"class": "RNN", "config": {}}]}
    assert data_options("first-symbol", spec) == {"steps": 30, "symbols": 4}
    assert data_options("first-symbol:12", spec) == {}
    assert data_options("parity", {"input_shape": [1, 28, 28]}) == {}
    train, test = load_dataset("parity:5", train=30, test=10)
    assert train.shape == (5, 1) and train.is_sequence and len(test) == 10
    assert train.class_names == ["even", "odd"]
    with pytest.raises(ValueError, match="after the colon comes the number of steps"):
        load_dataset("marked:many")
    with pytest.raises(ValueError, match="marked: steps must be a whole number from 2"):
        load_dataset("marked:1")
    normalised, _ = load_dataset("first-symbol", normalize=True, train=100, test=10)
    assert normalised.mean is not None and len(normalised.mean) == 1


def test_rows_is_the_reshape_an_rnn_after_a_conv2d_needs():
    spec = {"input_shape": [1, 28, 28], "layers": [
        {"class": "Conv2D", "config": {"out_channels": 4, "padding": 1}},
        {"class": "RNN", "config": {"hidden_size": 16}}]}
    error = analyse(spec)[1].error
    assert "needs a reshape: put a Rows block before it" in error
    assert "(28 steps of 112 values)" in error
    spec["layers"].insert(1, {"class": "Rows", "config": {}})
    reports = analyse(spec)
    assert reports[1].output_shape == (28, 112) and reports[2].output_shape == (16,)
    assert reports[2].params == 112 * 16 + 16 * 16 + 2 * 16


def test_the_first_symbol_template_learns_ten_steps():
    train, test = load_dataset("first-symbol:10")
    spec = fit_to_data(template("rnn_first_symbol"), train).spec
    assert spec["input_shape"] == [10, 8]
    recipe = Recipe(data="first-symbol", optimizer={"class": "Adam", "config": {"lr": 0.001}},
                    epochs=8, seed=0, clip_norm=5.0)
    history = build_trainer(recipe, Sequential.from_spec(spec, seed=0), train, test).run()
    assert history.epochs[-1]["test_accuracy"] >= 0.95


def test_shift_and_flip_are_refused_for_sequences():
    train, test = load_dataset("parity:4", train=20, test=5)
    model = Sequential.from_spec({"input_shape": [4, 1], "layers": [
        {"class": "RNN", "config": {"hidden_size": 4}},
        {"class": "Dense", "config": {"out_features": 2}}]})
    with pytest.raises(ValueError, match="holds sequences: set shift to 0 and flip off"):
        build_trainer(Recipe(shift=2), model, train, test)
