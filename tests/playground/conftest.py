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


@pytest.fixture
def empty_builder(qtbot):
    """A builder tab, shown, holding an empty network for 1x28x28 digits."""
    from playground.app import make_application
    from playground.builder.builder_tab import BuilderTab

    make_application()
    widget = BuilderTab({"name": "untitled", "input_shape": [1, 28, 28],
                         "classes": [str(d) for d in range(10)], "layers": []})
    qtbot.addWidget(widget)
    widget.resize(1200, 780)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def shown_curves_of_ten_batches(qtbot):
    """A curves panel on screen whose run has ten batches (loss 1..10) of one epoch."""
    from playground.training.curves import CurvesPanel

    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.reset("run", epochs=1)
    for batch in range(1, 11):
        panel.run.add_batch({"epoch": 1, "batch": batch, "batches": 10, "step": batch,
                             "loss": float(batch), "accuracy": 0.5, "lr": 0.1})
    panel.refresh(fit=True)
    return panel


@pytest.fixture
def backprop_tab(qtbot):
    """A Backprop tab, shown at 1024x768, with no network yet."""
    from playground.app import make_application
    from playground.backprop.backprop_tab import BackpropTab

    make_application()
    widget = BackpropTab()
    qtbot.addWidget(widget)
    widget.resize(1024, 768)
    widget.show()
    yield widget
    widget.shutdown()
