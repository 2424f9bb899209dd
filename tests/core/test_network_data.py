"""Which data a network was made for: one rule for the lab's samples, the lessons and the export
tests."""

import numpy as np
import pytest

from core.data.datasets import Dataset
from core.nn.spec import read_spec
from core.nn.templates import shipped_templates
from core.train.network_data import data_made_for, lab_data, load_lab_samples

TEMPLATES = {path.stem: read_spec(path) for path in shipped_templates()}


@pytest.mark.parametrize("name, source", [
    ("chain_sigmoid", "parity"), ("tiny_cnn_9x9", "shapes"),
    ("rnn_first_symbol", "first-symbol"), ("lenet5", "mnist-5k"), ("lstm_digits", "mnist-5k"),
    ("tiny_mlp", "mnist-5k")])
def test_each_template_is_made_for_its_own_data(name, source):
    assert data_made_for(TEMPLATES[name]) == source


def test_the_data_a_network_was_trained_on_wins():
    assert data_made_for(TEMPLATES["lenet5"], "idx:/data/fashion") == "idx:/data/fashion"
    offer = lab_data(TEMPLATES["lenet5"], "idx:/data/fashion")
    assert offer.sample_kind == "images" and offer.drawing


@pytest.mark.parametrize("shape, classes, source", [
    ([5, 1], None, "parity"), ([6, 2], ["first", "second"], "marked"),
    ([12, 9], ["A", "B", "C", "D", "E"], "first-symbol"), ([28, 28], None, "mnist-5k"),
    ([1, 28, 28], None, "mnist-5k"), ([784], None, "mnist-5k"), ([3, 32, 32], None, "shapes"),
    ([1, 28, 28], ["star", "ring"], "shapes"), ([4, 1], ["even", "odd"], "parity")])
def test_an_unnamed_network_gets_what_fits_its_input(shape, classes, source):
    network = {"name": "mine", "input_shape": shape, "classes": classes}
    assert data_made_for(network) == source


def test_the_lab_offers_a_drawing_only_for_a_picture():
    chain, shapes = lab_data(TEMPLATES["chain_sigmoid"]), lab_data(TEMPLATES["tiny_cnn_9x9"])
    assert chain.sample_kind == "sequences" and not chain.drawing
    assert shapes.sample_kind == "shapes" and shapes.drawing
    assert shapes.shape_kinds == ("circle", "cross")  # the network's own classes
    assert lab_data(TEMPLATES["reference"]).sample_kind == "digits"
    assert not lab_data(TEMPLATES["rnn_first_symbol"]).drawing


def test_the_chain_is_shown_bits_whose_parity_is_their_class():
    samples = load_lab_samples("parity", TEMPLATES["chain_sigmoid"], count=50)
    assert isinstance(samples, Dataset)
    assert samples.images.shape == (50, 3, 1) and samples.class_names == ["even", "odd"]
    assert set(np.unique(samples.images)) <= {0.0, 1.0}
    np.testing.assert_array_equal(samples.labels, samples.images.sum(axis=(1, 2)) % 2)
    symbols = load_lab_samples("first-symbol", TEMPLATES["rnn_first_symbol"], count=5)
    assert symbols.images.shape == (5, 10, 8)
