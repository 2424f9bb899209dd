"""`playground export` and `playground import`: the files written, the round trip through a
PyTorch folder, and one line naming the flag or the file for everything that goes wrong."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

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


def test_export_to_onnx_writes_a_file_onnxruntime_runs_as_the_engine(saved, tmp_path, capsys):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    target = tmp_path / "m.onnx"
    assert run_cli(["export", str(saved), "--to", "onnx", str(target)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {target}"
    bundle = load_bundle(saved)
    images = np.random.default_rng(0).random((100, 1, 28, 28), dtype=np.float32)  # 0..1
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(["probabilities"], {"input": images})
    expected = bundle.model.predict(bundle.preprocessing.apply(images))
    np.testing.assert_allclose(probabilities, expected, rtol=0, atol=1e-5)


def test_export_to_onnx_without_the_onnx_package_names_the_extra(saved, tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` fails as if not installed
    message = _error(["export", str(saved), "--to", "onnx", str(tmp_path / "m.onnx")], capsys)
    assert message.startswith("--to onnx: exporting to ONNX needs the onnx package")
    assert "pip install .[export]" in message
    assert not (tmp_path / "m.onnx").exists()


def test_export_to_onnx_refusals_are_one_line(tmp_path, capsys):
    spec = {"name": "maps", "input_shape": [1, 28, 28], "layers": [
        {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 2, "kernel_size": 3,
                                       "stride": 1, "padding": 1}}]}
    save_bundle(tmp_path / "maps", Sequential.from_spec(spec))
    assert _error(["export", str(tmp_path / "maps"), "--to", "onnx", str(tmp_path / "m.onnx")],
                  capsys) == ("--to onnx: network 'maps' ends in 2 maps of 28x28, not class "
                              "scores: end it with a Dense block (one output per class)")
    assert not (tmp_path / "m.onnx").exists()


def test_export_to_onnx_in_a_missing_folder_names_the_file(saved, tmp_path, capsys):
    pytest.importorskip("onnx")
    target = tmp_path / "none" / "m.onnx"
    assert _error(["export", str(saved), "--to", "onnx", str(target)],
                  capsys).startswith(f"--to onnx {target}: ")


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
