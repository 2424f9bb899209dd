"""The backprop lab's data: one forward and backward pass and one SGD step, block by block.

`run_lab_pass(model, x, labels)` runs one sample (or a tiny batch) through the network with
`core.nn.trace.trace_pass` and hands out, per block, what the course notes' modular backprop
names: its input H and output O, dE/dO arriving from above, dE/dW for its own weights, dE/dH it
passes down, the local derivative f'(x) an activation multiplies by, and the update
-alpha dE/dW, with the loss before and after that step (tried on a copy: the model, its
gradients and its recorded passes are left as they were). `numerical_check` sets one analytic
gradient entry beside central finite differences in float64. The block-specific breakdowns
(a Conv2D's per-position contributions, a max pool's routing, a Dense entry's terms, an
activation's curve) live in `core.nn.lab_details` and are re-exported here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from core.jobs import StopFn, check_stop
from core.nn.gradcheck import numeric_gradient
from core.nn.lab_details import (  # noqa: F401 - the lab's whole API in one place
    ActivationCurve,
    ConvContributions,
    DenseTerms,
    PoolRouting,
    activation_curve,
    conv_weight_contributions,
    dense_terms,
    maxpool_routing,
)
from core.nn.losses import SoftmaxCrossEntropy
from core.nn.trace import trace_pass


@dataclass
class LabStep:
    """One of the 2 x (number of blocks) steps of a pass: blocks forward, then back down."""

    direction: str  # "forward" or "backward"
    block: int  # index into LabPass.blocks (forward order)


@dataclass
class LabBlock:
    """What one block did in the pass; arrays have the batch axis first."""

    index: int  # position in LabPass.blocks and in model.layers
    name: str  # e.g. "Conv2D(1->4, 3x3, stride 2, pad 2)"
    kind: str  # the block's class, e.g. "Conv2D", "Dense", "ReLU"
    family: str  # the block's KIND: "convolution", "pooling", "activation", ...
    label: str  # its card's short label, e.g. "Conv 4@3x3 s2 p2"
    config: dict
    lab_view: str  # what `lab_details` spells out: "contributions", "routing", "terms", "curve", ""
    derivative_text: str  # the local derivative in words ("" when there is none)
    trainable: bool
    input: np.ndarray  # H
    output: np.ndarray  # O
    grad_output: np.ndarray  # dE/dO, from the block above or the loss
    grad_input: np.ndarray  # dE/dH, passed down
    params: dict[str, np.ndarray] = field(default_factory=dict)  # weights before the step
    grad_params: dict[str, np.ndarray] = field(default_factory=dict)  # dE/dW of this use
    local_derivative: np.ndarray | None = None  # activations: f'(H) element by element
    update: dict[str, np.ndarray] = field(default_factory=dict)  # -alpha dE/dW, all uses summed


@dataclass
class LabPass:
    """A whole pass and its SGD step (a trailing Softmax is in `probabilities`, not a block)."""

    blocks: list[LabBlock]
    steps: list[LabStep]
    loss: float  # before the step
    loss_after: float  # after one SGD step of size alpha, same input and labels
    alpha: float
    logits: np.ndarray  # (N, K)
    probabilities: np.ndarray  # (N, K)
    labels: np.ndarray  # (N,)
    grad_logits: np.ndarray  # dE/d(logits) from the loss, (N, K)
    classes: list[str] | None = None


def lab_batch(model, x, labels) -> tuple[np.ndarray, np.ndarray]:
    """(x (N, *input_shape), labels (N,)): one sample gets its batch axis, one label too."""
    x = np.asarray(x)
    if x.shape == model.input_shape:
        x = x[None]
    x = model.check_input(x)
    labels = np.asarray(labels)
    if labels.ndim == 0:
        labels = labels[None]
    return x, labels


def _body(model) -> list:
    return model.layers[:-1] if model.has_softmax_output else list(model.layers)


def _update(layer, grad: np.ndarray, name: str, alpha: float) -> np.ndarray:
    """-alpha * grad on the part of the parameter training changes (frozen filters: 0)."""
    step = np.zeros_like(grad)
    part = layer.trained_slice(name)
    step[part] = -alpha * grad[part]
    return step


def run_lab_pass(model, x, labels, loss=None, *, alpha: float = 0.1, training: bool = False,
                 should_stop: StopFn = None) -> LabPass:
    """One forward + backward pass and an SGD step of size `alpha`, as data; the model is not
    changed.

    x is one sample (*input_shape) or a tiny batch (N, *input_shape); labels one class index or
    (N,). `loss` defaults to softmax cross-entropy; `training` switches dropout on (its draws are
    the same for the step tried after). A block used twice gets one LabBlock per use, each with
    its own dE/dW, and an update from the sum of its uses (shared weights add their deltas).
    """
    if not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a positive step size; received {alpha!r}")
    x, labels = lab_batch(model, x, labels)
    loss = SoftmaxCrossEntropy() if loss is None else loss
    check_stop(should_stop, "the backprop pass")
    trace = trace_pass(model, x, labels, loss, training=training)
    check_stop(should_stop, "the backprop pass")
    body = _body(model)
    summed: dict[int, dict[str, np.ndarray]] = {}
    for t in trace.blocks:
        totals = summed.setdefault(id(body[t.index]), {})
        for name, grad in t.grad_params.items():
            totals[name] = totals[name] + grad if name in totals else grad.copy()
    updates = {id(layer): {name: _update(layer, grad, name, alpha)
                           for name, grad in summed[id(layer)].items()} for layer in body}
    stepped = model.detached_copy()
    for original, twin in {id(a): (a, b) for a, b in zip(model.layers, stepped.layers,
                                                         strict=True)}.values():
        for name, step in updates.get(id(original), {}).items():
            twin.params[name] += step
    check_stop(should_stop, "the backprop pass")
    after = copy.copy(loss).forward(stepped.forward(x, training, record=False), labels)
    blocks = []
    for t in trace.blocks:
        layer = body[t.index]
        config = layer.config()
        blocks.append(LabBlock(
            index=t.index, name=t.name, kind=type(layer).__name__, family=layer.KIND,
            label=layer.short_label(config), config=config, lab_view=layer.LAB_VIEW,
            derivative_text=layer.derivative_text(config), trainable=t.trainable,
            input=t.input, output=t.output, grad_output=t.grad_output, grad_input=t.grad_input,
            params={k: v.copy() for k, v in layer.params.items()}, grad_params=t.grad_params,
            local_derivative=layer.local_derivative(t.input),
            update={k: v.copy() for k, v in updates.get(id(layer), {}).items()}))
    steps = ([LabStep("forward", i) for i in range(len(blocks))]
             + [LabStep("backward", i) for i in range(len(blocks) - 1, -1, -1)])
    return LabPass(blocks=blocks, steps=steps, loss=trace.loss, loss_after=float(after),
                   alpha=float(alpha), logits=trace.logits, probabilities=trace.probabilities,
                   labels=trace.labels, grad_logits=trace.grad_logits,
                   classes=None if model.classes is None else list(model.classes))


def _entry(array: np.ndarray, index, what: str) -> tuple[int, ...]:
    index = tuple(int(i) for i in np.atleast_1d(index))
    if len(index) != array.ndim or any(not 0 <= i < s for i, s in zip(index, array.shape,
                                                                       strict=True)):
        raise ValueError(f"index must pick one entry of {what} of shape {array.shape}; "
                         f"received {index}")
    return index


def numerical_check(model, x, labels, loss=None, block: int = 0, param: str = "weight",
                    index: tuple = (0,), eps: float = 1e-6, *,
                    should_stop: StopFn = None) -> tuple[float, float]:
    """(analytic, numerical) dE/d(one entry) in float64 on a copy of the model (dropout off).

    `param` names a weight of block `block` ("weight", "bias", "weight_ih", ...; every use of
    a shared block summed) or is "input" for dE/dH of that block (`index` then starts with the
    sample). The numerical value is (E(w + eps) - E(w - eps)) / (2 eps).
    """
    twin = model.detached_copy(np.float64)
    x, labels = lab_batch(twin, np.asarray(x, dtype=np.float64), labels)
    loss = SoftmaxCrossEntropy() if loss is None else copy.copy(loss)
    body = _body(twin)
    if not 0 <= int(block) < len(body):
        raise ValueError(f"block must be 0..{len(body) - 1}; received {block!r}")
    layer = body[int(block)]
    check_stop(should_stop, "the numerical check")
    trace = trace_pass(twin, x, labels, loss)
    if param == "input":
        start, array = int(block), trace.blocks[int(block)].input.copy()
        analytic = trace.blocks[int(block)].grad_input
    elif param in layer.params:
        if not layer.trainable:
            raise ValueError(f"{layer!r} is frozen: its weights get no gradient")
        start, array = 0, layer.params[param]
        analytic = sum(t.grad_params[param] for t in trace.blocks if body[t.index] is layer)
    else:
        known = ", ".join([*layer.params, "input"])
        raise ValueError(f"{layer!r} has no {param!r} to check (it has {known})")
    index = _entry(array, index, f"{param} of block {block}")
    feed = array if param == "input" else x

    def energy() -> float:
        out = feed
        for one in body[start:]:
            out = one.forward(out, False, record=False, check=False)
        return loss.forward(out, labels)

    check_stop(should_stop, "the numerical check")
    flat = int(np.ravel_multi_index(index, array.shape))
    numerical = numeric_gradient(energy, array, np.array([flat]), eps)[0]
    return float(analytic[index]), float(numerical)
