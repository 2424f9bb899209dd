"""The lines under the curves say what a run's numbers mean, and follow the run shown."""

import numpy as np
from PySide6.QtCore import Qt

from core.nn.spec import read_spec
from core.resources import resource_path
from core.train.run_data import RunData
from playground.training.curves import CurvesPanel
from playground.training.insight_lines import EMPTY, InsightLines, class_count

WAIT_MS = 90_000


def _sigmoid_like_run() -> RunData:
    run = RunData(name="run 1", network="deep_sigmoid")
    for i in range(60):
        run.add_batch({"epoch": 1, "batch": i + 1, "batches": 60, "loss": 2.31, "lr": 0.05})
        if i % 3 == 0:
            run.add_stats({"step": i + 1, "layers": [
                {"name": "1 Dense", "grad_norm": 6e-4}, {"name": "3 Dense", "grad_norm": 2e-3},
                {"name": "5 Dense", "grad_norm": 0.6}]})
    return run


def test_the_lines_follow_the_run_the_curves_show(qtbot):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    lines = InsightLines.following(panel, lambda: 10)
    qtbot.addWidget(lines)
    lines.show()
    assert lines.lines() == [] and EMPTY in lines.text()
    panel.show_run(_sigmoid_like_run())
    shown = lines.lines()
    assert len(shown) == 2 and "guessing" in shown[0] and "vanishing" in shown[1]
    assert "deep_relu" in shown[1] and "⚠" in lines.text()
    panel.reset("run 2")  # a new run: nothing said about the old one stays
    assert lines.lines() == [] and EMPTY in lines.text()


def test_class_count_reads_the_network_outputs():
    class Model:
        output_shape = (4,)

    assert class_count(Model()) == 4
    assert class_count(None) is None


def test_training_the_deep_sigmoid_net_explains_its_curves(board, qtbot, screenshot_dir):
    board.set_spec(read_spec(resource_path("models", "deep_sigmoid.json")))
    panel = board.hyper_panel
    panel.epochs.setValue(2)
    panel.train_limit.setValue(1000)
    panel.test_limit.setValue(200)
    assert board.views.insights.lines() == []
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS):
        qtbot.mouseClick(board.controls.start_button, Qt.MouseButton.LeftButton)
    board.views.setCurrentIndex(0)
    shown = board.views.insights.lines()
    assert any("guessing" in line and "ln 10 = 2.30" in line for line in shown), shown
    assert any("vanishing" in line and "deep_relu" in line for line in shown), shown
    assert board.views.insights.isVisible()
    losses = [b["loss"] for b in board.history.batches[-20:]]
    assert f"Loss {np.mean(losses):.2f}" in shown[0]  # the number is the run's own
    board.grab().save(str(screenshot_dir / "training_insights.png"))
    board.reset()
    assert board.views.insights.lines() == []
