"""Charts of what the network predicts: softmax bars, confusion matrix, per-class accuracy."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen, QTransform
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

BAR_COLOUR = QColor(70, 130, 200)
TOP_COLOUR = QColor(230, 120, 40)
TEXT_COLOUR = "#1a1a1a"
HEADROOM = 1.18  # the 0..1 axis goes at least this high, so a value over a full bar stays inside
VALUE_POINTS = 9  # the numbers over the bars: about 12 px, readable at 1024x768


def bar_text(value: float) -> str:
    """A bar's value as a student reads it: two decimals ("0.93"), never rounded to a
    certainty it is not: "≈0" for more than 0 but under 0.005, "0.99+" for 0.995 up to but
    not 1; "–" for no value (a class without test images)."""
    if not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if value < 0.005:
        return "≈0"
    if 0.995 <= value < 1:
        return "0.99+"
    return f"{value:.2f}"


def confidence_text(probability: float) -> str:
    """A probability as an honest percentage: one decimal ("97.3%"), and "99.9%+" from 99.95%
    up, where one decimal would round to a certainty the network does not have."""
    if probability >= 0.9995:
        return "99.9%+"
    return f"{100 * probability:.1f}%"


def dark_axes(plot) -> None:
    """Tick labels and axis lines in dark grey, readable on white (pyqtgraph's are light)."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTextPen(TEXT_COLOUR)
        axis.setPen("#505050")


class BarValues:
    """Numbers written over the bars of a `pg.PlotWidget` (one `pg.TextItem` per bar)."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        self._plot = plot
        self.items: list[pg.TextItem] = []
        font = QFont()
        font.setPointSizeF(VALUE_POINTS)
        self.font = font
        plot.getViewBox().sigResized.connect(self.keep_room)

    def keep_room(self, *_args) -> None:
        """Make the 0..1 axis go high enough that a number over a full bar stays inside the
        plot at its current height (a short plot needs more room above 1)."""
        height = self._plot.getViewBox().height()
        needed = QFontMetrics(self.font).height() + 10  # the text item adds a margin
        top = HEADROOM if height <= needed * 2 else max(HEADROOM, 1 / (1 - needed / height))
        self._plot.setYRange(0, top, padding=0)

    def show(self, values: np.ndarray) -> None:
        while len(self.items) > len(values):
            self._plot.removeItem(self.items.pop())
        while len(self.items) < len(values):
            item = pg.TextItem("", color=TEXT_COLOUR, anchor=(0.5, 1.0))
            item.setFont(self.font)
            self._plot.addItem(item)
            self.items.append(item)
        for index, (item, value) in enumerate(zip(self.items, values, strict=True)):
            item.setText(bar_text(float(value)))
            item.setPos(index, float(np.nan_to_num(value)))

    def texts(self) -> list[str]:
        return [item.textItem.toPlainText() for item in self.items]


class ProbabilityBars(pg.PlotWidget):
    """Softmax probabilities (K,) as bars, the most likely class highlighted; created once."""

    def __init__(self, parent: QWidget | None = None, title: str = "Prediction") -> None:
        super().__init__(parent)
        self.setObjectName("probabilityBars")
        self.setBackground("w")
        self.setTitle(title, color="k", size="9pt")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setYRange(0, HEADROOM, padding=0)
        self.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")]])
        dark_axes(self)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=BAR_COLOUR)
        self.addItem(self._bars)
        self.values = BarValues(self)
        self._classes: list[str] = []
        self.probabilities = np.zeros(0, dtype=np.float32)

    def set_classes(self, names: list[str]) -> None:
        self._classes = list(names)
        self.getAxis("bottom").setTicks([list(enumerate(self._classes))])
        self.setXRange(-0.6, len(names) - 0.4, padding=0)
        self.set_probabilities(np.zeros(len(names), dtype=np.float32))

    def set_probabilities(self, probabilities: np.ndarray) -> None:
        """(K,) probabilities in 0..1."""
        probabilities = np.asarray(probabilities, dtype=np.float32).ravel()
        if len(probabilities) != len(self._classes):
            self.set_classes([str(i) for i in range(len(probabilities))])
        self.probabilities = probabilities
        brushes = [BAR_COLOUR] * len(probabilities)
        if len(probabilities) and probabilities.max() > 0:
            brushes[int(np.argmax(probabilities))] = TOP_COLOUR
        self._bars.setOpts(x=np.arange(len(probabilities)), height=probabilities, brushes=brushes)
        # No numbers over bars that are all zero (nothing asked yet): an empty chart.
        self.values.show(probabilities if probabilities.any() else np.zeros(0))

    def top_class(self) -> str | None:
        if not len(self.probabilities) or self.probabilities.max() <= 0:
            return None
        return self._classes[int(np.argmax(self.probabilities))]


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """(K, K) int64 counts, rows = true class, columns = predicted class."""
    try:
        from core.train.metrics import confusion_matrix as core_confusion
    except ImportError:
        index = labels.astype(np.int64) * classes + predicted.astype(np.int64)
        return np.bincount(index, minlength=classes * classes).reshape(classes, classes)
    return np.asarray(core_confusion(labels, predicted, classes), dtype=np.int64)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """(K,) fraction of each true class predicted right (recall); NaN for an absent class."""
    totals = matrix.sum(axis=1).astype(np.float64)
    right = np.diag(matrix).astype(np.float64)
    return np.divide(right, totals, out=np.full(len(totals), np.nan), where=totals > 0)


class ConfusionMatrixView(pg.GraphicsLayoutWidget):
    """Counts as a heat map with numbers; clicking a cell emits `cell_clicked(true, predicted)`."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setBackground("w")
        # A short title: a long one would widen the plot beyond a narrow view (the axis labels
        # say which way is true and which predicted).
        self.plot = self.addPlot()
        self.plot.setTitle("Confusion matrix", color="#1a1a1a", size="10pt")
        self.plot.setLabel("left", "true class", color="#303030")
        self.plot.setLabel("bottom", "predicted class", color="#303030")
        for name in ("left", "bottom"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        dark_axes(self.plot)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("CET-L12"))
        self.plot.addItem(self.image)
        self._texts: list[pg.TextItem] = []
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.highlight = QGraphicsRectItem(QRectF(-0.5, -0.5, 1.0, 1.0))
        pen = QPen(TOP_COLOUR, 3)
        pen.setCosmetic(True)
        self.highlight.setPen(pen)
        self.highlight.setZValue(20)
        self.highlight.hide()
        self.plot.addItem(self.highlight, ignoreBounds=True)
        self.highlighted: tuple[int, int] | None = None
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)

    def select_cell(self, cell: tuple[int, int] | None) -> None:
        """Outline cell (true, predicted), or none."""
        self.highlighted = cell
        if cell is None:
            self.highlight.hide()
            return
        true, predicted = cell
        self.highlight.setRect(QRectF(predicted - 0.5, true - 0.5, 1.0, 1.0))
        self.highlight.show()

    def set_matrix(self, matrix: np.ndarray, classes: list[str]) -> None:
        """(K, K) counts; rows true, columns predicted."""
        self.matrix = np.asarray(matrix, dtype=np.int64)
        self.select_cell(None)
        size = len(classes)
        # Colour by row fraction so that small classes show their mistakes as clearly.
        rows = self.matrix.sum(axis=1, keepdims=True).clip(min=1)
        for text in self._texts:
            self.plot.removeItem(text)
        self._texts = []
        if not size:  # no results (any more)
            self.image.clear()
            self.plot.getAxis("left").setTicks([[]])
            self.plot.getAxis("bottom").setTicks([[]])
            return
        self.image.setImage((self.matrix / rows).astype(np.float32), levels=(0, 1))
        self.image.setTransform(QTransform.fromTranslate(-0.5, -0.5))
        for true in range(size):
            for predicted in range(size):
                count = int(self.matrix[true, predicted])
                if not count:
                    continue
                dark = self.matrix[true, predicted] / rows[true, 0] > 0.5
                text = pg.TextItem(str(count), color="w" if dark else "k", anchor=(0.5, 0.5))
                text.setPos(predicted, true)
                self.plot.addItem(text)
                self._texts.append(text)
        ticks = [list(enumerate(classes))]
        self.plot.getAxis("left").setTicks(ticks)
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.setRange(xRange=(-0.5, size - 0.5), yRange=(-0.5, size - 0.5), padding=0.02)

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """(true, predicted) of the cell under a scene position, or None."""
        point = self.plot.vb.mapSceneToView(scene_pos)
        predicted, true = round(point.x()), round(point.y())
        size = len(self.matrix)
        if 0 <= true < size and 0 <= predicted < size:
            return true, predicted
        return None

    def cell_centre(self, true: int, predicted: int) -> QPoint:
        """Where cell (true, predicted) is drawn, in viewport coordinates."""
        scene = self.plot.vb.mapViewToScene(QPointF(predicted, true))
        return self.mapFromScene(scene)

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.cell_clicked.emit(*cell)


class PerClassAccuracy(pg.PlotWidget):
    """Accuracy of each true class as bars (0..1), its value written over each bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("perClassAccuracy")
        self.setBackground("w")
        self.setTitle("Accuracy per class", color="k", size="9pt")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setYRange(0, HEADROOM, padding=0)
        self.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")]])
        dark_axes(self)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=QColor(90, 160, 90))
        self.addItem(self._bars)
        self.values = np.zeros(0)
        self.bar_values = BarValues(self)

    def set_values(self, accuracy: np.ndarray, classes: list[str]) -> None:
        accuracy = np.asarray(accuracy, dtype=np.float64)
        self.values = np.nan_to_num(accuracy, nan=0.0)
        self._bars.setOpts(x=np.arange(len(self.values)), height=self.values)
        self.bar_values.show(accuracy)
        self.getAxis("bottom").setTicks([list(enumerate(classes))])
        self.setXRange(-0.6, len(classes) - 0.4, padding=0)
