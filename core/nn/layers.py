"""The blocks with weights or shapes: convolution, pooling, fully connected, flatten, dropout.

Activation blocks live in `core.nn.activations`; both register in `core.nn.layer.LAYERS`.
"""

from __future__ import annotations

import copy

import numpy as np

from core.nn import functional as F
from core.nn.layer import INIT, TRAINABLE, Layer, Setting, describe_shape
from core.nn.wording import count_text, plural, shape_text, whole


class Conv2D(Layer):
    KIND = "convolution"
    PIPELINED = True
    OUTPUTS_SETTING = "out_channels"
    HELP = "Slides learned kernels over the maps: one output map per filter"
    DESCRIPTION = (
        "A convolution layer slides each of its filters over every position of the input maps "
        "and outputs one map per filter. The same weights are shared by every position: a 3x3 "
        "kernel over 3 input channels is 27 weights however large the image, and a layer with "
        "N input channels and M filters of p x p has p*p*N*M weights plus M biases (3 x 9 x 3 = "
        "81 for 3 filters over RGB). Zero padding adds cells around the border; the stride is "
        "the step between positions (a 9x9 input padded by 2, 3x3 kernel, stride 2 gives 6x6). "
        "In backprop each shared weight collects the deltas of all its uses, added up.")
    SETTINGS = (
        Setting("in_channels", "int", 1, 1, 4096,
                help="Input maps (filled in from the block before)"),
        Setting("out_channels", "int", 8, 1, 4096, help="Number of filters = output maps"),
        Setting("kernel_size", "int", 3, 1, 31, help="Width and height of each filter"),
        Setting("stride", "int", 1, 1, 16, help="Step between filter positions"),
        Setting("padding", "int_or_same", 0, 0, 32,
                help='Zero cells added around the border; "same" keeps the size at stride 1'),
        INIT,
        TRAINABLE,
    )

    frozen_filters = 0  # the first filters, kept as seeded (see core.nn.kernel_init)

    def _configure(self):
        if self.padding == "same" and self.kernel_size % 2 == 0:
            raise ValueError(f'Conv2D: padding "same" needs an odd kernel_size; '
                             f"received {self.kernel_size}")

    @property
    def pad(self) -> int:
        """Padding in cells on each side."""
        return (self.kernel_size - 1) // 2 if self.padding == "same" else self.padding

    def param_shapes(self):
        k = self.kernel_size
        return {"weight": (self.out_channels, self.in_channels, k, k), "bias": (self.out_channels,)}

    def frozen_param_count(self) -> int:
        """All weights when the block is frozen, else those of its first `frozen_filters`
        filters: k*k*in weights and one bias each."""
        if not self.trainable:
            return self.param_count()
        k = self.kernel_size
        return min(self.frozen_filters, self.out_channels) * (k * k * self.in_channels + 1)

    def trained_slice(self, name: str) -> slice:
        """weight[k:] and bias[k:]: the filters after the `frozen_filters` seeded ones."""
        return slice(min(self.frozen_filters, self.out_channels), None)

    def output_shape(self, input_shape):
        c, h, w = self._needs_maps(input_shape)
        if c != self.in_channels:
            raise self._error(f"expects {self.in_channels} input channels but gets {c}")
        k, p = self.kernel_size, self.pad
        if h + 2 * p < k or w + 2 * p < k:
            padded = f" (padded to {h + 2 * p}x{w + 2 * p})" if p else ""
            raise self._error(f"gets {h}x{w} maps: a {k}x{k} kernel on a {h}x{w} map{padded} "
                              f"does not fit")
        return (self.out_channels, F.conv_output_size(h, k, self.stride, p),
                F.conv_output_size(w, k, self.stride, p))

    def _forward(self, x, training):
        return F.conv2d_forward(x, self.params["weight"], self.params["bias"], self.stride,
                                self.pad)

    def _backward(self, grad_out, context, input_grad):
        grads = (self.grads["weight"], self.grads["bias"]) if self.trainable else None
        gx, _, _ = F.conv2d_backward(grad_out, context, self.params["weight"], self.stride,
                                     input_grad=input_grad, param_grads=self.trainable,
                                     add_to=grads)
        return gx

    def __repr__(self):
        k = self.kernel_size
        return (f"Conv2D({self.in_channels}->{self.out_channels}, {k}x{k}, "
                f"stride {self.stride}, pad {self.padding})")

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "grid"
    SEEDS_FILTERS = True
    LAB_VIEW = "contributions"

    @classmethod
    def short_label(cls, config):
        k, pad = config.get("kernel_size", 3), config.get("padding", 0)
        pad_text = "same" if pad == "same" else f"p{pad}"
        return (f"Conv {config.get('out_channels', '?')}@{k}x{k} s{config.get('stride', 1)} "
                f"{pad_text}")

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None or len(in_shape) != 3 or len(out_shape) != 3:
            return super().explain_output(config, in_shape, out_shape)
        k, s = whole(config.get("kernel_size", 3), 3), whole(config.get("stride", 1), 1)
        same = " ('same' padding)" if config.get("padding") == "same" else ""
        lines = []
        for axis, size, out in (("height", in_shape[1], out_shape[1]),
                                ("width", in_shape[2], out_shape[2])):
            p = _padding_used(config.get("padding", 0), size, out, s, k)
            lines.append(f"{axis}: ({size} + 2 x {p}{same} - {k}) / {s} + 1 = {out}"
                         " (rounded down)")
            if in_shape[1] == in_shape[2] and out_shape[1] == out_shape[2]:
                lines[-1] = "height and width: " + lines[-1].split(": ", 1)[1]
                break
        lines.append(f"{plural(out_shape[0], 'filter')} give{'s' if out_shape[0] == 1 else ''} "
                     f"{plural(out_shape[0], 'map')}: {shape_text(out_shape)}")
        return "\n".join(lines)

    @classmethod
    def explain_params(cls, config, in_shape, params, frozen_filters=0):
        if in_shape is None or len(in_shape) != 3:
            return super().explain_params(config, in_shape, params, frozen_filters)
        k, n = whole(config.get("kernel_size", 3), 3), int(in_shape[0])
        m = whole(config.get("out_channels", 1), 1)
        weights = k * k * n * m
        unit = "input" if n == 1 else "inputs"
        text = (f"{k} x {k} x {n} {unit} per filter x {plural(m, 'filter')} = "
                f"{plural(weights, 'weight')} + {plural(m, 'bias', 'biases')} = "
                f"{count_text(weights + m)}")
        if weights + m != params:
            text += f" (the engine counts {count_text(params)})"
        if config.get("trainable") is False:
            return text + "; frozen: not trained"
        if frozen_filters:
            kept = min(frozen_filters, m)
            text += (f"; the {plural(kept, 'seeded filter')} ({count_text(kept * (k * k * n + 1))}"
                     f" params) {'is' if kept == 1 else 'are'} frozen, the rest learn")
        return text


