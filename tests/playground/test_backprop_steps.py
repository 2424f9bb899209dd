"""The Backprop tab's steps spelled out: a Conv2D's forward sum for one output pixel, recurrent
blocks stepped through whole, Play waiting for the running sum, max-pool arrows only where they
can be read, and tooltips naming entries as the equations do."""

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.nn.spec import read_spec
from core.resources import resource_path
from playground.backprop.numbers import full

WAIT_MS = 30_000


def template(name):
    return read_spec(resource_path("models", f"{name}.json"))


@pytest.fixture
def tab(backprop_tab):
    return backprop_tab


def show(qtbot, tab, spec, **kwargs):
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.set_network(spec, **kwargs)
    return tab.result.lab


def values_in(text):
    return [float(v) for v in re.findall(r'href="v:([^"]+)"', text)]


def test_the_conv_forward_step_spells_one_output_pixel_as_its_sum(qtbot, tab):
    lab = show(qtbot, tab, template("tiny_cnn_9x9"))
    tab.set_step(0)
    panel = tab.current_panel()
    assert panel is tab.panels["contributions"]
    conv, parts = lab.blocks[0], tab.result.details[0]
    for cell in ((2, 1), (0, 0), (3, 3)):
        panel.grids["out"].cell_clicked.emit(*cell)
        r, c = cell
        text = panel.equation.text()
        assert f"O<sub>1,{r + 1},{c + 1}</sub> =" in text
        numbers = values_in(text)
        # nine products w * x, written as their two factors, then the bias and the output
        weights, inputs = np.array(numbers[0:18:2]), np.array(numbers[1:18:2])
        window = parts.patches[r * parts.output_size[1] + c, 0]
        np.testing.assert_allclose(weights, conv.params["weight"][0, 0].reshape(-1), rtol=1e-6)
        np.testing.assert_allclose(inputs, window.reshape(-1), rtol=1e-6, atol=1e-9)
        bias, out = numbers[18], numbers[19]
        assert bias == pytest.approx(float(conv.params["bias"][0]), rel=1e-6)
        assert out == pytest.approx(float(conv.output[0, 0, r, c]), rel=1e-6, abs=1e-7)
        assert float(np.dot(weights, inputs) + bias) == pytest.approx(out, rel=1e-5, abs=1e-6)
        assert panel.grids["input"].marks.windows == [(2 * r, 2 * c, 2 * r + 3, 2 * c + 3)]
        assert panel.grids["out"].marks.chosen == cell


@pytest.mark.parametrize("name", ["rnn_first_symbol", "lstm_digits"])
def test_a_recurrent_network_is_stepped_through_whole(qtbot, tab, name):
    lab = show(qtbot, tab, template(name))
    kinds = [b.kind for b in lab.blocks]
    assert ("RNN" in kinds or "LSTM" in kinds) and tab.bar.count == 2 * len(kinds)
    for step in range(tab.bar.count):
        tab.set_step(step)
        block = lab.blocks[lab.steps[step].block]
        panel = tab.current_panel()
        assert block.name in tab.step_title.text()
        if block.family == "recurrent" and block.params:
            assert panel is tab.panels[""] and panel.weights.isVisibleTo(panel)
            backward = lab.steps[step].direction == "backward"
            shown = panel.weights.values
            expected = (block.grad_params if backward else block.params)[
                panel.param.currentData()]
            np.testing.assert_array_equal(shown, expected)
            if backward:
                assert "through time" in panel.equation.text()
                np.testing.assert_array_equal(panel.before.values, block.grad_input[0])
                with qtbot.waitSignal(tab.check_shown, timeout=WAIT_MS):
                    panel.weights.entry_clicked.emit((1, 2))
                assert tab.chosen_weight == (block.index, "weight_ih", (1, 2))
                assert "they agree" in tab.update_panel.check.text()
            else:
                np.testing.assert_array_equal(panel.before.values, block.input[0])
                np.testing.assert_array_equal(panel.after.values, block.output[0])


def two_convs():
    return {"name": "two convs", "input_shape": [1, 9, 9], "classes": ["circle", "cross"],
            "layers": [
                {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 2,
                                               "kernel_size": 3, "stride": 1, "padding": 1}},
                {"class": "ReLU", "config": {}},
                {"class": "Conv2D", "config": {"in_channels": 2, "out_channels": 2,
                                               "kernel_size": 3, "stride": 2, "padding": 0}},
                {"class": "Flatten", "config": {}},
                {"class": "Dense", "config": {"in_features": 32, "out_features": 2}}]}


