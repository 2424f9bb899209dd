"""The network spec on its own: reading with one message per problem, analysis, normalising,
comparing without weights, and the one rule that fits a network to a data set."""

import copy
import json
import tracemalloc

import pytest

from core.nn.layer import LAYERS, Layer
from core.nn.model import Sequential
from core.nn.spec import (
    BlockReport,
    SpecError,
    analyse,
    fill_inputs,
    normalise,
    problems,
    read_spec,
    same_network,
    write_spec,
)
from core.nn.templates import default_spec, shipped_templates
from core.resources import resource_path
from core.train.bundle import load_bundle, save_bundle
from core.train.fitting import DataDescription, fit_to_data, network_difference, outputs_block


def example(name):
    return json.loads(resource_path("models", f"{name}.json").read_text())


def conv(i, o, k=3, stride=1, padding=0):
    return {"class": "Conv2D", "config": {"in_channels": i, "out_channels": o, "kernel_size": k,
                                          "stride": stride, "padding": padding}}


def block(name, **config):
    return {"class": name, "config": config}


def write(tmp_path, spec, name="net.json"):
    path = tmp_path / name
    path.write_text(json.dumps(spec))
    return path


# ----- reading: one message per problem, naming the file, the block and the setting -----------
@pytest.mark.parametrize("entry, message", [
    (block("Dense", out_features=0), "block 1 (Dense): out_features must be at least 1; "
                                     "received 0"),
    (block("Dense", out_features=2.5), "block 1 (Dense): out_features must be a whole number; "
                                       "received 2.5"),
    (block("Dense", outputs=3), "block 1 (Dense): has no setting 'outputs' (its settings: "
                                "in_features, out_features, init, trainable)"),
    (block("Dense", init="zeros"), "block 1 (Dense): init must be one of"),
    (block("Conv2D", kernel_size=4, padding="same"),
     'block 1 (Conv2D): padding "same" needs an odd kernel_size; received 4'),
    (block("MaxPool2D", size=40), "block 1 (MaxPool2D): size must be at most"),
    ({"class": "Conv2D", "config": {}, "init": {"kernels": [{"values": [[1]]}], "freeze": 1}},
     "block 1 (Conv2D): init.freeze must be true or false; received 1"),
    ({"class": "Conv2D", "config": {}, "init": "Sobel"}, 'block 1 (Conv2D): "init" must be'),
    ({"class": "ReLU", "config": {}, "init": {"kernels": [{"values": [[1]]}]}},
     "block 1 (ReLU): has no filters to seed"),
])
def test_a_bad_block_is_named_with_the_file_and_the_setting(tmp_path, entry, message):
    spec = {"input_shape": [1, 8, 8], "layers": [block("Flatten"), entry]}
    path = write(tmp_path, spec)
    with pytest.raises(SpecError) as caught:
        read_spec(path)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert caught.value.index == 1 and len(caught.value.problems) == 1


def test_every_problem_is_one_line_and_the_message_lists_them(tmp_path):
    spec = {"input_shape": [1, 28, 28, 1], "classes": "0123", "layers": [
        block("Conv2D", out_channels="eight", kernel_size=-3), {"class": "Transformer"},
        block("Dense", out_features=0)]}
    path = write(tmp_path, spec)
    with pytest.raises(SpecError) as caught:
        read_spec(path)
    error = caught.value
    assert [p.removeprefix(f"{path}: ") for p in error.problems] == [
        "not a network spec: input_shape must be [channels, height, width], [steps, features] "
        "or [features] of positive integers; received [1, 28, 28, 1]",
        "not a network spec: classes must be a list of names; received '0123'",
        "not a network spec: block 1: unknown class 'Transformer'; known: "
        + ", ".join(LAYERS),
        "block 0 (Conv2D): out_channels must be a whole number; received 'eight'",
        "block 0 (Conv2D): kernel_size must be at least 1; received -3",
        "block 2 (Dense): out_features must be at least 1; received 0",
    ]
    assert all("\n" not in p for p in error.problems)
    first, also = str(error).split("\n\nAlso:\n")
    assert first == error.problems[0] and error.index is None
    assert also.splitlines() == ["• " + p.removeprefix(f"{path}: ") for p in error.problems[1:]]


def test_a_file_that_is_not_json_names_the_file(tmp_path):
    path = tmp_path / "text.json"
    path.write_text("{not json")
    with pytest.raises(SpecError, match=r"text.json: not valid JSON .*expected a network spec"):
        read_spec(path)
    with pytest.raises(SpecError, match=r"absent.json: no such file"):
        read_spec(tmp_path / "absent.json")


def test_reading_names_the_network_after_its_file_and_keeps_a_stack_that_does_not_fit(tmp_path):
    pools = [block("MaxPool2D")] * 6
    path = write(tmp_path, {"input_shape": [1, 28, 28], "layers": pools}, "too_deep.json")
    spec = read_spec(path)
    assert spec["name"] == "too_deep" and spec["layers"] == pools
    assert analyse(spec)[4].error.endswith("gets 1x1 maps, smaller than its 2x2 window")
    assert problems(spec) == []


