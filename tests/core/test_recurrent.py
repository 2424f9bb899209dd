"""RNN and LSTM blocks: PyTorch's parameters, a plain loop reference (forward and every gradient,
float32 to 1e-5), numerical gradients in float64, truncation, the Rows reshape, the contract."""

import numpy as np
import pytest

from core.nn.gradcheck import check_gradients, check_layer
from core.nn.recurrent import LSTM, RNN, Rows

TOL32 = dict(rtol=1e-5, atol=1e-5)


def random_params(layer, seed=2, scale=0.6):
    rng = np.random.default_rng(seed)
    for value in layer.params.values():
        value[:] = rng.uniform(-scale, scale, value.shape)
    return layer


# ----- the loop reference: one sample, one step, one gate at a time, float64 ------------------
def act(name, z):
    return {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0),
            "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[name](z)


def act_slope(name, h):
    return {"tanh": 1 - h * h, "relu": (h > 0) * 1.0, "sigmoid": h * (1 - h)}[name]


def reference_rnn(p, x, nonlinearity, grad_out, truncate=0):
    """Forward and backward of x(t) = f(W_ih a(t) + b_ih + W_hh x(t-1) + b_hh), written out."""
    p = {k: v.astype(np.float64) for k, v in p.items()}
    n_samples, steps, _ = x.shape
    hidden = p["weight_hh"].shape[0]
    outs = np.zeros((n_samples, steps, hidden))
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    grad_x = np.zeros(x.shape)
    for n in range(n_samples):
        h = np.zeros(hidden)
        states = [h]
        for t in range(steps):
            h = act(nonlinearity, p["weight_ih"] @ x[n, t] + p["bias_ih"]
                    + p["weight_hh"] @ h + p["bias_hh"])
            states.append(h)
            outs[n, t] = h
        dh = np.zeros(hidden)
        for t in range(steps - 1, -1, -1):
            if grad_out.ndim == 3:
                dh = dh + grad_out[n, t]
            elif t == steps - 1:
                dh = dh + grad_out[n]
            dz = dh * act_slope(nonlinearity, states[t + 1])
            grads["weight_ih"] += np.outer(dz, x[n, t])
            grads["weight_hh"] += np.outer(dz, states[t])
            grads["bias_ih"] += dz
            grads["bias_hh"] += dz
            grad_x[n, t] = p["weight_ih"].T @ dz
            cut = truncate and (steps - t) % truncate == 0
            dh = np.zeros(hidden) if cut else p["weight_hh"].T @ dz
    return outs, grads, grad_x


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference_lstm(p, x, grad_out):
    """PyTorch's LSTM (gates i, f, g, o) forward and backward, written out per sample and step."""
    p = {k: v.astype(np.float64) for k, v in p.items()}
    n_samples, steps, _ = x.shape
    hidden = p["weight_hh"].shape[1]
    outs = np.zeros((n_samples, steps, hidden))
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    grad_x = np.zeros(x.shape)
    for n in range(n_samples):
        h, c = np.zeros(hidden), np.zeros(hidden)
        memory = []
        for t in range(steps):
            z = p["weight_ih"] @ x[n, t] + p["bias_ih"] + p["weight_hh"] @ h + p["bias_hh"]
            zi, zf, zg, zo = np.split(z, 4)
            i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
            c_new = f * c + i * g
            h_new = o * np.tanh(c_new)
            memory.append((h, c, i, f, g, o, c_new))
            h, c = h_new, c_new
            outs[n, t] = h
        dh, dc = np.zeros(hidden), np.zeros(hidden)
        for t in range(steps - 1, -1, -1):
            if grad_out.ndim == 3:
                dh = dh + grad_out[n, t]
            elif t == steps - 1:
                dh = dh + grad_out[n]
            h_prev, c_prev, i, f, g, o, c_now = memory[t]
            tc = np.tanh(c_now)
            do = dh * tc
            dc = dc + dh * o * (1 - tc ** 2)
            di, df, dg = dc * g, dc * c_prev, dc * i
            dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2),
                                 do * o * (1 - o)])
            grads["weight_ih"] += np.outer(dz, x[n, t])
            grads["weight_hh"] += np.outer(dz, h_prev)
            grads["bias_ih"] += dz
            grads["bias_hh"] += dz
            grad_x[n, t] = p["weight_ih"].T @ dz
            dh = p["weight_hh"].T @ dz
            dc = dc * f
    return outs, grads, grad_x


