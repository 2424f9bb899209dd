"""A saved model as one versioned bundle: spec, weights, preprocessing, run recipe and history.

Files, from one prefix (`bundle_paths`): NAME.json, the model document (the network spec under
its usual keys, so anything reading specs reads it, plus a "bundle" section: format, version,
preprocessing, recipe, and the SHA-256 of the other files), NAME.npz (weights, no pickles)
and NAME.history.json (the curves). The weights file also holds a copy of the model document
(without its own checksum). `save_bundle` stages every file completely and flushes it to disk,
then puts them in place, weights first and the model document last: a save cut short at any
moment (even by SIGKILL) leaves the old model or the new one, and no temporary file. When the
weights are newer than the model document, `load_bundle` reads the copy inside them; a history
that does not belong is left out with a note; files changed by hand are reported naming the
file. Files from before the format had a version (a bare spec, weights and a history holding the
mean and std) still open.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.files.atomic import put_in_place, stage, sync_folder
from core.files.json_files import MAX_JSON_BYTES, parse_json, read_json
from core.files.npz import HEADER_ROOM, read_bytes_member, read_npz
from core.files.reading import read_bytes
from core.nn.model import Sequential
from core.nn.spec import MAX_PARAMS, SpecError, problems, weight_shapes
from core.train.bundle_files import (
    HISTORY_SUFFIX,
    BundleError,
    BundlePaths,
    bundle_paths,
    model_prefix,
)
from core.train.history import MAX_HISTORY_BYTES, History
from core.train.preprocessing import Preprocessing
from core.train.recipe import SCHEDULE_PRESETS, Recipe, RecipeError

FORMAT = "playground-model"
VERSION = 2  # 1: the unversioned spec + weights + history, with mean/std in the history only
DOCUMENT_MEMBER = "playground_model_document"
__all__ = ["HISTORY_SUFFIX", "Bundle", "BundleError", "BundlePaths", "Preprocessing",
           "bundle_paths", "load_bundle", "model_prefix", "read_weights", "save_bundle"]
"""The member of NAME.npz holding the model document (UTF-8 JSON bytes as uint8)."""


class _NotSavedWith(BundleError):
    """A file whose checksum is not the one the model document recorded for it."""


@dataclass
class Bundle:
    """A saved model read back. `recipe` is None when the files record none; `recorded` names
    the recipe fields the files hold (all of them since version 2). `notes`: one line each about
    what was left out (a history that does not belong to the model, for example)."""

    model: Sequential
    preprocessing: Preprocessing
    recipe: Recipe | None
    history: History | None
    version: int
    paths: BundlePaths
    recorded: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def recipe_over(self, base: Recipe) -> Recipe:
        """`base` with the fields this bundle's recipe records."""
        if self.recipe is None:
            return base
        data = {k: v for k, v in self.recipe.to_dict().items() if k in self.recorded}
        return Recipe.from_dict(data, base=base)


def save_bundle(path: str | os.PathLike, model: Sequential, *, recipe: Recipe | None = None,
                history: History | None = None,
                preprocessing: Preprocessing | None = None) -> list[Path]:
    """Write the model at `path` (see the module docstring) as a whole; returns the files
    written (model, weights, then history if given). Preprocessing defaults to the recipe's mean
    and std with the model's input shape and classes. On failure the files already there and
    `model` are left as they were."""
    paths = bundle_paths(path)
    if preprocessing is None:
        mean, std = (recipe.mean, recipe.std) if recipe is not None else (None, None)
        preprocessing = Preprocessing(model.input_shape, model.classes, mean, std)
    history_data = history.to_text().encode("utf-8") if history is not None else None
    section = {
        "format": FORMAT, "version": VERSION,
        "weights": {"file": paths.weights.name, "sha256": None},
        "history": ({"file": paths.history.name, "sha256": _digest(history_data)}
                    if history is not None else None),
        "preprocessing": preprocessing.to_dict(),
        "recipe": recipe.to_dict() if recipe is not None else None,
    }
    document = {**model.spec(), "bundle": section}
    copy = json.dumps(document, allow_nan=False).encode()
    buffer = io.BytesIO()
    np.savez(buffer, **model.get_weights(), **{DOCUMENT_MEMBER: np.frombuffer(copy, np.uint8)})
    files = [(paths.weights, buffer.getvalue())]
    section["weights"]["sha256"] = _digest(files[0][1])
    if history is not None:
        files.append((paths.history, history_data))
    files.append((paths.model, json.dumps(document, indent=2, allow_nan=False).encode()))
    _replace_all(files)
    return [paths.model, paths.weights] + ([paths.history] if history is not None else [])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _replace_all(files: list[tuple[Path, bytes]]) -> None:
    """Stage every file completely (flushed to disk), then rename them into place in order and
    flush the folder. Whatever fails, no staged file is left behind."""
    staged = []
    try:
        for target, data in files:
            staged.append(stage(target, lambda handle, data=data: handle.write(data)))
        for (target, _data), file in zip(files, staged, strict=True):
            put_in_place(file, target)
    finally:
        for file in staged:
            file.close()
    sync_folder(files[0][0].parent if str(files[0][0].parent) else ".")


