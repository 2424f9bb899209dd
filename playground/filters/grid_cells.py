"""What the kernel grid draws and paints: the diverging colours of weights and the mirrored
cells a symmetry mode paints together."""

from __future__ import annotations

from PySide6.QtGui import QColor

SYMMETRIES = {
    "none": "No symmetry",
    "horizontal": "Mirror left-right",
    "vertical": "Mirror top-bottom",
    "both": "Mirror both ways",
    "rot180": "Rotational (180°)",
    "rot90": "Rotational (90°, square)",
}

_NEGATIVE = (33, 102, 172)
_ZERO = (247, 247, 247)
_POSITIVE = (178, 24, 43)


def diverging_colour(value: float, scale: float) -> QColor:
    """Blue for negative, white for 0, red for positive; |value| = scale is full colour."""
    t = 0.0 if scale <= 0 else max(-1.0, min(1.0, value / scale))
    end = _POSITIVE if t >= 0 else _NEGATIVE
    a = abs(t)
    return QColor(*(round(z + (e - z) * a) for z, e in zip(_ZERO, end, strict=True)))


def symmetric_cells(row: int, col: int, height: int, width: int, mode: str) -> set[tuple]:
    """The cell and its mirror images under a symmetry mode (see `SYMMETRIES`)."""
    cells = {(row, col)}
    mirror_r, mirror_c = height - 1 - row, width - 1 - col
    if mode in ("horizontal", "both"):
        cells.add((row, mirror_c))
    if mode in ("vertical", "both"):
        cells.add((mirror_r, col))
    if mode == "both" or mode == "rot180" or (mode == "rot90" and height != width):
        cells.add((mirror_r, mirror_c))
    if mode == "rot90" and height == width:
        n = height - 1
        cells.update({(col, n - row), (n - row, n - col), (n - col, row)})
    return cells