def run_block(layer, x, grad_out):
    out = layer.forward(x)
    layer.zero_grad()
    grad_x = layer.backward(grad_out)
    return out, {k: g.copy() for k, g in layer.grads.items()}, grad_x


CASES = [(steps, batch, seq) for steps in (1, 2, 7) for batch in (1, 5) for seq in (False, True)]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("steps, batch, seq", CASES)
def test_rnn_matches_the_loop_reference_in_float32(nonlinearity, steps, batch, seq):
    layer = random_params(RNN(3, 4, nonlinearity=nonlinearity, return_sequences=seq))
    rng = np.random.default_rng(steps * 10 + batch)
    x = rng.standard_normal((batch, steps, 3)).astype(np.float32)
    out_shape = (batch, steps, 4) if seq else (batch, 4)
    grad_out = rng.standard_normal(out_shape).astype(np.float32)
    out, grads, grad_x = run_block(layer, x, grad_out)
    ref_out, ref_grads, ref_grad_x = reference_rnn(layer.params, x, nonlinearity, grad_out)
    assert out.dtype == np.float32 and out.shape == out_shape
    np.testing.assert_allclose(out, ref_out if seq else ref_out[:, -1], **TOL32)
    np.testing.assert_allclose(grad_x, ref_grad_x, **TOL32)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_allclose(grads[name], ref_grads[name], **TOL32, err_msg=name)


@pytest.mark.parametrize("steps, batch, seq", CASES)
def test_lstm_matches_the_loop_reference_in_float32(steps, batch, seq):
    layer = random_params(LSTM(3, 4, return_sequences=seq))
    rng = np.random.default_rng(steps * 10 + batch + 1)
    x = rng.standard_normal((batch, steps, 3)).astype(np.float32)
    out_shape = (batch, steps, 4) if seq else (batch, 4)
    grad_out = rng.standard_normal(out_shape).astype(np.float32)
    out, grads, grad_x = run_block(layer, x, grad_out)
    ref_out, ref_grads, ref_grad_x = reference_lstm(layer.params, x, grad_out)
    np.testing.assert_allclose(out, ref_out if seq else ref_out[:, -1], **TOL32)
    np.testing.assert_allclose(grad_x, ref_grad_x, **TOL32)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_allclose(grads[name], ref_grads[name], **TOL32, err_msg=name)