def _padding_used(padding, size: int, out: int, stride: int, k: int) -> int:
    """The zero padding a convolution adds on one side of `size` cells, "same" resolved."""
    if padding != "same":
        return whole(padding, 0)
    return max(0, ((out - 1) * stride + k - size + 1) // 2)


class _Pool(Layer):
    KIND = "pooling"
    SETTINGS = (
        Setting("size", "int", 2, 1, 16, help="Width and height of the pooling window"),
        Setting("stride", "int", None, 1, 16, help="Step between windows (empty = the size)"),
    )

    @property
    def step(self) -> int:
        return self.size if self.stride is None else self.stride

    def output_shape(self, input_shape):
        c, h, w = self._needs_maps(input_shape)
        if h < self.size or w < self.size:
            raise self._error(f"gets {h}x{w} maps, smaller than its {self.size}x{self.size} "
                              f"window")
        return (c, *F.pool_output_shape(h, w, self.size, self.step))

    def __repr__(self):
        stride = "" if self.step == self.size else f", stride {self.step}"
        return f"{type(self).__name__}({self.size}{stride})"

    # ----- how the builder describes it -------------------------------------------------------
    WINDOW_GIVES = "one value"
    """What each window gives, in words ("the largest")."""

    @classmethod
    def _sizes(cls, config) -> tuple[int, int]:
        """The window size and the step between windows (the size when stride is empty)."""
        size = whole(config.get("size", 2), 2)
        stride = config.get("stride")
        return size, size if stride in (None, 0) else whole(stride, 2)

    @classmethod
    def short_label(cls, config):
        size = config.get("size", 2)
        return f"{cls.__name__.removesuffix('2D')} {size}x{size} s{cls._sizes(config)[1]}"

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None or len(in_shape) != 3 or len(out_shape) != 3:
            return super().explain_output(config, in_shape, out_shape)
        size, s = cls._sizes(config)
        maps = "on its one map" if in_shape[0] == 1 else f"on each of the {in_shape[0]} maps"
        return (f"({in_shape[1]} - {size}) / {s} + 1 = {out_shape[1]} (rounded down); each "
                f"{size} x {size} window gives {cls.WINDOW_GIVES} of its values, {maps}"
                f": {shape_text(out_shape)}")

    @classmethod
    def explain_params(cls, config, in_shape, params, frozen_filters=0):
        return "0: pooling has no weights, it only subsamples"


class MaxPool2D(_Pool):
    HELP = "Keeps the largest value of each window; no weights"
    DESCRIPTION = (
        "Pooling subsamples each map: every window (2x2 is usual) is replaced by one value. Max "
        "pooling, the most common, keeps the largest; a 3x3 max pool over a 9x9 map gives 3x3. "
        "Pooling has no weights to learn. In backprop the error of each output goes only to the "
        "cell that held the maximum; the other cells of the window get zero.")

    PIPELINED = True

    def _forward(self, x, training):
        return F.max_pool_forward(x, self.size, self.step)

    def _backward(self, grad_out, context, input_grad):
        return F.max_pool_backward(grad_out, context) if input_grad else None

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "max-pool"
    WINDOW_GIVES = "the largest"
    LAB_VIEW = "routing"


class AvgPool2D(_Pool):
    HELP = "Averages each window; no weights"
    DESCRIPTION = (
        "Average pooling replaces every window by the mean of its cells, a gentler subsampling "
        "than max pooling. It has no weights; in backprop each cell of a window receives an "
        "equal share of the window's error.")

    PIPELINED = True

    def _forward(self, x, training):
        return F.avg_pool_forward(x, self.size, self.step)

    def _backward(self, grad_out, context, input_grad):
        return F.avg_pool_backward(grad_out, context) if input_grad else None

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "mean-pool"
    WINDOW_GIVES = "the mean"


class Dense(Layer):
    KIND = "fully connected"
    OUTPUTS_SETTING = "out_features"
    HELP = "Every output is a weighted sum of every input"
    DESCRIPTION = (
        "A fully connected layer: each output is a weighted sum of all inputs plus a bias, so "
        "it has in x out weights and out biases. Placed after the convolution and pooling "
        "layers (behind a Flatten), the last one produces one score (logit) per class, which "
        "softmax turns into probabilities.")
    SETTINGS = (
        Setting("in_features", "int", 784, 1, 10_000_000,
                help="Input values (filled in from the block before)"),
        Setting("out_features", "int", 10, 1, 100_000, help="Output values (neurons)"),
        INIT,
        TRAINABLE,
    )

    def param_shapes(self):
        return {"weight": (self.out_features, self.in_features), "bias": (self.out_features,)}

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise self._error(f"gets {describe_shape(input_shape)}; put a Flatten block before it")
        if input_shape[0] != self.in_features:
            raise self._error(f"expects {self.in_features} inputs but gets {input_shape[0]}")
        return (self.out_features,)

    def _forward(self, x, training):
        out = x @ self.params["weight"].T
        out += self.params["bias"]
        return out, x

    def _backward(self, grad_out, x, input_grad):
        if self.trainable:
            self.grads["weight"] += grad_out.T @ x
            self.grads["bias"] += grad_out.sum(axis=0)
        return grad_out @ self.params["weight"] if input_grad else None

    def __repr__(self):
        return f"Dense({self.in_features}->{self.out_features})"

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "network"
    LAB_VIEW = "terms"

    @classmethod
    def short_label(cls, config):
        return f"Dense {config.get('out_features', '?')}"

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None:
            return super().explain_output(config, in_shape, out_shape)
        return f"one output per neuron: {shape_text(out_shape)}"

    @classmethod
    def explain_params(cls, config, in_shape, params, frozen_filters=0):
        if in_shape is None or len(in_shape) != 1:
            return super().explain_params(config, in_shape, params, frozen_filters)
        n, m = int(in_shape[0]), whole(config.get("out_features", 1), 1)
        text = (f"{plural(n, 'input')} x {plural(m, 'output')} = {plural(n * m, 'weight')} + "
                f"{plural(m, 'bias', 'biases')} = {count_text(n * m + m)}")
        if n * m + m != params:
            text += f" (the engine counts {count_text(params)})"
        return text + ("; frozen: not trained" if config.get("trainable") is False else "")


class Flatten(Layer):
    KIND = "shape"
    HELP = "Turns maps into one vector per sample, for Dense blocks"
    DESCRIPTION = (
        "Flatten lays the maps of each sample out as one long vector (channels x height x width "
        "values) so that fully connected layers can follow convolution and pooling. It has no "
        "weights and changes no value.")

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def _forward(self, x, training):
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:]))), x.shape  # also for N = 0

    def _backward(self, grad_out, shape, input_grad):
        return grad_out.reshape(shape) if input_grad else None

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "flatten"

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None:
            return super().explain_output(config, in_shape, out_shape)
        if len(in_shape) > 1:
            return f"{shape_text(in_shape)} = {plural(out_shape[0], 'value')} laid out in one row"
        return f"already flat: {shape_text(out_shape)}"


