"""The kernel grid editor: cells coloured by value, typed into, painted with a brush.

Gestures: double-click (or start typing) to type a value (Esc cancels; a double-click paints
nothing); left-drag paints the brush value; right-drag erases to 0; the wheel nudges a cell
(Shift for a tenth); arrow keys move the current cell, Delete zeroes it. Symmetry modes paint
the mirrored cells too. All edits go through the `KernelDocument`, so each is one undo step (one
per drag). Any change of the document (undo, a preset) closes an open editor without committing.
A cell's tooltip gives its exact weight.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground.filters.cell_text import (
    MIN_CELL_FONT,
    CellEditor,
    exact_weight,
    measure_cell_text,
)
from playground.filters.grid_cells import diverging_colour, symmetric_cells
from playground.filters.kernel_document import KernelDocument


class KernelGrid(QWidget):
    """Paints one channel of a `KernelDocument` as a grid and edits it with mouse and keys."""

    error = Signal(str)
    current_changed = Signal(int, int)

    MARGIN = 6
    MIN_CELL = 8.0
    COMPACT_MIN_CELL = 5.0
    MAX_CELL = 72.0

    def __init__(self, document: KernelDocument, channel: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.channel = channel
        self.brush_value = 1.0
        self.symmetry = "none"
        self.nudge_step = 1.0
        self.current = (0, 0)
        self.align_top = False
        self.compact = False
        self._stroke: int | None = None
        self._stroke_value = 0.0
        self._last_cell: tuple[int, int] | None = None
        self._press_stroke: int | None = None
        self._press_cell: tuple[int, int] | None = None
        self._text_cache: dict[tuple, tuple[str, int]] = {}
        self.editor = CellEditor(self)
        self.editor.setObjectName("cellEditor")
        self.editor.cancelled.connect(self.cancel_editor)
        self.editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.editor.hide()
        self.editor.returnPressed.connect(self._commit_editor)
        self.editor.editingFinished.connect(self._on_editor_finished)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip(
            "Left-drag: paint the brush value · right-drag: erase to 0 · wheel: nudge "
            "(Shift: ±0.1) · double-click or type: enter a value"
        )
        document.changed.connect(self._on_document_changed)

    def sizeHint(self) -> QSize:
        if self.compact:
            return QSize(120, self.height_for(120))
        return QSize(300, 300)

    def set_compact(self, compact: bool) -> None:
        """Compact (per-channel, three side by side): narrower, cells down to 5 px, top-aligned,
        the height fitted to the cells so no empty band is left under them."""
        if compact == self.compact:
            self._fit_height()
            return
        self.compact = compact
        self.align_top = compact
        if compact:
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self._fit_height()
        else:
            self.setMinimumSize(120, 120)
            self.setMaximumHeight(16777215)
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.updateGeometry()
        self.update()

    def height_for(self, width: int) -> int:
        """Height the cells need at `width` (compact mode; square cells)."""
        height, columns = self.document.shape
        size = max(self.COMPACT_MIN_CELL,
                   min(self.MAX_CELL, (width - 2 * self.MARGIN) / columns))
        return int(size * height + 2 * self.MARGIN + 1)

    def _fit_height(self) -> None:
        if self.compact:  # never narrower than the smallest cells need
            columns = self.document.shape[1]
            self.setMinimumWidth(int(columns * self.COMPACT_MIN_CELL + 2 * self.MARGIN + 1))
            self.setFixedHeight(self.height_for(self.width()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.compact and event.size().width() != event.oldSize().width():
            self._fit_height()

    # ---- geometry ------------------------------------------------------------------------
    def cell_size(self) -> float:
        height, width = self.document.shape
        usable_w = self.width() - 2 * self.MARGIN
        usable_h = self.height() - 2 * self.MARGIN
        smallest = self.COMPACT_MIN_CELL if self.compact else self.MIN_CELL
        return max(smallest, min(self.MAX_CELL, usable_w / width, usable_h / height))

    def _origin(self) -> tuple[float, float]:
        height, width = self.document.shape
        size = self.cell_size()
        top = self.MARGIN if self.align_top else (self.height() - size * height) / 2
        return (self.width() - size * width) / 2, top

    def cell_rect(self, row: int, col: int) -> QRectF:
        size = self.cell_size()
        x0, y0 = self._origin()
        return QRectF(x0 + col * size, y0 + row * size, size, size)

    def cell_center(self, row: int, col: int) -> QPoint:
        """Widget position of a cell's centre (what tests click on)."""
        return self.cell_rect(row, col).center().toPoint()

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        size = self.cell_size()
        x0, y0 = self._origin()
        col = int((pos.x() - x0) // size)
        row = int((pos.y() - y0) // size)
        height, width = self.document.shape
        if 0 <= row < height and 0 <= col < width:
            return row, col
        return None

    # ---- painting ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        values = self.document.values
        data = values if values.ndim == 2 else values[..., self.channel]
        scale = float(abs(values).max()) if values.size else 0.0
        height, width = data.shape
        size = self.cell_size()
        font = self.cell_font()
        painter.setFont(font)
        grid_pen = QPen(QColor(150, 150, 150), 1)
        for row in range(height):
            for col in range(width):
                value = float(data[row, col])
                rect = self.cell_rect(row, col)
                colour = diverging_colour(value, scale)
                painter.fillRect(rect, colour)
                painter.setPen(grid_pen)
                painter.drawRect(rect)
                if size >= 2 * MIN_CELL_FONT:
                    light = colour.lightness() > 140
                    painter.setPen(QColor(20, 20, 20) if light else QColor(250, 250, 250))
                    text, size_px = self._fitting_text(value, rect.width(), font)
                    if size_px != font.pixelSize():
                        smaller = QFont(font)
                        smaller.setPixelSize(size_px)
                        painter.setFont(smaller)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
                    painter.setFont(font)
        centre = self.cell_rect(height // 2, width // 2) if height % 2 and width % 2 else None
        if centre is not None:
            painter.setPen(QPen(QColor(60, 60, 60), 2, Qt.PenStyle.DotLine))
            painter.drawRect(centre.adjusted(2, 2, -2, -2))
        row, col = self.current
        if row < height and col < width:
            painter.setPen(QPen(QColor(255, 170, 0) if self.hasFocus() else QColor(90, 90, 90), 2))
            painter.drawRect(self.cell_rect(row, col).adjusted(1, 1, -1, -1))
        painter.end()

    def cell_font(self) -> QFont:
        """The numbers' font: grows with the cells, never below MIN_CELL_FONT pixels."""
        font = QFont(self.font())
        font.setPixelSize(max(MIN_CELL_FONT, min(15, int(self.cell_size() / 3.4))))
        return font

    def _fitting_text(self, value: float, width: float, font: QFont) -> tuple[str, int]:
        """(text, font pixel size): the most digits of `value` that fit in a cell `width` wide
        at the cell font, else 3 digits or fewer at a font down to MIN_CELL_FONT; ("", size)
        when nothing fits (the cell shows its colour only)."""
        key = (value, round(width, 1), font.key())
        if key not in self._text_cache:
            if len(self._text_cache) > 4096:
                self._text_cache.clear()
            self._text_cache[key] = measure_cell_text(value, width, font)
        return self._text_cache[key]

    def cell_text(self, row: int, col: int) -> str:
        """The text painted in a cell at the current size ("" for colour only)."""
        if self.cell_size() < 2 * MIN_CELL_FONT:
            return ""
        value = self.document.cell(row, col, self.channel)
        return self._fitting_text(value, self.cell_rect(row, col).width(), self.cell_font())[0]

    def cell_tooltip(self, row: int, col: int) -> str:
        """e.g. "row 4 of 7, col 4 of 7: 0.22508352" (rows and columns counted from 1)."""
        height, width = self.document.shape
        value = self.document.cell(row, col, self.channel)
        return f"row {row + 1} of {height}, col {col + 1} of {width}: {exact_weight(value)}"

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(event.pos())
            if cell is not None:
                QToolTip.showText(event.globalPos(), self.cell_tooltip(*cell) + "<br>"
                                  + self.toolTip(), self)
                return True
        return super().event(event)

    # ---- mouse ---------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        cell = self.cell_at(event.position().toPoint())
        self.setFocus()
        self._press_stroke = None
        if cell is None:
            return
        self._set_current(*cell)
        if event.button() == Qt.MouseButton.LeftButton:
            self._start_stroke(self.brush_value)
            self._press_stroke = self._stroke  # taken back if this click becomes a double-click
            self._press_cell = cell
        elif event.button() == Qt.MouseButton.RightButton:
            self._start_stroke(0.0)
        else:
            return
        self._paint_at(cell)

    def mouseMoveEvent(self, event) -> None:
        if self._stroke is None:
            return
        cell = self.cell_at(event.position().toPoint())
        if cell is not None and cell != self._last_cell:
            self._press_stroke = None  # a drag: a stroke, whatever follows
            self._set_current(*cell)
            self._paint_at(cell)

    def mouseReleaseEvent(self, event) -> None:
        self._stroke = None
        self._last_cell = None

    def mouseDoubleClickEvent(self, event) -> None:
        """Type a value: the first click's paint is taken back (a double-click is no stroke)."""
        cell = self.cell_at(event.position().toPoint())
        if self._press_stroke is not None and cell == self._press_cell:
            self.document.revoke_stroke(self._press_stroke)
        self._press_stroke = None
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self._set_current(*cell)
            self.edit_current()

    def wheelEvent(self, event) -> None:
        cell = self.cell_at(event.position().toPoint())
        delta = event.angleDelta().y()
        if cell is None or delta == 0:
            event.ignore()  # between or around the cells the wheel scrolls the panel
            return
        step = self.nudge_step / 10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier \
            else self.nudge_step
        self._set_current(*cell)
        self.document.nudge(cell[0], cell[1], self.channel, step if delta > 0 else -step)
        event.accept()

    def _start_stroke(self, value: float) -> None:
        self._stroke = self.document.new_stroke()
        self._stroke_value = value
        self._last_cell = None

    def _paint_at(self, cell: tuple[int, int]) -> None:
        self._last_cell = cell
        height, width = self.document.shape
        cells = symmetric_cells(cell[0], cell[1], height, width, self.symmetry)
        text = "Erase cells" if self._stroke_value == 0 else "Paint cells"
        self.document.set_cells([(r, c, self.channel) for r, c in cells], self._stroke_value,
                                stroke=self._stroke, text=text)

    # ---- keys and typing -----------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        key = event.key()
        height, width = self.document.shape
        row, col = self.current
        moves = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1),
                 Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0)}
        if key in moves:
            dr, dc = moves[key]
            self._set_current(min(max(row + dr, 0), height - 1), min(max(col + dc, 0), width - 1))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._set_cell_value(0.0)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
            self.edit_current()
        elif event.text() and event.text() in "0123456789-+.":
            self.edit_current(event.text())
        else:
            super().keyPressEvent(event)

    def edit_current(self, initial: str | None = None) -> None:
        """Open the in-place editor over the current cell."""
        row, col = self.current
        value = self.document.cell(row, col, self.channel)
        text = initial if initial is not None else f"{value:.8g}"
        rect = self.cell_rect(row, col).toRect().adjusted(1, 1, -1, -1)
        # wider than the cell when the exact value needs it (centred on it, inside the grid)
        width = max(rect.width(), self.editor.fontMetrics().horizontalAdvance(text) + 14)
        width = min(width, self.width())
        left = min(max(0, rect.center().x() - width // 2), self.width() - width)
        self.editor.setGeometry(left, rect.top(), width, rect.height())
        self.editor.setText(text)
        self.editor.show()
        self.editor.setFocus()
        if initial is None:
            self.editor.selectAll()

    def _commit_editor(self) -> None:
        if not self.editor.isVisible():
            return
        text = self.editor.text().strip()
        self.editor.hide()
        self.setFocus()
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            self.error.emit(
                f"“{text}” is not a number. Type a weight such as 2, -1, 0.25 or 1e-3."
            )
            return
        self._set_cell_value(value)

    def cancel_editor(self) -> None:
        """Close the editor without changing the cell."""
        if self.editor.isVisible():
            self.editor.hide()
            self.setFocus()

    def _on_editor_finished(self) -> None:
        if self.editor.isVisible() and not self.editor.hasFocus():
            self._commit_editor()

    def _set_cell_value(self, value: float) -> None:
        row, col = self.current
        try:
            self.document.set_cells([(row, col, self.channel)], value, text="Type value")
        except ValueError as error:
            self.error.emit(str(error))

    def _set_current(self, row: int, col: int) -> None:
        if (row, col) != self.current:
            self.current = (row, col)
            self.current_changed.emit(row, col)
            self.update()

    def _on_document_changed(self) -> None:
        # Undo, redo or a preset replaced what the editor was typed over: drop the typing.
        if self.editor.isVisible():
            typing = self.editor.hasFocus()
            self.editor.hide()
            if typing:
                self.setFocus()
        height, width = self.document.shape
        row, col = self.current
        self.current = (min(row, height - 1), min(col, width - 1))
        self._fit_height()
        self.update()

    def grid_rect(self) -> QRect:
        height, width = self.document.shape
        return self.cell_rect(0, 0).united(self.cell_rect(height - 1, width - 1)).toRect()
