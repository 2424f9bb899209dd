"""Each block of a network as PyTorch writes it: its attribute name, its `torch.nn` module, the
lines of `forward` that apply it and the names of its weights in the module's state_dict.

The layouts match PyTorch's exactly (NCHW maps, (N, T, F) batch-first sequences, Conv2D and
Dense weights (out, in, ...), recurrent weights with the gates in the order i, f, g, o), so the
weights are copied unchanged, only renamed. A block PyTorch has no module for is refused with
the reason (`ExportRefused`). Names are the block's kind and its rank among blocks of that kind
(conv1, relu1, pool1, conv2, ..., dense1), the same names the exported `model.py` uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.export.errors import ExportRefused
from core.nn.layer import LAYERS

KIND_NAMES = {
    "Conv2D": "conv", "MaxPool2D": "pool", "AvgPool2D": "avgpool", "Dense": "dense",
    "Flatten": "flatten", "Dropout": "dropout", "ReLU": "relu", "LeakyReLU": "leakyrelu",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "Softplus": "softplus", "Softmax": "softmax",
    "RNN": "rnn", "LSTM": "lstm", "Rows": "rows",
}
"""The blocks PyTorch can represent, with the stem of their attribute names."""

_RECURRENT_WEIGHTS = {"weight_ih": "weight_ih_l0", "weight_hh": "weight_hh_l0",
                      "bias_ih": "bias_ih_l0", "bias_hh": "bias_hh_l0"}


@dataclass
class TorchBlock:
    """One block written for PyTorch. `build`: the module expression (`nn.Conv2d(...)`);
    `calls`: the lines of `forward` that apply it to `x` (none for a closing Softmax, which
    `predict` applies); `weights`: engine weight name ("weight") -> state_dict suffix."""

    index: int
    name: str
    card: str
    build: str
    calls: list[str]
    weights: dict[str, str] = field(default_factory=dict)

    def state_name(self, key: str) -> str:
        """The state_dict name of the engine weight `key` of this block ("conv1.weight")."""
        return f"{self.name}.{self.weights[key]}"


def torch_blocks(model) -> list[TorchBlock]:
    """The blocks of a `Sequential` as PyTorch writes them; ExportRefused naming the first
    block PyTorch cannot represent and why."""
    counts: dict[str, int] = {}
    blocks = []
    last = len(model.layers) - 1
    for index, layer in enumerate(model.layers):
        kind = type(layer).__name__
        if kind not in KIND_NAMES:
            raise ExportRefused(f"block {index} ({kind}) has no PyTorch counterpart that the "
                                "export knows; remove it or replace it by a block PyTorch has")
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{KIND_NAMES[kind]}{counts[kind]}"
        build, calls, weights = _written(layer, index, name)
        if index == last and layer.PROBABILITY_OUTPUT:
            calls = []  # the logits are the output; predict() applies the softmax
        card = LAYERS[kind].short_label(layer.config())
        blocks.append(TorchBlock(index, name, card, build, calls, weights))
    return blocks


def _written(layer, index: int, name: str) -> tuple[str, list[str], dict[str, str]]:
    """(module expression, forward lines, weight names) for one block."""
    kind = type(layer).__name__
    apply = [f"x = self.{name}(x)"]
    plain = {"weight": "weight", "bias": "bias"}
    if kind == "Conv2D":
        return (f"nn.Conv2d({layer.in_channels}, {layer.out_channels}, {layer.kernel_size}, "
                f"stride={layer.stride}, padding={layer.pad})", apply, plain)
    if kind in ("MaxPool2D", "AvgPool2D"):
        module = "nn.MaxPool2d" if kind == "MaxPool2D" else "nn.AvgPool2d"
        return f"{module}({layer.size}, stride={layer.step})", apply, {}
    if kind == "Dense":
        return f"nn.Linear({layer.in_features}, {layer.out_features})", apply, plain
    if kind == "Dropout":
        return f"nn.Dropout(p={layer.p!r})", apply, {}
    if kind == "LeakyReLU":
        return f"nn.LeakyReLU(negative_slope={layer.negative_slope!r})", apply, {}
    if kind == "Softmax":
        return "nn.Softmax(dim=1)", apply, {}
    if kind == "Rows":
        return "Rows()", apply, {}
    if kind in ("RNN", "LSTM"):
        return _recurrent(layer, index, name)
    simple = {"Flatten": "nn.Flatten()", "ReLU": "nn.ReLU()", "Sigmoid": "nn.Sigmoid()",
              "Tanh": "nn.Tanh()", "Softplus": "nn.Softplus()"}
    return simple[kind], apply, {}


def _recurrent(layer, index: int, name: str) -> tuple[str, list[str], dict[str, str]]:
    kind = type(layer).__name__
    sizes = f"{layer.input_size}, {layer.hidden_size}"
    if kind == "RNN":
        if layer.nonlinearity not in ("tanh", "relu"):
            raise ExportRefused(f"block {index} (RNN) uses {layer.nonlinearity}, but PyTorch's "
                                "nn.RNN knows only tanh and relu; choose one of those")
        build = f'nn.RNN({sizes}, nonlinearity="{layer.nonlinearity}", batch_first=True)'
    else:
        build = f"nn.LSTM({sizes}, batch_first=True)"
    calls = [f"x, _ = self.{name}(x)"]
    if not layer.return_sequences:
        calls.append("x = x[:, -1]  # the last state")
    return build, calls, dict(_RECURRENT_WEIGHTS)


def state_names(model) -> dict[str, str]:
    """Engine weight name ("0.weight") -> PyTorch state_dict name ("conv1.weight")."""
    return {f"{block.index}.{key}": block.state_name(key)
            for block in torch_blocks(model) for key in block.weights}


def frozen_rows(model) -> dict[str, int]:
    """state_dict name -> how many leading rows training leaves as they are: every row of a
    frozen block, the seeded filters of a Conv2D that keeps them (only trained weights kept)."""
    frozen = {}
    for block in torch_blocks(model):
        layer = model.layers[block.index]
        for key in block.weights:
            rows = layer.params[key].shape[0]
            kept = rows if not layer.trainable else min(getattr(layer, "frozen_filters", 0), rows)
            if kept:
                frozen[block.state_name(key)] = int(kept)
    return frozen


def truncation_notes(model) -> list[str]:
    """What PyTorch's training does differently: a recurrent block with `truncate` is
    backpropagated through every step by `train.py` (the forward pass is the same)."""
    return [f"block {i} ({type(layer).__name__}) backpropagates through pieces of "
            f"{layer.truncate} steps here; train.py backpropagates through all of them"
            for i, layer in enumerate(model.layers) if getattr(layer, "truncate", 0)]
