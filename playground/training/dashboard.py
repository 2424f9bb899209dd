"""The Training tab: pick data and settings, train on a worker thread, watch the network learn.

Data flows one way: spec -> model -> worker (Trainer.run on a QThread) -> queued event dicts ->
a queue drained ~20 times a second by a QTimer -> plots and views. The views never touch the
model being trained: they run a private copy loaded from the worker's weight snapshots.
The views live in `training_views`, the run's events in `dashboard_events`, the files in
`dashboard_files`.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.nn.templates import default_spec
from core.train.bundle import Preprocessing
from core.train.fitting import fit_to_data
from core.train.recipe import Recipe, prepare_data
from core.train.run_data import RunData
from core.train.run_setup import build_trainer, model_for, network_difference
from playground.training.builder_link import BuilderLink
from playground.training.controls import TrainingControls
from playground.training.dashboard_events import DashboardEvents
from playground.training.dashboard_files import DashboardFiles
from playground.training.dataset_panel import DatasetPanel
from playground.training.files_box import NetworkFilesBox, default_file_name
from playground.training.hyper_panel import HyperPanel
from playground.training.training_views import TrainingViews
from playground.training.training_worker import TrainingWorker
from playground.widgets.background import CLOSE_GRACE_MS
from playground.widgets.messages import show_error

DRAIN_MS = 50  # the views redraw at most 20 times a second


CHANGED_TEXT = {
    "blocks": "The network was changed in the builder: Start trains it from fresh weights.",
    "input": "The data set does not fit the trained network: Start trains fresh weights.",
}


class TrainingDashboard(DashboardEvents, DashboardFiles, QWidget):
    """The tab. Public for other tabs and tests: `set_spec`, `start`, `pause`, `resume`, `stop`,
    `reset`, `save_model`, `open_model`, `shutdown`, and the signals below."""

    training_started = Signal()
    training_finished = Signal(dict)  # {"history", "weights", "probabilities"}
    epoch_finished = Signal(dict)
    views_updated = Signal()  # after each drain that changed something
    model_opened = Signal(dict)  # the spec of a model opened from files

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingDashboard")
        self.spec = default_spec()
        self.model = None  # the network trained (only touched here when no run is active)
        self.model_saved = True  # False once training changed the weights since a save
        self.history = None
        self.worker: TrainingWorker | None = None  # the current or last run
        self.runs: list[RunData] = []
        self.last_error = ""
        self._config: Recipe | None = None
        self.recipe: Recipe | None = None  # how the trained model was trained
        self.preprocessing: Preprocessing | None = None  # how its inputs are prepared
        self._test = None
        self._pending: dict = {"batches": [], "epochs": [], "stats": [], "snapshot": None}
        self._started_at = 0.0
        self._last_progress = 0.0
        self.builder_link: BuilderLink | None = None
        self._start_when_loaded = False
        self._ended_text = ""  # how the last run ended (or which model was opened)
        self._build_ui()
        self.dataset_panel.network = lambda: self.spec  # images sized for the network to train
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(DRAIN_MS)
        self._drain_timer.timeout.connect(self.drain)
        self.dataset_panel.dataset_loaded.connect(self._on_dataset_loaded)
        self.controls.start_requested.connect(self.start)
        self.controls.pause_requested.connect(self.pause)
        self.controls.resume_requested.connect(self.resume)
        self.controls.stop_requested.connect(self.stop)
        self.controls.reset_requested.connect(self.reset)
        self._show_network()

    # ------------------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self.dataset_panel = DatasetPanel()
        self.hyper_panel = HyperPanel()
        self.controls = TrainingControls()
        self.files_box = NetworkFilesBox()
        self.network_label = self.files_box.network_label
        self.files_box.save_requested.connect(self._on_save_requested)
        self.files_box.open_requested.connect(self._on_open_requested)
        self.files_box.export_requested.connect(self._on_export_requested)
        self.files_box.comparison_changed.connect(self._on_comparison_changed)
        self.files_box.compare_file_requested.connect(self._on_compare_file_requested)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.controls, self.files_box, self.dataset_panel, self.hyper_panel):
            side_layout.addWidget(widget)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(345)
        scroll.setMaximumWidth(420)

        self.views = TrainingViews()
        self.curves = self.views.curves
        self.filters_view = self.views.filters_view
        self.feature_maps = self.views.feature_maps
        self.results = self.views.results
        self.try_it = self.views.try_it
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        layout.addWidget(self.views, 1)

    @property
    def shadow(self):
        """The views' private copy of the trained model (None before a run)."""
        return self.views.shadow

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Load the default data set the first time the tab is shown."""
        super().showEvent(event)
        if self.dataset_panel.train is None and not self.dataset_panel.is_loading():
            self.dataset_panel.load()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Shown as a window of its own: stop and wait for the workers before closing."""
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------------------ inputs
    def set_spec(self, spec: dict) -> None:
        """Use this network (from the builder) for the next Start; a new one starts fresh."""
        if self.is_training():
            self.last_error = "Stop the current training before changing the network."
            show_error(self, "Training is running", self.last_error)
            return
        if spec != self.spec:
            # The trained model is kept: Start continues it while the network still matches
            # (an edit undone in the builder brings "Continue" back), else trains fresh weights.
            self.spec = copy.deepcopy(spec)
        self._show_network()

    def attach_builder(self, builder) -> None:
        """Work with the network builder tab (see `builder_link`)."""
        self.builder_link = BuilderLink(self, builder)

    def start_when_ready(self) -> None:
        """Start now, or as soon as the data set has loaded."""
        if self.is_training():
            return
        if self.dataset_panel.train is not None:
            self.start()
            return
        self._start_when_loaded = True
        if not self.dataset_panel.is_loading():
            self.dataset_panel.load()

    def show_learned(self, index: int) -> None:
        """Show what block `index` learned: its filters (conv) or its feature maps."""
        self.views.show_learned(index)

    def _on_dataset_loaded(self, train, test) -> None:
        self.feature_maps.set_data(test.images, test.labels, test.class_names)
        self.views.unrolled_link.set_data(test)
        self._show_network()
        if self._start_when_loaded:
            self._start_when_loaded = False
            self.start()

    def network_difference(self) -> str:
        """"" when Start continues the trained model; else "none" (no trained model),
        "blocks" (the network changed) or "input" (the data set does not fit it)."""
        if self.is_training():
            return ""
        return network_difference(self.spec, self.model, self.dataset_panel.train)

    def _show_network(self) -> None:
        """The network label, the Start/Continue button and, after a run, why Start would not
        continue it."""
        name = self.spec.get("name", "network")
        blocks = " → ".join(layer["class"] for layer in self.spec.get("layers", []))
        difference = self.network_difference()
        state = ("training" if self.is_training() else
                 "trained weights" if not difference else "fresh weights at Start")
        self.network_label.setText(f"<b>{name}</b> ({state})<br><small>{blocks}</small>")
        self.files_box.save_name = default_file_name(name)
        self.views.unrolled_link.show_network(
            self.spec, self.dataset_panel.train, trained=not difference,
            seed=self.hyper_panel.seed.value(), running=self.is_training())
        if self.is_training():
            return
        self.controls.set_continues(not difference)
        if self.controls.state == "finished":
            self.controls.readout.setText(CHANGED_TEXT.get(difference, self._ended_text))

    # ------------------------------------------------------------------------------ control
    def is_training(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def start(self) -> bool:
        """Start (or continue) training with the current settings; False with a message when it
        cannot start."""
        if self.is_training():
            return False
        if self.builder_link is not None:
            self.builder_link.follow()
        train, test = self.dataset_panel.train, self.dataset_panel.test
        if train is None:
            return self._refuse("No data set yet: wait for it to load, or press Load.")
        config = self.hyper_panel.recipe()
        try:
            fitted = fit_to_data(self.spec, train)  # a new network follows the data set
            spec, note = fitted.spec, fitted.note
            model = model_for(spec, config, self.model)  # the one network built, if any
            config, train, test = prepare_data(self._recipe_for(config, model), train, test)
            worker = TrainingWorker(lambda **callbacks: build_trainer(
                config, model, train, test, callbacks=callbacks), model, test.images)
        except (ValueError, TypeError) as error:
            return self._refuse(str(error))
        self.spec, self.model, self._config, self._test = spec, model, config, test
        self.recipe, self.preprocessing = config, Preprocessing.of_data(train)
        self._make_shadow(model)
        self.curves.reset(f"run {len(self.runs) + 1}", config.epochs)
        self._name_current_run(str(spec.get("name", "network")), train.name)
        self._listen_to(worker)
        if self.worker is not None:
            self.worker.discard()
        worker.setParent(self)
        self.worker = worker
        self.last_error = ""
        self._started_at = time.monotonic()
        self.controls.set_state("running")
        self.controls.show_progress(0, 1, "Starting… " + note)
        self._set_editing_enabled(False)
        self.worker.start()
        self._show_network()
        self._drain_timer.start()
        self.training_started.emit()
        return True

    def _recipe_for(self, recipe: Recipe, model) -> Recipe:
        """The form's recipe on the loaded data; a model trained further keeps the
        preprocessing it was trained with."""
        recipe = replace(recipe, data=self.dataset_panel.source())
        if model is self.model and self.preprocessing is not None:
            recipe = recipe.with_preprocessing(self.preprocessing.mean, self.preprocessing.std)
        return recipe

    def _refuse(self, message: str) -> bool:
        self.last_error = message
        self.controls.readout.setText(message)
        show_error(self, "Cannot start training", message)
        return False

    def _make_shadow(self, model) -> None:
        train = self.dataset_panel.train
        self.views.set_model(model, self.preprocessing,
                             train.class_names if train is not None else None)

    def pause(self) -> None:
        if self.is_training() and self.controls.state == "running":
            self.worker.pause()
            self.controls.set_state("paused")
            self.controls.readout.setText("Paused. " + self.controls.readout.text())

    def resume(self) -> None:
        if self.is_training() and self.controls.state == "paused":
            self.worker.resume()
            self.controls.set_state("running")

    def stop(self) -> None:
        """Stop after the current batch; the weights learned so far are kept."""
        if self.is_training():
            self.worker.stop()
            self.controls.set_state("stopping")
            self.controls.readout.setText("Stopping after this batch…")

    def reset(self) -> None:
        """Forget the trained weights and the current curves (earlier runs stay comparable)."""
        if self.is_training():
            return
        self.model = None
        self.history = None
        self.curves.reset("run")
        self._list_runs()
        self.views.forget_model()
        self.controls.set_state("idle")
        self.controls.show_progress(0, 1, "Reset: Start trains fresh weights.")
        self._show_network()

    def shutdown(self, grace_ms: int = CLOSE_GRACE_MS) -> bool:
        """Stop training and loading and wait up to `grace_ms` for their threads (the window is
        closing); a batch still running then is abandoned, never waited for. True if all ended."""
        self._drain_timer.stop()
        self.dataset_panel.shutdown()
        self.views.unrolled.shutdown()
        if self.worker is None:
            return True
        return self.worker.stop_or_abandon(grace_ms)

    def _set_editing_enabled(self, enabled: bool) -> None:
        self.hyper_panel.setEnabled(enabled)
        self.dataset_panel.setEnabled(enabled)
        self.files_box.set_files_enabled(enabled)
