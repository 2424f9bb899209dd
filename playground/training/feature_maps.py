"""Feature maps of every convolution, activation and pooling block for one chosen sample.

Each stage (a convolution and the activation and pooling after it, see `map_mosaics`) is a row
drawn on one colour scale, with a colour bar giving the numbers: blue negative, white 0, red
positive, so a ReLU visibly whitens the blue and pooling keeps the red. Clicking a map traces it
to the filter that made it (shown beside the maps, `filter_traced` tells the filters view);
`trace_filter` does the opposite.

The forward pass runs on the dashboard's *copy* of the network (loaded with the worker's latest
snapshot), never on the model being trained. One sample through a small CNN takes a few
milliseconds, so it runs in the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.nn.spec import analyse
from playground.training.image_grid import to_display, to_pixmap
from playground.training.map_mosaics import (
    PALETTE,
    colour_mosaic,
    grid_columns,
    map_stages,
    source_convolution,
    stage_limit,
    tile_at,
    tile_maps,
    tile_origin,
)
from playground.training.predictions import ProbabilityBars, confidence_text

TRACE_COLOUR = QColor(230, 120, 40)
FILTER_PICTURE = 84
SIDE_WIDTH = 150  # the traced filter's column


def layer_outputs(model, x: np.ndarray) -> list[tuple[int, object, np.ndarray]]:
    """Run (1, C, H, W) `x` through the network block by block: [(index, layer, output)]."""
    maps = model.feature_maps(x)
    return [(index, layer, out) for index, (layer, out) in enumerate(zip(model.layers, maps,
                                                                          strict=True))]


def softmax(logits: np.ndarray) -> np.ndarray:
    """(K,) logits -> (K,) probabilities (stable)."""
    shifted = np.asarray(logits, dtype=np.float64) - np.max(logits)
    e = np.exp(shifted)
    return (e / e.sum()).astype(np.float32)


def _signed(value: float) -> str:
    """"+0.12", "−0.05", " 0.00" (a weight that rounds to zero gets no sign)."""
    return " 0.00" if abs(value) < 0.005 else f"{value:+.2f}".replace("-", "−")


@dataclass
class _Shown:
    """One block's mosaic on screen and where its tiles are."""

    label: pg.LabelItem
    view: pg.ViewBox
    image: pg.ImageItem
    outline: QGraphicsRectItem
    count: int = 0
    columns: int = 1
    height: int = 0
    width: int = 0


def _colour_bar() -> pg.ColorBarItem:
    colours = pg.ColorMap(pos=[0.0, 0.5, 1.0], color=list(PALETTE))
    bar = pg.ColorBarItem(values=(-1, 1), colorMap=colours, interactive=False, width=12,
                          colorMapMenu=False)
    bar.getAxis("right").setTextPen("k")
    return bar


