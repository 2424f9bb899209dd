"""Bring weights trained by an exported folder's `train.py` back into Playground.

The folder's `network.json` says which network the weights belong to; its `checkpoint.npz`
(or, before any training, `weights.npz`) is read without pickles through the reading layer,
every array checked against the shape the network needs before it is inflated, and the whole
saved as a Playground model (`core.train.bundle.save_bundle`) with the preprocessing the run
used (`checkpoint.json`) and the recipe of the export.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from core.export.errors import ExportRefused
from core.export.pytorch_folder import CHECKPOINT_FILE, EXPORT_FORMAT, NETWORK_FILE
from core.export.torch_blocks import state_names
from core.files.json_files import read_json
from core.nn.model import Sequential
from core.nn.spec import SpecError, problems, weight_shapes
from core.train.bundle import read_weights, save_bundle
from core.train.bundle_files import BundleError
from core.train.preprocessing import Preprocessing
from core.train.recipe import Recipe, RecipeError


@dataclass
class Imported:
    """What `import_pytorch` saved: the files, the weights it read, and notes."""

    written: list[Path]
    source: Path
    notes: list[str] = field(default_factory=list)


def import_pytorch(folder, prefix) -> Imported:
    """Save the network of the exported `folder` with its trained weights as the Playground
    model `prefix`. Raises BundleError (a ValueError) naming the file and what does not fit;
    OSError when saving fails."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"{folder}: no such folder (name the folder `playground export` "
                          "wrote)")
    document_path = folder / NETWORK_FILE
    if not os.path.lexists(document_path):
        raise BundleError(f"{folder}: no {NETWORK_FILE}; is it a folder written by "
                          "`playground export --to pytorch`?")
    document = read_json(document_path, "exported network", error=BundleError)
    section = document.get("export") if isinstance(document, dict) else None
    if not isinstance(section, dict) or section.get("format") != EXPORT_FORMAT:
        raise BundleError(f"{document_path}: not the network of a Playground export")
    spec = {k: v for k, v in document.items() if k != "export"}
    model = _model(spec, document_path)
    source, notes = folder / CHECKPOINT_FILE, []
    if not os.path.lexists(source):
        source = folder / "weights.npz"
        notes.append(f"{folder} holds no {CHECKPOINT_FILE} (train.py has not finished a run "
                     "there): the exported weights.npz was read")
    names = state_names(model)
    shapes = weight_shapes(spec)
    arrays = read_weights(source, source, {names[k]: shape for k, shape in shapes.items()})
    try:
        model.set_weights({k: arrays[torch_name] for k, torch_name in names.items()},
                          source=str(source))
    except ValueError as error:
        raise BundleError(str(error)) from None
    preprocessing, recipe = _settings(section, source, model, document_path, notes)
    written = save_bundle(prefix, model, recipe=recipe, preprocessing=preprocessing)
    return Imported(written, source, notes)


def _model(spec: dict, path: Path) -> Sequential:
    found = problems(spec)
    if found:
        raise BundleError(f"{path}: {found[0]}")
    try:
        model = Sequential.from_spec(spec)
        state_names(model)
    except (SpecError, ExportRefused) as error:
        raise BundleError(f"{path}: {error}") from None
    return model


def _settings(section: dict, source: Path, model, document_path: Path, notes: list[str]):
    """(Preprocessing, Recipe) of the imported model: the export's, with the mean and std that
    train.py recorded beside the checkpoint (in checkpoint.json) when it has run."""
    preprocessing = Preprocessing.from_dict(section.get("preprocessing"), str(document_path),
                                            model)
    try:
        recipe = Recipe.from_dict(section.get("recipe") or {}, source=f"{document_path}: recipe")
    except RecipeError as error:
        raise BundleError(str(error)) from None
    facts_path = source.with_suffix(".json")
    if source.name == CHECKPOINT_FILE and os.path.lexists(facts_path):
        facts = read_json(facts_path, "checkpoint description", error=BundleError)
        if isinstance(facts, dict) and "mean" in facts:
            checked = Preprocessing.from_dict(
                {**preprocessing.to_dict(), "mean": facts.get("mean"), "std": facts.get("std")},
                str(facts_path), model)
            preprocessing.mean, preprocessing.std = checked.mean, checked.std
        if isinstance(facts, dict) and isinstance(facts.get("test_accuracy"), float):
            notes.append(f"{source.name}: {facts.get('epochs', '?')} epochs on "
                         f"{facts.get('data', '?')}, test accuracy "
                         f"{100 * facts['test_accuracy']:.2f}%")
    return preprocessing, recipe.with_preprocessing(preprocessing.mean, preprocessing.std)
