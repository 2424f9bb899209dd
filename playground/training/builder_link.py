"""Keep the Training tab and the network builder tab in step.

The builder's Train button brings its network here (loading the data first if needed) and
waits for Start with the settings it will use written out; its "Show what it learned" opens
the matching view; a data set loaded here becomes the builder's
input and classes; a model opened here is shown in the builder; every edit in the builder is
taken at once (after the run, if one is going), so the tab can say whether Start continues the
trained weights or starts fresh ones.
"""

from __future__ import annotations

import copy
import json

from PySide6.QtCore import QObject


class BuilderLink(QObject):
    """Connects one `TrainingDashboard` to one builder tab (`train_requested(spec)`,
    `show_learned_requested(index)`, `spec()`, `bind_dataset(...)`, `document`)."""

    def __init__(self, dashboard, builder) -> None:
        super().__init__(dashboard)
        self.dashboard = dashboard
        self.builder = builder
        self.taken: dict | None = None  # the builder's spec when last adopted
        builder.train_requested.connect(self._on_train_requested)
        builder.show_learned_requested.connect(dashboard.show_learned)
        dashboard.dataset_panel.dataset_loaded.connect(self._on_dataset_loaded)
        dashboard.model_opened.connect(self._on_model_opened)
        document = getattr(builder, "document", None)
        if document is not None and hasattr(document, "spec_changed"):
            document.spec_changed.connect(self._on_builder_changed)

    def _on_builder_changed(self) -> None:
        if not self.dashboard.is_training():  # a running run takes the edit when it ends
            self.follow()

    def follow(self) -> None:
        """Adopt the builder's network if it changed since it was last adopted."""
        spec = self.builder.spec()
        if spec != self.taken:
            self.taken = copy.deepcopy(spec)
            self.dashboard.set_spec(spec)

    def _on_train_requested(self, spec: dict) -> None:
        self.taken = copy.deepcopy(spec)
        self.dashboard.prepare_to_train(spec)

    def _on_dataset_loaded(self, train, _test) -> None:
        document = self.builder.document
        same = (tuple(document.input_shape) == tuple(train.shape)
                and list(document.classes) == list(train.class_names))
        if not same:
            self.builder.bind_dataset(*train.shape, train.class_names)

    def _on_model_opened(self, spec: dict) -> None:
        self.builder.document.load_spec(json.loads(json.dumps(spec)), "Open trained network")
        self.taken = self.builder.spec()
