"""The list of kernels (presets and the person's own), loaded by a click or a key only."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QListWidget


class KernelList(QListWidget):
    """The kernel list. Getting keyboard focus while nothing is selected (an edited kernel)
    would make Qt pick the first row, and so load Identity over the person's kernel: a list
    item is loaded only by a click or a key, never by focus."""

    def focusInEvent(self, event) -> None:
        had_current = self.currentItem() is not None
        with QSignalBlocker(self):
            super().focusInEvent(event)
            if not had_current and self.currentItem() is not None:
                self.setCurrentRow(-1)
                self.clearSelection()
