"""Stateless recurrent math: a plain RNN cell and an LSTM cell run over every time step, forward
and backward (backpropagation through time), vectorised over the batch.

Every function takes the input batch (N, T, F) and PyTorch's parameters (`weight_ih`,
`weight_hh`, `bias_ih`, `bias_hh`; the LSTM's gates stacked i, f, g, o) and returns
`(states, cache)`: the hidden states x(1..T) time-major (T, N, H) and what the backward needs.
Inside, arrays are kept time-major so that every step works on contiguous (N, H) slices; the
input projection W_ih a(t) + b of all steps and the weight gradients of all steps are each one
matrix product, and only the recurrence loops over time.
"""

from __future__ import annotations

import numpy as np

NONLINEARITIES = ("tanh", "relu", "sigmoid")


def _apply(name: str, z: np.ndarray) -> None:
    """z = f(z) in place."""
    if name == "tanh":
        np.tanh(z, out=z)
    elif name == "relu":
        np.maximum(z, 0, out=z)
    else:  # sigmoid, as 0.5 (tanh(z / 2) + 1): no overflow for large |z|
        z *= 0.5
        np.tanh(z, out=z)
        z += 1
        z *= 0.5


def _derivative(name: str, h: np.ndarray) -> np.ndarray:
    """f'(z) written with the output h = f(z), for every step at once."""
    if name == "tanh":
        return 1 - h * h
    if name == "relu":
        return (h > 0).astype(h.dtype)
    return h * (1 - h)


def _time_major(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x.transpose(1, 0, 2))


def _cut(step: int, steps: int, truncate: int) -> bool:
    """True when the gradient stops between step-1 and step: truncated backpropagation cuts the
    sequence into pieces of `truncate` steps counted back from the last step (0: never)."""
    return step == 0 or (truncate > 0 and (steps - step) % truncate == 0)


def _incoming(grad_out: np.ndarray, steps: int) -> tuple[np.ndarray | None, np.ndarray]:
    """(dE/d(states) time-major or None, dE/d(last state)) from the gradient of the output:
    (N, T, H) for all steps or (N, H) for the last one."""
    if grad_out.ndim == 3:
        grads = _time_major(grad_out)
        return grads, grads[steps - 1].copy()
    return None, np.array(grad_out, copy=True)


def rnn_forward(x: np.ndarray, weight_ih, weight_hh, bias_ih, bias_hh,
                nonlinearity: str = "tanh"):
    """x(t) = f(W_ih a(t) + b_ih + W_hh x(t-1) + b_hh), x(0) = 0, for a(t) = x[:, t - 1].

    x: (N, T, F); weights (H, F) and (H, H), biases (H,). Returns (states (T, N, H), cache).
    """
    steps, batch, hidden = x.shape[1], x.shape[0], weight_hh.shape[0]
    a = _time_major(x)
    states = (a.reshape(steps * batch, -1) @ weight_ih.T).reshape(steps, batch, hidden)
    states += bias_ih + bias_hh
    w_hh_t = np.ascontiguousarray(weight_hh.T)
    carry = np.empty((batch, hidden), dtype=states.dtype)
    for t in range(steps):
        if t > 0:
            np.matmul(states[t - 1], w_hh_t, out=carry)
            states[t] += carry
        _apply(nonlinearity, states[t])
    return states, (a, states, nonlinearity)


def rnn_backward(grad_out: np.ndarray, cache, weight_ih, weight_hh, *, truncate: int = 0,
                 input_grad: bool = True, param_grads: bool = True, state_grads: bool = False):
    """Backpropagation through time for `rnn_forward`.

    grad_out: dE/d(output), (N, T, H) for every state or (N, H) for the last one. Returns
    (dE/dx (N, T, F) or None, {"weight_ih", "weight_hh", "bias_ih", "bias_hh"} or {}, dE/d(state)
    per step (T, N, H) or None): the last is the whole gradient reaching each state x(t), from
    the output and from the steps after it.
    """
    a, states, nonlinearity = cache
    steps, batch, hidden = states.shape
    grads, dh = _incoming(grad_out, steps)
    slope = _derivative(nonlinearity, states)
    dz = np.empty_like(states)
    through = np.zeros((steps, batch, hidden), states.dtype) if state_grads else None
    for t in range(steps - 1, -1, -1):
        if through is not None:
            through[t] = dh
        np.multiply(dh, slope[t], out=dz[t])
        if _cut(t, steps, truncate):
            if t == 0:
                break
            dh.fill(0)
        else:
            np.matmul(dz[t], weight_hh, out=dh)
        if grads is not None:
            dh += grads[t - 1]
    return _finish(a, states, dz, weight_ih, input_grad, param_grads), through


def _finish(a, states, dz, weight_ih, input_grad, param_grads, reorder=None):
    """(dE/dx, weight and bias gradients) from dE/dz of every step, each one matrix product;
    `weight_ih` has dz's row order, `reorder` puts the gradients' rows back in PyTorch's."""
    steps, batch, width = dz.shape
    flat = dz.reshape(steps * batch, width)
    params = {}
    if param_grads:
        hidden = states.shape[2]
        w_hh = (dz[1:].reshape(-1, width).T @ states[:-1].reshape(-1, hidden) if steps > 1
                else np.zeros((width, hidden), dz.dtype))
        bias = flat.sum(axis=0)
        params = {"weight_ih": flat.T @ a.reshape(steps * batch, -1), "weight_hh": w_hh,
                  "bias_ih": bias, "bias_hh": bias.copy()}
        if reorder is not None:
            params = {k: v[reorder] for k, v in params.items()}
    grad_x = None
    if input_grad:
        grad_x = (flat @ weight_ih).reshape(steps, batch, -1).transpose(1, 0, 2)
        grad_x = np.ascontiguousarray(grad_x)
    return grad_x, params


