"""Build the reference network by drag and drop from the palette, reorder, delete, undo; the cards
show core.nn.model's shapes and counts; the keyboard does everything the mouse does."""

import json
import warnings

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core.nn.model import Sequential
from core.nn.spec import analyse
from core.nn.wording import params_text, shape_text
from core.resources import resource_path
from playground.builder.palette import BLOCK_MIME

ACTIONS = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction


@pytest.fixture
def reference():
    return json.loads(resource_path("models", "reference.json").read_text())


@pytest.fixture
def tab(empty_builder):
    return empty_builder


def drag_to(canvas, mime, pos: QPoint) -> bool:
    """Enter, move over and drop `mime` at `pos` like a drag does; True when the drop was taken."""
    with warnings.catch_warnings():  # PySide6 flags the QPoint constructors; Qt 6 has no other
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos, ACTIONS, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        move = QDragMoveEvent(pos, ACTIONS, mime, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(canvas, move)
    assert canvas.marker_gap() == canvas.gap_at(pos)
    drop = QDropEvent(QPointF(pos), ACTIONS, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, drop)
    return drop.isAccepted()


def drop_block(tab, name, gap):
    mime = tab.palette_panel.tree.mime_for(name)
    assert bytes(mime.data(BLOCK_MIME)).decode() == name
    assert drag_to(tab.canvas, mime, tab.canvas.gap_point(gap))


def click_card(qtbot, canvas, index, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, modifier, canvas.card_rect(index).center())


def set_spin(qtbot, box, value):
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, str(value))
    qtbot.keyClick(box, Qt.Key.Key_Return)


def layer_classes(tab):
    return [layer["class"] for layer in tab.spec()["layers"]]


def build_reference(tab, qtbot):
    """The reference network, built with a few detours a person might take."""
    canvas, inspector = tab.canvas, tab.inspector
    # Conv, MaxPool, ReLU (pool and ReLU swapped), each dropped below the last block
    for gap, name in enumerate(["Conv2D", "MaxPool2D", "ReLU"]):
        drop_block(tab, name, gap)
    # the second stage and the head; a Dropout dropped between Flatten and Dense
    for name in ["Conv2D", "ReLU", "MaxPool2D", "Flatten", "Dense"]:
        drop_block(tab, name, tab.document.layer_count())
    drop_block(tab, "Dropout", 7)
    assert layer_classes(tab) == ["Conv2D", "MaxPool2D", "ReLU", "Conv2D", "ReLU", "MaxPool2D",
                                  "Flatten", "Dropout", "Dense"]
    # reorder: drag the first ReLU above the first MaxPool
    click_card(qtbot, canvas, 2)
    assert drag_to(canvas, canvas.selection_mime_data(), canvas.gap_point(1))
    assert layer_classes(tab)[:3] == ["Conv2D", "ReLU", "MaxPool2D"]
    assert canvas.selected_indices() == [1]
    # settings through the inspector
    click_card(qtbot, canvas, 0)
    set_spin(qtbot, inspector.editors["padding"], 1)
    click_card(qtbot, canvas, 3)
    set_spin(qtbot, inspector.editors["out_channels"], 16)
    set_spin(qtbot, inspector.editors["padding"], 1)
    # delete the Dropout with the Delete key, then delete the Dense and undo that
    click_card(qtbot, canvas, 7)
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert "Dropout" not in layer_classes(tab)
    click_card(qtbot, canvas, 7)
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert layer_classes(tab)[-1] == "Flatten"
    assert tab.train_button.isEnabled() is False
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_build_reference_by_drag_and_drop(tab, qtbot, reference, screenshot_dir):
    build_reference(tab, qtbot)
    tab.name_edit.setFocus()
    tab.name_edit.selectAll()
    qtbot.keyClicks(tab.name_edit, "reference")
    qtbot.keyClick(tab.name_edit, Qt.Key.Key_Return)
    assert tab.spec() == reference
    assert tab.train_button.isEnabled() and tab.train_reason.text() == ""
    with qtbot.waitSignal(tab.train_requested) as signal:
        qtbot.mouseClick(tab.train_button, Qt.MouseButton.LeftButton)
    assert signal.args[0]["layers"] == reference["layers"]
    tab.canvas.set_selection([3], 3)
    QApplication.processEvents()  # lets the inspector show its new editors
    tab.grab().save(str(screenshot_dir / "builder_reference.png"))


def test_cards_show_what_core_model_computes(tab, qtbot, reference):
    tab.document.load_spec(reference)
    model = Sequential.from_spec(tab.spec())
    reports = analyse(reference)
    shape = model.input_shape
    for i, layer in enumerate(model.layers):
        shape = layer.output_shape(shape)
        texts = tab.canvas.card_texts(i)
        assert texts["shape"] == shape_text(shape) == shape_text(reports[i].output_shape)
        assert texts["shape"] == " x ".join(str(d) for d in shape)  # "8 x 28 x 28"
        count = layer.param_count()
        assert texts["params"] == params_text(count)
        assert texts["params"] == (f"{count:,} params" if count else "no weights")
        assert texts["error"] is None
    assert tab.canvas.total_text() == f"Total: {model.param_count():,} parameters"
    assert model.param_count() == 80 + 1168 + 7850
    assert tab.canvas.card_texts(0)["label"] == "Conv 8@3x3 s1 p1"
    assert tab.canvas.card_texts(2)["label"] == "MaxPool 2x2 s2"


