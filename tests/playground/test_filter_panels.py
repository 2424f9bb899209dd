"""The studio's panels tell the truth and stay usable: Sobel geometry, wheel over controls,
undo of the whole screen, pixel readout, rows x cols sizes, per-channel grids, the kernel list."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QTextDocument, QWheelEvent
from PySide6.QtWidgets import QApplication
from test_filter_helpers import (
    drag_cells,
    make_studio,
    random_image_file,
    view_point_to_widget,
    wait_result,
)

from core.image.filtering import apply_kernel, sobel
from core.image.kernels import PRESETS, make_preset
from core.resources import resource_path
from playground.filters.kernel_previews import preview_sample
from playground.filters.presets_panel import ICON_SIDE

ATOL = 1e-3


@pytest.fixture
def studio(qtbot, tmp_path):
    return make_studio(qtbot, tmp_path)


@pytest.fixture
def loaded(qtbot, studio, tmp_path):
    path, image = random_image_file(tmp_path)  # 40 rows x 52 cols, colour
    assert studio.open_path(path)
    wait_result(qtbot, studio)
    return studio, image


def _arrow_size(text: str) -> tuple[int, int]:
    """The "-> RxC" output size written in a geometry text."""
    match = re.search(r"-> (\d+)x(\d+)", text)
    assert match, text
    return int(match.group(1)), int(match.group(2))


def _choose(combo, key):
    combo.setCurrentIndex(combo.findData(key))


# ---- 1. Sobel views and neighbourhood functions: honest geometry -----------------------------
def test_sobel_views_disable_stride_and_padding_and_say_so(qtbot, loaded, screenshot_dir):
    studio, image = loaded
    panel = studio.geometry_panel
    studio.presets.select("Sobel x")
    _choose(panel.padding_combo, "reflect")
    panel.stride_spin.setValue(2)
    output = wait_result(qtbot, studio)
    assert output.raw.shape[:2] == (20, 26) and _arrow_size(panel.size_label.text()) == (20, 26)
    assert not panel.note_label.isVisible()

    studio.presets.choose_sobel_view("magnitude")
    output = wait_result(qtbot, studio)
    magnitude, _ = sobel(image)
    np.testing.assert_allclose(output.raw, magnitude, rtol=1e-5, atol=ATOL)
    for control in (panel.padding_combo, panel.pad_spin, panel.stride_spin, panel.mode_combo,
                    panel.function_combo):
        assert not control.isEnabled()
    assert panel.note_label.isVisible()
    assert "stride 1 with edge padding" in panel.note_label.text()
    assert studio.presets.sobel_note.isVisible()  # said beside the view buttons too
    text = panel.size_label.text()
    assert _arrow_size(text) == output.raw.shape == (40, 52)
    assert "edge padding" in text and "stride 1" in text
    assert studio.views.result_title.text().endswith(" 40x52")
    studio.grab().save(str(screenshot_dir / "filter_sobel_magnitude_geometry.png"))

    studio.presets.choose_sobel_view("gx")  # back to the kernel: the settings apply again
    output = wait_result(qtbot, studio)
    assert panel.stride_spin.isEnabled() and not panel.note_label.isVisible()
    assert output.raw.shape[:2] == (20, 26) == _arrow_size(panel.size_label.text())


def test_neighbourhood_functions_say_what_they_use(qtbot, loaded):
    studio, image = loaded
    panel = studio.geometry_panel
    studio.document.resize(3, 5)
    panel.stride_spin.setValue(2)
    _choose(panel.function_combo, "median")
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, np.asarray(
        [[np.median(np.pad(image, ((1, 1), (2, 2), (0, 0)))[r:r + 3, c:c + 5, ch])
          for ch in range(3)] for r in range(0, 40, 2) for c in range(0, 52, 2)],
        np.float32).reshape(20, 26, 3), atol=ATOL)
    text = panel.size_label.text()
    assert _arrow_size(text) == output.raw.shape[:2] and "median of each 3x5 window" in text
    assert not panel.mode_combo.isEnabled()  # the weights are not used: no flip to choose
    assert "only the kernel's size" in panel.note_label.text()
    _choose(panel.function_combo, "sum")
    assert panel.mode_combo.isEnabled() and not panel.note_label.isVisible()


# ---- 2. The wheel scrolls the panel, not the control under it --------------------------------
def _wheel(widget, delta=-120):
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_wheel_over_controls_scrolls_the_panel(qtbot, tmp_path):
    studio = make_studio(qtbot, tmp_path, size=(1100, 560))
    bar = studio.right_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    panel, editor = studio.geometry_panel, studio.editor
    controls = [panel.padding_combo, panel.stride_spin, panel.function_combo, editor.rows_spin,
                editor.symmetry_combo, editor.divisor_spin]
    for control in controls:
        assert control.focusPolicy() == Qt.FocusPolicy.StrongFocus
        before = (control.currentIndex() if hasattr(control, "currentIndex")
                  else control.value())
        bar.setValue(0)
        _wheel(control)
        after = (control.currentIndex() if hasattr(control, "currentIndex")
                 else control.value())
        assert after == before, control.objectName()
        assert bar.value() > 0, "the panel scrolled instead"
    # a control with keyboard focus still takes the wheel
    panel.padding_combo.setFocus()
    qtbot.waitUntil(panel.padding_combo.hasFocus)
    _wheel(panel.padding_combo)
    assert panel.padding_combo.currentIndex() == 1


def test_slider_spin_ignores_the_wheel_unless_focused(qtbot, studio):
    studio.presets.select("Gaussian")
    sigma = studio.presets.parameter_controls["sigma"]
    value = sigma.value()
    _wheel(sigma.slider)
    _wheel(sigma.spin)
    assert sigma.value() == value
    assert sigma.slider.focusPolicy() == Qt.FocusPolicy.StrongFocus


# ---- 3. Undo restores the whole screen -------------------------------------------------------
def _screen(studio):
    """What a person sees of the kernel's state (besides the grid)."""
    presets = studio.presets
    checked = [k for k, radio in presets.sobel_radios.items() if radio.isChecked()]
    return {
        "selected": presets.current_name() if presets.list.selectedItems() else None,
        "description": presets.description.text(),
        "parameters": presets.parameters_box.isVisible(),
        "sigma": (presets.parameter_controls["sigma"].value()
                  if "sigma" in presets.parameter_controls else None),
        "sobel box": presets.sobel_box.isVisible(),
        "sobel view": checked[0] if presets.sobel_box.isVisible() else None,
        "title": studio.views.result_title.text(),
        "values": studio.document.values.tobytes(),
    }


