"""Networks built from a JSON-able spec: build, compute, weights, summary.

The spec itself (reading, validation, shapes and weight counts without weights) lives in
`core.nn.spec`.
"""

from __future__ import annotations

import copy
from contextlib import nullcontext

import numpy as np

from core.nn import functional as F
from core.nn import parallel
from core.nn.kernel_init import apply_kernel_init
from core.nn.layer import LAYERS, Layer, describe_shape
from core.nn.spec import SpecError, normalise, summary_table


def _pipelined(layer: Layer):
    """The context a block's pass runs in inside a network's `parallel.batch_pipeline`: the
    pipeline itself for a `PIPELINED` block, the batch work so far done first for any other."""
    return nullcontext() if layer.PIPELINED else parallel.pipeline_paused()


class Sequential:
    """A stack of blocks applied in order. Build it with `Sequential.from_spec`."""

    def __init__(self, layers: list[Layer], input_shape, *, name: str = "network",
                 classes: list[str] | None = None):
        self.layers = list(layers)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.name = name
        self.classes = list(classes) if classes is not None else None
        self.dtype = self.layers[0].dtype if self.layers else np.dtype(np.float32)
        self.inits: dict[int, dict] = {}  # block index -> its spec "init" (seed kernels)
        self.output_shape = self.input_shape
        for layer in self.layers:
            self.output_shape = layer.output_shape(self.output_shape)

    @classmethod
    def from_spec(cls, spec, *, seed: int = 0, dtype=np.float32) -> Sequential:
        """Build the network a spec describes, weights drawn from `seed`, Conv2D filters seeded
        from the kernels of a block's `"init"` entry (see core.nn.kernel_init). Raises SpecError."""
        full = normalise(spec)
        if not full["layers"]:
            raise SpecError("the network has no blocks; add at least one")
        layers = []
        for i, block in enumerate(full["layers"]):
            rng = np.random.default_rng([seed, i])
            layers.append(LAYERS[block["class"]].from_config(block["config"], rng=rng,
                                                             dtype=dtype))
        model = cls(layers, full["input_shape"], name=full["name"], classes=full.get("classes"))
        try:
            apply_kernel_init(model, spec)  # Conv2D filters seeded with hand-made kernels
        except ValueError as error:
            raise SpecError(str(error)) from None
        model.inits = {i: copy.deepcopy(block["init"]) for i, block in enumerate(spec["layers"])
                       if block.get("init")}
        return model

    def spec(self) -> dict:
        """The JSON-able spec of this network (settings only, no weights)."""
        spec = {"name": self.name, "input_shape": list(self.input_shape)}
        if self.classes is not None:
            spec["classes"] = list(self.classes)
        spec["layers"] = [{"class": type(layer).__name__, "config": layer.config()}
                          for layer in self.layers]
        for index, init in self.inits.items():
            spec["layers"][index]["init"] = copy.deepcopy(init)
        return spec

    # ----- computation -------------------------------------------------------------------------
    @property
    def has_softmax_output(self) -> bool:
        """True when the last block outputs probabilities (a Softmax, `PROBABILITY_OUTPUT`):
        forward then stops at its input (the logits)."""
        return bool(self.layers) and self.layers[-1].PROBABILITY_OUTPUT

    def _body(self) -> list[Layer]:
        return self.layers[:-1] if self.has_softmax_output else self.layers

    def check_input(self, x) -> np.ndarray:
        """Validate a batch (N, *input_shape) and return it in the network's dtype."""
        x = np.asarray(x)
        if x.dtype.kind != "f":
            hint = " (divide uint8 pixels by 255 first)" if x.dtype == np.uint8 else ""
            raise TypeError(f"network {self.name!r} expects floating-point input ({self.dtype});"
                            f" received {x.dtype}{hint}")
        if x.shape[1:] != self.input_shape:
            first = self.layers[0] if self.layers else None
            hint = " (add a batch axis: x[None])" if x.shape == self.input_shape else ""
            raise ValueError(
                f"network {self.name!r} takes batches of shape (N, "
                f"{', '.join(map(str, self.input_shape))}) ({describe_shape(self.input_shape)} "
                f"for block 0 {first!r}); received {x.shape}{hint}")
        if not np.isfinite(x).all():
            raise ValueError(f"network {self.name!r}: the input batch of shape {x.shape} "
                             f"contains NaN or infinite values")
        return x.astype(self.dtype, copy=False)

    def forward(self, x, training: bool = False, *, record: bool | None = None) -> np.ndarray:
        """Logits (N, ...) for a batch x (N, *input_shape).

        A trailing Softmax block is left out (the loss fuses it; `predict` applies it).
        record: keep what `backward` needs (default: when training; evaluation keeps nothing).
        Each recorded pass is backpropagated once, the newest first.
        """
        record = training if record is None else record
        out = self.check_input(x)
        with parallel.batch_pipeline(out.shape[0]):
            for layer in self._body():
                with _pipelined(layer):
                    out = layer.forward(out, training, record=record, check=False)
        return out

    def backward(self, grad: np.ndarray, *, input_grad: bool = False):
        """Backpropagate dE/d(logits) through the newest recorded pass; adds every trainable
        block's gradients to its `grads` (call `zero_grad` first for one pass's gradients).

        Returns dE/d(input) (N, *input_shape) if `input_grad`, else None (skips that work).
        """
        body = self._body()
        grad = np.asarray(grad, dtype=self.dtype)
        if body:
            expected = body[-1].pending_output_shape
            if expected is None:
                raise RuntimeError(f"network {self.name!r}: backward without a matching forward "
                                   f"(call forward with training=True first; each pass is "
                                   f"backpropagated once)")
            if grad.shape != expected:
                raise ValueError(f"network {self.name!r}: backward needs a gradient shaped like "
                                 f"the last logits {expected}; received {grad.shape}")
        with parallel.batch_pipeline(grad.shape[0]):
            for i in range(len(body) - 1, -1, -1):
                with _pipelined(body[i]):
                    grad = body[i].backward(grad, input_grad=input_grad or i > 0)
        return grad if input_grad else None

    def zero_grad(self) -> None:
        """Zero every block's gradients in place (before each step's backward)."""
        for layer in self.layers:
            layer.zero_grad()

    def drop_contexts(self) -> None:
        """Forget every recorded pass that was not backpropagated (e.g. after a failed step)."""
        for layer in self.layers:
            layer.drop_contexts()

    def detached_copy(self, dtype=None) -> Sequential:
        """A copy with its own weights (cast to `dtype` if given), zero gradients and no recorded
        passes; a block used twice stays one block used twice."""
        twins: dict[int, Layer] = {}
        for layer in self.layers:
            if id(layer) not in twins:
                twins[id(layer)] = layer.detached_copy(dtype)
        clone = copy.copy(self)
        clone.layers = [twins[id(layer)] for layer in self.layers]
        clone.dtype = self.dtype if dtype is None else np.dtype(dtype)
        clone.inits = copy.deepcopy(self.inits)
        return clone

    def feature_maps(self, x) -> list[np.ndarray]:
        """The output of every block (Softmax included) for a batch x, in order."""
        out = self.check_input(x)
        outputs = []
        for layer in self.layers:
            out = layer.forward(out, False, record=False, check=False)
            outputs.append(out)
        return outputs

    def predict(self, x, batch_size: int = 256) -> np.ndarray:
        """Class probabilities (N, K) for x (N, *input_shape), computed batch by batch."""
        x = np.asarray(x)
        if len(self.output_shape) != 1:
            raise ValueError(f"network {self.name!r} ends in {describe_shape(self.output_shape)}"
                             f", not class scores; end it with a Dense block")
        if x.ndim == 0 or x.shape[0] == 0:
            return np.zeros((0, self.output_shape[0]), dtype=self.dtype)
        parts = [F.softmax(self.forward(x[i:i + batch_size]), axis=1)
                 for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(parts)

    # ----- parameters --------------------------------------------------------------------------
    def named_parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(name, value, grad) for the trainable blocks, names like "0.weight".

        A Conv2D with frozen seeded filters gives views without them (weight[k:], bias[k:]):
        first-axis slices of contiguous arrays, so optimisers update the rest in place.
        """
        found, seen = [], set()
        for i, layer in enumerate(self.layers):
            if not layer.trainable or id(layer) in seen:
                continue  # a block used twice is updated once, with its summed gradients
            seen.add(id(layer))
            for key, value in layer.params.items():
                part = layer.trained_slice(key)
                if value[part].size:
                    found.append((f"{i}.{key}", value[part], layer.grads[key][part]))
        return found

    def param_count(self) -> int:
        return sum(layer.param_count() for layer in self.layers)

    def frozen_param_count(self) -> int:
        """Parameters training leaves alone: frozen blocks and frozen seeded filters."""
        return sum(layer.frozen_param_count() for layer in self.layers)

    def summary(self) -> str:
        return summary_table(self.spec())

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every parameter (frozen ones too), names like "0.weight"."""
        return {f"{i}.{key}": value.copy()
                for i, layer in enumerate(self.layers) for key, value in layer.params.items()}

    def set_weights(self, weights: dict, *, source: str = "weights") -> None:
        """Copy `weights` (as from get_weights) into the network; ValueError if they do not fit."""
        expected = {f"{i}.{key}": (i, layer, key)
                    for i, layer in enumerate(self.layers) for key in layer.params}
        missing = sorted(set(expected) - set(weights))
        extra = sorted(set(weights) - set(expected))
        if missing or extra:
            raise ValueError(f"{source} do not fit network {self.name!r}: "
                             + "; ".join(p for p in (
                                 f"missing {', '.join(missing)}" if missing else "",
                                 f"unexpected {', '.join(extra)}" if extra else "") if p))
        for name, (i, layer, key) in expected.items():
            value = np.asarray(weights[name])
            target = layer.params[key]
            if value.shape != target.shape:
                raise ValueError(f"{source} do not fit network {self.name!r}: {name} has shape "
                                 f"{value.shape} but block {i} {layer!r} needs {target.shape}")
            if value.dtype.kind != "f" or not np.isfinite(value).all():
                raise ValueError(f"{source}: {name} must hold finite floating-point numbers")
        for name, (_i, layer, key) in expected.items():
            np.copyto(layer.params[key], np.asarray(weights[name]), casting="same_kind")

    def __repr__(self):
        return f"Sequential({self.name!r}, {len(self.layers)} blocks)"
