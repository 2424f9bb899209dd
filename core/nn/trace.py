"""One forward and backward pass of a network handed out as data, block by block.

`trace_pass(model, x, labels, loss)` runs the pass on its own recorded contexts and returns a
`PassTrace`: per block its input and output, dE/d(output) arriving from above, dE/d(its weights)
per parameter and dE/d(input) it passes down, plus the loss, logits and probabilities. The app
only draws it, as it draws `core.image.filtering.explain_pixel`'s arithmetic. The model's
accumulated gradients and any pass it recorded before are left as they were.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from core.nn import functional as F


@dataclass
class BlockTrace:
    """What one block did in a traced pass; arrays have the batch axis first."""

    index: int  # position in model.layers
    name: str  # e.g. "Conv2D(1->8, 3x3, stride 1, pad 1)"
    input: np.ndarray
    output: np.ndarray
    grad_output: np.ndarray  # dE/d(output), from the block above or the loss
    grad_input: np.ndarray  # dE/d(input), handed to the block below
    grad_params: dict[str, np.ndarray] = field(default_factory=dict)  # dE/d(weight), dE/d(bias)
    trainable: bool = True  # False: a frozen block computes no weight gradients


@dataclass
class PassTrace:
    """A whole pass: the blocks in forward order (a trailing Softmax is in `probabilities`)."""

    blocks: list[BlockTrace]
    loss: float
    logits: np.ndarray  # (N, K), what the loss saw
    probabilities: np.ndarray  # softmax of the logits, (N, K)
    labels: np.ndarray
    grad_logits: np.ndarray  # dE/d(logits) from the loss


def trace_pass(model, x, labels, loss, *, training: bool = False) -> PassTrace:
    """Forward x (N, *input_shape) through `model`, take `loss` against `labels` and backpropagate
    block by block, returning every intermediate value as a `PassTrace`.

    `loss` is copied, not changed; `training` switches dropout on. The model's `grads`, its
    earlier recorded passes and its dropout draws are restored (a block used twice gets one
    entry per use).
    """
    x = model.check_input(x)
    body = model.layers[:-1] if model.has_softmax_output else list(model.layers)
    unique = list({id(layer): layer for layer in body}.values())
    saved = {id(layer): {k: g.copy() for k, g in layer.grads.items()} for layer in unique}
    pending = {id(layer): layer.pending for layer in unique}
    draws = {id(layer): layer.rng.bit_generator.state for layer in unique  # dropout masks
             if isinstance(getattr(layer, "rng", None), np.random.Generator)}
    try:
        inputs, outputs, out = [], [], x
        for layer in body:
            inputs.append(out)
            out = layer.forward(out, training, record=True, check=False)
            outputs.append(out)
        loss = copy.copy(loss)
        value = float(loss.forward(out, labels))
        grad_logits = np.asarray(loss.backward(), dtype=model.dtype)
        grad, traces = grad_logits, []
        for i in range(len(body) - 1, -1, -1):
            layer = body[i]
            layer.zero_grad()
            grad_in = layer.backward(grad)
            traces.append(BlockTrace(
                index=i, name=repr(layer), input=inputs[i], output=outputs[i], grad_output=grad,
                grad_input=grad_in, trainable=bool(layer.trainable),
                grad_params={k: g.copy() for k, g in layer.grads.items()} if layer.trainable
                else {}))
            grad = grad_in
    finally:
        for layer in unique:
            layer.drop_contexts(keep=pending[id(layer)])
            if id(layer) in draws:
                layer.rng.bit_generator.state = draws[id(layer)]
            for key, grad_value in saved[id(layer)].items():
                np.copyto(layer.grads[key], grad_value)
    return PassTrace(blocks=traces[::-1], loss=value, logits=out,
                     probabilities=F.softmax(out, axis=1), labels=np.asarray(labels),
                     grad_logits=grad_logits)
