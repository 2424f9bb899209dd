"""Networks from specs: shape analysis, errors, summary, prediction, weights."""

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.spec import SpecError, analyse, summary_table
from core.resources import resource_path

EXAMPLES = ["reference", "lenet5", "tiny_mlp", "deep_sigmoid", "deep_relu"]


def example(name):
    return json.loads(resource_path("models", f"{name}.json").read_text())


def conv(i, o, k=3, stride=1, padding=0):
    return {"class": "Conv2D", "config": {"in_channels": i, "out_channels": o, "kernel_size": k,
                                          "stride": stride, "padding": padding}}


def block(name, **config):
    return {"class": name, "config": config}


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_specs_build_and_predict(name):
    spec = example(name)
    model = Sequential.from_spec(spec, seed=1)
    assert model.spec()["layers"][0]["class"] == spec["layers"][0]["class"]
    assert model.output_shape == (10,)
    x = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)
    probs = model.predict(x)
    assert probs.shape == (3, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    assert model.param_count() == sum(r.params for r in analyse(spec))
    empty = np.zeros((0, 1, 28, 28), dtype=np.float32)
    assert model.forward(empty).shape == (0, 10) and model.predict(empty).shape == (0, 10)


def test_first_block_that_cannot_take_its_input_is_reported_and_later_ones_are_not():
    spec = {"name": "too deep", "input_shape": [1, 8, 8], "layers": [
        conv(1, 4, padding=1), block("MaxPool2D", size=2), block("MaxPool2D", size=2),
        block("MaxPool2D", size=2), block("ReLU"), block("MaxPool2D", size=2),
        block("Flatten"), block("Dense", in_features=4, out_features=2)]}
    reports = analyse(spec)
    assert [r.error for r in reports[:5]] == [None] * 5
    assert reports[5].error == ("MaxPool2D(2) at position 5 gets 1x1 maps, smaller than its "
                                "2x2 window")
    assert reports[6].output_shape is None and reports[7].output_shape is None
    assert reports[6].error is None and reports[7].error is None
    assert reports[7].params == 4 * 2 + 2
    with pytest.raises(SpecError, match="MaxPool2D\\(2\\) at position 5 gets 1x1 maps") as info:
        Sequential.from_spec(spec)
    assert info.value.index == 5


def test_missing_inputs_are_filled_when_building():
    spec = {"input_shape": [1, 6, 6], "layers": [
        block("Conv2D", out_channels=2, kernel_size=3), block("Flatten"),
        block("Dense", out_features=3)]}
    model = Sequential.from_spec(spec)
    assert model.layers[0].in_channels == 1 and model.layers[2].in_features == 32


@pytest.mark.parametrize("spec,message", [
    ([], "must be a JSON object"),
    ({"input_shape": [1, 28, 28, 1], "layers": []}, "input_shape must be"),
    ({"input_shape": [1, 0, 28], "layers": []}, "input_shape must be"),
    ({"input_shape": [4], "layers": "Dense"}, "layers must be a list"),
    ({"input_shape": [4], "layers": [{"class": "Conv3D", "config": {}}]}, "unknown class"),
    ({"input_shape": [4], "layers": []}, "no blocks"),
    ({"input_shape": [4], "classes": "0123", "layers": []}, "classes must be a list"),
])
def test_malformed_specs_raise_spec_error(spec, message):
    with pytest.raises(SpecError, match=message):
        Sequential.from_spec(spec)


def test_bad_settings_in_a_spec_name_the_block_position():
    spec = {"input_shape": [4], "layers": [block("Dense", in_features=4, out_features=0)]}
    report = analyse(spec)[0]
    assert report.error == "Dense at position 0: out_features must be >= 1; received 0"
    with pytest.raises(SpecError) as info:
        Sequential.from_spec(spec)
    assert info.value.index == 0


def test_summary_lists_blocks_shapes_and_totals():
    text = Sequential.from_spec(example("reference")).summary()
    lines = text.splitlines()
    assert lines[0] == 'Network "reference": input 1x28x28'
    assert any("Conv2D(1->8, 3x3, stride 1, pad 1)" in line and "8x28x28" in line
               and line.rstrip().endswith("80") for line in lines)
    assert lines[-1] == "Total params: 9,098 (trainable 9,098)"
    frozen = example("reference")
    frozen["layers"][0]["config"]["trainable"] = False
    assert summary_table(frozen).splitlines()[-1] == "Total params: 9,098 (trainable 9,018)"


def test_forward_gives_logits_and_a_trailing_softmax_is_left_to_the_loss():
    spec = example("tiny_mlp")
    plain = Sequential.from_spec(spec, seed=3)
    spec["layers"].append(block("Softmax"))
    with_softmax = Sequential.from_spec(spec, seed=3)
    assert with_softmax.has_softmax_output and not plain.has_softmax_output
    x = np.random.default_rng(1).random((4, 1, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(with_softmax.forward(x), plain.forward(x), rtol=0, atol=0)
    np.testing.assert_allclose(with_softmax.predict(x), plain.predict(x), rtol=1e-6)
    maps = with_softmax.feature_maps(x)
    assert len(maps) == 5
    np.testing.assert_allclose(maps[-1], with_softmax.predict(x), rtol=1e-6)


def test_backward_fills_gradients_of_trainable_blocks_only():
    spec = example("reference")
    spec["layers"][0]["config"]["trainable"] = False
    model = Sequential.from_spec(spec)
    names = [name for name, _, _ in model.named_parameters()]
    assert names == ["3.weight", "3.bias", "7.weight", "7.bias"]
    x = np.random.default_rng(2).random((2, 1, 28, 28), dtype=np.float32)
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(x, training=True), np.array([3, 4]))
    assert model.backward(loss.backward()) is None
    model.forward(x, training=True)
    grad_x = model.backward(loss.backward(), input_grad=True)
    assert grad_x.shape == x.shape
    with pytest.raises(RuntimeError, match="backward without a matching forward"):
        model.backward(loss.backward())
    model.forward(x, training=True)
    with pytest.raises(ValueError, match=r"last logits \(2, 10\); received \(2, 9\)"):
        model.backward(np.zeros((2, 9), dtype=np.float32))
    for _, value, grad in model.named_parameters():
        assert grad.shape == value.shape and np.abs(grad).sum() > 0


def test_bad_input_batches_name_the_network_and_shapes():
    model = Sequential.from_spec(example("reference"))
    with pytest.raises(ValueError, match=r"takes batches of shape \(N, 1, 28, 28\).*Conv2D\(1->8.*"
                                         r"received \(2, 3, 28, 28\)"):
        model.forward(np.zeros((2, 3, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"add a batch axis"):
        model.forward(np.zeros((1, 28, 28), dtype=np.float32))
    with pytest.raises(TypeError, match="uint8"):
        model.predict(np.zeros((2, 1, 28, 28), dtype=np.uint8))
    x = np.zeros((2, 1, 28, 28), dtype=np.float32)
    x[0, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.forward(x)


def test_float64_networks_compute_in_float64():
    model = Sequential.from_spec(example("reference"), dtype=np.float64)
    out = model.forward(np.zeros((1, 1, 28, 28), dtype=np.float32))
    assert out.dtype == np.float64
    assert all(v.dtype == np.float64 for _, v, _ in model.named_parameters())


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = (Sequential.from_spec(example("reference"), seed=s) for s in (4, 4, 5))
    for key, value in a.get_weights().items():
        np.testing.assert_array_equal(value, b.get_weights()[key])
    assert not np.array_equal(a.get_weights()["0.weight"], c.get_weights()["0.weight"])


def test_get_and_set_weights_copy():
    model = Sequential.from_spec(example("tiny_mlp"))
    snapshot = model.get_weights()
    original = snapshot["1.weight"].copy()
    model.named_parameters()[0][1][:] = 0
    np.testing.assert_array_equal(snapshot["1.weight"], original)
    value_before = model.layers[1].params["weight"]
    model.set_weights(snapshot)
    assert model.layers[1].params["weight"] is value_before  # updated in place
    np.testing.assert_array_equal(model.layers[1].params["weight"], original)
    broken = copy.deepcopy(snapshot)
    broken["1.weight"][0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        model.set_weights(broken)


def test_deep_sigmoid_network_shows_the_vanishing_gradient():
    x = np.random.default_rng(0).random((16, 1, 28, 28), dtype=np.float32)
    labels = np.arange(16) % 10
    ratios = {}
    for name in ("deep_sigmoid", "deep_relu"):
        model = Sequential.from_spec(example(name), seed=0)
        loss = SoftmaxCrossEntropy()
        loss.forward(model.forward(x, training=True), labels)
        model.backward(loss.backward())
        grads = {n: np.linalg.norm(g) / np.sqrt(g.size) for n, _, g in model.named_parameters()
                 if n.endswith("weight")}
        ratios[name] = grads["1.weight"] / grads["15.weight"]
    assert ratios["deep_sigmoid"] < 0.01 * ratios["deep_relu"]


BLOCKS = st.one_of(
    st.builds(lambda o, k, s, p: block("Conv2D", out_channels=o, kernel_size=k, stride=s,
                                       padding=p),
              st.integers(1, 3), st.integers(1, 4), st.integers(1, 3),
              st.one_of(st.integers(0, 2), st.just("same"))),
    st.builds(lambda size, stride: block("MaxPool2D", size=size, stride=stride),
              st.integers(1, 3), st.one_of(st.none(), st.integers(1, 3))),
    st.builds(lambda size: block("AvgPool2D", size=size, stride=None), st.integers(1, 3)),
    st.builds(lambda o: block("Dense", out_features=o), st.integers(1, 4)),
    st.sampled_from([block(name) for name in ("Flatten", "ReLU", "Tanh", "Softmax")]),
)


@settings(max_examples=40, deadline=None)
@given(shape=st.sampled_from([[1, 6, 6], [2, 7, 5], [5]]), blocks=st.lists(BLOCKS, max_size=6))
def test_analyse_never_raises_and_agrees_with_the_built_network(shape, blocks):
    spec = {"input_shape": shape, "layers": blocks}
    reports = analyse(spec)
    assert len(reports) == len(blocks)
    errors = [r.index for r in reports if r.error]
    if errors:
        assert all(r.output_shape is None for r in reports[errors[0]:])
        with pytest.raises(SpecError) as info:
            Sequential.from_spec(spec)
        assert info.value.index == errors[0]
        return
    if not blocks:
        with pytest.raises(SpecError, match="no blocks"):
            Sequential.from_spec(spec)
        return
    model = Sequential.from_spec(spec, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((2, *shape))
    outputs = model.feature_maps(x)
    assert [o.shape[1:] for o in outputs] == [r.output_shape for r in reports]
