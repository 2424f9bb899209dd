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


@pytest.fixture
def board(qtbot):
    """A training dashboard, shown, with the bundled data set loaded."""
    from playground.app import make_application
    from playground.training.dashboard import TrainingDashboard

    make_application()
    dashboard = TrainingDashboard()
    qtbot.addWidget(dashboard)
    dashboard.resize(1400, 900)
    with qtbot.waitSignal(dashboard.dataset_panel.dataset_loaded, timeout=30_000):
        dashboard.show()
    yield dashboard
    dashboard.shutdown()
