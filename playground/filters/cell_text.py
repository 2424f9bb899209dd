"""How a kernel weight is written: short in a cell (more digits when they fit), exact in its
tooltip; and the in-place editor that types one (Esc cancels)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLineEdit

TINY = 0.0005
"""Below this a weight written with 3 digits or fewer is shown as "≈0"."""
MIN_CELL_FONT = 10
"""Smallest font (pixels) of a number in a kernel cell; smaller cells show colour only."""


def format_weight(value: float, digits: int = 3) -> str:
    """Text a student reads in a cell: 2, 0.225, -0.0547, 0.00121 (`digits` significant
    digits, never an exponent), and "≈0" for a weight below 0.0005 written with 3 digits or
    fewer (a 7x7 Gaussian's corner, 6.7e-7); the exact value is in the cell's tooltip."""
    if value == int(value) and abs(value) < 1e5:
        return str(int(value))
    if abs(value) < TINY and digits <= 3:
        return "≈0"
    if abs(value) >= 10 ** digits:
        return str(round(value))
    return np.format_float_positional(float(value), precision=digits, unique=True,
                                      fractional=False, trim="-")


def format_value(value: float, digits: int = 4) -> str:
    """An input value or a product in the explain table: 147, 55.71, 0.0012, "≈0" (below
    0.0005, as for weights), never an exponent."""
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    if abs(value) < TINY:
        return "≈0"
    if abs(value) >= 10 ** digits:
        return str(round(value))
    return np.format_float_positional(float(value), precision=digits, unique=True,
                                      fractional=False, trim="-")


def exact_weight(value: float) -> str:
    """A weight in full (float32) precision, e.g. 0.22508352 or 6.7e-07 (0.00000067)."""
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    text = f"{value:.8f}".rstrip("0").rstrip(".")
    if abs(value) < 1e-4:
        text = f"{value:.2e} ({text})" if text not in ("0", "-0") else f"{value:.2e}"
    return text


MAX_CELL_DIGITS = 6


def fitting_weight(value: float, fits) -> str:
    """The most digits of `value` (up to MAX_CELL_DIGITS, down to 1) for which `fits(text)`
    holds; "" when not even one digit fits (the cell then shows its colour only)."""
    for digits in range(MAX_CELL_DIGITS, 0, -1):
        text = format_weight(value, digits)
        if fits(text):
            return text
    return ""


def _significant(text: str) -> int:
    """How many significant digits a cell text shows ("0.0547" -> 3, "≈0" -> 0)."""
    digits = text.replace("-", "").replace(".", "").lstrip("0")
    return sum(character.isdigit() for character in digits)


def measure_cell_text(value: float, width: float, font: QFont) -> tuple[str, int]:
    """(text, font pixel size) for a cell `width` wide: the most digits that fit at `font`,
    else 3 digits or fewer at a font down to MIN_CELL_FONT, else "≈0" for a small weight;
    ("", size) when nothing fits (the cell shows its colour only)."""
    room = width - 4
    wanted = _significant(format_weight(value))
    text = ""
    metrics = QFontMetrics(font)
    for size in range(font.pixelSize(), MIN_CELL_FONT - 1, -1):
        probe = QFont(font)
        probe.setPixelSize(size)
        metrics = QFontMetrics(probe)
        text = fitting_weight(value, lambda t, m=metrics: m.horizontalAdvance(t) <= room)
        if text and _significant(text) >= wanted:
            return text, size
    if not text and abs(value) < 0.01 and metrics.horizontalAdvance("≈0") <= room:
        text = "≈0"  # a small weight too long to write: small, not blank (which reads 0)
    return text, MIN_CELL_FONT


class CellEditor(QLineEdit):
    """The in-place editor: Esc cancels (`cancelled`), Return commits."""

    cancelled = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)
