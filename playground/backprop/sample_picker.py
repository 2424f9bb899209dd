"""The sample the pass runs on: a digit of the bundled test set, a digit drawn with the mouse, or
a generated shape, shown as a small picture, and the class it should be.

The digits load on a background task the first time they are needed. The picker hands out a
grey (H, W) picture in 0..1; the tab fits it to the network's input (`core.data.lab_sample`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.data.digits import to_mnist
from core.data.idx import load_mnist_subset
from core.data.lab_sample import shape_picture
from core.data.shapes import SHAPE_KINDS
from playground.widgets.background import BackgroundTask
from playground.widgets.drawing_pad import DrawingPad

SOURCES = ("digit", "drawing", "shape")
SOURCE_TEXT = {"digit": "Digit from the test set", "drawing": "Digit you draw",
               "shape": "Generated shape"}
THUMB = 56


class DrawDialog(QDialog):
    """A drawing pad with Clear and Use this drawing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draw a digit")
        self.pad = DrawingPad()
        clear = QPushButton("Clear")
        clear.clicked.connect(self.pad.clear)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use this drawing")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Draw a digit with the mouse (or drop an image of one):"))
        layout.addWidget(self.pad, 0, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addWidget(clear)
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)


class SamplePicker(QWidget):
    """`picture()` (grey (H, W) in 0..1, or None while the digits load), `label()` (the chosen
    class index) and `set_classes(names)`; signal `sample_changed` when either changes."""

    sample_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digits = self.digit_labels = None
        self.drawing = np.zeros((28, 28), np.float32)
        self.loader: BackgroundTask | None = None
        self.dialog: DrawDialog | None = None
        self._rng = np.random.default_rng(0)
        self.source = QComboBox()
        self.source.setObjectName("labSource")
        for key in SOURCES:
            self.source.addItem(SOURCE_TEXT[key], key)
        self.source.setToolTip("What the network is shown for this pass")
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.index = QSpinBox()
        self.index.setObjectName("labDigit")
        self.index.setPrefix("no. ")
        self.index.setMaximum(999)
        self.index.setToolTip("Which digit of the bundled test set (1,000 digits)")
        self.index.valueChanged.connect(self._on_picture_changed)
        self.random = QPushButton("Random")
        self.random.clicked.connect(self._on_random)
        self.draw = QPushButton("Draw…")
        self.draw.setToolTip("Draw a digit with the mouse")
        self.draw.clicked.connect(self.open_drawing)
        self.kind = QComboBox()
        self.kind.addItems(list(SHAPE_KINDS))
        self.kind.currentIndexChanged.connect(self._on_picture_changed)
        self.variant = QSpinBox()
        self.variant.setPrefix("variant ")
        self.variant.setMaximum(9999)
        self.variant.setToolTip("Another place, size and angle of the shape")
        self.variant.valueChanged.connect(self._on_picture_changed)
        self.options = QStackedWidget()
        for widgets in ((self.index, self.random), (self.draw,), (self.kind, self.variant)):
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            for widget in widgets:
                row.addWidget(widget)
            self.options.addWidget(page)
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setToolTip("The sample, as the network sees it before fitting its input")
        self.target = QComboBox()
        self.target.setObjectName("labTarget")
        self.target.setToolTip("The class the network should answer: the loss is measured "
                               "against it")
        self.target.currentIndexChanged.connect(lambda _i: self.sample_changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Sample:"))
        layout.addWidget(self.source)
        layout.addWidget(self.options)
        layout.addWidget(self.thumb)
        layout.addWidget(QLabel("target class:"))
        layout.addWidget(self.target)
        layout.addStretch(1)
        self._show_thumb()

    # ------------------------------------------------------------------------------ state
    def current_source(self) -> str:
        return self.source.currentData()

    def picture(self) -> np.ndarray | None:
        """The sample as a grey (H, W) float32 picture in 0..1 (None until the digits are loaded:
        `load_digits`)."""
        source = self.current_source()
        if source == "digit":
            if self.digits is None:
                return None
            return self.digits[self.index.value(), 0]
        if source == "drawing":
            return self.drawing
        return shape_picture(self.kind.currentText(), self.variant.value())

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

    def set_source(self, source: str) -> None:
        self.source.setCurrentIndex(SOURCES.index(source))

    # ------------------------------------------------------------------------------ digits
    def load_digits(self) -> None:
        """Load the bundled test digits on a background task (once)."""
        if self.loader is not None:
            return
        self.loader = BackgroundTask(lambda progress, should_stop: load_mnist_subset(
            should_stop=should_stop)[1], name="lab digits", parent=self)
        self.loader.finished.connect(self._on_digits_loaded)
        self.loader.start()

    def _on_digits_loaded(self, test) -> None:
        self.digits, self.digit_labels = test.images, test.labels
        self._on_picture_changed()

    def shutdown(self) -> None:
        if self.loader is not None:
            self.loader.stop_or_abandon()

    # ------------------------------------------------------------------------------ events
    def _on_source_changed(self, _index: int) -> None:
        self.options.setCurrentIndex(self.source.currentIndex())
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
        if source == "digit" and self.digit_labels is not None:
            wanted = str(int(self.digit_labels[self.index.value()]))
        elif source == "shape":
            wanted = self.kind.currentText()
        if wanted in names:
            self.target.blockSignals(True)
            self.target.setCurrentIndex(names.index(wanted))
            self.target.blockSignals(False)

    def _show_thumb(self) -> None:
        picture = self.picture()
        if picture is None:
            self.thumb.setText("…")
            return
        grey = np.ascontiguousarray((np.clip(picture, 0, 1) * 255).astype(np.uint8))
        image = QImage(grey.data, grey.shape[1], grey.shape[0], grey.shape[1],
                       QImage.Format.Format_Grayscale8).copy()
        self.thumb.setPixmap(QPixmap.fromImage(image).scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation))
