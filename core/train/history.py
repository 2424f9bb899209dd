"""What a training run recorded: batch, epoch and layer-statistics events, and why it stopped.

A plain object of lists of dicts (the same dicts the trainer's callbacks receive), saved as JSON
(everything, reloadable) or CSV (one table for spreadsheets, a `kind` column per row).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.files.images import atomic_write
from core.files.json_files import read_json
from core.files.reading import MB

FORMAT = "playground-history"
VERSION = 1
MAX_HISTORY_BYTES = 64 * MB
"""Largest history file read (a long run of 200,000 batches takes about 30 MB)."""
REQUIRED = {"batches": ("epoch", "batch"), "epochs": ("epoch",), "stats": ("step",)}
"""The whole numbers each kind of event must hold."""

CSV_COLUMNS = (
    "kind", "epoch", "batch", "batches", "step", "loss", "accuracy", "lr", "samples_per_s",
    "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds",
    "layer", "name", "grad_norm", "weight_norm", "update_ratio",
)


@dataclass
class History:
    """Events of one run: `batches`, `epochs`, `stats` (lists of dicts), `stop_reason`, `meta`.

    stop_reason: "" while running, then "finished", "stopped" or "diverged: ...". `meta` holds
    the run's settings (data set, batch size, optimiser, seed, normalisation...).
    """

    batches: list[dict] = field(default_factory=list)
    epochs: list[dict] = field(default_factory=list)
    stats: list[dict] = field(default_factory=list)
    stop_reason: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """Optimiser steps taken (one per recorded batch)."""
        return len(self.batches)

    def best_epoch(self, key: str = "test_accuracy") -> dict | None:
        """The epoch event with the highest `key` (None when no epoch has it)."""
        scored = [e for e in self.epochs if e.get(key) is not None]
        return max(scored, key=lambda e: e[key]) if scored else None

    def layer_series(self, key: str = "grad_norm") -> dict[str, list[float]]:
        """Per-layer lists of `key` across the stats events, by layer name."""
        series: dict[str, list[float]] = {}
        for event in self.stats:
            for layer in event["layers"]:
                series.setdefault(layer["name"], []).append(layer[key])
        return series

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "stop_reason": self.stop_reason,
            "meta": self.meta,
            "batches": self.batches,
            "epochs": self.epochs,
            "stats": self.stats,
        }

    @classmethod
    def from_dict(cls, data: dict, source: str = "history") -> History:
        """A history from its `to_dict` form, every event checked; raises ValueError naming
        `source` and the first thing wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{source}: not a Playground training history")
        version = data.get("version", 0)
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise ValueError(f"{source}: the version must be a whole number; received "
                             f"{str(version)[:40]}")
        if version > VERSION:
            raise ValueError(f"{source}: written by a newer Playground (version {version})")
        meta, reason = data.get("meta") or {}, data.get("stop_reason", "")
        if not isinstance(meta, dict) or not isinstance(reason, str):
            raise ValueError(f"{source}: 'meta' must be an object and 'stop_reason' a text")
        lists = {key: _events(data.get(key, []), key, source) for key in REQUIRED}
        return cls(stop_reason=reason, meta=dict(meta), **lists)

    def to_text(self) -> str:
        """The whole history as JSON text (non-finite numbers become null)."""
        return json.dumps(_finite(self.to_dict()), indent=1, allow_nan=False)

    def to_json(self, path: str | os.PathLike) -> None:
        """Write the whole history as JSON, atomically (non-finite numbers become null)."""
        text = self.to_text()
        atomic_write(Path(path), lambda f: f.write(text.encode("utf-8")))

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> History:
        """Read a history written by `to_json`; raises ValueError naming the file if it is not."""
        path = Path(path)
        return cls.from_dict(read_json(path, "training history", max_bytes=MAX_HISTORY_BYTES),
                             str(path))

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one table (columns CSV_COLUMNS), atomically: a row per batch, per epoch and per
        layer of each stats event, told apart by the `kind` column."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        for event in self.batches:
            writer.writerow(_csv_row("batch", event))
        for event in self.epochs:
            writer.writerow(_csv_row("epoch", event))
        for event in self.stats:
            for layer in event["layers"]:
                row = _csv_row("stats", layer)
                row["step"], row["layer"] = event["step"], layer["index"]
                writer.writerow(row)
        text = out.getvalue()
        atomic_write(Path(path), lambda f: f.write(text.encode("utf-8")))


def _events(value, key: str, source: str) -> list[dict]:
    """The events of one kind, checked: objects whose values are numbers, texts or null, with
    the whole numbers the plots place them by (stats events: a list of layers as well)."""
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise ValueError(f"{source}: '{key}' must be a list of objects")
    for i, event in enumerate(value):
        layers = event.get("layers", []) if key == "stats" else []
        if not isinstance(layers, list) or not all(
                isinstance(layer, dict) and _plain_values(layer)
                and isinstance(layer.get("name", ""), str) for layer in layers):
            raise ValueError(f"{source}: {key}[{i}] must list its layers as objects of numbers")
        plain = _plain_values({k: v for k, v in event.items() if k != "layers" or key != "stats"})
        whole = all(_whole(event.get(name)) for name in REQUIRED[key])
        if not plain or not whole or not _whole(event.get("batches", 1)):
            raise ValueError(f"{source}: {key}[{i}] must hold {', '.join(REQUIRED[key])} as "
                             "whole numbers and only numbers, texts or null")
    return value


def _plain_values(event: dict) -> bool:
    return all(v is None or (isinstance(v, int | float | str) and (
        not isinstance(v, float) or math.isfinite(v))) for v in event.values())


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _csv_row(kind: str, event: dict) -> dict:
    row = {"kind": kind}
    for key, value in event.items():
        if isinstance(value, float):
            row[key] = f"{value:.8g}"
        elif value is not None:
            row[key] = value
    return row


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # NumPy scalars
        return _finite(value.item())
    return value
