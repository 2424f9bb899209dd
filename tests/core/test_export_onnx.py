"""The ONNX exit: onnxruntime running the exported file gives the engine's outputs, for every
shipped template after training and for a random network of every block; what cannot be
exported is refused with the reason; without onnx the message names the extra."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.data.sources import load_dataset
from core.export.errors import ExportRefused, MissingExtra
from core.export.onnx_file import OPSET, export_onnx
from core.nn.layer import LAYERS, Layer
from core.nn.layers import Dense, Flatten
from core.nn.model import Sequential
from core.nn.spec import read_spec
from core.nn.templates import shipped_templates
from core.train.bundle import load_bundle, save_bundle
from core.train.fitting import data_options, fit_to_data
from core.train.network_data import data_made_for
from core.train.preprocessing import Preprocessing
from core.train.recipe import Recipe
from core.train.run_setup import build_trainer

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-5
TEMPLATES = {path.stem: path for path in shipped_templates()}


def run_onnx(path, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, logits) onnxruntime computes from the file for the batch x."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probabilities, logits = session.run(["probabilities", "logits"], {"input": x})
    return probabilities, logits


def assert_matches_engine(model, path, raw: np.ndarray, preprocessing=None) -> None:
    """The file's outputs for `raw` inputs against the engine's for the same inputs prepared
    as the engine prepares them."""
    prepared = raw if preprocessing is None else preprocessing.apply(raw)
    probabilities, logits = run_onnx(path, raw)
    np.testing.assert_allclose(logits, model.forward(prepared), rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(probabilities, model.predict(prepared), rtol=0, atol=TOLERANCE)


# ----- every shipped template, trained one epoch ------------------------------------------------
@pytest.fixture(scope="module")
def data_sets():
    found = {}

    def get(source, options):
        key = (source, json.dumps(options, sort_keys=True))
        if key not in found:
            found[key] = load_dataset(source, **options)
        return found[key]
    return get


def test_every_shipped_template_is_checked():
    assert {"reference", "lenet5", "lstm_digits", "rnn_digits", "rnn_first_symbol",
            "tiny_mlp", "tiny_cnn_9x9", "chain_sigmoid"} <= set(TEMPLATES)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_trained_template_runs_in_onnxruntime_as_in_the_engine(name, data_sets, tmp_path):
    source = data_made_for(read_spec(TEMPLATES[name]))
    spec = read_spec(TEMPLATES[name])
    options = data_options(source, spec)
    train, test = data_sets(source, options)
    spec = fit_to_data(spec, train).spec
    recipe = Recipe(data=source, data_options=options, normalize=True, epochs=1, batch_size=32,
                    train_limit=300, test_limit=100, seed=3)
    model = Sequential.from_spec(spec, seed=3)
    before = model.get_weights()
    trainer = build_trainer(recipe, model, train, test)
    history = trainer.run()
    assert len(history.epochs) == 1
    assert any(not np.array_equal(before[k], v) for k, v in model.get_weights().items())
    save_bundle(tmp_path / name, model, recipe=trainer.recipe, history=history)
    bundle = load_bundle(tmp_path / name)
    assert bundle.preprocessing.mean is not None  # the graph standardises the inputs

    target = tmp_path / f"{name}.onnx"
    export_onnx(bundle.model, target, preprocessing=bundle.preprocessing)
    raw = test.images[:100]  # as the data set gives them, values 0..1 for images
    assert raw.shape == (100, *model.input_shape)
    assert_matches_engine(bundle.model, target, raw, bundle.preprocessing)
    assert_matches_engine(bundle.model, target, raw[:1], bundle.preprocessing)  # any batch size


# ----- a random network for every block and every way of setting it ---------------------------
def dense(n_in, n_out):
    return {"class": "Dense", "config": {"in_features": n_in, "out_features": n_out}}


def block(name, **config):
    return {"class": name, "config": config}


def conv(c_in, c_out, k, stride, padding):
    return block("Conv2D", in_channels=c_in, out_channels=c_out, kernel_size=k, stride=stride,
                 padding=padding)


def flat_head(spec_layers, input_shape, classes=4):
    """The layers followed by Flatten and a Dense giving `classes` scores, input filled in."""
    spec = {"name": "probe", "input_shape": list(input_shape),
            "layers": [*spec_layers, block("Flatten"), dense(1, classes)]}
    shape = Sequential.from_spec({**spec, "layers": spec_layers}).output_shape if spec_layers \
        else tuple(input_shape)
    spec["layers"][-1]["config"]["in_features"] = int(np.prod(shape))
    return spec


def activation_net(name, **config):
    return {"name": name, "input_shape": [6],
            "layers": [dense(6, 8), block(name, **config), dense(8, 4)]}


def rnn(n_in, hidden, **config):
    return block("RNN", input_size=n_in, hidden_size=hidden, **config)


def lstm(n_in, hidden, **config):
    return block("LSTM", input_size=n_in, hidden_size=hidden, **config)


CASES = {
    "Conv2D padding 2 stride 2": flat_head([conv(2, 3, 3, 2, 2)], (2, 9, 9)),
    "Conv2D same 5x5": flat_head([conv(3, 4, 5, 1, "same"), block("ReLU")], (3, 8, 8)),
    "Conv2D 2x2 stride 3": flat_head([conv(1, 2, 2, 3, 0)], (1, 10, 10)),
    "MaxPool2D tiles": flat_head([block("MaxPool2D", size=3, stride=None)], (2, 9, 9)),
    "MaxPool2D overlapping": flat_head([block("MaxPool2D", size=3, stride=2)], (2, 9, 8)),
    "MaxPool2D with gaps": flat_head([block("MaxPool2D", size=2, stride=3)], (1, 10, 11)),
    "AvgPool2D tiles": flat_head([block("AvgPool2D", size=2, stride=None)], (3, 7, 7)),
    "AvgPool2D overlapping": flat_head([block("AvgPool2D", size=3, stride=1)], (2, 6, 6)),
    "Dense alone": {"name": "d", "input_shape": [6], "layers": [dense(6, 3)]},
    "Flatten of a sequence": flat_head([], (5, 3)),
    "Dropout": {"name": "d", "input_shape": [6],
                "layers": [dense(6, 8), block("Dropout", p=0.5), dense(8, 4)]},
    "ReLU": activation_net("ReLU"),
    "LeakyReLU": activation_net("LeakyReLU", negative_slope=0.2),
    "Sigmoid": activation_net("Sigmoid"),
    "Tanh": activation_net("Tanh"),
    "Softplus": {"name": "d", "input_shape": [6], "layers": [block("Softplus"), dense(6, 4)]},
    "Softmax inside, over values": activation_net("Softmax"),
    "Softmax inside, over maps": flat_head([conv(2, 3, 3, 1, 1), block("Softmax")], (2, 5, 5)),
    "Softmax inside, over steps": flat_head([block("Softmax")], (5, 3)),
    "Softmax at the end": {"name": "d", "input_shape": [6],
                           "layers": [dense(6, 5), block("Softmax")]},
    "RNN tanh": {"name": "r", "input_shape": [7, 3], "layers": [rnn(3, 5), dense(5, 4)]},
    "RNN relu": {"name": "r", "input_shape": [7, 3],
                 "layers": [rnn(3, 5, nonlinearity="relu"), dense(5, 4)]},
    "RNN sigmoid every step": flat_head([rnn(3, 5, nonlinearity="sigmoid",
                                             return_sequences=True)], (6, 3)),
    "RNN truncated": {"name": "r", "input_shape": [9, 2],
                      "layers": [rnn(2, 4, truncate=3), dense(4, 3)]},
    "LSTM": {"name": "l", "input_shape": [7, 3], "layers": [lstm(3, 5), dense(5, 4)]},
    "LSTM every step into an RNN": {
        "name": "l", "input_shape": [6, 3],
        "layers": [lstm(3, 4, return_sequences=True, truncate=2), rnn(4, 5), dense(5, 3)]},
    "Rows of several maps into an LSTM": {
        "name": "l", "input_shape": [3, 5, 4], "layers": [block("Rows"), lstm(12, 6), dense(6, 4)]},
    "Conv2D then Rows into an RNN": {
        "name": "l", "input_shape": [1, 6, 6],
        "layers": [conv(1, 2, 3, 1, 1), block("Rows"), rnn(12, 5), dense(5, 3)]},
}
SCALES = {"Softplus": 40.0, "Sigmoid": 6.0, "Tanh": 6.0, "LeakyReLU": 4.0}


def random_network(spec, seed: int) -> Sequential:
    """The network with every weight and bias drawn at random (no zero bias hides a mistake)."""
    model = Sequential.from_spec(spec, seed=seed)
    rng = np.random.default_rng(seed)
    model.set_weights({name: (rng.standard_normal(value.shape) * 0.5).astype(np.float32)
                       for name, value in model.get_weights().items()})
    return model


def test_the_cases_use_every_block_the_engine_has():
    used = {layer["class"] for spec in CASES.values() for layer in spec["layers"]}
    assert used == set(LAYERS)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_random_network_of_each_block_runs_in_onnxruntime_as_in_the_engine(case, tmp_path):
    model = random_network(copy.deepcopy(CASES[case]), seed=len(case))
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((100, *model.input_shape)) * SCALES.get(case, 1.5))
    x = x.astype(np.float32)
    target = tmp_path / "net.onnx"
    export_onnx(model, target)
    assert_matches_engine(model, target, x)


# onnx's reference evaluator knows only tanh for its RNN (the standard also has Relu, Sigmoid).
BEYOND_THE_REFERENCE = {"RNN relu", "RNN sigmoid every step"}


@pytest.mark.parametrize("case", sorted(set(CASES) - BEYOND_THE_REFERENCE))
def test_onnx_s_own_reference_evaluator_agrees_with_the_engine(case, tmp_path):
    """A second reading of the standard, so no runtime's own habit is relied on."""
    from onnx.reference import ReferenceEvaluator

    model = random_network(copy.deepcopy(CASES[case]), seed=len(case))
    x = np.random.default_rng(8).standard_normal((100, *model.input_shape)).astype(np.float32)
    export_onnx(model, tmp_path / "net.onnx")
    evaluator = ReferenceEvaluator(str(tmp_path / "net.onnx"))
    probabilities, logits = evaluator.run(["probabilities", "logits"], {"input": x})
    np.testing.assert_allclose(logits, model.forward(x), rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(probabilities, model.predict(x), rtol=0, atol=TOLERANCE)


def test_ties_in_max_pooling_and_extremes_in_softplus_match(tmp_path):
    spec = flat_head([block("MaxPool2D", size=2, stride=1), block("Softplus")], (1, 6, 6))
    model = random_network(spec, seed=2)
    x = np.round(np.random.default_rng(3).standard_normal((100, 1, 6, 6)) * 2) * 30
    export_onnx(model, tmp_path / "net.onnx")
    assert np.isfinite(run_onnx(tmp_path / "net.onnx", x.astype(np.float32))[1]).all()
    assert_matches_engine(model, tmp_path / "net.onnx", x.astype(np.float32))


# ----- what the file says about itself ----------------------------------------------------------
def test_the_file_is_valid_and_states_its_input_output_and_standardisation(tmp_path):
    model = random_network(flat_head([conv(3, 2, 3, 1, 1)], (3, 5, 5), classes=3), seed=1)
    prep = Preprocessing((3, 5, 5), ["cat", "dog", "owl"], [0.5, 0.4, 0.3], [0.2, 0.25, 0.3])
    export_onnx(model, tmp_path / "net.onnx", preprocessing=prep)
    proto = onnx.load(str(tmp_path / "net.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    assert [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")] == [OPSET]
    assert OPSET >= 17
    (given,) = proto.graph.input
    dims = given.type.tensor_type.shape.dim
    assert given.name == "input" and dims[0].dim_param == "batch"
    assert [d.dim_value for d in dims[1:]] == [3, 5, 5]
    assert [o.name for o in proto.graph.output] == ["probabilities", "logits"]
    last = proto.graph.node[-1]
    assert (last.op_type, last.output[0]) == ("Softmax", "probabilities")
    assert "'probabilities'" in proto.doc_string and "softmax" in proto.doc_string
    assert "(x - mean) / std" in proto.doc_string
    assert "cat, dog, owl" in proto.doc_string
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["classes"] == '["cat", "dog", "owl"]' and meta["mean"] == "[0.5, 0.4, 0.3]"
    x = np.random.default_rng(0).random((100, 3, 5, 5), dtype=np.float32)
    assert_matches_engine(model, tmp_path / "net.onnx", x, prep)


def test_without_standardisation_the_input_goes_in_unchanged(tmp_path):
    model = random_network(CASES["Dense alone"], seed=4)
    export_onnx(model, tmp_path / "net.onnx", preprocessing=Preprocessing((6,), ["a", "b", "c"]))
    proto = onnx.load(str(tmp_path / "net.onnx"))
    assert proto.graph.node[0].op_type == "Gemm" and "no standardisation" in proto.doc_string
    x = np.random.default_rng(0).standard_normal((100, 6)).astype(np.float32)
    assert_matches_engine(model, tmp_path / "net.onnx", x)


def test_a_trailing_softmax_block_is_the_output_node(tmp_path):
    model = random_network(CASES["Softmax at the end"], seed=5)
    export_onnx(model, tmp_path / "net.onnx")
    proto = onnx.load(str(tmp_path / "net.onnx"))
    assert proto.graph.node[-1].name == "1 Softmax"
    assert "final Softmax block" in proto.doc_string
    assert sum(node.op_type == "Softmax" for node in proto.graph.node) == 1


# ----- refusals and the missing extra -----------------------------------------------------------
class _Square(Layer):
    """A block the exporter does not know (its name keeps it out of the registry)."""

    def _forward(self, x, training):
        return x * x, x

    def __repr__(self):
        return "_Square()"


def test_the_errors_are_a_value_error_and_a_runtime_error():
    assert issubclass(ExportRefused, ValueError) and issubclass(MissingExtra, RuntimeError)


def test_every_registered_block_has_an_onnx_form():
    from core.export.onnx_blocks import BLOCKS

    assert set(LAYERS.values()) <= set(BLOCKS)


@pytest.mark.parametrize("make, reason", [
    (lambda: Sequential([Flatten(), _Square(), Dense(4, 2)], (4,)),
     r"block 1 _Square\(\) has no ONNX"),
    (lambda: Sequential([], (4,)), "has no blocks"),
    (lambda: Sequential.from_spec({"name": "maps", "input_shape": [1, 5, 5],
                                   "layers": [conv(1, 2, 3, 1, 1)]}), "not class scores"),
    (lambda: Sequential.from_spec(CASES["Dense alone"], dtype=np.float64), "float64"),
])
def test_a_network_onnx_cannot_hold_as_computed_is_refused_with_the_reason(make, reason,
                                                                         tmp_path):
    target = tmp_path / "net.onnx"
    target.write_bytes(b"old")
    with pytest.raises(ExportRefused, match=reason):
        export_onnx(make(), target)
    assert target.read_bytes() == b"old"


def test_a_network_too_large_for_one_file_is_refused(monkeypatch, tmp_path):
    from core.export import onnx_file

    model = random_network(CASES["Dropout"], seed=1)  # 92 weights, 368 bytes
    monkeypatch.setattr(onnx_file, "MAX_BYTES", 367)
    with pytest.raises(ExportRefused, match="too large for one ONNX file"):
        export_onnx(model, tmp_path / "net.onnx")
    monkeypatch.setattr(onnx_file, "MAX_BYTES", 368)
    export_onnx(model, tmp_path / "net.onnx")
    assert (tmp_path / "net.onnx").stat().st_size > 368


def test_diverged_weights_are_refused_naming_the_block(tmp_path):
    model = random_network(CASES["Dropout"], seed=1)
    model.layers[2].params["weight"][0, 0] = np.nan
    with pytest.raises(ExportRefused, match=r"block 2 Dense\(8->4\): weight holds NaN"):
        export_onnx(model, tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()


def test_preprocessing_for_other_inputs_is_refused(tmp_path):
    model = random_network(CASES["Dense alone"], seed=1)
    with pytest.raises(ExportRefused, match="preprocessing is for inputs 7"):
        export_onnx(model, tmp_path / "net.onnx",
                    preprocessing=Preprocessing((7,), None, [0.0], [1.0]))


def test_importing_the_exporter_does_not_import_onnx():
    code = ("import sys, core.export.onnx_file, core.export.onnx_blocks\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'onnx'))")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_onnx_the_message_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now fails
    model = random_network(CASES["Dense alone"], seed=1)
    with pytest.raises(MissingExtra, match=r"pip install \.\[export\]"):
        export_onnx(model, tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()
