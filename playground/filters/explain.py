"""Explain mode: the arithmetic behind one output pixel.

Hover or click an output pixel: the input neighbourhood is outlined on the original with the
kernel's weights laid over it, and a table lists each input value, weight and product, then the
sum, the divisor and the offset. Numbers come from `core.image.filtering.explain_pixel`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsRectItem,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.image.filtering import PixelExplanation, explain_pixel
from playground.filters.cell_text import exact_weight, format_value, format_weight
from playground.filters.grid_cells import diverging_colour

PROMPT = ("Explain mode: switch on Explain above the images, then hover over or click a pixel "
          "of the result to see its arithmetic.")
MAX_LABELLED_CELLS = 81
"""Above this many cells the overlay shows only the outline (text would not be readable)."""


def explain_request(request, row: int, col: int, channel: int | None):
    """(PixelExplanation, channel text) for output (row, col) of a `FilterRequest`.

    Raises ValueError with a message for the user when the request is not a weighted sum.
    """
    if request.view != "kernel" or request.function != "sum":
        raise ValueError(
            "Explain mode shows the weighted sum of the grid's kernel; switch the function to "
            "'Weighted sum' and the Sobel view to Gx or Gy."
        )
    explanation = explain_pixel(request.image, request.kernel, row, col,
                                padding=request.padding, pad_width=request.pad_width,
                                stride=request.stride, mode=request.mode, channel=channel)
    text = ""
    if channel is not None and request.kernel.values.ndim == 2:
        text = f", channel {'RGB'[channel]}"
    return explanation, text


def weights_text(weights) -> str:
    """A cell's weight (or its R, G, B weights) in full precision, for a tooltip."""
    values = np.atleast_1d(weights)
    return ", ".join(exact_weight(float(v)) for v in values)


