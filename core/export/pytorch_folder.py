"""A trained network as a folder PyTorch users run with nothing but `torch` and `numpy`.

    model.py      the network as a torch.nn.Module (one line per block) and `load()`
    weights.npz   its state_dict as plain arrays (never a pickle)
    train.py      continues training, on one process or under torchrun (DistributedDataParallel)
    predict.py    classifies images, or measures the accuracy on a data set
    README.md     how to run each, and how to come back (`playground import`)
    network.json  the Playground network, preprocessing and run recipe (what import reads)
    data/         the bundled digits, or a generated data set, when the run used them

The files are made from the templates in `pytorch_template/` (`pytorch_files`, pure
computation), then written, each replaced whole (`write_export`). Nothing here imports torch.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.export.errors import ExportRefused
from core.export.template_text import fill, template
from core.export.torch_blocks import frozen_rows, state_names, torch_blocks, truncation_notes
from core.files.atomic import atomic_write
from core.jobs import check_stop, report

EXPORT_FORMAT = "playground-pytorch-export"
EXPORT_VERSION = 1
NETWORK_FILE = "network.json"
CHECKPOINT_FILE = "checkpoint.npz"
GENERATED = ("shapes", "first-symbol", "parity", "marked")
"""Data sources made by Playground: the export writes the data set itself into data/."""


@dataclass
class ExportFiles:
    """The files of an export, by path inside the folder, and notes on what differs."""

    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def export_pytorch(model, preprocessing, recipe, folder, *, progress=None,
                   should_stop=None) -> list[str]:
    """Write the PyTorch folder for `model` (a trained `Sequential`) into `folder`; returns
    notes on what PyTorch's training does differently. ExportRefused when PyTorch cannot
    represent the network or the folder holds other things; OSError when writing fails."""
    planned = pytorch_files(model, preprocessing, recipe, progress=progress,
                            should_stop=should_stop)
    write_export(folder, planned)
    return planned.notes


def pytorch_files(model, preprocessing, recipe, *, progress=None,
                  should_stop=None) -> ExportFiles:
    """Every file of the export as bytes (see the module docstring), written nowhere yet.
    preprocessing: the model's `Preprocessing`; recipe: its run `Recipe` (None: defaults).
    May take a while for a generated data set (reported through `progress(done, total)`)."""
    from core.train.recipe import Recipe

    blocks = torch_blocks(model)
    if len(model.output_shape) != 1:
        raise ExportRefused(f"the network ends in {model.output_shape}, not one score per "
                            "class; end it with a Dense block")
    recipe = (recipe or Recipe()).with_preprocessing(preprocessing.mean, preprocessing.std)
    names = state_names(model)
    out = ExportFiles(notes=truncation_notes(model))
    out.files["model.py"] = _model_text(model, preprocessing, blocks).encode()
    out.files["weights.npz"] = _npz({names[k]: v.astype(np.float32)
                                     for k, v in model.get_weights().items()})
    data, data_files = _data(recipe, progress, should_stop)
    out.files.update(data_files)
    out.files["train.py"] = _train_text(recipe, data).encode()
    out.files["predict.py"] = template("predict.py").encode()
    out.files["README.md"] = _readme(model, recipe, data, out.notes).encode()
    document = {**model.spec(), "export": {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION,
        "preprocessing": preprocessing.to_dict(), "recipe": recipe.to_dict(),
        "weights": names}}
    out.files[NETWORK_FILE] = (json.dumps(document, indent=2, allow_nan=False) + "\n").encode()
    return out


def write_export(folder, planned: ExportFiles) -> list[Path]:
    """Write the files into `folder` (made if missing), each replaced whole. Refuses a folder
    holding anything but an earlier export, and one holding train.py's checkpoint (it would
    no longer belong to the network)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportRefused(f"{folder}: a file, not a folder; name a new or empty folder")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / NETWORK_FILE).is_file():
            raise ExportRefused(f"{folder}: the folder is not empty; name a new or empty folder "
                                "(an earlier export is replaced)")
        if (folder / CHECKPOINT_FILE).exists():
            raise ExportRefused(f"{folder}: holds {CHECKPOINT_FILE}, weights trained by "
                                "train.py; import them or move them before exporting again")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in planned.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda handle, data=data: handle.write(data))
        written.append(path)
    return written


# ----- the files ---------------------------------------------------------------------------
def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _literal(value, indent: int = 0) -> str:
    """`value` (JSON-able) as Python source with double quotes, one item a line when long."""
    if isinstance(value, dict) and value:
        line = "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
        if len(line) + indent <= 90:
            return line
        pad = " " * (indent + 4)
        items = "".join(f"{pad}{_literal(k)}: {_literal(v, indent + 4)},\n"
                        for k, v in value.items())
        return "{\n" + items + " " * indent + "}"
    if isinstance(value, list | tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) \
            else f"[{inner}]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)  # numbers, True, False, None


