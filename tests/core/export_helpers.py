"""Helpers for the PyTorch export's tests: train a network briefly, export it, and load the
exported `model.py` (or run the folder's scripts) the way a PyTorch user would."""

from __future__ import annotations

import importlib.util
import itertools
import os
import subprocess
import sys
from pathlib import Path

from core.data.sources import load_dataset
from core.nn.model import Sequential
from core.train.fitting import data_options
from core.train.preprocessing import Preprocessing
from core.train.recipe import Recipe
from core.train.run_setup import build_trainer

_count = itertools.count()


def trained(spec: dict, data: str = "mnist-5k", **recipe_fields):
    """(model, preprocessing, recipe, test set) after one short epoch on `data`."""
    fields = {"epochs": 1, "train_limit": 300, "normalize": True, **recipe_fields}
    options = data_options(data, spec)
    recipe = Recipe(data=data, data_options=options, **fields)
    train, test = load_dataset(data, **options)
    model = Sequential.from_spec(spec, seed=0)
    trainer = build_trainer(recipe, model, train, test)
    trainer.run()
    return model, Preprocessing.of_data(trainer.train), trainer.recipe, test


def load_exported(folder: Path):
    """The exported folder's model.py as a module (a fresh one each call)."""
    spec = importlib.util.spec_from_file_location(f"exported_model_{next(_count)}",
                                                  Path(folder) / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_train_script(folder: Path):
    """The exported folder's train.py as a module (its `import model` finds the folder's)."""
    sys.path.insert(0, str(folder))
    try:
        sys.modules.pop("model", None)
        spec = importlib.util.spec_from_file_location(f"exported_train_{next(_count)}",
                                                      Path(folder) / "train.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("model", None)


def run_script(folder: Path, *args: str, torchrun: int = 0) -> subprocess.CompletedProcess:
    """Run a script of the exported folder in it (python, or torchrun with N processes)."""
    if torchrun:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   "--nproc_per_node", str(torchrun), *args]
    else:
        command = [sys.executable, *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OMP_NUM_THREADS"] = "1"
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
