"""The files of one saved model, named from one prefix, and the error that names them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HISTORY_SUFFIX = ".history.json"
SUFFIXES = (HISTORY_SUFFIX, ".json", ".npz")


class BundleError(ValueError):
    """A saved model that cannot be read; the message names the file."""


@dataclass(frozen=True)
class BundlePaths:
    """The files of one saved model."""

    prefix: Path
    model: Path  # NAME.json
    weights: Path  # NAME.npz
    history: Path  # NAME.history.json

    def all(self) -> tuple[Path, Path, Path]:
        return self.model, self.weights, self.history


def model_prefix(path: str | os.PathLike) -> Path:
    """"run/m.json", "run/m.npz", "run/m.history.json" or "run/m" -> Path("run/m")."""
    path = Path(path)
    for suffix in SUFFIXES:
        if path.name.lower().endswith(suffix) and len(path.name) > len(suffix):
            return path.with_name(path.name[: -len(suffix)])
    return path


def bundle_paths(path: str | os.PathLike) -> BundlePaths:
    """The model, weights and history files of the model at `path` (any of them, or the prefix)."""
    prefix = model_prefix(path)
    return BundlePaths(prefix, *(prefix.with_name(prefix.name + s)
                                 for s in (".json", ".npz", HISTORY_SUFFIX)))