class Dropout(Layer):
    KIND = "regularisation"
    HELP = "Randomly silences a fraction of the values while training"
    DESCRIPTION = (
        "Dropout sets a random fraction p of its inputs to zero at every training step and "
        "scales the rest by 1 / (1 - p), so no unit can rely on any other; it fights "
        "overfitting. When the network is used (not trained) it passes values unchanged.")
    SETTINGS = (Setting("p", "float", 0.5, 0.0, 0.95, help="Fraction of values dropped"),)

    def reset_parameters(self, rng):
        self.rng = rng

    def detached_copy(self, dtype=None):
        """A copy whose random draws continue from this block's, without advancing them."""
        twin = super().detached_copy(dtype)
        twin.rng = copy.deepcopy(self.rng)
        return twin

    def _forward(self, x, training):
        if not training or self.p == 0:
            return x, None
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        scale = keep * x.dtype.type(1.0 / (1.0 - self.p))
        return x * scale, scale

    def _backward(self, grad_out, scale, input_grad):
        if not input_grad:
            return None
        return grad_out.copy() if scale is None else grad_out * scale

    def __repr__(self):
        return f"Dropout({self.p:g})"

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "dropout"

    @classmethod
    def short_label(cls, config):
        return f"Dropout {config.get('p', config.get('rate', 0.5))}"

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None:
            return super().explain_output(config, in_shape, out_shape)
        return (f"same shape as its input, {shape_text(out_shape)}; while training each value is "
                "zeroed at random and the rest scaled up")

