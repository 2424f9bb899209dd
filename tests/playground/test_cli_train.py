"""`playground train` and `playground predict` run headless, end to end."""

import io
import json

import numpy as np
import pytest

from core.data.digits import fit_input, photo_to_ink, to_mnist
from core.data.image_folder import prepare_image
from core.data.sources import load_dataset
from core.files.images import write_image
from core.nn.model import Sequential
from core.resources import resource_path
from core.train.bundle import load_bundle, save_bundle
from core.train.history import History
from playground.cli import run_cli
from playground.cli.train_report import ProgressBar

SPEC = {
    "name": "tiny",
    "input_shape": [1, 16, 16],
    "layers": [
        {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 4, "kernel_size": 3,
                                       "stride": 1, "padding": 1}},
        {"class": "ReLU", "config": {}},
        {"class": "MaxPool2D", "config": {"size": 2, "stride": None}},
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 256, "out_features": 4}},
    ],
}


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(SPEC))
    return path


def test_train_writes_model_and_history_and_prints_epoch_lines(spec_file, tmp_path, capsys):
    prefix = tmp_path / "out" / "tiny"
    prefix.parent.mkdir()
    code = run_cli(["train", str(spec_file), "--data", "shapes", "--epochs", "2",
                    "--batch-size", "32", "--seed", "3", "--out", str(prefix)])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert len(lines) == 2 and "test loss" in lines[1] and "samples/s" in lines[1]
    assert f"saved {prefix}.json" in err
    model = load_bundle(prefix).model
    assert model.classes == ["circle", "square", "triangle", "cross"]
    history = History.from_json(f"{prefix}.history.json")
    assert history.stop_reason == "finished" and len(history.epochs) == 2
    assert history.meta["batch_size"] == 32 and history.meta["seed"] == 3
    # The saved weights are the trained ones: they score what the last epoch reported.
    _, test = load_dataset("shapes", size=16)
    accuracy = float(np.mean(np.argmax(model.predict(test.images), axis=1) == test.labels))
    assert accuracy == pytest.approx(history.epochs[-1]["test_accuracy"], abs=1e-12)


def test_train_json_prints_one_object_per_epoch(spec_file, tmp_path, capsys):
    code = run_cli(["train", str(spec_file), "--data", "shapes", "--epochs", "3", "--json",
                    "--optimizer", "adam", "--lr", "0.01", "--out", str(tmp_path / "m")])
    out, err = capsys.readouterr()
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["epoch"] for e in events] == [1, 2, 3]
    assert all(e["lr"] == 0.01 and 0 <= e["test_accuracy"] <= 1 for e in events)
    assert History.from_json(tmp_path / "m.history.json").epochs == events


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--data", "idx:/no/such/folder"], "/no/such/folder: no such folder"),
        (["--data", "nonsense"], "unknown data source 'nonsense'"),
    ],
)
def test_train_reports_bad_input_in_one_line(spec_file, tmp_path, capsys, arguments, message):
    code = run_cli(["train", str(spec_file), "--out", str(tmp_path / "m"), *arguments])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--epochs", "0"], "--epochs must be at least 1; received 0"),
        (["--lr", "-1"], "--lr must be a positive number; received -1.0"),
        (["--clip-norm", "-1"], "--clip-norm must be 0 (never) or positive; received -1.0"),
    ],
)
def test_train_refuses_bad_flags_as_usage_errors(spec_file, tmp_path, capsys, arguments,
                                                 message):
    code = run_cli(["train", str(spec_file), "--data", "shapes", "--out", str(tmp_path / "m"),
                    *arguments])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("usage: playground train")
    assert err.strip().splitlines()[-1] == f"playground train: error: {message}"
    assert not (tmp_path / "m.json").exists()


def test_train_refuses_a_missing_spec(tmp_path, capsys):
    assert run_cli(["train", str(tmp_path / "none.json")]) == 1
    assert "none.json: no such file" in capsys.readouterr().err


