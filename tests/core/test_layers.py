"""Every block: declared settings, build / forward / backward / config round trip, gradcheck."""

import json

import numpy as np
import pytest

from core.nn.gradcheck import check_layer
from core.nn.layer import KINDS, LAYERS, Layer, Setting
from core.nn.layers import Conv2D, Dense, Dropout, MaxPool2D

TOLERANCE = 1e-6

# One small, valid example per block: (class name, config, input shape of one sample).
EXAMPLES = {
    "Conv2D": ({"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 2,
                "padding": 1}, (2, 7, 6)),
    "MaxPool2D": ({"size": 2, "stride": None}, (2, 6, 5)),
    "AvgPool2D": ({"size": 3, "stride": 2}, (2, 7, 8)),
    "Dense": ({"in_features": 6, "out_features": 4}, (6,)),
    "Flatten": ({}, (2, 3, 4)),
    "Dropout": ({"p": 0.3}, (2, 3, 4)),
    "ReLU": ({}, (2, 3, 4)),
    "LeakyReLU": ({"negative_slope": 0.1}, (2, 3, 4)),
    "Sigmoid": ({}, (2, 3, 4)),
    "Tanh": ({}, (2, 3, 4)),
    "Softplus": ({}, (2, 3, 4)),
    "Softmax": ({}, (5,)),
}


