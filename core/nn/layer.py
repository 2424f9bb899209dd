"""The layer contract: declared settings (`Setting`), the base `Layer` and the block registry.

Every block turns dE/d(output) into dE/d(input) and, when it has weights, dE/d(its weights)
(items 1 and 11 of the course notes). Each `forward` call pushes what its backward needs (its
context) on the block's own stack and each `backward` pops the newest one (last in, first out, the
order of backpropagation, also through time), adding its weight gradients to `grads` until
`zero_grad()`: a block applied twice in one pass gets the sum of both gradients. Blocks describe
their editable settings once (`SETTINGS`), which gives validation, `config()` / `from_config()`
and the builder's inspector widgets.
Tensors are NCHW; parameters are called `weight` and `bias` with PyTorch's shapes.
`LAYERS` is filled as block classes are defined (`core.nn` imports them all).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import numpy as np

from core.nn.init import INITIALISERS, initialise
from core.nn.wording import count_text, plain_wording, shape_text

# Class name -> class, in palette order. Filled by `Layer.__init_subclass__`.
LAYERS: dict[str, type[Layer]] = {}

KINDS = ("convolution", "pooling", "fully connected", "recurrent", "activation", "shape",
         "regularisation")


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


def setting_names() -> set[str]:
    """The names of every block setting ("out_channels", "size", ...)."""
    return {s.name for cls in LAYERS.values() for s in cls.SETTINGS}


def human_names(text: str) -> str:
    """Setting names written as words: "out_channels must be ..." -> "out channels must be..."."""
    for name in sorted((n for n in setting_names() if "_" in n), key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", name.replace("_", " "), text)
    return text


def setting_problem_text(message: str) -> str:
    """A setting check's message for people: setting names in words, plain wording."""
    return plain_wording(human_names(message))


def _dims(shape) -> str:
    return "x".join(str(int(s)) for s in shape)


def describe_shape(shape) -> str:
    """'8x28x28 maps' for (C, H, W), 'a vector of 784 values' for (F,), 'a sequence of 28 steps
    of 28 values' for (T, F)."""
    if len(shape) == 1:
        return f"a vector of {shape[0]} values"
    if len(shape) == 2:
        return f"a sequence of {shape[0]} steps of {shape[1]} values"
    if len(shape) == 3:
        return f"{shape[0]} maps of {shape[1]}x{shape[2]}"
    return f"a {_dims(shape)} tensor"


