"""The Training tab's views: curves and filters, feature maps, results and Try it, as tabs.

The views never touch the model being trained: they run a private copy (the shadow), loaded
from the worker's weight snapshots, and recompute the costly ones only when their tab shows.
They follow the tab's `TrainingDocument` (`bind`): while its trained model is stale (the
network changed) they show the new network's empty state and name the previous run, never
its numbers as current; when the change is undone they show the model again.
"""

from __future__ import annotations

import copy
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from core.train.run_data import RunData
from playground.training.curves import CurvesPanel
from playground.training.feature_maps import FeatureMapsView
from playground.training.filters_view import FiltersView, conv_layers
from playground.training.insight_lines import InsightLines, class_count, with_lines
from playground.training.results_view import ResultsView
from playground.training.try_it import TryItPanel
from playground.training.unrolled_link import UnrolledLink

FEATURE_MAP_SECONDS = 0.5  # feature maps are recomputed at most twice a second


class TrainingViews(QTabWidget):
    """The view tabs and the shadow model they draw from (`shadow`, None before a run)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingViews")
        self.shadow = None  # the views' private copy
        self.document = None
        self.stale = False  # the shadow is the previous network's: its views are hidden
        self._classes: list[str] | None = None
        self._preprocessing = None
        self._last_maps = 0.0
        self.curves = CurvesPanel()
        self.filters_view = FiltersView(columns=8)
        live = QSplitter(Qt.Orientation.Vertical)
        self.insights = InsightLines.following(self.curves, lambda: class_count(self.shadow))
        live.addWidget(with_lines(self.curves, self.insights))
        live.addWidget(self.filters_view)
        live.setStretchFactor(0, 3)
        live.setStretchFactor(1, 1)
        self.feature_maps = FeatureMapsView()
        self.results = ResultsView()
        self.try_it = TryItPanel()
        self.addTab(live, "Curves and filters")
        self.addTab(self.feature_maps, "Feature maps")
        self.addTab(self.results, "Results")
        self.addTab(self.try_it, "Try it")
        self.unrolled_link = UnrolledLink(self)  # the "Unrolled" tab, for recurrent networks
        self.unrolled = self.unrolled_link.view
        self.currentChanged.connect(lambda _i: self.refresh(force=True))
        self.feature_maps.filter_traced.connect(self.filters_view.highlight_filter)
        self.filters_view.filter_clicked.connect(self._show_maps_of)

    def _show_maps_of(self, key: str, index: int) -> None:
        """A filter was clicked: show the maps it makes, outlined."""
        self.feature_maps.trace_filter(key, index)
        self.setCurrentWidget(self.feature_maps)

    def set_model(self, model, preprocessing, classes: list[str] | None) -> None:
        """Show a copy of `model`, its inputs prepared by `preprocessing` (a bundle's
        `Preprocessing` or None); `classes` name its outputs when the model does not."""
        self.shadow = copy.deepcopy(model)  # the views' private copy, weights and all
        self._preprocessing, self._classes = preprocessing, classes
        self.stale = False
        self._show_shadow()

    def _show_shadow(self) -> None:
        """Lay the views out for the shadow (again)."""
        layers = conv_layers(self.shadow)
        self.filters_view.set_layers(layers, self.shadow.spec())
        self.filters_view.setVisible(bool(layers))  # an MLP has no filters: give the room to curves
        self.filters_view.set_weights(self.shadow.get_weights())
        pre = self._preprocessing  # the model's, not the loaded data set's
        self.feature_maps.set_model(self.shadow, pre.apply if pre is not None else None)
        classes = self.shadow.classes or self._classes
        self.try_it.set_model(self.shadow, classes, pre)
        self.unrolled_link.prepare = pre.apply if pre is not None else None

    def set_stale(self, network: str | None) -> None:
        """Hide the views of the shadow while the network to train (`network`) is another
        one; None shows them again."""
        stale = network is not None and self.shadow is not None
        if stale == self.stale:
            if stale:
                self._say_stale(network)
            return
        self.stale = stale
        if stale:
            self.feature_maps.set_model(None)
            self.try_it.set_model(None)
            self.filters_view.setVisible(True)
            self._say_stale(network)
        else:
            self._show_shadow()

    def _say_stale(self, network: str) -> None:
        self.filters_view.set_layers([], {})
        self.filters_view.clear(f"The network changed: the filters {network} learns appear "
                                "here when it trains.")

    def show_weights(self, weights: dict, *, force: bool = False) -> None:
        """Load a snapshot of the trained weights into the shadow and redraw what shows."""
        if self.shadow is None or self.stale:
            return
        self.shadow.set_weights(weights)
        self.filters_view.set_weights(weights)
        self.refresh(force=force)

    def refresh(self, force: bool = False) -> None:
        """Recompute the feature maps / drawing prediction if their tab is showing."""
        if self.shadow is None or self.stale:
            return
        current = self.currentWidget()
        now = time.monotonic()
        if not force and now - self._last_maps < FEATURE_MAP_SECONDS:
            return
        self._last_maps = now
        if current is self.feature_maps:
            self.feature_maps.refresh()
        elif current is self.try_it:
            self.try_it.update_prediction()
        elif current is self.unrolled:
            self.unrolled_link.show_shadow()

    def forget_model(self) -> None:
        """Drop the shadow: filters, feature maps, Try it and results wait for the next run."""
        self.shadow = None
        self.stale = False
        self.filters_view.set_layers([], {})
        self.filters_view.clear("Reset: the filters of the next run appear when it starts.")
        self.feature_maps.set_model(None)
        self.try_it.set_model(None)
        self.results.clear("Reset: the results of the next run appear when it ends.")

    def show_learned(self, index: int) -> None:
        """Show what block `index` learned: its filters (conv) or its feature maps."""
        key = f"{index}.weight"
        if self.filters_view.select_layer(key):
            self.setCurrentIndex(0)
        else:
            self.setCurrentWidget(self.feature_maps)

    # ---- following the document -----------------------------------------------------------
    def bind(self, document) -> None:
        """Follow a `TrainingDocument`: the runs the curves show, staleness, the results."""
        self.document = document
        document.state_changed.connect(self._follow)
        document.runs_changed.connect(self._follow)
        self._follow()

    def _follow(self) -> None:
        document = self.document
        state, network = document.state, document.network_name()
        self.set_stale(network if state == "stale" else None)
        shown = document.shown_run()
        if shown is None:
            shown = RunData(name="next run")
        if shown is not self.curves.run:
            self.curves.show_run(shown, shown.epochs or None)
        comparison = document.shown_comparison()
        previous = document.comparison_is_previous()
        if (comparison is not self.curves.comparison
                or previous != self.curves.comparison_previous):
            self.curves.set_comparison(comparison, previous=previous)
        self.curves.set_waiting(f"{network} has not been trained yet: press Start."
                                if document.model is None or state == "stale" else
                                "No curves for this model.")
        if state in ("running", "paused", "stopping"):
            self.results.set_note(f"Training {network}: its results on the test images appear "
                                  "here when the run ends (Stop ends it early and keeps what it "
                                  "learned).")
        elif state == "stale":
            self.results.set_note(
                f"The network changed: the results of {network} appear here when it has been "
                f"trained. (The previous run's, {document.run.label()}, are hidden; undo the "
                "change in the builder to see them again.)")
        else:
            self.results.set_note(None)
