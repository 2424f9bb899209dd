"""Try the network: draw a digit (or drop an image) and see the prediction update as you draw."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.data.digits import fit_input, to_mnist
from playground.training.image_grid import to_display, to_pixmap
from playground.training.predictions import ProbabilityBars, confidence_text
from playground.widgets.drawing_pad import DrawingPad

PREVIEW = 112  # the 28x28 network input shown 4 times enlarged (more in a large window)
PAD_SIDES = (200, 560)  # the drawing pad grows with the window between these sizes
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff);;All files (*)"



def pad_side(width: int, height: int) -> int:
    """The drawing pad's side for a panel of `width` x `height`: the pad, its buttons and the
    half-size preview under it fill the height, at most 55% of the width, within
    `PAD_SIDES`."""
    low, high = PAD_SIDES
    return int(max(low, min(high, (height - 110) / 1.5, 0.55 * width)))


def preview_side(pad: int) -> int:
    """The network-input preview's side: whole pixels per input pixel, about half the pad."""
    return max(PREVIEW, min(8 * 28, (pad // 2) // 28 * 28))


def runners_up(probabilities: np.ndarray, classes: list[str], count: int = 2) -> str:
    """"next: 1 (0.4%), 9 (0.1%)": the classes after the top one, with their probabilities."""
    order = np.argsort(probabilities)[::-1][1 : 1 + count]
    parts = []
    for i in order:
        p = float(probabilities[i])
        parts.append(f"{classes[i] if i < len(classes) else i} "
                     f"({'<0.1%' if p < 0.0005 else confidence_text(p)})")
    return "next: " + ", ".join(parts) if parts else ""


class TryItPanel(QWidget):
    """The pad, the 28x28 input the network gets, and its softmax output."""

    prediction_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tryItPanel")
        self.model = None
        self.preprocessing = None  # how the model's inputs are prepared (its normalisation)
        self.classes: list[str] = []
        self.pad = DrawingPad()
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW + 2, PREVIEW + 2)
        self.preview.setStyleSheet("background: black; border: 1px solid #8a93a0;")
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
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.open_button)
        input_title = QLabel("<b>Network input</b> (28x28): the drawing scaled into the dashed "
                             "20x20 box and centred by its mass, like MNIST.")
        input_title.setWordWrap(True)
        input_title.setAlignment(Qt.AlignmentFlag.AlignTop)
        seen = QHBoxLayout()
        seen.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        seen.addWidget(input_title, 1)
        left = QVBoxLayout()
        left.addWidget(self.pad)
        left.addLayout(buttons)
        left.addLayout(seen)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.verdict)
        right.addWidget(self.bars, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """The pad and the preview grow with the panel (no empty half of the tab)."""
        super().resizeEvent(event)
        side = pad_side(self.width(), self.height())
        self.pad.set_side(side)
        preview = preview_side(side)
        if preview + 2 != self.preview.width():
            self.preview.setFixedSize(preview + 2, preview + 2)
            self._show_input()

    def _show_input(self) -> None:
        self.preview.setPixmap(to_pixmap(to_display(self.input), self.preview.width() - 2))

    def set_model(self, model, classes: list[str] | None = None, preprocessing=None) -> None:
        """The network copy to ask (None: nothing to ask yet) and how its inputs are prepared
        (a `core.train.preprocessing.Preprocessing`, or None for images used as they are)."""
        self.model = model
        self.preprocessing = preprocessing
        if classes:
            self.classes = list(classes)
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
        self._show_input()
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
        names = self.classes
        self.verdict.setText(f"It looks like a {top} "
                             f"({confidence_text(float(probabilities.max()))} sure); "
                             f"{runners_up(probabilities, names)}.")
        self.prediction_changed.emit(top or "")

    def _on_image_failed(self, message: str) -> None:
        """An image that cannot be read: the old drawing and its prediction go, the error stays."""
        self.pad.blockSignals(True)
        self.pad.clear()
        self.pad.blockSignals(False)
        self.input = self.network_input()
        self._show_input()
        self.bars.set_probabilities(np.zeros(len(self.bars.probabilities), np.float32))
        self.verdict.setText(f"{message.rstrip('.')}. Draw a digit, or open a PNG, JPEG, BMP or "
                             "TIFF image.")

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Classify an image", "", IMAGE_FILTER)
        if path:
            self.pad.load_image(path)