def test_undo_and_redo_restore_list_parameters_view_and_title(qtbot, loaded):
    studio, image = loaded
    presets = studio.presets
    screens = [_screen(studio)]

    def step():
        wait_result(qtbot, studio)
        screens.append(_screen(studio))

    presets.select("Gaussian")
    step()
    presets.parameter_controls["sigma"].spin.setValue(1.5)
    step()
    presets.select("Sobel x")
    step()
    presets.choose_sobel_view("magnitude")
    step()
    studio.editor.brush_spin.setValue(3.0)
    drag_cells(qtbot, studio.editor.grid, [(1, 1)])
    step()
    assert studio.document.view == "kernel"  # painting shows the painted kernel
    assert screens[-1]["selected"] is None and not presets.sobel_box.isVisible()
    assert screens[-1]["title"].startswith("Sobel x (edited) (correlation)")
    assert "edited by hand" in screens[-1]["description"]
    output = studio.output
    np.testing.assert_allclose(output.raw, apply_kernel(image, studio.document.to_kernel()),
                               rtol=1e-5, atol=ATOL)

    assert screens[1]["selected"] == "Gaussian" and screens[1]["parameters"]
    assert screens[2]["sigma"] == pytest.approx(1.5)
    assert screens[3]["sobel view"] == "gx" and screens[4]["sobel view"] == "magnitude"
    assert screens[4]["title"].startswith("Sobel magnitude")
    # every step shows something different, and undo walks back through exactly these screens
    for earlier, later in zip(screens, screens[1:], strict=False):
        assert earlier != later
    for index in range(len(screens) - 2, -1, -1):
        studio.undo_action.trigger()
        wait_result(qtbot, studio)
        assert _screen(studio) == screens[index], index
        assert studio.geometry_panel.stride_spin.isEnabled() == (index != 4)
    assert not studio.undo_action.isEnabled()
    for index in range(1, len(screens)):
        studio.redo_action.trigger()
        wait_result(qtbot, studio)
        assert _screen(studio) == screens[index], index


def test_choices_that_change_nothing_make_no_undo_step(qtbot, loaded):
    studio, _ = loaded
    studio.presets.select("Sobel x")
    count = studio.document.undo_stack.count()
    studio.presets.choose_sobel_view("gy")
    studio.presets.choose_sobel_view("gx")  # Sobel x again: same kernel, same view
    studio.document.set_kernel(make_preset("Sobel x").values, name="Sobel x", source="Sobel x")
    assert studio.document.undo_stack.count() == count + 2
    studio.undo_action.trigger()
    assert studio.document.source == "Sobel y"


