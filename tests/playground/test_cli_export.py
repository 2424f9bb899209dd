"""`playground export` and `playground import`: the files written, the round trip through a
PyTorch folder, and one line naming the flag or the file for everything that goes wrong."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest

from core.export.errors import ExportRefused, MissingExtra
from core.nn.model import Sequential
from core.train.bundle import load_bundle, save_bundle
from core.train.recipe import Recipe
from playground.cli import run_cli

TINY = {"name": "tiny", "input_shape": [1, 28, 28], "classes": [str(d) for d in range(10)],
        "layers": [{"class": "Flatten", "config": {}},
                   {"class": "Dense", "config": {"in_features": 784, "out_features": 10}}]}


@pytest.fixture
def saved(tmp_path):
    """A saved model (normalised inputs), as `playground train` writes it."""
    model = Sequential.from_spec(TINY, seed=2)
    recipe = Recipe(normalize=True, mean=[0.13], std=[0.3], epochs=3)
    save_bundle(tmp_path / "tiny", model, recipe=recipe)
    return tmp_path / "tiny"


def _error(args, capsys, code=1) -> str:
    assert run_cli(args) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"playground {args[0]}: error: ")
    return last.split(": error: ", 1)[1]


def test_export_to_pytorch_then_import_gives_back_the_same_model(saved, tmp_path, capsys):
    assert run_cli(["export", str(saved), "--to", "pytorch", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "model.py, weights.npz, train.py, predict.py, README.md" in out
    assert "torchrun --nproc_per_node 2 train.py" in out
    for name in ("model.py", "weights.npz", "train.py", "predict.py", "README.md",
                 "network.json", "data/mnist-5k/train-images-idx3-ubyte.gz"):
        assert (tmp_path / "out" / name).is_file(), name
    assert run_cli(["import", str(tmp_path / "back"), "--from", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "saved back.json, back.npz from" in captured.out
    assert "no checkpoint.npz" in captured.err  # nothing trained there yet: weights.npz
    back, before = load_bundle(tmp_path / "back"), load_bundle(saved)
    for name, value in before.model.get_weights().items():
        np.testing.assert_array_equal(back.model.get_weights()[name], value)
    assert back.preprocessing == before.preprocessing
    assert back.recipe.epochs == 3


@pytest.mark.parametrize("args, message", [
    (["--to", "tensorflow", "x"], "--to: the format must be pytorch or onnx; received "
                                  "'tensorflow'"),
    (["--to", "onnx", "model.txt"], "--to onnx: the file's name must end in .onnx; received "
                                    "'model.txt'"),
])
def test_export_usage_errors_name_the_flag(saved, args, message, capsys):
    assert _error(["export", str(saved), *args], capsys, code=2) == message


def test_export_refusals_are_one_line(saved, tmp_path, capsys):
    assert _error(["export", str(tmp_path / "nope"), "--to", "pytorch", str(tmp_path / "o")],
                  capsys).endswith("nope.json: no such model (train one with `playground train`)")
    spec = {"name": "sig", "input_shape": [1, 28, 28], "layers": [
        {"class": "Rows", "config": {}},
        {"class": "RNN", "config": {"input_size": 28, "hidden_size": 4,
                                    "nonlinearity": "sigmoid"}},
        {"class": "Dense", "config": {"in_features": 4, "out_features": 10}}]}
    save_bundle(tmp_path / "sig", Sequential.from_spec(spec))
    assert _error(["export", str(tmp_path / "sig"), "--to", "pytorch", str(tmp_path / "o")],
                  capsys) == ("--to pytorch: block 1 (RNN) uses sigmoid, but PyTorch's nn.RNN "
                              "knows only tanh and relu; choose one of those")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    assert "--to pytorch: " in _error(["export", str(saved), "--to", "pytorch",
                                       str(tmp_path / "full")], capsys)


@pytest.fixture
def onnx_writer(monkeypatch):
    """A stand-in for `core.export.onnx_file` that records what it was asked; `fail` makes it
    raise instead."""
    module = types.ModuleType("core.export.onnx_file")
    module.calls, module.fail = [], None

    def export_onnx(model, path, *, preprocessing=None):
        if module.fail is not None:
            raise module.fail
        module.calls.append((model.name, str(path), preprocessing))
        path.write_bytes(b"onnx")

    module.export_onnx = export_onnx
    monkeypatch.setitem(sys.modules, "core.export.onnx_file", module)
    return module


def test_export_to_onnx_hands_the_model_and_its_preprocessing_over(saved, tmp_path, capsys,
                                                                   onnx_writer):
    assert run_cli(["export", str(saved), "--to", "onnx", str(tmp_path / "m.onnx")]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'm.onnx'}"
    (name, path, preprocessing), = onnx_writer.calls
    assert name == "tiny" and path == str(tmp_path / "m.onnx")
    assert preprocessing.mean == [0.13]
    onnx_writer.fail = MissingExtra("exporting to ONNX needs the onnx package: "
                                    "pip install .[export]")
    assert _error(["export", str(saved), "--to", "onnx", str(tmp_path / "n.onnx")],
                  capsys) == ("--to onnx: exporting to ONNX needs the onnx package: "
                              "pip install .[export]")
    onnx_writer.fail = ExportRefused("block 3 cannot be written")
    assert _error(["export", str(saved), "--to", "onnx", str(tmp_path / "n.onnx")],
                  capsys) == "--to onnx: block 3 cannot be written"


def test_import_names_the_folder_or_the_file_that_does_not_fit(saved, tmp_path, capsys):
    assert _error(["import", str(tmp_path / "b"), "--from", str(tmp_path / "none")],
                  capsys) == f"--from {tmp_path / 'none'}: does not exist"
    assert _error(["import", str(tmp_path / "b"), "--from", str(tmp_path)],
                  capsys).endswith("is it a folder written by `playground export --to pytorch`?")
    assert run_cli(["export", str(saved), "--to", "pytorch", str(tmp_path / "out")]) == 0
    np.savez(tmp_path / "out" / "checkpoint.npz",
             **{"dense1.weight": np.zeros((10, 784), np.float32),
                "dense1.bias": np.zeros(9, np.float32)})
    assert _error(["import", str(tmp_path / "b"), "--from", str(tmp_path / "out")],
                  capsys).endswith("checkpoint.npz: array dense1.bias has shape (9,) but the "
                                   "network needs (10,)")
    assert _error(["import", str(tmp_path / "no" / "b"), "--from", str(tmp_path / "out")],
                  capsys).startswith("PREFIX ")
    document = json.loads((tmp_path / "out" / "network.json").read_text())
    document["layers"][1]["config"]["out_features"] = "ten"
    (tmp_path / "out" / "network.json").write_text(json.dumps(document))
    assert "network.json: block 1 (Dense)" in _error(
        ["import", str(tmp_path / "b"), "--from", str(tmp_path / "out")], capsys)
