"""The Training tab: pick data and settings, train on a worker thread, watch the network learn.

Data flows one way: spec -> model -> worker (Trainer.run on a QThread) -> queued event dicts ->
a queue drained ~20 times a second by a QTimer -> plots and views. The views never touch the
model being trained: they run a private copy loaded from the worker's weight snapshots.
The tab's state is one `TrainingDocument` (`training_document`) that the panels and views
follow. The views live in `training_views`, the run's events in `dashboard_events`, the files in
`dashboard_files`, what the tab asks before it starts or forgets work in `dashboard_asking`.
"""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.train.bundle import Preprocessing
from core.train.fitting import fit_to_data
from core.train.recipe import Recipe, prepare_data
from core.train.run_setup import build_trainer, model_for
from playground.training.builder_link import BuilderLink
from playground.training.controls import TrainingControls
from playground.training.dashboard_asking import DashboardAsking
from playground.training.dashboard_events import DashboardEvents
from playground.training.dashboard_files import DashboardFiles
from playground.training.dataset_panel import DatasetPanel
from playground.training.files_box import NetworkFilesBox, default_file_name
from playground.training.hyper_panel import HyperPanel
from playground.training.training_document import TrainingDocument
from playground.training.training_views import TrainingViews
from playground.training.training_worker import TrainingWorker
from playground.widgets.background import CLOSE_GRACE_MS
from playground.widgets.messages import show_error

DRAIN_MS = 50  # the views redraw at most 20 times a second


