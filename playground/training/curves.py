"""Live learning curves: loss, accuracy, learning rate and per-layer gradient norms (log axis).

Every curve item is created once; `refresh()` only calls `setData`. The dashboard calls it from
its ~20 Hz timer, so however fast batches come the plots redraw at most that often. A run
compared with the current one is drawn dashed in colours of its own; a line above the plots
names both runs, and each plot has its legend in its own cell, under it.
"""

from __future__ import annotations

import html
import re
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from core.files.images import atomic_write
from core.train.run_data import RunData
from playground.training.cell_legend import CellLegend
from playground.training.curve_hover import CurveHover

# Series name -> (plot, colour, width, style, colour of a compared run); per-batch series are
# thin, per-epoch ones bold.
STYLES = {
    "train loss (batch)": ("loss", (120, 160, 220), 1, "line", (200, 165, 225)),
    "train loss (epoch)": ("loss", (30, 80, 180), 2, "dots", (125, 45, 165)),
    "test loss (epoch)": ("loss", (220, 110, 30), 2, "dots", (20, 140, 90)),
    "train accuracy (batch)": ("accuracy", (120, 160, 220), 1, "line", (200, 165, 225)),
    "train accuracy (epoch)": ("accuracy", (30, 80, 180), 2, "dots", (125, 45, 165)),
    "test accuracy (epoch)": ("accuracy", (220, 110, 30), 2, "dots", (20, 140, 90)),
    "learning rate": ("lr", (90, 150, 90), 2, "line", (125, 45, 165)),
}
LAYER_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                 "#17becf", "#7f7f7f", "#bcbd22")
COMPARE_LAYER_COLOURS = ("#7b2d8e", "#00897b", "#a0522d", "#455a64", "#c2185b", "#558b2f",
                         "#283593", "#6d4c41", "#ad1457", "#00695c")
CURRENT_COLOUR, COMPARE_COLOUR = "#1e50b4", "#7d2da5"  # the run line's samples
CURRENT_TEST, COMPARE_TEST = "#dc6e1e", "#148c5a"
CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache
TITLES = {
    "loss": "Loss",
    "accuracy": "Accuracy",
    "lr": "Learning rate",
    "grad": "Gradient norm per layer (log)",
}
TITLE_COLOUR, AXIS_COLOUR = "#1a1a1a", "#303030"
# The legend entries of the current run's series (the learning rate is named by its title).
SERIES_LEGEND = {
    "train loss (batch)": "train, batch",
    "train loss (epoch)": "train, epoch",
    "test loss (epoch)": "test, epoch",
    "train accuracy (batch)": "train, batch",
    "train accuracy (epoch)": "train, epoch",
    "test accuracy (epoch)": "test, epoch",
}
GRAD_DECADES = 8  # the gradient-norm axis spans at most this many powers of ten
GRAD_CAP = 1e12  # norms above this (a diverging run) are drawn at the cap


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


def _pen(colour, width: int, dashed: bool = False):
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(colour, width=width, style=style)


def _word(text: str, colour: str) -> str:
    return f'<span style="color:{colour}; font-weight:bold">{text}</span>'


def _sample(colour: str, dashed: bool) -> str:
    line = "╍╍╍" if dashed else "━━━"
    return f'<span style="color:{colour}; font-weight:bold">{line}</span>'


