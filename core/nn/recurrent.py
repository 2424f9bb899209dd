"""Recurrent blocks: `RNN` and `LSTM`, one cell applied at every time step, x(t) = f(x(t-1), a(t)),
and `Rows`, which reads maps row by row as a sequence for them.

A sequence is (T, F) per sample: T time steps of F values; a batch is (N, T, F). Parameters
have PyTorch's names and shapes (`torch.nn.RNN` / `torch.nn.LSTM`, one layer, batch_first).
The math lives in `core.nn.recurrent_functional`; backpropagation goes through every step, or
through pieces of `truncate` steps.
"""

from __future__ import annotations

import numpy as np

from core.nn import recurrent_functional as R
from core.nn.layer import TRAINABLE, Layer, Setting, describe_shape
from core.nn.wording import count_text, plural, shape_text, whole

_STEPS_FIX = "put a Rows block before it to read the maps row by row"


class _Recurrent(Layer):
    KIND = "recurrent"
    GATES = 1  # weight blocks stacked in weight_ih / weight_hh (4 for the LSTM)

    def param_shapes(self):
        rows, hidden = self.GATES * self.hidden_size, self.hidden_size
        return {"weight_ih": (rows, self.input_size), "weight_hh": (rows, hidden),
                "bias_ih": (rows,), "bias_hh": (rows,)}

    def reset_parameters(self, rng):
        """PyTorch's initialisation: every weight and bias uniform in +-1 / sqrt(hidden)."""
        bound = 1.0 / np.sqrt(self.hidden_size)
        for name, shape in self.param_shapes().items():
            self.params[name] = rng.uniform(-bound, bound, size=shape).astype(self.dtype)
            self.grads[name] = np.zeros(shape, dtype=self.dtype)

    def output_shape(self, input_shape):
        shape = tuple(int(s) for s in input_shape)
        if len(shape) == 3:
            raise self._error(f"needs a sequence (steps x values) but gets "
                              f"{describe_shape(shape)}; an RNN after a Conv2D needs a reshape: "
                              f"{_STEPS_FIX} ({shape[1]} steps of {shape[0] * shape[2]} values)")
        if len(shape) != 2:
            raise self._error(f"needs a sequence (steps x values) but gets "
                              f"{describe_shape(shape)}; feed it the data (an input of steps x "
                              f"values) or an RNN / LSTM with return sequences on")
        if shape[1] != self.input_size:
            raise self._error(f"expects {self.input_size} values per step but gets {shape[1]}")
        steps = shape[0]
        return (steps, self.hidden_size) if self.return_sequences else (self.hidden_size,)

    def _forward(self, x, training):
        states, cache = self.forward_steps(x)
        if self.return_sequences:
            return np.ascontiguousarray(states.transpose(1, 0, 2)), cache
        return states[-1].copy(), cache  # a copy: the states stay intact for backward

    def _backward(self, grad_out, cache, input_grad):
        grad_x, grads, _ = self.backward_steps(grad_out, cache, input_grad=input_grad)
        if self.trainable:
            for name, value in grads.items():
                self.grads[name] += value
        return grad_x

    def forward_steps(self, x):
        """(every state x(1..T) time-major (T, N, H), cache) for a batch x (N, T, F), nothing
        recorded (`core.nn.unroll` uses it)."""
        return self._run(x, self.params)

    def backward_steps(self, grad_out, cache, *, input_grad=True, state_grads=False):
        """(dE/d(input), weight gradients, dE/d(state) per step (T, N, H) or None) for one
        recorded pass's cache, without touching `grads` (`core.nn.unroll` uses it)."""
        (grad_x, grads), through = self._back(
            grad_out, cache, truncate=self.truncate, input_grad=input_grad,
            param_grads=self.trainable, state_grads=state_grads)
        return grad_x, grads, through

    def __repr__(self):
        sequences = ", all steps" if self.return_sequences else ""
        return (f"{type(self).__name__}({self.input_size}->{self.hidden_size}"
                f"{self._repr_extra()}{sequences})")

    def _repr_extra(self) -> str:
        return ""

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "loop"

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None or len(in_shape) != 2:
            return super().explain_output(config, in_shape, out_shape)
        steps, hidden = int(in_shape[0]), int(out_shape[-1])
        head = (f"the same cell runs {plural(steps, 'time')}, once per step, each time taking "
                f"a(t) ({plural(int(in_shape[1]), 'value')}) and x(t-1) ({hidden} values)")
        if len(out_shape) == 2:
            return f"{head}; it hands on every state x(1..{steps}): {shape_text(out_shape)}"
        return f"{head}; it hands on the last state x({steps}): {shape_text(out_shape)}"

    @classmethod
    def explain_params(cls, config, in_shape, params, frozen_filters=0):
        if in_shape is None or len(in_shape) != 2:
            return super().explain_params(config, in_shape, params, frozen_filters)
        f, h = int(in_shape[1]), whole(config.get("hidden_size", 1), 1)
        per_gate = f * h + h * h + 2 * h
        text = (f"{f} x {h} input weights + {h} x {h} recurrent weights + 2 x {h} biases")
        if cls.GATES == 1:
            text += f" = {count_text(per_gate)} parameters"
        else:
            text = (f"4 gates (input i, forget f, cell g, output o) x ({text}) = "
                    f"4 x {count_text(per_gate)} = {count_text(4 * per_gate)} parameters")
        if cls.GATES * per_gate != params:
            text += f" (the engine counts {count_text(params)})"
        text += ", the same at every step"
        return text + ("; frozen: not trained" if config.get("trainable") is False else "")