def away_from_kinks(shape, seed=0):
    """Tie-free values at least 0.05 from zero (ReLU's kink, max pool's ties)."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    magnitudes = 0.05 + rng.permutation(size) / size
    return (magnitudes * rng.choice([-1.0, 1.0], size)).reshape(shape)


def check_block(name, config, input_shape, batch=3):
    """Build, forward, backward, shapes and config round trip of one block."""
    cls = LAYERS[name]
    layer = cls.from_config(config, rng=np.random.default_rng(1))
    assert layer.config() == {s.name: config.get(s.name, s.default) for s in cls.SETTINGS}
    x = away_from_kinks((batch, *input_shape)).astype(np.float32)
    out = layer.forward(x, training=True)
    expected = layer.output_shape(input_shape)
    assert out.shape == (batch, *expected) and out.dtype == np.float32
    grad = layer.backward(np.ones_like(out))
    assert grad.shape == x.shape and grad.dtype == np.float32
    for key, value in layer.params.items():
        assert layer.grads[key].shape == value.shape
    assert layer.param_count(input_shape) == sum(v.size for v in layer.params.values())
    twin = cls.from_config(layer.config(), rng=np.random.default_rng(1))
    assert twin.config() == layer.config() and repr(twin) == repr(layer)
    for key in layer.params:
        np.testing.assert_array_equal(twin.params[key], layer.params[key])
    np.testing.assert_allclose(twin.forward(x), layer.forward(x), rtol=0, atol=0)


def test_every_block_is_described_for_the_builder():
    assert set(LAYERS) == {"Conv2D", "MaxPool2D", "AvgPool2D", "Dense", "Flatten", "Dropout",
                           "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus", "Softmax",
                           "RNN", "LSTM", "Rows"}
    for name, cls in LAYERS.items():
        assert cls.KIND in KINDS, name
        assert cls.HELP and "\n" not in cls.HELP, name
        assert len(cls.DESCRIPTION) > 80, name
        for setting in cls.SETTINGS:
            assert isinstance(setting, Setting)
            assert setting.type in ("int", "float", "choice", "bool", "int_or_same")
            assert setting.help, (name, setting.name)
    names = {cls: [s.name for s in cls.SETTINGS] for cls in LAYERS.values()}
    assert names[Conv2D][:5] == ["in_channels", "out_channels", "kernel_size", "stride",
                                 "padding"]
    assert names[Dense][:2] == ["in_features", "out_features"]
    assert "trainable" in names[Conv2D] and "trainable" not in names[MaxPool2D]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_block_builds_runs_and_round_trips(name):
    config, shape = EXAMPLES[name]
    check_block(name, config, shape)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_block_passes_gradcheck_in_float64(name):
    config, shape = EXAMPLES[name]
    layer = LAYERS[name](dtype=np.float64, rng=np.random.default_rng(2), **config)
    x = away_from_kinks((2, *shape), seed=3)
    training = name == "Dropout"

    def same_mask():
        if training:
            layer.rng = np.random.default_rng(4)

    errors = check_layer(layer, x, training=training, prepare=same_mask)
    assert set(errors) == {"input", *layer.params}
    assert max(errors.values()) < TOLERANCE, errors


CONV_GRID = [
    # batch, in, out, height, width, kernel, stride, padding
    (1, 1, 2, 5, 5, 3, 1, 0),
    (5, 2, 3, 6, 6, 3, 1, 1),
    (1, 3, 2, 7, 8, 3, 2, 2),
    (5, 2, 2, 8, 7, 2, 2, 0),
    (1, 2, 3, 9, 9, 3, 3, 1),
    (5, 1, 2, 6, 9, 4, 3, 2),
    (1, 2, 2, 5, 4, 1, 2, 0),
    (5, 2, 1, 7, 7, 5, 1, 2),
    (1, 2, 2, 6, 7, 4, 1, 1),
    (5, 3, 2, 5, 6, 2, 1, 0),
]


@pytest.mark.parametrize("n,c,o,h,w,k,stride,padding", CONV_GRID)
def test_conv_gradcheck_over_sizes_strides_and_padding(n, c, o, h, w, k, stride, padding):
    layer = Conv2D(c, o, k, stride=stride, padding=padding, dtype=np.float64,
                   rng=np.random.default_rng(5))
    layer.params["bias"][:] = np.random.default_rng(6).standard_normal(o)
    errors = check_layer(layer, away_from_kinks((n, c, h, w), seed=7), max_checks=60)
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("pool", ["MaxPool2D", "AvgPool2D"])
@pytest.mark.parametrize("n,h,w,size,stride", [(1, 6, 6, 2, None), (5, 7, 9, 2, None),
                                               (1, 9, 9, 3, 2), (5, 8, 7, 3, 1),
                                               (1, 9, 8, 2, 3)])
def test_pool_gradcheck_over_sizes_and_strides(pool, n, h, w, size, stride):
    layer = LAYERS[pool](size, stride, dtype=np.float64)
    errors = check_layer(layer, away_from_kinks((n, 2, h, w), seed=8), max_checks=80)
    assert errors["input"] < TOLERANCE, errors


def test_gradcheck_catches_a_wrong_backward():
    class BrokenTanh(LAYERS["Tanh"]):
        def _backward(self, grad_out, context, input_grad):
            return grad_out  # forgets the derivative

    LAYERS.pop("BrokenTanh")
    errors = check_layer(BrokenTanh(dtype=np.float64), away_from_kinks((2, 6)))
    assert errors["input"] > 1e-2


def test_notes_counts_3x3_conv_over_rgb_with_3_filters():
    layer = Conv2D(3, 3, 3)
    assert layer.params["weight"].shape == (3, 3, 3, 3)
    assert layer.params["weight"].size == 81 and layer.params["bias"].size == 3
    assert layer.param_count() == 84
    assert Conv2D(1, 1, 3, stride=2, padding=2).output_shape((1, 9, 9)) == (1, 6, 6)
    assert MaxPool2D(3).output_shape((4, 9, 9)) == (4, 3, 3)
    assert MaxPool2D(2).param_count() == 0


def test_reprs_read_like_the_builder_shows_them():
    assert repr(Conv2D(3, 8, 3, stride=1, padding=1)) == "Conv2D(3->8, 3x3, stride 1, pad 1)"
    assert repr(Conv2D(3, 8, 5, padding="same")) == "Conv2D(3->8, 5x5, stride 1, pad same)"
    assert repr(MaxPool2D(2)) == "MaxPool2D(2)"
    assert repr(MaxPool2D(3, 2)) == "MaxPool2D(3, stride 2)"
    assert repr(Dense(784, 10)) == "Dense(784->10)"
    assert repr(LAYERS["ReLU"]()) == "ReLU()"


def test_same_padding_keeps_the_size():
    assert Conv2D(1, 4, 5, padding="same").output_shape((1, 11, 12)) == (4, 11, 12)
    with pytest.raises(ValueError, match="odd kernel_size"):
        Conv2D(1, 4, 4, padding="same")


@pytest.mark.parametrize("make,message", [
    (lambda: Conv2D(3, 0, 3), "out_channels must be >= 1; received 0"),
    (lambda: Dense(0, 10), "in_features must be >= 1; received 0"),
    (lambda: Conv2D(3, 8, 3.5), "kernel_size must be an integer; received 3.5"),
    (lambda: Conv2D(3, 8, 3, padding="valid"), 'padding must be an integer or "same"'),
    (lambda: MaxPool2D(0), "size must be >= 1"),
    (lambda: Dropout(1.0), "p must be <= 0.95"),
    (lambda: Conv2D(3, 8, 3, init="zeros"), "init must be one of he, xavier"),
    (lambda: Dense(4, 2, colour=3), "Dense has no setting 'colour'"),
])
def test_bad_settings_are_refused_with_the_block_and_setting_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_shape_errors_name_the_block_and_the_shapes():
    with pytest.raises(ValueError, match=r"3x3 kernel on a 2x2 map"):
        Conv2D(1, 2, 3).output_shape((1, 2, 2))
    with pytest.raises(ValueError, match=r"expects 3 input channels but gets 1"):
        Conv2D(3, 2, 3).output_shape((1, 8, 8))
    with pytest.raises(ValueError, match=r"MaxPool2D\(2\) gets 1x1 maps"):
        MaxPool2D(2).output_shape((4, 1, 1))
    with pytest.raises(ValueError, match=r"Dense\(100->10\) expects 100 inputs but gets 784"):
        Dense(100, 10).output_shape((784,))
    with pytest.raises(ValueError, match=r"put a Flatten block before it"):
        Dense(784, 10).output_shape((16, 7, 7))
    with pytest.raises(ValueError, match=r"Conv2D\(1->2.*needs \(channels, height, width\)"):
        Conv2D(1, 2, 3).output_shape((784,))


def test_bad_input_batches_are_refused_clearly():
    layer = Conv2D(3, 2, 3)
    with pytest.raises(ValueError, match=r"expects 3 input channels but gets 1 .*\(2, 1, 8, 8\)"):
        layer.forward(np.zeros((2, 1, 8, 8), dtype=np.float32))
    with pytest.raises(TypeError, match=r"Conv2D\(3->2.*floating-point.*uint8.*255"):
        layer.forward(np.zeros((2, 3, 8, 8), dtype=np.uint8))
    bad = np.zeros((2, 3, 8, 8), dtype=np.float32)
    bad[1, 2, 3, 4] = np.nan
    with pytest.raises(ValueError, match=r"Conv2D\(3->2.*NaN.*\(2, 3, 8, 8\)"):
        layer.forward(bad)
    with pytest.raises(ValueError, match=r"expects a batch"):
        Dense(4, 2).forward(np.zeros(4, dtype=np.float32))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        Dense(4, 2).backward(np.zeros((1, 2), dtype=np.float32))
    dense = Dense(4, 2)
    dense.forward(np.zeros((3, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Dense\(4->2\).*\(3, 2\); received \(3, 4\)"):
        dense.backward(np.zeros((3, 4), dtype=np.float32))


def test_numpy_numbers_in_settings_become_plain_json_numbers():
    layer = Conv2D(np.int64(1), np.int64(4), np.int32(3), padding=np.int64(1))
    LAYERS["LeakyReLU"](np.float32(0.25))
    config = layer.config()
    assert json.loads(json.dumps(config)) == config
    assert type(config["kernel_size"]) is int and type(config["padding"]) is int


def test_float64_input_is_cast_to_the_blocks_dtype():
    out = Dense(3, 2).forward(np.ones((4, 3)))
    assert out.dtype == np.float32


def test_frozen_block_keeps_its_weights_and_still_passes_the_error_back():
    layer = Conv2D(1, 1, 3, padding=1, trainable=False)
    layer.params["weight"][:] = np.array([[[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]])  # Sobel
    x = away_from_kinks((2, 1, 5, 5)).astype(np.float32)
    out = layer.forward(x, training=True)
    grad = layer.backward(np.ones_like(out))
    assert np.abs(grad).sum() > 0
    assert not layer.grads["weight"].any() and layer.config()["trainable"] is False


def test_dropout_scales_kept_values_and_is_identity_when_not_training():
    layer = Dropout(0.5, rng=np.random.default_rng(0))
    x = np.ones((200, 50), dtype=np.float32)
    np.testing.assert_array_equal(layer.forward(x), x)
    out = layer.forward(x, training=True)
    assert set(np.unique(out)) == {0.0, 2.0}
    assert 0.45 < (out == 0).mean() < 0.55
    np.testing.assert_array_equal(layer.backward(np.ones_like(out)), out)


def test_activation_values_match_their_formulas():
    x = np.linspace(-30, 30, 13).reshape(1, -1)
    values = {name: LAYERS[name](dtype=np.float64).forward(x) for name in
              ("ReLU", "Sigmoid", "Tanh", "Softplus")}
    np.testing.assert_allclose(values["ReLU"], np.maximum(x, 0), rtol=0, atol=0)
    np.testing.assert_allclose(values["Sigmoid"], 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(values["Tanh"], np.tanh(x), rtol=1e-12)
    np.testing.assert_allclose(values["Softplus"], np.log1p(np.exp(x)), rtol=1e-12, atol=1e-15)
    leaky = LAYERS["LeakyReLU"](0.1, dtype=np.float64).forward(x)
    np.testing.assert_allclose(leaky, np.where(x > 0, x, 0.1 * x), rtol=1e-12)
    logits = np.array([[1.0, 2.0, 3.0], [-4.0, 0.5, 0.0]])
    probs = LAYERS["Softmax"](dtype=np.float64).forward(logits)
    exp = np.exp(logits)
    np.testing.assert_allclose(probs, exp / exp.sum(axis=1, keepdims=True), rtol=1e-12)


def test_sigmoid_gradient_is_at_most_a_quarter_and_relu_is_0_or_1():
    x = np.linspace(-6, 6, 101).reshape(1, -1)
    sig = LAYERS["Sigmoid"](dtype=np.float64)
    sig.forward(x)
    assert sig.backward(np.ones_like(x)).max() == pytest.approx(0.25, rel=1e-12)
    relu = LAYERS["ReLU"](dtype=np.float64)
    relu.forward(x + 0.01)
    assert set(np.unique(relu.backward(np.ones_like(x)))) == {0.0, 1.0}


def test_base_layer_is_not_registered():
    assert Layer not in LAYERS.values()


def test_conv_layer_with_same_padding_matches_a_direct_sum():
    layer = Conv2D(2, 3, 3, stride=2, padding="same", dtype=np.float64,
                   rng=np.random.default_rng(9))
    layer.params["bias"][:] = [0.5, -1.0, 2.0]
    x = np.random.default_rng(10).standard_normal((2, 2, 7, 6))
    out = layer.forward(x)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    weight, bias = layer.params["weight"], layer.params["bias"]
    expected = np.zeros((2, 3, 4, 3))
    for n in range(2):
        for o in range(3):
            for i in range(4):
                for j in range(3):
                    patch = padded[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
                    expected[n, o, i, j] = (patch * weight[o]).sum() + bias[o]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    dense = Dense(4, 2, dtype=np.float64)
    np.testing.assert_allclose(dense.forward(np.eye(4)),
                               dense.params["weight"].T + dense.params["bias"], rtol=1e-12)
