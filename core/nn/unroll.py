"""A recurrent block's pass unrolled in time, as data: what the app's "Unrolled" view draws.

`unroll_pass(model, x, label)` runs one sample through the network and backpropagates its loss
(`core.nn.trace.trace_pass`), then hands out, for the first recurrent block (or the one asked
for), per time step t the input a(t), the hidden state x(t), the sum before the nonlinearity
(RNN) or the gates and cell state (LSTM), and the norms of dE/dx(t) and dE/da(t): the error
reaching each step, which fades on its way back through time. `compare_cells` does the same for
untrained copies of a network whose recurrent block is a tanh RNN, a ReLU RNN and an LSTM, so
the fades can be overlaid. Nothing here changes the model.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.trace import trace_pass

CELLS = (("RNN", "tanh"), ("RNN", "relu"), ("LSTM", None))


@dataclass
class UnrolledPass:
    """One sample through one recurrent block, step by step (row t is time step t + 1)."""

    block_index: int
    block_name: str  # e.g. "RNN(28->64, tanh)"
    cell: str  # "RNN" or "LSTM"
    nonlinearity: str | None  # "tanh", "relu", "sigmoid"; None for the LSTM
    inputs: np.ndarray  # a(t), (T, F)
    states: np.ndarray  # x(t), (T, H); x(0) = 0 is not stored
    sums: np.ndarray | None  # RNN: W_ih a(t) + b_ih + W_hh x(t-1) + b_hh, (T, H)
    gates: np.ndarray | None  # LSTM: i, f, g, o after their nonlinearity, (T, 4H), PyTorch order
    cells: np.ndarray | None  # LSTM: c(t), (T, H)
    grad_states: np.ndarray  # dE/dx(t), (T, H): from the output and from the steps after t
    grad_inputs: np.ndarray  # dE/da(t), (T, F)
    weights: dict[str, np.ndarray]  # copies of weight_ih, weight_hh, bias_ih, bias_hh
    loss: float
    probabilities: np.ndarray  # (K,)
    label: int

    @property
    def steps(self) -> int:
        return int(self.states.shape[0])

    @property
    def state_grad_norms(self) -> np.ndarray:
        """||dE/dx(t)|| per step, (T,)."""
        return np.linalg.norm(self.grad_states, axis=1)

    @property
    def input_grad_norms(self) -> np.ndarray:
        """||dE/da(t)|| per step, (T,)."""
        return np.linalg.norm(self.grad_inputs, axis=1)

    @property
    def largest_singular_value(self) -> float:
        """The largest singular value of W_hh (all gates stacked for the LSTM): how much one
        step back through the recurrent weights can stretch an error at most."""
        return float(np.linalg.norm(self.weights["weight_hh"].astype(np.float64), 2))


def recurrent_blocks(model) -> list[int]:
    """Indices of the blocks that run a cell over time steps."""
    return [i for i, layer in enumerate(model.layers) if hasattr(layer, "backward_steps")]


def unroll_pass(model, x, label: int, *, block: int | None = None, loss=None) -> UnrolledPass:
    """Unroll recurrent block `block` (default: the first) for one sample x (the network's
    input shape, no batch axis) with class `label`. ValueError when there is none."""
    found = recurrent_blocks(model)
    if not found:
        raise ValueError(f"network {model.name!r} has no RNN or LSTM block to unroll")
    index = found[0] if block is None else int(block)
    if index not in found:
        raise ValueError(f"block {index} of network {model.name!r} is not an RNN or LSTM; "
                         f"those are blocks {', '.join(map(str, found))}")
    x = np.asarray(x)[None]
    traced = trace_pass(model, x, np.array([int(label)]), loss or SoftmaxCrossEntropy())
    entry = next(b for b in traced.blocks if b.index == index)
    layer = model.layers[index]
    a = entry.input.astype(layer.dtype)
    states, cache = layer.forward_steps(a)
    grad_inputs, _grads, through = layer.backward_steps(entry.grad_output, cache,
                                                       state_grads=True)
    is_lstm = getattr(layer, "GATES", 1) == 4
    gates = cells = sums = None
    if is_lstm:
        gates, cells = _lstm_parts(cache, layer.hidden_size)
    else:
        p = layer.params
        previous = np.concatenate([np.zeros_like(states[:1]), states[:-1]])[:, 0]
        sums = (a[0] @ p["weight_ih"].T + p["bias_ih"] + previous @ p["weight_hh"].T
                + p["bias_hh"])
    return UnrolledPass(
        block_index=index, block_name=repr(layer), cell="LSTM" if is_lstm else "RNN",
        nonlinearity=getattr(layer, "nonlinearity", None), inputs=a[0].copy(),
        states=states[:, 0].copy(), sums=sums, gates=gates, cells=cells,
        grad_states=through[:, 0].copy(), grad_inputs=grad_inputs[0].copy(),
        weights={k: v.copy() for k, v in layer.params.items()}, loss=traced.loss,
        probabilities=traced.probabilities[0].copy(), label=int(label))


def _lstm_parts(cache, hidden: int) -> tuple[np.ndarray, np.ndarray]:
    """(gates (T, 4H) in PyTorch's order i, f, g, o, cell states (T, H)) of sample 0."""
    _a, gates, cells, _tanh, _states, order = cache
    inside = gates[:, 0]  # rows in the engine's own order
    ordered = np.empty_like(inside)
    ordered[:, order] = inside
    return ordered, cells[:, 0].copy()


def with_cell(spec: dict, cell: str, nonlinearity: str | None, *, block: int | None = None):
    """A copy of `spec` whose recurrent block (default: the first) is `cell` ("RNN" or "LSTM")
    with the same sizes and `nonlinearity` (for an RNN)."""
    spec = copy.deepcopy(spec)
    indices = [i for i, b in enumerate(spec["layers"]) if b["class"] in ("RNN", "LSTM")]
    if not indices:
        raise ValueError(f"network {spec.get('name', 'network')!r} has no RNN or LSTM block")
    target = spec["layers"][indices[0] if block is None else block]
    config = {k: v for k, v in target.get("config", {}).items()
              if k in ("input_size", "hidden_size", "return_sequences", "truncate")}
    if cell == "RNN":
        config["nonlinearity"] = nonlinearity or "tanh"
    target["class"], target["config"] = cell, config
    return spec


def compare_cells(spec: dict, x, label: int, *, seed: int = 0,
                  cells=CELLS) -> dict[str, UnrolledPass]:
    """Untrained networks like `spec` (weights from `seed`) with a tanh RNN, a ReLU RNN and an
    LSTM as recurrent block, each unrolled on the same sample: {"RNN tanh": ..., "LSTM": ...}."""
    found = {}
    for cell, nonlinearity in cells:
        model = Sequential.from_spec(with_cell(spec, cell, nonlinearity), seed=seed)
        found[f"{cell} {nonlinearity}" if nonlinearity else cell] = unroll_pass(model, x, label)
    return found
