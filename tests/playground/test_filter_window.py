"""The filter studio inside the main window: tab, menus, drops, clipboard, bad files."""

import struct
import warnings
import zlib

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from test_filter_helpers import as_rgb, qimage_rgb, random_image_file, wait_result

from core.files.images import read_image, to_uint8, write_image
from core.image.filtering import apply_kernel
from core.image.kernels import make_preset
from core.resources import resource_path, sample_images
from playground.filters.image_loading import LARGE_PIXELS, array_to_qimage


@pytest.fixture
def window(main_window, tmp_path):
    studio = main_window.filter_studio
    studio.loader.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    studio.presets.folder = tmp_path / "kernels"
    return main_window


def _drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.width() // 2, widget.height() // 2)
    with warnings.catch_warnings():  # the QPoint constructor is the one every version has
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)


def _png_header_only(path, width, height):
    """A PNG whose header claims width x height (the pixel data is missing)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))


def test_tab_comes_after_welcome_and_is_current(window):
    tabs = window.tabs
    assert tabs.tabText(0) == "Welcome" and tabs.tabText(1) == "Filter studio"
    assert tabs.currentWidget() is window.filter_studio
    top = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert top[:2] == ["File", "Edit"] and top[-1] == "Help"


def test_drop_an_image_file_loads_it(qtbot, window, tmp_path):
    path, image = random_image_file(tmp_path, "dropped.png")
    studio = window.filter_studio
    _drop(window, [path])
    assert studio.image_name == "dropped.png"
    np.testing.assert_array_equal(studio.image, image)
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, studio.document.to_kernel()),
                               atol=1e-3)
    assert "dropped.png: 40x52 (rows x cols), colour" in window.statusBar().currentMessage()
    assert str(path.resolve()) in studio.loader.recent_files()
    window.recent_menu.aboutToShow.emit()
    assert "dropped.png" in [a.text() for a in window.recent_menu.actions()]


def test_drop_on_the_studio_itself(qtbot, window, tmp_path):
    path, image = random_image_file(tmp_path, "onto-studio.png", shape=(20, 30))
    _drop(window.filter_studio, [path])
    np.testing.assert_array_equal(window.filter_studio.image, image)


def test_bad_files_give_messages(qtbot, window, tmp_path):
    studio = window.filter_studio
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image")
    _drop(window, [text_file])
    box = window.findChild(QMessageBox, "errorBox")
    assert box is not None and "notes.txt" in box.text() and "not an image" in box.text()
    box.close()
    assert studio.image is None

    huge = tmp_path / "huge.png"
    _png_header_only(huge, 9000, 9000)
    assert not window.open_image(str(huge))
    assert "81 megapixels" in studio.messages.text() and "limit" in studio.messages.text()
    _png_header_only(huge, 30000, 30000)  # beyond Pillow's own bomb limit
    assert not window.open_image(str(huge))
    assert "too large" in studio.messages.text() and "scale it down" in studio.messages.text()

    truncated = tmp_path / "truncated.png"
    write_image(truncated, np.zeros((64, 64), np.uint8))
    truncated.write_bytes(truncated.read_bytes()[:60])
    assert not window.open_image(str(truncated))
    assert "truncated.png" in studio.messages.text()
    assert studio.image is None and window.isVisible()


def test_samples_menu_loads_a_sample(qtbot, window, screenshot_dir):
    studio = window.filter_studio
    actions = window.samples_menu.actions()
    assert [a.text() for a in actions] == [p.stem.capitalize() for p in sample_images()]
    assert all(not a.icon().isNull() for a in actions)
    astronaut = next(a for a in actions if a.text() == "Astronaut")
    astronaut.trigger()
    np.testing.assert_array_equal(studio.image,
                                  read_image(resource_path("images", "astronaut.png")))
    studio.presets.select("Emboss")
    wait_result(qtbot, studio)
    qtbot.waitUntil(lambda: len(studio.presets.previews) == 16, timeout=15000)
    window.grab().save(str(screenshot_dir / "filter_studio_samples.png"))


def test_edit_menu_undo_redo_copy_paste(qtbot, window, tmp_path):
    studio = window.filter_studio
    path, image = random_image_file(tmp_path, shape=(24, 24))
    assert window.open_image(str(path))
    studio.presets.select("Sharpen")
    wait_result(qtbot, studio)
    window.undo_action.trigger()
    assert studio.document.name == "Identity"
    window.redo_action.trigger()
    assert studio.document.name == "Sharpen"
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(image, make_preset("Sharpen")),
                               rtol=1e-5, atol=1e-3)
    QApplication.clipboard().clear()
    window.copy_result_action.trigger()
    copied = QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (24, 24)
    np.testing.assert_array_equal(qimage_rgb(copied), as_rgb(to_uint8(output.raw)))

    pasted = np.random.default_rng(3).integers(0, 256, (16, 20, 3), dtype=np.uint8)
    QApplication.clipboard().setImage(array_to_qimage(pasted))
    window.paste_image_action.trigger()
    np.testing.assert_array_equal(studio.image, pasted)


def test_large_image_shows_preview_then_full(qtbot, window, tmp_path):
    studio = window.filter_studio
    side = int(LARGE_PIXELS ** 0.5) + 16
    image = np.zeros((side, side), np.uint8)
    image[::7] = 200
    path = tmp_path / "large.png"
    write_image(path, image)
    previews = []
    studio.loader.image_loaded.connect(lambda array, name, preview: previews.append(preview))
    assert window.open_image(str(path))
    qtbot.waitUntil(lambda: studio.image is not None and studio.image.shape == image.shape,
                    timeout=20000)
    assert previews == [True, False]
    np.testing.assert_array_equal(studio.image, image)
    wait_result(qtbot, studio, timeout=20000)
    assert studio.output.raw.shape == image.shape


def test_a_newer_image_wins_over_a_large_one_still_loading(qtbot, window, tmp_path):
    from playground.widgets.background import BackgroundTask

    studio = window.filter_studio
    side = int(LARGE_PIXELS ** 0.5) + 16
    large, small = tmp_path / "large.png", tmp_path / "small.png"
    write_image(large, np.full((side, side), 90, np.uint8))
    write_image(small, np.full((20, 30), 200, np.uint8))
    names = []
    studio.loader.image_loaded.connect(lambda array, name, preview: names.append(name))
    assert window.open_image(str(large)) and studio.loader.loading
    assert window.open_image(str(small)) and not studio.loader.loading
    # The large read is stopped; once its thread has ended it can report nothing any more.
    qtbot.waitUntil(lambda: not studio.loader.findChildren(BackgroundTask), timeout=20000)
    assert names == ["small.png"] and studio.image.shape == (20, 30)
