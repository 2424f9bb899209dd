"""The Unrolled view: one cell per time step, the chosen step's equation with the numbers of
`unroll_pass`, the gradient's fade for three cells, and nothing stale when the network changes."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.data.sources import load_dataset
from core.nn.model import Sequential
from core.nn.spec import read_spec
from core.nn.unroll import unroll_pass
from core.resources import resource_path
from core.train.fitting import fit_to_data
from playground.training.unrolled_equation import equation_html, number, unit_equation
from playground.training.unrolled_view import UnrolledView

WAIT_MS = 30_000


def template(name):
    return read_spec(resource_path("models", f"{name}.json"))


@pytest.fixture(scope="module")
def sequences():
    return load_dataset("first-symbol:12", train=60, test=20)


def fitted(name, data, **changes):
    spec = fit_to_data(template(name), data).spec
    for block in spec["layers"]:
        if block["class"] in ("RNN", "LSTM"):
            block["config"].update(changes)
    return fit_to_data(spec, data).spec


@pytest.fixture
def view(qtbot, sequences):
    widget = UnrolledView()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    train, test = sequences
    widget.set_data(test.images, test.labels, test.class_names)
    yield widget
    widget.shutdown()


def show(qtbot, view, spec, **kwargs):
    with qtbot.waitSignal(view.pass_shown, timeout=WAIT_MS):
        view.set_network(spec, **kwargs)
    return view.unrolled


@pytest.mark.parametrize("name", ["rnn_first_symbol", "lstm_digits"])
def test_the_equation_holds_the_numbers_of_the_unrolled_pass(name, sequences):
    train, test = sequences
    spec = fitted(name, train) if name == "rnn_first_symbol" else template(name)
    model = Sequential.from_spec(spec, seed=2)
    x = test.images[3] if name == "rnn_first_symbol" else np.random.default_rng(0).random(
        (1, 28, 28)).astype(np.float32)
    unrolled = unroll_pass(model, x, int(test.labels[3]))
    hidden = unrolled.states.shape[1]
    for step, unit in ((0, 0), (5, 3), (unrolled.steps - 1, hidden - 1)):
        eq = unit_equation(unrolled, step, unit)
        assert eq.state == pytest.approx(float(unrolled.states[step, unit]))
        text = equation_html(eq)
        assert number(eq.state) in text
        if unrolled.cell == "RNN":
            part = eq.parts["x"]
            assert part.total == pytest.approx(float(unrolled.sums[step, unit]), abs=1e-5)
            assert np.tanh(part.total) == pytest.approx(eq.state, abs=1e-5)
            previous = unrolled.states[step - 1] if step else np.zeros(hidden)
            w = unrolled.weights
            assert part.recurrent_sum == pytest.approx(float(w["weight_hh"][unit] @ previous),
                                                       abs=1e-5)
            assert part.input_sum == pytest.approx(
                float(w["weight_ih"][unit] @ unrolled.inputs[step]), abs=1e-5)
            for value in (part.input_sum, part.bias_ih, part.recurrent_sum, part.total):
                assert number(abs(value)) in text
        else:
            for g, gate in enumerate("ifgo"):
                assert eq.parts[gate].value == pytest.approx(
                    float(unrolled.gates[step, g * hidden + unit]))
                squash = np.tanh if gate == "g" else (lambda z: 1 / (1 + np.exp(-z)))
                assert squash(eq.parts[gate].total) == pytest.approx(eq.parts[gate].value,
                                                                     abs=1e-5)
            assert eq.cell_state == pytest.approx(float(unrolled.cells[step, unit]))
            assert number(eq.cell_state) in text
    with pytest.raises(ValueError, match="outside"):
        unit_equation(unrolled, unrolled.steps, 0)


def test_the_view_shows_one_cell_per_step_and_the_equation_of_the_chosen_one(qtbot, view,
                                                                            sequences):
    train, test = sequences
    spec = fitted("rnn_first_symbol", train)
    unrolled = show(qtbot, view, spec, seed=4)
    assert unrolled.steps == 12 and view.chain.steps == 12
    assert view.slider.maximum() == 12 and view.strips.shape == (12, 32)
    assert view.chain.visible_steps()[0] == 0  # the first steps are drawn around step 1
    view.unit.setValue(7)
    view.set_step(6)
    expected = unroll_pass(Sequential.from_spec(spec, seed=4), test.images[0],
                           int(test.labels[0]))
    np.testing.assert_allclose(view.unrolled.states, expected.states, rtol=1e-6, atol=1e-7)
    text = view.equation.text()
    assert "x<sub>7</sub>(7)" in text and "x<sub>m</sub>(6)" in text
    assert number(float(expected.states[6, 7])) in text
    assert number(float(expected.sums[6, 7])) in text
    assert "t = 7 of 12" in view.step_label.text()
    assert 6 in view.chain.visible_steps()


def test_the_slider_buttons_and_keys_move_the_step(qtbot, view, sequences):
    show(qtbot, view, fitted("rnn_first_symbol", sequences[0]))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.step == 2 and view.chain.step == 2
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.step == 1
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.step == 11 and not view.next_button.isEnabled()
    qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)
    assert view.step == 10 and view.fade.step_line.value() == 11
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.step == 0 and not view.back_button.isEnabled()
    view.slider.setValue(5)
    assert view.step == 4 and "x<sub>0</sub>(5)" in view.equation.text()
    view.set_step(99)  # the slider keeps the step within the sequence
    assert view.step == 11


def test_the_fade_overlays_tanh_relu_and_lstm_and_states_the_singular_value(qtbot, view,
                                                                           sequences):
    unrolled = show(qtbot, view, fitted("rnn_first_symbol", sequences[0]))
    assert view.fade.curves_shown() == 3
    assert list(view.compared) == ["RNN tanh", "RNN relu", "LSTM"]
    y = view.fade.own.yData  # the data, before the log axis
    np.testing.assert_allclose(y, unrolled.state_grad_norms, rtol=1e-6)
    assert y[0] < y[-1]  # the error fades on its way back to step 1
    assert f"{unrolled.largest_singular_value:.3f}" in view.weights_view.text.text()


def test_a_new_network_or_sample_replaces_the_pass_and_says_so_meanwhile(qtbot, view,
                                                                        sequences):
    train, _test = sequences
    first = show(qtbot, view, fitted("rnn_first_symbol", train))
    view.set_network(fitted("rnn_first_symbol", train, hidden_size=16))
    assert "previous" in view.chain.stale  # until the new pass arrives
    qtbot.waitUntil(lambda: view.unrolled is not first, timeout=WAIT_MS)
    assert view.unrolled.states.shape == (12, 16) and view.strips.shape == (12, 16)
    assert view.chain.stale == "" and view.unit.maximum() == 15
    before = view.unrolled
    with qtbot.waitSignal(view.pass_shown, timeout=WAIT_MS):
        view.sample.setValue(5)
    assert view.unrolled is not before and "Sample 5" in view.note.text()
    lstm = show(qtbot, view, fitted("rnn_first_symbol", train) | {"layers": [
        {"class": "LSTM", "config": {"input_size": 8, "hidden_size": 8}},
        {"class": "Dense", "config": {"in_features": 8, "out_features": 4}}]})
    assert lstm.cell == "LSTM" and "c<sub>0</sub>(1)" in view.equation.text()
    view.clear("nothing to unroll")
    assert view.unrolled is None and view.chain.steps == 0 and view.fade.curves_shown() == 0


def test_the_dashboard_shows_the_tab_for_recurrent_networks_only(qtbot, board, sequences):
    views = board.views
    tab = views.indexOf(views.unrolled)
    board.set_spec(template("tiny_mlp"))
    assert not views.isTabVisible(tab)
    train, test = sequences
    board.set_spec(template("rnn_first_symbol"))
    assert views.isTabVisible(tab)
    views.setCurrentWidget(views.unrolled)
    with qtbot.waitSignal(views.unrolled.pass_shown, timeout=WAIT_MS):
        board.dataset_panel.set_dataset(train, test)
    assert views.unrolled.unrolled.steps == 12
    assert "untrained weights" in views.unrolled.note.text()
    board.set_spec(template("tiny_mlp"))
    assert not views.isTabVisible(tab) and views.unrolled.unrolled is None
    assert "nothing to unroll" in views.unrolled.note.text()


def test_the_welcome_lesson_opens_the_unrolled_view_on_the_first_symbol_task(qtbot,
                                                                            main_window):
    view = main_window.training.views.unrolled
    with qtbot.waitSignal(view.pass_shown, timeout=60_000):
        qtbot.mouseClick(main_window.welcome.buttons["rnn_first_symbol"],
                         Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is main_window.training
    assert main_window.training.views.currentWidget() is view
    assert main_window.builder.spec()["name"] == "rnn_first_symbol"
    assert view.unrolled.steps == 10 and view.unrolled.cell == "RNN"
    assert json.loads(json.dumps(view.network["spec"]))["input_shape"] == [10, 8]
