"""Impossible stacks are painted red with the reason, and Train says why it is disabled."""

import warnings

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from playground.builder.builder_tab import BuilderTab
from playground.builder.card_painting import ERROR_FILL

ACTIONS = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction


@pytest.fixture
def tab(empty_builder):
    return empty_builder


def drop_block(tab, name, gap):
    canvas = tab.canvas
    mime = tab.palette_panel.tree.mime_for(name)
    pos = canvas.gap_point(gap)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos, ACTIONS, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, enter)
    drop = QDropEvent(QPointF(pos), ACTIONS, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, drop)
    assert drop.isAccepted()


def card_colour(canvas, index):
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    rect = canvas.card_rect(index)
    x, y = int((rect.left() + rect.width() * 0.45) * ratio), int((rect.top() + 6) * ratio)
    return image.pixelColor(x, y)


def tooltip_at_card(canvas, index):
    """The tooltip Qt shows when the mouse rests on card `index`."""
    QToolTip.hideText()
    rect = canvas.card_rect(index)
    event = QHelpEvent(QHelpEvent.Type.ToolTip, rect.center(), canvas.mapToGlobal(rect.center()))
    QApplication.sendEvent(canvas, event)
    assert QToolTip.isVisible()
    return QToolTip.text()


def test_pool_after_a_1x1_map_is_red_with_the_reason(tab, qtbot, screenshot_dir):
    for gap in range(5):  # 28 -> 14 -> 7 -> 3 -> 1 -> ?
        drop_block(tab, "MaxPool2D", gap)
    drop_block(tab, "Flatten", 5)
    drop_block(tab, "Dense", 6)
    canvas = tab.canvas
    texts = canvas.card_texts(4)
    assert texts["error"] == "MaxPool2D(2) at position 4 gets 1x1 maps, smaller than its 2x2 window"
    assert canvas.card_texts(3)["shape"] == "1 x 1 x 1" and canvas.card_texts(3)["error"] is None
    assert canvas.card_texts(5)["shape"] == "?" and canvas.card_texts(6)["params"] == ""
    assert canvas.total_text() == "Total: ? parameters until block 4 fits"
    assert card_colour(canvas, 4) == ERROR_FILL
    assert card_colour(canvas, 3) != ERROR_FILL
    assert "1x1 maps" in tooltip_at_card(canvas, 4)
    assert not tab.train_button.isEnabled()
    assert "1x1 maps" in tab.train_reason.text() and "1x1 maps" in tab.train_button.toolTip()
    canvas.set_selection([4], 4)
    assert "1x1 maps" in tab.inspector.output_formula.text()
    QApplication.processEvents()
    tab.grab().save(str(screenshot_dir / "builder_invalid.png"))
    # fixing it (removing the extra pool) makes the network trainable
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert canvas.card_texts(5)["shape"] == "10"
    assert tab.train_button.isEnabled() and tab.train_reason.text() == ""


def test_dense_before_flatten_is_red(tab, qtbot):
    drop_block(tab, "Conv2D", 0)
    drop_block(tab, "Dense", 1)
    drop_block(tab, "Flatten", 2)
    error = tab.canvas.card_texts(1)["error"]
    assert error.startswith("Dense(")
    assert "gets 8 maps of 26x26; put a Flatten block before it" in error
    assert card_colour(tab.canvas, 1) == ERROR_FILL
    assert not tab.train_button.isEnabled() and "put a Flatten" in tab.train_reason.text()
    tab.canvas.set_selection([2], 2)  # drag Flatten above Dense by keyboard
    qtbot.keyClick(tab.canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert tab.canvas.card_texts(1)["error"] is None
    # a network ending in maps, or with the wrong number of outputs, cannot train either
    assert "one score per class" not in tab.train_reason.text()
    tab.document.set_setting(2, "out_features", 3)
    assert "10 classes" in tab.train_reason.text() and not tab.train_button.isEnabled()


def test_network_ending_in_maps_cannot_train(tab):
    drop_block(tab, "Conv2D", 0)
    assert not tab.train_button.isEnabled()
    assert "one score per class" in tab.train_reason.text()


def test_the_cannot_train_line_never_moves_the_layout(tab, qtbot):
    def top_of_work_area():
        return (tab.canvas_area.mapTo(tab, tab.canvas_area.rect().topLeft()).y(),
                tab.palette_panel.mapTo(tab, tab.palette_panel.rect().topLeft()).y())

    def settled():
        QApplication.processEvents()
        return top_of_work_area()

    empty = settled()
    assert tab.train_reason.text().startswith("The network is empty")
    drop_block(tab, "Flatten", 0)
    drop_block(tab, "Dense", 1)
    assert tab.train_reason.text() == ""
    assert settled() == empty
    drop_block(tab, "Conv2D", 1)  # a long reason, two lines
    assert tab.train_reason.text().startswith("Cannot train: Conv2D(")
    assert tab.train_reason.heightForWidth(tab.train_reason.width()) > \
        tab.train_reason.fontMetrics().lineSpacing() * 1.5
    assert settled() == empty


def test_setting_problems_are_worded_for_people(qtbot):
    from playground.app import make_application

    make_application()
    tab = BuilderTab({"input_shape": [1, 28, 28], "classes": ["a", "b"], "layers": [
        {"class": "Conv2D", "config": {"out_channels": "eight"}}]})
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    from playground.builder.card_painting import card_reason

    error = tab.canvas.card_texts(0)["error"]
    assert card_reason(error) == "out channels must be a whole number; received 'eight'"
    assert tab.train_reason.text() == ("Cannot train: Conv2D at position 0: out channels must be "
                                       "a whole number; received 'eight'")
    tab.document.load_spec({"input_shape": [4], "classes": ["a", "b"], "layers": [
        {"class": "Dense", "config": {"out_features": 3}}]})
    assert tab.train_reason.text() == ("The last block gives 3 outputs but the data set has 2 "
                                       "classes; set its out features to 2.")
    assert "1 block, 15 parameters." in tab.inspector.title.text()
    tab.canvas.set_selection([0], 0)
    params = tab.inspector.params_formula
    assert "4 inputs x 3 outputs = 12 weights + 3 biases = 15" in params.text()
    assert tab.canvas.card_texts(-1)["params"] == "2 classes"
    tab.document.load_spec({"input_shape": [4], "classes": ["only"], "layers": [
        {"class": "Dense", "config": {"out_features": 1}}]})
    assert tab.canvas.card_texts(-1)["params"] == "1 class"
    tab.canvas.set_selection([0], 0)
    assert "4 inputs x 1 output = 4 weights + 1 bias = 5" in params.text()
    assert tab.canvas.card_texts(0)["params"] == "5 params"
    tab.document.set_setting(0, "out_features", 2)
    assert tab.document.undo_stack.undoText() == "Set Dense out features to 2"
