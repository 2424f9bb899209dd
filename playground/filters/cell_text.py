"""How a kernel weight is written: short in a cell (more digits when they fit), exact in its
tooltip; and the in-place editor that types one (Esc cancels)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit


def format_weight(value: float, digits: int = 3) -> str:
    """Short text for a cell: 2, -1, .225, -.055, 7e-7 (3 significant digits; more with
    `digits`, e.g. .22508 with 5)."""
    if value == int(value) and abs(value) < 1e5:
        return str(int(value))
    if abs(value) >= 0.01:
        text = f"{value:.{digits}g}"
        return text.replace("0.", ".", 1) if abs(value) < 1 else text
    return f"{value:.{max(0, digits - 3)}e}".replace("e-0", "e-").replace("e+0", "e")


def exact_weight(value: float) -> str:
    """A weight in full (float32) precision, e.g. 0.22508352 or 6.7e-07 (0.00000067)."""
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    text = f"{value:.8f}".rstrip("0").rstrip(".")
    if abs(value) < 1e-4:
        text = f"{value:.2e} ({text})" if text not in ("0", "-0") else f"{value:.2e}"
    return text


MAX_CELL_DIGITS = 6


class CellEditor(QLineEdit):
    """The in-place editor: Esc cancels (`cancelled`), Return commits."""

    cancelled = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)