class FeatureMapsView(QWidget):
    """A sample picker, the input and every stage's maps with their colour bar, the filter of
    the traced map, and the softmax bars."""

    sample_changed = Signal(int)
    filter_traced = Signal(str, int)  # ("0.weight", filter index) after a click on a map

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("featureMapsView")
        self.model = None
        self._prepare = None
        self.images: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.classes: list[str] = []
        self.sample = QSpinBox()
        self.sample.setObjectName("sampleIndex")
        self.sample.setPrefix("test sample ")
        self.sample.valueChanged.connect(self._on_sample_changed)
        self.random_button = QPushButton("Random sample")
        self.random_button.clicked.connect(self._on_random_clicked)
        self.caption = QLabel("Feature maps appear once there is a network and a data set.")
        self.caption.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.filter_picture = QLabel()
        self.filter_picture.setFixedSize(FILTER_PICTURE, FILTER_PICTURE)
        self.filter_picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.filter_text = QLabel()
        self.filter_text.setObjectName("tracedFilter")
        self.filter_text.setWordWrap(True)
        self.filter_text.setTextFormat(Qt.TextFormat.PlainText)
        self.filter_text.setFixedWidth(SIDE_WIDTH - 12)
        self.filter_numbers = QLabel()
        self.filter_numbers.setObjectName("tracedFilterNumbers")
        self.filter_numbers.setTextFormat(Qt.TextFormat.PlainText)
        self.filter_numbers.setStyleSheet("font-family: monospace;")
        self.bars = ProbabilityBars(title="Softmax output for this sample")
        self.bars.setMaximumHeight(150)  # the maps get the height in a small window
        self._shown: dict[int, _Shown] = {}
        self._stages: list[list[int]] = []
        self._colour_bars: list[pg.ColorBarItem] = []
        self.shown_layers: list[int] = []
        self.traced: tuple[int, int] | None = None  # (convolution block, filter)
        self._rng = np.random.default_rng(0)
        top = QHBoxLayout()
        top.addWidget(self.sample)
        top.addWidget(self.random_button)
        top.addStretch(1)
        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Traced filter</b>"))
        side.addWidget(self.filter_picture)
        side.addWidget(self.filter_text)
        side.addWidget(self.filter_numbers)
        side.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.graphics, 1)
        holder = QWidget()
        holder.setLayout(side)
        holder.setFixedWidth(SIDE_WIDTH)
        middle.addWidget(holder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.caption)
        layout.addLayout(middle, 1)
        layout.addWidget(self.bars)
        self._show_trace()

    def set_data(self, images: np.ndarray, labels: np.ndarray, classes: list[str]) -> None:
        """The samples to choose from: (N, C, H, W), (N,), class names."""
        self.images, self.labels, self.classes = images, labels, list(classes)
        self.sample.setRange(0, max(len(images) - 1, 0))
        self.bars.set_classes(self.classes)
        self.refresh()

    def set_model(self, model, prepare=None) -> None:
        """The network copy to run (None clears); its layers are laid out again. `prepare`
        turns the shown images into the network's inputs as in training (its normalisation)."""
        self.model = model
        self._prepare = prepare
        self.graphics.clear()
        self._shown, self._stages, self._colour_bars, self.shown_layers = {}, [], [], []
        self.traced = None
        self._show_trace()
        if model is None:
            return
        shapes = [tuple(r.output_shape or ()) for r in analyse(model.spec())]
        self._stages = map_stages(model.layers, shapes)
        width = max([len(stage) for stage in self._stages] + [1])
        self._add_map(-1, "input", 0, 0)
        for row, stage in enumerate(self._stages, start=1):
            for col, index in enumerate(stage):
                self._add_map(index, self._name(index), row, col)
            bar = _colour_bar()
            self.graphics.addItem(bar, row=2 * row + 1, col=width)
            self._colour_bars.append(bar)
        self.shown_layers = [-1] + [index for stage in self._stages for index in stage]
        self.refresh()

    def _add_map(self, index: int, text: str, row: int, col: int) -> None:
        label = self.graphics.addLabel(text, row=2 * row, col=col, color="k", size="8pt")
        view = self.graphics.addViewBox(row=2 * row + 1, col=col)
        view.setAspectLocked(True)
        view.invertY(True)
        view.setMouseEnabled(False, False)
        image = pg.ImageItem()
        view.addItem(image)
        pen = QPen(TRACE_COLOUR, 2.5)
        pen.setCosmetic(True)
        outline = QGraphicsRectItem()
        outline.setPen(pen)
        outline.setZValue(10)
        outline.hide()
        view.addItem(outline, ignoreBounds=True)
        self._shown[index] = _Shown(label, view, image, outline)

    def _on_sample_changed(self, index: int) -> None:
        self.refresh()
        self.sample_changed.emit(index)

    def _on_random_clicked(self) -> None:
        if self.images is not None and len(self.images):
            self.sample.setValue(int(self._rng.integers(len(self.images))))

    def refresh(self) -> None:
        """Run the chosen sample through the network copy and redraw every mosaic."""
        if self.model is None or self.images is None or not len(self.images):
            return
        index = self.sample.value()
        x = self.images[index : index + 1]
        try:
            outputs = layer_outputs(self.model, self._prepare(x) if self._prepare else x)
        except ValueError as error:
            self.caption.setText(f"Cannot show feature maps: {error}")
            return
        by_index = {i: out[0] for i, _, out in outputs}
        first = x[0] if x.ndim == 4 else x  # a sequence: one grey map, a row a step
        self._draw(-1, tile_maps(first, columns=len(first)), first)
        for stage, bar in zip(self._stages, self._colour_bars, strict=True):
            limit = stage_limit([by_index[i] for i in stage])
            bar.setLevels(values=(-limit, limit) if limit > 0 else (-1, 1))
            for block in stage:
                maps = by_index[block]
                self._draw(block, colour_mosaic(maps, limit), maps)
        self._outline_traced()
        self._show_trace()
        logits = outputs[-1][2][0]
        last = self.model.layers[-1]
        probabilities = logits if last.PROBABILITY_OUTPUT else softmax(logits)
        self.bars.set_probabilities(probabilities)
        truth = self.classes[int(self.labels[index])] if self.classes else str(self.labels[index])
        note = (" Click a map to see the filter that made it." if self._stages else
                " This network has no convolution or pooling layer, so there are no maps to show.")
        self.caption.setText(
            f"Sample {index}: true class {truth}, network says {self.bars.top_class()} "
            f"({confidence_text(float(np.max(probabilities)))}). One colour scale per row: "
            f"blue negative, white 0, red positive.{note}")

    def _draw(self, block: int, mosaic: np.ndarray, maps: np.ndarray) -> None:
        shown = self._shown[block]
        shown.image.setImage(mosaic, autoLevels=False, levels=(0, 255))
        count, height, width = maps.shape
        shown.count, shown.height, shown.width = count, height, width
        shown.columns = len(maps) if block < 0 else min(grid_columns(count), count)
        # Two short lines: a long one would widen its column and push the colour bars out.
        shown.label.setText(f"{self._name(block)}<br>→ {'x'.join(str(s) for s in maps.shape)}")

    def _name(self, block: int) -> str:
        """"2 MaxPool 2x2 s2": the block's number and its card label ("input" for -1)."""
        if block < 0:
            return "input"
        layer = self.model.layers[block]
        return f"{block} {type(layer).short_label(layer.config())}"

    # --- tracing a map to its filter -----------------------------------------------------------
    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        for block, shown in self._shown.items():
            if block < 0 or not shown.view.sceneBoundingRect().contains(event.scenePos()):
                continue
            point = shown.view.mapSceneToView(event.scenePos())
            channel = tile_at(point.x(), point.y(), shown.count, shown.columns, shown.height,
                              shown.width)
            if channel is not None:
                self.trace_map(block, channel)
            return

    def map_centre(self, block: int, channel: int):
        """Where map `channel` of `block` is drawn, in the graphics view's coordinates."""
        shown = self._shown[block]
        left, top = tile_origin(channel, shown.columns, shown.height, shown.width)
        scene = shown.view.mapViewToScene(pg.Point(left + shown.width / 2, top + shown.height / 2))
        return self.graphics.mapFromScene(scene)

    def trace_map(self, block: int, channel: int) -> None:
        """Outline map `channel` of `block` with the maps of the same filter, show the filter,
        and tell the filters view (`filter_traced`)."""
        conv = source_convolution(self.model.layers, block) if self.model is not None else None
        self.traced = None if conv is None else (conv, channel)
        self._outline_traced()
        self._show_trace()
        if conv is not None:
            self.filter_traced.emit(f"{conv}.weight", channel)

    def trace_filter(self, key: str, channel: int) -> None:
        """Outline the maps filter `channel` of the convolution with weights `key` makes."""
        conv = int(key.split(".", 1)[0])
        known = any(stage[0] == conv for stage in self._stages)
        self.traced = (conv, channel) if known else None
        self._outline_traced()
        self._show_trace()

    def outlined(self) -> dict[int, int]:
        """{block: outlined map} (what a person sees traced)."""
        found = {}
        for block, shown in self._shown.items():
            if shown.outline.isVisible():
                found[block] = int(shown.outline.data(0))
        return found

    def _outline_traced(self) -> None:
        stage = next((s for s in self._stages if self.traced and s[0] == self.traced[0]), [])
        for block, shown in self._shown.items():
            channel = self.traced[1] if self.traced else -1
            if block not in stage or not 0 <= channel < shown.count:
                shown.outline.hide()
                continue
            left, top = tile_origin(channel, shown.columns, shown.height, shown.width)
            shown.outline.setRect(QRectF(left - 0.5, top - 0.5, shown.width + 1,
                                         shown.height + 1))
            shown.outline.setData(0, channel)
            shown.outline.show()

    def _show_trace(self) -> None:
        self.filter_numbers.clear()
        if self.traced is None or self.model is None:
            self.filter_picture.clear()
            self._say("Click a map to see the filter that made it.")
            return
        conv, channel = self.traced
        weights = self.model.layers[conv].params["weight"]
        if channel >= len(weights):
            self.filter_picture.clear()
            self._say("")
            return
        one = weights[channel]
        shown = one if one.shape[0] == 3 else one.mean(axis=0)
        self.filter_picture.setPixmap(to_pixmap(to_display(shown, symmetric=True),
                                                FILTER_PICTURE))
        numbers = one.mean(axis=0)
        if numbers.shape[1] <= 5:
            self.filter_numbers.setText("\n".join(
                " ".join(_signed(v) for v in row) for row in numbers))
        inputs = "" if one.shape[0] == 1 else f", the mean over its {one.shape[0]} inputs"
        stage = next((s for s in self._stages if s[0] == conv), [conv])
        self._say(f"Filter {channel} of block {conv}{inputs} (white +, black −) made map "
                  f"{channel} of blocks {', '.join(str(b) for b in stage)}:")

    def _say(self, text: str) -> None:
        """The traced filter's text, its label as tall as its wrapped lines (a wrapped label in
        a column would otherwise keep one line's height and overlap the numbers)."""
        self.filter_text.setText(text)
        self.filter_text.setMinimumHeight(self.filter_text.heightForWidth(SIDE_WIDTH - 12))
