"""What every step's panel shares: `show_step(lab, block, direction)`, the signal
`weight_chosen(block_index, parameter, index)` when the user clicks a dE/dW entry, and the
spelling of a sum of products with the user's numbers."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from playground.backprop.numbers import number_link

SHOWN_TERMS = 8
"""A sum of more products shows the largest this many and says how many more there are."""


def param_symbol(name: str) -> str:
    """How the equations write a parameter: "weight" -> "W", "bias_hh" -> "b_hh"."""
    for long, short in (("weight", "W"), ("bias", "b")):
        if name == long or name.startswith(long + "_"):
            return short + name[len(long):]
    return name


def sub(name: str, *indices) -> str:
    """"W<sub>2,3</sub>" for sub("W", 2, 3): indices written from 1, as in the notes."""
    return f"{name}<sub>{','.join(str(int(i) + 1) for i in indices)}</sub>"


def spelled_sum(names: list[str], factors: list[tuple[float, float]],
                products: np.ndarray, shown: int = SHOWN_TERMS) -> str:
    """"a·b + c·d + … " with the numbers: each product `names[k]` = factors[k][0] x
    factors[k][1]; long sums keep the largest `shown` products (in their order) and say how
    many smaller ones follow."""
    products = np.asarray(products, dtype=np.float64)
    order = np.arange(len(products))
    if len(products) > shown:
        order = np.sort(np.argsort(-np.abs(products), kind="stable")[:shown])
    parts = [f"{number_link(factors[k][0], brackets=True)}·"
             f"{number_link(factors[k][1], brackets=True)}" for k in order]
    text = " + ".join(parts)
    hidden = len(products) - len(order)
    if hidden:
        text += f" + … ({hidden} smaller products)"
    symbols = " + ".join(names[k] for k in order[:3])
    more = " + …" if len(products) > 3 else ""
    return f"{symbols}{more}<br>= {text}"


class StepPanel(QWidget):
    """Base of the step panels. A panel that animates its step says so with `animating()`
    and emits `animation_finished` at the end (Play waits for it)."""

    weight_chosen = Signal(int, str, object)  # block index, "weight" / "bias", index tuple
    animation_finished = Signal()

    def animating(self) -> bool:
        return False

    def show_step(self, lab, block, direction: str) -> None:
        raise NotImplementedError