def test_play_waits_for_the_running_sum_and_stop_and_step_still_work(qtbot, tab):
    lab = show(qtbot, tab, two_convs())
    conv_back = next(k for k, s in enumerate(lab.steps)
                     if s.direction == "backward" and s.block == 2)
    tab.bar.timer.setInterval(3_600_000)  # the beats of Play come from the test alone
    tab.set_step(conv_back - 1)
    tab.bar.play()
    tab.bar._on_tick()  # the beat of Play that reaches the conv's backward step
    panel = tab.current_panel()
    assert tab.step == conv_back and panel.animating()
    for _ in range(3):
        tab.bar._on_tick()  # beats while the running sum is added: Play waits
    assert tab.step == conv_back and tab.bar.playing
    with qtbot.waitSignal(panel.animation_finished, timeout=WAIT_MS):
        pass
    assert panel.position == tab.result.details[2].count - 1 and tab.bar.timer.isActive()
    tab.bar._on_tick()
    assert tab.step == conv_back + 1  # then it goes on
    tab.set_step(conv_back)  # Stop and Step during the animation, by keys
    assert panel.animating() and tab.bar.playing
    tab.setFocus()
    qtbot.keyClick(tab, Qt.Key.Key_Space)
    assert not tab.bar.playing and panel.animating()
    qtbot.keyClick(tab, Qt.Key.Key_Right)
    assert tab.step == conv_back + 1 and not panel.animating()


def pool_network(size):
    return {"name": "pool", "input_shape": [1, size, size], "classes": ["0", "1"],
            "layers": [{"class": "MaxPool2D", "config": {"size": 2}},
                       {"class": "Flatten", "config": {}},
                       {"class": "Dense", "config": {"in_features": (size // 2) ** 2,
                                                     "out_features": 2}}]}


def test_max_pool_arrows_only_on_a_small_map_else_the_arg_max_cells_are_marked(qtbot, tab):
    for size, arrows in ((24, True), (28, False)):
        show(qtbot, tab, pool_network(size))
        tab.set_step(tab.bar.count - 1)
        panel = tab.current_panel()
        assert panel is tab.panels["routing"]
        assert panel.flow.arrows is arrows
        image = panel.flow.grab().toImage()
        assert not image.isNull()
        text = panel.equation.text()
        assert ("arrows" in text) is arrows and ("framed in orange" in text) is not arrows
        shown = panel.shown_grad_input
        sources = panel.routing.sources[0].reshape(-1, 2)
        argmax = np.zeros(shown.shape, bool)
        argmax[sources[:, 0], sources[:, 1]] = True
        assert not shown[~argmax].any()  # zeros elsewhere, drawn pale


def test_tooltips_name_entries_as_the_equations_do(qtbot, tab):
    lab = show(qtbot, tab, template("tiny_cnn_9x9"))
    conv = lab.blocks[0]
    tab.set_step(7)
    panel = tab.current_panel()
    panel.finish()
    grad = conv.grad_params["weight"][0, 0, 1, 2]
    assert panel.grids["total"].tooltip(1, 2) == f"dE/dW[1, 1, 2, 3] = {full(grad)}"
    assert panel.grids["input"].tooltip(0, 0).startswith("H̃[1, 1, 1] (padding) = 0")
    assert panel.grids["input"].tooltip(2, 3).startswith("H̃[1, 3, 4] = H[1, 1, 2] = ")
    assert panel.grids["grad_out"].tooltip(3, 0).startswith("dE/dO[1, 4, 1] = ")
    tab.set_step(4)
    dense = tab.current_panel()
    g_w = lab.blocks[3].grad_params["weight"]
    assert dense.views["dW"].grid.tooltip(1, 5) == f"dE/dW[2, 6] = {full(g_w[1, 5])}"
    assert dense.views["dH"].grid.tooltip(7, 0).startswith("dE/dH[8] = ")
    tab.set_step(1)
    pool = tab.current_panel()
    assert pool.flow.tooltip(1, 0, 2) == f"O[1, 1, 3] = {full(lab.blocks[1].output[0, 0, 0, 2])}"
    assert "row" not in pool.flow.tooltip(0, 4, 4)
