"""The studio's three columns (kernel list, images, kernel panels) sharing the window's width.

At the default size the side columns get their preferred widths and the images the rest. A
small window narrows the side columns, each in proportion to how far it can go, so that the
images keep `centre_min` pixels. Once the person drags a handle, their split is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QWidget


def share_width(total: int, preferred: tuple[int, int], minimum: tuple[int, int],
                centre_min: int) -> list[int]:
    """Widths [left, centre, right] adding up to `total`.

    The sides get `preferred` (never below `minimum`); when that leaves the centre less than
    `centre_min`, the sides give up the difference in proportion to their room above `minimum`.
    """
    wanted = [max(want, low) for want, low in zip(preferred, minimum, strict=True)]
    room = [want - low for want, low in zip(wanted, minimum, strict=True)]
    deficit = centre_min - (total - sum(wanted))
    if deficit > 0 and sum(room) > 0:
        fraction = min(1.0, deficit / sum(room))
        wanted = [want - round(fraction * spare) for want, spare in zip(wanted, room, strict=True)]
    return [wanted[0], total - sum(wanted), wanted[1]]


def scrolling(widget: QWidget, frame: bool = True) -> QScrollArea:
    """`widget` in a scroll area that fits it to the area's size when there is room."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    if not frame:
        scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(widget)
    return scroll


def _minimum_width(widget: QWidget) -> int:
    """The width a layout will not go below (an explicit minimum wins over the hint)."""
    return widget.minimumWidth() or widget.minimumSizeHint().width()


class ColumnSplitter(QSplitter):
    """A horizontal splitter of three columns whose sides want `left_width()` and
    `right_width()` pixels; see the module's docstring. `user_split` is True once dragged."""

    def __init__(self, left: QWidget, centre: QWidget, right: QWidget, *,
                 left_width: Callable[[], int], right_width: Callable[[], int],
                 centre_min: int, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        for index, widget in enumerate((left, centre, right)):
            self.addWidget(widget)
            self.setStretchFactor(index, 1 if widget is centre else 0)
            self.setCollapsible(index, False)
        self.left_width, self.right_width = left_width, right_width
        self.centre_min = centre_min
        self.user_split = False
        self.splitterMoved.connect(self._on_moved)
        self.share()

    def _on_moved(self) -> None:
        self.user_split = True

    def share(self) -> None:
        """Share the current width as described above."""
        total = self.contentsRect().width() - self.handleWidth() * (self.count() - 1)
        if total <= 0:  # not laid out yet: the first resize shares the real width
            self.setSizes([self.left_width(), self.centre_min, self.right_width()])
            return
        left, right = self.widget(0), self.widget(2)
        self.setSizes(share_width(total, (self.left_width(), self.right_width()),
                                  (_minimum_width(left), _minimum_width(right)),
                                  self.centre_min))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.user_split:
            self.share()