# ---- 4. Pixel readout ------------------------------------------------------------------------
def test_pixel_readout_fits_and_clears_on_leave(qtbot, main_window):
    studio = main_window.filter_studio
    assert studio.open_path(resource_path("images", "chelsea.png"))
    studio.presets.select("Gaussian")
    output = wait_result(qtbot, studio)
    views = studio.views
    height, width = output.raw.shape[:2]
    qtbot.waitUntil(lambda: views.graphics.viewport().rect().contains(
        view_point_to_widget(views, views.result_box, width / 2, height / 2)))
    row, col = height // 2, width // 2
    qtbot.mouseMove(views.graphics.viewport(),
                    view_point_to_widget(views, views.result_box, col + 0.5, row + 0.5))
    label = views.value_label
    qtbot.waitUntil(lambda: "result" in label.text())
    # (the view shows ~2 pixels per screen pixel: the mouse lands on a neighbour or this one)
    match = re.search(r"result</b> \(row (\d+), col (\d+)\) = <b>\(([^)]*)\)", label.text())
    assert match, label.text()
    shown_row, shown_col = int(match.group(1)), int(match.group(2))
    assert abs(shown_row - row) <= 1 and abs(shown_col - col) <= 1
    assert match.group(3) == ", ".join(f"{v:.4g}" for v in output.raw[shown_row, shown_col])

    def whole_text_shown():
        document = QTextDocument()
        document.setDefaultFont(label.font())
        document.setDocumentMargin(0)
        document.setHtml(label.text())
        box = label.contentsRect()
        if label.wordWrap():
            document.setTextWidth(box.width())
        return (document.idealWidth() <= box.width()
                and document.size().height() <= box.height() + 1)

    qtbot.waitUntil(whole_text_shown)
    studio.presets.select("Box blur")  # a new result: the old values go
    wait_result(qtbot, studio)
    assert "result" not in label.text()
    qtbot.mouseMove(views.graphics.viewport(),
                    view_point_to_widget(views, views.result_box, col + 0.5, row + 0.5))
    qtbot.waitUntil(lambda: "result" in label.text())
    QApplication.sendEvent(views.graphics.viewport(), QEvent(QEvent.Type.Leave))
    assert "result" not in label.text() and "Move the mouse" in label.text()


# ---- 5. One size convention: rows x cols -----------------------------------------------------
def test_sizes_are_rows_by_cols_everywhere(qtbot, loaded):
    studio, _ = loaded  # 40 rows, 52 cols
    studio.geometry_panel.stride_spin.setValue(2)
    output = wait_result(qtbot, studio)
    assert output.raw.shape[:2] == (20, 26)
    assert studio.views.original_title.text() == "Original 40x52 (rows x cols)"
    assert studio.views.result_title.text().endswith(" 20x26")
    text = studio.geometry_panel.size_label.text()
    assert text.startswith("40x52 (rows x cols), ") and text.endswith("-> 20x26")
    assert studio.editor.rows_spin.value() == 3


# ---- 6. Per-channel grids fit the panel ------------------------------------------------------
@pytest.mark.parametrize("size", [3, 15])
def test_per_channel_grids_fit_the_panel(qtbot, main_window, screenshot_dir, size):
    studio = main_window.filter_studio
    studio.document.resize(size, size)
    studio.editor.per_channel_check.setChecked(True)
    viewport = studio.right_scroll.viewport()

    def fits():
        for grid in studio.editor.grids:
            rect = grid.grid_rect()
            right = grid.mapTo(viewport, rect.topRight()).x()
            if not (grid.isVisible() and right < viewport.width() and rect.left() >= 0):
                return False
            if grid.height() > rect.height() + 2 * grid.MARGIN + 2:  # no empty band below
                return False
        tops = {grid.geometry().top() for grid in studio.editor.grids}
        label_bottom = studio.editor.channel_labels[0].geometry().bottom()
        if len(tops) != 1 or not 0 <= min(tops) - label_bottom <= 10:  # in a row, under R G B
            return False
        return studio.right_scroll.widget().width() <= viewport.width()

    qtbot.waitUntil(fits)
    labels = studio.editor.channel_labels
    assert [label.text() for label in labels] == ["R", "G", "B"]
    for label, grid in zip(labels, studio.editor.grids, strict=True):
        assert abs(label.geometry().center().x() - grid.geometry().center().x()) <= 2
    per_channel = studio.editor.per_channel_check
    assert per_channel.mapTo(viewport, QPoint(per_channel.width(), 0)).x() <= viewport.width()
    main_window.grab().save(str(screenshot_dir / f"filter_per_channel_{size}.png"))


