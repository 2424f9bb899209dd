"""The studio fits half a 1920 screen or a small laptop (960x640) and keeps its default look."""

from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from test_filter_helpers import make_studio, wait_result

from core.image.kernels import PRESETS
from core.resources import resource_path
from playground.filters.columns import share_width
from playground.filters.studio import CENTRE_MIN_WIDTH, RIGHT_PANEL_MIN_WIDTH

SMALL = QSize(960, 640)
DEFAULT = QSize(1280, 820)


def _rect_in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _reachable(studio, widget) -> bool:
    """Shown with a real size inside the studio, once its scroll area scrolls to it."""
    for scroll in (studio.right_scroll, studio.example_scroll):
        if scroll.isAncestorOf(widget):
            scroll.ensureWidgetVisible(widget, 0, 0)
            if not scroll.viewport().rect().contains(_rect_in(widget, scroll.viewport())):
                return False
    return (widget.isVisible() and widget.width() > 0 and widget.height() > 0
            and studio.rect().contains(_rect_in(widget, studio)))


def _studio_share(qtbot, main_window):
    """The studio's size in the main window at its default size, and what the window adds."""
    main_window.resize(DEFAULT)
    studio = main_window.filter_studio
    main_window.tabs.setCurrentWidget(studio)
    qtbot.waitUntil(lambda: main_window.size() == DEFAULT and studio.isVisible())
    qtbot.waitUntil(lambda: studio.width() > 0.9 * DEFAULT.width())
    return studio, main_window.size() - studio.size()


def test_studio_fits_960x640_with_every_control_reachable(qtbot, main_window, tmp_path,
                                                          screenshot_dir):
    _, extra = _studio_share(qtbot, main_window)
    size = SMALL - extra  # what the studio gets in a 960x640 window
    default = DEFAULT - extra
    studio = make_studio(qtbot, tmp_path, size=(default.width(), default.height()))
    assert studio.open_path(resource_path("images", "astronaut.png"))
    studio.presets.select("Gaussian")  # its parameters make the kernel list widest
    wait_result(qtbot, studio)
    box = studio.views.original_box
    for shown in (size, default, size):  # the window made smaller, larger, smaller again
        before = box.width()
        studio.resize(shown)
        qtbot.waitUntil(lambda shown=shown, before=before: studio.size() == shown
                        and box.width() != before)  # pyqtgraph lays out from the event loop
    hint = studio.minimumSizeHint()
    assert hint.width() <= size.width() and hint.height() <= size.height(), hint

    presets_width, centre_width, right_width = studio.main_splitter.sizes()
    assert centre_width >= CENTRE_MIN_WIDTH and right_width >= RIGHT_PANEL_MIN_WIDTH
    assert presets_width >= studio.presets.minimumSizeHint().width()
    right = studio.right_scroll
    assert right.widget().width() <= right.viewport().width()  # no sideways scrolling needed
    views = studio.views
    assert _reachable(studio, views.graphics) and views.graphics.height() >= 200
    # the whole image is in view: the views refit when the window shrinks
    (x0, x1), (y0, y1) = views.original_box.viewRange()
    assert x0 <= 0 and x1 >= 512 and y0 <= 0 and y1 >= 512
    assert min(x1 - x0, y1 - y0) <= 512 * 1.1
    for widget in (studio.editor.grid, studio.editor.per_channel_check,
                   studio.geometry_panel.padding_combo, studio.geometry_panel.function_combo,
                   studio.facts.response_label, studio.presets.save_button,
                   studio.presets.parameter_controls["sigma"], views.scale_combo):
        assert _reachable(studio, widget), widget.objectName() or type(widget).__name__
    grid = studio.editor.grid
    right.ensureWidgetVisible(grid, 0, 0)
    assert right.viewport().rect().contains(_rect_in(grid, right.viewport()))
    assert grid.cell_center(3, 3).x() > 0

    studio.bottom_tabs.setCurrentWidget(studio.example_scroll)
    assert _reachable(studio, studio.example.step_button)
    assert studio.example.canvas.height() >= 150
    studio.bottom_tabs.setCurrentWidget(studio.explain_panel)
    right.verticalScrollBar().setValue(0)
    studio.grab().save(str(screenshot_dir / "filter_studio_960x640.png"))

    # names shortened by a narrow list are whole in their tooltips
    for index in range(len(PRESETS)):
        item = studio.presets.list.item(index)
        assert item.text() in item.toolTip()


