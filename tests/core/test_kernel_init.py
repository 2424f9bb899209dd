"""Seed kernels in a spec are copied into the built Conv2D weights, and frozen ones stay put."""

import copy
import json

import numpy as np
import pytest

from core.image.kernels import make_preset
from core.nn.kernel_init import apply_kernel_init, fit_kernel
from core.nn.model import Sequential
from core.nn.optim import SGD, Adam
from core.nn.spec import SpecError
from core.resources import resource_path

SOBEL_X = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
SOBEL_Y = [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]


def seeded_spec(trainable=True, kernels=None):
    spec = json.loads(resource_path("models", "reference.json").read_text())
    spec["layers"][3]["init"] = {"kernels": kernels or [
        {"name": "Sobel x", "values": SOBEL_X}, {"name": "Sobel y", "values": SOBEL_Y}]}
    if not trainable:
        spec["layers"][3]["config"]["trainable"] = False
    return spec


def test_from_spec_puts_the_kernels_into_the_named_filters_on_every_channel():
    spec = seeded_spec()
    plain = copy.deepcopy(spec)
    del plain["layers"][3]["init"]
    untouched = Sequential.from_spec(plain, seed=3).get_weights()
    model = Sequential.from_spec(spec, seed=3)
    weight, bias = model.layers[3].params["weight"], model.layers[3].params["bias"]
    seeded = weight.copy()
    assert apply_kernel_init(model, spec) == 2  # applying the seeds again changes nothing
    np.testing.assert_array_equal(weight, seeded)
    assert weight.shape == (16, 8, 3, 3)
    for channel in range(8):
        np.testing.assert_array_equal(weight[0, channel], np.array(SOBEL_X, np.float32))
        np.testing.assert_array_equal(weight[1, channel], np.array(SOBEL_Y, np.float32))
    np.testing.assert_array_equal(bias[:2], 0)
    np.testing.assert_array_equal(weight[2:], untouched["3.weight"][2:])
    np.testing.assert_array_equal(model.layers[0].params["weight"], untouched["0.weight"])


def test_seeded_filter_responds_like_the_kernel():
    """A 1-channel Conv2D seeded with Sobel x computes the Sobel x correlation of the image."""
    spec = {"input_shape": [1, 6, 6], "layers": [
        {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 1, "kernel_size": 3},
         "init": {"kernels": [{"name": "Sobel x", "values": SOBEL_X}]}}]}
    model = Sequential.from_spec(spec)
    apply_kernel_init(model, spec)
    image = np.random.default_rng(0).random((1, 1, 6, 6)).astype(np.float32)
    out = model.forward(image)[0, 0]
    windows = np.lib.stride_tricks.sliding_window_view(image[0, 0], (3, 3))
    expected = np.einsum("ijkl,kl->ij", windows, np.array(SOBEL_X, np.float32))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_frozen_seeds_survive_a_training_step():
    from core.nn.losses import SoftmaxCrossEntropy

    spec = seeded_spec(trainable=False)
    model = Sequential.from_spec(spec)
    apply_kernel_init(model, spec)
    before = model.layers[3].params["weight"].copy()
    x = np.random.default_rng(1).random((4, 1, 28, 28)).astype(np.float32)
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(x, training=True), np.array([0, 1, 2, 3]))
    model.backward(loss.backward())
    SGD(0.5).step(model.named_parameters())
    np.testing.assert_array_equal(model.layers[3].params["weight"], before)
    assert not np.array_equal(model.layers[0].params["weight"],
                              Sequential.from_spec(spec).layers[0].params["weight"])


def test_fit_kernel_crops_and_pads_around_the_centre():
    gaussian = make_preset("Gaussian", size=7).effective()
    cropped = fit_kernel(gaussian, 3)
    np.testing.assert_allclose(cropped, gaussian[2:5, 2:5], rtol=0, atol=0)
    padded = fit_kernel(SOBEL_X, 5)
    assert padded.shape == (5, 5)
    np.testing.assert_array_equal(padded[1:4, 1:4], SOBEL_X)
    assert padded.sum() == 0 and np.abs(padded).sum() == np.abs(SOBEL_X).sum()


@pytest.mark.parametrize("kernels, message", [
    ([{"name": "x", "values": SOBEL_X}] * 17, "17 seed kernels for 16 filters"),
    ([{"name": "bad", "values": [[1.0, float("nan")]]}], "finite"),
    ([{"name": "flat", "values": [1.0, 2.0]}], "2-D"),
])
def test_bad_seeds_are_refused_with_the_reason(kernels, message):
    spec = seeded_spec(kernels=kernels)
    with pytest.raises(SpecError, match=message) as info:
        Sequential.from_spec(spec)
    assert "block 3 (Conv2D)" in str(info.value)


