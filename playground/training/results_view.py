"""After training: confusion matrix (click a cell to see its images), accuracy per class, and the
test images the network got wrong with the most confidence."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from playground.training.image_grid import ImageGrid, to_display
from playground.training.predictions import ConfusionMatrixView, PerClassAccuracy

WRONG_COUNT = 18
CELL_COUNT = 24
COLUMNS = 6  # image strips six wide: the matrix and the strips fit side by side at 1024 px
BACK_LINK = '<a href="back">back to the most confidently wrong</a>'
EMPTY_TEXT = ("<p><b>No results yet.</b></p><p>When a run ends (or you stop it), this tab shows "
              "how the trained network does on the test images: the confusion matrix (which "
              "class it guesses for each true class; click a cell to see its images), the "
              "accuracy of each class, and the test images it gets wrong most confidently.</p>")


def most_confident_mistakes(probabilities: np.ndarray, labels: np.ndarray,
                            count: int = WRONG_COUNT) -> np.ndarray:
    """Indices of up to `count` wrongly classified samples, most confident first.
    probabilities (N, K), labels (N,)."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:count]


class ResultsView(QWidget):
    """Filled by `set_results` when a run ends; until then (and whenever its results are not
    those of the weights shown, see `set_note`) a plain empty state says what will appear."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.summary = QLabel("Results appear here when training ends.")
        self.summary.setWordWrap(True)
        self.empty = QLabel()
        self.empty.setObjectName("resultsEmpty")
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setContentsMargins(24, 40, 24, 24)
        self.confusion = ConfusionMatrixView()
        self.confusion.setMinimumSize(260, 260)
        self.per_class = PerClassAccuracy()
        self.per_class.setMinimumHeight(130)
        # The bars take the room the images leave: the images stay in view without scrolling.
        self.per_class.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        # A clicked cell's images take the place of the "most confidently wrong" strip, so
        # they show where the user is looking; a link in their title brings the strip back.
        self.cell_title = QLabel("Click a cell of the matrix to see its images.")
        self.cell_title.setWordWrap(True)
        self.cell_title.setTextFormat(Qt.TextFormat.RichText)
        self.cell_title.linkActivated.connect(lambda _link: self.show_wrong())
        self.cell_images = ImageGrid(columns=COLUMNS, size=40)
        self.wrong_title = QLabel("Most confidently wrong test images")
        self.wrong_title.setWordWrap(True)
        self.wrong_images = ImageGrid(columns=COLUMNS, size=40)
        self.hint = QLabel("Click a cell of the matrix to see its images.")
        self.images = None
        self.labels = None
        self.probabilities = None
        self.classes: list[str] = []
        self.confusion.cell_clicked.connect(self.show_cell)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.per_class, 1)
        for widget in (self.cell_title, self.cell_images, self.wrong_title, self.wrong_images,
                       self.hint):
            right_layout.addWidget(widget)
        scroll = QScrollArea()
        scroll.setWidget(right)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(300)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.confusion)
        self.splitter.addWidget(scroll)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        filled = QWidget()
        filled_layout = QVBoxLayout(filled)
        filled_layout.setContentsMargins(0, 0, 0, 0)
        filled_layout.addWidget(self.summary)
        filled_layout.addWidget(self.splitter, 1)
        column = QWidget()  # the words in a readable column, centred
        column.setMaximumWidth(600)
        column_layout = QVBoxLayout(column)
        column_layout.addWidget(self.empty)
        column_layout.addStretch(1)
        empty = QWidget()
        empty_layout = QHBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(column, 4)
        empty_layout.addStretch(1)
        self.pages = QStackedWidget()
        self.pages.addWidget(empty)
        self.pages.addWidget(filled)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.note = ""
        self._cleared = ""  # why the results were last cleared, said while there are none
        self.show_wrong()
        self.set_note("")

    def is_empty(self) -> bool:
        """True while the empty state shows instead of results."""
        return self.pages.currentIndex() == 0

    def set_note(self, note: str | None) -> None:
        """Show the empty state with `note` over what will appear ("" for the plain one), or
        with None the results held, if any."""
        if note is None and self.probabilities is not None:
            self.pages.setCurrentIndex(1)
            return
        self.note = self._cleared if note is None else note
        extra = f"<p>{self.note}</p>" if self.note else ""
        self.empty.setText(extra + EMPTY_TEXT)
        self.pages.setCurrentIndex(0)

    def empty_text(self) -> str:
        """The empty state's words, as plain text."""
        return self.empty.text()

    def clear(self, note: str) -> None:
        """Forget the shown results (their weights are gone) and say why."""
        self.images = self.labels = self.probabilities = None
        self.confusion.set_matrix(np.zeros((0, 0), np.int64), [])
        self.per_class.set_values(np.zeros(0), [])
        self.wrong_images.set_images([], [])
        self.cell_images.set_images([], [])
        self.wrong_title.setText("Most confidently wrong test images")
        self.summary.setText(note)
        self.show_wrong()
        self._cleared = note
        self.set_note(note)

    def show_wrong(self) -> None:
        """Show the "most confidently wrong" strip (again) instead of a cell's images."""
        self.confusion.select_cell(None)
        for widget in (self.cell_title, self.cell_images):
            widget.hide()
        for widget in (self.wrong_title, self.wrong_images, self.hint):
            widget.show()

    def set_results(self, images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray,
                    classes: list[str], mean=None, std=None) -> None:
        """images (N, C, H, W) as the network saw them, labels (N,), probabilities (N, K)."""
        from core.train.metrics import confusion_matrix, precision_recall

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
        self.show_wrong()
        self.set_note(None)

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
            f"<b>True {self.classes[true]}, predicted {self.classes[predicted]}: {len(found)} "
            f"images{more}</b> — {BACK_LINK}"
        )
        self.confusion.select_cell((true, predicted))
        for widget in (self.wrong_title, self.wrong_images, self.hint):
            widget.hide()
        for widget in (self.cell_title, self.cell_images):
            widget.show()
        return [int(i) for i in shown]

    def _display(self, index: int) -> np.ndarray:
        image = self.images[index]
        if self._mean is not None and self._std is not None:
            mean = np.asarray(self._mean, np.float32)[:, None, None]
            image = image * np.asarray(self._std, np.float32)[:, None, None] + mean
        return to_display(image)
