"""Drawing a digit with the mouse: the network gets an MNIST-like 28x28 input and reads it."""

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.data.digits import centre_of_mass, ink_bounding_box
from core.data.sources import load_dataset
from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.optim import SGD
from core.nn.templates import default_spec
from core.train.trainer import Trainer
from playground.app import make_application
from playground.training.try_it import TryItPanel, confidence_text
from playground.widgets.drawing_pad import canvas_point


@pytest.fixture(scope="module")
def trained():
    """The reference network trained 2 epochs on the bundled digits (seed 0)."""
    train, _ = load_dataset("mnist-5k")
    model = Sequential.from_spec(default_spec(), seed=0)
    Trainer(model, SoftmaxCrossEntropy(), SGD(0.05, momentum=0.9), train, None,
            batch_size=64, epochs=2, seed=0).run()
    return model


@pytest.fixture
def panel(qtbot):
    make_application()
    widget = TryItPanel()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _stroke(qtbot, pad, points):
    """Press, move through `points` (canvas pixels), release: a person drawing one stroke."""
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=canvas_point(pad, *points[0]))
    for x, y in points[1:]:
        qtbot.mouseMove(pad, canvas_point(pad, x, y))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=canvas_point(pad, *points[-1]))


def _one():
    return [(150, 40 + 8 * i) for i in range(26)]  # a vertical bar, 200 px tall


def _zero():
    return [(140 + 55 * math.sin(t), 140 - 90 * math.cos(t))
            for t in np.linspace(0, 2 * math.pi, 60)]  # an upright loop


def test_a_vertical_stroke_becomes_a_centred_20_pixel_bar(panel, qtbot):
    _stroke(qtbot, panel.pad, _one())
    digit = panel.input
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    top, bottom, left, right = ink_bounding_box(digit)
    assert bottom - top + 1 == 20  # scaled so the taller side fills the 20x20 box
    assert right - left + 1 <= 5  # a 25 px pen on a 225 px stroke: 2 to 3 pixels wide
    row, col = centre_of_mass(digit)
    assert abs(row - 13.5) <= 0.5 and abs(col - 13.5) <= 0.5
    assert digit.max() == pytest.approx(1.0, abs=0.05)


def test_a_loop_becomes_a_centred_ring(panel, qtbot):
    _stroke(qtbot, panel.pad, _zero())
    digit = panel.input
    top, bottom, left, right = ink_bounding_box(digit)
    assert bottom - top + 1 == 20 and 12 <= right - left + 1 <= 16  # 200 x 130 keeps its shape
    assert digit[14, 14] < 0.05  # the hole in the middle stays empty
    row, col = centre_of_mass(digit)
    assert abs(row - 13.5) <= 0.5 and abs(col - 13.5) <= 0.5


@pytest.mark.parametrize(("points", "digit"), [(_one, "1"), (_zero, "0")])
def test_drawn_digits_are_recognised(panel, qtbot, trained, points, digit, screenshot_dir):
    panel.set_model(trained, [str(d) for d in range(10)])
    with qtbot.waitSignal(panel.prediction_changed):
        _stroke(qtbot, panel.pad, points())
    assert panel.bars.top_class() == digit, panel.bars.probabilities
    assert f"It looks like a {digit}" in panel.verdict.text()
    sure = float(panel.bars.probabilities.max())
    assert f"({confidence_text(sure)} sure)" in panel.verdict.text()
    assert "100%" not in panel.verdict.text()
    panel.grab().save(str(screenshot_dir / f"training_drawn_{digit}.png"))
    panel.pad.clear()
    assert not panel.input.any() and panel.bars.top_class() is None


def test_dropping_a_photo_of_a_digit_classifies_it(panel, qtbot, trained, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from core.files.images import write_image

    photo = np.full((120, 90, 3), 235, np.uint8)  # dark ink on light paper, not square
    photo[15:105, 42:50] = 20
    path = tmp_path / "one.jpg"
    write_image(path, photo)
    panel.set_model(trained, [str(d) for d in range(10)])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(panel.prediction_changed) as predicted:
        panel.pad.dropEvent(drop)
    assert predicted.args == ["1"]
    top, bottom, _, _ = ink_bounding_box(panel.input)
    assert bottom - top + 1 == 20


@pytest.mark.parametrize(("probability", "text"), [
    (0.5, "50.0%"), (0.9734, "97.3%"), (0.99949, "99.9%"), (0.9995, "99.9%+"),
    (0.99999994, "99.9%+"), (1.0, "99.9%+"), (0.0004, "0.0%"),
])
def test_confidence_is_never_rounded_up_to_certainty(probability, text):
    assert confidence_text(probability) == text


def test_the_pad_fills_a_large_panel_and_a_drawn_seven_stays_off_the_bottom(panel, qtbot):
    panel.resize(1200, 800)
    qtbot.waitUntil(lambda: panel.pad.width() > 400)
    assert panel.pad.width() == panel.pad.height()
    assert panel.preview.width() - 2 >= 2 * 28 * 4 // 2  # at least 4 screen pixels a pixel
    _stroke(qtbot, panel.pad, [(70, 60), (210, 60), (130, 235)])  # a 7, drawn with the mouse
    rows = np.flatnonzero(panel.input.any(axis=1))
    assert rows[-1] <= 26 and rows[0] >= 1  # off the 28x28 frame's edges
    panel.resize(500, 400)
    qtbot.waitUntil(lambda: panel.pad.width() < 300)
    assert panel.pad.width() >= 200
