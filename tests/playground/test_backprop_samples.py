"""The Backprop tab offers samples of the data each network was made for."""

import numpy as np
import pytest

from core.data.datasets import make_dataset
from core.nn.spec import read_spec
from core.resources import resource_path

WAIT_MS = 30_000


def template(name):
    return read_spec(resource_path("models", f"{name}.json"))


@pytest.fixture
def tab(backprop_tab):
    return backprop_tab


def offered_texts(picker):
    return [picker.source.itemText(i) for i in range(picker.source.count())]


def test_the_sigmoid_chain_is_shown_parity_bits_not_pictures(qtbot, tab):
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.set_network(template("chain_sigmoid"))
    picker = tab.picker
    assert picker.offered() == ["data"] and "parity" in offered_texts(picker)[0]
    x = tab.result.lab.blocks[0].input[0]
    assert x.shape == (3, 1) and set(np.unique(x)) <= {0.0, 1.0}
    assert tab.result.lab.labels[0] == int(x.sum()) % 2  # the target follows the sample
    assert picker.values.text().startswith("values ")
    for number in range(1, 4):
        with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
            picker.index.setValue(number)
        bits = picker.samples.images[number]
        np.testing.assert_array_equal(tab.result.lab.blocks[0].input[0], bits)
        assert tab.result.lab.labels[0] == int(bits.sum()) % 2


def test_a_shape_network_is_offered_its_own_shapes_and_a_drawing(qtbot, tab):
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.set_network(template("tiny_cnn_9x9"))
    picker = tab.picker
    assert picker.offered() == ["shape", "drawing"]
    assert [picker.kind.itemText(i) for i in range(picker.kind.count())] == ["circle", "cross"]
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        picker.kind.setCurrentText("cross")
    assert picker.target.currentText() == "cross" and tab.result.lab.labels[0] == 1


def test_a_digit_network_is_offered_test_digits_and_a_drawing(qtbot, tab):
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.set_network(template("tiny_mlp"))
    picker = tab.picker
    assert picker.offered() == ["data", "drawing"]
    assert offered_texts(picker) == ["Digit from the test set", "Digit you draw"]
    assert len(picker.samples.labels) == 1000
    label = int(picker.samples.labels[picker.index.value()])
    assert tab.result.lab.labels[0] == label


def test_a_network_from_the_training_tab_gets_that_tabs_data(qtbot, tab):
    spec = template("tiny_cnn_9x9")
    rng = np.random.default_rng(3)
    images = rng.random((6, 1, 9, 9)).astype(np.float32)
    loaded = make_dataset(images, np.arange(6) % 2, ["circle", "cross"], "my pictures (test)")
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.set_network(spec, data="folder:/somewhere", samples=loaded)
    assert tab.picker.offered() == ["data", "drawing"]
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.picker.index.setValue(5)
    np.testing.assert_array_equal(tab.result.lab.blocks[0].input[0], images[5])
    assert tab.result.lab.labels[0] == 1
