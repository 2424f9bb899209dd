"""Activation blocks: element-wise non-linearities and softmax, each with its derivative.

They are registered in `core.nn.layer.LAYERS` like every other block.
"""

from __future__ import annotations

import numpy as np

from core.nn import functional as F
from core.nn import parallel
from core.nn.layer import Layer, Setting
from core.nn.wording import shape_text


class _Activation(Layer):
    KIND = "activation"
    PIPELINED = True
    KEPT_DTYPE = None
    """The dtype of what the forward keeps for the backward (None: the input's)."""

    def _forward(self, x, training):
        out = np.empty(x.shape, dtype=x.dtype)
        kept = np.empty(x.shape, dtype=self.KEPT_DTYPE or x.dtype)
        parallel.over_batch(lambda s: self._fill(x[s], out[s], kept[s]), x.shape[0],
                            values=x.size)
        return out, kept

    def _fill(self, x: np.ndarray, out: np.ndarray, kept: np.ndarray) -> None:
        """Write f(x) into `out` and what the backward needs (f'(x) unless it says otherwise)
        into `kept`, for one part of the batch, in place."""
        raise NotImplementedError

    def _backward(self, grad_out, derivative, input_grad):
        return F.times(grad_out, derivative) if input_grad else None

    def local_derivative(self, x):
        """f'(x) element by element: the factor `_backward` multiplies dE/d(output) by."""
        return np.asarray(self._forward(x, False)[1], dtype=x.dtype)

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "curve"
    LAB_VIEW = "curve"


class ReLU(_Activation):
    HELP = "max(0, x): passes positives, zeroes negatives"
    DESCRIPTION = (
        "The rectified linear unit, max(0, x). Its gradient is 1 for positive inputs and 0 "
        "otherwise, so in a deep network the error reaches the first layers undiminished, "
        "where sigmoid's gradient (at most 0.25) shrinks it layer after layer (the vanishing "
        "gradient). It also gives sparse activations: many units output exactly zero.")

    KEPT_DTYPE = np.dtype(bool)  # where x > 0: f'(x) as a mask

    def _fill(self, x, out, kept):
        zero = x.dtype.type(0)
        np.maximum(x, zero, out=out)
        np.greater(out, zero, out=kept)

    # ----- how the builder describes it -------------------------------------------------------
    @staticmethod
    def icon_curve(x):
        return max(0.0, x)

    @classmethod
    def derivative_text(cls, config):
        return "f'(x) = 1 where x > 0, else 0: the error passes whole or not at all"


class LeakyReLU(_Activation):
    HELP = "x for positives, a small slope times x for negatives"
    DESCRIPTION = (
        "Like ReLU, but negative inputs are multiplied by a small slope instead of zeroed, so "
        "a unit that only sees negative inputs still gets a gradient and can recover.")
    SETTINGS = (Setting("negative_slope", "float", 0.01, 0.0, 1.0,
                        help="Slope for negative inputs"),)

    KEPT_DTYPE = np.dtype(bool)  # where x > 0

    def _fill(self, x, out, kept):
        slope = x.dtype.type(self.negative_slope)
        np.multiply(x, slope, out=out)
        (np.maximum if slope <= 1 else np.minimum)(x, out, out=out)
        np.greater(x, 0, out=kept)

    def _backward(self, grad_out, positive, input_grad):
        if not input_grad:
            return None
        slope = grad_out.dtype.type(self.negative_slope)
        grad = np.empty(grad_out.shape, dtype=grad_out.dtype)

        def part(s: slice) -> None:
            np.multiply(grad_out[s], positive[s], out=grad[s])
            grad[s] *= 1 - slope
            grad[s] += grad_out[s] * slope

        parallel.over_batch(part, grad.shape[0], values=grad.size)
        return grad

    def local_derivative(self, x):
        return np.where(x > 0, x.dtype.type(1), x.dtype.type(self.negative_slope))

    def __repr__(self):
        return f"LeakyReLU({self.negative_slope:g})"

    # ----- how the builder describes it -------------------------------------------------------
    @staticmethod
    def icon_curve(x):
        return x if x > 0 else 0.15 * x

    @classmethod
    def short_label(cls, config):
        slope = config.get("negative_slope", config.get("slope", config.get("alpha")))
        return "LeakyReLU" if slope is None else f"LeakyReLU {slope}"

    @classmethod
    def derivative_text(cls, config):
        return f"f'(x) = 1 where x > 0, else the slope {config.get('negative_slope', 0.01)}"