class Layer:
    """Base block. Subclasses declare SETTINGS and implement the `_` hooks below."""

    KIND = "shape"
    HELP = ""
    DESCRIPTION = ""
    SETTINGS: tuple[Setting, ...] = ()
    PROBABILITY_OUTPUT = False
    """True for a block whose output is class probabilities (Softmax): a network ending in one
    gives logits from `forward` and probabilities from `predict`."""
    PIPELINED = False
    """True for a block whose forward and backward read the batch's values only inside the work
    they hand to `core.nn.parallel.over_batch` (and `afterwards`): a network then runs a whole
    string of such blocks on its threads in one go (`parallel.batch_pipeline`)."""
    OUTPUTS_SETTING: str | None = None
    """The setting that fixes how many values (or maps) the block outputs, if one does: the last
    such block of a classifier gets one output per class."""

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
        self._contexts: list[tuple] = []  # (context, output shape) per unconsumed forward
        self._spent = None  # the last context used, freed by the next forward (see forward)
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
        layer.params, layer.grads, layer._contexts, layer._spent = {}, {}, [], None
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

    def forward(self, x, training: bool = False, *, record: bool = True,
                check: bool = True) -> np.ndarray:
        """Output batch for input batch x (N, ...).

        record: push what backward needs (pass False to evaluate without keeping anything).
        check: validate x first (`check_input`); a network checks its input once and passes False.
        """
        if check:
            x = self.check_input(x)
        out, context = self._forward(x, training)
        if record:
            self._contexts.append((context, out.shape))
            context = None
        # The previous context is released only now, after the new one was allocated, so the
        # allocator reuses its memory instead of handing it back to the system and faulting it
        # in again at every step (which made training steps several times slower).
        self._spent = context
        return out

    def backward(self, grad_out: np.ndarray, *, input_grad: bool = True):
        """dE/d(input) from dE/d(output) of the newest unconsumed forward; adds dE/d(weights)
        to `grads` for trainable blocks. input_grad=False skips dE/d(input) and returns None."""
        if not self._contexts:
            raise RuntimeError(f"{self!r}: backward without a matching forward (call forward "
                               f"before backward; each forward is backpropagated once)")
        grad_out = np.asarray(grad_out, dtype=self.dtype)
        context, expected = self._contexts[-1]
        if grad_out.shape != expected:
            raise ValueError(f"{self!r}: backward needs a gradient shaped like the last output "
                             f"{expected}; received {grad_out.shape}")
        self._contexts.pop()
        self._spent = context
        return self._backward(grad_out, context, input_grad)

    def zero_grad(self) -> None:
        """Set every gradient to zero in place (optimisers hold views of them)."""
        for grad in self.grads.values():
            grad.fill(0)

    @property
    def pending(self) -> int:
        """How many forward calls still wait for their backward."""
        return len(self._contexts)

    @property
    def pending_output_shape(self) -> tuple | None:
        """Shape of the newest output still waiting for its backward, None if none."""
        return self._contexts[-1][1] if self._contexts else None

    def detached_copy(self, dtype=None) -> Layer:
        """A copy with its own weights (cast to `dtype` if given), zero gradients and no
        recorded passes: for trying a step or a finite difference without touching this block."""
        twin = copy.copy(self)
        twin.dtype = self.dtype if dtype is None else np.dtype(dtype)
        twin.params = {k: v.astype(twin.dtype, copy=True) for k, v in self.params.items()}
        twin.grads = {k: np.zeros_like(v) for k, v in twin.params.items()}
        twin._contexts, twin._spent = [], None
        return twin

    def local_derivative(self, x: np.ndarray) -> np.ndarray | None:
        """f'(x) element by element, the factor backward multiplies dE/d(output) by, for a
        block applied to each value on its own (activations); None for any other block."""
        return None

    def drop_contexts(self, keep: int = 0) -> None:
        """Forget the unconsumed forward calls after the oldest `keep` (no backward for them)."""
        del self._contexts[max(int(keep), 0):]
        self._spent = None

    def _forward(self, x: np.ndarray, training: bool) -> tuple[np.ndarray, object]:
        """(output, context): the context holds what `_backward` needs; no state on self."""
        raise NotImplementedError

    def _backward(self, grad_out: np.ndarray, context, input_grad: bool):
        """dE/d(input) (None when not `input_grad`); adds weight gradients into `self.grads`."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # ----- how the builder describes it ------------------------------------------------------
    # Worked from a config dict as the builder holds it (settings may be missing or invalid),
    # without allocating weights. Blocks override what they need.
    ICON = "circle"
    """What the block's icon shows: "grid" (filters), "max-pool", "mean-pool", "network"
    (all-to-all), "flatten", "dropout", "bars" (probabilities), "curve" (`icon_curve`),
    "circle" (anything else)."""
    SEEDS_FILTERS = False
    """True for a block whose first filters can start as given kernels (`core.nn.kernel_init`)."""
    LAB_VIEW = ""
    """What the backprop lab can spell out for this block (`core.nn.backprop_lab`):
    "contributions" (a Conv2D's dE/dW as one term per position), "routing" (where a max pool
    sends each error), "terms" (a Dense entry as a sum of products), "curve" (an activation's
    f and f'), or "" (the block is shown whole)."""

    @classmethod
    def derivative_text(cls, config: dict) -> str:
        """The local derivative in words for the backprop lab ("" for blocks without one)."""
        return ""

    @staticmethod
    def icon_curve(x: float) -> float:
        """The curve a "curve" icon draws, y for x in [-3, 3], scaled to about [-0.5, 3.5]."""
        return x

    @classmethod
    def short_label(cls, config: dict) -> str:
        """The settings in a few characters, as on the block's card ("Conv 8@3x3 s1 p1")."""
        return cls.__name__

    @classmethod
    def explain_output(cls, config: dict, in_shape, out_shape) -> str:
        """How the output size follows from the input, with the numbers filled in."""
        if in_shape is None or out_shape is None:
            return "Output size: unknown until the blocks above fit together."
        return f"applied to each value on its own: same shape as its input, {shape_text(out_shape)}"

    @classmethod
    def explain_params(cls, config: dict, in_shape, params: int, frozen_filters: int = 0) -> str:
        """How the parameter count `params` follows from the settings, with the numbers filled
        in; `frozen_filters` seeded filters kept as they are are named too."""
        return count_text(params) if params else "0: no weights to learn"