class WindowOverlay:
    """Outline of the kernel window on the original view, with the weights written in its cells."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self.view_box = view_box
        self.outline = QGraphicsRectItem()
        self.outline.setPen(QPen(QColor(255, 200, 0), 0))
        self.outline.setZValue(20)
        self.outline.hide()
        view_box.addItem(self.outline, ignoreBounds=True)
        self.cells: list[QGraphicsRectItem] = []
        self.texts: list[pg.TextItem] = []
        self._label_width = 0.0
        view_box.sigRangeChanged.connect(self._show_labels_that_fit)
        view_box.sigResized.connect(self._show_labels_that_fit)

    def show(self, explanation: PixelExplanation) -> None:
        self.clear()
        weights = explanation.weights
        flat = weights if weights.ndim == 2 else weights.sum(axis=2)
        kh, kw = flat.shape
        top, left = explanation.top_left
        self.outline.setRect(QRectF(left, top, kw, kh))
        self.outline.show()
        scale = float(np.abs(flat).max()) or 1.0
        labelled = kh * kw <= MAX_LABELLED_CELLS
        font = QFont()
        font.setPixelSize(11)
        metrics = QFontMetrics(font)
        self._label_width = 0.0
        for i in range(kh):
            for j in range(kw):
                cell = QGraphicsRectItem(QRectF(left + j, top + i, 1, 1))
                colour = diverging_colour(float(flat[i, j]), scale)
                colour.setAlpha(110)
                cell.setBrush(QBrush(colour))
                cell.setPen(QPen(QColor(255, 200, 0, 160), 0))
                cell.setZValue(15)
                self.view_box.addItem(cell, ignoreBounds=True)
                self.cells.append(cell)
                if labelled:
                    words = format_weight(float(flat[i, j]))
                    self._label_width = max(self._label_width, metrics.horizontalAdvance(words))
                    text = pg.TextItem(words, color=(255, 255, 255),
                                       anchor=(0.5, 0.5), fill=pg.mkBrush(0, 0, 0, 120))
                    text.setFont(font)
                    text.setPos(left + j + 0.5, top + i + 0.5)
                    text.setZValue(21)
                    self.view_box.addItem(text, ignoreBounds=True)
                    self.texts.append(text)
        self._show_labels_that_fit()

    def cell_pixels(self) -> float:
        """How wide one image pixel is on the screen now."""
        width = self.view_box.viewPixelSize()[0]
        return 1.0 / width if width > 0 else 0.0

    def _show_labels_that_fit(self, *_args) -> None:
        """Weights are written only when every cell is wide enough for its text, so labels
        never run into each other (zoom in, or click the pixel, to read them)."""
        fits = self.cell_pixels() >= self._label_width + 8
        for text in self.texts:
            text.setVisible(fits)

    def zoom_to(self, explanation: PixelExplanation, margin: int = 5) -> None:
        """Zoom the view so that the window and a few pixels around it fill it."""
        kh, kw = explanation.weights.shape[:2]
        top, left = explanation.top_left
        self.view_box.setRange(QRectF(left - margin, top - margin, kw + 2 * margin,
                                      kh + 2 * margin), padding=0)

    def clear(self) -> None:
        for item in self.cells + self.texts:
            self.view_box.removeItem(item)
        self.cells, self.texts = [], []
        self.outline.hide()


class ExplainPanel(QWidget):
    """The table of products and the sum for one output pixel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.explanation: PixelExplanation | None = None
        self.headline = QLabel(PROMPT)
        self.headline.setObjectName("explainHeadline")
        self.headline.setWordWrap(True)
        self.headline.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.table = QTableWidget()
        self.table.setObjectName("explainTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(60)
        self.table.setToolTip("Each cell: input value × weight = product (grey: padding)")
        self.formula = QLabel()
        self.formula.setObjectName("explainFormula")
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.formula)

    def show_explanation(self, explanation: PixelExplanation, row: int, col: int,
                         channel_text: str = "") -> None:
        """Fill the table for output pixel (row, col)."""
        self.explanation = explanation
        window, weights, products = explanation.window, explanation.weights, explanation.products
        if window.ndim == 3:  # a per-channel kernel: one line per channel, then their sum
            terms = [[[f"{name} {format_value(float(v))} × {format_weight(float(w))}"
                       for name, v, w in zip("RGB", cell, cell_weights, strict=False)]
                      for cell, cell_weights in zip(r, rw, strict=True)]
                     for r, rw in zip(window, weights, strict=True)]
            products = products.sum(axis=2)
        else:
            terms = [[[f"{format_value(float(v))} × {format_weight(float(w))}"]
                      for v, w in zip(r, rw, strict=True)]
                     for r, rw in zip(window, weights, strict=True)]
        kh, kw = products.shape
        self.table.clear()
        self.table.setRowCount(kh)
        self.table.setColumnCount(kw)
        top, left = explanation.top_left
        self.table.setHorizontalHeaderLabels([str(left + j) for j in range(kw)])
        self.table.setVerticalHeaderLabels([str(top + i) for i in range(kh)])
        scale = float(np.abs(products).max()) or 1.0
        for i in range(kh):
            for j in range(kw):
                product = float(products[i, j]) + 0.0  # no "-0"
                text = "\n".join(terms[i][j]) + f"\n= {format_value(product)}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                colour = (QColor(200, 200, 200) if explanation.in_padding[i, j]
                          else diverging_colour(float(products[i, j]), scale))
                item.setBackground(QBrush(colour))
                item.setForeground(QBrush(QColor(20, 20, 20)))
                exact = f"{float(np.sum(explanation.window[i, j] * weights[i, j])):.8g}"
                where = "padding: outside the image. " if explanation.in_padding[i, j] else ""
                item.setToolTip(f"{where}weight {weights_text(weights[i, j])}, "
                                f"product {exact}")
                self.table.setItem(i, j, item)
        self._fit_cells()
        self.headline.setText(
            f"<b>Output pixel (row {row}, col {col}){channel_text} = {explanation.value:.6g}</b>"
            f" — window's top-left on the input: row {top}, col {left}"
        )
        count = int(np.size(explanation.products))
        self.formula.setText(
            f"Sum of the {count} products = {explanation.total:.6g};  "
            f"÷ divisor {explanation.divisor:g} + offset {explanation.offset:g} "
            f"= <b>{explanation.value:.6g}</b>"
        )

    def _fit_cells(self) -> None:
        """Cells share the table's room when their text fits in it; otherwise each is as big as
        its text and the table scrolls (a number is never cut)."""
        for header, count, room in ((self.table.horizontalHeader(), self.table.columnCount(),
                                     self.table.viewport().width()),
                                    (self.table.verticalHeader(), self.table.rowCount(),
                                     self.table.viewport().height())):
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            needed = sum(header.sectionSize(index) for index in range(count))
            if count and needed <= room:
                header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.explanation is not None:
            self._fit_cells()

    def show_prompt(self) -> None:
        """No pixel explained: say how to explain one."""
        self.show_message(PROMPT)

    def show_message(self, text: str) -> None:
        self.explanation = None
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.headline.setText(text)
        self.formula.setText("")
