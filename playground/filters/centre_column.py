"""The studio's middle column: the images above, and below them the tabs "Explain a pixel" and
"Worked example (9x9)". Choosing a tab never moves the images (each tab scrolls when short;
the splitter handle gives it more room)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from playground.filters.columns import scrolling


class CentreColumn(QSplitter):
    """A vertical splitter: `views` on top, `tabs` (the explain panel, then the worked example
    in `example_scroll`) below."""

    def __init__(self, views: QWidget, explain_panel: QWidget, example: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        tabs = QTabWidget()
        tabs.addTab(explain_panel, "Explain a pixel")
        self.example_scroll = scrolling(example, frame=False)  # its controls need ~400 px
        tabs.addTab(self.example_scroll, "Worked example (9x9)")
        self.tabs = tabs
        self.addWidget(views)
        self.addWidget(tabs)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 1)
        self.setSizes([600, 170])

    def share(self, top_fraction: float) -> None:
        """Give the images `top_fraction` of the height and the tabs the rest."""
        height = sum(self.sizes()) or self.height()
        self.setSizes([int(height * top_fraction), int(height * (1 - top_fraction))])
