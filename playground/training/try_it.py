"""Try the network: draw a digit (or drop an image) and see the prediction update as you draw."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from core.data.digits import fit_input, to_mnist
from playground.training.image_grid import to_display, to_pixmap
from playground.training.predictions import ProbabilityBars
from playground.widgets.drawing_pad import DrawingPad

PREVIEW = 112  # the 28x28 network input shown 4 times enlarged
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff);;All files (*)"



def confidence_text(probability: float) -> str:
    """A probability as an honest percentage: one decimal ("97.3%"), and "99.9%+" from 99.95%
    up, where one decimal would round to a certainty the network does not have."""
    if probability >= 0.9995:
        return "99.9%+"
    return f"{100 * probability:.1f}%"

class TryItPanel(QWidget):
    """The pad, the 28x28 input the network gets, and its softmax output."""

    prediction_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tryItPanel")
        self.model = None
        self.preprocessing = None  # how the model's inputs are prepared (its normalisation)
        self.pad = DrawingPad()
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setStyleSheet("background: black;")
        self.preview.setToolTip("What the network sees: 28x28, digit scaled into 20x20 and "
                                "centred by its centre of mass, like MNIST")
        self.bars = ProbabilityBars(title="What the network thinks")
        self.bars.setMinimumSize(160, 200)
        self.verdict = QLabel("Draw a digit in the black square (right-click clears).")
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        font = self.verdict.font()
        font.setPointSizeF(font.pointSizeF() + 3)
        self.verdict.setFont(font)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.pad.clear)
        self.open_button = QPushButton("Open image…")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.input = np.zeros((28, 28), dtype=np.float32)
        self.pad.drawing_changed.connect(self.update_prediction)
        self.pad.drop_failed.connect(self._on_image_failed)
        grid = QGridLayout(self)
        grid.addWidget(self.pad, 0, 0, 3, 1, Qt.AlignmentFlag.AlignTop)
        input_title = QLabel("Network input\n(28x28)")
        input_title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        grid.addWidget(input_title, 0, 1)
        grid.addWidget(self.preview, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.bars, 0, 2, 3, 1)
        grid.addWidget(self.clear_button, 3, 0)
        grid.addWidget(self.open_button, 3, 1)
        grid.addWidget(self.verdict, 4, 0, 1, 3)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(2, 1)

    def set_model(self, model, classes: list[str] | None = None, preprocessing=None) -> None:
        """The network copy to ask (None: nothing to ask yet) and how its inputs are prepared
        (a `core.train.preprocessing.Preprocessing`, or None for images used as they are)."""
        self.model = model
        self.preprocessing = preprocessing
        if classes:
            self.bars.set_classes(classes)
        self.update_prediction()

    @property
    def mean(self) -> list[float] | None:
        """The per-channel mean inputs are standardised with (None: not standardised)."""
        return self.preprocessing.mean if self.preprocessing is not None else None

    @property
    def std(self) -> list[float] | None:
        return self.preprocessing.std if self.preprocessing is not None else None

    def network_input(self) -> np.ndarray:
        """The drawing prepared like MNIST, (28, 28) float32 in 0..1."""
        return to_mnist(self.pad.ink())

    def update_prediction(self) -> None:
        self.input = self.network_input()
        self.preview.setPixmap(to_pixmap(to_display(self.input), PREVIEW))
        if self.model is None:
            self.bars.set_probabilities(np.zeros(len(self.bars.probabilities), np.float32))
            self.verdict.setText("Train a network (or open a trained one) to classify drawings.")
            return
        if not self.input.any():
            self.bars.set_probabilities(np.zeros(self.model.output_shape[0], np.float32))
            self.verdict.setText("Draw a digit in the black square (right-click clears).")
            return
        try:
            x = fit_input(self.input, self.model.input_shape)
        except ValueError as error:
            self.verdict.setText(str(error))
            return
        if self.preprocessing is not None:
            x = self.preprocessing.apply(x)
        probabilities = self.model.predict(x)[0]
        self.bars.set_probabilities(probabilities)
        top = self.bars.top_class()
        self.verdict.setText(f"It looks like a {top} "
                             f"({confidence_text(float(probabilities.max()))} sure).")
        self.prediction_changed.emit(top or "")

    def _on_image_failed(self, message: str) -> None:
        """An image that cannot be read: the old drawing and its prediction go, the error stays."""
        self.pad.blockSignals(True)
        self.pad.clear()
        self.pad.blockSignals(False)
        self.input = self.network_input()
        self.preview.setPixmap(to_pixmap(to_display(self.input), PREVIEW))
        self.bars.set_probabilities(np.zeros(len(self.bars.probabilities), np.float32))
        self.verdict.setText(f"{message.rstrip('.')}. Draw a digit, or open a PNG, JPEG, BMP or "
                             "TIFF image.")

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Classify an image", "", IMAGE_FILTER)
        if path:
            self.pad.load_image(path)
