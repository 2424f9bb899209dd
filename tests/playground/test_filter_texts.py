"""What the studio tells a learner is exact and honest: sigma to 8 decimals, a cell's exact
weight, the worked example for median/min/max and per-channel kernels, kernel facts that do not
contradict themselves, an opened image that keeps the kernel, and small layout promises."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from test_filter_helpers import make_studio, random_image_file, wait_result

from core.image.filtering import apply_kernel, neighbourhood
from core.image.kernels import make_preset
from playground.filters.worked_example import EXAMPLE_INPUT

NOTES_SIGMA = 0.84089642
NOTES_CENTRE = 0.22508352


@pytest.fixture
def studio(qtbot, tmp_path):
    return make_studio(qtbot, tmp_path)


def test_the_notes_sigma_can_be_typed_and_each_cell_tells_its_exact_weight(qtbot, studio):
    studio.presets.select("Gaussian")
    spin = studio.presets.parameter_controls["sigma"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(NOTES_SIGMA))
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert studio.document.parameters["sigma"] == pytest.approx(NOTES_SIGMA, abs=1e-9)
    assert studio.document.cell(3, 3) == pytest.approx(NOTES_CENTRE, abs=1e-7)
    grid = studio.editor.grid
    assert grid.cell_tooltip(3, 3) == f"row 4 of 7, col 4 of 7: {NOTES_CENTRE}"
    assert "0.00000067" in grid.cell_tooltip(0, 0)
    position = grid.cell_center(3, 3)
    event = QHelpEvent(QEvent.Type.ToolTip, position, grid.mapToGlobal(position))
    QApplication.sendEvent(grid, event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert f"{NOTES_CENTRE}" in QToolTip.text()
    # a 3x3 grid's cells show the weight with its leading zero and 3 digits or more
    studio.presets.parameter_controls["size"].spin.setValue(3)
    value = studio.document.cell(1, 1)
    text = grid.cell_text(1, 1)
    assert text.startswith("0.") and len(text) >= 5
    assert float(text) == pytest.approx(value, rel=2e-3)
    # the 7x7 corner (6.7e-7) reads "≈0", never an exponent
    studio.presets.parameter_controls["size"].spin.setValue(7)
    assert grid.cell_text(0, 0) in ("≈0", "")


def _example_text(studio):
    return studio.example.arithmetic.text()


def test_worked_example_follows_the_function_and_lists_every_product(qtbot, studio):
    example = studio.example
    studio.presets.select("Sobel x")
    example.go_to(7)  # output (row 1, col 1), as in the notes' 9x9 example
    text = _example_text(studio)
    assert text.count("×") == 9  # zero weights included
    assert "All 36 outputs share the same 9 weights" in text
    panel = studio.geometry_panel
    for function in ("median", "min", "max"):
        panel.function_combo.setCurrentIndex(panel.function_combo.findData(function))
        expected = neighbourhood(EXAMPLE_INPUT, (3, 3), function, padding="zero", pad_width=2,
                                 stride=2)
        text = _example_text(studio)
        window = example.explanation.window.ravel()
        listed = ", ".join(f"{x:g}" for x in window)
        assert f"{function} of {{{listed}}} = <b>{expected[1, 1]:g}</b>" in text
        assert "weights" in text and "share the same" not in text
        np.testing.assert_array_equal(example.output, expected)


def test_worked_example_is_honest_about_a_per_channel_kernel(qtbot, studio):
    studio.presets.select("Sobel x")
    studio.editor.per_channel_check.click()
    assert studio.document.per_channel
    text = _example_text(studio)
    assert "27 weights" in text and "3 channels" in text
    assert "share the same 9 weights" not in text


def test_kernel_facts_name_the_method_they_use(qtbot, studio):
    facts = studio.facts
    facts.set_image_shape((512, 512))
    studio.presets.select("Gaussian")
    studio.document.set_cells([(3, 3, 0)], 1.0)  # the teacher's edit: now rank 2
    cost = facts.cost_label.text()
    assert "rank 2" in facts.separable_label.text()
    assert "Used: <b>separable</b>" not in cost
    if facts.facts.method == "separable":
        assert "sum of 2 separable passes (rank 2)" in cost
    studio.presets.select("Sobel x")
    studio.editor.per_channel_check.click()
    assert "each channel separable" in facts.separable_label.text().lower()
    assert "Not separable" not in facts.separable_label.text()
    studio.document.set_cells([(0, 1, 2)], 5.0)  # the blue channel becomes rank 2
    assert "B rank 2" in facts.separable_label.text()


def test_opening_an_image_keeps_an_edited_kernel(qtbot, studio, tmp_path):
    studio.presets.select("Sobel x")
    studio.document.set_cells([(0, 0, 0)], 3.0)
    kernel, steps = studio.document.values.copy(), studio.document.undo_stack.count()
    path, image = random_image_file(tmp_path, shape=(30, 40, 3))
    assert studio.open_path(path)
    studio.presets.list.setFocus()  # focus coming back to the list after the file dialog
    QApplication.processEvents()
    np.testing.assert_array_equal(studio.document.values, kernel)
    assert studio.document.undo_stack.count() == steps
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, studio.document.to_kernel()),
                               rtol=1e-5, atol=1e-3)


def test_a_per_channel_kernel_on_a_grey_image_offers_the_fix(qtbot, studio, tmp_path,
                                                             screenshot_dir):
    path, _ = random_image_file(tmp_path, shape=(30, 40, 3))
    assert studio.open_path(path)
    studio.presets.select("Sobel x")
    studio.editor.per_channel_check.click()
    wait_result(qtbot, studio)
    grey_path, grey = random_image_file(tmp_path, "grey.png", shape=(30, 40))
    assert studio.open_path(grey_path)
    assert studio.document.per_channel  # the kernel is kept ...
    studio.run_now()
    assert "Per colour channel" in studio.messages.text()  # ... and the message says why
    button = studio.messages.action_button
    assert button.isVisible() and "Per colour channel" in button.text()
    studio.grab().save(str(screenshot_dir / "filter_per_channel_on_grey.png"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not studio.document.per_channel and studio.messages.text() == ""
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(grey, studio.document.to_kernel()),
                               rtol=1e-5, atol=1e-3)
    studio.undo_action.trigger()  # back to the per-channel kernel: the message comes back
    studio.run_now()
    assert "Per colour channel" in studio.messages.text() and button.isVisible()


def test_sobel_views_keep_their_place_and_show_negative_edges(qtbot, studio, tmp_path):
    path, image = random_image_file(tmp_path, shape=(30, 40))
    assert studio.open_path(path)
    presets = studio.presets
    presets.select("Sobel y")
    output = wait_result(qtbot, studio)
    assert studio.views.scale == "abs" and "absolute value" in studio.views.result_title.text()
    expected = np.abs(apply_kernel(image, make_preset("Sobel y")))
    shown = output.display.astype(np.float32)
    np.testing.assert_allclose(shown, np.clip(np.round(expected), 0, 255), atol=1)
    radio = presets.sobel_radios["gx"]
    tops = []
    for view in ("gy", "magnitude", "angle", "gy"):
        presets.choose_sobel_view(view)
        QApplication.processEvents()
        tops.append(radio.mapTo(presets, QPoint(0, 0)).y())
    assert len(set(tops)) == 1, tops
    presets.select("Gaussian")  # leaving Sobel puts back the scale chosen before
    assert studio.views.scale == "clip"


def test_box_blur_size_is_called_size(qtbot, studio):
    studio.presets.select("Box blur")
    label = studio.presets.parameters_form.labelForField(
        studio.presets.parameter_controls["n"])
    assert label.text() == "size:"


def test_the_kernel_name_box_is_whole_in_a_small_window(qtbot, tmp_path):
    studio = make_studio(qtbot, tmp_path, size=(950, 580))  # a 960x640 window's share
    studio.presets.select("Gaussian")
    qtbot.waitUntil(lambda: studio.width() == 950)
    edit = studio.presets.name_edit
    placeholder = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
    qtbot.waitUntil(lambda: edit.width() >= placeholder + 12)  # laid out from the event loop
    assert studio.rect().contains(edit.mapTo(studio, edit.rect().bottomRight()))
    sigma = studio.presets.parameter_controls["sigma"].spin
    assert sigma.width() >= sigma.sizeHint().width()  # all 8 decimals readable
