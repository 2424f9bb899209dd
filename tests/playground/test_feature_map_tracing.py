"""Feature maps: ReLU outputs shown, one colour scale per stage with numbers, and each map traced
to the filter that made it (and back)."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.nn.model import Sequential
from core.nn.templates import default_spec
from playground.app import make_application
from playground.training.feature_maps import FeatureMapsView
from playground.training.map_mosaics import (
    EMPTY,
    NEGATIVE,
    POSITIVE,
    ZERO,
    colour,
    colour_mosaic,
    map_stages,
    source_convolution,
    stage_limit,
    tile_at,
    tile_origin,
)
from playground.training.training_views import TrainingViews


@pytest.fixture
def app():
    return make_application()


def test_one_signed_scale_blue_white_red():
    np.testing.assert_array_equal(colour(np.array([-2.0, 0.0, 2.0, 9.0]), 2.0),
                                  [NEGATIVE, ZERO, POSITIVE, POSITIVE])
    half = colour(np.array([1.0]), 2.0)[0]
    assert all(min(a, b) <= h <= max(a, b) for h, a, b in zip(half, ZERO, POSITIVE, strict=True))
    assert stage_limit([np.array([[-3.0, 1.0]]), np.array([[2.5]])]) == 3.0


def test_a_mosaic_is_near_square_and_its_tiles_are_found_again():
    maps = np.zeros((8, 4, 5), np.float32)
    maps[5] = 1.0
    mosaic = colour_mosaic(maps, 1.0)
    assert mosaic.shape == (3 * 5 - 1, 3 * 6 - 1, 3)  # 3 x 3 places for 8 maps
    left, top = tile_origin(5, 3, 4, 5)
    assert (left, top) == (12, 5)
    assert tuple(mosaic[top + 1, left + 1]) == POSITIVE
    assert tuple(mosaic[-1, -1]) == tuple(EMPTY)  # the ninth place is blank, not a map
    assert tile_at(left + 2, top + 3, 8, 3, 4, 5) == 5
    assert tile_at(5, 0, 8, 3, 4, 5) is None  # a separator line
    assert tile_at(13, 11, 8, 3, 4, 5) is None  # the empty ninth place


def test_stages_group_a_convolution_with_its_activation_and_pooling():
    model = Sequential.from_spec(default_spec())
    shapes = [out.shape[1:] for out in model.feature_maps(np.zeros((1, 1, 28, 28), np.float32))]
    assert map_stages(model.layers, shapes) == [[0, 1, 2], [3, 4, 5]]
    assert [source_convolution(model.layers, i) for i in range(8)] == [0, 0, 0, 3, 3, 3, None,
                                                                        None]


def _view(qtbot, model):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    images = np.random.default_rng(0).random((4, 1, 28, 28)).astype(np.float32)
    view.set_model(model)
    view.set_data(images, np.arange(4), [str(d) for d in range(10)])
    # Laid out, and every mosaic's view ranged over its image (not pyqtgraph's first 0..1).
    qtbot.waitUntil(lambda: all(shown.view.viewRange()[0][1] > 10
                                for shown in view._shown.values()))
    return view


def test_relu_maps_are_shown_on_their_stage_scale(app, qtbot, screenshot_dir):
    model = Sequential.from_spec(default_spec(), seed=0)
    view = _view(qtbot, model)
    x = view.images[:1]
    outputs = model.feature_maps(x)
    limit = float(np.abs(outputs[0]).max())
    assert view._colour_bars[0].levels() == pytest.approx((-limit, limit), rel=1e-5)

    def bluish(mosaic):
        return mosaic[..., 2].astype(int) - mosaic[..., 0].astype(int) > 20

    relu = view._shown[1].image.image  # the ReLU's mosaic: nothing below zero, so no blue
    assert not bluish(relu).any() and bluish(view._shown[0].image.image).any()
    assert view._shown[1].label.text.startswith("1 ReLU")
    view.grab().save(str(screenshot_dir / "training_feature_maps_scale.png"))


def test_clicking_a_map_shows_its_filter_and_the_maps_it_made(app, qtbot, screenshot_dir):
    model = Sequential.from_spec(default_spec(), seed=0)
    view = _view(qtbot, model)
    with qtbot.waitSignal(view.filter_traced) as traced:
        qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.map_centre(4, 6))  # the ReLU after the second convolution
    assert traced.args == ["3.weight", 6]
    assert view.outlined() == {3: 6, 4: 6, 5: 6}
    text = view.filter_text.text()
    assert "Filter 6 of block 3" in text and "mean over its 8 inputs" in text
    assert "blocks 3, 4, 5" in text
    mean = model.layers[3].params["weight"][6].mean(axis=0)
    assert view.filter_numbers.text().split()[0] == f"{mean[0, 0]:+.2f}".replace("-", "−")
    assert len(view.filter_numbers.text().split()) == 9
    qtbot.waitUntil(lambda: view.filter_numbers.geometry().top()
                    >= view.filter_text.geometry().bottom())  # laid out again
    view.grab().save(str(screenshot_dir / "training_feature_maps_traced.png"))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.map_centre(-1, 0))  # the input was made by no filter
    assert view.outlined() == {3: 6, 4: 6, 5: 6}
    view.set_model(None)
    assert view.traced is None and "Click a map" in view.filter_text.text()


def test_a_filter_and_its_maps_point_at_each_other_in_the_views(app, qtbot):
    views = TrainingViews()
    qtbot.addWidget(views)
    views.resize(900, 700)
    views.show()
    model = Sequential.from_spec(default_spec(), seed=0)
    views.set_model(model, None, [str(d) for d in range(10)])
    images = np.random.default_rng(0).random((3, 1, 28, 28)).astype(np.float32)
    views.feature_maps.set_data(images, np.arange(3), [str(d) for d in range(10)])
    tile = views.filters_view.grid.tiles[2]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert views.currentWidget() is views.feature_maps
    assert views.feature_maps.outlined() == {0: 2, 1: 2, 2: 2}
    views.feature_maps.trace_map(5, 11)
    assert views.filters_view.highlighted_filter() == ("3.weight", 11)
    assert views.filters_view.current_key() == "3.weight"
    assert views.filters_view.grid.highlighted() == 11
