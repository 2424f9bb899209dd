"""The original and the result are stacked when that draws them larger (a narrow window), side
by side otherwise, with their titles whole either way."""

from test_filter_helpers import make_studio, wait_result

from core.resources import resource_path
from playground.filters.pair_arrangement import stacking_is_better


def test_a_landscape_photo_stacks_in_a_narrow_column_only():
    assert stacking_is_better(440, 390, 451, 300, side_room=110)  # 1024x768 window
    assert not stacking_is_better(790, 560, 451, 300, side_room=110)  # 1600x1000 window
    assert not stacking_is_better(440, 390, 100, 400, side_room=110)  # a tall image
    assert not stacking_is_better(0, 0, 451, 300, side_room=110)


def _image_width_on_screen(views) -> float:
    return views.original_box.mapViewToDevice(views.original_item.boundingRect()).boundingRect() \
        .width()


def test_the_studio_stacks_at_1024_and_shows_more_of_the_photo(qtbot, tmp_path, screenshot_dir):
    studio = make_studio(qtbot, tmp_path, size=(1580, 920))
    assert studio.open_path(resource_path("images", "chelsea.png"))
    studio.presets.select("Gaussian")
    wait_result(qtbot, studio)
    views = studio.views
    qtbot.waitUntil(lambda: not views.arrangement.stacked)
    assert views.result_title.isVisible() and views.title_spacer.isVisible()
    studio.resize(1010, 690)  # what the studio gets in a 1024x768 window
    qtbot.waitUntil(lambda: views.arrangement.stacked)
    qtbot.wait(50)
    assert not views.result_title.isVisible()
    top, bottom = views.arrangement.captions
    assert top.isVisible() and top.text == "Original 300x451 (rows x cols)"
    assert bottom.text == views.result_title.full_text and bottom.text.endswith("300x451")
    box, result = views.original_box.sceneBoundingRect(), views.result_box.sceneBoundingRect()
    assert result.top() >= box.bottom() and abs(result.width() - box.width()) < 1
    # the whole photo in each view, drawn wider than half the views' width
    qtbot.waitUntil(lambda: _image_width_on_screen(views) > 0.45 * views.graphics.width())
    studio.grab().save(str(screenshot_dir / "filter_studio_stacked.png"))
    studio.resize(1580, 920)
    qtbot.waitUntil(lambda: not views.arrangement.stacked)
    assert views.result_title.isVisible() and not top.isVisible()
