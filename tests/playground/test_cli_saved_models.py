"""Saved models through the command line: preprocessing travels with the model, and files
saved by earlier versions still open and predict the same."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.data.sources import load_dataset
from core.files.images import write_image
from playground.cli import run_cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "saved_v1"

SPEC = {
    "name": "tiny",
    "input_shape": [1, 12, 12],
    "layers": [
        {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 2, "kernel_size": 3,
                                       "stride": 1, "padding": 1}},
        {"class": "ReLU", "config": {}},
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 288, "out_features": 4}},
    ],
}


def predictions(capsys, prefix, images) -> list[dict]:
    capsys.readouterr()
    assert run_cli(["predict", str(prefix), *map(str, images), "--json", "--top", "4"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def shape_images(tmp_path):
    _, test = load_dataset("shapes", size=12)
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"shape{i}.png")
        write_image(paths[-1], np.rint(test.images[i, 0] * 255).astype(np.uint8))
    return paths


def test_a_normalised_model_predicts_the_same_without_its_history(tmp_path, capsys,
                                                                  shape_images):
    spec = tmp_path / "tiny-spec.json"
    spec.write_text(json.dumps(SPEC))
    prefix = tmp_path / "tiny"
    assert run_cli(["train", str(spec), "--data", "shapes", "--normalize", "--epochs", "2",
                    "--optimizer", "adam", "--lr", "0.01", "--out", str(prefix)]) == 0
    with_history = predictions(capsys, prefix, shape_images)
    Path(f"{prefix}.history.json").unlink()
    assert predictions(capsys, prefix, shape_images) == with_history
    Path(f"{prefix}.history.json").write_text("{ broken")
    assert predictions(capsys, prefix, shape_images) == with_history


def test_a_model_saved_by_the_first_version_predicts_as_it_did(tmp_path, capsys):
    for path in FIXTURE.iterdir():
        shutil.copy(path, tmp_path / path.name)
    images = [tmp_path / "shape0.png", tmp_path / "shape1.png"]
    expected = [json.loads(line)
                for line in (FIXTURE / "predictions.jsonl").read_text().splitlines()]
    got = predictions(capsys, tmp_path / "tiny", images)
    for want, have in zip(expected, got, strict=True):
        assert [t["class"] for t in have["top"]] == [t["class"] for t in want["top"]]
        np.testing.assert_allclose([t["probability"] for t in have["top"]],
                                   [t["probability"] for t in want["top"]], rtol=1e-5, atol=1e-6)


def test_training_a_saved_model_further_keeps_its_preprocessing(tmp_path, capsys):
    from core.train.bundle import load_bundle

    spec = tmp_path / "tiny-spec.json"
    spec.write_text(json.dumps(SPEC))
    assert run_cli(["train", str(spec), "--data", "shapes", "--normalize", "--epochs", "1",
                    "--clip-norm", "0.5", "--out", str(tmp_path / "first")]) == 0
    first = load_bundle(tmp_path / "first")
    assert first.recipe.clip_norm == 0.5 and first.recipe.data_options["size"] == 12
    assert run_cli(["train", str(tmp_path / "first.json"), "--data", "shapes", "--epochs", "1",
                    "--out", str(tmp_path / "second")]) == 0  # no --normalize this time
    second = load_bundle(tmp_path / "second")
    assert second.preprocessing.mean == first.preprocessing.mean is not None
    assert second.recipe.mean == first.recipe.mean and second.recipe.normalize
