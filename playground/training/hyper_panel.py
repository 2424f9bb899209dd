"""Hyper-parameters of a training run: a plain `TrainingConfig` and the form that edits it."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

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

OPTIMIZERS = {"sgd": "SGD (momentum)", "adam": "Adam"}
SCHEDULES = {"constant": "constant", "step": "step (x0.5 every 2 epochs)", "cosine": "cosine"}
DEFAULT_LR = {"sgd": 0.05, "adam": 0.001}


@dataclass
class TrainingConfig:
    """Everything a run needs besides the network and the data. `train_limit`/`test_limit` = 0
    use the whole split; otherwise the first N samples (quick experiments)."""

    epochs: int = 5
    batch_size: int = 64
    optimizer: str = "sgd"
    learning_rate: float = 0.05
    momentum: float = 0.9
    schedule: str = "constant"
    weight_decay: float = 0.0
    seed: int = 0
    augment_shift: int = 0
    augment_flip: bool = False
    train_limit: int = 0
    test_limit: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainingConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def settings_from_meta(meta: dict, current: TrainingConfig) -> TrainingConfig | None:
    """The settings a saved run was trained with, from its `History.meta`: the form's values
    when the app recorded them ("settings"), else what the trainer recorded (optimiser with its
    learning rate, momentum and weight decay; batch size; epochs; seed), the rest from
    `current`. None when the history records none of them."""
    if not isinstance(meta, dict):
        return None
    if isinstance(meta.get("settings"), dict):
        merged = {**current.to_dict(), **meta["settings"]}
        try:
            return TrainingConfig.from_dict(merged)
        except TypeError:
            return None
    found: dict = {}
    optimizer = str(meta.get("optimizer") or "")
    match = re.fullmatch(r"(SGD|Adam)\((.*)\)", optimizer)
    if match:
        found["optimizer"] = match.group(1).lower()
        for key, value in re.findall(r"(\w+)=([-+0-9.eE]+)(?=[,)]|$)", match.group(2)):
            name = {"lr": "learning_rate"}.get(key, key)
            if name in ("learning_rate", "momentum", "weight_decay"):
                found[name] = float(value)
    for key in ("batch_size", "epochs", "seed"):
        if isinstance(meta.get(key), int):
            found[key] = meta[key]
    if not found:
        return None
    return TrainingConfig.from_dict({**current.to_dict(), **found})


def make_optimizer(config: TrainingConfig):
    """The core optimizer the config asks for."""
    from core.nn.optim import SGD, Adam

    if config.optimizer == "adam":
        return Adam(lr=config.learning_rate, weight_decay=config.weight_decay)
    return SGD(config.learning_rate, momentum=config.momentum, weight_decay=config.weight_decay)


def make_schedule(config: TrainingConfig):
    """The core learning-rate schedule the config asks for."""
    from core.nn.optim import ConstantLR, CosineLR, StepLR

    if config.schedule == "step":
        return StepLR(config.learning_rate, step_size=2, gamma=0.5)
    if config.schedule == "cosine":
        return CosineLR(config.learning_rate, total_epochs=config.epochs)
    return ConstantLR(config.learning_rate)


def make_augment(config: TrainingConfig) -> dict | None:
    if config.augment_shift <= 0 and not config.augment_flip:
        return None
    return {"shift": int(config.augment_shift), "flip": bool(config.augment_flip)}


class HyperPanel(QGroupBox):
    """A form for `TrainingConfig`; `config_changed` fires on every edit."""

    config_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Hyper-parameters", parent)
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
        form.addRow("Shift (px)", self.augment_shift)
        form.addRow("Augment", self.augment_flip)
        form.addRow("Train samples", self.train_limit)
        form.addRow("Test samples", self.test_limit)
        self.set_config(TrainingConfig())
        for widget in (self.epochs, self.batch_size, self.learning_rate, self.momentum,
                       self.weight_decay, self.seed, self.augment_shift, self.train_limit,
                       self.test_limit):
            widget.valueChanged.connect(self.config_changed)
        self.schedule.currentIndexChanged.connect(self.config_changed)
        self.augment_flip.toggled.connect(self.config_changed)
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_changed)

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
        other = "sgd" if key == "adam" else "adam"
        if abs(self.learning_rate.value() - DEFAULT_LR[other]) < 1e-12:
            self.learning_rate.setValue(DEFAULT_LR[key])
        self.momentum.setEnabled(key == "sgd")
        self.config_changed.emit()

    def config(self) -> TrainingConfig:
        return TrainingConfig(
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            optimizer=self.optimizer.currentData(),
            learning_rate=self.learning_rate.value(),
            momentum=self.momentum.value(),
            schedule=self.schedule.currentData(),
            weight_decay=self.weight_decay.value(),
            seed=self.seed.value(),
            augment_shift=self.augment_shift.value(),
            augment_flip=self.augment_flip.isChecked(),
            train_limit=self.train_limit.value(),
            test_limit=self.test_limit.value(),
        )

    def set_config(self, config: TrainingConfig) -> None:
        self.blockSignals(True)
        self.epochs.setValue(config.epochs)
        self.batch_size.setValue(config.batch_size)
        self.optimizer.setCurrentIndex(max(self.optimizer.findData(config.optimizer), 0))
        self.learning_rate.setValue(config.learning_rate)
        self.momentum.setValue(config.momentum)
        self.momentum.setEnabled(config.optimizer == "sgd")
        self.schedule.setCurrentIndex(max(self.schedule.findData(config.schedule), 0))
        self.weight_decay.setValue(config.weight_decay)
        self.seed.setValue(config.seed)
        self.augment_shift.setValue(config.augment_shift)
        self.augment_flip.setChecked(config.augment_flip)
        self.train_limit.setValue(config.train_limit)
        self.test_limit.setValue(config.test_limit)
        self.blockSignals(False)
        self.config_changed.emit()