class Sigmoid(_Activation):
    HELP = "1 / (1 + e^-x): squashes into (0, 1)"
    DESCRIPTION = (
        "The logistic sigmoid 1 / (1 + e^-x) squashes any input into (0, 1). Its derivative "
        "s(1 - s) is at most 0.25, so backprop multiplies the error by a quarter or less at "
        "every sigmoid layer: in deep sigmoid networks the first layers barely learn (the "
        "vanishing gradient), which is why ReLU replaced it.")

    def _fill(self, x, out, kept):
        half = x.dtype.type(0.5)
        np.multiply(x, half, out=out)  # (tanh(x / 2) + 1) / 2: stable for large |x|
        np.tanh(out, out=out)
        out += 1
        out *= half
        np.subtract(1, out, out=kept)
        kept *= out

    # ----- how the builder describes it -------------------------------------------------------
    @staticmethod
    def icon_curve(x):
        return 1.5 * (float(np.tanh(x)) + 1)  # 3 / (1 + e^-2x)

    @classmethod
    def derivative_text(cls, config):
        return "f'(x) = f(x) (1 - f(x)), at most 0.25: the error shrinks at every sigmoid"


class Tanh(_Activation):
    HELP = "tanh(x): squashes into (-1, 1)"
    DESCRIPTION = (
        "The hyperbolic tangent squashes inputs into (-1, 1) and is centred on zero. Its "
        "derivative 1 - tanh^2 is at most 1 but tiny for large inputs, so deep tanh networks "
        "also suffer from vanishing gradients, though less than sigmoid ones.")

    def _fill(self, x, out, kept):
        np.tanh(x, out=out)
        np.multiply(out, out, out=kept)
        np.subtract(1, kept, out=kept)

    # ----- how the builder describes it -------------------------------------------------------
    @staticmethod
    def icon_curve(x):
        return 1.5 + 1.5 * float(np.tanh(1.5 * x))

    @classmethod
    def derivative_text(cls, config):
        return "f'(x) = 1 - tanh(x)^2, at most 1, tiny for large |x|"


class Softplus(_Activation):
    HELP = "ln(1 + e^x): a smooth ReLU"
    DESCRIPTION = (
        "Softplus, ln(1 + e^x), is a smooth version of ReLU: close to 0 for very negative "
        "inputs and close to x for large ones. Its derivative is exactly the sigmoid.")

    def _fill(self, x, out, kept):
        np.abs(x, out=kept)  # ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): no overflow
        np.negative(kept, out=kept)
        np.exp(kept, out=kept)
        np.log1p(kept, out=kept)
        np.maximum(x, 0, out=out)
        out += kept
        half = x.dtype.type(0.5)
        np.multiply(x, half, out=kept)  # f'(x) = sigmoid(x)
        np.tanh(kept, out=kept)
        kept += 1
        kept *= half

    # ----- how the builder describes it -------------------------------------------------------
    @staticmethod
    def icon_curve(x):
        return float(np.logaddexp(0.0, x))  # ln(1 + e^x)

    @classmethod
    def derivative_text(cls, config):
        return "f'(x) = sigmoid(x) = 1 / (1 + e^-x): softplus' = sigmoid"


class Softmax(_Activation):
    PROBABILITY_OUTPUT = True
    PIPELINED = False  # each output depends on its whole row
    HELP = "Turns scores into probabilities that sum to 1"
    DESCRIPTION = (
        "Softmax turns the last layer's scores z into class probabilities O_i = exp(z_i) / "
        "sum_k exp(z_k): all positive, summing to 1, the largest score getting the largest "
        "share. Training fuses it with the cross-entropy loss, which is simpler and "
        "numerically safer; at the end of a network it marks the output as probabilities.")

    def _forward(self, x, training):
        out = F.softmax(x, axis=1)
        return out, out

    def _backward(self, grad_out, s, input_grad):
        if not input_grad:
            return None
        return s * (grad_out - (grad_out * s).sum(axis=1, keepdims=True))

    def local_derivative(self, x):
        return None  # every output depends on every input: no element-wise derivative

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "bars"
    LAB_VIEW = ""

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None:
            return super().explain_output(config, in_shape, out_shape)
        return (f"O_i = exp(z_i) / sum_k exp(z_k): {shape_text(out_shape)} probabilities "
                "that sum to 1")
