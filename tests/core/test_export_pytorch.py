"""The PyTorch folder: every shipped network, trained one epoch, computes in PyTorch what it
computes here; every block maps to its torch.nn module with the same weights; what PyTorch
cannot represent is refused with the reason."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from core.export.errors import ExportRefused
from core.export.pytorch_folder import export_pytorch, pytorch_files
from core.export.template_text import fill
from core.export.torch_blocks import KIND_NAMES, frozen_rows, state_names, torch_blocks
from core.nn.layer import LAYERS
from core.nn.model import Sequential
from core.nn.spec import read_spec
from core.nn.templates import shipped_templates
from core.train.network_data import data_made_for
from core.train.preprocessing import Preprocessing
from core.train.recipe import Recipe

torch = pytest.importorskip("torch")

from export_helpers import load_exported, trained  # noqa: E402

TEMPLATES = shipped_templates()


def _both(model, preprocessing, module, images):
    """(engine logits, PyTorch logits, engine probabilities, PyTorch probabilities)."""
    net = module.load()
    ours = model.forward(preprocessing.apply(images))
    with torch.no_grad():
        theirs = net(module.prepare(images)).numpy()
    return (ours, theirs, model.predict(preprocessing.apply(images)),
            net.predict(module.prepare(images)).numpy())


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_every_shipped_network_trained_one_epoch_computes_the_same_in_pytorch(path, tmp_path):
    data = data_made_for(read_spec(path))
    model, preprocessing, recipe, test = trained(read_spec(path), data)
    export_pytorch(model, preprocessing, recipe, tmp_path / "out")
    module = load_exported(tmp_path / "out")
    ours, theirs, p_ours, p_theirs = _both(model, preprocessing, module, test.images[:100])
    assert ours.shape == theirs.shape == (100, len(model.classes))
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(p_theirs, p_ours, rtol=1e-5, atol=1e-5)
    assert module.CLASSES == model.classes and module.INPUT_SHAPE == model.input_shape


EVERY_BLOCK = {
    "name": "every block", "input_shape": [2, 12, 12], "classes": ["a", "b", "c"],
    "layers": [
        {"class": "Conv2D", "config": {"in_channels": 2, "out_channels": 4, "kernel_size": 3,
                                       "stride": 1, "padding": "same"},
         "init": {"kernels": [{"name": "edge", "values": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]}],
                  "freeze": True}},
        {"class": "LeakyReLU", "config": {"negative_slope": 0.2}},
        {"class": "AvgPool2D", "config": {"size": 3, "stride": 1}},
        {"class": "Conv2D", "config": {"in_channels": 4, "out_channels": 3, "kernel_size": 2,
                                       "stride": 2, "padding": 1, "trainable": False}},
        {"class": "Softplus", "config": {}},
        {"class": "MaxPool2D", "config": {"size": 2, "stride": None}},
        {"class": "Rows", "config": {}},
        {"class": "RNN", "config": {"input_size": 9, "hidden_size": 5, "nonlinearity": "relu",
                                    "return_sequences": True}},
        {"class": "Softmax", "config": {}},
        {"class": "LSTM", "config": {"input_size": 5, "hidden_size": 6}},
        {"class": "Tanh", "config": {}},
        {"class": "Dropout", "config": {"p": 0.3}},
        {"class": "Dense", "config": {"in_features": 6, "out_features": 8}},
        {"class": "Sigmoid", "config": {}},
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 8, "out_features": 3}},
        {"class": "ReLU", "config": {}},
        {"class": "Softmax", "config": {}},
    ],
}


def test_every_block_maps_to_its_torch_module_with_the_same_weights(tmp_path):
    assert set(KIND_NAMES) == set(LAYERS), "a block the export does not know"
    model = Sequential.from_spec(EVERY_BLOCK, seed=3)
    preprocessing = Preprocessing(model.input_shape, model.classes, [0.5, 0.4], [0.2, 0.3])
    export_pytorch(model, preprocessing, None, tmp_path / "out")
    module = load_exported(tmp_path / "out")
    images = np.random.default_rng(0).random((20, 2, 12, 12), dtype=np.float32)
    ours, theirs, p_ours, p_theirs = _both(model, preprocessing, module, images)
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p_theirs, p_ours, rtol=1e-5, atol=1e-6)
    net = module.load()
    assert [name for name, _ in net.named_children()] == [
        "conv1", "leakyrelu1", "avgpool1", "conv2", "softplus1", "pool1", "rows1", "rnn1",
        "softmax1", "lstm1", "tanh1", "dropout1", "dense1", "sigmoid1", "flatten1", "dense2",
        "relu1", "softmax2"]
    assert module.FROZEN == {"conv1.weight": 1, "conv1.bias": 1, "conv2.weight": 3,
                             "conv2.bias": 3}
    assert frozen_rows(model) == module.FROZEN


def test_model_py_has_one_line_per_block_named_like_its_card(tmp_path):
    model = Sequential.from_spec(read_spec(TEMPLATES[[p.stem for p in TEMPLATES].index(
        "reference")]))
    files = pytorch_files(model, Preprocessing(model.input_shape, model.classes), None)
    text = files.files["model.py"].decode()
    ast.parse(text)
    assert "self.conv1 = nn.Conv2d(1, 8, 3, stride=1, padding=1)  # 0: Conv 8@3x3 s1 p1" in text
    assert "self.pool2 = nn.MaxPool2d(2, stride=2)  # 5: MaxPool 2x2 s2" in text
    assert "self.dense1 = nn.Linear(784, 10)  # 7: Dense 10" in text
    assert "@begin" not in text and "@end" not in text and "class Rows" not in text
    for name in ("train.py", "predict.py"):
        ast.parse(files.files[name].decode())
    assert "{{" not in files.files["README.md"].decode()


def test_weights_are_plain_arrays_named_as_the_modules_state_dict(tmp_path):
    model = Sequential.from_spec(EVERY_BLOCK, seed=1)
    export_pytorch(model, Preprocessing(model.input_shape, model.classes), None, tmp_path)
    with np.load(tmp_path / "weights.npz", allow_pickle=False) as saved:
        arrays = {name: saved[name] for name in saved.files}
    expected = {name: tuple(v.shape)
                for name, v in load_exported(tmp_path).Network().state_dict().items()}
    assert {name: a.shape for name, a in arrays.items()} == expected
    assert all(a.dtype == np.float32 for a in arrays.values())
    names = state_names(model)
    for key, value in model.get_weights().items():
        np.testing.assert_array_equal(arrays[names[key]], value)


@pytest.mark.parametrize("change, reason", [
    ({"class": "RNN", "config": {"input_size": 28, "hidden_size": 4,
                                 "nonlinearity": "sigmoid"}},
     "block 1 (RNN) uses sigmoid, but PyTorch's nn.RNN knows only tanh and relu"),
    ({"class": "RNN", "config": {"input_size": 28, "hidden_size": 4,
                                 "return_sequences": True}},
     "not one score per class"),
])
def test_a_network_pytorch_cannot_represent_is_refused_with_the_reason(change, reason, tmp_path):
    spec = {"name": "n", "input_shape": [1, 28, 28],
            "layers": [{"class": "Rows", "config": {}}, change]}
    model = Sequential.from_spec(spec)
    with pytest.raises(ExportRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        export_pytorch(model, Preprocessing(model.input_shape), None, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_folder_holding_other_files_or_a_checkpoint_is_refused(tmp_path):
    model = Sequential.from_spec(read_spec(TEMPLATES[0]))
    preprocessing = Preprocessing(model.input_shape, model.classes)
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ExportRefused, match="not empty"):
        export_pytorch(model, preprocessing, None, tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    export_pytorch(model, preprocessing, None, tmp_path / "out")
    export_pytorch(model, preprocessing, None, tmp_path / "out")  # an earlier export: replaced
    (tmp_path / "out" / "checkpoint.npz").write_bytes(b"trained")
    with pytest.raises(ExportRefused, match="checkpoint.npz"):
        export_pytorch(model, preprocessing, None, tmp_path / "out")


def test_truncated_backpropagation_is_noted_since_pytorch_trains_through_all_steps(tmp_path):
    spec = {"name": "n", "input_shape": [6, 3], "classes": ["a", "b"], "layers": [
        {"class": "RNN", "config": {"input_size": 3, "hidden_size": 4, "truncate": 2}},
        {"class": "Dense", "config": {"in_features": 4, "out_features": 2}}]}
    model = Sequential.from_spec(spec)
    notes = export_pytorch(model, Preprocessing(model.input_shape), None, tmp_path)
    assert notes == ["block 0 (RNN) backpropagates through pieces of 2 steps here; train.py "
                     "backpropagates through all of them"]
    assert "Note: block 0 (RNN)" in (tmp_path / "README.md").read_text()


def test_the_run_recipe_becomes_train_py_defaults_and_generated_data_is_written(tmp_path):
    model = Sequential.from_spec(read_spec(TEMPLATES[[p.stem for p in TEMPLATES].index(
        "rnn_first_symbol")]))
    recipe = Recipe(data="first-symbol", optimizer={"class": "Adam", "config": {"lr": 0.002}},
                    schedule={"class": "StepLR", "config": {"step_size": 3, "gamma": 0.5}},
                    epochs=7, batch_size=32, seed=4, clip_norm=5.0)
    files = pytorch_files(model, Preprocessing(model.input_shape, model.classes), recipe)
    assert set(files.files) >= {"data/first-symbol/train.npz", "data/first-symbol/test.npz"}
    namespace = {}
    text = files.files["train.py"].decode()
    start = text.index("DEFAULTS = ")
    exec(text[start:text.index("\n}\n", start) + 3], namespace)  # the literal only
    defaults = namespace["DEFAULTS"]
    assert defaults["data"] == "arrays:data/first-symbol"
    assert defaults["optimizer"]["class"] == "Adam" and defaults["optimizer"]["config"][
        "lr"] == 0.002
    assert (defaults["epochs"], defaults["batch_size"], defaults["seed"],
            defaults["clip_norm"]) == (7, 32, 4, 5.0)
    assert defaults["schedule"] == {"class": "StepLR", "config": {"step_size": 3, "gamma": 0.5}}


def test_template_markers_are_filled_or_refused():
    text = "A = 1  # @a\n    # @begin b\n    old()\n    # @end b\nsay {{c}}\n"
    assert fill(text, {"a": "A = 2", "b": "x = 1\ny = 2", "c": "hi"}) == (
        "A = 2\n    x = 1\n    y = 2\nsay hi\n")
    with pytest.raises(KeyError):
        fill(text, {"a": "A = 2"})


def test_torch_blocks_name_each_kind_by_its_rank():
    model = Sequential.from_spec(EVERY_BLOCK)
    blocks = torch_blocks(model)
    assert blocks[-1].calls == []  # the closing Softmax: predict() applies it
    assert blocks[8].calls == ["x = self.softmax1(x)"]  # one in the middle is applied
    assert blocks[9].calls == ["x, _ = self.lstm1(x)", "x = x[:, -1]  # the last state"]