def test_seeds_on_a_block_without_filters_are_refused():
    spec = seeded_spec()
    spec["layers"][7]["init"] = {"kernels": [{"name": "x", "values": SOBEL_X}]}
    with pytest.raises(SpecError, match="only go on Conv2D"):
        Sequential.from_spec(spec)


def partly_frozen_spec():
    """The reference network with Sobel x / Sobel y seeded and frozen on block 3 (16 filters)."""
    spec = seeded_spec()
    spec["layers"][3]["init"]["freeze"] = True
    return spec


@pytest.mark.parametrize("make_optimizer", [
    lambda: SGD(0.5, momentum=0.9, weight_decay=0.1),
    lambda: Adam(0.05, weight_decay=0.1),
])
def test_freeze_keeps_only_the_seeded_filters_bit_identical(make_optimizer):
    from core.nn.losses import SoftmaxCrossEntropy

    spec = partly_frozen_spec()
    model = Sequential.from_spec(spec, seed=2)
    assert model.layers[3].frozen_filters == 2
    weight, bias = model.layers[3].params["weight"], model.layers[3].params["bias"]
    bias[:] = 0.25  # a non-zero bias, so weight decay would move it if it were trained
    before_w, before_b = weight.copy(), bias.copy()
    optimizer = make_optimizer()
    x = np.random.default_rng(1).random((8, 1, 28, 28)).astype(np.float32)
    loss = SoftmaxCrossEntropy()
    for _ in range(3):
        loss.forward(model.forward(x, training=True), np.arange(8))
        model.zero_grad()
        model.backward(loss.backward())
        optimizer.step(model.named_parameters())
    np.testing.assert_array_equal(weight[:2], before_w[:2])
    np.testing.assert_array_equal(bias[:2], before_b[:2])
    assert np.all(np.any(weight[2:] != before_w[2:], axis=(1, 2, 3)))  # every other filter moved
    assert np.all(bias[2:] != before_b[2:])
    names = {name: value.shape for name, value, _ in model.named_parameters()}
    assert names["3.weight"] == (14, 8, 3, 3) and names["3.bias"] == (14,)
    assert names["0.weight"] == (8, 1, 3, 3)


def test_gradcheck_passes_on_the_unfrozen_filters():
    from core.nn.gradcheck import check_model
    from core.nn.losses import SoftmaxCrossEntropy

    spec = {"input_shape": [2, 6, 6], "layers": [
        {"class": "Conv2D", "config": {"in_channels": 2, "out_channels": 3, "kernel_size": 3},
         "init": {"kernels": [{"name": "Sobel x", "values": SOBEL_X}], "freeze": True}},
        {"class": "Tanh", "config": {}}, {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 48, "out_features": 4}}]}
    model = Sequential.from_spec(spec, seed=5, dtype=np.float64)
    x = np.random.default_rng(2).standard_normal((3, 2, 6, 6))
    errors = check_model(model, x, np.array([0, 1, 3]), SoftmaxCrossEntropy(), max_checks=40)
    assert set(errors) == {"input", "0.weight", "0.bias", "3.weight", "3.bias"}
    assert max(errors.values()) < 1e-6, errors


def test_frozen_seeded_filters_are_counted_and_survive_save_and_load(tmp_path):
    from core.nn.spec import analyse, summary_table

    spec = partly_frozen_spec()
    reports = analyse(spec)
    assert (reports[3].params, reports[3].frozen) == (1168, 2 * (8 * 9 + 1))
    assert reports[3].trainable
    assert summary_table(spec).splitlines()[-1] == "Total params: 9,098 (trainable 8,952)"
    model = Sequential.from_spec(spec, seed=1)
    assert model.frozen_param_count() == 146
    model.layers[3].params["weight"][5] += 1.0  # "trained"
    from core.train.bundle import load_bundle, save_bundle

    save_bundle(tmp_path / "net", model)
    loaded = load_bundle(tmp_path / "net").model
    assert loaded.layers[3].frozen_filters == 2
    assert loaded.spec()["layers"][3]["init"] == spec["layers"][3]["init"]
    for name, value in model.get_weights().items():
        np.testing.assert_array_equal(loaded.get_weights()[name], value)


def test_whole_block_freeze_still_freezes_every_filter():
    spec = partly_frozen_spec()
    spec["layers"][3]["config"]["trainable"] = False
    model = Sequential.from_spec(spec)
    assert not any(name.startswith("3.") for name, _, _ in model.named_parameters())
    assert model.frozen_param_count() == 1168


def test_a_freeze_that_is_not_true_or_false_is_refused():
    spec = partly_frozen_spec()
    spec["layers"][3]["init"]["freeze"] = "yes"
    with pytest.raises(SpecError, match="init.freeze must be true or false"):
        Sequential.from_spec(spec)
