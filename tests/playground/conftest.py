"""Fixtures for the app's tests (pytest-qt, offscreen)."""

import pytest


@pytest.fixture
def main_window(qtbot):
    from playground.app import make_application
    from playground.main_window import MainWindow

    make_application()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.confirm_close = False
    window.close()
