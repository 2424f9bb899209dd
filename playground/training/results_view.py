"""After training: confusion matrix (click a cell to see its images), accuracy per class, and the
test images the network got wrong with the most confidence."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from playground.training.image_grid import ImageGrid, to_display
from playground.training.predictions import ConfusionMatrixView, PerClassAccuracy

WRONG_COUNT = 16
CELL_COUNT = 24


def most_confident_mistakes(probabilities: np.ndarray, labels: np.ndarray,
                            count: int = WRONG_COUNT) -> np.ndarray:
    """Indices of up to `count` wrongly classified samples, most confident first.
    probabilities (N, K), labels (N,)."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:count]


class ResultsView(QWidget):
    """Filled by `set_results` when a run ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.summary = QLabel("Results appear here when training ends.")
        self.summary.setWordWrap(True)
        self.confusion = ConfusionMatrixView()
        self.confusion.setMinimumSize(320, 300)
        self.per_class = PerClassAccuracy()
        self.per_class.setMinimumHeight(150)
        self.cell_title = QLabel("Click a cell of the matrix to see its images.")
        self.cell_images = ImageGrid(columns=8, size=40)
        self.wrong_title = QLabel("Most confidently wrong test images")
        self.wrong_title.setWordWrap(True)
        self.cell_title.setWordWrap(True)
        self.wrong_images = ImageGrid(columns=8, size=40)
        self.images = None
        self.labels = None
        self.probabilities = None
        self.classes: list[str] = []
        self.confusion.cell_clicked.connect(self.show_cell)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.per_class, self.wrong_title, self.wrong_images, self.cell_title,
                       self.cell_images):
            right_layout.addWidget(widget)
        right_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(right)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        grid = QGridLayout(self)
        grid.addWidget(self.summary, 0, 0, 1, 2)
        grid.addWidget(self.confusion, 1, 0)
        grid.addWidget(scroll, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)

    def set_results(self, images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray,
                    classes: list[str], mean=None, std=None) -> None:
        """images (N, C, H, W) as the network saw them, labels (N,), probabilities (N, K)."""
        from core.metrics import confusion_matrix, precision_recall

        self.images, self.labels, self.probabilities = images, labels, probabilities
        self.classes = list(classes)
        self._mean, self._std = mean, std
        predicted = probabilities.argmax(axis=1)
        matrix = confusion_matrix(labels, predicted, len(classes))
        _, recall = precision_recall(matrix)
        self.confusion.set_matrix(matrix, self.classes)
        self.per_class.set_values(recall, self.classes)
        accuracy = float(np.mean(predicted == labels)) if len(labels) else 0.0
        worst = int(np.argmin(recall)) if len(recall) else 0
        self.summary.setText(
            f"Test accuracy {accuracy:.1%} on {len(labels):,} images; hardest class: "
            f"{self.classes[worst]} ({recall[worst]:.0%} right)."
        )
        mistakes = most_confident_mistakes(probabilities, labels)
        self.wrong_images.set_images(
            [self._display(i) for i in mistakes],
            [f"{self.classes[labels[i]]}→{self.classes[predicted[i]]}\n"
             f"{probabilities[i, predicted[i]]:.0%}" for i in mistakes],
            [f"test image {i}: true {self.classes[labels[i]]}, predicted "
             f"{self.classes[predicted[i]]} with p = {probabilities[i, predicted[i]]:.3f}"
             for i in mistakes],
        )
        self.wrong_title.setText(
            f"Most confidently wrong test images ({int(np.sum(predicted != labels))} wrong "
            "in all; caption: true→predicted, confidence)"
        )
        self.cell_images.set_images([], [])
        self.cell_title.setText("Click a cell of the matrix to see its images.")

    def show_cell(self, true: int, predicted: int) -> list[int]:
        """Show the test images of class `true` that were predicted as `predicted`."""
        if self.probabilities is None:
            return []
        guesses = self.probabilities.argmax(axis=1)
        found = np.flatnonzero((self.labels == true) & (guesses == predicted))
        shown = found[:CELL_COUNT]
        self.cell_images.set_images(
            [self._display(i) for i in shown],
            [f"{self.probabilities[i, predicted]:.0%}" for i in shown],
        )
        more = f" (first {CELL_COUNT} shown)" if len(found) > CELL_COUNT else ""
        self.cell_title.setText(
            f"True {self.classes[true]}, predicted {self.classes[predicted]}: {len(found)} "
            f"images{more}"
        )
        self.cell_title.setAlignment(Qt.AlignmentFlag.AlignLeft)
        return [int(i) for i in shown]

    def _display(self, index: int) -> np.ndarray:
        image = self.images[index]
        if self._mean is not None and self._std is not None:
            mean = np.asarray(self._mean, np.float32)[:, None, None]
            image = image * np.asarray(self._std, np.float32)[:, None, None] + mean
        return to_display(image)
