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


def test_undo_keys_reach_the_network_from_an_inspector_field(main_window, qtbot):
    builder = main_window.builder
    main_window.tabs.setCurrentWidget(builder)
    main_window.activateWindow()
    qtbot.waitUntil(lambda: main_window.isActiveWindow())
    builder.canvas.set_selection([0], 0)
    box = builder.inspector.editors["out_channels"]
    qtbot.waitUntil(box.isVisible)
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "5")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert builder.spec()["layers"][0]["config"]["out_channels"] == 5 and box.hasFocus()
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert builder.spec()["layers"][0]["config"]["out_channels"] == 8
    assert builder.title.text() == ""
    qtbot.keyClick(box, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert builder.spec()["layers"][0]["config"]["out_channels"] == 5
