"""Typing into a kernel cell and the studio's undo keys, driven as a person would: a
double-click paints nothing, Esc cancels, undo closes an open editor without committing it, and
Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y work from every control in the tab."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from test_filter_helpers import drag_cells, make_studio, random_image_file, wait_result

from core.image.filtering import apply_kernel

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def studio(qtbot, tmp_path):
    studio = make_studio(qtbot, tmp_path)
    studio.activateWindow()
    qtbot.waitUntil(studio.isActiveWindow)
    return studio


def double_click(qtbot, grid, row, col):
    """What a person's double-click sends: press, release, double-click, release."""
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_center(row, col))
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_center(row, col))


def _gaussian(studio):
    studio.presets.select("Gaussian")
    grid = studio.editor.grid
    studio.editor.brush_spin.setValue(1.0)
    return grid, studio.document.values.copy(), studio.document.undo_stack.count()


def test_double_click_opens_the_editor_without_painting_and_esc_cancels(qtbot, studio,
                                                                       screenshot_dir):
    grid, before, steps = _gaussian(studio)
    double_click(qtbot, grid, 3, 3)
    assert grid.editor.isVisible()
    np.testing.assert_array_equal(studio.document.values, before)
    grid.grab().save(str(screenshot_dir / "filter_cell_editor_open.png"))
    assert grid.editor.text() == "0.22508352"  # the exact weight, whole in a wider box
    assert grid.editor.width() >= grid.editor.fontMetrics().horizontalAdvance("0.22508352")
    assert studio.document.undo_stack.count() == steps  # no paint step left behind
    assert not studio.redo_action.isEnabled()  # and no redo step either
    qtbot.keyClicks(grid.editor, "5")
    qtbot.keyClick(grid.editor, Qt.Key.Key_Escape)
    assert not grid.editor.isVisible()
    grid.setFocus()
    studio.presets.list.setFocus()  # focus moving on commits nothing
    np.testing.assert_array_equal(studio.document.values, before)
    # what is typed and confirmed is committed, as one undo step
    double_click(qtbot, grid, 3, 3)
    qtbot.keyClicks(grid.editor, "0.5")
    qtbot.keyClick(grid.editor, Qt.Key.Key_Return)
    assert studio.document.cell(3, 3) == pytest.approx(0.5)
    assert studio.document.undo_stack.count() == steps + 1


def test_undo_while_typing_closes_the_editor_and_never_commits_it(qtbot, studio):
    grid, before, _ = _gaussian(studio)
    drag_cells(qtbot, grid, [(0, 0)])  # paints 1 into a corner
    assert studio.document.cell(0, 0) == 1.0
    double_click(qtbot, grid, 3, 3)
    qtbot.keyClicks(grid.editor, "9")
    qtbot.keyClick(grid.editor, Qt.Key.Key_Z, CTRL)  # the studio's undo, from the editor
    assert not grid.editor.isVisible()
    np.testing.assert_array_equal(studio.document.values, before)
    studio.presets.list.setFocus()
    QApplication.processEvents()
    np.testing.assert_array_equal(studio.document.values, before)
    assert studio.redo_action.isEnabled()  # the corner's paint can be redone
    # a preset chosen while typing also closes the editor, committing nothing
    double_click(qtbot, grid, 1, 1)
    qtbot.keyClicks(grid.editor, "7")
    studio.presets.select("Box blur")
    assert not grid.editor.isVisible()
    studio.presets.list.setFocus()
    assert studio.document.name == "Box blur" and np.all(studio.document.values == 1.0)


@pytest.mark.parametrize("redo_keys", [(Qt.Key.Key_Z, CTRL | SHIFT), (Qt.Key.Key_Y, CTRL)])
def test_undo_and_redo_keys_work_from_spin_boxes_and_combos(qtbot, studio, tmp_path,
                                                            redo_keys):
    path, image = random_image_file(tmp_path)
    assert studio.open_path(path)
    panel = studio.geometry_panel
    panel.stride_spin.setFocus()
    qtbot.keyClick(panel.stride_spin, Qt.Key.Key_Up)
    assert panel.geometry_settings.stride == 2
    studio.presets.select("Gaussian")
    studio.presets.parameter_controls["sigma"].spin.setValue(1.5)
    controls = [lambda: panel.stride_spin, lambda: panel.function_combo,
                lambda: studio.editor.brush_spin, lambda: studio.example.pad_spin,
                lambda: studio.presets.parameter_controls["sigma"].spin]
    for control in controls:
        control().setFocus()
        qtbot.keyClick(control(), Qt.Key.Key_Z, CTRL)
        assert studio.document.parameters["sigma"] != 1.5, control().objectName()
        qtbot.keyClick(control(), *redo_keys)
        assert studio.document.parameters["sigma"] == 1.5, control().objectName()
    for _ in range(2):
        sigma = studio.presets.parameter_controls["sigma"].spin
        sigma.setFocus()
        qtbot.keyClick(sigma, Qt.Key.Key_Z, CTRL)
    assert studio.document.source == "Identity"
    combo = panel.function_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Z, CTRL)
    assert panel.geometry_settings.stride == 1 and panel.stride_spin.value() == 1
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, studio.document.to_kernel()),
                               rtol=1e-5, atol=1e-3)
