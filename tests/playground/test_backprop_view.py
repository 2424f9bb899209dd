"""The Backprop tab: the 2 x (blocks) steps by buttons and keys, each block's panel drawing the
numbers of `core.nn.backprop_lab`, the conv running sum reaching dE/dW, the max pool's error only
at arg-max cells, the numerical check, nothing stale, and the way in from the builder."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.nn.spec import read_spec
from core.resources import resource_path
from playground.backprop.backprop_tab import BackpropTab

WAIT_MS = 30_000


def template(name):
    return read_spec(resource_path("models", f"{name}.json"))


@pytest.fixture
def tab(qtbot):
    from playground.app import make_application

    make_application()
    widget = BackpropTab()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.picker.set_source("shape")  # no data set to load
    widget.show()
    yield widget
    widget.shutdown()


def show(qtbot, tab, name="tiny_cnn_9x9", **kwargs):
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.set_network(template(name), **kwargs)
    return tab.result.lab


def press(qtbot, tab, key, times=1):
    for _ in range(times):
        qtbot.keyClick(tab, key)


def test_the_steps_go_forward_through_every_block_then_back_down(qtbot, tab):
    lab = show(qtbot, tab)
    assert [b.kind for b in lab.blocks] == ["Conv2D", "MaxPool2D", "Flatten", "Dense"]
    assert tab.bar.count == 8
    seen = []
    for step in range(8):
        tab.set_step(step)
        seen.append((tab.modules.block, tab.modules.direction, tab.current_panel()))
    panels = tab.panels
    assert seen == [(0, "forward", panels["contributions"]), (1, "forward", panels["routing"]),
                    (2, "forward", panels[""]), (3, "forward", panels["terms"]),
                    (3, "backward", panels["terms"]), (2, "backward", panels[""]),
                    (1, "backward", panels["routing"]), (0, "backward", panels["contributions"])]
    assert "Backward through block 1 of 4" in tab.step_title.text()


def test_a_student_follows_the_pass_with_the_keyboard_alone(qtbot, tab):
    show(qtbot, tab)
    tab.setFocus()
    press(qtbot, tab, Qt.Key.Key_Right, 3)
    assert tab.step == 3 and tab.modules.direction == "forward"
    press(qtbot, tab, Qt.Key.Key_Right, 10)  # stays on the last step
    assert tab.step == 7 and tab.modules.direction == "backward"
    press(qtbot, tab, Qt.Key.Key_Left)
    assert tab.step == 6
    press(qtbot, tab, Qt.Key.Key_Home)
    assert tab.step == 0 and not tab.bar.back.isEnabled()
    press(qtbot, tab, Qt.Key.Key_End)
    assert tab.step == 7 and not tab.bar.forward.isEnabled()
    press(qtbot, tab, Qt.Key.Key_Space)  # from the end, Play starts again at the first step
    assert tab.bar.playing and tab.step == 0
    with qtbot.waitSignal(tab.bar.step_changed, timeout=WAIT_MS):
        pass
    assert tab.step == 1
    press(qtbot, tab, Qt.Key.Key_Space)
    assert not tab.bar.playing


def test_clicking_the_buttons_and_a_module_moves_the_step(qtbot, tab):
    show(qtbot, tab)
    qtbot.mouseClick(tab.bar.forward, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.bar.forward, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.bar.back, Qt.MouseButton.LeftButton)
    assert tab.step == 1
    box = tab.modules._boxes[3]
    qtbot.mouseClick(tab.modules, Qt.MouseButton.LeftButton, pos=box.center().toPoint())
    assert tab.step == 3 and tab.current_panel() is tab.panels["terms"]


def test_the_conv_running_sum_adds_36_contributions_up_to_dE_dW(qtbot, tab):
    lab = show(qtbot, tab)
    tab.set_step(7)
    panel = tab.current_panel()
    assert panel is tab.panels["contributions"] and panel.timer.isActive()  # it animates
    panel.pause()
    parts = tab.result.details[0]
    assert parts.count == 36 and parts.padding == 2 and parts.stride == 2
    conv = lab.blocks[0]
    for filter_ in range(conv.params["weight"].shape[0]):
        panel.out_channel.setValue(filter_ + 1)
        assert panel.position == -1 and not panel.running.any()
        panel.next_position()
        panel.next_position()
        np.testing.assert_allclose(panel.running, parts.terms_for(filter_, 0)[:2].sum(axis=0),
                                   rtol=1e-6, atol=1e-7)
        assert panel.progress.text() == "2 of 36 contributions added"
        qtbot.mouseClick(panel.all_button, Qt.MouseButton.LeftButton)
        assert panel.position == 35
        np.testing.assert_allclose(panel.running, conv.grad_params["weight"][filter_, 0],
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(panel.grids["total"].values,
                                   conv.grad_params["weight"][filter_, 0], rtol=1e-6)


def test_the_conv_animation_reaches_the_total_on_its_own(qtbot, tab):
    lab = show(qtbot, tab)
    tab.set_step(7)
    panel = tab.current_panel()
    qtbot.waitUntil(lambda: panel.position == 35, timeout=WAIT_MS)
    assert not panel.timer.isActive()
    np.testing.assert_allclose(panel.running, lab.blocks[0].grad_params["weight"][0, 0],
                               rtol=1e-5, atol=1e-6)


def test_the_max_pool_sends_each_error_only_to_its_arg_max_cell(qtbot, tab):
    lab = show(qtbot, tab)
    tab.set_step(6)
    panel = tab.current_panel()
    assert panel is tab.panels["routing"]
    pool = lab.blocks[1]
    for channel in range(pool.input.shape[1]):
        panel.channel.setValue(channel + 1)
        shown = panel.shown_grad_input
        np.testing.assert_array_equal(shown, pool.grad_input[0, channel])
        sources = panel.routing.sources[channel].reshape(-1, 2)
        argmax = np.zeros(shown.shape, bool)
        argmax[sources[:, 0], sources[:, 1]] = True
        assert not shown[~argmax].any()  # zeros everywhere else
        windows = pool.input[0, channel].reshape(3, 2, 3, 2).transpose(0, 2, 1, 3)
        np.testing.assert_array_equal(pool.input[0, channel][sources[:, 0], sources[:, 1]],
                                      windows.reshape(9, 4).max(axis=1))


def test_the_dense_equation_spells_an_entry_with_hoverable_numbers(qtbot, tab):
    lab = show(qtbot, tab)
    dense = lab.blocks[3]
    tab.set_step(3)
    panel = tab.current_panel()
    panel.views["O"].entry_clicked.emit((1,))
    text = panel.equation.text()
    assert "O<sub>2</sub>" in text and "smaller products" in text  # 36 products, 8 shown
    assert f'href="v:{float(dense.output[0, 1]):.9g}"' in text
    panel.equation.linkHovered.emit(f"v:{float(dense.output[0, 1]):.9g}")
    assert float(panel.equation.hovered) == pytest.approx(float(dense.output[0, 1]))
    tab.set_step(4)
    with qtbot.waitSignal(tab.check_shown, timeout=WAIT_MS):
        panel.views["dW"].entry_clicked.emit((1, 5))
    assert tab.chosen_weight == (3, "weight", (1, 5))
    grad = float(dense.grad_params["weight"][1, 5])
    assert f'href="v:{grad:.9g}"' in panel.equation.text()
    assert f'href="v:{grad:.9g}"' in tab.update_panel.entry.text()
    assert "they agree" in tab.update_panel.check.text()


def test_the_update_gives_the_loss_before_and_after_for_the_alpha_typed(qtbot, tab):
    lab = show(qtbot, tab)
    assert f"v:{lab.loss:.9g}" in tab.update_panel.loss.text()
    assert f"v:{lab.loss_after:.9g}" in tab.update_panel.loss.text()
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.update_panel.alpha.setValue(0.5)
    assert tab.result.lab.alpha == 0.5 and tab.result.lab.loss == pytest.approx(lab.loss)
    assert f"v:{tab.result.lab.loss_after:.9g}" in tab.update_panel.loss.text()


def test_a_sigmoid_step_draws_its_small_slope(qtbot, tab):
    lab = show(qtbot, tab, "chain_sigmoid")
    sigmoid = next(b for b in lab.blocks if b.kind == "Sigmoid")
    tab.show_backward_step(sigmoid.index)
    panel = tab.current_panel()
    assert panel is tab.panels["curve"] and tab.modules.direction == "backward"
    _x, slope = panel.d_curve.getData()
    assert slope.max() == pytest.approx(0.25, abs=1e-3)
    assert panel.d_plot.getViewBox().viewRange()[1][1] >= 1.0  # beside ReLU's slope of 1
    assert "0.25" in panel.equation.text()
    _x, points = panel.d_points.getData()
    np.testing.assert_allclose(points, sigmoid.local_derivative[0].reshape(-1))


def test_a_changed_network_is_never_shown_as_current(qtbot, tab):
    show(qtbot, tab)
    tab.set_step(5)
    with qtbot.waitSignal(tab.pass_shown, timeout=WAIT_MS):
        tab.set_network(template("chain_sigmoid"), note="fresh weights")
        assert tab.stale and "previous" in tab.note.text()  # until the new pass arrives
    assert not tab.stale and "chain_sigmoid" in tab.note.text()
    assert [b.kind for b in tab.result.lab.blocks][:2] == ["Flatten", "Dense"]
    tab.mark_outdated("The network in the builder changed")
    assert tab.stale and "changed" in tab.note.text()
    tab.set_network(template("chain_sigmoid"), note="fresh weights")  # the same one again
    assert not tab.stale
    broken = template("tiny_cnn_9x9")
    broken["layers"][3]["config"]["in_features"] = 7
    with qtbot.waitSignal(tab.runner.failed, timeout=WAIT_MS):
        tab.set_network(broken)
    assert tab.result is None and tab.bar.count == 0 and "Cannot" in tab.note.text()


def test_the_builder_menu_opens_a_blocks_backward_step(qtbot, main_window):
    builder = main_window.builder
    builder.document.load_spec(template("tiny_cnn_9x9"), "Open")
    menu = builder.canvas.context_menu(1)
    action = next(a for a in menu.actions() if a.text() == "Show its backward step")
    with qtbot.waitSignal(main_window.backprop.pass_shown, timeout=WAIT_MS):
        action.trigger()
    menu.close()
    lab = main_window.backprop
    assert main_window.tabs.currentWidget() is lab
    assert lab.modules.block == 1 and lab.modules.direction == "backward"
    assert lab.current_panel() is lab.panels["routing"]
    main_window.tabs.setCurrentWidget(builder)
    builder.document.load_spec(template("chain_sigmoid"), "Open")
    assert lab.stale  # the previous network, said so
    with qtbot.waitSignal(lab.pass_shown, timeout=WAIT_MS):
        main_window.tabs.setCurrentWidget(lab)
    assert not lab.stale and lab.result.lab.blocks[1].kind == "Dense"


def test_the_welcome_lesson_opens_the_tiny_cnn_in_the_backprop_tab(qtbot, main_window):
    with qtbot.waitSignal(main_window.backprop.pass_shown, timeout=WAIT_MS):
        qtbot.mouseClick(main_window.welcome.buttons["tiny_cnn_9x9"],
                         Qt.MouseButton.LeftButton)
    lab = main_window.backprop
    assert main_window.tabs.currentWidget() is lab
    assert main_window.builder.spec()["name"] == "tiny_cnn_9x9"
    assert lab.picker.current_source() == "shape"
    assert "fresh weights" in lab.note.text()
