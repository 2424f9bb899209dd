"""The filter studio driven as a person would; every result is checked against `core` directly."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication
from test_filter_helpers import (
    as_rgb,
    drag_cells,
    make_studio,
    qimage_rgb,
    random_image_file,
    view_point_to_widget,
    wait_result,
)

from core.files.images import read_image, to_uint8
from core.image.filtering import (
    angle_to_rgb,
    apply_kernel,
    explain_pixel,
    neighbourhood,
    sobel,
)
from core.image.kernels import make_preset
from core.resources import resource_path

RTOL, ATOL = 1e-5, 1e-3


@pytest.fixture
def studio(qtbot, tmp_path):
    return make_studio(qtbot, tmp_path)


@pytest.fixture
def loaded(qtbot, studio, tmp_path):
    path, image = random_image_file(tmp_path)
    assert studio.open_path(path)
    wait_result(qtbot, studio)
    return studio, image


def test_load_pick_gaussian_and_change_sigma(qtbot, loaded):
    studio, image = loaded
    studio.presets.select("Gaussian")
    sigma = studio.presets.parameter_controls["sigma"]
    sigma.spin.setValue(1.5)
    studio.presets.parameter_controls["size"].spin.setValue(5)
    output = wait_result(qtbot, studio)
    expected = apply_kernel(image, make_preset("Gaussian", size=5, sigma=1.5), padding="zero")
    np.testing.assert_allclose(output.raw, expected, rtol=RTOL, atol=ATOL)
    assert studio.document.shape == (5, 5)
    assert studio.facts.facts.separable
    assert "keeps brightness" in studio.facts.sum_label.text()


def test_paint_cells_then_undo(qtbot, loaded):
    studio, image = loaded
    studio.presets.select("Identity")
    wait_result(qtbot, studio)
    studio.editor.brush_spin.setValue(1.0)
    drag_cells(qtbot, studio.editor.grid, [(0, 0), (0, 1), (0, 2)])
    painted = np.array([[1, 1, 1], [0, 1, 0], [0, 0, 0]], np.float32)
    np.testing.assert_array_equal(studio.document.values, painted)
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, painted), rtol=RTOL, atol=ATOL)
    assert "Sum: <b>4</b>" in studio.editor.sum_label.text()

    studio.undo_action.trigger()
    np.testing.assert_array_equal(studio.document.values, np.eye(3)[1:2].T @ np.eye(3)[1:2])
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, image.astype(np.float32), atol=ATOL)
    studio.redo_action.trigger()
    np.testing.assert_array_equal(studio.document.values, painted)


def test_padding_stride_and_convolution(qtbot, loaded):
    studio, image = loaded
    studio.presets.select("Sobel y")
    panel = studio.geometry_panel
    panel.padding_combo.setCurrentIndex(panel.padding_combo.findData("reflect"))
    panel.stride_spin.setValue(2)
    panel.pad_spin.setValue(2)
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData("convolve"))
    output = wait_result(qtbot, studio)
    expected = apply_kernel(image, make_preset("Sobel y"), padding="reflect", pad_width=2,
                            stride=2, mode="convolve")
    assert output.raw.shape == expected.shape
    np.testing.assert_allclose(output.raw, expected, rtol=RTOL, atol=ATOL)
    # rows x cols: (40 + 2*2 - 3) // 2 + 1 = 21 rows, (52 + 2*2 - 3) // 2 + 1 = 27 cols
    assert panel.size_label.text() == "40x52 (rows x cols), pad 2 (reflect), 3x3, stride 2 -> 21x27"
    assert output.raw.shape[:2] == (21, 27)
    panel.padding_combo.setCurrentIndex(panel.padding_combo.findData("valid"))
    output = wait_result(qtbot, studio)
    assert output.raw.shape[:2] == (19, 25)
    assert not panel.pad_spin.isEnabled()


def test_neighbourhood_functions(qtbot, loaded):
    studio, image = loaded
    studio.document.resize(3, 5)
    combo = studio.geometry_panel.function_combo
    for function in ("median", "max"):
        combo.setCurrentIndex(combo.findData(function))
        output = wait_result(qtbot, studio)
        expected = neighbourhood(image, (3, 5), function, padding="zero")
        np.testing.assert_allclose(output.raw, expected, atol=ATOL)


def test_per_channel_kernel_sums_channels(qtbot, loaded, screenshot_dir):
    studio, image = loaded
    studio.presets.select("Box blur")
    studio.editor.per_channel_check.setChecked(True)
    grid_g = studio.editor.grids[1]
    assert grid_g.isVisible()
    studio.editor.brush_spin.setValue(-1.0)
    qtbot.mouseClick(grid_g, Qt.MouseButton.LeftButton, pos=grid_g.cell_center(1, 1))
    output = wait_result(qtbot, studio)
    kernel = studio.document.to_kernel()
    assert kernel.values.shape == (3, 3, 3) and kernel.values[1, 1, 1] == -1.0
    assert output.raw.ndim == 2
    np.testing.assert_allclose(output.raw, apply_kernel(image, kernel), rtol=RTOL, atol=ATOL)
    studio.editor.grab().save(str(screenshot_dir / "filter_kernel_per_channel.png"))


def test_display_scaling_and_channel_view(qtbot, loaded):
    studio, image = loaded
    studio.presets.select("Laplacian (4-neighbour)")
    wait_result(qtbot, studio)
    studio.views.set_scale("abs")
    output = wait_result(qtbot, studio)
    np.testing.assert_array_equal(output.full_display, to_uint8(output.raw, scale="abs"))
    studio.views.channel_combo.setCurrentIndex(2)  # green
    np.testing.assert_array_equal(studio.views.result_item.image, output.display[..., 1])
    text = studio.views.describe_point(3.5, 2.5)
    assert f"{float(output.raw[2, 3, 0]):.4g}" in text and "original (row 2, col 3)" in text
    assert text.index("result</b> (row 2, col 3)") < text.index("original")


def test_sobel_views(qtbot, studio, screenshot_dir):
    image = read_image(resource_path("images", "camera.png"))
    assert studio.open_path(resource_path("images", "camera.png"))
    studio.presets.select("Sobel x")
    assert studio.presets.sobel_box.isVisible()
    studio.presets.choose_sobel_view("gy")
    wait_result(qtbot, studio)
    np.testing.assert_array_equal(studio.document.values, make_preset("Sobel y").values)
    studio.presets.choose_sobel_view("magnitude")
    output = wait_result(qtbot, studio)
    magnitude, angle = sobel(image)
    np.testing.assert_allclose(output.raw, magnitude, rtol=RTOL, atol=ATOL)
    studio.presets.choose_sobel_view("angle")
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, angle, atol=1e-5)
    top = np.percentile(magnitude, 99)  # brightness stretched so that ordinary edges show
    np.testing.assert_array_equal(output.full_display,
                                  angle_to_rgb(np.minimum(magnitude, top), angle))
    assert not studio.presets.legend.pixmap().isNull() and studio.presets.legend.isVisible()
    qtbot.waitUntil(lambda: len(studio.presets.previews) == 16, timeout=15000)
    studio.grab().save(str(screenshot_dir / "filter_studio_sobel_angle.png"))


def test_explain_mode_click_and_hover(qtbot, studio, screenshot_dir):
    image = read_image(resource_path("images", "camera.png"))
    assert studio.open_path(resource_path("images", "camera.png"))
    studio.presets.select("Sharpen")
    studio.geometry_panel.stride_spin.setValue(2)
    output = wait_result(qtbot, studio)
    qtbot.mouseClick(studio.explain_button, Qt.MouseButton.LeftButton)
    assert studio.explain_action.isChecked()
    views = studio.views

    def view_point(row, col):
        return (output.x0 + (col + 0.5) * output.stride,
                output.y0 + (row + 0.5) * output.stride)

    def widget_pos(row, col):
        return view_point_to_widget(views, views.result_box, *view_point(row, col))

    def on_screen(row, col):
        """True once the views show output pixel (row, col) inside the viewport."""
        x, y = view_point(row, col)
        return (views.result_box.viewRect().contains(QPointF(x, y))
                and views.graphics.viewport().rect().contains(widget_pos(row, col)))

    row, col = 0, 60
    qtbot.waitUntil(lambda: on_screen(row, col))  # the views have their final size and range
    with qtbot.waitSignal(views.result_clicked) as clicked:
        qtbot.mouseClick(views.graphics.viewport(), Qt.MouseButton.LeftButton,
                         pos=widget_pos(row, col))
    assert clicked.args == [row, col]
    explanation = studio.explain_panel.explanation
    expected = explain_pixel(image, make_preset("Sharpen"), row, col, stride=2)
    assert explanation.value == pytest.approx(float(output.raw[row, col]), abs=ATOL)
    assert explanation.top_left == expected.top_left == (-1, 119)
    np.testing.assert_allclose(explanation.products, expected.products)
    assert bool(explanation.in_padding[0].all()) and not explanation.in_padding[1:].any()
    assert studio.explain_panel.table.rowCount() == 3
    assert "= " + f"{explanation.value:.6g}" in studio.explain_panel.headline.text()
    assert studio.overlay.outline.isVisible() and len(studio.overlay.texts) == 9
    # clicking zoomed the linked views onto the window: hover another pixel there
    qtbot.waitUntil(lambda: views.result_box.viewRect().width() < 40 and on_screen(3, 62))
    with qtbot.waitSignal(views.result_hovered) as hovered:
        qtbot.mouseMove(views.graphics.viewport(), widget_pos(3, 62))
    row, col = hovered.args
    assert abs(row - 3) <= 1 and abs(col - 62) <= 1
    assert studio.explain_panel.explanation.top_left == (2 * row - 1, 2 * col - 1)
    assert studio.explain_panel.explanation.value == pytest.approx(float(output.raw[row, col]),
                                                                   abs=ATOL)
    assert f"result</b> (row {row}, col {col})" in views.value_label.text()
    explanation = studio.explain(60, 118, zoom=True)  # on the camera man's face
    assert explanation.value == pytest.approx(float(output.raw[60, 118]), abs=ATOL)
    qtbot.waitUntil(lambda: on_screen(60, 118))
    studio.grab().save(str(screenshot_dir / "filter_studio_explain.png"))


def test_worked_example_steps(qtbot, studio, screenshot_dir):
    from playground.filters.worked_example import EXAMPLE_INPUT

    example = studio.example
    studio.document.set_kernel([[1, 0, -1], [2, 0, -2], [1, 0, -1]], name="edge")
    assert example.output.shape == (6, 6)  # the notes: 9x9, pad 2, 3x3, stride 2 -> 6x6
    for _ in range(8):
        qtbot.mouseClick(example.step_button, Qt.MouseButton.LeftButton)
    assert example.step == 8
    expected = apply_kernel(EXAMPLE_INPUT, studio.document.values, padding="zero", pad_width=2,
                            stride=2)
    assert example.explanation.value == pytest.approx(float(expected[1, 2]))
    assert "Step 9 of 36" in example.arithmetic.text()
    example.pad_spin.setValue(0)
    example.stride_spin.setValue(1)
    assert example.output.shape == (7, 7)
    example.pad_spin.setValue(2)
    example.stride_spin.setValue(2)
    studio.bottom_tabs.setCurrentWidget(studio.example_scroll)
    qtbot.waitUntil(lambda: example.canvas.isVisible() and example.canvas.height() > 200)
    studio.grab().save(str(screenshot_dir / "filter_worked_example.png"))


def test_bad_settings_give_messages(qtbot, studio):
    tiny = np.arange(25, dtype=np.uint8).reshape(5, 5)
    studio.set_image(tiny, "tiny")
    wait_result(qtbot, studio)
    studio.document.resize(7, 7)
    combo = studio.geometry_panel.padding_combo
    combo.setCurrentIndex(combo.findData("valid"))
    qtbot.waitUntil(lambda: "Cannot filter" in studio.messages.text())
    assert studio.output is None
    assert "does not fit" in studio.geometry_panel.size_label.text()
    combo.setCurrentIndex(combo.findData("zero"))
    wait_result(qtbot, studio)
    assert studio.messages.text() == ""

    studio.document.set_kernel(np.zeros((3, 3)))
    qtbot.mouseClick(studio.editor.normalise_button, Qt.MouseButton.LeftButton)
    assert "add up to 0" in studio.messages.text()
    assert studio.document.divisor == 1.0

    studio.editor.per_channel_check.setChecked(True)  # grey image: per-channel is impossible
    qtbot.waitUntil(lambda: "colour" in studio.messages.text())


def test_save_and_load_user_kernel(qtbot, loaded, tmp_path):
    studio, image = loaded
    studio.document.set_kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0]], divisor=2, name="mine")
    qtbot.keyClicks(studio.presets.name_edit, "my edges")
    qtbot.mouseClick(studio.presets.save_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "kernels" / "my edges.json").is_file()
    assert studio.presets.user_kernel_names() == ["my edges"]
    studio.presets.select("Box blur")
    assert studio.document.values.sum() == 9
    studio.presets.select("my edges")
    assert studio.document.values[1, 1] == -4 and studio.document.divisor == 2
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, studio.document.to_kernel()),
                               rtol=RTOL, atol=ATOL)
    studio.presets.name_edit.setText("../bad/name")
    qtbot.mouseClick(studio.presets.save_button, Qt.MouseButton.LeftButton)
    assert "Type a name" in studio.messages.text()


def test_save_result_png_and_npy(qtbot, loaded, tmp_path):
    studio, _ = loaded
    studio.presets.select("Emboss")
    output = wait_result(qtbot, studio)
    assert studio.files.save_result(tmp_path / "out.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy", allow_pickle=False), output.raw)
    assert studio.files.save_result(tmp_path / "out.png")
    np.testing.assert_array_equal(read_image(tmp_path / "out.png"), output.full_display)
    assert not studio.files.save_result(tmp_path / "missing-folder" / "x.png")
    assert "Could not save" in studio.messages.text()
    QApplication.clipboard().clear()
    assert studio.files.copy_result()
    copied = QApplication.clipboard().image()
    np.testing.assert_array_equal(qimage_rgb(copied), as_rgb(output.full_display))


def test_gaussian_slider_and_facts(qtbot, loaded):
    studio, image = loaded
    studio.presets.select("Gaussian")
    size = studio.presets.parameter_controls["size"]
    assert size.spin.maximum() == 15  # the grid's largest size
    size.slider.setFocus()
    qtbot.keyClick(size.slider, Qt.Key.Key_Left)
    qtbot.keyClick(size.slider, Qt.Key.Key_Left)
    assert size.spin.value() == 5 and size.slider.value() == 5
    sigma = studio.presets.parameter_controls["sigma"]
    sigma.slider.setValue(sigma.slider.maximum() // 10)
    kernel = make_preset("Gaussian", size=5, sigma=sigma.value())
    np.testing.assert_allclose(studio.document.values, kernel.values, rtol=1e-6)
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, kernel), rtol=RTOL, atol=ATOL)
    facts = studio.facts.facts
    assert facts.separable and facts.cost["direct"] == 25 and facts.cost["separable"] == 10
    assert "Separable" in studio.facts.separable_label.text()
    assert not studio.facts.response_label.pixmap().isNull()
    studio.undo_action.trigger()  # the parameter drags were one undo step
    np.testing.assert_allclose(studio.document.values, make_preset("Gaussian").values)


def test_histogram_levels_drive_the_result_view(qtbot, loaded):
    studio, _ = loaded
    studio.views.channel_combo.setCurrentIndex(1)  # red: a single-channel view
    studio.views.histogram.setLevels(50, 120)
    assert tuple(studio.views.result_item.getLevels()) == (50, 120)
    studio.presets.select("Box blur")
    wait_result(qtbot, studio)
    assert tuple(studio.views.result_item.getLevels()) == (50, 120)  # kept across results
    studio.views.reset_levels()
    assert tuple(studio.views.result_item.getLevels()) == (0, 255)


def test_typing_in_the_grid_and_ctrl_z(qtbot, loaded):
    studio, image = loaded
    grid = studio.editor.grid
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_center(0, 0))
    grid.editor.selectAll()
    qtbot.keyClicks(grid.editor, "one")
    qtbot.keyClick(grid.editor, Qt.Key.Key_Return)
    assert "“one” is not a number" in studio.messages.text()
    assert studio.document.cell(0, 0) == 0.0
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_center(0, 0))
    grid.editor.selectAll()
    qtbot.keyClicks(grid.editor, "0.5")
    qtbot.keyClick(grid.editor, Qt.Key.Key_Return)
    assert studio.document.cell(0, 0) == 0.5
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, studio.document.values),
                               rtol=RTOL, atol=ATOL)
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert studio.document.cell(0, 0) == 0.0
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, image.astype(np.float32), atol=ATOL)


def test_explain_per_channel_kernel_and_median(qtbot, loaded):
    studio, image = loaded
    studio.presets.select("Sobel x")
    studio.editor.per_channel_check.setChecked(True)
    output = wait_result(qtbot, studio)
    studio.explain_action.setChecked(True)
    explanation = studio.explain(7, 9)
    assert explanation.window.shape == (3, 3, 3)  # 27 weights over R, G and B
    np.testing.assert_allclose(explanation.window, image[6:9, 8:11].astype(np.float32))
    assert explanation.value == pytest.approx(float(output.raw[7, 9]), abs=ATOL)
    lines = studio.explain_panel.table.item(0, 0).text().splitlines()
    assert [line[0] for line in lines[:3]] == ["R", "G", "B"]  # one line per channel
    combo = studio.geometry_panel.function_combo
    combo.setCurrentIndex(combo.findData("median"))
    wait_result(qtbot, studio)
    assert studio.explain(7, 9) is None
    assert "weighted sum" in studio.explain_panel.headline.text()


def test_views_zoom_and_pan_together(qtbot, loaded):
    studio, _ = loaded
    views = studio.views
    views.original_box.setRange(xRange=(10, 20), yRange=(5, 15), padding=0)
    original = views.original_box.viewRange()
    result = views.result_box.viewRange()
    np.testing.assert_allclose(result, original, atol=1e-6)
    views.result_box.translateBy(x=3, y=2)
    np.testing.assert_allclose(views.original_box.viewRange(), views.result_box.viewRange(),
                               atol=1e-6)
    assert views.original_box.viewRange()[0][0] == pytest.approx(original[0][0] + 3)
