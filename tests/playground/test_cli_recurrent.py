"""`playground train`, `summary` and `predict` with recurrent networks."""

import json

from core.resources import resource_path
from core.train.bundle import load_bundle
from playground.cli import run_cli


def test_train_a_sequence_task_with_the_steps_in_the_source(tmp_path, capsys):
    template = str(resource_path("models", "rnn_first_symbol.json"))
    prefix = tmp_path / "fs"
    code = run_cli(["train", template, "--data", "first-symbol:12", "--optimizer", "adam",
                    "--lr", "0.003", "--clip-norm", "5", "--epochs", "2", "--out", str(prefix),
                    "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "input set to 12x8" in err
    epochs = [json.loads(line) for line in out.splitlines()]
    assert len(epochs) == 2 and all("test_accuracy" in e for e in epochs)
    bundle = load_bundle(prefix)
    assert bundle.model.input_shape == (12, 8)
    assert bundle.recipe.clip_norm == 5.0 and bundle.recipe.data == "first-symbol:12"
    assert run_cli(["predict", str(prefix), str(resource_path("images", "camera.png"))]) == 1
    assert "takes sequences (12, 8), not images" in capsys.readouterr().err


def test_summary_of_the_row_reading_rnn(capsys):
    assert run_cli(["summary", str(resource_path("models", "rnn_digits.json"))]) == 0
    out = capsys.readouterr().out
    assert "Rows()" in out and "RNN(28->64, tanh)" in out and "6,016" in out