_SEQUENCE_SETTINGS = (
    Setting("input_size", "int", 28, 1, 100_000,
            help="Values per time step (filled in from the block before)"),
    Setting("hidden_size", "int", 64, 1, 4096, help="Values in the hidden state x(t)"),
)
_TAIL_SETTINGS = (
    Setting("return_sequences", "bool", False,
            help="Hand on the state of every step (steps x hidden) instead of the last one only"),
    Setting("truncate", "int", 0, 0, 100_000,
            help="Backpropagate through pieces of at most this many steps, counted back from "
                 "the last (0: through all steps)"),
    TRAINABLE,
)


class RNN(_Recurrent):
    HELP = "x(t) = f(W_ih a(t) + W_hh x(t-1) + b): one cell applied at every time step"
    DESCRIPTION = (
        "A recurrent layer reads a sequence one step at a time. At step t it combines the new "
        "input a(t) with its own previous state x(t-1): x(t) = f(W_ih a(t) + b_ih + W_hh x(t-1) + "
        "b_hh), starting from x(0) = 0. The same weights serve every step, so unrolled in time "
        "it is a deep network whose layers share their weights. Training backpropagates through "
        "time, and the error reaching early steps is multiplied by W_hh and f' once per step: "
        "with tanh it fades quickly (the vanishing gradient across time), which is what the "
        "LSTM's gates were designed to avoid. Clip the gradients when training it.")
    SETTINGS = (_SEQUENCE_SETTINGS[0], _SEQUENCE_SETTINGS[1],
                Setting("nonlinearity", "choice", "tanh", choices=R.NONLINEARITIES,
                        help="f, applied to the sum at every step"),
                *_TAIL_SETTINGS)

    def _run(self, x, p):
        return R.rnn_forward(x, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"],
                             self.nonlinearity)

    def _back(self, grad_out, cache, **options):
        return R.rnn_backward(grad_out, cache, self.params["weight_ih"],
                              self.params["weight_hh"], **options)

    def _repr_extra(self):
        return f", {self.nonlinearity}"

    @classmethod
    def derivative_text(cls, config):
        slope = {"tanh": "1 - x(t)^2", "relu": "1 where the sum > 0, else 0",
                 "sigmoid": "x(t) (1 - x(t))"}.get(config.get("nonlinearity", "tanh"), "f'")
        return (f"Backward through time, from the last step down: d(t) = f' * (dE/dx(t) + "
                f"W_hh^T d(t+1)) with f' = {slope}; then dE/dW_ih = sum over t of d(t) a(t)^T, "
                f"dE/dW_hh = sum over t of d(t) x(t-1)^T, dE/db = sum over t of d(t), and "
                f"dE/da(t) = W_ih^T d(t): one delta per use of the shared weights, added up")

    @classmethod
    def short_label(cls, config):
        sequences = " seq" if config.get("return_sequences") is True else ""
        return f"RNN {config.get('hidden_size', '?')} {config.get('nonlinearity', 'tanh')}" \
               f"{sequences}"