def _lstm_perm(hidden: int) -> np.ndarray:
    """Rows of PyTorch's (i, f, g, o) stacking in the order (o, i, f, g) used inside: the three
    sigmoid gates are one contiguous block, and so are the three gates the cell state feeds."""
    blocks = np.arange(4 * hidden).reshape(4, hidden)
    return blocks[[3, 0, 1, 2]].reshape(-1)


def lstm_forward(x: np.ndarray, weight_ih, weight_hh, bias_ih, bias_hh):
    """PyTorch's LSTM cell over every step (gates i, f, g, o; x(0) = c(0) = 0):

    i, f, o = sigmoid(.), g = tanh(.) of W_ih a(t) + b_ih + W_hh x(t-1) + b_hh;
    c(t) = f c(t-1) + i g; x(t) = o tanh(c(t)).
    x: (N, T, F); weights (4H, F) and (4H, H), biases (4H,). Returns (states (T, N, H), cache).
    """
    steps, batch, hidden = x.shape[1], x.shape[0], weight_hh.shape[1]
    order = _lstm_perm(hidden)
    # Sigmoid gates pre-halved so one tanh serves all four: sigmoid(z) = (tanh(z / 2) + 1) / 2.
    scale = np.ones(4 * hidden, dtype=x.dtype)
    scale[:3 * hidden] = 0.5
    a = _time_major(x)
    gates = (a.reshape(steps * batch, -1) @ (weight_ih[order] * scale[:, None]).T)
    gates = gates.reshape(steps, batch, 4 * hidden)
    gates += (bias_ih + bias_hh)[order] * scale
    w_hh_t = np.ascontiguousarray((weight_hh[order] * scale[:, None]).T)
    cells = np.empty((steps, batch, hidden), dtype=gates.dtype)
    tanh_cells = np.empty_like(cells)
    states = np.empty_like(cells)
    carry = np.empty((batch, 4 * hidden), dtype=gates.dtype)
    spare = np.empty((batch, hidden), dtype=gates.dtype)
    h3 = 3 * hidden
    for t in range(steps):
        g = gates[t]
        if t > 0:
            np.matmul(states[t - 1], w_hh_t, out=carry)
            g += carry
        np.tanh(g, out=g)
        sig = g[:, :h3]
        sig += 1
        sig *= 0.5
        c = cells[t]
        np.multiply(g[:, hidden:2 * hidden], g[:, h3:], out=c)  # i g
        if t > 0:
            np.multiply(g[:, 2 * hidden:h3], cells[t - 1], out=spare)
            c += spare  # + f c(t-1)
        np.tanh(c, out=tanh_cells[t])
        np.multiply(g[:, :hidden], tanh_cells[t], out=states[t])  # o tanh(c)
    return states, (a, gates, cells, tanh_cells, states, order)


def lstm_backward(grad_out: np.ndarray, cache, weight_ih, weight_hh, *, truncate: int = 0,
                  input_grad: bool = True, param_grads: bool = True, state_grads: bool = False):
    """Backpropagation through time for `lstm_forward`; returns like `rnn_backward` (dE/d(state)
    is the gradient reaching the output x(t), the cell state carries its own)."""
    a, gates, cells, tanh_cells, states, order = cache
    steps, batch, hidden = states.shape
    grads, dh = _incoming(grad_out, steps)
    view = gates.reshape(steps, batch, 4, hidden)
    o, i, f, g = view[:, :, 0], view[:, :, 1], view[:, :, 2], view[:, :, 3]
    # Everything that does not depend on the error arriving, for every step at once (in place:
    # each array is written once).
    to_cell = np.multiply(tanh_cells, tanh_cells)  # dc(t) / dx(t) along x = o tanh(c)
    np.subtract(1, to_cell, out=to_cell)
    to_cell *= o
    to_o = np.subtract(1, o)  # dz_o / dx(t)
    to_o *= o
    to_o *= tanh_cells
    by_cell = np.empty((steps, batch, 3, hidden), gates.dtype)  # dz_(i, f, g) / dc(t)
    part = by_cell[:, :, 0]
    np.subtract(1, i, out=part)
    part *= i
    part *= g
    part = by_cell[:, :, 1]
    np.subtract(1, f, out=part)
    part *= f
    part[1:] *= cells[:-1]
    part[0] = 0
    part = by_cell[:, :, 2]
    np.multiply(g, g, out=part)
    np.subtract(1, part, out=part)
    part *= i
    dz = np.empty((steps, batch, 4, hidden), gates.dtype)  # rows (o, i, f, g) like gates
    dz_rows = dz.reshape(steps, batch, 4 * hidden)
    w_hh = weight_hh[order]
    dc = np.zeros((batch, hidden), gates.dtype)
    spare = np.empty_like(dc)
    through = np.zeros((steps, batch, hidden), states.dtype) if state_grads else None
    for t in range(steps - 1, -1, -1):
        if through is not None:
            through[t] = dh
        np.multiply(dh, to_cell[t], out=spare)
        dc += spare
        np.multiply(dh, to_o[t], out=dz[t, :, 0])
        np.multiply(by_cell[t], dc[:, None, :], out=dz[t, :, 1:])
        dc *= f[t]
        if _cut(t, steps, truncate):
            if t == 0:
                break
            dh.fill(0)
            dc.fill(0)
        else:
            np.matmul(dz_rows[t], w_hh, out=dh)
        if grads is not None:
            dh += grads[t - 1]
    back = np.argsort(order)
    return _finish(a, states, dz_rows, weight_ih[order], input_grad, param_grads,
                   reorder=back), through