def load_bundle(path: str | os.PathLike, *, history: bool = True,
                dtype=np.float32) -> Bundle:
    """Read the model saved at `path` (NAME.json, NAME.npz or the prefix). history=False skips
    the curves (predictions need only the model document and the weights). Raises BundleError
    (a ValueError) naming the file when the set cannot be used; a history that cannot be used
    is left out with a note."""
    paths = bundle_paths(path)
    if Path(path).name.lower().endswith(HISTORY_SUFFIX):
        raise BundleError(f"{Path(path).name} is a training history, not a model; open "
                          f"{paths.model.name} (its history is opened with it).")
    if not os.path.lexists(paths.model):
        raise BundleError(f"{paths.model}: no such model (train one and save it)")
    document = read_json(paths.model, "saved model", error=BundleError)
    if not isinstance(document, dict):
        raise BundleError(f"{paths.model}: not a saved model (expected a JSON object)")
    section = document.get("bundle")
    if section is None:
        return _load_unversioned(paths, document, history, dtype)
    if not isinstance(section, dict) or section.get("format") != FORMAT:
        raise BundleError(f"{paths.model}: the 'bundle' section is not a Playground model's")
    version = section.get("version")
    if not isinstance(version, int) or version < 2:
        raise BundleError(f"{paths.model}: unknown model format version {version!r}")
    if version > VERSION:
        raise BundleError(f"{paths.model}: written by a newer Playground (model format "
                          f"version {version}); update Playground to open it")
    source = str(paths.model)
    spec = {k: v for k, v in document.items() if k != "bundle"}
    shapes = _weight_shapes(spec, paths)
    notes = []
    try:
        weights = _belonging(paths.weights, section.get("weights"), paths.model,
                             _weights_bytes(shapes))
    except _NotSavedWith:
        newer = _document_in_weights(paths)
        if newer is None:
            raise
        document, section, weights = newer
        spec = {k: v for k, v in document.items() if k != "bundle"}
        shapes = _weight_shapes(spec, paths)
        notes.append(f"{paths.model} is older than {paths.weights.name} (a save was cut "
                     f"short); the model was read from {paths.weights.name}")
    if weights is None:
        raise BundleError(f"{paths.weights}: missing; it holds the weights of {paths.model.name}")
    model = _build(spec, read_weights(weights, paths.weights, shapes), paths, dtype)
    preprocessing = Preprocessing.from_dict(section.get("preprocessing"), source, model)
    recipe, recorded = None, set()
    if section.get("recipe") is not None:
        try:
            recipe = Recipe.from_dict(section["recipe"], source=f"{source}: recipe")
        except RecipeError as error:
            raise BundleError(str(error)) from None
        recorded = set(section["recipe"])
    bundle = Bundle(model, preprocessing, recipe, None, version, paths, recorded, notes)
    if history and section.get("history") is not None:
        try:
            data = _belonging(paths.history, section["history"], paths.model,
                              MAX_HISTORY_BYTES)
            if data is not None:
                bundle.history = _read_history(data, paths.history)
        except BundleError as error:
            bundle.notes.append(f"{error}; its curves are left out")
    return bundle


def _document_in_weights(paths: BundlePaths):
    """(document, section, weights bytes) from the copy of the model document inside
    NAME.npz, when it is a Playground model's saved under this name (else None)."""
    try:
        data = read_bytes(paths.weights, "weights file", max_bytes=_MAX_WEIGHTS_FILE,
                          error=BundleError)
        copy = read_bytes_member(data, str(paths.weights), DOCUMENT_MEMBER,
                                 max_bytes=MAX_JSON_BYTES, error=BundleError)
        if copy is None:
            return None
        document = parse_json(copy, str(paths.weights), "saved model", error=BundleError)
    except BundleError:
        return None
    section = document.get("bundle") if isinstance(document, dict) else None
    if (not isinstance(section, dict) or section.get("format") != FORMAT
            or section.get("version") != VERSION or not isinstance(section.get("weights"), dict)
            or section["weights"].get("file") != paths.weights.name):
        return None
    return document, section, data


