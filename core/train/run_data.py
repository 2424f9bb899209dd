"""The numbers of one training run as the plots need them: series of (x, value), x in epochs.

A plain object (no Qt) filled from the trainer's event dicts as they arrive, or from a saved
`History`, so that a finished run can be compared with the current one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

SERIES = (
    "train loss (batch)",
    "train accuracy (batch)",
    "learning rate",
    "train loss (epoch)",
    "test loss (epoch)",
    "train accuracy (epoch)",
    "test accuracy (epoch)",
)


def batch_position(event: dict) -> float:
    """Where a batch event sits on an axis counted in epochs: epoch 1's last batch is at 1.0."""
    batches = max(int(event.get("batches") or 1), 1)
    return (int(event["epoch"]) - 1) + (int(event["batch"])) / batches


@dataclass
class RunData:
    """Every series of one run; `grad_norms` maps a layer name to its (x, norm) series."""

    name: str = "run"
    series: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    grad_norms: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    batches_per_epoch: int = 1
    stop_reason: str = ""
    network: str = ""  # the network's name, e.g. "deep_relu"
    data: str = ""  # the data set trained on, e.g. "MNIST 5k"
    epochs: int = 0  # how many epochs the run was set to (0: not known)
    learning_rate: float | None = None  # the base learning rate (None: not known)

    def __post_init__(self) -> None:
        for name in SERIES:
            self.series.setdefault(name, ([], []))

    def _append(self, name: str, x: float, value) -> None:
        if value is None:
            return
        xs, ys = self.series[name]
        xs.append(float(x))
        ys.append(float(value))

    def add_batch(self, event: dict) -> None:
        """A batch dict {"epoch", "batch", "batches", "loss", "accuracy", "lr", ...}."""
        self.batches_per_epoch = max(int(event.get("batches") or 1), 1)
        x = batch_position(event)
        self._append("train loss (batch)", x, event.get("loss"))
        self._append("train accuracy (batch)", x, event.get("accuracy"))
        self._append("learning rate", x, event.get("lr"))

    def add_epoch(self, event: dict) -> None:
        """An epoch dict {"epoch", "train_loss", "train_accuracy", "test_loss", ...}."""
        x = float(event["epoch"])
        self._append("train loss (epoch)", x, event.get("train_loss"))
        self._append("test loss (epoch)", x, event.get("test_loss"))
        self._append("train accuracy (epoch)", x, event.get("train_accuracy"))
        self._append("test accuracy (epoch)", x, event.get("test_accuracy"))

    def add_stats(self, event: dict) -> None:
        """A stats dict {"step", "layers": [{"name", "grad_norm", ...}]}."""
        x = float(event["step"]) / self.batches_per_epoch
        for layer in event.get("layers", []):
            xs, ys = self.grad_norms.setdefault(str(layer["name"]), ([], []))
            xs.append(x)
            ys.append(float(layer["grad_norm"]))

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = self.series[name]
        return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)

    def point_count(self) -> int:
        return sum(len(xs) for xs, _ in self.series.values())

    def final_accuracy(self) -> float | None:
        """The last test accuracy of an epoch (the train accuracy without a test set), or None."""
        for name in ("test accuracy (epoch)", "train accuracy (epoch)"):
            values = self.series[name][1]
            if values:
                return values[-1]
        return None

    def title(self) -> str:
        """"run 1 deep_relu": the run and its network, for a legend."""
        return f"{self.name} {self.network}".strip()

    def settings_text(self) -> str:
        """"reference, 3 epochs, lr 0.01": the network and how it was trained, as known."""
        parts = [self.network] if self.network else []
        if self.epochs:
            parts.append(f"{self.epochs} epoch" + ("s" if self.epochs != 1 else ""))
        if self.learning_rate is not None:
            parts.append(f"lr {self.learning_rate:g}")
        return ", ".join(parts)

    def legend_name(self, previous: bool = False) -> str:
        """"run 1: reference, 3 epochs, lr 0.01" (or "previous run: ..."), for a legend."""
        head = "previous run" if previous else self.name
        settings = self.settings_text()
        return f"{head}: {settings}" if settings else head

    def label(self) -> str:
        """"run 2: deep_sigmoid on MNIST 5k (finished, 61.3%)", for a list of runs."""
        text = self.name + (f": {self.network}" if self.network else "")
        text += f" on {self.data}" if self.data else ""
        status = [self.stop_reason.split(":")[0]] if self.stop_reason else []
        accuracy = self.final_accuracy()
        if accuracy is not None:
            status.append(f"{100 * accuracy:.1f}%")
        return text + (f" ({', '.join(status)})" if status else "")

    def to_csv(self) -> str:
        """Long format: series, x (epochs), value; one row per point."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["series", "epoch", "value"])
        for name, (xs, ys) in self.series.items():
            writer.writerows((name, f"{x:.6g}", f"{y:.8g}") for x, y in zip(xs, ys, strict=True))
        for layer, (xs, ys) in self.grad_norms.items():
            label = f"gradient norm {layer}"
            writer.writerows((label, f"{x:.6g}", f"{y:.8g}") for x, y in zip(xs, ys, strict=True))
        return out.getvalue()

    @classmethod
    def from_history(cls, history, name: str = "saved run") -> RunData:
        """Rebuild the series from a `core.train.history.History` (or anything with its lists)."""
        run = cls(name=name)
        for event in getattr(history, "batches", []):
            run.add_batch(event)
        for event in getattr(history, "epochs", []):
            run.add_epoch(event)
        for event in getattr(history, "stats", []):
            run.add_stats(event)
        run.stop_reason = str(getattr(history, "stop_reason", "") or "")
        meta = getattr(history, "meta", None) or {}
        run.data = data_label(str(meta.get("data") or ""))
        run.network = str(meta.get("network") or "")
        epochs = meta.get("epochs")
        whole = isinstance(epochs, int) and not isinstance(epochs, bool)
        run.epochs = epochs if whole and epochs > 0 else 0
        optimizer = meta.get("optimizer")
        config = optimizer.get("config") if isinstance(optimizer, dict) else None
        rate = config.get("lr") if isinstance(config, dict) else None
        known = isinstance(rate, int | float) and not isinstance(rate, bool)
        run.learning_rate = float(rate) if known else None
        return run


def data_label(name: str) -> str:
    """A data set's name without the split: "MNIST 5k (train)" -> "MNIST 5k"."""
    return name.removesuffix(" (train)").strip()