def test_default_size_gives_the_panels_their_preferred_widths(qtbot, main_window,
                                                              screenshot_dir):
    studio, _ = _studio_share(qtbot, main_window)
    assert studio.open_path(resource_path("images", "astronaut.png"))
    studio.presets.select("Emboss")
    wait_result(qtbot, studio)
    presets_width, centre_width, right_width = studio.main_splitter.sizes()
    assert presets_width == studio.presets.list_width()
    right = studio.right_scroll
    assert right_width >= right.widget().sizeHint().width()
    assert centre_width > CENTRE_MIN_WIDTH
    form = studio.geometry_panel.layout()  # labels beside their controls, not above
    label = form.labelForField(studio.geometry_panel.padding_combo)
    assert label.geometry().top() == studio.geometry_panel.padding_combo.geometry().top()
    main_window.grab().save(str(screenshot_dir / "filter_studio_1280x820.png"))


def test_a_dragged_split_is_kept_when_the_window_resizes(qtbot, tmp_path):
    studio = make_studio(qtbot, tmp_path, size=(1200, 760))
    splitter = studio.main_splitter
    handle = splitter.handle(1)
    start = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(handle, start + QPoint(-40, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start + QPoint(-40, 0))
    qtbot.waitUntil(lambda: splitter.sizes()[0] < studio.presets.list_width())
    chosen = splitter.sizes()[0]
    studio.resize(1260, 760)
    qtbot.waitUntil(lambda: studio.width() == 1260)
    assert splitter.sizes()[0] == chosen


def test_share_width_gives_the_centre_its_minimum_from_the_sides():
    # room enough: the sides get what they want
    assert share_width(1260, (231, 436), (160, 300), 440) == [231, 593, 436]
    # short by 60 with room 71 + 136 above the minimums: each side gives in proportion
    widths = share_width(1047, (231, 436), (160, 300), 440)
    assert sum(widths) == 1047 and widths[1] >= 440
    assert widths[0] == 231 - round(60 / 207 * 71) and widths[2] == 436 - round(60 / 207 * 136)
    # too small for everything: the sides stop at their minimums, the centre takes the rest
    assert share_width(800, (231, 436), (160, 300), 440) == [160, 340, 300]
    # a preferred width below the minimum is raised to it
    assert share_width(1100, (100, 436), (160, 300), 440) == [160, 504, 436]


def test_a_zoom_is_kept_when_the_window_resizes(qtbot, tmp_path):
    studio = make_studio(qtbot, tmp_path, size=(1200, 760))
    assert studio.open_path(resource_path("images", "camera.png"))
    wait_result(qtbot, studio)
    views = studio.views
    box = views.original_box
    viewport = views.graphics.viewport()
    centre = views.graphics.mapFromScene(box.sceneBoundingRect().center())
    qtbot.waitUntil(lambda: box.viewRange()[0][1] - box.viewRange()[0][0] > 500)
    wheel = QWheelEvent(QPointF(centre), QPointF(viewport.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, wheel)  # the person zooms in
    zoomed = box.viewRange()[0][1] - box.viewRange()[0][0]
    assert zoomed < 450 and not views.fit_on_resize
    before = box.width()
    studio.resize(1000, 700)
    qtbot.waitUntil(lambda: box.width() != before)
    x0, x1 = box.viewRange()[0]
    assert x1 - x0 <= zoomed + 1  # still zoomed in, not refitted to the whole image
