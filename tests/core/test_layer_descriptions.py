"""Every block describes itself from a config as the builder holds it: a short label, how its
output size and its weight count follow from the settings (numbers filled in), its icon."""

import math
import re

import pytest

from core.nn.layer import LAYERS, Layer, human_names, setting_names, setting_problem_text
from core.nn.wording import (
    count_text,
    params_text,
    plain_wording,
    plural,
    shape_text,
    whole,
)

ICONS = {"grid", "max-pool", "mean-pool", "network", "flatten", "dropout", "bars", "curve",
         "circle", "loop", "rows"}
UNKNOWN = "Output size: unknown until the blocks above fit together."


def default_config(cls) -> dict:
    return {s.name: s.default for s in cls.SETTINGS}


def fitting_input(cls, config):
    """An input shape the block takes with `config`, and its output shape."""
    layer = cls.shape_only(config)
    for shape in ((1, 28, 28), (784,), (28, 28)):
        try:
            return shape, layer.output_shape(shape)
        except ValueError:
            continue
    raise AssertionError(f"{cls.__name__} takes neither maps nor a vector nor a sequence")


def numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_block_describes_a_default_config(name):
    cls = LAYERS[name]
    config = default_config(cls)
    in_shape, out_shape = fitting_input(cls, config)
    label = cls.short_label(config)
    assert isinstance(label, str) and label.strip()
    assert label.split()[0] in name  # "Conv" for Conv2D, "MaxPool" for MaxPool2D
    output = cls.explain_output(config, in_shape, out_shape)
    assert output.strip() and shape_text(out_shape) in output
    params = cls.shape_only(config).param_count(in_shape)
    text = cls.explain_params(config, in_shape, params)
    assert text.strip() and numbers(text)[-1] == params, text


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_block_describes_partial_and_invalid_configs(name):
    cls = LAYERS[name]
    garbage = {s.name: "x" for s in cls.SETTINGS}
    for config in ({}, garbage, {"trainable": False}):
        assert cls.short_label(config).strip()
        assert cls.explain_output(config, None, None) == UNKNOWN
        for in_shape, out_shape in (((1, 28, 28), (1, 28, 28)), ((784,), (10,)),
                                    ((3, 9, 8), (2, 4, 3)), ((28, 28), (64,))):
            assert cls.explain_output(config, in_shape, out_shape).strip()
            assert cls.explain_params(config, in_shape, 0).strip()
        assert cls.explain_params(config, None, 0).strip()


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_block_names_its_icon(name):
    cls = LAYERS[name]
    assert cls.ICON in ICONS
    assert isinstance(cls.SEEDS_FILTERS, bool)
    if cls.ICON == "curve":
        ys = [cls.icon_curve(-3 + 6 * i / 40) for i in range(41)]
        assert all(isinstance(y, float) and math.isfinite(y) and -1 <= y <= 4 for y in ys)
        assert max(ys) - min(ys) > 1  # a curve, not a flat line


def test_the_base_block_defaults():
    assert Layer.short_label({}) == "Layer"
    assert Layer.explain_output({}, (3,), (3,)) == (
        "applied to each value on its own: same shape as its input, 3")
    assert Layer.explain_params({}, (3,), 0) == "0: no weights to learn"
    assert Layer.explain_params({}, (3,), 1234) == "1,234"
    assert Layer.ICON == "circle" and not Layer.SEEDS_FILTERS


def test_icons_tell_the_blocks_apart():
    curves = [c for c in LAYERS.values() if c.ICON == "curve"]
    drawn = {tuple(round(c.icon_curve(x / 2), 3) for x in range(-6, 7)) for c in curves}
    assert len(drawn) == len(curves)
    assert LAYERS["MaxPool2D"].ICON != LAYERS["AvgPool2D"].ICON
    assert [n for n, c in LAYERS.items() if c.SEEDS_FILTERS] == ["Conv2D"]
    assert [n for n, c in LAYERS.items() if c.PROBABILITY_OUTPUT] == ["Softmax"]


