"""The sample the pass runs on, taken from the data the network was made for
(`core.train.network_data.lab_data` decides): a sample of its data set (the bundled test digits,
a generated sequence task, the training tab's data), a generated shape of one of its classes, or,
where the input is a picture, a digit drawn with the mouse; shown as a small picture beside the
class it should be.

A data set loads off the GUI thread the first time it is wanted. `sample(input_shape)` hands out
the network's input (1, *input_shape); pictures are fitted to it (`core.data.lab_sample`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from core.data.digits import to_mnist
from core.data.lab_sample import fit_picture, shape_picture
from core.train.network_data import LabData, lab_data, load_lab_samples
from playground.backprop.draw_dialog import DrawDialog
from playground.backprop.numbers import short
from playground.widgets.background import LatestJobRunner

SOURCES = ("data", "shape", "drawing")
DRAWING_TEXT = "Digit you draw"
THUMB = 56
SPELLED_VALUES = 16
"""A sample of at most this many values is also written out beside its picture."""


class SamplePicker(QWidget):
    """`set_offer(network, offer, samples)`, `sample(input_shape)` (None while a data set
    loads), `label()` (the chosen class index), `set_classes(names)`, `current_source()`,
    `offered()`; signal `sample_changed` when the sample or the target changes."""

    sample_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network: dict = {}
        self.offer: LabData = lab_data({})
        self.samples = None  # the data set offered, once loaded (a core Dataset)
        self._cache: dict[tuple, object] = {}  # (source, input shape) -> loaded Dataset
        self._loading: tuple | None = None
        self.load_error = ""
        self.drawing = np.zeros((28, 28), np.float32)
        self.dialog: DrawDialog | None = None
        self._rng = np.random.default_rng(0)
        self.loader = LatestJobRunner(self)
        self.loader.result_ready.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.source = QComboBox()
        self.source.setObjectName("labSource")
        self.source.setToolTip("What the network is shown for this pass: the data it was made "
                               "for")
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.index = QSpinBox()
        self.index.setObjectName("labDigit")
        self.index.setPrefix("no. ")
        self.index.setMaximum(0)
        self.index.valueChanged.connect(self._on_picture_changed)
        self.random = QPushButton("Random")
        self.random.clicked.connect(self._on_random)
        self.draw = QPushButton("Draw…")
        self.draw.setToolTip("Draw a digit with the mouse")
        self.draw.clicked.connect(self.open_drawing)
        self.kind = QComboBox()
        self.kind.setObjectName("labShapeKind")
        self.kind.currentIndexChanged.connect(self._on_picture_changed)
        self.variant = QSpinBox()
        self.variant.setPrefix("variant ")
        self.variant.setMaximum(9999)
        self.variant.setToolTip("Another place, size and angle of the shape")
        self.variant.valueChanged.connect(self._on_picture_changed)
        self.options = QStackedWidget()
        self._pages = {}
        for key, widgets in (("data", (self.index, self.random)), ("shape", (self.kind,
                                                                             self.variant)),
                             ("drawing", (self.draw,))):
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            for widget in widgets:
                row.addWidget(widget)
            self.options.addWidget(page)
            self._pages[key] = page
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setToolTip("The sample, before it is fitted to the network's input")
        self.values = QLabel()
        self.values.setObjectName("labSampleValues")
        self.target = QComboBox()
        self.target.setObjectName("labTarget")
        self.target.setToolTip("The class the network should answer: the loss is measured "
                               "against it")
        self.target.currentIndexChanged.connect(lambda _i: self.sample_changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Sample:"))
        for widget in (self.source, self.options, self.thumb, self.values):
            layout.addWidget(widget)
        layout.addWidget(QLabel("target class:"))
        layout.addWidget(self.target)
        layout.addStretch(1)
        self._show_thumb()

    # ------------------------------------------------------------------------------ the offer
    def set_offer(self, network: dict, offer: LabData, samples=None) -> None:
        """Offer samples of `offer` for `network` (a spec); `samples`, a loaded data set in
        the network's form (the training tab's), is used instead of loading the source."""
        self.network, self.offer = network, offer
        key = self._key()
        if samples is not None:
            self._cache[key] = samples
        offered = self.offered()
        current = self.current_source()
        self.source.blockSignals(True)
        self.source.clear()
        for source in offered:
            self.source.addItem(offer.title if source != "drawing" else DRAWING_TEXT, source)
        self.source.setCurrentIndex(offered.index(current) if current in offered else 0)
        self.source.blockSignals(False)
        self.kind.blockSignals(True)
        kind = self.kind.currentText()
        self.kind.clear()
        self.kind.addItems(list(offer.shape_kinds))
        if kind in offer.shape_kinds:
            self.kind.setCurrentText(kind)
        self.kind.blockSignals(False)
        self.samples = self._cache.get(key)
        self._show_samples()
        self._on_source_changed()

    def offered(self) -> list[str]:
        """The sources offered for the network: its data (a data set or generated shapes),
        and a drawing where its input is a picture."""
        first = "shape" if self.offer.sample_kind == "shapes" else "data"
        return [first, "drawing"] if self.offer.drawing else [first]

    def _key(self) -> tuple:
        return self.offer.source, tuple(self.network.get("input_shape") or ())

    def current_source(self) -> str:
        return self.source.currentData() or ""

    def set_source(self, source: str) -> None:
        """Show `source` ("data", "shape" or "drawing") when it is offered."""
        index = self.source.findData(source)
        if index >= 0:
            self.source.setCurrentIndex(index)

    # ------------------------------------------------------------------------------ loading
    def load(self) -> None:
        """Load the offered data set off the GUI thread (once per source and input shape)."""
        key = self._key()
        if self.current_source() != "data" or key in self._cache or key == self._loading:
            return
        self._loading, self.load_error = key, ""
        source, network = self.offer.source, self.network
        self.loader.submit(lambda _progress, should_stop: (key, load_lab_samples(
            source, network, should_stop=should_stop)))

    def is_loading(self) -> bool:
        return self._loading is not None

    def _on_loaded(self, found) -> None:
        key, dataset = found
        self._cache[key] = dataset
        self._loading = None
        if key == self._key():
            self.samples = dataset
            self._show_samples()
            self._on_picture_changed()

    def _on_load_failed(self, message: str) -> None:
        self._loading = None
        self.load_error = f"Cannot load {self.offer.source}: {message}"
        self.sample_changed.emit()

    def _show_samples(self) -> None:
        count = 0 if self.samples is None else len(self.samples.labels)
        self.index.blockSignals(True)
        self.index.setMaximum(max(count - 1, 0))
        self.index.blockSignals(False)
        name = self.samples.name if self.samples is not None else self.offer.source
        self.index.setToolTip(f"Which sample of {name} ({count:,} samples)")

    def shutdown(self) -> None:
        self.loader.shutdown()

    # ------------------------------------------------------------------------------ the sample
    def raw(self) -> np.ndarray | None:
        """The sample as its data gives it: a grey (H, W) picture, or one sample of the data
        set ((C, H, W) or (T, F)); None while the data set loads."""
        source = self.current_source()
        if source == "data":
            if self.samples is None:
                return None
            return self.samples.images[min(self.index.value(), len(self.samples.labels) - 1)]
        if source == "drawing":
            return self.drawing
        if source != "shape" or not self.kind.currentText():
            return None
        shape = tuple(self.network.get("input_shape") or ())
        size = int(shape[1]) if len(shape) == 3 and shape[1] == shape[2] else 28
        return shape_picture(self.kind.currentText(), self.variant.value(), size=size)

    def sample(self, input_shape) -> np.ndarray | None:
        """The network's input (1, *input_shape) float32, or None while the data set loads;
        ValueError when the sample cannot be made into that input."""
        raw = self.raw()
        if raw is None:
            return None
        shape = tuple(int(v) for v in input_shape)
        if raw.shape == shape:
            return np.asarray(raw, np.float32)[None]
        if raw.ndim == 3:  # maps of another size or depth: as a grey picture
            raw = raw.mean(axis=0)
        if raw.ndim != 2 or self.current_source() == "data" and self.offer.sample_kind == \
                "sequences":
            raise ValueError(f"its samples have shape {raw.shape}, the network takes {shape}")
        return fit_picture(raw, shape)

    def label(self) -> int:
        return max(self.target.currentIndex(), 0)

    def set_classes(self, names: list[str]) -> None:
        """The network's classes (the target offers these)."""
        if [self.target.itemText(i) for i in range(self.target.count())] == list(names):
            return
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems(list(names))
        self.target.blockSignals(False)
        self._follow_label()
        self.sample_changed.emit()

    # ------------------------------------------------------------------------------ events
    def _on_source_changed(self, *_args) -> None:
        source = self.current_source()
        if source in self._pages:
            self.options.setCurrentWidget(self._pages[source])
        self.load()
        self._on_picture_changed()

    def _on_random(self) -> None:
        self.index.setValue(int(self._rng.integers(self.index.maximum() + 1)))

    def open_drawing(self) -> DrawDialog:
        self.dialog = DrawDialog(self)
        self.dialog.accepted.connect(self._on_drawn)
        self.dialog.open()
        return self.dialog

    def _on_drawn(self) -> None:
        self.set_drawing(to_mnist(self.dialog.pad.ink()))

    def set_drawing(self, digit: np.ndarray) -> None:
        """Use a (28, 28) digit in 0..1 as the drawn sample."""
        self.drawing = np.asarray(digit, np.float32)
        if self.current_source() == "drawing":
            self._on_picture_changed()
        else:
            self.set_source("drawing")

    def _on_picture_changed(self, *_args) -> None:
        self._show_thumb()
        self._follow_label()
        self.sample_changed.emit()

    def _follow_label(self) -> None:
        """The target follows the sample's own class when the network has it."""
        names = [self.target.itemText(i) for i in range(self.target.count())]
        source = self.current_source()
        wanted = None
        if source == "data" and self.samples is not None:
            label = int(self.samples.labels[min(self.index.value(),
                                                len(self.samples.labels) - 1)])
            wanted = self.samples.class_names[label]
        elif source == "shape":
            wanted = self.kind.currentText()
        if wanted in names:
            self.target.blockSignals(True)
            self.target.setCurrentIndex(names.index(wanted))
            self.target.blockSignals(False)

    def _show_thumb(self) -> None:
        raw = self.raw()
        self.values.setText("")
        if raw is None:
            self.thumb.setText("…")
            return
        picture = np.asarray(raw, np.float64)
        if picture.size <= SPELLED_VALUES and self.current_source() == "data":
            self.values.setText("values " + ", ".join(short(v) for v in picture.reshape(-1)))
        if picture.ndim == 3:
            picture = picture.mean(axis=0)
        top = max(float(np.max(np.abs(picture))), 1.0)
        grey = np.ascontiguousarray((np.clip(picture / top, 0, 1) * 255).astype(np.uint8))
        image = QImage(grey.data, grey.shape[1], grey.shape[0], grey.shape[1],
                       QImage.Format.Format_Grayscale8).copy()
        self.thumb.setPixmap(QPixmap.fromImage(image).scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation))
