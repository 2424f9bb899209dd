"""Saved models as one bundle: files from a prefix, a whole-set save, checks on reading,
preprocessing that travels with the model, and files from before the format had a version."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.data.image_folder import prepare_image
from core.data.sources import load_dataset
from core.files.images import read_image
from core.nn.model import Sequential, SpecError
from core.resources import resource_path
from core.train import bundle as bundle_module
from core.train.bundle import (
    DOCUMENT_MEMBER,
    VERSION,
    BundleError,
    Preprocessing,
    bundle_paths,
    load_bundle,
    model_prefix,
    read_weights,
    save_bundle,
)
from core.train.history import History
from core.train.recipe import Recipe
from core.train.run_setup import build_trainer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "saved_v1"


def example(name):
    return json.loads(resource_path("models", f"{name}.json").read_text())


def conv(i, o, k=3, stride=1, padding=0):
    return {"class": "Conv2D", "config": {"in_channels": i, "out_channels": o, "kernel_size": k,
                                          "stride": stride, "padding": padding}}


@pytest.mark.parametrize("given", ["run/m", "run/m.json", "run/m.npz", "run/m.history.json"])
def test_one_rule_gives_the_files_of_a_prefix(given):
    paths = bundle_paths(given)
    assert model_prefix(given) == Path("run/m") == paths.prefix
    assert [p.name for p in paths.all()] == ["m.json", "m.npz", "m.history.json"]
    assert bundle_paths("run/m.last").model == Path("run/m.last.json")


def test_save_and_load_round_trip(tmp_path):
    model = Sequential.from_spec(example("lenet5"), seed=7)
    written = save_bundle(tmp_path / "net", model)
    assert [p.name for p in written] == ["net.json", "net.npz"]
    loaded = load_bundle(tmp_path / "net.json")
    assert loaded.model.spec() == model.spec() and loaded.version == VERSION
    assert loaded.recipe is None and loaded.history is None and loaded.notes == []
    x = np.random.default_rng(3).random((2, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(loaded.model.predict(x), model.predict(x))
    with np.load(written[1], allow_pickle=False) as data:  # the weights and the document
        assert sorted(data.files) == sorted([*model.get_weights(), DOCUMENT_MEMBER])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "net.npz"]


def test_the_model_document_is_still_a_spec(tmp_path):
    model = Sequential.from_spec(example("reference"), seed=1)
    recipe = Recipe(normalize=True, mean=[0.1], std=[0.3], epochs=2)
    save_bundle(tmp_path / "net", model, recipe=recipe)
    document = json.loads((tmp_path / "net.json").read_text())
    assert Sequential.from_spec(document).spec() == model.spec()
    assert document["bundle"]["format"] == "playground-model"
    assert document["bundle"]["version"] == VERSION
    assert document["bundle"]["preprocessing"]["mean"] == [0.1]
    assert Recipe.from_dict(document["bundle"]["recipe"]) == recipe


def test_loading_weights_of_another_architecture_is_refused(tmp_path):
    save_bundle(tmp_path / "ref", Sequential.from_spec(example("reference")))
    document = json.loads((tmp_path / "ref.json").read_text())
    document["layers"][0] = conv(1, 16, padding=1)
    document["layers"][3] = conv(16, 16, padding=1)
    (tmp_path / "ref.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"ref.npz: array 0.weight has shape \(8, 1, 3, 3\) "
                                         r"but the network needs \(16, 1, 3, 3\)"):
        load_bundle(tmp_path / "ref")
    mlp = Sequential.from_spec(example("tiny_mlp"))
    with pytest.raises(ValueError, match=r"missing 1.bias, 1.weight; unexpected 0.bias"):
        mlp.set_weights(read_weights(tmp_path / "ref.npz"), source="ref.npz")


def test_pickled_or_broken_files_are_refused(tmp_path):
    model = Sequential.from_spec(example("tiny_mlp"))
    weights = model.get_weights()
    weights["1.weight"] = np.array([object()] * 3, dtype=object)
    with open(tmp_path / "bad.npz", "wb") as f:
        np.savez(f, **weights)
    with pytest.raises(ValueError, match="bad.npz"):
        read_weights(tmp_path / "bad.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="junk.npz"):
        read_weights(tmp_path / "junk.npz")
    with pytest.raises(ValueError, match=r"absent.json: no such model"):
        load_bundle(tmp_path / "absent")
    (tmp_path / "text.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"text.json: not valid JSON .*expected a saved model"):
        load_bundle(tmp_path / "text")
    with pytest.raises(ValueError, match=r"m\.history\.json is a training history, not a "
                                         r"model; open m\.json"):
        load_bundle(tmp_path / "m.history.json")


def _history(epochs: int) -> History:
    history = History(meta={"epochs": epochs})
    history.epochs = [{"epoch": e + 1, "train_loss": 1.0 / (e + 1)} for e in range(epochs)]
    history.stop_reason = "finished"
    return history


def test_a_failed_save_leaves_the_old_files_and_the_model_intact(tmp_path, monkeypatch):
    model = Sequential.from_spec(example("tiny_mlp"), seed=1)
    save_bundle(tmp_path / "net", model, history=_history(1))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    other = Sequential.from_spec(example("tiny_mlp"), seed=2)
    weights = other.get_weights()
    real_replace = bundle_module.os.replace
    calls = []

    def failing_replace(source, target):  # staging works; putting the files in place fails
        if not Path(target).name.startswith("."):
            calls.append(Path(target).name)
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(bundle_module.os, "replace", failing_replace)
    monkeypatch.setattr(History, "to_text", lambda self: (_ for _ in ()).throw(
        OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        save_bundle(tmp_path / "net", other, history=_history(2))
    assert calls == []  # nothing was put in place: the history could not be staged
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    monkeypatch.undo()
    monkeypatch.setattr(bundle_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        save_bundle(tmp_path / "net", other, history=_history(2))
    assert calls == ["net.npz"]  # everything was staged, then the first rename failed
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no staged leftovers
    for name, value in weights.items():
        np.testing.assert_array_equal(other.get_weights()[name], value)


def test_the_model_file_is_put_in_place_last(tmp_path, monkeypatch):
    model = Sequential.from_spec(example("tiny_mlp"), seed=1)
    order = []
    real_replace = bundle_module.os.replace

    def spy(source, target):
        if not Path(target).name.startswith("."):  # not the staging of a file
            order.append(Path(target).name)
        real_replace(source, target)

    monkeypatch.setattr(bundle_module.os, "replace", spy)
    save_bundle(tmp_path / "net", model, history=_history(1))
    assert order == ["net.npz", "net.history.json", "net.json"]


def test_a_half_replaced_set_is_told_from_a_whole_one(tmp_path):
    old = Sequential.from_spec(example("tiny_mlp"), seed=1)
    new = Sequential.from_spec(example("tiny_mlp"), seed=2)
    save_bundle(tmp_path / "a", old, history=_history(1))
    save_bundle(tmp_path / "b", new, history=_history(2))
    whole = load_bundle(tmp_path / "a")
    assert whole.notes == [] and len(whole.history.epochs) == 1
    # The weights of the second save were put in place, then the save stopped.
    shutil.copy(tmp_path / "b.npz", tmp_path / "a.npz")
    with pytest.raises(BundleError) as caught:
        load_bundle(tmp_path / "a")
    message = str(caught.value)
    assert "a.npz" in message and "not the file saved with a.json" in message
    assert len(message.splitlines()) == 1
    # Only the history was replaced: the model opens, without the curves, and says why.
    save_bundle(tmp_path / "a", old, history=_history(1))
    shutil.copy(tmp_path / "b.history.json", tmp_path / "a.history.json")
    half = load_bundle(tmp_path / "a")
    assert half.history is None
    assert len(half.notes) == 1 and "a.history.json" in half.notes[0]
    for name, value in old.get_weights().items():
        np.testing.assert_array_equal(half.model.get_weights()[name], value)


def test_a_newer_format_is_refused_by_name(tmp_path):
    save_bundle(tmp_path / "m", Sequential.from_spec(example("tiny_mlp")))
    document = json.loads((tmp_path / "m.json").read_text())
    document["bundle"]["version"] = VERSION + 1
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(BundleError, match=r"m\.json: written by a newer Playground"):
        load_bundle(tmp_path / "m")


SHAPES_SPEC = {
    "name": "tiny", "input_shape": [1, 12, 12],
    "layers": [conv(1, 2, padding=1), {"class": "ReLU", "config": {}},
               {"class": "Flatten", "config": {}},
               {"class": "Dense", "config": {"in_features": 288, "out_features": 4}}],
}


def test_a_normalised_model_predicts_the_same_without_its_history(tmp_path):
    train, test = load_dataset("shapes", size=12)
    recipe = Recipe(data="shapes", normalize=True, epochs=1, optimizer={
        "class": "Adam", "config": {"lr": 0.01}})
    model = Sequential.from_spec(SHAPES_SPEC, seed=0)
    trainer = build_trainer(recipe, model, train, test)
    history = trainer.run()
    assert trainer.recipe.mean is not None and trainer.train.mean == trainer.recipe.mean
    save_bundle(tmp_path / "m", model, recipe=trainer.recipe, history=history)
    saved = load_bundle(tmp_path / "m")
    raw = test.images[:20]
    expected = model.predict(trainer.test.images[:20])
    assert not np.allclose(model.predict(raw), expected, atol=1e-3)  # normalising matters
    np.testing.assert_allclose(saved.model.predict(saved.preprocessing.apply(raw)), expected,
                               rtol=1e-5, atol=1e-6)
    for damage in ("missing", "broken"):
        path = tmp_path / "m.history.json"
        if damage == "missing":
            path.unlink()
        else:
            path.write_text("{ broken")
        again = load_bundle(tmp_path / "m")
        np.testing.assert_allclose(again.model.predict(again.preprocessing.apply(raw)),
                                   expected, rtol=1e-5, atol=1e-6)
        assert again.recipe == trainer.recipe


def test_files_saved_before_the_format_had_a_version_open_and_predict_the_same(tmp_path):
    for path in FIXTURE.iterdir():
        shutil.copy(path, tmp_path / path.name)
    saved = load_bundle(tmp_path / "tiny.json")
    assert saved.version == 1 and saved.model.classes == ["circle", "square", "triangle",
                                                          "cross"]
    assert saved.preprocessing.mean == pytest.approx([0.25205039978027344])
    assert saved.history.stop_reason == "finished"
    assert (saved.recipe.batch_size, saved.recipe.seed, saved.recipe.epochs) == (32, 2, 1)
    assert saved.recipe.mean == saved.preprocessing.mean
    images = np.stack([prepare_image(read_image(tmp_path / f"shape{i}.png"), (1, 12, 12),
                                     invert="auto") for i in range(2)])
    probabilities = saved.model.predict(saved.preprocessing.apply(images))
    for line, row in zip((FIXTURE / "predictions.jsonl").read_text().splitlines(),
                         probabilities, strict=True):
        for entry in json.loads(line)["top"]:
            index = saved.model.classes.index(entry["class"])
            assert row[index] == pytest.approx(entry["probability"], rel=1e-5, abs=1e-6)
    # Saved again, they become a versioned bundle that keeps the normalisation.
    save_bundle(tmp_path / "again", saved.model, recipe=saved.recipe, history=saved.history)
    (tmp_path / "again.history.json").unlink()
    again = load_bundle(tmp_path / "again")
    assert again.version == VERSION and again.preprocessing.mean == saved.preprocessing.mean
    np.testing.assert_allclose(again.model.predict(again.preprocessing.apply(images)),
                               probabilities, rtol=1e-6, atol=1e-7)


def test_an_unversioned_history_from_the_app_gives_the_form_settings(tmp_path):
    save_bundle(tmp_path / "m", Sequential.from_spec(example("tiny_mlp")))
    document = json.loads((tmp_path / "m.json").read_text())
    del document["bundle"]
    (tmp_path / "m.json").write_text(json.dumps(document))
    history = History(meta={"settings": {
        "epochs": 3, "batch_size": 16, "optimizer": "adam", "learning_rate": 0.002,
        "momentum": 0.9, "schedule": "step", "weight_decay": 1e-4, "seed": 4,
        "augment_shift": 2, "augment_flip": True, "train_limit": 0, "test_limit": 100}})
    history.to_json(tmp_path / "m.history.json")
    recipe = load_bundle(tmp_path / "m").recipe
    assert recipe.optimizer == {"class": "Adam", "config": {"lr": 0.002, "weight_decay": 1e-4}}
    assert recipe.schedule["class"] == "StepLR" and (recipe.shift, recipe.flip) == (2, True)
    assert (recipe.epochs, recipe.batch_size, recipe.seed, recipe.test_limit) == (3, 16, 4, 100)


def test_preprocessing_standardises_per_channel():
    pre = Preprocessing((3, 2, 2), None, [0.5, 0.0, 1.0], [0.5, 1.0, 2.0])
    images = np.ones((1, 3, 2, 2), np.float32)
    np.testing.assert_allclose(pre.apply(images)[0, :, 0, 0], [1.0, 1.0, 0.0], rtol=0,
                               atol=1e-7)
    assert Preprocessing((4,)).apply(images[0, 0]).dtype == np.float32
    with pytest.raises(BundleError, match="mean and std"):
        Preprocessing.from_dict({"input_shape": [1, 2, 2], "mean": [0.1], "std": None}, "m.json")


def test_a_spec_problem_names_the_model_file(tmp_path):
    save_bundle(tmp_path / "m", Sequential.from_spec(example("tiny_mlp")))
    document = json.loads((tmp_path / "m.json").read_text())
    document["layers"][0]["class"] = "Nope"
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(SpecError, match=r"m\.json: .*unknown class 'Nope'"):
        load_bundle(tmp_path / "m")