# ----- short labels ---------------------------------------------------------------------------
@pytest.mark.parametrize("name, config, label", [
    ("Conv2D", {"out_channels": 8, "kernel_size": 3, "stride": 1, "padding": 1},
     "Conv 8@3x3 s1 p1"),
    ("Conv2D", {"out_channels": 2, "kernel_size": 5, "stride": 2, "padding": "same"},
     "Conv 2@5x5 s2 same"),
    ("Conv2D", {}, "Conv ?@3x3 s1 p0"),
    ("MaxPool2D", {"size": 2, "stride": None}, "MaxPool 2x2 s2"),
    ("MaxPool2D", {"size": 3, "stride": 0}, "MaxPool 3x3 s3"),
    ("AvgPool2D", {"size": 3, "stride": 1}, "AvgPool 3x3 s1"),
    ("AvgPool2D", {"size": 3}, "AvgPool 3x3 s3"),
    ("Dense", {"out_features": 10}, "Dense 10"),
    ("Dense", {}, "Dense ?"),
    ("Dropout", {"p": 0.25}, "Dropout 0.25"),
    ("Dropout", {}, "Dropout 0.5"),
    ("LeakyReLU", {"negative_slope": 0.1}, "LeakyReLU 0.1"),
    ("LeakyReLU", {}, "LeakyReLU"),
    ("ReLU", {}, "ReLU"),
    ("Flatten", {}, "Flatten"),
    ("Softmax", {}, "Softmax"),
])
def test_short_labels(name, config, label):
    assert LAYERS[name].short_label(config) == label