def _model_text(model, preprocessing, blocks) -> str:
    has_rows = any(type(model.layers[b.index]).__name__ == "Rows" for b in blocks)
    rows_text = "\n".join(_template_region("model.py", "rows")) if has_rows else ""
    calls = [line for block in blocks for line in block.calls]
    classes = model.classes or [str(k) for k in range(model.output_shape[0])]
    return fill(template("model.py"), {
        "name": f"NAME = {_literal(model.name)}",
        "input_shape": f"INPUT_SHAPE = {_literal(tuple(model.input_shape))}",
        "classes": f"CLASSES = {_literal(classes)}",
        "mean": f"MEAN = {_literal(preprocessing.mean)}",
        "std": f"STD = {_literal(preprocessing.std)}",
        "frozen": f"FROZEN = {_literal(frozen_rows(model))}",
        "rows": rows_text,
        "blocks": "\n".join(f"self.{b.name} = {b.build}  # {b.index}: {b.card}" for b in blocks),
        "forward": "\n".join(calls),
    }).replace('The network "reference"', f"The network {_literal(model.name)}", 1)


def _template_region(name: str, key: str) -> list[str]:
    """The lines of a template between `# @begin key` and `# @end key`, kept as they are."""
    lines = template(name).splitlines()
    start = lines.index(f"# @begin {key}")
    return lines[start + 1:lines.index(f"# @end {key}", start)]


def _data(recipe, progress, should_stop) -> tuple[str, dict[str, bytes]]:
    """(train.py's default --data, files of data/ to write) for the recipe's data source."""
    from core.data.sources import load_dataset
    from core.resources import resource_path

    kind = recipe.data.partition(":")[0].strip().lower()
    if kind in ("mnist-5k", "mnist5k", ""):
        folder = resource_path("data", "mnist-5k")
        return "mnist-5k", {f"data/mnist-5k/{p.name}": p.read_bytes()
                            for p in sorted(folder.iterdir()) if p.name.endswith(".gz")}
    if kind not in GENERATED:
        return recipe.data, {}
    check_stop(should_stop)
    train, test = load_dataset(recipe.data, progress=progress, should_stop=should_stop,
                               **recipe.data_options)
    files = {}
    for split, data in (("train", train), ("test", test)):
        buffer = io.BytesIO()
        np.savez_compressed(buffer, images=data.images, labels=data.labels)
        files[f"data/{kind}/{split}.npz"] = buffer.getvalue()
    report(progress, 1, 1)
    return f"arrays:data/{kind}", files


def _train_text(recipe, data: str) -> str:
    settings = recipe.to_dict()
    defaults = {"data": data, "data_options": settings["data_options"],
                **{k: settings[k] for k in ("epochs", "batch_size", "seed", "optimizer",
                                            "schedule", "normalize", "mean", "std", "shift",
                                            "flip", "clip_norm", "train_limit", "test_limit")}}
    return fill(template("train.py"), {"defaults": f"DEFAULTS = {_literal(defaults)}"})


def _readme(model, recipe, data: str, notes: list[str]) -> str:
    optimizer = recipe.optimizer
    config = ", ".join(f"{k} {v}" for k, v in optimizer.get("config", {}).items())
    parts = [f"{optimizer['class']} ({config})", f"{recipe.schedule['class']} schedule",
             f"batches of {recipe.batch_size}", f"seed {recipe.seed}",
             "inputs standardised with the mean and std of the run" if recipe.normalize
             else "inputs in 0..1"]
    if recipe.shift or recipe.flip:
        parts.append(f"shifts of up to {recipe.shift} px" + (", flips" if recipe.flip else ""))
    if recipe.clip_norm:
        parts.append(f"gradients clipped to {recipe.clip_norm:g}")
    data_row = ""
    if data == "mnist-5k" or data.startswith("arrays:data/"):
        data_row = (f"| `data/` | the data set of the run ({recipe.data}), so that "
                    "`python train.py` runs as it is |\n")
    return fill(template("README.md"), {
        "name": model.name, "prefix": export_folder_name(model.name), "data": data,
        "data_row": data_row,
        "shape": ", ".join(map(str, model.input_shape)), "epochs": str(recipe.epochs),
        "recipe": "; ".join(parts),
        "notes": "".join(f"\nNote: {note}.\n" for note in notes),
    })


def export_folder_name(model_name: str) -> str:
    """A default folder name for the export of `model_name`."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in model_name) or "network"
    return f"{safe}-pytorch"
