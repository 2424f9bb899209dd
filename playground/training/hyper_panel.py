"""The form that edits a run's hyper-parameters: a `core.train.recipe.Recipe`."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QWidget,
)

from core.train.recipe import DEFAULT_LR, SCHEDULE_PRESETS, Recipe

OPTIMIZERS = {"SGD": "SGD (momentum)", "Adam": "Adam"}
SCHEDULES = {"constant": "constant", "step": "step (x0.5 every 2 epochs)", "cosine": "cosine"}


class HyperPanel(QGroupBox):
    """A form for a `Recipe`; `config_changed` fires on every edit. What the form does not
    show (data source, normalisation) is kept from `set_recipe`. Bound to a document
    (`bind`), every edit becomes its recipe and its recipe is shown."""

    config_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Hyper-parameters", parent)
        self.document = None
        self.setObjectName("hyperPanel")
        self.epochs = self._int(1, 500, "Passes over the whole training set")
        self.batch_size = self._int(1, 4096, "Samples per gradient step")
        self.optimizer = QComboBox()
        for key, text in OPTIMIZERS.items():
            self.optimizer.addItem(text, key)
        self.optimizer.setToolTip("SGD with momentum, or Adam (adaptive steps per weight)")
        self.learning_rate = self._float(1e-6, 1000.0, 6, "Step size; too large diverges (NaN)")
        self.momentum = self._float(0.0, 0.999, 3, "SGD momentum (0 = plain SGD)")
        self.schedule = QComboBox()
        for key, text in SCHEDULES.items():
            self.schedule.addItem(text, key)
        self.schedule.setToolTip("How the learning rate changes from epoch to epoch")
        self.weight_decay = self._float(0.0, 1.0, 6, "L2 penalty pulling weights towards 0")
        self.seed = self._int(0, 2**31 - 1, "Same seed, same data order and initial weights")
        self.clip_norm = self._float(0.0, 1e6, 2, "Scale the gradients of all weights down to "
                                     "this global norm when larger (0 = never); recurrent "
                                     "networks need it (5 is usual)")
        self.clip_norm.setSpecialValueText("off")
        self.augment_shift = self._int(0, 8, "Shift each image by up to this many pixels")
        self.augment_flip = QCheckBox("mirror left-right")
        self.augment_flip.setToolTip("Randomly flip images (not for digits!)")
        self.train_limit = self._int(0, 10_000_000, "Use the first N training samples (0 = all)")
        self.test_limit = self._int(0, 10_000_000, "Use only the first N test samples (0 = all)")
        self.train_limit.setSpecialValueText("all")
        self.test_limit.setSpecialValueText("all")
        form = QFormLayout(self)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Momentum", self.momentum)
        form.addRow("Schedule", self.schedule)
        form.addRow("Weight decay", self.weight_decay)
        form.addRow("Seed", self.seed)
        form.addRow("Clip gradients", self.clip_norm)
        form.addRow("Shift (px)", self.augment_shift)
        form.addRow("Augment", self.augment_flip)
        form.addRow("Train samples", self.train_limit)
        form.addRow("Test samples", self.test_limit)
        self._base = Recipe()
        self.set_recipe(Recipe())
        for widget in (self.epochs, self.batch_size, self.learning_rate, self.momentum,
                       self.weight_decay, self.seed, self.clip_norm, self.augment_shift,
                       self.train_limit, self.test_limit):
            widget.valueChanged.connect(self.config_changed)
        self.schedule.currentIndexChanged.connect(self.config_changed)
        self.augment_flip.toggled.connect(self.config_changed)
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_changed)

    def bind(self, document) -> None:
        """Edit `document`'s recipe: the form shows it and every edit goes into it."""
        self.document = document
        self.set_recipe(document.recipe)
        self.config_changed.connect(lambda: document.set_recipe(self.recipe()))
        document.recipe_changed.connect(self._on_document_changed)
        document.set_recipe(self.recipe())

    def _on_document_changed(self) -> None:
        if self.document.recipe != self.recipe():
            self.set_recipe(self.document.recipe)

    def _int(self, low: int, high: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setToolTip(tip)
        return box

    def _float(self, low: float, high: float, decimals: int, tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(low, high)
        box.setDecimals(decimals)
        box.setSingleStep(10 ** -(decimals - 2) if decimals > 2 else 0.1)
        box.setToolTip(tip)
        return box

    def _on_optimizer_changed(self) -> None:
        key = self.optimizer.currentData()
        other = "SGD" if key == "Adam" else "Adam"
        if abs(self.learning_rate.value() - DEFAULT_LR[other]) < 1e-12:
            self.learning_rate.setValue(DEFAULT_LR[key])
        self.momentum.setEnabled(key == "SGD")
        self.config_changed.emit()

    def recipe(self) -> Recipe:
        """The recipe the form shows."""
        kind, lr, decay = self.optimizer.currentData(), self.learning_rate.value(), (
            self.weight_decay.value())
        config = ({"lr": lr, "momentum": self.momentum.value(), "weight_decay": decay}
                  if kind == "SGD" else {"lr": lr, "weight_decay": decay})
        return replace(
            self._base,
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            optimizer={"class": kind, "config": config},
            schedule=SCHEDULE_PRESETS[self.schedule.currentData()],
            seed=self.seed.value(),
            clip_norm=float(self.clip_norm.value()),
            shift=self.augment_shift.value(),
            flip=self.augment_flip.isChecked(),
            train_limit=self.train_limit.value(),
            test_limit=self.test_limit.value(),
        )

    def set_recipe(self, recipe: Recipe) -> None:
        """Show `recipe` (its schedule as the nearest of the form's choices)."""
        self._base = recipe
        config = recipe.optimizer.get("config", {})
        kind = recipe.optimizer.get("class", "SGD")
        schedule = next((key for key, preset in SCHEDULE_PRESETS.items()
                         if preset == recipe.schedule), None) or next(
            (key for key, preset in SCHEDULE_PRESETS.items()
             if preset["class"] == recipe.schedule.get("class")), "constant")
        self.blockSignals(True)
        self.epochs.setValue(recipe.epochs)
        self.batch_size.setValue(recipe.batch_size)
        self.optimizer.setCurrentIndex(max(self.optimizer.findData(kind), 0))
        self.learning_rate.setValue(recipe.learning_rate)
        self.momentum.setValue(config.get("momentum", self.momentum.value()))
        self.momentum.setEnabled(kind == "SGD")
        self.schedule.setCurrentIndex(max(self.schedule.findData(schedule), 0))
        self.weight_decay.setValue(config.get("weight_decay", 0.0))
        self.seed.setValue(recipe.seed)
        self.clip_norm.setValue(float(recipe.clip_norm))
        self.augment_shift.setValue(recipe.shift)
        self.augment_flip.setChecked(recipe.flip)
        self.train_limit.setValue(recipe.train_limit)
        self.test_limit.setValue(recipe.test_limit)
        self.blockSignals(False)
        self.config_changed.emit()