@pytest.mark.parametrize("make", [
    lambda seq: RNN(3, 4, nonlinearity="tanh", return_sequences=seq, dtype=np.float64),
    lambda seq: RNN(3, 4, nonlinearity="relu", return_sequences=seq, dtype=np.float64),
    lambda seq: RNN(3, 4, nonlinearity="sigmoid", return_sequences=seq, dtype=np.float64),
    lambda seq: LSTM(3, 4, return_sequences=seq, dtype=np.float64),
], ids=["tanh", "relu", "sigmoid", "lstm"])
@pytest.mark.parametrize("steps, batch, seq", CASES)
def test_gradcheck_in_float64(make, steps, batch, seq):
    layer = random_params(make(seq), scale=0.8)
    x = np.random.default_rng(steps + 7 * batch).standard_normal((batch, steps, 3))
    errors = check_layer(layer, x)
    assert set(errors) == {"input", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("truncate, seq", [(1, False), (3, False), (3, True), (7, True)])
def test_truncated_backpropagation_matches_the_loop_reference(truncate, seq):
    layer = random_params(RNN(3, 4, return_sequences=seq, truncate=truncate))
    rng = np.random.default_rng(truncate)
    x = rng.standard_normal((2, 7, 3)).astype(np.float32)
    grad_out = rng.standard_normal((2, 7, 4) if seq else (2, 4)).astype(np.float32)
    _out, grads, grad_x = run_block(layer, x, grad_out)
    _ref, ref_grads, ref_grad_x = reference_rnn(layer.params, x, "tanh", grad_out, truncate)
    np.testing.assert_allclose(grad_x, ref_grad_x, **TOL32)
    np.testing.assert_allclose(grads["weight_hh"], ref_grads["weight_hh"], **TOL32)
    if truncate == 1 and not seq:  # only the last step's input gets an error
        assert np.all(grad_x[:, :-1] == 0) and np.any(grad_x[:, -1] != 0)


def test_lstm_truncation_stops_the_error_at_the_cut():
    layer = random_params(LSTM(3, 4, truncate=2))
    x = np.random.default_rng(1).standard_normal((3, 6, 3)).astype(np.float32)
    layer.forward(x)
    grad_x = layer.backward(np.ones((3, 4), np.float32))
    assert np.all(grad_x[:, :4] == 0) and np.all(np.abs(grad_x[:, 4:]).sum(axis=2) > 0)


def test_parameters_have_pytorchs_names_and_shapes():
    rnn, lstm = RNN(28, 64), LSTM(28, 64)
    assert {k: v.shape for k, v in rnn.params.items()} == {
        "weight_ih": (64, 28), "weight_hh": (64, 64), "bias_ih": (64,), "bias_hh": (64,)}
    assert {k: v.shape for k, v in lstm.params.items()} == {
        "weight_ih": (256, 28), "weight_hh": (256, 64), "bias_ih": (256,), "bias_hh": (256,)}
    assert rnn.param_count() == 28 * 64 + 64 * 64 + 2 * 64 == 6016
    assert lstm.param_count() == 4 * 6016
    bound = 1 / np.sqrt(64)  # PyTorch's uniform initialisation
    assert all(np.abs(v).max() <= bound and np.abs(v).max() > 0.9 * bound
               for v in rnn.params.values())


def test_block_applied_to_its_own_output_sums_both_gradients():
    layer = random_params(RNN(4, 4, return_sequences=True, dtype=np.float64))
    x = np.random.default_rng(3).standard_normal((2, 5, 4))
    projection = np.random.default_rng(4).standard_normal((2, 5, 4))
    layer.zero_grad()
    layer.forward(layer.forward(x))
    grad_x = layer.backward(layer.backward(projection))
    assert layer.pending == 0

    def energy():
        return float((layer.forward(layer.forward(x, record=False), record=False)
                      * projection).sum())

    pairs = {"input": (x, grad_x)}
    pairs.update({k: (layer.params[k], layer.grads[k].copy()) for k in layer.params})
    errors = check_gradients(energy, pairs)
    assert max(errors.values()) < 1e-6, errors


def test_frozen_block_keeps_its_gradients_at_zero():
    layer = RNN(3, 4, trainable=False)
    layer.forward(np.ones((2, 5, 3), np.float32))
    grad_x = layer.backward(np.ones((2, 4), np.float32))
    assert grad_x.shape == (2, 5, 3)
    assert all(not g.any() for g in layer.grads.values())


def test_shapes_and_reasons():
    assert RNN(28, 64).output_shape((28, 28)) == (64,)
    assert RNN(28, 64, return_sequences=True).output_shape((30, 28)) == (30, 64)
    with pytest.raises(ValueError, match=r"needs a reshape: put a Rows block before it .*"
                                         r"\(14 steps of 112 values\)"):
        RNN(28, 64).output_shape((8, 14, 14))
    with pytest.raises(ValueError, match="expects 28 values per step but gets 5"):
        LSTM(28, 64).output_shape((10, 5))
    with pytest.raises(ValueError, match="gets a vector of 64 values"):
        LSTM(28, 64).output_shape((64,))
    with pytest.raises(ValueError, match="already a sequence: remove this block"):
        Rows().output_shape((28, 28))
    with pytest.raises(ValueError, match="nonlinearity must be one of tanh, relu, sigmoid"):
        RNN(3, 4, nonlinearity="softsign")


def test_rows_reads_every_map_row_by_row():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    rows = Rows(dtype=np.float64)
    out = rows.forward(x)
    assert out.shape == (2, 4, 15) and rows.output_shape((3, 4, 5)) == (4, 15)
    np.testing.assert_array_equal(out[1, 2], np.concatenate([x[1, c, 2] for c in range(3)]))
    assert check_layer(Rows(dtype=np.float64), x * 0.01)["input"] < 1e-8


def test_config_round_trip_and_repr():
    rnn = RNN(28, 64, nonlinearity="relu", return_sequences=True, truncate=5)
    again = RNN.from_config(rnn.config())
    assert again.config() == rnn.config() == {
        "input_size": 28, "hidden_size": 64, "nonlinearity": "relu", "return_sequences": True,
        "truncate": 5, "trainable": True}
    assert repr(rnn) == "RNN(28->64, relu, all steps)"
    assert repr(LSTM(28, 64)) == "LSTM(28->64)"
