"""A legend that sits in its plot's cell, under the plot, in as many columns as fit."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsGridLayout


class CellLegend(pg.LegendItem):
    """A legend in its plot's cell, under the plot. (pyqtgraph's own moves itself to the
    top-left corner whenever an entry is added; this one asks the layout to place it again.)"""

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph name)
        self.layout.activate()  # place the entries now, not at the next layout pass
        self.updateGeometry()

    # pyqtgraph places a new entry after the grid's last column, which a grid emptied by
    # `clear` or `setColumnCount` still counts: entries then land in stray columns and the
    # legend grows wider than its plot. Here entry i always goes to row i // c, column i % c.
    def _addItemToLayout(self, sample, label) -> None:  # noqa: N802 (pyqtgraph name)
        row, column = divmod(self.layout.count() // 2, self.columnCount)
        self.layout.addItem(sample, row, 2 * column, alignment=Qt.AlignmentFlag.AlignVCenter)
        self.layout.addItem(label, row, 2 * column + 1)
        self.rowCount = max(self.rowCount, row + 1)

    def _start_empty_grid(self) -> None:
        old = self.layout
        grid = QGraphicsGridLayout()
        grid.setHorizontalSpacing(old.horizontalSpacing())
        grid.setVerticalSpacing(old.verticalSpacing())
        for index in range(old.count() - 1, -1, -1):
            old.removeAt(index)
        self.layout = grid
        self.setLayout(grid)  # the old, empty grid is deleted

    def clear(self) -> None:
        super().clear()
        self._start_empty_grid()
        self.rowCount = 1

    def setColumnCount(self, columnCount: int) -> None:  # noqa: N802, N803 (pyqtgraph names)
        if columnCount == self.columnCount:
            return
        self.columnCount = columnCount
        self._start_empty_grid()
        self.rowCount = 1
        for sample, label in self.items:
            self._addItemToLayout(sample, label)
        self.updateSize()

    def width_needed(self) -> float:
        """The width its entries take in the current number of columns, in pixels."""
        return self.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
