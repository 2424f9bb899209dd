"""The exported folder's train.py: it reads the data as Playground does, trains on one process
or under torchrun (the same numbers), keeps frozen filters, and its checkpoint comes back into
Playground predicting as PyTorch does."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from core.data.cifar import load_cifar10
from core.data.image_folder import load_image_folder
from core.data.sources import load_dataset
from core.export.pytorch_folder import export_pytorch
from core.export.pytorch_import import import_pytorch
from core.files.images import write_image
from core.nn.model import Sequential
from core.nn.spec import read_spec
from core.resources import resource_path
from core.train.bundle import load_bundle
from core.train.bundle_files import BundleError
from core.train.preprocessing import Preprocessing
from core.train.recipe import Recipe

torch = pytest.importorskip("torch")

from export_helpers import load_exported, load_train_script, run_script, trained  # noqa: E402

SEEDED = {
    "name": "seeded", "input_shape": [1, 28, 28], "classes": [str(d) for d in range(10)],
    "layers": [
        {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 4, "kernel_size": 3,
                                       "stride": 2, "padding": 1},
         "init": {"kernels": [{"name": "Sobel x", "values": [[-1, 0, 1], [-2, 0, 2],
                                                             [-1, 0, 1]]}], "freeze": True}},
        {"class": "ReLU", "config": {}},
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 784, "out_features": 10,
                                      "trainable": False}},
    ]}
EPOCH_LINE = re.compile(r"epoch (\d+)/(\d+): .*test loss ([\d.]+), accuracy ([\d.]+)%; "
                        r"lr ([\d.e-]+)")


def _epochs(output: str) -> list[tuple]:
    return [m.groups() for m in EPOCH_LINE.finditer(output)]


def test_export_train_in_pytorch_import_predicts_as_the_pytorch_checkpoint(tmp_path):
    model, preprocessing, recipe, test = trained(SEEDED)
    folder = tmp_path / "seeded-pytorch"
    export_pytorch(model, preprocessing, recipe, folder)
    done = run_script(folder, "train.py", "--epochs", "2", "--train-limit", "600",
                      "--lr", "0.02")
    assert done.returncode == 0, done.stderr
    assert [e[:2] for e in _epochs(done.stdout)] == [("1", "2"), ("2", "2")]
    facts = json.loads((folder / "checkpoint.json").read_text())
    assert facts["epochs"] == 2 and facts["mean"] == pytest.approx(preprocessing.mean)

    module = load_exported(folder)
    start, end = module.read_weights(), module.read_weights(folder / "checkpoint.npz")
    assert torch.equal(end["conv1.weight"][0], start["conv1.weight"][0])  # the seeded filter
    assert not torch.equal(end["conv1.weight"][1:], start["conv1.weight"][1:])
    assert torch.equal(end["dense1.weight"], start["dense1.weight"])  # the frozen block

    imported = import_pytorch(folder, tmp_path / "back")
    assert imported.source == folder / "checkpoint.npz"
    bundle = load_bundle(tmp_path / "back")
    images = test.images[:100]
    ours = bundle.model.predict(bundle.preprocessing.apply(images))
    theirs = module.load(folder / "checkpoint.npz").predict(module.prepare(images)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert not np.allclose(ours, model.predict(preprocessing.apply(images)), atol=1e-3)
    assert bundle.model.layers[0].frozen_filters == 1 and not bundle.model.layers[3].trainable
    assert bundle.recipe.mean == pytest.approx(preprocessing.mean)


@pytest.mark.slow
def test_torchrun_on_two_processes_trains_as_one_process_does(tmp_path):
    spec = read_spec(resource_path("models", "reference.json"))
    model = Sequential.from_spec(spec, seed=0)
    recipe = Recipe(normalize=True, mean=[0.1307], std=[0.3081])
    export_pytorch(model, Preprocessing(model.input_shape, model.classes, recipe.mean,
                                        recipe.std), recipe, tmp_path / "out")
    one = run_script(tmp_path / "out", "train.py", "--epochs", "1", "--out", "one.npz")
    two = run_script(tmp_path / "out", "train.py", "--epochs", "1", "--out", "two.npz",
                     torchrun=2)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert "2 processes (gloo) on cpu, 64 samples a step" in two.stdout
    assert "4000 train / 1000 test samples" in two.stdout  # the whole sets, not a shard
    (epoch_one,), (epoch_two,) = _epochs(one.stdout), _epochs(two.stdout)
    assert float(epoch_one[3]) > 80  # it learned
    assert abs(float(epoch_two[3]) - float(epoch_one[3])) <= 2.0
    assert json.loads((tmp_path / "out" / "two.json").read_text())["processes"] == 2


def test_train_py_reads_each_kind_of_data_as_playground_does(tmp_path):
    export_pytorch(*_small_export(tmp_path, (1, 12, 12)))
    script = load_train_script(tmp_path / "out")
    ours = load_dataset("mnist-5k")
    theirs = load_train_script(_mnist_export(tmp_path)).load_data("mnist-5k", {})
    _same(ours, theirs)

    for label, name in enumerate(("circle", "square", "ring")):
        (tmp_path / "pics" / name).mkdir(parents=True)
        for k in range(4):
            rng = np.random.default_rng([label, k])
            pixels = rng.integers(0, 256, size=(20 + k, 17, 3), dtype=np.uint8)
            write_image(tmp_path / "pics" / name / f"{k}.png", pixels)
    options = {"test_fraction": 0.25, "seed": 3}
    ours = load_image_folder(tmp_path / "pics", size=12, grey=True, **options)
    _same(ours, script.load_data(f"folder:{tmp_path / 'pics'}", options))

    cifar = tmp_path / "cifar-10-batches-bin"
    cifar.mkdir()
    rng = np.random.default_rng(0)
    for name, count in (("data_batch_1.bin", 5), ("data_batch_2.bin", 3),
                        ("test_batch.bin", 4)):
        records = rng.integers(0, 256, size=(count, 3073), dtype=np.uint8)
        records[:, 0] %= 10
        records.tofile(cifar / name)
    export_pytorch(*_small_export(tmp_path / "c", (1, 32, 32)))
    _same(load_cifar10(tmp_path, grey=True),
          load_train_script(tmp_path / "c" / "out").load_data(f"cifar10:{tmp_path}", {}))


def _small_export(tmp_path, shape):
    spec = {"name": "small", "input_shape": list(shape), "classes": [str(d) for d in range(10)],
            "layers": [{"class": "Flatten", "config": {}},
                       {"class": "Dense", "config": {"in_features": math.prod(shape),
                                                     "out_features": 10}}]}
    model = Sequential.from_spec(spec)
    return model, Preprocessing(model.input_shape, model.classes), None, tmp_path / "out"


def _mnist_export(tmp_path):
    model, preprocessing, _recipe, folder = _small_export(tmp_path / "m", (1, 28, 28))
    export_pytorch(model, preprocessing, Recipe(), folder)
    return folder


def _same(ours, theirs):
    for dataset, (images, labels) in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(images, dataset.images, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(labels, dataset.labels)


def test_train_py_follows_the_recipes_schedule_augmentation_and_clipping(tmp_path):
    model, preprocessing, _recipe, folder = _small_export(tmp_path, (1, 28, 28))
    recipe = Recipe(optimizer={"class": "Adam", "config": {"lr": 0.004}},
                    schedule={"class": "CosineLR", "config": {}}, epochs=3, shift=2, flip=True,
                    clip_norm=1.0, train_limit=256, test_limit=128, batch_size=32)
    export_pytorch(model, preprocessing, recipe, folder)
    done = run_script(folder, "train.py")
    assert done.returncode == 0, done.stderr
    rates = [float(e[4]) for e in _epochs(done.stdout)]
    assert rates == pytest.approx([0.004, 0.004 * 0.75, 0.004 * 0.25], rel=1e-3)
    assert "256 train / 128 test samples" in done.stdout
    assert "--shift" in run_script(folder, "train.py", "--help").stdout


def test_import_refuses_a_checkpoint_that_does_not_fit_the_network(tmp_path):
    model, preprocessing, recipe, folder = _small_export(tmp_path, (1, 28, 28))
    export_pytorch(model, preprocessing, recipe, folder)
    np.savez(folder / "checkpoint.npz", **{"dense1.weight": np.zeros((10, 783), np.float32),
                                           "dense1.bias": np.zeros(10, np.float32)})
    with pytest.raises(BundleError, match=r"checkpoint.npz: array dense1.weight has shape "
                                          r"\(10, 783\) but the network needs \(10, 784\)"):
        import_pytorch(folder, tmp_path / "back")
    np.savez(folder / "checkpoint.npz", **{"dense1.weight": np.zeros((10, 784), np.float32)})
    with pytest.raises(BundleError, match="missing dense1.bias"):
        import_pytorch(folder, tmp_path / "back")
    (folder / "checkpoint.npz").write_bytes(b"not a zip")
    with pytest.raises(BundleError, match="checkpoint.npz: truncated, damaged or not an .npz"):
        import_pytorch(folder, tmp_path / "back")
    assert not (tmp_path / "back.json").exists()
    (folder / "checkpoint.npz").unlink()
    assert import_pytorch(folder, tmp_path / "back").notes[0].endswith(
        "the exported weights.npz was read")
    with pytest.raises(BundleError, match="no network.json"):
        import_pytorch(tmp_path, tmp_path / "back")