def _belonging(path: Path, entry, model_path: Path, max_bytes: int) -> bytes | None:
    """The bytes of `path` if it is the file the model document lists (None if missing)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        raise BundleError(f"{model_path}: the 'bundle' section does not describe {path.name}")
    if not os.path.lexists(path):
        return None
    what = "training history" if path.name.endswith(HISTORY_SUFFIX) else "weights file"
    data = read_bytes(path, what, max_bytes=max_bytes, error=BundleError)
    if _digest(data) != entry["sha256"]:
        raise _NotSavedWith(f"{path}: not the file saved with {model_path.name} (the set was "
                          "replaced half-way, or the file was changed)")
    return data


def _weight_shapes(spec: dict, paths: BundlePaths) -> dict[str, tuple]:
    """The weights the spec needs, known before any file of weights is read."""
    found = problems(spec)
    if found:
        raise SpecError(f"{paths.model}: {found[0]}")
    try:
        return weight_shapes(spec)
    except SpecError as error:
        raise SpecError(f"{paths.model}: {error}", error.index) from None


def _weights_bytes(shapes: dict[str, tuple]) -> int:
    """The most an .npz of these weights can take (float64 values, headers, the zip's index,
    and the copy of the model document it carries)."""
    return (sum(8 * math.prod(s) + HEADER_ROOM + 256 for s in shapes.values()) + 65536
            + MAX_JSON_BYTES + HEADER_ROOM)


_MAX_WEIGHTS_FILE = 8 * MAX_PARAMS + MAX_JSON_BYTES + (1 << 20)


def _build(spec: dict, weights: dict, paths: BundlePaths, dtype) -> Sequential:
    try:
        model = Sequential.from_spec(spec, dtype=dtype)
    except SpecError as error:
        raise SpecError(f"{paths.model}: {error}", error.index) from None
    model.set_weights(weights, source=f"weights in {paths.weights.name}")
    return model


def read_weights(data: bytes | os.PathLike | str, path: Path | None = None,
                 shapes: dict[str, tuple] | None = None) -> dict:
    """The arrays of an .npz of weights (bytes or a file), read without pickles; with `shapes`
    (name -> shape, see `core.nn.spec.weight_shapes`) they must be exactly those, checked
    before anything is inflated. Raises BundleError naming the file."""
    limit = _weights_bytes(shapes) if shapes is not None else _MAX_WEIGHTS_FILE
    if not isinstance(data, bytes):
        path = Path(data)
        data = read_bytes(path, "weights file", max_bytes=limit, error=BundleError)
    return read_npz(data, str(path), expected=shapes, max_member_bytes=limit,
                    error=BundleError, skip=(DOCUMENT_MEMBER,))


def _read_history(data: bytes, path: Path) -> History:
    parsed = parse_json(data, path, "training history", error=BundleError)
    try:
        return History.from_dict(parsed, str(path))
    except ValueError as error:
        raise BundleError(str(error)) from None


# ----- files saved before the format had a version ----------------------------------------
def _load_unversioned(paths: BundlePaths, spec: dict, history: bool, dtype) -> Bundle:
    """Spec + weights + history, where the history's meta held the mean and std."""
    if not os.path.lexists(paths.weights):
        raise BundleError(f"{paths.weights}: missing; it holds the weights of "
                          f"{paths.model.name}")
    shapes = _weight_shapes(spec, paths)
    model = _build(spec, read_weights(paths.weights, None, shapes), paths, dtype)
    found, notes = None, []
    preprocessing = Preprocessing(model.input_shape, model.classes)
    if os.path.lexists(paths.history):
        try:
            found = _read_history(read_bytes(paths.history, "training history",
                                             max_bytes=MAX_HISTORY_BYTES, error=BundleError),
                                  paths.history)
            preprocessing = Preprocessing.from_dict(
                {"input_shape": list(model.input_shape), "classes": model.classes,
                 "mean": found.meta.get("mean"), "std": found.meta.get("std")},
                str(paths.history), model)
        except BundleError as error:
            found = None
            notes.append(f"{error}; its curves and the normalisation it records are left out")
    meta = found.meta if found is not None else {}
    mean, std = preprocessing.mean, preprocessing.std
    recorded = _recipe_from_meta(meta)
    recipe = None
    if recorded:
        try:
            recipe = Recipe.from_dict(recorded).with_preprocessing(mean, std)
            recorded.update(normalize=mean is not None, mean=mean, std=std)
        except RecipeError as error:
            notes.append(f"{paths.history}: its settings are left out ({error})")
    return Bundle(model, preprocessing, recipe, found if history else None, 1, paths,
                  set(recorded) if recipe is not None else set(), notes)


def _recipe_from_meta(meta: dict) -> dict:
    """The recipe fields an unversioned history recorded: the training tab's settings, else the
    trainer's batch size, epochs and seed."""
    if isinstance(meta.get("recipe"), dict):
        return dict(meta["recipe"])
    settings = meta.get("settings")
    if not isinstance(settings, dict):
        return {k: meta[k] for k in ("batch_size", "epochs", "seed")
                if isinstance(meta.get(k), int)}
    found = {k: settings[k] for k in ("epochs", "batch_size", "seed", "train_limit",
                                      "test_limit") if k in settings}
    if "augment_shift" in settings:
        found["shift"] = settings["augment_shift"]
    if "augment_flip" in settings:
        found["flip"] = settings["augment_flip"]
    if isinstance(settings.get("schedule"), str) and settings["schedule"] in SCHEDULE_PRESETS:
        found["schedule"] = SCHEDULE_PRESETS[settings["schedule"]]
    lr, decay = settings.get("learning_rate", 0.05), settings.get("weight_decay", 0.0)
    if settings.get("optimizer") == "adam":
        found["optimizer"] = {"class": "Adam", "config": {"lr": lr, "weight_decay": decay}}
    elif settings.get("optimizer") == "sgd":
        found["optimizer"] = {"class": "SGD", "config": {
            "lr": lr, "momentum": settings.get("momentum", 0.9), "weight_decay": decay}}
    return found
