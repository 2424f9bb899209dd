"""Activation blocks: element-wise non-linearities and softmax, each with its derivative.

They are registered in `core.nn.layer.LAYERS` like every other block.
"""

from __future__ import annotations

import numpy as np

from core.nn import functional as F
from core.nn.layer import Layer, Setting
from core.nn.wording import shape_text


class _Activation(Layer):
    KIND = "activation"

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

    PIPELINED = True

    def _forward(self, x, training):
        return F.relu_forward(x)

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

    def _forward(self, x, training):
        slope = x.dtype.type(self.negative_slope)
        out = np.maximum(x, x * slope) if slope <= 1 else np.minimum(x, x * slope)
        return out, x > 0

    def _backward(self, grad_out, positive, input_grad):
        if not input_grad:
            return None
        slope = grad_out.dtype.type(self.negative_slope)
        grad = grad_out * positive
        grad *= 1 - slope
        grad += grad_out * slope
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

    def _forward(self, x, training):
        half = x.dtype.type(0.5)
        out = half * (np.tanh(half * x) + 1)  # stable for large |x|
        return out, out * (1 - out)

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

    def _forward(self, x, training):
        out = np.tanh(x)
        return out, 1 - out * out

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

    def _forward(self, x, training):
        out = np.maximum(x, 0)
        out += np.log1p(np.exp(-np.abs(x)))  # ln(1 + e^x) without overflow
        half = x.dtype.type(0.5)
        return out, half * (np.tanh(half * x) + 1)

    # ----- how the builder describes it -------------------------------------------------------
    @staticmethod
    def icon_curve(x):
        return float(np.logaddexp(0.0, x))  # ln(1 + e^x)

    @classmethod
    def derivative_text(cls, config):
        return "f'(x) = sigmoid(x) = 1 / (1 + e^-x): softplus' = sigmoid"


class Softmax(_Activation):
    PROBABILITY_OUTPUT = True
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
