"""The Network builder is the tab after the Filter studio, and talks through the status bar."""

from PySide6.QtCore import Qt

from playground.builder.builder_tab import BuilderTab


def test_builder_tab_follows_the_filter_studio(main_window, qtbot, screenshot_dir):
    tabs = main_window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles.index("Network builder") == titles.index("Filter studio") + 1
    builder = main_window.builder
    assert isinstance(builder, BuilderTab)
    assert tabs.widget(titles.index("Network builder")) is builder
    tabs.setCurrentWidget(builder)
    qtbot.waitExposed(builder)
    message = builder.bind_dataset(1, 28, 28, ["zero", "one"])
    assert main_window.statusBar().currentMessage() == message
    assert builder.spec()["layers"][-1]["config"]["out_features"] == 2
    builder.canvas.setFocus()
    qtbot.keyClick(builder.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert builder.spec()["classes"] == [str(d) for d in range(10)]
    main_window.grab().save(str(screenshot_dir / "builder_in_window.png"))