def test_written_specs_read_back_and_loading_a_model_reads_through_the_same_checks(tmp_path):
    spec = example("reference")
    written = write_spec(tmp_path / "copy", spec)
    assert written.name == "copy.json" and read_spec(written) == spec
    save_bundle(tmp_path / "model", Sequential.from_spec(spec))
    broken = json.loads((tmp_path / "model.json").read_text())
    assert "bundle" in broken
    assert normalise(read_spec(tmp_path / "model.json"))["layers"] == normalise(spec)["layers"]
    broken["layers"][0]["config"]["stride"] = 0
    (tmp_path / "model.json").write_text(json.dumps(broken))
    with pytest.raises(SpecError, match=r"model.json: block 0 \(Conv2D\): stride must be at "
                                        r"least 1; received 0"):
        load_bundle(tmp_path / "model")


# ----- analysis ----------------------------------------------------------------------------------
def test_reference_network_shapes_and_parameter_counts():
    reports = analyse(example("reference"))
    assert all(isinstance(r, BlockReport) and r.error is None for r in reports)
    assert [r.output_shape for r in reports] == [
        (8, 28, 28), (8, 28, 28), (8, 14, 14), (16, 14, 14), (16, 14, 14), (16, 7, 7), (784,),
        (10,)]
    assert [r.params for r in reports] == [80, 0, 0, 1168, 0, 0, 0, 7850]


def test_wrong_explicit_inputs_are_errors_and_fill_inputs_repairs_them():
    spec = {"input_shape": [3, 10, 10], "layers": [
        conv(1, 4), block("ReLU"), block("Flatten"), block("Dense", in_features=100,
                                                           out_features=5)]}
    reports = analyse(spec)
    assert "Conv2D(1->4, 3x3, stride 1, pad 0) at position 0 expects 1 input channels but " \
           "gets 3" == reports[0].error
    filled = fill_inputs(spec)
    assert spec["layers"][0]["config"]["in_channels"] == 1  # the original is left alone
    assert filled["layers"][0]["config"]["in_channels"] == 3
    assert filled["layers"][3]["config"]["in_features"] == 4 * 8 * 8
    assert all(r.error is None for r in analyse(filled))
    spec["layers"][0] = conv(3, 4)
    error = analyse(spec)[3].error
    assert error == "Dense(100->5) at position 3 expects 100 inputs but gets 256"


# ----- normalise and compare ---------------------------------------------------------------------
@pytest.mark.parametrize("path", shipped_templates(), ids=lambda p: p.stem)
def test_normalise_is_what_a_built_network_says_about_itself(path):
    spec = read_spec(path)
    assert normalise(spec) == Sequential.from_spec(spec).spec()


def test_normalise_fills_the_name_the_defaults_and_the_inputs():
    spec = {"input_shape": [1, 6, 6], "layers": [
        block("Conv2D", out_channels=2), block("Flatten"), block("Dense", out_features=3)]}
    full = normalise(spec)
    assert full["name"] == "network" and "classes" not in full
    assert full["layers"][0]["config"] == {
        "in_channels": 1, "out_channels": 2, "kernel_size": 3, "stride": 1, "padding": 0,
        "init": "he", "trainable": True}
    assert full["layers"][2]["config"]["in_features"] == 2 * 4 * 4
    assert spec["layers"][0]["config"] == {"out_channels": 2}  # the original is left alone
    spec["input_shape"] = [1, 2, 2]
    with pytest.raises(SpecError, match="at position 0") as caught:
        normalise(spec)
    assert caught.value.index == 0


def test_the_same_network_written_two_ways_compares_equal():
    short = {"input_shape": [1, 28, 28], "layers": [
        block("Conv2D", out_channels=8, padding=1), block("ReLU"), block("MaxPool2D"),
        block("Conv2D", out_channels=16, padding=1), block("ReLU"), block("MaxPool2D"),
        block("Flatten"), block("Dense")]}
    reference = example("reference")
    assert same_network(short, reference)
    assert network_difference(short, reference) == ""
    wider = copy.deepcopy(short)
    wider["layers"][0]["config"]["out_channels"] = 9
    assert not same_network(wider, reference)
    assert network_difference(wider, reference) == "blocks"


def test_the_largest_network_compares_without_building_or_allocating(monkeypatch):
    """A Dense of 100,000 inputs and 190 outputs: 19 million weights, just under MAX_PARAMS."""
    spec = {"name": "large", "input_shape": [100_000], "classes": ["a", "b"],
            "layers": [block("Dense", out_features=190), block("ReLU"),
                       block("Dense", out_features=2)]}

    def refuse(*_args, **_kwargs):
        raise AssertionError("a network was built")

    monkeypatch.setattr(Sequential, "from_spec", classmethod(refuse))
    monkeypatch.setattr(Layer, "reset_parameters", refuse)
    tracemalloc.start()
    try:
        same = network_difference(copy.deepcopy(spec), spec)
        other = copy.deepcopy(spec)
        other["layers"][0]["config"]["out_features"] = 189
        changed = network_difference(other, spec)
        fed = network_difference(spec, spec, DataDescription("shorter", (99_999,), list("ab")))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (same, changed, fed) == ("", "blocks", "input")
    assert peak < 2_000_000  # bytes: specs only, not the 76 MB of weights
    assert analyse(spec)[0].params == 100_000 * 190 + 190