# ----- output sizes, filled in ----------------------------------------------------------------
def test_conv_output_the_course_notes_example():
    config = {"in_channels": 3, "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 2}
    assert LAYERS["Conv2D"].explain_output(config, (3, 9, 9), (3, 6, 6)) == (
        "height and width: (9 + 2 x 2 - 3) / 2 + 1 = 6 (rounded down)\n"
        "3 filters give 3 maps: 3 x 6 x 6")


def test_conv_output_same_padding_on_a_wide_map():
    config = {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "stride": 2,
              "padding": "same"}
    out = LAYERS["Conv2D"].shape_only(config).output_shape((1, 9, 8))
    assert LAYERS["Conv2D"].explain_output(config, (1, 9, 8), out) == (
        "height: (9 + 2 x 1 ('same' padding) - 3) / 2 + 1 = 5 (rounded down)\n"
        "width: (8 + 2 x 1 ('same' padding) - 3) / 2 + 1 = 4 (rounded down)\n"
        "1 filter gives 1 map: 1 x 5 x 4")


def test_pool_outputs():
    assert LAYERS["MaxPool2D"].explain_output({"size": 2}, (8, 28, 28), (8, 14, 14)) == (
        "(28 - 2) / 2 + 1 = 14 (rounded down); each 2 x 2 window gives the largest of its "
        "values, on each of the 8 maps: 8 x 14 x 14")
    assert LAYERS["AvgPool2D"].explain_output({"size": 3, "stride": 1}, (1, 5, 5),
                                              (1, 3, 3)) == (
        "(5 - 3) / 1 + 1 = 3 (rounded down); each 3 x 3 window gives the mean of its values, "
        "on its one map: 1 x 3 x 3")


def test_flatten_dense_softmax_dropout_outputs():
    assert LAYERS["Flatten"].explain_output({}, (8, 7, 7), (392,)) == (
        "8 x 7 x 7 = 392 values laid out in one row")
    assert LAYERS["Flatten"].explain_output({}, (10,), (10,)) == "already flat: 10"
    assert LAYERS["Dense"].explain_output({}, (784,), (10,)) == "one output per neuron: 10"
    assert LAYERS["Softmax"].explain_output({}, (10,), (10,)) == (
        "O_i = exp(z_i) / sum_k exp(z_k): 10 probabilities that sum to 1")
    assert LAYERS["Dropout"].explain_output({}, (4, 2, 2), (4, 2, 2)).startswith(
        "same shape as its input, 4 x 2 x 2; while training")
    assert LAYERS["Tanh"].explain_output({}, (5,), (5,)) == (
        "applied to each value on its own: same shape as its input, 5")
    assert LAYERS["Dense"].explain_output({}, None, (10,)) == UNKNOWN


# ----- weight counts, filled in ---------------------------------------------------------------
def test_conv_params():
    conv = LAYERS["Conv2D"]
    config = {"in_channels": 3, "out_channels": 3, "kernel_size": 3}
    assert conv.explain_params(config, (3, 9, 9), 84) == (
        "3 x 3 x 3 inputs per filter x 3 filters = 81 weights + 3 biases = 84")
    one = {"in_channels": 1, "out_channels": 8, "kernel_size": 3}
    assert conv.explain_params(one, (1, 28, 28), 80, frozen_filters=1) == (
        "3 x 3 x 1 input per filter x 8 filters = 72 weights + 8 biases = 80; the 1 seeded "
        "filter (10 params) is frozen, the rest learn")
    assert conv.explain_params(one, (1, 28, 28), 80, frozen_filters=20).endswith(
        "the 8 seeded filters (80 params) are frozen, the rest learn")
    assert conv.explain_params(dict(one, trainable=False), (1, 28, 28), 80,
                               frozen_filters=1).endswith("= 80; frozen: not trained")
    assert conv.explain_params(one, (1, 28, 28), 81).endswith("= 80 (the engine counts 81)")
    assert conv.explain_params(one, None, 80) == "80"


def test_dense_and_weightless_params():
    dense = LAYERS["Dense"]
    assert dense.explain_params({"out_features": 10}, (784,), 7850) == (
        "784 inputs x 10 outputs = 7,840 weights + 10 biases = 7,850")
    assert dense.explain_params({"out_features": 1, "trainable": False}, (1,), 2) == (
        "1 input x 1 output = 1 weight + 1 bias = 2; frozen: not trained")
    assert dense.explain_params({}, (1, 2, 2), 0) == "0: no weights to learn"
    for name in ("MaxPool2D", "AvgPool2D"):
        assert LAYERS[name].explain_params({}, (1, 4, 4), 0) == (
            "0: pooling has no weights, it only subsamples")
    for name in ("ReLU", "Flatten", "Dropout", "Softmax"):
        assert LAYERS[name].explain_params({}, (10,), 0) == "0: no weights to learn"


# ----- shared wording -------------------------------------------------------------------------
def test_shapes_counts_and_plurals():
    assert shape_text((8, 28, 28)) == "8 x 28 x 28" and shape_text(None) == "?"
    assert count_text(12345) == "12,345"
    assert plural(1, "block") == "1 block" and plural(3, "block") == "3 blocks"
    assert plural(2, "class", "classes") == "2 classes"
    assert plural(1500, "param") == "1,500 params"
    assert params_text(0) == "no weights"
    assert params_text(80) == "80 params" and params_text(80, 80) == "80 params"
    assert params_text(80, 20) == "80 params, 20 frozen"
    assert whole("7", 1) == 7 and whole(None, 2) == 2 and whole("same", 3) == 3


def test_setting_messages_in_plain_words():
    assert {"out_channels", "kernel_size", "size", "p"} <= setting_names()
    assert human_names("out_channels must be ...") == "out channels must be ..."
    assert human_names("layout_channels") == "layout_channels"  # whole names only
    assert plain_wording("size must be >= 1; received 0") == "size must be at least 1; received 0"
    with pytest.raises(ValueError) as error:
        LAYERS["Conv2D"].shape_only({"kernel_size": 40})
    assert setting_problem_text(str(error.value)) == (
        "Conv2D: kernel size must be at most 31; received 40")
    with pytest.raises(TypeError) as error:
        LAYERS["Dense"].shape_only({"out_features": 2.5})
    assert setting_problem_text(str(error.value)) == (
        "Dense: out features must be a whole number; received 2.5")
