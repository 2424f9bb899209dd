"""Live learning curves: loss, accuracy, learning rate and per-layer gradient norms (log axis).

Every curve item is created once; `refresh()` only calls `setData`. The dashboard calls it from
its ~20 Hz timer, so however fast batches come the plots redraw at most that often.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, Qt
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from core.files.images import atomic_write
from core.train.run_data import RunData

# Series name -> (plot, colour, width, style); per-batch series are thin, per-epoch ones bold.
STYLES = {
    "train loss (batch)": ("loss", (120, 160, 220), 1, "line"),
    "train loss (epoch)": ("loss", (30, 80, 180), 2, "dots"),
    "test loss (epoch)": ("loss", (220, 110, 30), 2, "dots"),
    "train accuracy (batch)": ("accuracy", (120, 160, 220), 1, "line"),
    "train accuracy (epoch)": ("accuracy", (30, 80, 180), 2, "dots"),
    "test accuracy (epoch)": ("accuracy", (220, 110, 30), 2, "dots"),
    "learning rate": ("lr", (90, 150, 90), 2, "line"),
}
LAYER_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                 "#17becf", "#7f7f7f", "#bcbd22")
CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache
TITLES = {
    "loss": "Loss",
    "accuracy": "Accuracy",
    "lr": "Learning rate",
    "grad": "Gradient norm per layer (log)",
}


# Legends sit in rows of their own, never on top of the lines: one under the loss and accuracy
# plots (their series share colours), one under the gradient norms (a colour per layer). The
# learning-rate plot has one series, named by its title.
SERIES_LEGEND = {
    "train loss (batch)": "train, each batch",
    "train loss (epoch)": "train, each epoch",
    "test loss (epoch)": "test, each epoch",
}
GRAD_DECADES = 8  # the gradient-norm axis spans at most this many powers of ten
GRAD_CAP = 1e12  # norms above this (a diverging run) are drawn at the cap
HOVER_HINT = "Hover over a plot to read its values."


def log_ticks(low: int, high: int, most: int = 5) -> list[list[tuple[float, str]]]:
    """Ticks for a log10 axis from 10**low to 10**high: [major, minor], at most `most`
    labelled powers of ten (every k-th decade), the other decades as unlabelled minor ticks."""
    step = max(1, -(-(high - low) // max(most - 1, 1)))
    major, minor = [], []
    for exponent in range(low, high + 1):
        if (exponent - low) % step == 0:
            major.append((float(exponent), _power_label(exponent)))
        else:
            minor.append((float(exponent), ""))
    return [major, minor]


def _power_label(exponent: int) -> str:
    if -3 <= exponent <= 3:
        return f"{10.0 ** exponent:g}"
    return f"1e{exponent}"


class RowLegend(pg.LegendItem):
    """A legend in a row of the plots' layout. (pyqtgraph's own moves itself to the top-left
    corner whenever an entry is added; this one asks the layout to place it again.)"""

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph name)
        self.layout.activate()  # place the entries now, not at the next layout pass
        self.updateGeometry()


def _pen(colour, width: int, dashed: bool = False):
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(colour, width=width, style=style)


class CurvesPanel(QWidget):
    """Four plots (loss, accuracy, learning rate, gradient norms) and a hover read-out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("curvesPanel")
        self.run = RunData()
        self.comparison: RunData | None = None
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.legends: dict[str, pg.LegendItem] = {}
        for key, row, columns in (("series", 1, 4), ("grad", 3, 5)):
            legend = RowLegend(labelTextSize="8pt", colCount=columns, verSpacing=-4, frame=False)
            self.graphics.addItem(legend, row=row, col=0, colspan=2)
            legend.setCacheMode(CACHE)
            self.legends[key] = legend
        for index, key in enumerate(("loss", "accuracy", "lr", "grad")):
            row, col = 2 * (index // 2), index % 2
            plot = self.graphics.addPlot(row=row, col=col, title=TITLES[key])
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", "epoch")
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            # Ranges are set by `_fit_ranges` at most once a second: re-drawing the axes is
            # what costs most when a plot repaints, and axes only redraw when a range changes.
            plot.disableAutoRange()
            for name in ("left", "bottom"):
                plot.getAxis(name).setCacheMode(CACHE)
            plot.titleLabel.setCacheMode(CACHE)
            self.plots[key] = plot
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)
        self.plots["grad"].setLogMode(y=True)
        self._set_grad_decades(-3, 1)  # a readable empty axis until the first norms arrive
        self.epochs = 1
        self._ranges_fitted = 0.0
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.compare_curves: dict[str, pg.PlotDataItem] = {}
        for name, (key, colour, width, style) in STYLES.items():
            symbol = "o" if style == "dots" else None
            # Per-batch curves have many points: drawn without antialiasing, they paint in a
            # fraction of the time, which keeps the GUI thread free while training.
            self.curves[name] = self.plots[key].plot(
                [], [], pen=_pen(colour, width), name=name, symbol=symbol, symbolSize=5,
                symbolBrush=colour, symbolPen=None, antialias=style == "dots",
            )
            if name in SERIES_LEGEND:
                self.legends["series"].addItem(self.curves[name], SERIES_LEGEND[name])
            faded = tuple(int(c * 0.5 + 255 * 0.5) for c in colour)
            self.compare_curves[name] = self.plots[key].plot(
                [], [], pen=_pen(faded, width, dashed=True), symbol=symbol, symbolSize=4,
                symbolBrush=faded, symbolPen=None,
            )
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        self.compare_grad_curves: dict[str, pg.PlotDataItem] = {}
        # The legends' "dashed: run 1 deep_relu" entries, drawn with a dashed grey sample.
        self.compare_samples = {key: pg.PlotDataItem([], [], pen=_pen((130, 130, 130), 2, True))
                                for key in self.legends}
        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setObjectName("hoverLabel")
        self.hover_label.setTextFormat(Qt.TextFormat.PlainText)
        self.cursor_lines = {
            key: pg.InfiniteLine(angle=90, pen=pg.mkPen((150, 150, 150), style=Qt.PenStyle.DotLine))
            for key in self.plots
        }
        for key, line in self.cursor_lines.items():
            self.plots[key].addItem(line, ignoreBounds=True)
            line.hide()
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.viewport().installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.hover_label)

    # --- data ------------------------------------------------------------------------------
    def reset(self, name: str = "run", epochs: int = 1) -> None:
        """Start an empty run of `epochs` epochs (keeps the comparison)."""
        self.run = RunData(name=name)
        self.epochs = max(int(epochs), 1)
        self._ranges_fitted = 0.0
        for layer in list(self.grad_curves):
            self.plots["grad"].removeItem(self.grad_curves.pop(layer))
        self.legends["grad"].clear()
        self._label_comparison()
        self.clear_hover()
        self.refresh()

    def show_run(self, run: RunData) -> None:
        """Show a finished or loaded run as the current one."""
        epochs = max([1.0] + [max(xs) for xs, _ in run.series.values() if xs])
        self.reset(run.name, int(np.ceil(epochs)))
        self.run = run
        self.refresh(fit=True)

    def set_comparison(self, run: RunData | None) -> None:
        """Overlay another run as faded dashed curves (None removes it)."""
        self.comparison = run
        for layer in list(self.compare_grad_curves):
            self.plots["grad"].removeItem(self.compare_grad_curves.pop(layer))
        self._update_items(self.compare_curves, self.compare_grad_curves, run, faded=True)
        self._label_comparison()
        self._fit_ranges()

    def comparison_legend(self) -> str:
        """The legends' entry for the overlaid run, e.g. "dashed: run 1 deep_relu" ("" when
        there is none)."""
        return f"dashed: {self.comparison.title()}" if self.comparison is not None else ""

    def legend_texts(self, key: str) -> list[str]:
        """The entries of legend "series" or "grad", in order (what a person reads)."""
        return [label.text for _sample, label in self.legends[key].items]

    def _label_comparison(self) -> None:
        for key, legend in self.legends.items():
            sample = self.compare_samples[key]
            legend.removeItem(sample)
            if self.comparison is not None:
                legend.addItem(sample, self.comparison_legend())

    def refresh(self, fit: bool = False) -> None:
        """Push the current run's data into the curve items (call at most ~20 times a second);
        the axes follow the data at most once a second, or now if `fit`."""
        self._update_items(self.curves, self.grad_curves, self.run, faded=False)
        now = time.monotonic()
        if fit or now - self._ranges_fitted >= 1.0 or self._outside_ranges():
            self._ranges_fitted = now
            self._fit_ranges()

    def _outside_ranges(self) -> bool:
        """True when the newest points fall outside the visible ranges."""
        for key, names in (("loss", ("train loss (batch)", "test loss (epoch)")),
                           ("lr", ("learning rate",))):
            (x0, x1), (y0, y1) = self.plots[key].viewRange()
            for name in names:
                xs, ys = self.run.series[name]
                if xs and (xs[-1] > x1 or ys[-1] > y1):
                    return True
        return False

    def _fit_ranges(self) -> None:
        runs = [r for r in (self.run, self.comparison) if r is not None]
        right = float(self.epochs)
        for run in runs:
            for xs, _ in list(run.series.values()) + list(run.grad_norms.values()):
                if xs:
                    right = max(right, xs[-1])
        for plot in self.plots.values():
            plot.setXRange(0, right, padding=0.02)
        for key in ("loss", "lr"):
            names = [n for n, style in STYLES.items() if style[0] == key]
            top = max([0.0] + [max(run.series[n][1]) for run in runs for n in names
                               if run.series[n][1]])
            top = top if np.isfinite(top) and top > 0 else 1.0
            self.plots[key].setYRange(0, top * 1.05, padding=0.02)
        norms = [min(v, GRAD_CAP) for run in runs for _, ys in run.grad_norms.values()
                 for v in ys if v > 0 and not np.isnan(v)]
        if norms:
            # Whole decades, at least two, at most GRAD_DECADES below the largest norm: a run
            # that diverged keeps a readable axis.
            high = int(np.ceil(np.log10(max(norms))))
            low = max(int(np.floor(np.log10(min(norms)))), high - GRAD_DECADES)
            low = min(low, high - 2)
            self._set_grad_decades(low, high)

    def _set_grad_decades(self, low: int, high: int) -> None:
        # A quarter decade more at each end, so that the end labels are drawn too.
        self.plots["grad"].setYRange(low - 0.25, high + 0.25, padding=0)
        self.plots["grad"].getAxis("left").setTicks(log_ticks(low, high))

    def _update_items(self, curves, grad_curves, run: RunData | None, *, faded: bool) -> None:
        for name, item in curves.items():
            if run is None:
                item.setData([], [])
            else:
                item.setData(*run.arrays(name))
        if run is None:
            return
        for index, (layer, (xs, ys)) in enumerate(run.grad_norms.items()):
            item = grad_curves.get(layer)
            if item is None:
                colour = pg.mkColor(LAYER_COLOURS[index % len(LAYER_COLOURS)])
                if faded:
                    colour.setAlpha(110)
                item = self.plots["grad"].plot(
                    [], [], pen=_pen(colour, 2, dashed=faded), name=None if faded else layer,
                    symbol="o", symbolSize=4, symbolBrush=colour, symbolPen=None,
                )
                grad_curves[layer] = item
                if not faded:
                    self.legends["grad"].addItem(item, layer)
            values = np.asarray(ys, dtype=np.float64)
            values = np.clip(np.nan_to_num(values, nan=1e-12, posinf=GRAD_CAP), 1e-12, GRAD_CAP)
            item.setData(np.asarray(xs, dtype=np.float64), values)

    def point_count(self) -> int:
        """How many points the current run's curves hold (all series)."""
        return sum(len(item.xData) for item in self.curves.values() if item.xData is not None)

    # --- hover -------------------------------------------------------------------------------
    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        for key, plot in self.plots.items():
            if plot.sceneBoundingRect().contains(scene_pos):
                x = plot.vb.mapSceneToView(scene_pos).x()
                self.hover_label.setText(self.values_at(key, x))
                for line in self.cursor_lines.values():
                    line.setPos(x)
                    line.show()
                return
        self.clear_hover()

    def clear_hover(self) -> None:
        """Forget the hover read-out and the cursor lines (mouse gone, or a new run)."""
        self.hover_label.setText(HOVER_HINT)
        for line in self.cursor_lines.values():
            line.hide()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Leave:
            self.clear_hover()
        return super().eventFilter(watched, event)

    def values_at(self, key: str, x: float) -> str:
        """Text listing each series of plot `key` at the point nearest to epoch position `x`."""
        parts = []
        items = {n: c for n, c in self.curves.items() if STYLES[n][0] == key}
        if key == "grad":
            items = self.grad_curves
        for name, item in items.items():
            xs, ys = item.getOriginalDataset()
            if xs is None or not len(xs):
                continue
            nearest = int(np.argmin(np.abs(np.asarray(xs) - x)))
            parts.append(f"{name} = {float(ys[nearest]):.4g}")
        return f"epoch {x:.2f}:  " + ("   ".join(parts) if parts else "no data yet")

    # --- export ------------------------------------------------------------------------------
    def export_png(self, path: str) -> None:
        """Save the four plots as a PNG image (written atomically)."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.graphics.grab().save(buffer, "PNG")
        buffer.close()
        atomic_write(path, lambda handle: handle.write(bytes(data)))

    def export_csv(self, path: str) -> None:
        """Save every series of the current run as CSV (series, epoch, value)."""
        text = self.run.to_csv().encode("utf-8")
        atomic_write(path, lambda handle: handle.write(text))