# ---- 7. Labels, angle legend, histogram ------------------------------------------------------
def test_labels_legend_and_histogram(qtbot, loaded):
    studio, _ = loaded
    panel = studio.geometry_panel
    texts = [panel.padding_combo.itemText(i) for i in range(panel.padding_combo.count())]
    assert "Zero (most common)" in texts
    assert panel.function_combo.itemText(0) == "Weighted sum (the kernel)"
    assert [panel.mode_combo.itemText(i) for i in range(2)] == [
        "Correlation (as in CNN layers)", "Convolution (flipped kernel)"]
    form = panel.layout()
    assert form.labelForField(panel.function_combo).text() == "Neighbourhood function:"
    studio.presets.select("Sobel x")
    wait_result(qtbot, studio)
    legend = studio.presets.legend
    assert not legend.isVisible() and studio.views.histogram.isVisible()
    studio.presets.choose_sobel_view("magnitude")
    wait_result(qtbot, studio)
    assert not legend.isVisible() and studio.views.histogram.isVisible()
    studio.presets.choose_sobel_view("angle")
    wait_result(qtbot, studio)
    assert legend.isVisible() and not studio.views.histogram.isVisible()
    assert tuple(studio.views.result_item.getLevels()) == (0, 255)
    assert not studio.views.scale_combo.isEnabled()
    studio.presets.choose_sobel_view("gx")
    wait_result(qtbot, studio)
    assert not legend.isVisible() and studio.views.histogram.isVisible()


# ---- 8, 9. The kernel list: stable width, names that fit, previews for my kernels ------------
def _icon_sizes(presets):
    sizes = set()
    for index in range(presets.list.count()):
        icon = presets.list.item(index).icon()
        if not icon.isNull():
            sizes.update((s.width(), s.height()) for s in icon.availableSizes())
    return sizes


def test_kernel_list_is_stable_and_names_fit(qtbot, studio):
    presets = studio.presets
    widths = []
    for shape in ((30, 90, 3), (64, 64)):
        studio.set_image(np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8))
        wait_result(qtbot, studio)
        qtbot.waitUntil(lambda: len(presets.previews) == len(PRESETS), timeout=15000)
        presets._on_previews(presets.previews)  # (the icons are set from the last run)
        assert _icon_sizes(presets) == {(ICON_SIDE, ICON_SIDE)}
        widths.append((presets.width(), presets.list.viewport().width()))
    assert widths[0] == widths[1]
    metrics = presets.list.fontMetrics()
    for name in PRESETS:
        item = presets.list.findItems(name, Qt.MatchFlag.MatchExactly)[0]
        rect = presets.list.visualItemRect(item)
        assert ICON_SIDE + metrics.horizontalAdvance(name) + 8 <= rect.width(), name


def test_my_kernels_have_previews(qtbot, loaded):
    studio, image = loaded
    studio.document.set_kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="crisp")
    studio.presets.name_edit.setText("crisp")
    qtbot.mouseClick(studio.presets.save_button, Qt.MouseButton.LeftButton)
    item = studio.presets.list.findItems("crisp", Qt.MatchFlag.MatchExactly)[0]
    key = item.data(Qt.ItemDataRole.UserRole + 2)
    qtbot.waitUntil(lambda: key in studio.presets.previews, timeout=15000)
    icon = item.icon().pixmap(ICON_SIDE, ICON_SIDE).toImage()
    colours = {icon.pixelColor(x, y).rgb() for x in range(0, ICON_SIDE, 4)
               for y in range(0, ICON_SIDE, 4)}
    assert len(colours) > 10  # the preview, not a blank square
    preview = studio.presets.previews[key]
    sample = preview_sample()  # the same picture whatever image is open
    expected = np.clip(np.round(apply_kernel(sample, studio.document.to_kernel(),
                                             padding="edge")), 0, 255)
    assert preview.shape == sample.shape
    assert np.abs(preview.astype(np.float32) - expected).max() <= 1


# ---- 10. The Gaussian sigma slider is usable -------------------------------------------------
def test_sigma_slider_is_long_and_logarithmic(qtbot, studio):
    studio.presets.select("Gaussian")
    sigma = studio.presets.parameter_controls["sigma"]
    qtbot.waitUntil(lambda: sigma.slider.width() >= 120)
    sigma.slider.setValue(sigma.slider.maximum() // 2)
    assert sigma.value() == pytest.approx(1.0, abs=0.01)  # the middle of 0.1..10 on a log scale
    sigma.slider.setValue(sigma.slider.maximum() // 4)
    assert sigma.value() == pytest.approx(0.1 * 100 ** 0.25, abs=0.01)
    np.testing.assert_allclose(studio.document.values,
                               make_preset("Gaussian", sigma=sigma.value()).values, rtol=1e-6)
    sigma.spin.setValue(0.84)
    assert sigma.slider.value() == round(np.log(8.4) / np.log(100) * sigma.slider.maximum())
