"""The blocks a network is built from, each a module with its own backward pass.

Every block turns dE/d(output) into dE/d(input) and, when it has weights, dE/d(its weights)
(items 1 and 11 of the course notes). Blocks describe their editable settings once (`SETTINGS`),
which gives validation, `config()` / `from_config()` and the builder's inspector widgets.
Tensors are NCHW; parameters are called `weight` and `bias` with PyTorch's shapes.
The activation blocks live in `core.activations` and register here too (see `LAYERS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import functional as F
from core.init import INITIALISERS, initialise

# Class name -> class, in palette order. Filled by `Layer.__init_subclass__`.
LAYERS: dict[str, type[Layer]] = {}

KINDS = ("convolution", "pooling", "fully connected", "activation", "shape", "regularisation")


@dataclass(frozen=True)
class Setting:
    """One editable constructor argument of a block, with its type, range and help."""

    name: str
    type: str  # "int" | "float" | "choice" | "bool" | "int_or_same"
    default: object
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    help: str = ""

    def check(self, owner: str, value):
        """Return `value` if valid for this setting; raise TypeError/ValueError naming it."""
        if value is None and self.default is None:
            return None
        if self.type == "int_or_same" and value == "same":
            return value
        expected = {"int": "an integer", "int_or_same": 'an integer or "same"',
                    "float": "a number", "bool": "true or false"}.get(self.type)
        if self.type in ("int", "int_or_same"):
            ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
        elif self.type == "float":
            ok = isinstance(value, int | float | np.number) and not isinstance(value, bool)
        elif self.type == "bool":
            ok = isinstance(value, bool | np.bool_)
        else:
            if value not in self.choices:
                raise ValueError(f"{owner}: {self.name} must be one of "
                                 f"{', '.join(map(str, self.choices))}; received {value!r}")
            return value
        if not ok:
            raise TypeError(f"{owner}: {self.name} must be {expected}; received {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{owner}: {self.name} must be >= {self.minimum}; received {value}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{owner}: {self.name} must be <= {self.maximum}; received {value}")
        return {"bool": bool, "float": float}.get(self.type, int)(value)  # plain, JSON-able


TRAINABLE = Setting("trainable", "bool", True, help="Untick to freeze the weights (a fixed filter)")
INIT = Setting("init", "choice", "he", choices=INITIALISERS,
               help="Starting weights: He suits ReLU, Xavier suits sigmoid and tanh")


def _dims(shape) -> str:
    return "x".join(str(int(s)) for s in shape)


def describe_shape(shape) -> str:
    """'8x28x28 maps' for (C, H, W), 'a vector of 784 values' for (F,)."""
    if len(shape) == 1:
        return f"a vector of {shape[0]} values"
    if len(shape) == 3:
        return f"{shape[0]} maps of {shape[1]}x{shape[2]}"
    return f"a {_dims(shape)} tensor"


class Layer:
    """Base block. Subclasses declare SETTINGS and implement the `_` hooks below."""

    KIND = "shape"
    HELP = ""
    DESCRIPTION = ""
    SETTINGS: tuple[Setting, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            LAYERS[cls.__name__] = cls

    def __init__(self, *args, rng: np.random.Generator | None = None, dtype=np.float32,
                 **settings):
        self._configure_from(args, settings)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}: dtype must be float32 or float64")
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._cache = None
        self.reset_parameters(np.random.default_rng(0) if rng is None else rng)

    # ----- settings and serialisation -------------------------------------------------------
    def _configure_from(self, args: tuple, settings: dict) -> None:
        name = type(self).__name__
        names = [s.name for s in self.SETTINGS]
        if len(args) > len(names):
            raise TypeError(f"{name} takes at most {len(names)} settings ({', '.join(names)})")
        values = dict(zip(names, args, strict=False))
        for key, value in settings.items():
            if key not in names:
                known = ", ".join(names) or "none"
                raise TypeError(f"{name} has no setting {key!r} (its settings: {known})")
            if key in values:
                raise TypeError(f"{name} got {key!r} twice")
            values[key] = value
        for s in self.SETTINGS:
            setattr(self, s.name, s.check(name, values.get(s.name, s.default)))
        if "trainable" not in names:
            self.trainable = True
        self._configure()

    def _configure(self) -> None:
        """Check settings against each other and derive values (override when needed)."""

    @classmethod
    def shape_only(cls, config: dict) -> Layer:
        """A block with its settings checked but no weights allocated (for shape analysis)."""
        layer = cls.__new__(cls)
        layer._configure_from((), dict(config))
        layer.dtype = np.dtype(np.float32)
        layer.params, layer.grads, layer._cache = {}, {}, None
        return layer

    def config(self) -> dict:
        """The constructor arguments, JSON-able."""
        return {s.name: getattr(self, s.name) for s in self.SETTINGS}

    @classmethod
    def from_config(cls, config: dict, *, rng: np.random.Generator | None = None,
                    dtype=np.float32) -> Layer:
        return cls(rng=rng, dtype=dtype, **config)

    # ----- parameters --------------------------------------------------------------------------
    def param_shapes(self) -> dict[str, tuple]:
        """Parameter name -> shape (no allocation)."""
        return {}

    def param_count(self, input_shape=None) -> int:
        return int(sum(np.prod(s) for s in self.param_shapes().values()))

    def frozen_param_count(self) -> int:
        """How many of the parameters training leaves alone (all of them when not trainable)."""
        return 0 if self.trainable else self.param_count()

    def trained_slice(self, name: str) -> slice:
        """The part of parameter `name` along its first axis that training updates."""
        return slice(None)

    def reset_parameters(self, rng: np.random.Generator) -> None:
        """Draw fresh weights (seeded by `rng`) and zero the biases and gradients."""
        for name, shape in self.param_shapes().items():
            if name == "weight":
                value = initialise(getattr(self, "init", "he"), shape, rng, self.dtype)
            else:
                value = np.zeros(shape, dtype=self.dtype)
            self.params[name] = value
            self.grads[name] = np.zeros(shape, dtype=self.dtype)

    # ----- shapes ----------------------------------------------------------------------------
    def output_shape(self, input_shape) -> tuple:
        """Shape of one output sample for one input sample (no batch axis); ValueError if none."""
        return tuple(int(s) for s in input_shape)

    def _error(self, reason: str) -> ValueError:
        return ValueError(f"{self!r} {reason}")

    def _needs_maps(self, input_shape) -> tuple[int, int, int]:
        if len(input_shape) != 3:
            raise self._error(f"needs (channels, height, width) maps but gets "
                              f"{describe_shape(input_shape)}")
        return tuple(int(s) for s in input_shape)

    # ----- computation -----------------------------------------------------------------------
    def check_input(self, x) -> np.ndarray:
        """Validate a batch for this block and return it in the block's dtype."""
        if not isinstance(x, np.ndarray):
            x = np.asarray(x)
        if x.dtype.kind != "f":
            hint = " (divide uint8 pixels by 255 first)" if x.dtype == np.uint8 else ""
            raise TypeError(f"{self!r} expects floating-point input ({self.dtype}); "
                            f"received {x.dtype}{hint}")
        if x.ndim < 2:
            raise ValueError(f"{self!r} expects a batch (N, ...); received shape {x.shape}")
        try:
            self.output_shape(x.shape[1:])
        except ValueError as error:
            raise ValueError(f"{error} (input batch of shape {x.shape})") from None
        if not np.isfinite(x).all():
            raise ValueError(f"{self!r} got NaN or infinite values in its input of shape "
                             f"{x.shape}")
        return x.astype(self.dtype, copy=False)

    def forward(self, x, training: bool = False) -> np.ndarray:
        """Output batch for input batch x (N, ...); keeps what backward needs."""
        out = self._forward(self.check_input(x), training)
        self._output_shape = out.shape
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dE/d(input) from dE/d(output); fills `grads` for trainable blocks."""
        if self._cache is None:
            raise RuntimeError(f"{self!r}: call forward before backward")
        grad_out = np.asarray(grad_out, dtype=self.dtype)
        expected = getattr(self, "_output_shape", grad_out.shape)
        if grad_out.shape != expected:
            raise ValueError(f"{self!r}: backward needs a gradient shaped like the last output "
                             f"{expected}; received {grad_out.shape}")
        return self._backward(grad_out, input_grad=True)

    def _forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        raise NotImplementedError

    def _backward(self, grad_out: np.ndarray, input_grad: bool):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Conv2D(Layer):
    KIND = "convolution"
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

    frozen_filters = 0  # the first filters, kept as seeded (see core.kernel_init)

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
        out, self._cache = F.conv2d_forward(x, self.params["weight"], self.params["bias"],
                                            self.stride, self.pad)
        return out

    def _backward(self, grad_out, input_grad):
        gx, gw, gb = F.conv2d_backward(grad_out, self._cache, self.params["weight"], self.stride,
                                       input_grad=input_grad, param_grads=self.trainable)
        if self.trainable:
            self.grads["weight"], self.grads["bias"] = gw, gb
        return gx

    def __repr__(self):
        k = self.kernel_size
        return (f"Conv2D({self.in_channels}->{self.out_channels}, {k}x{k}, "
                f"stride {self.stride}, pad {self.padding})")


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


class MaxPool2D(_Pool):
    HELP = "Keeps the largest value of each window; no weights"
    DESCRIPTION = (
        "Pooling subsamples each map: every window (2x2 is usual) is replaced by one value. Max "
        "pooling, the most common, keeps the largest; a 3x3 max pool over a 9x9 map gives 3x3. "
        "Pooling has no weights to learn. In backprop the error of each output goes only to the "
        "cell that held the maximum; the other cells of the window get zero.")

    def _forward(self, x, training):
        out, self._cache = F.max_pool_forward(x, self.size, self.step)
        return out

    def _backward(self, grad_out, input_grad):
        return F.max_pool_backward(grad_out, self._cache) if input_grad else None


class AvgPool2D(_Pool):
    HELP = "Averages each window; no weights"
    DESCRIPTION = (
        "Average pooling replaces every window by the mean of its cells, a gentler subsampling "
        "than max pooling. It has no weights; in backprop each cell of a window receives an "
        "equal share of the window's error.")

    def _forward(self, x, training):
        out, self._cache = F.avg_pool_forward(x, self.size, self.step)
        return out

    def _backward(self, grad_out, input_grad):
        return F.avg_pool_backward(grad_out, self._cache) if input_grad else None


class Dense(Layer):
    KIND = "fully connected"
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
        self._cache = x
        out = x @ self.params["weight"].T
        out += self.params["bias"]
        return out

    def _backward(self, grad_out, input_grad):
        if self.trainable:
            self.grads["weight"] = grad_out.T @ self._cache
            self.grads["bias"] = grad_out.sum(axis=0)
        return grad_out @ self.params["weight"] if input_grad else None

    def __repr__(self):
        return f"Dense({self.in_features}->{self.out_features})"


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
        self._cache = x.shape
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))  # also for an empty batch

    def _backward(self, grad_out, input_grad):
        return grad_out.reshape(self._cache) if input_grad else None


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

    def _forward(self, x, training):
        if not training or self.p == 0:
            self._cache = 1
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        self._cache = keep * x.dtype.type(1.0 / (1.0 - self.p))
        return x * self._cache

    def _backward(self, grad_out, input_grad):
        return grad_out * self._cache if input_grad else None

    def __repr__(self):
        return f"Dropout({self.p:g})"


import core.activations  # noqa: E402,F401  (registers the activation blocks in LAYERS)
