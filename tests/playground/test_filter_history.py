"""One undo history for the whole studio: padding, pad width, stride, mode and function change
with the kernel's edits, driven with the real controls; saving a kernel selects and names it."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_filter_helpers import drag_cells, make_studio, random_image_file, wait_result

from core.image.filtering import apply_kernel, neighbourhood
from core.image.kernels import load_kernel
from playground.filters.presets_panel import PATH_ROLE

RTOL, ATOL = 1e-5, 1e-3


@pytest.fixture
def loaded(qtbot, tmp_path):
    studio = make_studio(qtbot, tmp_path)
    path, image = random_image_file(tmp_path)  # 40 rows x 52 cols, colour
    assert studio.open_path(path)
    wait_result(qtbot, studio)
    return studio, image


def _controls(panel):
    """What the geometry controls show: (padding, pad spin, stride, mode, function)."""
    return (panel.padding_combo.currentData(), panel.pad_spin.value(),
            panel.stride_spin.value(), panel.mode_combo.currentData(),
            panel.function_combo.currentData())


def _expected(studio, image):
    """The result computed by `core` directly from what the controls show."""
    padding, pad, stride, mode, function = _controls(studio.geometry_panel)
    options = {"padding": padding, "pad_width": None if pad < 0 or padding == "valid" else pad,
               "stride": stride}
    if function == "sum":
        return apply_kernel(image, studio.document.to_kernel(), mode=mode, **options)
    return neighbourhood(image, studio.document.shape, function, **options)


def test_geometry_changes_are_undo_steps_among_kernel_edits(qtbot, loaded):
    studio, image = loaded
    panel = studio.geometry_panel
    stack = studio.document.undo_stack

    def key(widget, which):
        widget.setFocus()
        qtbot.keyClick(widget, which)

    steps = [
        ("kernel", lambda: studio.presets.select("Sharpen")),
        ("Padding: Reflect", lambda: key(panel.padding_combo, Qt.Key.Key_Down)),
        ("Pad width 0", lambda: key(panel.pad_spin, Qt.Key.Key_Up)),
        ("Pad width 1", lambda: key(panel.pad_spin, Qt.Key.Key_Up)),
        ("Stride 2", lambda: key(panel.stride_spin, Qt.Key.Key_Up)),
        ("kernel", lambda: drag_cells(qtbot, studio.editor.grid, [(0, 0), (0, 1)])),
        ("Padding: Valid", lambda: panel.padding_combo.setCurrentIndex(
            panel.padding_combo.findData("valid"))),
        ("Convolution", lambda: key(panel.mode_combo, Qt.Key.Key_Down)),
        ("Function: median", lambda: key(panel.function_combo, Qt.Key.Key_Down)),
    ]
    screens = [(_controls(panel), studio.document.values.tobytes(), studio.output.raw.copy())]
    for text, act in steps:
        count = stack.count()
        act()
        assert stack.count() == count + 1, text  # one change, one undo step
        if text != "kernel":
            assert studio.undo_action.text() == f"&Undo {text}"
        output = wait_result(qtbot, studio)
        np.testing.assert_allclose(output.raw, _expected(studio, image), rtol=RTOL, atol=ATOL)
        screens.append((_controls(panel), studio.document.values.tobytes(), output.raw.copy()))
    assert screens[-1][0] == ("valid", 1, 2, "convolve", "median")
    assert not panel.pad_spin.isEnabled() and not panel.mode_combo.isEnabled()
    for earlier, later in zip(screens, screens[1:], strict=False):
        assert earlier[:2] != later[:2]

    for index in range(len(screens) - 2, -1, -1):  # undo walks back through every screen
        studio.undo_action.trigger()
        output = wait_result(qtbot, studio)
        controls, values, raw = screens[index]
        assert _controls(panel) == controls, index
        assert studio.document.values.tobytes() == values, index
        np.testing.assert_array_equal(output.raw, raw)
        assert panel.pad_spin.isEnabled() == (controls[0] != "valid")
    assert not studio.undo_action.isEnabled()
    for index in range(1, len(screens)):
        studio.redo_action.trigger()
        output = wait_result(qtbot, studio)
        assert _controls(panel) == screens[index][0], index
        np.testing.assert_array_equal(output.raw, screens[index][2])
    # a typed pad width survives "valid" and back
    assert panel.geometry_settings.pad_width is None
    for _ in range(4):
        studio.undo_action.trigger()
    assert _controls(panel) == ("reflect", 1, 2, "correlate", "sum")
    assert panel.geometry_settings.pad_width == 1 and panel.pad_spin.isEnabled()


def test_a_choice_that_changes_nothing_makes_no_step(qtbot, loaded):
    studio, _ = loaded
    panel = studio.geometry_panel
    count = studio.document.undo_stack.count()
    panel.padding_combo.setCurrentIndex(panel.padding_combo.currentIndex())
    panel.set_geometry(panel.geometry_settings)
    assert studio.document.undo_stack.count() == count
    panel.stride_spin.setValue(3)
    panel.stride_spin.setValue(1)  # back again: two steps, each undoable
    assert studio.document.undo_stack.count() == count + 2
    studio.undo_action.trigger()
    assert panel.stride_spin.value() == 3 and panel.geometry_settings.stride == 3


def test_saving_a_kernel_selects_it_and_names_the_result(qtbot, loaded, tmp_path):
    studio, image = loaded
    presets = studio.presets
    presets.select("Sharpen")
    studio.editor.brush_spin.setValue(2.0)
    drag_cells(qtbot, studio.editor.grid, [(0, 0)])
    assert wait_result(qtbot, studio).title.startswith("Sharpen (edited)")
    assert presets.list.currentItem() is None or not presets.list.currentItem().isSelected()
    values = studio.document.values

    qtbot.keyClicks(presets.name_edit, "crisp edges")
    qtbot.mouseClick(presets.save_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "kernels" / "crisp edges.json"
    assert path.is_file()
    item = presets.list.currentItem()
    assert item.text() == "crisp edges" and item.isSelected()
    assert item.data(PATH_ROLE) == str(path)
    header = presets.list.item(presets.list.row(item) - 1)
    assert header.text() == "My kernels"
    output = wait_result(qtbot, studio)
    assert studio.views.result_title.text().startswith("crisp edges (correlation) 40x52")
    assert presets.description.text().startswith("Your kernel, saved in")
    np.testing.assert_array_equal(studio.document.values, values)
    np.testing.assert_allclose(output.raw, apply_kernel(image, load_kernel(path)),
                               rtol=RTOL, atol=ATOL)

    studio.undo_action.trigger()  # the name goes back; the file stays
    assert wait_result(qtbot, studio).title.startswith("Sharpen (edited)")
    assert not presets.list.selectedItems() and path.is_file()
    studio.redo_action.trigger()
    assert presets.list.currentItem().text() == "crisp edges"

    presets.select("Box blur")
    presets.name_edit.setText("a box")  # sorts before "crisp edges"
    qtbot.mouseClick(presets.save_button, Qt.MouseButton.LeftButton)
    assert presets.user_kernel_names() == ["a box", "crisp edges"]
    assert presets.list.currentItem().text() == "a box" and presets.list.currentItem().isSelected()
    assert wait_result(qtbot, studio).title.startswith("a box (correlation)")