def test_a_billion_weights_are_counted_and_refused_without_allocating(monkeypatch):
    spec = {"name": "huge", "input_shape": [100_000], "classes": ["a", "b"],
            "layers": [block("Dense", out_features=10_000), block("ReLU"),
                       block("Dense", out_features=2)]}
    monkeypatch.setattr(Layer, "reset_parameters", lambda *_a: pytest.fail("weights allocated"))
    reports = analyse(spec)
    assert reports[0].params == 100_000 * 10_000 + 10_000
    assert "1,000,010,000 weights" in reports[0].error and "20,000,000" in reports[0].error
    with pytest.raises(SpecError, match=r"Dense\(100000->10000\) at position 0 brings"):
        Sequential.from_spec(spec)


def test_another_data_set_is_told_apart_from_another_network():
    trained = fit_to_data(example("reference"), DataDescription("digits", (1, 28, 28),
                                                                list("0123456789"))).spec
    colour = DataDescription("colour", (3, 32, 32), ["a", "b", "c"])
    assert network_difference(trained, trained) == ""
    assert network_difference(trained, trained, colour) == "input"
    three = fit_to_data(trained, colour).spec
    assert network_difference(three, trained) == "input"  # only what the data decides differs
    three["layers"][0]["config"]["kernel_size"] = 5
    assert network_difference(three, trained) == "blocks"


# ----- fit to a data set ------------------------------------------------------------------------
def test_a_new_network_follows_the_data():
    spec = default_spec()
    colour = DataDescription("colour", (3, 32, 32), ["a", "b", "c"])
    fitted = fit_to_data(spec, colour)
    assert fitted.spec["input_shape"] == [3, 32, 32] and fitted.spec["classes"] == ["a", "b", "c"]
    assert fitted.spec["layers"][0]["config"]["in_channels"] == 3
    assert fitted.spec["layers"][-1]["config"] == {"in_features": 16 * 8 * 8, "out_features": 3}
    assert fitted.outputs_block == 7
    assert fitted.note == ("input set to 3x32x32 for colour; colour has 3 classes: the last "
                           "Dense (block 7) now gives 3 outputs.")
    assert spec == default_spec()  # the original is left alone
    same = fit_to_data(fitted.spec, colour)
    assert same.spec == fitted.spec and same.note == "" and same.outputs_block is None


def test_the_outputs_come_from_the_last_block_that_declares_them_whatever_its_class():
    spec = {"input_shape": [1, 8, 8], "layers": [
        block("Conv2D", out_channels=4, padding=1), block("ReLU"),
        block("Conv2D", out_channels=10, kernel_size=8), block("Flatten")]}
    assert outputs_block(spec) == 2
    fitted = fit_to_data(spec, DataDescription("pairs", (1, 8, 8), ["x", "y"]))
    assert fitted.outputs_block == 2
    assert analyse(fitted.spec)[-1].output_shape == (2,)
    assert outputs_block({"input_shape": [4], "layers": [block("ReLU")]}) is None


def test_a_new_network_that_cannot_take_the_images_names_its_block():
    spec = {"input_shape": [1, 28, 28], "layers": [
        block("Conv2D", out_channels=4, kernel_size=31), block("Flatten"), block("Dense")]}
    digits = DataDescription("digits", (1, 28, 28), list("0123456789"))
    with pytest.raises(SpecError, match=r"The network cannot take digits \(1x28x28 images\): "
                                        r"block 1 \(Conv2D\): Conv2D\(1->4, 31x31") as caught:
        fit_to_data(spec, digits)
    assert caught.value.index == 0
    unchecked = fit_to_data(spec, digits, check=False)  # the builder marks the block instead
    assert analyse(unchecked.spec)[0].error is not None


def test_a_trained_network_is_never_changed_and_refused_when_the_data_does_not_fit():
    trained = example("reference")
    digits = DataDescription("digits", (1, 28, 28), list("0123456789"))
    kept = fit_to_data(trained, digits, trained=True)
    assert kept.spec == trained and kept.note == "" and kept.outputs_block is None
    cases = [
        (DataDescription("shapes", (1, 28, 28), list("abcdef")),
         "the trained network has 10 outputs but shapes has 6 classes"),
        (DataDescription("photos", (3, 32, 32), list("0123456789")),
         "the trained network takes 1x28x28 inputs but photos has 3x32x32 images"),
        (DataDescription("small", (1, 16, 16), list("ab")),
         "the trained network takes 1x28x28 inputs and has 10 outputs but small has 1x16x16 "
         "images and 2 classes"),
    ]
    for data, message in cases:
        with pytest.raises(SpecError) as caught:
            fit_to_data(trained, data, trained=True)
        assert str(caught.value) == f"{message}; train a new network for this data set"
