"""The main window opens with its title, menus, welcome page and status bar."""

from PySide6.QtWidgets import QMessageBox

from core.resources import resource_path
from playground import WINDOW_TITLE


def _menu_texts(menu):
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_title_menus_and_status(main_window, screenshot_dir):
    assert main_window.windowTitle() == WINDOW_TITLE
    top = [a.text().replace("&", "") for a in main_window.menuBar().actions()]
    assert top[0] == "File" and top[-1] == "Help"
    assert _menu_texts(main_window.file_menu)[0] == "Open image…"
    assert _menu_texts(main_window.file_menu)[-1] == "Quit"
    assert "About Playground" in _menu_texts(main_window.help_menu)
    assert main_window.statusBar().currentMessage()
    assert "Filter studio" in main_window.welcome.text.text()
    main_window.grab().save(str(screenshot_dir / "main_window.png"))


def test_about_lists_data_licences(main_window, qtbot):
    dialog = main_window.show_about()
    qtbot.waitExposed(dialog)
    text = dialog.browser.toPlainText()
    assert "CC BY-SA 3.0" in text and "CC0" in text
    dialog.close()


def test_open_image_reports_size(main_window, qtbot):
    with qtbot.waitSignal(main_window.image_opened):
        assert main_window.open_image(str(resource_path("images", "camera.png")))
    assert "512x512 (rows x cols), grey" in main_window.statusBar().currentMessage()


def test_corrupt_image_shows_a_message(main_window, tmp_path, qtbot):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    assert not main_window.open_image(str(bad))
    box = main_window.findChild(QMessageBox, "errorBox")
    assert box is not None and "broken.png" in box.text()
    box.close()


def test_quit_closes_the_window(main_window, qtbot):
    main_window.quit_action.trigger()
    qtbot.waitUntil(lambda: not main_window.isVisible())


def test_quitting_with_an_unsaved_network_asks_first(main_window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    main_window.builder.document.set_name("changed")  # an edit the user has not saved
    assert main_window.unsaved_work() == ["the network in the builder"]
    main_window.quit_action.trigger()
    box = main_window.findChild(QMessageBox, "closeBox")
    assert box is not None and box.isVisible() and main_window.isVisible()
    assert "The network in the builder has not been saved" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert main_window.isVisible()  # Cancel keeps everything
    main_window.quit_action.trigger()
    box = [b for b in main_window.findChildren(QMessageBox, "closeBox") if b.isVisible()][0]
    box.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not main_window.isVisible())


def test_about_headings_are_modest_and_paragraphs_leave_lists(main_window):
    from playground.main_window import readable_markdown

    text = readable_markdown("# Title\nSome words:\n- item one\n  more of item one\nAfter.")
    assert text.splitlines() == ["### Title", "Some words:", "- item one",
                                 "  more of item one", "", "After."]


def test_window_fits_half_of_a_full_hd_screen(main_window):
    assert main_window.minimumSizeHint().width() <= 960
    main_window.resize(960, 640)
    for tab in (main_window.filter_studio, main_window.builder, main_window.training):
        assert tab.minimumSizeHint().width() <= main_window.width()


def test_edit_menu_shows_the_undo_keys(main_window):
    from PySide6.QtGui import QKeySequence

    undo, redo = main_window.undo_action.text(), main_window.redo_action.text()
    undo_key = QKeySequence(QKeySequence.StandardKey.Undo).toString(
        QKeySequence.SequenceFormat.NativeText)
    assert undo == f"&Undo\t{undo_key}" and undo_key
    assert redo.startswith("&Redo\t") and len(redo) > len("&Redo\t")


def test_the_suite_keeps_away_from_the_users_own_kernels_and_settings():
    """The app's data folder is the test run's own, not the user's: the suite passes the same on
    a machine where the app has been used (kernels saved, settings changed)."""
    from pathlib import Path

    from playground.app import make_application
    from playground.widgets.user_kernels import user_kernel_folder

    make_application()
    assert Path.home().name.startswith("playground-tests-home-")
    assert Path.home() in user_kernel_folder().parents
