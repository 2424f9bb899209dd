"""Feature maps of every conv and pooling layer for one chosen sample.

The forward pass runs layer by layer on the dashboard's *copy* of the network (rebuilt from the
spec and loaded with the worker's latest snapshot), never on the model being trained. One sample
through a small CNN takes a few milliseconds, so it runs in the GUI thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from playground.training.predictions import ProbabilityBars

SEPARATOR = np.array([40, 60, 110], dtype=np.uint8)
MAP_KINDS = ("convolution", "pooling")


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


def tile_maps(maps: np.ndarray, columns: int = 8) -> np.ndarray:
    """(C, H, W) maps -> uint8 (rows*(H+1)-1, cols*(W+1)-1, 3) mosaic; each map stretched to its
    own range, separated by 1-pixel lines."""
    maps = np.asarray(maps, dtype=np.float32)
    count, height, width = maps.shape
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    scaled = np.divide(maps - low, span, out=np.zeros_like(maps), where=span > 0)
    grey = (scaled * 255).astype(np.uint8)
    mosaic = np.empty((rows * (height + 1) - 1, columns * (width + 1) - 1, 3), dtype=np.uint8)
    mosaic[:] = SEPARATOR
    for index in range(count):
        r, c = divmod(index, columns)
        top, left = r * (height + 1), c * (width + 1)
        mosaic[top : top + height, left : left + width] = grey[index][..., None]
    return mosaic


class FeatureMapsView(QWidget):
    """A sample picker, the sample, one mosaic per conv/pool layer, and the softmax bars."""

    sample_changed = Signal(int)

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
        self.bars = ProbabilityBars(title="Softmax output for this sample")
        self.bars.setMaximumHeight(150)  # the maps get the height in a small window
        self._items: list[tuple[pg.LabelItem, pg.ImageItem]] = []
        self.shown_layers: list[int] = []
        self._rng = np.random.default_rng(0)
        top = QHBoxLayout()
        top.addWidget(self.sample)
        top.addWidget(self.random_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.bars)

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
        self._items = []
        self.shown_layers = []
        if model is None:
            return
        rows = [(-1, "input")] + [
            (i, repr(layer)) for i, layer in enumerate(model.layers)
            if getattr(layer, "KIND", "") in MAP_KINDS
        ]
        for index, text in rows:
            label = self.graphics.addLabel(text, row=len(self._items) * 2,
                                           col=0, color="k", size="9pt")
            view = self.graphics.addViewBox(row=len(self._items) * 2 + 1, col=0)
            view.setAspectLocked(True)
            view.invertY(True)
            view.setMouseEnabled(False, False)
            image = pg.ImageItem()
            view.addItem(image)
            self._items.append((label, image))
            self.shown_layers.append(index)
        self.refresh()

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
        by_index = {i: out for i, _, out in outputs}
        by_index[-1] = x if x.ndim == 4 else x[:, None]  # a sequence: one grey map, a row a step
        for (label, image), layer_index in zip(self._items, self.shown_layers, strict=True):
            maps = by_index[layer_index][0]
            image.setImage(tile_maps(maps), autoLevels=False, levels=(0, 255))
            shape = "x".join(str(s) for s in maps.shape)
            layer = self.model.layers[layer_index] if layer_index >= 0 else None
            name = "input" if layer is None else f"{layer_index}: {layer!r}"
            label.setText(f"{name} → {shape}")
        logits = outputs[-1][2][0]
        last = self.model.layers[-1]
        probabilities = logits if last.PROBABILITY_OUTPUT else softmax(logits)
        self.bars.set_probabilities(probabilities)
        truth = self.classes[int(self.labels[index])] if self.classes else str(self.labels[index])
        guess = self.bars.top_class()
        note = "" if len(self.shown_layers) > 1 else (
            " This network has no convolution or pooling layer, so there are no maps to show.")
        self.caption.setText(
            f"Sample {index}: true class {truth}, network says {guess} "
            f"({float(np.max(probabilities)):.0%}).{note}"
        )
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft)
