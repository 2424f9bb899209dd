"""The Training tab fits a small window (1024x680): nothing cut off, nothing on top of another."""

from itertools import combinations

from PySide6.QtCore import QRect, QRectF, Qt

from playground.app import make_application
from playground.training.dashboard import TrainingDashboard

WAIT_MS = 90_000
# The room the tab gets in a 1024x680 window, below the menu and tab bars and above the status
# bar (the dashboard alone, so that only this tab's own minimum sizes count).
SMALL = (1024, 680 - 60)


def _rect_in(widget, ancestor) -> QRect:
    """`widget`'s rectangle in `ancestor`'s coordinates."""
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def _assert_fits(ancestor, widgets) -> None:
    """Every widget is shown whole inside `ancestor` and none covers another."""
    rects = {}
    for name, widget in widgets.items():
        assert widget.isVisible(), name
        rect = _rect_in(widget, ancestor)
        assert ancestor.rect().contains(rect), f"{name} {rect} sticks out of {ancestor.rect()}"
        rects[name] = rect
    for (a, rect_a), (b, rect_b) in combinations(rects.items(), 2):
        assert not rect_a.intersects(rect_b), f"{a} {rect_a} overlaps {b} {rect_b}"


def _scene_rect_in(graphics, item) -> QRect:
    return graphics.mapFromScene(item.sceneBoundingRect()).boundingRect()


def test_the_training_tab_fits_a_small_window(qtbot, screenshot_dir):
    make_application()
    training = TrainingDashboard()
    qtbot.addWidget(training)
    training.resize(*SMALL)
    with qtbot.waitSignal(training.dataset_panel.dataset_loaded, timeout=WAIT_MS):
        training.show()
    assert (training.width(), training.height()) == SMALL
    training.hyper_panel.epochs.setValue(2)
    training.hyper_panel.train_limit.setValue(300)
    training.hyper_panel.test_limit.setValue(200)
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS):
        qtbot.mouseClick(training.controls.start_button, Qt.MouseButton.LeftButton)
    views = training.views
    assert _rect_in(views, training).right() < training.width()

    # Curves: every plot whole, and each legend beside its plot, never over the lines.
    views.setCurrentIndex(0)
    qtbot.wait(50)
    curves = training.curves
    graphics = curves.graphics
    training.grab().save(str(screenshot_dir / "training_small_curves.png"))
    legends = {key: _scene_rect_in(graphics, legend) for key, legend in curves.legends.items()}
    for key, legend in legends.items():
        assert graphics.rect().contains(legend), key
    for key, plot in curves.plots.items():
        box = _scene_rect_in(graphics, plot.vb)
        assert graphics.rect().contains(box), key
        assert box.height() > 60 and box.width() > 150, (key, box)
        for name, legend in legends.items():
            assert not QRectF(box).intersects(QRectF(legend).adjusted(1, 1, -1, -1)), (key, name)
    _assert_fits(views.currentWidget(), {"curves": curves, "filters": training.filters_view})

    # Results: the whole matrix (every column) beside the accuracy bars and the images.
    views.setCurrentWidget(training.results)
    qtbot.wait(50)
    results = training.results
    training.grab().save(str(screenshot_dir / "training_small_results.png"))
    scroll = results.splitter.widget(1)
    _assert_fits(results, {"matrix": results.confusion, "right pane": scroll})
    matrix = results.confusion
    for column in range(10):
        assert matrix.viewport().rect().contains(matrix.cell_centre(9, column)), column
    assert not scroll.horizontalScrollBar().isVisible()
    strip = results.wrong_images
    assert _rect_in(strip, scroll.viewport()).bottom() <= scroll.viewport().height()

    views.setCurrentWidget(training.feature_maps)
    qtbot.wait(50)
    maps = training.feature_maps
    _assert_fits(maps, {"maps": maps.graphics, "bars": maps.bars})
    training.grab().save(str(screenshot_dir / "training_small_feature_maps.png"))

    # Try it: the pad, the network input and all ten bars side by side.
    views.setCurrentWidget(training.try_it)
    try_it = training.try_it
    try_it.pad.draw_stroke([(140, 60), (140, 220)])
    qtbot.wait(50)
    training.grab().save(str(screenshot_dir / "training_small_try_it.png"))
    _assert_fits(try_it, {"pad": try_it.pad, "input": try_it.preview, "bars": try_it.bars,
                          "verdict": try_it.verdict})
    bars = try_it.bars
    left, right = bars.getViewBox().viewRange()[0]
    assert left <= -0.5 and right >= 9.5  # every class's bar is inside the plot
    assert _rect_in(bars, try_it).right() <= try_it.width()
    training.shutdown()
