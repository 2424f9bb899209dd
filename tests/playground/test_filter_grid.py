"""The kernel document (undo for every edit) and the grid editor driven with mouse and keys."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from test_filter_helpers import drag_cells

from playground.filters.cell_text import format_weight
from playground.filters.grid_cells import symmetric_cells
from playground.filters.kernel_document import KernelDocument
from playground.filters.kernel_editor import KernelEditor
from playground.filters.kernel_grid import KernelGrid


@pytest.fixture
def document():
    from playground.app import make_application

    make_application()
    return KernelDocument()


@pytest.fixture
def grid(qtbot, document):
    document.set_kernel(np.zeros((5, 5)), name="Zero")
    document.undo_stack.clear()
    widget = KernelGrid(document)
    qtbot.addWidget(widget)
    widget.resize(320, 320)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_document_edits_are_undoable(document):
    start = document.values.copy()
    document.set_cells([(0, 0, 0)], 2.0)
    document.resize(5, 4)
    document.set_divisor(4.0)
    document.set_offset(128.0)
    assert document.shape == (5, 4)
    assert document.values[1, 0] == 2.0  # the 3x3 moved down one row in the 5x4
    assert (document.divisor, document.offset) == (4.0, 128.0)
    for _ in range(4):
        document.undo_stack.undo()
    np.testing.assert_array_equal(document.values, start)
    assert (document.divisor, document.offset) == (1.0, 0.0)
    for _ in range(4):
        document.undo_stack.redo()
    assert document.shape == (5, 4) and document.divisor == 4.0


def test_document_refuses_bad_values(document):
    with pytest.raises(ValueError, match="finite"):
        document.set_cells([(0, 0, 0)], float("nan"))
    with pytest.raises(ValueError, match="divisor"):
        document.set_divisor(0.0)
    with pytest.raises(ValueError, match="1 to 15"):
        document.resize(16, 3)
    document.set_kernel(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="add up to 0"):
        document.normalise()
    assert document.divisor == 1.0


def test_normalise_sets_divisor_to_sum(document):
    document.set_kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    document.normalise()
    assert document.divisor == 16.0
    assert document.total() == pytest.approx(1.0)


def test_per_channel_mode_has_27_weights(document):
    document.set_kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16)
    document.set_per_channel(True)
    assert document.values.shape == (3, 3, 3)
    assert document.values.size == 27
    assert document.total() == pytest.approx(1.0)
    document.undo_stack.undo()
    assert document.values.shape == (3, 3)


def test_left_drag_paints_one_undo_step(qtbot, grid, document):
    grid.brush_value = 3.0
    drag_cells(qtbot, grid, [(0, 0), (0, 1), (1, 2), (2, 2)])
    expected = np.zeros((5, 5), np.float32)
    for r, c in [(0, 0), (0, 1), (1, 2), (2, 2)]:
        expected[r, c] = 3.0
    np.testing.assert_array_equal(document.values, expected)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    np.testing.assert_array_equal(document.values, np.zeros((5, 5)))


def test_right_drag_erases(qtbot, grid, document):
    document.set_kernel(np.ones((5, 5)))
    drag_cells(qtbot, grid, [(2, 0), (2, 1), (2, 2)], Qt.MouseButton.RightButton)
    assert document.values[2, :3].tolist() == [0, 0, 0]
    assert document.values.sum() == 22


@pytest.mark.parametrize(
    ("mode", "painted"),
    [
        ("horizontal", {(0, 1), (0, 3)}),
        ("vertical", {(0, 1), (4, 1)}),
        ("both", {(0, 1), (0, 3), (4, 1), (4, 3)}),
        ("rot180", {(0, 1), (4, 3)}),
        ("rot90", {(0, 1), (1, 4), (4, 3), (3, 0)}),
    ],
)
def test_symmetry_paints_mirrored_cells(qtbot, grid, document, mode, painted):
    grid.symmetry = mode
    grid.brush_value = 1.0
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_center(0, 1))
    assert {tuple(ix) for ix in np.argwhere(document.values == 1)} == painted
    assert symmetric_cells(0, 1, 5, 5, mode) == painted


def _wheel(grid, cell, delta, modifiers=Qt.KeyboardModifier.NoModifier):
    pos = QPointF(grid.cell_center(*cell))
    event = QWheelEvent(pos, QPointF(grid.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, modifiers,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(grid, event)


def test_wheel_nudges_a_cell(grid, document):
    _wheel(grid, (1, 1), 120)
    _wheel(grid, (1, 1), 120)
    _wheel(grid, (1, 1), -120, Qt.KeyboardModifier.ShiftModifier)
    assert document.cell(1, 1) == pytest.approx(1.9)


def test_typing_a_value_and_a_non_number(qtbot, grid, document):
    errors = []
    grid.error.connect(errors.append)
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_center(3, 2))
    assert grid.editor.isVisible()
    grid.editor.clear()
    qtbot.keyClicks(grid.editor, "-2.5")
    qtbot.keyClick(grid.editor, Qt.Key.Key_Return)
    assert document.cell(3, 2) == -2.5
    qtbot.keyClick(grid, Qt.Key.Key_Left)
    assert grid.current == (3, 1)
    qtbot.keyClicks(grid, "7")  # typing starts editing the current cell
    qtbot.keyClicks(grid.editor, "x")
    qtbot.keyClick(grid.editor, Qt.Key.Key_Return)
    assert document.cell(3, 1) == 0.0
    assert errors and "7x" in errors[0] and "not a number" in errors[0]


def test_grid_colours_follow_values(qtbot, grid, document, screenshot_dir):
    document.set_kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], name="Sobel x")
    image = grid.grab().toImage()
    ratio = image.width() / grid.width()
    negative = image.pixelColor(grid.cell_rect(1, 0).topLeft().toPoint() * ratio + QPoint(3, 3))
    zero = image.pixelColor(grid.cell_rect(1, 1).topLeft().toPoint() * ratio + QPoint(3, 3))
    positive = image.pixelColor(grid.cell_rect(1, 2).topLeft().toPoint() * ratio + QPoint(3, 3))
    assert negative.blue() > negative.red() + 80
    assert positive.red() > positive.blue() + 80
    assert min(zero.red(), zero.green(), zero.blue()) > 230
    grid.grab().save(str(screenshot_dir / "filter_kernel_grid.png"))


def test_format_weight_is_readable():
    assert format_weight(2.0) == "2"
    assert format_weight(0.22508352) == "0.225"
    assert format_weight(-0.0547) == "-0.0547"
    assert format_weight(6.7e-7) == "≈0"  # never an exponent a student must decode
    assert format_weight(6.7e-7, 6) == "0.00000067"
    assert format_weight(0.0012, 2) == "0.0012"
    assert format_weight(1234.5) == "1234"


def test_editor_follows_document_and_reports_zero_sum(qtbot, document):
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    errors = []
    editor.error.connect(errors.append)
    editor.rows_spin.setValue(4)
    editor.cols_spin.setValue(6)
    assert document.shape == (4, 6)
    document.undo_stack.undo()
    assert (editor.rows_spin.value(), editor.cols_spin.value()) == (4, 3)
    document.set_kernel(np.zeros((3, 3)))
    qtbot.mouseClick(editor.normalise_button, Qt.MouseButton.LeftButton)
    assert errors and "add up to 0" in errors[-1]
    editor.per_channel_check.setChecked(True)
    assert document.per_channel and all(g.isVisibleTo(editor) for g in editor.grids)


def _response_pixels(panel) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = panel.response_label.pixmap().toImage().convertToFormat(
        QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height).copy()
    return data.reshape(height, stride)[:, :width]


def test_frequency_response_is_white_where_every_frequency_passes(qtbot, document):
    from playground.filters.kernel_facts import KernelFactsPanel

    panel = KernelFactsPanel(document)
    qtbot.addWidget(panel)
    document.set_kernel(np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float), name="Identity")
    panel.refresh()
    identity = _response_pixels(panel)
    assert identity.min() == 255  # flat gain: all frequencies pass
    document.set_kernel(np.full((5, 5), 1 / 25), name="Box")
    panel.refresh()
    box = _response_pixels(panel)
    side = box.shape[0]
    assert box[side // 2, side // 2] == 255  # a blur passes the zero frequency best...
    assert box[0, 0] < 128  # ...and damps the highest ones