def test_predict_prints_top_classes_like_the_model(spec_file, tmp_path, capsys):
    prefix = tmp_path / "tiny"
    assert run_cli(["train", str(spec_file), "--data", "shapes", "--epochs", "1",
                    "--out", str(prefix)]) == 0
    _, test = load_dataset("shapes", size=16)
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"shape{i}.png")
        write_image(paths[-1], np.rint(test.images[i, 0] * 255).astype(np.uint8))
    capsys.readouterr()
    assert run_cli(["predict", str(prefix), *map(str, paths), "--json"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    probabilities = load_bundle(prefix).model.predict(test.images[:3])
    names = ["circle", "square", "triangle", "cross"]
    for result, row in zip(results, probabilities, strict=True):
        assert len(result["top"]) == 3
        assert result["top"][0]["class"] == names[int(np.argmax(row))]
        assert result["top"][0]["probability"] == pytest.approx(float(row.max()), abs=5e-3)
    assert run_cli(["predict", str(prefix), str(paths[0]), "--top", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{paths[0]}: ") and line.count("%") == 2


def test_predict_prepares_a_photographed_digit_like_the_drawing_pad(tmp_path, capsys):
    spec = json.loads(resource_path("models", "tiny_mlp.json").read_text())
    model = Sequential.from_spec(spec, seed=1)
    prefix = tmp_path / "digits"
    save_bundle(prefix, model)
    photo = np.full((120, 90), 235, np.uint8)  # light paper
    photo[10:70, 60:66] = 20  # a small dark "1", off centre
    write_image(tmp_path / "one.png", photo)
    expected = model.predict(fit_input(to_mnist(photo_to_ink(photo)), (1, 28, 28)))[0]
    stretched = model.predict(prepare_image(photo, (1, 28, 28))[None])[0]
    assert not np.allclose(expected, stretched, atol=1e-3)  # the two preparations differ
    kept = model.predict(fit_input(to_mnist(photo_to_ink(photo, invert=False)), (1, 28, 28)))[0]
    assert not np.allclose(expected, kept, atol=1e-3)
    for digit_option, want in (([], expected), (["--digit", "no"], stretched),
                               (["--invert", "no"], kept)):
        capsys.readouterr()
        assert run_cli(["predict", str(prefix), str(tmp_path / "one.png"), "--json", "--top",
                        "10", *digit_option]) == 0
        (result,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        got = {int(t["class"]): t["probability"] for t in result["top"]}
        np.testing.assert_allclose([got[k] for k in range(10)], want, atol=1e-5)


def test_predict_names_a_bad_image_and_a_missing_model(tmp_path, capsys, spec_file):
    assert run_cli(["predict", str(tmp_path / "nope"), "x.png"]) == 1
    assert "nope.json: no such model" in capsys.readouterr().err
    prefix = tmp_path / "tiny"
    run_cli(["train", str(spec_file), "--data", "shapes", "--epochs", "1", "--out", str(prefix)])
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    capsys.readouterr()
    assert run_cli(["predict", str(prefix), str(bad)]) == 1
    assert str(bad) in capsys.readouterr().err


def test_progress_bar_draws_in_place_and_clears():
    stream = io.StringIO()
    bar = ProgressBar("epoch 1/2", stream=stream, width=10)
    bar.update(5, 10, "loss 0.5")
    bar.update(10, 10)
    text = stream.getvalue()
    assert "\repoch 1/2 [#####.....] 5/10 loss 0.5" in text
    assert "[##########] 10/10" in text
    bar.close()
    assert stream.getvalue().endswith("\r\033[K")
    silent = io.StringIO()
    ProgressBar("x", enabled=False, stream=silent).update(1, 2)
    assert silent.getvalue() == ""


def test_a_closed_pipe_ends_quietly(tmp_path, monkeypatch, capsys):
    """`playground summary spec.json | head -1`: the reader went away; no traceback."""

    class ClosedPipe:
        def __init__(self, path):
            self._file = open(path, "w")  # noqa: SIM115 - a real descriptor for dup2

        def write(self, _text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def fileno(self):
            return self._file.fileno()

    pipe = ClosedPipe(tmp_path / "out.txt")
    monkeypatch.setattr("sys.stdout", pipe)
    spec = resource_path("models", "reference.json")
    assert run_cli(["summary", str(spec)]) == 141
    pipe._file.close()
    assert capsys.readouterr().err == ""


def test_seed_sets_the_initial_weights(spec_file, tmp_path):
    for seed in (0, 5):
        assert run_cli(["train", str(spec_file), "--data", "shapes", "--epochs", "1",
                        "--seed", str(seed), "--out", str(tmp_path / f"s{seed}")]) == 0
    spec = json.loads(spec_file.read_text())
    untrained = {seed: Sequential.from_spec(spec, seed=seed).get_weights() for seed in (0, 5)}
    trained = {seed: load_bundle(tmp_path / f"s{seed}").model.get_weights() for seed in (0, 5)}
    # One epoch moves every weight a little; each run stays nearer its own seed's start.
    for name in [n for n in untrained[0] if n.endswith("weight")]:  # biases start at 0
        for seed, other in ((0, 5), (5, 0)):
            own = np.abs(trained[seed][name] - untrained[seed][name]).mean()
            far = np.abs(trained[seed][name] - untrained[other][name]).mean()
            assert own < far, (name, seed)


def test_outputs_follow_the_classes_of_the_data_set(tmp_path, capsys):
    spec = json.loads(resource_path("models", "reference.json").read_text())  # 10 outputs
    spec["input_shape"] = [1, 16, 16]
    spec["layers"][-1]["config"]["in_features"] = 16 * 4 * 4
    path = tmp_path / "ten.json"
    path.write_text(json.dumps(spec))
    assert run_cli(["train", str(path), "--data", "shapes", "--epochs", "1",
                    "--out", str(tmp_path / "six")]) == 0
    err = capsys.readouterr().err
    assert "note: " in err and "has 6 classes" in err and "6 outputs" in err
    model = load_bundle(tmp_path / "six").model
    assert model.output_shape == (6,) and len(model.classes) == 6
    # A saved model keeps its outputs: a data set with another class count is refused.
    folder = tmp_path / "three"
    rng = np.random.default_rng(0)
    for name in ("a", "b", "c"):
        (folder / name).mkdir(parents=True)
        for i in range(5):
            write_image(folder / name / f"{i}.png", rng.integers(0, 256, (16, 16), np.uint8))
    capsys.readouterr()
    assert run_cli(["train", str(tmp_path / "six.json"), "--data", f"folder:{folder}",
                    "--epochs", "1", "--out", str(tmp_path / "again")]) == 1
    assert "the trained network has 6 outputs but" in capsys.readouterr().err
    assert not (tmp_path / "again.json").exists()


def test_a_new_network_follows_the_digits_and_a_saved_one_is_refused(spec_file, tmp_path,
                                                                     capsys):
    """mnist-5k gives 1x28x28 digits whatever the network: a new 1x16x16 network takes them
    (said on stderr); a saved 1x16x16 model is never changed, so it is refused."""
    prefix = tmp_path / "digits"
    assert run_cli(["train", str(spec_file), "--data", "mnist-5k", "--epochs", "1",
                    "--out", str(prefix)]) == 0
    err = capsys.readouterr().err
    assert "note: input set to 1x28x28 for MNIST" in err and "10 outputs" in err
    model = load_bundle(prefix).model
    assert model.input_shape == (1, 28, 28) and model.output_shape == (10,)
    saved = tmp_path / "small"
    save_bundle(saved, Sequential.from_spec(SPEC))
    assert run_cli(["train", f"{saved}.json", "--data", "mnist-5k", "--out",
                    str(tmp_path / "again")]) == 1
    err = capsys.readouterr().err
    assert "the trained network takes 1x16x16 inputs and has 4 outputs but MNIST" in err
    assert "1x28x28 images and 10 classes" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "again.json").exists()


def test_a_broken_spec_is_one_line_naming_file_block_and_setting(tmp_path, capsys):
    spec = json.loads(json.dumps(SPEC))
    spec["layers"][0]["config"].update(out_channels="four", kernel_size=-3)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(spec))
    for arguments in (["train", str(path), "--out", str(tmp_path / "m")], ["summary", str(path)]):
        assert run_cli(arguments) == 1
        assert capsys.readouterr().err == (
            f"playground {arguments[0]}: error: {path}: block 0 (Conv2D): out_channels must be "
            "a whole number; received 'four' (and 1 more problem)\n")


def test_command_line_training_uses_every_core():
    from core import thread_pool
    from core.nn import parallel
    from playground.cli.interrupts import Interrupts
    from playground.cli.train_cmd import _run_in_thread

    class RecordingTrainer:
        threads = None

        def run(self):
            self.threads = parallel.threads()
            return "history"

        def stop(self):
            pass

    trainer = RecordingTrainer()
    assert _run_in_thread(trainer, report=None, stops=Interrupts()) == "history"
    assert trainer.threads == thread_pool.CORES
    assert parallel.threads() == 1  # the caller's own count is untouched
