"""The builder warns about legal but odd designs on the card and in the inspector, and still
lets the network train."""

from PySide6.QtCore import Qt


def _append(qtbot, tab, name):
    """Insert `name` after the last block with the palette's Enter key, as a person would."""
    tree = tab.palette_panel.tree
    if tab.document.layer_count():
        last = tab.document.layer_count() - 1
        tab.canvas.set_selection([last], last)
    tree.setFocus()
    tree.setCurrentItem(tree.items[name])
    qtbot.keyClick(tree, Qt.Key.Key_Return)


def test_two_activations_in_a_row_are_noted_and_undo_clears_the_note(empty_builder, qtbot,
                                                                     screenshot_dir):
    tab = empty_builder
    for name in ("Conv2D", "ReLU", "Sigmoid", "MaxPool2D", "Flatten", "Dense"):
        _append(qtbot, tab, name)
    texts = tab.canvas.card_texts(2)
    assert texts["note"] == "two activations in a row" and texts["error"] is None
    assert "Two activations in a row (ReLU at block 1" in tab.canvas.tooltip_for(2)
    assert all(tab.canvas.card_texts(i)["note"] is None for i in (0, 1, 3, 4, 5))
    qtbot.mouseClick(tab.canvas, Qt.MouseButton.LeftButton, pos=tab.canvas.card_rect(2).center())
    assert tab.inspector.design_note.isVisible()
    assert "one is enough" in tab.inspector.design_note.text()
    assert tab.document.train_blocker() is None  # a warning, not a refusal
    tab.grab().save(str(screenshot_dir / "builder_design_note.png"))
    qtbot.mouseClick(tab.canvas, Qt.MouseButton.LeftButton, pos=tab.canvas.card_rect(1).center())
    assert not tab.inspector.design_note.isVisible()  # the ReLU itself is fine
    qtbot.mouseClick(tab.canvas, Qt.MouseButton.LeftButton, pos=tab.canvas.card_rect(2).center())
    qtbot.keyClick(tab.canvas, Qt.Key.Key_Delete)
    assert all(tab.canvas.card_texts(i)["note"] is None for i in range(tab.document.layer_count()))
    qtbot.keyClick(tab.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.canvas.card_texts(2)["note"] == "two activations in a row"


def test_dense_after_dense_and_an_early_softmax_are_noted(empty_builder, qtbot):
    tab = empty_builder
    for name in ("Flatten", "Dense", "Softmax", "Dense"):
        _append(qtbot, tab, name)
    assert tab.canvas.card_texts(2)["note"] == "softmax before the end"
    assert tab.canvas.card_texts(3)["note"] is None  # a softmax between is an activation
    tab.document.remove_blocks([2])
    assert tab.canvas.card_texts(2)["note"] == "no activation after block 1"
    tab.canvas.set_selection([2], 2)
    assert "Put a ReLU between them" in tab.inspector.design_note.text()
    assert "Note: No activation between" in tab.canvas.accessibleDescription()
