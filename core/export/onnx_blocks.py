"""Each engine block written as ONNX nodes (opset 17), with exactly the engine's semantics.

`BLOCKS` maps a block class to the function that writes it; a block without an entry cannot be
exported (`core.export.onnx_file` refuses it by name). The functions put nodes and weights in a
`GraphParts`, which is handed the `onnx` module so that importing this module needs no onnx.
Tensors keep the engine's layouts: maps (N, C, H, W), sequences (N, T, F), vectors (N, F).
"""

from __future__ import annotations

import numpy as np

from core.nn.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh
from core.nn.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from core.nn.recurrent import LSTM, RNN, Rows

# PyTorch's LSTM gate blocks are stacked (i, f, g, o), ONNX's (i, o, f, c): ONNX block k is
# PyTorch block _LSTM_GATES[k].
_LSTM_GATES = (0, 3, 1, 2)
_RNN_ACTIVATIONS = {"tanh": "Tanh", "relu": "Relu", "sigmoid": "Sigmoid"}


class GraphParts:
    """The nodes and weights (initializers) of a graph being written, in order."""

    def __init__(self, onnx) -> None:
        self._helper, self._arrays = onnx.helper, onnx.numpy_helper
        self.nodes: list = []
        self.initializers: list = []

    def weight(self, name: str, array) -> str:
        """A float32 weight tensor named `name`; returns the name."""
        array = np.array(array, dtype=np.float32, order="C")  # 0-d stays 0-d
        self.initializers.append(self._arrays.from_array(array, name))
        return name

    def ints(self, name: str, values) -> str:
        """An int64 constant (shapes, axes); returns its name."""
        self.initializers.append(self._arrays.from_array(np.asarray(values, np.int64), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: str | list[str], name: str,
             doc: str = "", **attributes) -> str:
        """One node computing `outputs` (a name or a list); returns the (first) output's name."""
        outputs = [outputs] if isinstance(outputs, str) else list(outputs)
        self.nodes.append(self._helper.make_node(op, inputs, outputs, name=name,
                                                 doc_string=doc, **attributes))
        return outputs[0]


class Block:
    """One block being written: its position, the names it gives its nodes and tensors."""

    def __init__(self, index: int, layer, label: str, in_shape: tuple) -> None:
        self.index, self.layer, self.in_shape = index, layer, in_shape
        self.name = f"{index} {label}"  # the node's name, like the builder's card
        self.doc = repr(layer)
        self.output = f"{index}.{type(layer).__name__}"

    def part(self, suffix: str) -> str:
        """The name of a tensor or node inside the block ("3.LSTM:steps")."""
        return f"{self.output}:{suffix}"

    def param(self, key: str) -> np.ndarray:
        return self.layer.params[key]


def _conv2d(g: GraphParts, b: Block, x: str) -> str:
    layer, k, p = b.layer, b.layer.kernel_size, b.layer.pad  # "same" resolved to cells
    inputs = [x, g.weight(f"{b.index}.weight", b.param("weight")),
              g.weight(f"{b.index}.bias", b.param("bias"))]
    return g.node("Conv", inputs, b.output, b.name, b.doc, kernel_shape=[k, k],
                  strides=[layer.stride] * 2, pads=[p] * 4, dilations=[1, 1], group=1)


def _pool(op: str):
    def write(g: GraphParts, b: Block, x: str) -> str:
        size = b.layer.size
        return g.node(op, [x], b.output, b.name, b.doc, kernel_shape=[size, size],
                      strides=[b.layer.step] * 2, pads=[0] * 4)
    return write


def _dense(g: GraphParts, b: Block, x: str) -> str:
    inputs = [x, g.weight(f"{b.index}.weight", b.param("weight")),
              g.weight(f"{b.index}.bias", b.param("bias"))]
    return g.node("Gemm", inputs, b.output, b.name, b.doc, transB=1)  # x W^T + b


def _flatten(g: GraphParts, b: Block, x: str) -> str:
    return g.node("Flatten", [x], b.output, b.name, b.doc, axis=1)


def _dropout(g: GraphParts, b: Block, x: str) -> str:
    # Outside training (ONNX's default training_mode) Dropout passes values unchanged, as ours
    # does when the network is used; the ratio is kept for whoever trains the file further.
    ratio = g.weight(b.part("ratio"), np.float32(b.layer.p))
    return g.node("Dropout", [x, ratio], b.output, b.name, b.doc)


def _unary(op: str, **fixed):
    def write(g: GraphParts, b: Block, x: str) -> str:
        return g.node(op, [x], b.output, b.name, b.doc, **fixed)
    return write


def _leaky_relu(g: GraphParts, b: Block, x: str) -> str:
    return g.node("LeakyRelu", [x], b.output, b.name, b.doc,
                  alpha=float(b.layer.negative_slope))


def _rows(g: GraphParts, b: Block, x: str) -> str:
    c, h, w = b.in_shape  # (N, C, H, W) -> (N, H, C, W) -> (N, H, C*W): row h is step h
    moved = g.node("Transpose", [x], b.part("rows"), b.part("transpose"), perm=[0, 2, 1, 3])
    shape = g.ints(b.part("shape"), [0, h, c * w])  # 0 keeps the batch size
    return g.node("Reshape", [moved, shape], b.output, b.name, b.doc)


def _recurrent(g: GraphParts, b: Block, x: str) -> str:
    """RNN or LSTM over (N, T, F), from zero initial states; ONNX's RNN and LSTM work
    time-major, so the batch goes in and out through transposes. Truncation changes only
    training (how far the gradient goes back), never the output."""
    layer, hidden, i = b.layer, b.layer.hidden_size, b.index
    w_ih, w_hh = b.param("weight_ih"), b.param("weight_hh")
    b_ih, b_hh = b.param("bias_ih"), b.param("bias_hh")
    if isinstance(layer, LSTM):
        op, attributes = "LSTM", {}
        rows = np.concatenate([np.arange(k * hidden, (k + 1) * hidden) for k in _LSTM_GATES])
        w_ih, w_hh, b_ih, b_hh = w_ih[rows], w_hh[rows], b_ih[rows], b_hh[rows]
    else:
        op, attributes = "RNN", {"activations": [_RNN_ACTIVATIONS[layer.nonlinearity]]}
    steps = g.node("Transpose", [x], b.part("time_major"), b.part("to_time_major"),
                   perm=[1, 0, 2])
    weights = [g.weight(f"{i}.W", w_ih[None]), g.weight(f"{i}.R", w_hh[None]),
               g.weight(f"{i}.B", np.concatenate([b_ih, b_hh])[None])]
    outputs = [b.part("Y"), b.part("Y_h")]
    g.node(op, [steps, *weights], outputs, b.name, b.doc, hidden_size=hidden,
           direction="forward", **attributes)
    if not layer.return_sequences:  # the last state, Y_h (1, N, H) -> (N, H)
        return g.node("Squeeze", [outputs[1], g.ints(b.part("axis0"), [0])], b.output,
                      b.part("last_state"))
    states = g.node("Squeeze", [outputs[0], g.ints(b.part("axis1"), [1])], b.part("states"),
                    b.part("squeeze"))  # Y (T, 1, N, H) -> (T, N, H)
    return g.node("Transpose", [states], b.output, b.part("to_batch_major"), perm=[1, 0, 2])


BLOCKS = {
    Conv2D: _conv2d,
    MaxPool2D: _pool("MaxPool"),
    AvgPool2D: _pool("AveragePool"),
    Dense: _dense,
    Flatten: _flatten,
    Dropout: _dropout,
    ReLU: _unary("Relu"),
    LeakyReLU: _leaky_relu,
    Sigmoid: _unary("Sigmoid"),
    Tanh: _unary("Tanh"),
    Softplus: _unary("Softplus"),
    Softmax: _unary("Softmax", axis=1),  # over axis 1, as the engine's block
    RNN: _recurrent,
    LSTM: _recurrent,
    Rows: _rows,
}
"""Block class -> the function writing it: `write(parts, block, input_name) -> output_name`."""


def write_block(g: GraphParts, index: int, layer, label: str, x: str, in_shape) -> str:
    """Write block `index` applied to tensor `x` of shape (N, *in_shape); returns the name of
    its output tensor."""
    return BLOCKS[type(layer)](g, Block(index, layer, label, tuple(in_shape)), x)