class LSTM(_Recurrent):
    GATES = 4
    HELP = "A gated recurrent cell: a cell state the gradient can cross many steps on"
    DESCRIPTION = (
        "The long short-term memory cell keeps, beside its output x(t), a cell state c(t) that "
        "is changed only by gates: the input gate i decides how much of the new candidate g "
        "is written, the forget gate f how much of c(t-1) is kept, the output gate o how much "
        "of tanh(c(t)) is shown: c(t) = f c(t-1) + i g, x(t) = o tanh(c(t)). Along c the error "
        "is multiplied only by f at each step, so with f near 1 it reaches steps far back, "
        "where a plain RNN's fades. It has four times an RNN's weights (gates in PyTorch's "
        "order i, f, g, o).")
    SETTINGS = (*_SEQUENCE_SETTINGS, *_TAIL_SETTINGS)

    def reset_parameters(self, rng):
        """PyTorch's uniform initialisation, then the forget gate's input bias set to 1 so
        that f starts near 0.73 and the cell state (and its gradient) lasts from the start."""
        super().reset_parameters(rng)
        h = self.hidden_size
        self.params["bias_ih"][h:2 * h] = 1

    def _run(self, x, p):
        return R.lstm_forward(x, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])

    def _back(self, grad_out, cache, **options):
        return R.lstm_backward(grad_out, cache, self.params["weight_ih"],
                               self.params["weight_hh"], **options)

    @classmethod
    def derivative_text(cls, config):
        return ("Backward through time, from the last step down: dE/dc(t) = dE/dx(t) o(t) "
                "(1 - tanh^2 c(t)) + f(t+1) dE/dc(t+1), so along c the error is multiplied "
                "only by the forget gate f; each gate's delta (its slope times what it "
                "multiplies) times a(t) and x(t-1) adds to dE/dW_ih and dE/dW_hh at every step, "
                "and dE/da(t) = W_ih^T (the gates' deltas)")

    @classmethod
    def short_label(cls, config):
        sequences = " seq" if config.get("return_sequences") is True else ""
        return f"LSTM {config.get('hidden_size', '?')}{sequences}"


class Rows(Layer):
    KIND = "recurrent"
    HELP = "Reads maps row by row: C x H x W becomes H steps of C x W values"
    DESCRIPTION = (
        "Turns maps into a sequence for an RNN or LSTM: each row of the image is one time "
        "step, so a 28 x 28 digit becomes 28 steps of 28 values (with several maps, the rows "
        "of all maps at that height are laid side by side). It has no weights and changes no "
        "value; it is the reshape an RNN needs after a Conv2D or on image data.")

    def output_shape(self, input_shape):
        shape = tuple(int(s) for s in input_shape)
        if len(shape) != 3:
            raise self._error(f"needs (channels, height, width) maps but gets "
                              f"{describe_shape(shape)}"
                              + ("; it is already a sequence: remove this block"
                                 if len(shape) == 2 else ""))
        return (shape[1], shape[0] * shape[2])

    def _forward(self, x, training):
        n, c, h, w = x.shape
        return np.ascontiguousarray(x.transpose(0, 2, 1, 3)).reshape(n, h, c * w), x.shape

    def _backward(self, grad_out, shape, input_grad):
        if not input_grad:
            return None
        n, c, h, w = shape
        return np.ascontiguousarray(grad_out.reshape(n, h, c, w).transpose(0, 2, 1, 3))

    # ----- how the builder describes it -------------------------------------------------------
    ICON = "rows"

    @classmethod
    def short_label(cls, config):
        return "Rows as steps"

    @classmethod
    def derivative_text(cls, config):
        return ("dE/dH is dE/dO laid back into rows: row t of each map gets the error of "
                "step t, no value changed")

    @classmethod
    def explain_output(cls, config, in_shape, out_shape):
        if in_shape is None or out_shape is None or len(in_shape) != 3:
            return super().explain_output(config, in_shape, out_shape)
        c, h, w = (int(s) for s in in_shape)
        maps = f"the {w} values of its row" if c == 1 else f"{c} maps x {w} values of its row"
        return (f"{plural(h, 'row')} become {plural(h, 'time step')}; each step holds {maps}: "
                f"{shape_text(out_shape)}")
