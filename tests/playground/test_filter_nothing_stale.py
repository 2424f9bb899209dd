"""The studio never shows old numbers as current: the explain table follows a new image or
kernel, a stride carried over is said, a new display scale re-uses the float result, the
geometry lives in the document (undo / redo), previews mean the same on any image, and the
views can always be fitted again."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_filter_helpers import make_studio, random_image_file, wait_result

from core.files.images import to_uint8
from core.image.filtering import apply_kernel, explain_pixel
from core.image.kernels import make_preset
from core.image.requests import Geometry
from playground.filters.explain import PROMPT


@pytest.fixture
def studio(qtbot, tmp_path):
    return make_studio(qtbot, tmp_path)


@pytest.fixture
def loaded(qtbot, studio, tmp_path):
    path, image = random_image_file(tmp_path)
    assert studio.open_path(path)
    wait_result(qtbot, studio)
    return studio, image


def test_explain_table_follows_a_new_image_and_kernel(qtbot, loaded, tmp_path):
    studio, _ = loaded
    studio.explain_action.setChecked(True)
    first = studio.explain(21, 30)
    assert first is not None
    _, other = random_image_file(tmp_path, "other.png", shape=(44, 60, 3), seed=5)
    studio.set_image(other, "other")
    studio.presets.select("Box blur")
    output = wait_result(qtbot, studio)
    shown = studio.explain_panel.explanation
    expected = explain_pixel(other, make_preset("Box blur"), 21, 30, channel=0)  # red shown
    assert shown is not first
    assert shown.value == pytest.approx(float(output.raw[21, 30, 0]), abs=1e-3)
    assert shown.value == pytest.approx(expected.value, abs=1e-3)
    assert "row 21, col 30" in studio.explain_panel.headline.text()


def test_explained_pixel_outside_the_new_result_leaves_the_prompt(qtbot, loaded, tmp_path):
    studio, _ = loaded
    studio.explain_action.setChecked(True)
    assert studio.explain(35, 50) is not None
    _, small = random_image_file(tmp_path, "small.png", shape=(20, 24, 3), seed=2)
    studio.set_image(small, "small")
    wait_result(qtbot, studio)
    assert studio.explain_panel.explanation is None
    assert studio.explain_panel.table.rowCount() == 0
    assert studio.explain_panel.headline.text() == PROMPT
    assert not studio.overlay.outline.isVisible()


def test_turning_explain_off_clears_the_table_at_the_next_result(qtbot, loaded):
    studio, _ = loaded
    studio.explain_action.setChecked(True)
    assert studio.explain(5, 5) is not None
    studio.explain_action.setChecked(False)
    studio.presets.select("Sharpen")
    wait_result(qtbot, studio)
    assert studio.explain_panel.explanation is None


def test_a_carried_over_stride_is_said_and_can_be_reset(qtbot, loaded, tmp_path):
    studio, image = loaded
    studio.geometry_panel.stride_spin.setValue(2)
    assert wait_result(qtbot, studio).raw.shape[:2] == (20, 26)
    studio.presets.select("Gaussian")
    wait_result(qtbot, studio)
    text = studio.messages.text()
    assert "stride 2" in text and "20x26" in text
    qtbot.mouseClick(studio.messages.action_button, Qt.MouseButton.LeftButton)
    output = wait_result(qtbot, studio)
    assert studio.document.geometry.stride == 1 and output.raw.shape[:2] == image.shape[:2]
    assert "kept from before" not in studio.messages.text()  # the note went with the stride
    studio.undo_action.trigger()  # the reset is one undoable step
    assert studio.document.geometry.stride == 2
    # a new image with a typed pad width says so too
    studio.document.set_geometry(Geometry(pad_width=3, stride=1))
    _, other = random_image_file(tmp_path, "other.png", shape=(30, 30), seed=1)
    studio.set_image(other, "other")
    wait_result(qtbot, studio)
    text = studio.messages.text()
    assert "pad width 3" in text and "30x30" in text  # 30 + 2 * 3 - 7 + 1 (7x7 Gaussian)


def test_default_walk_says_nothing(qtbot, loaded):
    studio, _ = loaded
    studio.presets.select("Gaussian")
    wait_result(qtbot, studio)
    assert "kept from before" not in studio.messages.text()


def test_a_new_display_scale_reuses_the_float_result(qtbot, loaded, monkeypatch):
    studio, image = loaded
    studio.presets.select("Laplacian (4-neighbour)")
    first = wait_result(qtbot, studio)
    calls = []
    import playground.filters.studio as studio_module

    real = studio_module.run_filter
    monkeypatch.setattr(studio_module, "run_filter",
                        lambda *args: calls.append(1) or real(*args))
    studio.views.set_scale("normalize")
    qtbot.waitUntil(lambda: studio.output.request.scale == "normalize")
    output = wait_result(qtbot, studio)
    assert calls == []
    assert output.raw is first.raw
    np.testing.assert_array_equal(output.display, to_uint8(first.raw, scale="normalize"))
    assert studio.document.scale == "normalize"
    # an edit after that runs the filter with the new scale
    studio.geometry_panel.stride_spin.setValue(2)
    output = wait_result(qtbot, studio)
    assert calls == [1] and output.request.scale == "normalize"
    expected = apply_kernel(image, make_preset("Laplacian (4-neighbour)"), stride=2)
    np.testing.assert_allclose(output.raw, expected, rtol=1e-5, atol=1e-3)


def test_geometry_is_the_documents_with_undo_and_redo(qtbot, loaded):
    studio, _ = loaded
    panel, document = studio.geometry_panel, studio.document
    document.set_geometry(Geometry(padding="reflect", stride=3, mode="convolve"))
    assert panel.stride_spin.value() == 3 and panel.mode_combo.currentData() == "convolve"
    assert panel.padding_combo.currentData() == "reflect"
    request = studio.request()
    assert (request.padding, request.stride, request.mode) == ("reflect", 3, "convolve")
    panel.stride_spin.setValue(2)
    assert document.geometry.stride == 2
    studio.undo_action.trigger()
    assert document.geometry.stride == 3 and panel.stride_spin.value() == 3
    studio.undo_action.trigger()
    assert document.geometry == Geometry() and panel.stride_spin.value() == 1
    studio.redo_action.trigger()
    studio.redo_action.trigger()
    assert document.geometry.stride == 2 and panel.stride_spin.value() == 2
    assert wait_result(qtbot, studio).request.stride == 2


def test_kernel_previews_are_the_same_on_any_image(qtbot, studio, tmp_path):
    qtbot.waitUntil(lambda: len(studio.presets.previews) >= 16, timeout=15000)
    before = {key: value.copy() for key, value in studio.presets.previews.items()}
    noise = np.random.default_rng(3).integers(0, 256, (80, 90), dtype=np.uint8)
    studio.set_image(noise, "noise")
    wait_result(qtbot, studio)
    qtbot.wait(50)
    assert set(studio.presets.previews) == set(before)
    for key, value in before.items():
        np.testing.assert_array_equal(studio.presets.previews[key], value)


def test_fit_after_the_explain_zoom(qtbot, loaded):
    studio, image = loaded
    views = studio.views
    studio.explain_action.setChecked(True)
    studio.explain(10, 10, zoom=True)
    assert views.original_box.viewRect().width() < image.shape[1] / 2  # zoomed in
    qtbot.mouseClick(views.fit_button, Qt.MouseButton.LeftButton)
    assert views.original_box.viewRect().width() >= image.shape[1]
    studio.explain(10, 10, zoom=True)
    studio.explain_action.setChecked(False)  # turning explain off fits too
    assert views.original_box.viewRect().width() >= image.shape[1]
    assert views.fit_on_resize


def test_a_long_result_title_stays_on_one_line(qtbot, loaded):
    studio, _ = loaded
    studio.resize(700, 600)
    studio.document.set_kernel(np.ones((3, 3)), name="a kernel with a very long name " * 4)
    wait_result(qtbot, studio)
    title = studio.views.result_title
    assert title.text().startswith("a kernel with a very long name")
    assert title.height() <= title.fontMetrics().height() + 6
    assert title.toolTip() == title.text()