class CurvesPanel(CurveHover, QWidget):
    """Four plots (loss, accuracy, learning rate, gradient norms), a line naming the runs, and
    a read-out of the values under the mouse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("curvesPanel")
        self.run = RunData()
        self.comparison: RunData | None = None
        self.comparison_previous = False  # the compared run is the one before a change
        self.waiting = ""  # what the panel says while the current run has no points
        self.runs_line = QLabel()
        self.runs_line.setObjectName("curvesRuns")
        self.runs_line.setWordWrap(True)
        self.runs_line.setTextFormat(Qt.TextFormat.RichText)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.legends: dict[str, pg.LegendItem] = {}
        for index, key in enumerate(("loss", "accuracy", "lr", "grad")):
            cell = self.graphics.addLayout(row=index // 2, col=index % 2)
            cell.setContentsMargins(0, 0, 0, 0)
            plot = cell.addPlot(row=0, col=0)
            plot.setTitle(TITLES[key], color=TITLE_COLOUR, size="10pt")
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", "epoch", color=AXIS_COLOUR)
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.enableAutoSIPrefix(False)
                axis.setTextPen(AXIS_COLOUR)
                axis.setPen(AXIS_COLOUR)
                axis.setCacheMode(CACHE)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            # Ranges are set by `_fit_ranges` at most once a second: re-drawing the axes is
            # what costs most when a plot repaints, and axes only redraw when a range changes.
            plot.disableAutoRange()
            plot.titleLabel.setCacheMode(CACHE)
            legend = CellLegend(labelTextSize="8pt", colCount=3,
                                verSpacing=-4, frame=False, labelTextColor=AXIS_COLOUR)
            cell.addItem(legend, row=1, col=0)
            legend.setCacheMode(CACHE)
            self.plots[key], self.legends[key] = plot, legend
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)
        self.plots["grad"].setLogMode(y=True)
        self._set_grad_decades(-3, 1)  # a readable empty axis until the first norms arrive
        self.epochs = 1
        self._ranges_fitted = 0.0
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.compare_curves: dict[str, pg.PlotDataItem] = {}
        for name, (key, colour, width, style, other) in STYLES.items():
            symbol = "o" if style == "dots" else None
            # Per-batch curves have many points: drawn without antialiasing, they paint in a
            # fraction of the time, which keeps the GUI thread free while training.
            self.curves[name] = self.plots[key].plot(
                [], [], pen=_pen(colour, width), symbol=symbol, symbolSize=5,
                symbolBrush=colour, symbolPen=None, antialias=style == "dots",
            )
            self.compare_curves[name] = self.plots[key].plot(
                [], [], pen=_pen(other, width, dashed=True), symbol=symbol, symbolSize=4,
                symbolBrush=other, symbolPen=None,
            )
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        self.compare_grad_curves: dict[str, pg.PlotDataItem] = {}
        self._build_hover()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.runs_line)
        layout.addWidget(self.graphics, 1)
        self._label_runs()

    # --- data ------------------------------------------------------------------------------
    def reset(self, name: str = "run", epochs: int = 1) -> None:
        """Start an empty run of `epochs` epochs (keeps the comparison)."""
        self.show_run(RunData(name=name), epochs)

    def show_run(self, run: RunData, epochs: int | None = None) -> None:
        """Show `run` (being trained, finished or loaded) as the current one."""
        if epochs is None:
            last = [max(xs) for xs, _ in run.series.values() if xs]
            epochs = int(np.ceil(max([1.0] + last)))
        self.run = run
        self.epochs = max(int(epochs), 1)
        self._ranges_fitted = 0.0
        for layer in list(self.grad_curves):
            self.plots["grad"].removeItem(self.grad_curves.pop(layer))
        self.clear_hover()
        self.refresh(fit=True)

    def set_comparison(self, run: RunData | None, *, previous: bool = False) -> None:
        """Overlay another run, dashed in its own colours (None removes it); `previous`: it is
        the run of the network before the one about to be trained."""
        self.comparison, self.comparison_previous = run, previous and run is not None
        for layer in list(self.compare_grad_curves):
            self.plots["grad"].removeItem(self.compare_grad_curves.pop(layer))
        self._update_items(self.compare_curves, self.compare_grad_curves, run, faded=True)
        self._label_runs()
        self._fit_ranges()

    def set_waiting(self, text: str) -> None:
        """What the runs line says while the current run has no points yet."""
        self.waiting = text
        self._label_runs()

    def comparison_legend(self) -> str:
        """The compared run's name and settings, e.g. "previous run: reference, 3 epochs,
        lr 0.01" ("" when there is none)."""
        if self.comparison is None:
            return ""
        return self.comparison.legend_name(self.comparison_previous)

    def _comparison_short(self) -> str:
        """The compared run in a few letters, for the gradient legend: "prev." or "run 1"."""
        if self.comparison_previous:
            return "prev."
        name = self.comparison.name
        return name if len(name) <= 8 else name[:7] + "…"

    def legend_texts(self, key: str) -> list[str]:
        """The entries of plot `key`'s legend, in order (what a person reads)."""
        return [label.text for _sample, label in self.legends[key].items]

    def runs_text(self) -> str:
        """The runs line as plain text."""
        return html.unescape(re.sub(r"<[^>]*>", "", self.runs_line.text())).replace("\xa0", " ")

    def _label_runs(self) -> None:
        """The line naming the runs (with the colours of their train and test curves), and
        each plot's legend."""
        run = self.run
        if run.point_count() or run.grad_norms:
            current = (f"{_sample(CURRENT_COLOUR, False)} {html.escape(run.legend_name())}"
                       + (f" on {html.escape(run.data)}" if run.data else "")
                       + f" ({_word('train', CURRENT_COLOUR)}, {_word('test', CURRENT_TEST)})")
        else:
            current = html.escape(self.waiting or "No run yet: press Start to train.")
        parts = [current]
        if self.comparison is not None:
            parts.append(f"{_sample(COMPARE_COLOUR, True)} "
                         f"{html.escape(self.comparison_legend())} (dashed: "
                         f"{_word('train', COMPARE_COLOUR)}, {_word('test', COMPARE_TEST)})")
        self.runs_line.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        for legend in self.legends.values():
            legend.clear()
        for name, label in SERIES_LEGEND.items():
            self.legends[STYLES[name][0]].addItem(self.curves[name], label)
        for layer, item in self.grad_curves.items():
            self.legends["grad"].addItem(item, layer)
        if self.comparison is not None and self.compare_grad_curves:
            # One entry for all of the compared run's layers (the hover read-out names each):
            # a second list of layers would take the plot's room at 1024x768.
            sample = next(iter(self.compare_grad_curves.values()))
            self.legends["grad"].addItem(sample, f"{self._comparison_short()} (dashed)")
        self._fit_legend_columns()

    def _fit_legend_columns(self) -> None:
        """As many legend columns (1 to 4) as fit in a plot's share of the width; entries fill
        the rows left to right, so each column is as wide as its widest entry."""
        room = max(self.graphics.width(), 300) / 2 - 15
        changed = False
        for legend in self.legends.values():
            if not legend.items:
                continue
            before = legend.columnCount
            for columns in (4, 3, 2, 1):  # measured as laid out, samples and spacing included
                legend.setColumnCount(columns)
                if legend.width_needed() <= room:
                    break
            changed |= legend.columnCount != before
        if changed:  # the plots were laid out for the old legends: lay them out in the view
            for cell in {legend.parentLayoutItem() for legend in self.legends.values()}:  # grids
                cell.invalidate()  # size hints, now, not at the next layout pass
            self.graphics.ci.layout.invalidate()
            self.graphics.ci.setGeometry(QRectF(self.graphics.rect()))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_legend_columns()

    def refresh(self, fit: bool = False) -> None:
        """Push the current run's data into the curve items (call at most ~20 times a second);
        the axes follow the data at most once a second, or now if `fit`."""
        layers = len(self.grad_curves)
        had_points = bool(self.curves["train loss (batch)"].xData is not None
                          and len(self.curves["train loss (batch)"].xData))
        self._update_items(self.curves, self.grad_curves, self.run, faded=False)
        if len(self.grad_curves) != layers or had_points != bool(self.run.point_count()):
            self._label_runs()
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
                palette = COMPARE_LAYER_COLOURS if faded else LAYER_COLOURS
                colour = pg.mkColor(palette[index % len(palette)])
                item = self.plots["grad"].plot(
                    [], [], pen=_pen(colour, 2, dashed=faded), symbol="o", symbolSize=4,
                    symbolBrush=colour, symbolPen=None,
                )
                grad_curves[layer] = item
            values = np.asarray(ys, dtype=np.float64)
            values = np.clip(np.nan_to_num(values, nan=1e-12, posinf=GRAD_CAP), 1e-12, GRAD_CAP)
            item.setData(np.asarray(xs, dtype=np.float64), values)

    def point_count(self) -> int:
        """How many points the current run's curves hold (all series)."""
        return sum(len(item.xData) for item in self.curves.values() if item.xData is not None)

    def values_at(self, key: str, x: float) -> str:
        """Text listing each series of plot `key` at the point nearest to epoch position `x`."""
        parts = []
        items = {n: c for n, c in self.curves.items() if STYLES[n][0] == key}
        if key == "grad":
            items = dict(self.grad_curves)
        if self.comparison is not None:
            short = self._comparison_short()
            others = self.compare_grad_curves if key == "grad" else {
                n: c for n, c in self.compare_curves.items() if STYLES[n][0] == key}
            items.update({f"{short}: {n}": c for n, c in others.items()})
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
