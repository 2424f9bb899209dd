"""Original and result side by side, or one above the other when that shows them larger.

In a narrow centre column (a 1024x768 window) a landscape photo side by side is drawn a
third of the size it gets stacked; the pair switches to whichever arrangement gives the
images more screen pixels, and back, as the window or the image changes. Stacked, each
image's title is written above it inside the plot area.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontMetrics

SWITCH_GAIN = 1.2  # stack only when the images get at least this much larger
SPACING = 6  # between the cells of the graphics layout
CAPTION_HEIGHT = 22


def stacking_is_better(width: float, height: float, image_width: int, image_height: int,
                       side_room: float) -> bool:
    """True when an `image_width` x `image_height` picture, twice, is drawn at least
    `SWITCH_GAIN` times larger one above the other than side by side in a `width` x `height`
    area whose `side_room` pixels (the histogram) are taken on the right."""
    if image_width <= 0 or image_height <= 0 or width <= 0 or height <= 0:
        return False
    free = width - side_room - SPACING
    beside = min((free - SPACING) / 2 / image_width, height / image_height)
    stacked = min(free / image_width,
                  (height - 2 * CAPTION_HEIGHT - 3 * SPACING) / 2 / image_height)
    return stacked >= SWITCH_GAIN * beside


class PairArrangement:
    """Lays out an `ImagePair`'s two views and histogram; `update()` after a resize or a new
    image. `stacked` says which arrangement is shown."""

    def __init__(self, pair) -> None:
        self.pair = pair
        self.stacked = False
        self._timer = QTimer(pair)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._update_now)
        self.captions = (pg.LabelItem("", size="9pt", color="#202020"),
                         pg.LabelItem("", size="9pt", color="#202020"))
        font = QFont()
        font.setPointSizeF(9)
        self._metrics = QFontMetrics(font)
        for caption in self.captions:
            pair.graphics.ci.addItem(caption)  # in the scene; placed in the grid when stacked
            pair.graphics.ci.layout.removeItem(caption)
            caption.hide()

    def update(self) -> None:
        """Arrange the pair for its current size, once the resizes of this moment are over
        (a window's resize passes through sizes that would switch back and forth)."""
        self._timer.start()

    def _update_now(self) -> None:
        pair = self.pair
        image = pair.original
        graphics = pair.graphics
        stacked = image is not None and stacking_is_better(
            graphics.width(), graphics.height() + (0 if self.stacked else pair.titles_height()),
            image.shape[1], image.shape[0], pair.histogram.maximumWidth())
        if stacked != self.stacked:
            shown = pair.original_box.viewRect()
            self._arrange(stacked)
            if not pair.fit_on_resize:  # keep what the person zoomed to in view
                pair.original_box.setRange(shown, padding=0)
        if stacked:
            self._write_captions()

    def _arrange(self, stacked: bool) -> None:
        pair = self.pair
        grid = pair.graphics.ci.layout
        while grid.count():  # the grid holds only the views, the histogram and the captions
            grid.removeAt(grid.count() - 1)
        if stacked:
            top, bottom = self.captions
            grid.addItem(top, 0, 0)
            grid.addItem(pair.original_box, 1, 0)
            grid.addItem(bottom, 2, 0)
            grid.addItem(pair.result_box, 3, 0)
            grid.addItem(pair.histogram, 0, 1, 4, 1)
        else:
            grid.addItem(pair.original_box, 0, 0)
            grid.addItem(pair.result_box, 0, 1)
            grid.addItem(pair.histogram, 0, 2)
        for column, stretch in enumerate((1, 0, 0) if stacked else (1, 1, 0)):
            grid.setColumnStretchFactor(column, stretch)
        for row, stretch in enumerate((0, 1, 0, 1) if stacked else (1, 0, 0, 0)):
            grid.setRowStretchFactor(row, stretch)
        for caption in self.captions:
            caption.setVisible(stacked)
            caption.setMaximumHeight(CAPTION_HEIGHT)
        pair.show_title_row(not stacked)
        self.stacked = stacked
        grid.activate()

    def _write_captions(self) -> None:
        pair = self.pair
        room = max(40, pair.graphics.width() - pair.histogram.maximumWidth() - 20)
        titles = (pair.original_title.full_text, pair.result_title.full_text)
        for caption, title, elide in zip(self.captions, titles,
                                         (pair.original_title.elide, pair.result_title.elide),
                                         strict=True):
            text = self._metrics.elidedText(title, elide, int(room))
            if caption.text != text:
                caption.setText(text)
            caption.setToolTip(title)
