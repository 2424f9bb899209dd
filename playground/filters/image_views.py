"""Original and filtered images side by side, or stacked when that shows them larger (pyqtgraph),
zoom and pan locked together.

The result is placed in the original's coordinates: with stride s each output pixel covers s x s
input pixels centred on its window, so the two views stay aligned whatever the geometry. Shows the
value under the cursor in both, a histogram/levels control for the result, a display scaling
choice (clip / normalise / absolute value) and a per-channel view. Sizes are written rows x cols.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from playground.filters.geometry_panel import let_shrink
from playground.filters.pair_arrangement import PairArrangement

SCALES = {"clip": "Clip to 0..255", "normalize": "Normalise min..max", "abs": "Absolute value"}
CHANNELS = ("All channels", "Red", "Green", "Blue")
VALUE_HINT = "Move the mouse over an image to read pixel values."


class ResultPlacement:
    """Where the output grid sits on the input: output (r, c) covers input rows/cols from
    `y0 + r * stride` and `x0 + c * stride` over `stride` pixels."""

    def __init__(self, stride: int = 1, y0: float = 0.0, x0: float = 0.0) -> None:
        self.stride = stride
        self.y0 = y0
        self.x0 = x0

    def rect(self, out_h: int, out_w: int) -> QRectF:
        return QRectF(self.x0, self.y0, out_w * self.stride, out_h * self.stride)

    def output_index(self, x: float, y: float) -> tuple[int, int]:
        row = int(np.floor((y - self.y0) / self.stride))
        return row, int(np.floor((x - self.x0) / self.stride))


class OneLineTitle(QLabel):
    """A title on one line whatever its length: elided ("…", by default in the middle, keeping
    a result's size at its end) when it does not fit, the whole text in the tooltip, so the
    images below never move."""

    def __init__(self, text: str = "",
                 elide: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__()
        self.full_text = ""
        self.elide = elide
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self.full_text = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self.full_text

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self.full_text, self.elide,
                                              max(0, self.width() - 4))
        super().setText(shown)


class ImagePair(QWidget):
    """Two linked image views. `set_original(uint8)`, `set_result(raw float32, display uint8)`.

    Signals: `result_hovered(row, col)` / `result_clicked(row, col)` for output pixels,
    `scale_changed(str)` (the studio recomputes the display image off the GUI thread),
    `channel_changed(int)` (-1 for all).
    """

    result_hovered = Signal(int, int)
    result_clicked = Signal(int, int)
    scale_changed = Signal(str)
    channel_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original: np.ndarray | None = None
        self.original_display: np.ndarray | None = None
        self.result: np.ndarray | None = None
        self.result_display: np.ndarray | None = None
        self.placement = ResultPlacement()
        self.channel = -1
        self.colour_map = False
        self._title_row = True  # the titles above the views are shown (side by side)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(QColor(222, 222, 222))
        self.graphics.ci.setSpacing(6)
        # Titles live outside the graphics layout so that text length never changes the
        # views' widths (equal widths keep the linked ranges showing the same region).
        self.original_title = OneLineTitle("Original: open, drop or paste an image, or pick a "
                                           "sample", Qt.TextElideMode.ElideRight)
        self.result_title = OneLineTitle("Result")
        self.original_box = self.graphics.addViewBox(row=0, col=0, lockAspect=True, invertY=True)
        self.result_box = self.graphics.addViewBox(row=0, col=1, lockAspect=True, invertY=True)
        for column in (0, 1):  # same size, so linked ranges show the same region
            self.graphics.ci.layout.setColumnStretchFactor(column, 1)
            self.graphics.ci.layout.setColumnPreferredWidth(column, 100)
        self.result_box.setXLink(self.original_box)
        self.result_box.setYLink(self.original_box)
        # The views fit the image, also when the window is resized, until the person zooms
        # or pans (or explain mode zooms in: `keep_view`).
        self.fit_on_resize = True
        self.original_box.sigResized.connect(self._on_view_resized)
        for box in (self.original_box, self.result_box):
            box.sigRangeChangedManually.connect(self.keep_view)
        self.original_item = pg.ImageItem()
        self.result_item = pg.ImageItem()
        self.original_box.addItem(self.original_item)
        self.result_box.addItem(self.result_item)
        self.histogram = pg.HistogramLUTItem(image=self.result_item)
        self.histogram.setMaximumWidth(110)
        policy = self.histogram.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # hidden for the angle view: the images stay put
        self.histogram.setSizePolicy(policy)
        self.graphics.addItem(self.histogram, row=0, col=2)
        self.histogram.setLevels(0, 255)
        self._cursor_pen = QPen(QColor(255, 200, 0), 0)
        self.result_marker = pg.QtWidgets.QGraphicsRectItem()
        self.result_marker.setPen(self._cursor_pen)
        self.result_marker.setZValue(10)
        self.result_marker.hide()
        self.result_box.addItem(self.result_marker)

        self.scale_combo = QComboBox()
        self.scale_combo.setObjectName("scaleCombo")
        for key, text in SCALES.items():
            self.scale_combo.addItem(text, key)
        self.scale_combo.setToolTip("How float results map to screen grey levels")
        self.scale_combo.currentIndexChanged.connect(
            lambda _: self.scale_changed.emit(self.scale))
        self.channel_combo = QComboBox()
        self.channel_combo.setObjectName("channelCombo")
        self.channel_combo.addItems(CHANNELS)
        self.channel_combo.setEnabled(False)
        self.channel_combo.currentIndexChanged.connect(self._on_channel_changed)
        # A row of its own that wraps: the result's value (written first) is never cut off.
        self.value_label = QLabel(VALUE_HINT)
        self.value_label.setObjectName("valueLabel")
        self.value_label.setWordWrap(True)
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.fit_button = QPushButton("Fit")
        self.fit_button.setObjectName("fitButton")
        self.fit_button.setToolTip("Show the whole image again (or double-click an image)")
        self.fit_button.clicked.connect(self.fit)
        let_shrink(self.scale_combo, self.channel_combo, characters=8)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show result:"))
        controls.addWidget(self.scale_combo)
        controls.addWidget(QLabel("Channel:"))
        controls.addWidget(self.channel_combo)
        controls.addStretch(1)
        controls.addWidget(self.fit_button)
        titles = QHBoxLayout()
        titles.addWidget(self.original_title, 1)
        titles.addWidget(self.result_title, 1)
        self.title_spacer = QWidget()  # over the histogram; hidden with it
        self.title_spacer.setFixedWidth(int(self.histogram.maximumWidth()))
        titles.addWidget(self.title_spacer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(titles)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(controls)
        layout.addWidget(self.value_label)

        self.arrangement = PairArrangement(self)  # side by side, or stacked when larger
        self.graphics.viewport().installEventFilter(self)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # ---- state ---------------------------------------------------------------------------
    @property
    def scale(self) -> str:
        return self.scale_combo.currentData()

    def set_scale(self, scale: str) -> None:
        self.scale_combo.setCurrentIndex(list(SCALES).index(scale))

    def set_original(self, image: np.ndarray, display: np.ndarray | None = None) -> None:
        """Show the input (H, W) or (H, W, 3); `display` is a smaller uint8 copy for big images."""
        first = self.original is None or self.original.shape[:2] != image.shape[:2]
        self.original = image
        self.original_display = image if display is None else display
        colour = image.ndim == 3
        self.channel_combo.setEnabled(colour)
        if not colour and self.channel_combo.currentIndex() != 0:
            self.channel_combo.setCurrentIndex(0)
        self._show_original()
        height, width = image.shape[:2]
        self.original_title.setText(f"Original {height}x{width} (rows x cols)")
        self.arrangement.update()
        if first:
            self.fit_on_resize = True
            self.fit_image()

    def fit_image(self) -> None:
        """Show the whole original (and the result beside it, the views being linked)."""
        self.original_box.autoRange(padding=0.02)

    def fit(self) -> None:
        """Fit the whole image in the views, and keep fitting it when they are resized."""
        self.fit_on_resize = True
        if self.original is not None:
            self.fit_image()

    def keep_view(self, *_args) -> None:
        """Stop fitting the image on resize: the person chose what to look at."""
        self.fit_on_resize = False

    def _on_view_resized(self) -> None:
        if self.fit_on_resize and self.original is not None:
            self.fit_image()

    def set_result(self, raw: np.ndarray | None, display: np.ndarray | None,
                   placement: ResultPlacement | None = None, title: str = "Result", *,
                   colour_map: bool = False) -> None:
        """Show a filter output: raw float32 (h, w[, C]) and its uint8 display (maybe smaller).

        `colour_map`: the display is a colour picture of the values (the Sobel angle), so the
        histogram and levels, which would distort its colours, are hidden.
        """
        self.colour_map = colour_map
        self.clear_readout()  # values read from the previous result would be stale
        self.histogram.setVisible(not colour_map)
        self.title_spacer.setVisible(self._title_row and not colour_map)
        self.scale_combo.setEnabled(not colour_map)  # the angle's colours are not scaled
        self.result = raw
        self.result_display = display
        if placement is not None:
            self.placement = placement
        if raw is None:
            self.result_item.clear()
            self.result_title.setText(title)
            self.arrangement.update()
            return
        self._show_result()
        height, width = raw.shape[:2]
        self.result_title.setText(f"{title} {height}x{width}")  # rows x cols, as the original
        self.arrangement.update()

    def set_result_display(self, display: np.ndarray) -> None:
        self.result_display = display
        self._show_result()

    def _pick_channel(self, image: np.ndarray) -> np.ndarray:
        if image.ndim == 3 and self.channel >= 0 and image.shape[2] > self.channel:
            return image[..., self.channel]
        return image

    def _show_original(self) -> None:
        if self.original_display is None:
            return
        shown = self._pick_channel(self.original_display)
        self.original_item.setImage(shown, autoLevels=False, levels=(0, 255))
        height, width = self.original.shape[:2]
        self.original_item.setRect(QRectF(0, 0, width, height))

    def _show_result(self) -> None:
        if self.result_display is None or self.result is None:
            return
        shown = self._pick_channel(self.result_display)
        # One pair of levels for all channels: pyqtgraph draws uint8 with (0, 255) levels
        # without rescaling, ~15x faster than per-channel levels (keeps the GUI thread free).
        levels = (0, 255) if self.colour_map else self.histogram.getLevels()
        self.result_item.setImage(shown, autoLevels=False, levels=levels)
        height, width = self.result.shape[:2]
        self.result_item.setRect(self.placement.rect(height, width))

    def reset_levels(self) -> None:
        """Levels back to 0..255."""
        self.histogram.setLevels(0, 255)

    def _on_channel_changed(self, index: int) -> None:
        self.channel = index - 1
        self._show_original()
        self._show_result()
        self.channel_changed.emit(self.channel)

    # ---- cursor --------------------------------------------------------------------------
    def _image_point(self, scene_pos) -> tuple[QPointF | None, str]:
        for box, name in ((self.original_box, "original"), (self.result_box, "result")):
            if box.sceneBoundingRect().contains(scene_pos):
                return box.mapSceneToView(scene_pos), name
        return None, ""

    def eventFilter(self, watched, event) -> bool:
        if watched is self.graphics.viewport():
            if event.type() == QEvent.Type.Leave:
                self.clear_readout()
            elif event.type() == QEvent.Type.Resize:
                self.arrangement.update()
        return False

    def show_title_row(self, shown: bool) -> None:
        """The titles above the views (side by side); stacked views carry their own."""
        self._title_row = shown
        self.original_title.setVisible(shown)
        self.result_title.setVisible(shown)
        self.title_spacer.setVisible(shown and not self.colour_map)

    def titles_height(self) -> int:
        """The height the row of titles takes above the views."""
        return self.original_title.sizeHint().height() + self.layout().spacing()

    def clear_readout(self) -> None:
        """The mouse left the images: no stale values below them."""
        self.value_label.setText(VALUE_HINT)

    def _on_mouse_moved(self, scene_pos) -> None:
        point, _ = self._image_point(scene_pos)
        if point is None or self.original is None:
            self.clear_readout()
            return
        self.describe_point(point.x(), point.y())
        out = self._output_at(point.x(), point.y())
        if out is not None:
            self.result_hovered.emit(*out)

    def _on_mouse_clicked(self, event) -> None:
        point, _ = self._image_point(event.scenePos())
        if point is None:
            return
        if event.double():
            self.fit()
            return
        out = self._output_at(point.x(), point.y())
        if out is not None:
            self.result_clicked.emit(*out)

    def _output_at(self, x: float, y: float) -> tuple[int, int] | None:
        if self.result is None:
            return None
        row, col = self.placement.output_index(x, y)
        height, width = self.result.shape[:2]
        if 0 <= row < height and 0 <= col < width:
            return row, col
        return None

    def describe_point(self, x: float, y: float) -> str:
        """Text for the values under view position (x, y) in both images; also shown below.

        The result comes first, so that it stays in sight in a narrow window.
        """
        parts = []
        row, col = int(np.floor(y)), int(np.floor(x))
        out = self._output_at(x, y)
        if out is not None:
            parts.append(f"<b>result</b> (row {out[0]}, col {out[1]}) = "
                         f"<b>{_format(self.result[out])}</b>")
        if self.original is not None:
            height, width = self.original.shape[:2]
            if 0 <= row < height and 0 <= col < width:
                parts.append(f"original (row {row}, col {col}) = "
                             f"{_format(self.original[row, col])}")
        text = " · ".join(parts) or "outside the images"
        self.value_label.setText(text)
        return text

    def mark_output(self, row: int | None, col: int | None = None) -> None:
        """Outline output pixel (row, col) on the result view (None hides the outline)."""
        if row is None or self.result is None:
            self.result_marker.hide()
            return
        stride = self.placement.stride
        self.result_marker.setRect(QRectF(self.placement.x0 + col * stride,
                                          self.placement.y0 + row * stride, stride, stride))
        self.result_marker.show()


def _format(value) -> str:
    data = np.asarray(value)
    if data.ndim == 0:
        return f"{float(data):.4g}"
    return "(" + ", ".join(f"{float(v):.4g}" for v in data) + ")"