def test_keyboard_select_move_duplicate_undo(tab, qtbot, reference):
    tab.document.load_spec(reference)
    canvas = tab.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    assert canvas.current_index() == -1
    for _ in range(2):
        qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert canvas.selected_indices() == [1]
    qtbot.keyClick(canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert layer_classes(tab)[1:3] == ["MaxPool2D", "ReLU"] and canvas.selected_indices() == [2]
    qtbot.keyClick(canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert tab.spec() == reference
    qtbot.keyClick(canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert canvas.selected_indices() == [1, 2]
    qtbot.keyClick(canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert layer_classes(tab)[:5] == ["Conv2D", "ReLU", "MaxPool2D", "ReLU", "MaxPool2D"]
    assert canvas.selected_indices() == [3, 4]
    assert "1x1" not in (tab.document.first_error().error if tab.document.first_error() else "")
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.spec() == reference
    qtbot.keyClick(canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(tab.spec()["layers"]) == 10
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.spec() == reference  # the moves were undone too


def test_multi_select_drag_and_context_menu(tab, qtbot, reference):
    tab.document.load_spec(reference)
    canvas = tab.canvas
    click_card(qtbot, canvas, 3)
    click_card(qtbot, canvas, 5, Qt.KeyboardModifier.ShiftModifier)
    assert canvas.selected_indices() == [3, 4, 5]
    click_card(qtbot, canvas, 4, Qt.KeyboardModifier.ControlModifier)
    assert canvas.selected_indices() == [3, 5]
    assert drag_to(canvas, canvas.selection_mime_data(), canvas.gap_point(0))
    assert layer_classes(tab)[:2] == ["Conv2D", "MaxPool2D"]
    assert canvas.selected_indices() == [0, 1]
    tab.document.undo_stack.undo()
    assert tab.spec() == reference
    canvas.set_selection([7], 7)
    menu = canvas.context_menu(7)
    texts = [a.text().split("\t")[0] for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Duplicate", "Remove", "Move up", "Move down", "Show what it learned",
                     "Show its backward step"]
    with qtbot.waitSignal(tab.show_learned_requested) as signal:
        next(a for a in menu.actions() if a.text() == "Show what it learned").trigger()
    assert signal.args == [7]
    with qtbot.waitSignal(tab.show_backward_requested) as signal:
        menu.actions()[-1].trigger()
    assert signal.args == [7]
    next(a for a in menu.actions() if a.text().startswith("Duplicate")).trigger()
    assert layer_classes(tab)[-2:] == ["Dense", "Dense"]
    conv_menu = canvas.context_menu(0)
    assert any(a.text().startswith("Seed filters") for a in conv_menu.actions())
    menu.close()
    conv_menu.close()


def test_foreign_drops_are_refused(tab, qtbot):
    from PySide6.QtCore import QMimeData

    unknown = QMimeData()
    unknown.setData(BLOCK_MIME, b"Transformer")
    assert not drag_to(tab.canvas, unknown, tab.canvas.gap_point(0))
    text = QMimeData()
    text.setText("Conv2D")
    assert not drag_to(tab.canvas, text, tab.canvas.gap_point(0))
    assert tab.document.layer_count() == 0


def test_palette_enter_inserts_after_the_selection(tab, qtbot):
    tree = tab.palette_panel.tree
    tree.setFocus()
    tree.setCurrentItem(tree.items["Conv2D"])
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    tree.setCurrentItem(tree.items["Flatten"])
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    tab.canvas.set_selection([0], 0)
    tree.setCurrentItem(tree.items["ReLU"])
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert layer_classes(tab) == ["Conv2D", "ReLU", "Flatten"]
    assert tree.items["ReLU"].toolTip(0) and "ReLU" in tab.palette_panel.help.toPlainText()


def test_choosing_a_card_clears_the_palette_highlight(tab, qtbot, screenshot_dir):
    tree = tab.palette_panel.tree
    for name in ("Conv2D", "ReLU"):
        tab.document.insert_block(tab.document.layer_count(), name)
    rect = tree.visualItemRect(tree.items["Dense"])
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tree.selectedItems() == [tree.items["Dense"]]
    click_card(qtbot, tab.canvas, 1)
    assert tab.canvas.current_index() == 1
    assert tree.selectedItems() == []
    assert "ReLU" in tab.palette_panel.help.toPlainText()
    tab.grab().save(str(screenshot_dir / "builder_palette_cleared.png"))
    tree.setFocus()  # Enter in the palette still adds its current block, and keeps it lit
    qtbot.waitUntil(tree.hasFocus)
    tree.setCurrentItem(tree.items["Flatten"])
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert layer_classes(tab) == ["Conv2D", "ReLU", "Flatten"]
    assert tree.selectedItems() == [tree.items["Flatten"]]


def test_menu_key_opens_the_block_menu(tab, qtbot, reference):
    from PySide6.QtWidgets import QMenu

    tab.document.load_spec(reference)
    canvas = tab.canvas
    canvas.set_selection([0], 0)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Menu)
    menu = canvas.findChild(QMenu, "blockMenu")
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    assert "Seed filters from kernels…" in [a.text() for a in menu.actions()]
    menu.close()
