"""One unit's equation at one time step, filled in with the numbers of an unrolled pass.

Pure NumPy on a `core.nn.unroll.UnrolledPass`: the parts of the sum (input weights times a(t),
recurrent weights times x(t-1), the biases) are worked out here as data, and `equation_html`
writes them out for the view. For an LSTM the four gates, c(t) and x(t) are written out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GATE_NAMES = ("i", "f", "g", "o")  # PyTorch's order of the LSTM's gates
GATE_WORDS = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate"}
SHOWN_TERMS = 3  # the largest products written out; the others are counted


@dataclass(frozen=True)
class Part:
    """One pre-activation: input sum + b_ih + recurrent sum + b_hh = total, then f(total)."""

    input_sum: float  # sum_k W_ih[row, k] a_k(t)
    input_terms: tuple[tuple[int, float, float], ...]  # (k, W_ih[row, k], a_k(t)), largest
    input_count: int  # how many products the input sum has
    nonzero_inputs: int  # how many a_k(t) are not 0
    bias_ih: float
    recurrent_sum: float  # sum_m W_hh[row, m] x_m(t-1)
    bias_hh: float
    total: float
    value: float  # after the nonlinearity (a gate, or x_j(t) for an RNN)


@dataclass(frozen=True)
class UnitEquation:
    """Unit `unit` at `step` (0-based): its parts and its new state x_j(t)."""

    cell: str  # "RNN" or "LSTM"
    function: str  # "tanh", "relu", "sigmoid"; "lstm"
    step: int
    unit: int
    parts: dict[str, Part]  # "x" for an RNN; "i", "f", "g", "o" for an LSTM
    previous_cell: float  # c_j(t-1) (LSTM; 0 for an RNN)
    cell_state: float  # c_j(t) (LSTM; 0 for an RNN)
    state: float  # x_j(t)


def _part(weights: dict, row: int, a: np.ndarray, previous: np.ndarray, value: float) -> Part:
    w_ih = weights["weight_ih"][row].astype(np.float64)
    products = w_ih * a
    order = np.argsort(-np.abs(products), kind="stable")[:SHOWN_TERMS]
    terms = tuple((int(k), float(w_ih[k]), float(a[k])) for k in order if products[k] != 0)
    input_sum = float(products.sum())
    recurrent_sum = float(weights["weight_hh"][row].astype(np.float64) @ previous)
    b_ih, b_hh = float(weights["bias_ih"][row]), float(weights["bias_hh"][row])
    return Part(input_sum, terms, int(a.size), int(np.count_nonzero(a)), b_ih, recurrent_sum, b_hh,
                input_sum + b_ih + recurrent_sum + b_hh, float(value))


def unit_equation(unrolled, step: int, unit: int) -> UnitEquation:
    """The numbers of x_unit(step + 1) = f(...) in `unrolled` (steps and units 0-based)."""
    hidden = unrolled.states.shape[1]
    if not 0 <= step < unrolled.steps or not 0 <= unit < hidden:
        raise ValueError(f"step {step + 1} / unit {unit} is outside {unrolled.block_name} "
                         f"({unrolled.steps} steps, {hidden} units)")
    a = unrolled.inputs[step].astype(np.float64)
    previous = (unrolled.states[step - 1] if step > 0 else np.zeros(hidden)).astype(np.float64)
    state = float(unrolled.states[step, unit])
    if unrolled.cell != "LSTM":
        part = _part(unrolled.weights, unit, a, previous, state)
        return UnitEquation("RNN", unrolled.nonlinearity or "tanh", step, unit, {"x": part},
                            0.0, 0.0, state)
    parts = {name: _part(unrolled.weights, g * hidden + unit, a, previous,
                         unrolled.gates[step, g * hidden + unit])
             for g, name in enumerate(GATE_NAMES)}
    before = float(unrolled.cells[step - 1, unit]) if step > 0 else 0.0
    return UnitEquation("LSTM", "lstm", step, unit, parts, before,
                        float(unrolled.cells[step, unit]), state)


def number(value: float) -> str:
    """A number as the equation writes it: 3 decimals, or 3 significant digits when tiny."""
    if value != 0 and abs(value) < 0.001:
        text = f"{value:.2e}"
    else:
        text = f"{value:.3f}"
    return text.replace("-", "−")


def _signed(value: float) -> str:
    return f"− {number(-value)}" if value < 0 else f"+ {number(value)}"


def _sum_text(part: Part, t: str) -> str:
    """Σ_k W_ih[j,k] a_k(t) written with its largest products."""
    shown = " + ".join(f"{number(w)}·{number(a)}" for _k, w, a in part.input_terms)
    rest = part.input_count - len(part.input_terms)
    if not shown:
        return f"0 (a({t}) is all zeros)"
    zeros = part.input_count - part.nonzero_inputs
    more = (f" + {rest} smaller products" if rest > zeros else
            f" (the other {rest} a<sub>k</sub>({t}) are 0)" if rest else "")
    return f"{shown}{more} = {number(part.input_sum)}"


def _part_html(part: Part, name: str, row: str, function: str, t: str, p: str) -> str:
    return (
        f"<b>{name}</b> = {function}( Σ<sub>k</sub> W<sub>ih</sub>[{row},k] a<sub>k</sub>({t})"
        f" + b<sub>ih</sub>[{row}] + Σ<sub>m</sub> W<sub>hh</sub>[{row},m] x<sub>m</sub>({p})"
        f" + b<sub>hh</sub>[{row}] )<br>"
        f"&nbsp;&nbsp;input: {_sum_text(part, t)}<br>"
        f"&nbsp;&nbsp;= {function}( {number(part.input_sum)} {_signed(part.bias_ih)} "
        f"{_signed(part.recurrent_sum)} {_signed(part.bias_hh)} )"
        f" = {function}( {number(part.total)} ) = <b>{number(part.value)}</b>"
    )


def equation_html(eq: UnitEquation) -> str:
    """The equation of `eq` as rich text, the general form first, then the numbers."""
    t, p, j = str(eq.step + 1), str(eq.step), str(eq.unit)
    recurrent = "x(0) = 0: nothing remembered yet" if eq.step == 0 else f"x({p}) from step {p}"
    where = (f"<small>a({t}) = input at step {t}; {recurrent}; the same W<sub>ih</sub>, "
             f"W<sub>hh</sub>, b at every step.</small>")
    if eq.cell == "RNN":
        body = _part_html(eq.parts["x"], f"x<sub>{j}</sub>({t})", j, eq.function, t, p)
        return f"<p>{body}</p><p>{where}</p>"
    hidden_row = {name: f"{k}H+{j}" if k else j for k, name in enumerate(GATE_NAMES)}
    lines = []
    for name in GATE_NAMES:
        function = "tanh" if name == "g" else "σ"
        label = f"{name}<sub>{j}</sub>({t}) <small>({GATE_WORDS[name]})</small>"
        lines.append(_part_html(eq.parts[name], label, hidden_row[name], function, t, p))
    i, f, g, o = (eq.parts[n].value for n in GATE_NAMES)
    lines.append(
        f"<b>c<sub>{j}</sub>({t})</b> = f·c<sub>{j}</sub>({p}) + i·g = {number(f)}·"
        f"{number(eq.previous_cell)} + {number(i)}·{number(g)} = <b>{number(eq.cell_state)}</b>")
    lines.append(
        f"<b>x<sub>{j}</sub>({t})</b> = o·tanh(c<sub>{j}</sub>({t})) = {number(o)}·tanh("
        f"{number(eq.cell_state)}) = <b>{number(eq.state)}</b>")
    return "".join(f"<p>{line}</p>" for line in lines) + f"<p>{where}</p>"


def singular_value_text(sigma: float, steps: int, cell: str = "RNN") -> str:
    """What the largest singular value of W_hh means for the error going back in time."""
    if cell == "LSTM":
        return (f"Largest singular value of W<sub>hh</sub> (the four gates stacked): <b>"
                f"{sigma:.3f}</b>. An LSTM's error also goes back through c(t), multiplied only "
                f"by the forget gate f (near 1 when it keeps its memory), not by W<sub>hh</sub>:"
                f" that is how it carries the error further back in time.")
    if sigma < 1:
        return (f"Largest singular value of W<sub>hh</sub>: <b>{sigma:.3f}</b>, below 1: each "
                f"step back through W<sub>hh</sub> (and the slope of f) leaves the error at most "
                f"×{sigma:.2f} as large, so after {steps - 1} steps at most "
                f"×{sigma ** max(steps - 1, 1):.1e}. The error shrinks each step back.")
    return (f"Largest singular value of W<sub>hh</sub>: <b>{sigma:.3f}</b> (above 1). One step "
            f"back can stretch the error up to ×{sigma:.2f}; the slope of f (at most 1 for tanh) "
            f"usually shrinks it again, so it may still fade.")