class TrainingDashboard(DashboardAsking, DashboardEvents, DashboardFiles, QWidget):
    """The tab. Its state is `document` (a `TrainingDocument`); the panels and views follow
    it. Public for other tabs and tests: `set_spec`, `prepare_to_train`, `start`, `pause`,
    `resume`, `stop`, `reset`, `request_reset`, `save_model`, `open_model`, `shutdown`, and the
    signals below."""

    training_started = Signal()
    training_finished = Signal(dict)  # {"history", "weights", "probabilities"}
    epoch_finished = Signal(dict)
    views_updated = Signal()  # after each drain that changed something
    model_opened = Signal(dict)  # the spec of a model opened from files

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingDashboard")
        self.document = TrainingDocument(self)
        self.worker: TrainingWorker | None = None  # the current or last run
        self.last_error = ""
        self._pending: dict = {"batches": [], "epochs": [], "stats": [], "snapshot": None}
        self._started_at = 0.0
        self._last_progress = 0.0
        self.builder_link: BuilderLink | None = None
        self._start_when_loaded = False
        self._awaiting_start = False  # the read-out shows the settings Start will use
        self._build_ui()
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(DRAIN_MS)
        self._drain_timer.timeout.connect(self.drain)
        self.dataset_panel.dataset_loaded.connect(self._on_dataset_loaded)
        self.controls.start_requested.connect(self.start)
        self.controls.pause_requested.connect(self.pause)
        self.controls.resume_requested.connect(self.resume)
        self.controls.stop_requested.connect(self.stop)
        self.controls.reset_requested.connect(self.request_reset)
        for signal in (self.document.spec_changed, self.document.state_changed):
            signal.connect(self._show_network)
        self.document.data_changed.connect(self._on_data_changed)
        self.document.recipe_changed.connect(self._show_settings)
        self.document.runs_changed.connect(self._list_runs)
        self._show_network()

    # ---- the document's state, by name ---------------------------------------------------
    @property
    def spec(self) -> dict:
        """The network the next Start trains."""
        return self.document.spec

    @property
    def model(self):
        """The trained network (None before a run)."""
        return self.document.model

    @property
    def history(self):
        return self.document.history

    @property
    def recipe(self) -> Recipe | None:
        """How the trained model was trained."""
        return self.document.model_recipe

    @property
    def preprocessing(self) -> Preprocessing | None:
        return self.document.preprocessing

    @property
    def runs(self) -> list:
        return self.document.runs

    @property
    def _test(self):
        """The test split as the trained model sees it (prepared as in its run)."""
        return self.document.run_test

    # ------------------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self.dataset_panel = DatasetPanel(self.document)
        self.hyper_panel = HyperPanel()
        self.hyper_panel.bind(self.document)
        self.controls = TrainingControls()
        self.controls.bind(self.document)
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
        self.views.bind(self.document)
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
        # The trained model is kept: Start continues it while the network still matches
        # (an edit undone in the builder brings "Continue" back), else trains fresh weights.
        self.document.set_spec(spec)

    def attach_builder(self, builder) -> None:
        """Work with the network builder tab (see `builder_link`)."""
        self.builder_link = BuilderLink(self, builder)

    def start_when_ready(self) -> None:
        """Start now, or as soon as the data set has loaded."""
        if self.is_training():
            return
        if self.document.train is not None:
            self.start()
            return
        self._start_when_loaded = True
        if not self.dataset_panel.is_loading():
            self.dataset_panel.load()

    def show_learned(self, index: int) -> None:
        """Show what block `index` learned: its filters (conv) or its feature maps."""
        self.views.show_learned(index)

    def _on_data_changed(self) -> None:
        test = self.document.test
        self.feature_maps.set_data(test.images, test.labels, test.class_names)
        self.views.unrolled_link.set_data(test)
        self._show_network()
        self._show_settings()

    def _on_dataset_loaded(self, _train, _test) -> None:
        if self._start_when_loaded:
            self._start_when_loaded = False
            self.start()

    def network_difference(self) -> str:
        """"" when Start continues the trained model; else "none" (no trained model),
        "blocks" (the network changed) or "input" (the data set does not fit it)."""
        return self.document.difference()

    def _show_network(self) -> None:
        """The network label, the file name offered by Save, the Unrolled view."""
        document = self.document
        spec, name = document.spec, document.network_name()
        blocks = " → ".join(layer["class"] for layer in spec.get("layers", []))
        difference = document.difference()
        state = ("training" if self.is_training() else
                 "trained weights" if not difference else "fresh weights at Start")
        self.network_label.setText(f"<b>{name}</b> ({state})<br><small>{blocks}</small>")
        self.files_box.save_name = default_file_name(name)
        self.views.unrolled_link.show_network(
            spec, document.train, trained=not difference,
            seed=self.hyper_panel.seed.value(), running=self.is_training())

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
        document = self.document
        train, test = document.train, document.test
        if train is None:
            return self._refuse("No data set yet: wait for it to load, or press Load.")
        config = document.recipe
        try:
            fitted = fit_to_data(document.spec, train)  # a new network follows the data set
            spec, note = fitted.spec, fitted.note
            model = model_for(spec, config, document.model)  # the one network built, if any
            config, train, test = prepare_data(self._recipe_for(config, model), train, test)
            worker = TrainingWorker(lambda **callbacks: build_trainer(
                config, model, train, test, callbacks=callbacks), model, test.images)
        except (ValueError, TypeError) as error:
            return self._refuse(str(error))
        self._listen_to(worker)
        if self.worker is not None:
            self.worker.discard()
        worker.setParent(self)
        self.worker = worker
        self.last_error = ""
        self._started_at = time.monotonic()
        self._awaiting_start = False
        self.controls.start_button.setDefault(False)
        run = document.new_run(train.name)
        run.epochs = config.epochs
        document.run_test = test
        self.views.set_model(model, Preprocessing.of_data(train), train.class_names)
        document.begin_run(spec, model, config, Preprocessing.of_data(train), run)
        document.set_progress(0, 1, "Starting… " + note)
        self._set_editing_enabled(False)
        self.worker.start()
        self._show_network()
        self._drain_timer.start()
        self.training_started.emit()
        return True

    def _recipe_for(self, recipe: Recipe, model) -> Recipe:
        """The form's recipe on the loaded data; a model trained further keeps the
        preprocessing it was trained with."""
        recipe = replace(recipe, data=self.document.data_source or recipe.data)
        if model is self.model and self.preprocessing is not None:
            recipe = recipe.with_preprocessing(self.preprocessing.mean, self.preprocessing.std)
        return recipe

    def _refuse(self, message: str) -> bool:
        self.last_error = message
        self.document.say(message)
        show_error(self, "Cannot start training", message)
        return False

    def pause(self) -> None:
        if self.is_training() and self.document.state == "running":
            self.worker.pause()
            self.document.set_phase("paused")
            self._show_progress(force=True)

    def resume(self) -> None:
        if self.is_training() and self.document.state == "paused":
            self.worker.resume()
            self.document.set_phase("running")
            self._show_progress(force=True)

    def stop(self) -> None:
        """Stop after the current batch; the weights learned so far are kept."""
        if self.is_training():
            self.worker.stop()
            self.document.set_phase("stopping")
            self.document.say("Stopping after this batch…")

    def reset(self) -> None:
        """Forget the trained weights and the current curves (earlier runs stay comparable)."""
        if self.is_training():
            return
        self.views.forget_model()
        self.document.forget_model()

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
