"""A small heat map of numbers: blue (negative) through white to red (positive), each cell's
value written in it when it fits, in full when hovered; a click chooses a cell.

`paint_grid` draws one grid on any painter (the max-pool view draws two and the arrows between
them); `HeatGrid` is the widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground.backprop.numbers import entry_name, full, short

BLUE, WHITE, RED = np.array([40, 90, 200.0]), np.full(3, 255.0), np.array([200, 40, 40.0])
CHOSEN = QColor(20, 20, 20)
WINDOW = QColor(255, 170, 0)
TITLE_H = 20
MAX_CELL = 46
FONT_PX = 11


def colour(value: float, scale: float) -> QColor:
    """Blue for -scale, white for 0, red for +scale."""
    s = 0.0 if scale <= 0 else float(np.clip(value / scale, -1.0, 1.0))
    rgb = WHITE + ((BLUE - WHITE) * -s if s < 0 else (RED - WHITE) * s)
    return QColor(*(int(c) for c in rgb))


def symmetric_scale(*arrays) -> float:
    """The largest |value| of the arrays (1 when all are zero): one colour scale for all."""
    largest = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=0.0)
    return largest if largest > 0 and np.isfinite(largest) else 1.0


@dataclass
class Marks:
    """What is drawn over the cells: the chosen cell, framed windows (row0, col0, row1, col1,
    end exclusive) and cells drawn faded."""

    chosen: tuple[int, int] | None = None
    windows: list[tuple[int, int, int, int]] = field(default_factory=list)
    window_colour: QColor = field(default_factory=lambda: QColor(WINDOW))
    faded: np.ndarray | None = None  # bool (R, C): True where the cell is drawn pale
    cells: list[tuple[int, int]] = field(default_factory=list)  # cells framed thinly
    window_width: float = 3.0  # the pen of the window frames


def paint_grid(painter: QPainter, origin: QPointF, cell, values: np.ndarray,
               scale: float, marks: Marks | None = None, font_px: int = FONT_PX) -> None:
    """Draw `values` (R, C) with its top-left corner at `origin`, cells of `cell` pixels (or
    (width, height)), coloured on `scale`; numbers written where they fit."""
    cw, ch = (cell, cell) if np.isscalar(cell) else cell
    rows, cols = values.shape
    font = QFont(painter.font())
    font.setPixelSize(font_px)
    painter.setFont(font)
    metrics = QFontMetrics(font)
    show_text = ch >= metrics.height() + 2 and cw >= 18
    faded = marks.faded if marks is not None else None
    image = grid_image(values, scale, faded)
    painter.drawImage(QRectF(origin.x(), origin.y(), cols * cw, rows * ch), image)
    painter.setPen(QPen(QColor(200, 200, 200), 1))
    right, bottom = origin.x() + cols * cw, origin.y() + rows * ch
    if ch >= 6:
        for r in range(rows + 1):
            painter.drawLine(QPointF(origin.x(), origin.y() + r * ch),
                             QPointF(right, origin.y() + r * ch))
    if cw >= 6:
        for c in range(cols + 1):
            painter.drawLine(QPointF(origin.x() + c * cw, origin.y()),
                             QPointF(origin.x() + c * cw, bottom))
    painter.setPen(QPen(QColor(150, 150, 150), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(origin.x(), origin.y(), cols * cw, rows * ch))
    if show_text:
        for r in range(rows):
            for c in range(cols):
                text = next((t for t in (short(values[r, c], d) for d in (3, 2, 1))
                             if metrics.horizontalAdvance(t) <= cw - 3), "")
                if not text and abs(values[r, c]) < 0.01 and metrics.horizontalAdvance("≈0") <= cw:
                    text = "≈0"  # small, not blank (which would read 0)
                if not text:
                    continue
                strength = abs(values[r, c]) / scale if scale > 0 else 0
                dim = faded is not None and faded[r, c]
                painter.setPen(QColor(150, 150, 150) if dim else
                               QColor(255, 255, 255) if strength > 0.6 else QColor(20, 20, 20))
                rect = QRectF(origin.x() + c * cw, origin.y() + r * ch, cw, ch)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    if marks is None:
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for r0, c0, r1, c1 in marks.windows:
        painter.setPen(QPen(marks.window_colour, marks.window_width))
        painter.drawRect(QRectF(origin.x() + c0 * cw, origin.y() + r0 * ch,
                                (c1 - c0) * cw, (r1 - r0) * ch))
    painter.setPen(QPen(QColor(215, 100, 20), 2))
    for r, c in marks.cells:
        painter.drawRect(QRectF(origin.x() + c * cw + 1, origin.y() + r * ch + 1,
                                max(cw - 2, 2), max(ch - 2, 2)))
    if marks.chosen is not None:
        r, c = marks.chosen
        painter.setPen(QPen(CHOSEN, 3))
        painter.drawRect(QRectF(origin.x() + c * cw + 1, origin.y() + r * ch + 1,
                                max(cw - 2, 2), max(ch - 2, 2)))


def grid_image(values: np.ndarray, scale: float, faded: np.ndarray | None = None) -> QImage:
    """One pixel per cell, coloured like `colour` (paler where `faded`)."""
    s = np.clip(np.nan_to_num(values / scale if scale > 0 else values * 0), -1, 1)[..., None]
    rgb = np.where(s < 0, WHITE + (BLUE - WHITE) * -s, WHITE + (RED - WHITE) * s)
    if faded is not None:
        rgb = np.where(faded[..., None], rgb + (255 - rgb) * 0.6, rgb)
    rgb = np.ascontiguousarray(rgb.astype(np.uint8))
    rows, cols = values.shape
    image = QImage(rgb.data, cols, rows, 3 * cols, QImage.Format.Format_RGB888)
    return image.copy()  # own its pixels


class HeatGrid(QWidget):
    """One titled grid. `set_values(values (R, C) or (N,), title, scale=None, symbol=...,
    lead=...)`; `marks`; signal `cell_clicked(row, col)`; the tooltip (`tooltip(row, col)`)
    names the entry as the equations do, e.g. "dE/dW[1, 1, 2, 3] = 0.0123456789" (`symbol`,
    the indices `lead` before the cell's), or with `names(row, col)` when set."""

    cell_clicked = Signal(int, int)

    def __init__(self, title: str = "", parent: QWidget | None = None, *,
                 max_cell: int = MAX_CELL, column: bool = False) -> None:
        super().__init__(parent)
        self.title = title
        self.values = np.zeros((0, 0), np.float32)
        self.blank = False
        self.scale = 1.0
        self.marks = Marks()
        self.max_cell = max_cell
        self.column = column  # a vector is drawn as a column (else as a row)
        self.names = None  # (row, col) -> the entry's name, when not symbol[lead, row, col]
        self.symbol = ""
        self.lead: tuple = ()
        self._vector = False
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(40, 40)

    def set_values(self, values, title: str | None = None, scale: float | None = None, *,
                   blank: bool = False, symbol: str | None = None, lead: tuple = ()) -> None:
        """Show `values`; `blank` keeps its cells grey and unnumbered (not known yet); the
        tooltip names a cell `symbol`[*lead, row, col] (a vector's: `symbol`[*lead, k])."""
        self.blank = blank
        values = np.asarray(values, dtype=np.float64)
        self._vector = values.ndim == 1
        if symbol is not None:
            self.symbol, self.lead = symbol, tuple(lead)
        if values.ndim == 1:
            values = values[:, None] if self.column else values[None, :]
        self.values = values.reshape(values.shape[0], -1)
        self.scale = symmetric_scale(self.values) if scale is None else float(scale)
        if title is not None:
            self.title = title
        title_width = self.fontMetrics().horizontalAdvance(self.title) + 6
        self.setMinimumWidth(min(200, title_width))
        self.setMaximumWidth(max(title_width, int(self.values.shape[1] * self.max_cell) + 2))
        self.updateGeometry()
        self.update()

    def set_marks(self, marks: Marks) -> None:
        self.marks = marks
        self.update()

    # --- geometry ---------------------------------------------------------------------------
    def cell_size(self) -> tuple[float, float]:
        """(width, height) of a cell: square while cells are readable, else each side as
        large as the room allows (a long vector stays a visible strip)."""
        rows, cols = self.values.shape
        if not rows or not cols:
            return 0.0, 0.0
        width = min(self.max_cell, (self.width() - 2) / cols)
        height = min(self.max_cell, (self.height() - TITLE_H - 2) / rows)
        if min(width, height) >= 12 or max(width, height) < 12:
            width = height = max(min(width, height), 0.5)
        return max(width, 0.5), max(height, 0.5)

    def origin(self) -> QPointF:
        rows, cols = self.values.shape
        width, height = self.cell_size()
        return QPointF(max(1.0, (self.width() - cols * width) / 2), TITLE_H + 1)

    def cell_at(self, pos) -> tuple[int, int] | None:
        width, height = self.cell_size()
        if not width:
            return None
        o = self.origin()
        c, r = int((pos.x() - o.x()) // width), int((pos.y() - o.y()) // height)
        rows, cols = self.values.shape
        return (r, c) if 0 <= r < rows and 0 <= c < cols else None

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        rows, cols = self.values.shape
        cell = min(self.max_cell, max(8, 360 // max(cols, 1)))
        return QSize(max(120, int(cols * cell) + 2), int(rows * cell) + TITLE_H + 2)

    # --- drawing and the mouse --------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QColor(30, 30, 30))
        painter.drawText(QRectF(0, 0, self.width(), TITLE_H),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                         self.title)
        if self.values.size and self.blank:
            width, height = self.cell_size()
            rows, cols = self.values.shape
            painter.setBrush(QColor(228, 228, 228))
            painter.setPen(QColor(200, 200, 200))
            painter.drawRect(QRectF(self.origin().x(), self.origin().y(), cols * width,
                                    rows * height))
            painter.setPen(QColor(120, 120, 120))
            painter.drawText(QRectF(self.origin().x(), self.origin().y(), cols * width,
                                    rows * height), Qt.AlignmentFlag.AlignCenter, "?")
        elif self.values.size:
            paint_grid(painter, self.origin(), self.cell_size(), self.values, self.scale,
                       self.marks)
        painter.end()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt name)
        found = self.cell_at(event.position())
        if found is None:
            QToolTip.hideText()
            return
        QToolTip.showText(event.globalPosition().toPoint(), self.tooltip(*found), self)

    def tooltip(self, row: int, col: int) -> str:
        """The entry's name and its full value, e.g. "O[2, 1, 3] = 0.123456791"."""
        value = full(self.values[row, col])
        if self.names is not None:
            return f"{self.names(row, col)} = {value}"
        if not self.symbol:
            return f"row {row + 1}, column {col + 1}: {value}"
        index = (row if self.column else col,) if self._vector else (row, col)
        return f"{entry_name(self.symbol, self.lead + index)} = {value}"

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        found = self.cell_at(event.position())
        if found is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cell_clicked.emit(*found)
