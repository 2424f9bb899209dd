"""How the lab writes a number: short in a cell or an equation, in full in its tooltip.

The rules follow the filter studio's (no exponent in a short number, "≈0" for what is too small
to read), with one difference: gradients are often a few ten-thousandths, so a short number keeps
two significant digits down to 0.000001 before it becomes "≈0".
"""

from __future__ import annotations

import numpy as np

TINY = 1e-6
"""Below this a short number is written "≈0" (its tooltip has the value)."""


def short(value: float, digits: int = 3) -> str:
    """A number a student reads: 2, 0.225, -0.0547, 0.00012, 1234, "≈0" (below 1e-6)."""
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    if abs(value) < TINY:
        return "≈0"
    if abs(value) >= 10 ** digits:
        return str(round(value))
    if abs(value) < 0.001:
        digits = 2
    return np.format_float_positional(value, precision=digits, unique=True, fractional=False,
                                      trim="-")


def signed(value: float, digits: int = 3) -> str:
    """`short` in brackets when negative, for a term inside a sum: "(-0.5)"."""
    text = short(value, digits)
    return f"({text})" if text.startswith("-") else text


def full(value: float) -> str:
    """The value in full float32 precision (9 significant digits), e.g. 0.000123456791."""
    value = float(value)
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.9g}"


def number_link(value: float, digits: int = 3, *, brackets: bool = False) -> str:
    """Rich text for an `EquationLabel`: the short number, whose full value shows on hover
    (Qt's rich text has no hover text of its own, so the number is a link to its value)."""
    text = signed(value, digits) if brackets else short(value, digits)
    return f'<a href="v:{full(value)}">{text}</a>'


def entry_name(symbol: str, index) -> str:
    """"dE/dW[1, 1, 2, 3]" for entry_name("dE/dW", (0, 0, 1, 2)): the indices counted from 1,
    as the equations' subscripts are."""
    return f"{symbol}[{', '.join(str(int(i) + 1) for i in index)}]"
