"""One sample's tensor as a heat grid: a vector (F,), a sequence (T, F), or maps (C, H, W) one
channel at a time with a channel chooser. Clicking a cell emits `entry_clicked(index)` with the
index into the tensor (without the batch axis)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QSpinBox, QVBoxLayout, QWidget

from playground.backprop.heat_grid import HeatGrid, Marks


class TensorView(QWidget):
    """`set_tensor(values, title, scale=None)`, `set_channel(c)`, `channel`, `set_chosen(index)`;
    signals `entry_clicked(tuple)` and `channel_changed(int)`."""

    entry_clicked = Signal(object)
    channel_changed = Signal(int)

    def __init__(self, title: str = "", parent: QWidget | None = None, *,
                 column: bool = True, max_cell: int = 46) -> None:
        super().__init__(parent)
        self.values = np.zeros((0,), np.float32)
        self.title = title
        self.scale: float | None = None
        self.symbol = ""
        self.grid = HeatGrid(title, column=column, max_cell=max_cell)
        self.grid.cell_clicked.connect(self._on_cell_clicked)
        self.channel_box = QSpinBox()
        self.channel_box.setPrefix("channel ")
        self.channel_box.setMinimum(1)
        self.channel_box.valueChanged.connect(self._on_channel)
        self.channel_row = QWidget()
        row = QHBoxLayout(self.channel_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.channel_box)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.channel_row)
        self.channel_row.hide()

    @property
    def channel(self) -> int:
        return self.channel_box.value() - 1

    def set_tensor(self, values: np.ndarray, title: str | None = None,
                   scale: float | None = None, symbol: str = "") -> None:
        """One sample's values (no batch axis); `scale` shares colours with other grids;
        `symbol` names its entries in the tooltips (symbol[channel, row, col])."""
        self.values = np.asarray(values)
        self.scale = scale
        self.symbol = symbol
        if title is not None:
            self.title = title
        maps = self.values.ndim == 3
        self.channel_row.setVisible(maps and self.values.shape[0] > 1)
        if maps:
            self.channel_box.blockSignals(True)
            self.channel_box.setMaximum(self.values.shape[0])
            self.channel_box.blockSignals(False)
        self._draw()

    def set_channel(self, channel: int) -> None:
        self.channel_box.setValue(channel + 1)

    def set_chosen(self, index: tuple | None) -> None:
        """Frame the entry `index` (a tensor index) when it is in the channel shown."""
        chosen = None
        if index is not None:
            if self.values.ndim == 3:
                chosen = tuple(index[1:]) if index[0] == self.channel else None
            elif self.values.ndim == 2:
                chosen = tuple(index)
            else:
                chosen = (index[0], 0) if self.grid.column else (0, index[0])
        self.grid.set_marks(Marks(chosen=chosen))

    def shown(self) -> np.ndarray:
        """The 2-D array drawn (one channel of maps)."""
        if self.values.ndim == 3:
            return self.values[min(self.channel, self.values.shape[0] - 1)]
        return self.values

    def _draw(self) -> None:
        title = self.title
        if self.values.ndim == 3 and self.values.shape[0] > 1:
            title = f"{title} (channel {self.channel + 1} of {self.values.shape[0]})"
        lead = (min(self.channel, self.values.shape[0] - 1),) if self.values.ndim == 3 else ()
        self.grid.set_values(self.shown(), title, self.scale, symbol=self.symbol, lead=lead)

    def _on_channel(self, _value: int) -> None:
        self._draw()
        self.channel_changed.emit(self.channel)

    def _on_cell_clicked(self, row: int, col: int) -> None:
        if self.values.ndim == 3:
            self.entry_clicked.emit((self.channel, row, col))
        elif self.values.ndim == 2:
            self.entry_clicked.emit((row, col))
        else:
            self.entry_clicked.emit((row if self.grid.column else col,))
