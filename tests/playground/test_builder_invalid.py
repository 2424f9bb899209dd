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
def tab(qtbot):
    from playground.app import make_application

    make_application()
    widget = BuilderTab({"name": "broken", "input_shape": [1, 28, 28],
                         "classes": [str(d) for d in range(10)], "layers": []})
    qtbot.addWidget(widget)
    widget.resize(1200, 780)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


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
