"""A recurrent network trained from the Training tab on a generated sequence task."""

import json

import pytest
from PySide6.QtCore import Qt

from core.resources import resource_path

WAIT_MS = 90_000


def test_the_first_symbol_template_trains_on_sequences_from_the_tab(board, qtbot,
                                                                    screenshot_dir):
    spec = json.loads(resource_path("models", "rnn_first_symbol.json").read_text())
    board.set_spec(spec)
    panel = board.dataset_panel
    panel.set_source("first-symbol")
    with qtbot.waitSignal(panel.dataset_loaded, timeout=WAIT_MS):
        assert panel.load()
    assert panel.train.shape == (10, 8)  # the steps follow the network's input
    assert "sequences of 10 steps x 8 values" in panel.status.text()
    assert panel.samples.tiles[0].isVisible()
    hyper = board.hyper_panel
    hyper.optimizer.setCurrentIndex(hyper.optimizer.findData("Adam"))
    hyper.learning_rate.setValue(0.003)
    hyper.clip_norm.setValue(5.0)
    hyper.epochs.setValue(3)
    assert hyper.recipe().clip_norm == 5.0
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(board.controls.start_button, Qt.MouseButton.LeftButton)
    history = finished.args[0]["history"]
    assert history.stop_reason == "finished"
    assert history.meta["recipe"]["clip_norm"] == 5.0
    assert history.epochs[-1]["test_accuracy"] >= 0.9
    assert board.results.confusion.matrix.sum() == len(panel.test)
    board.views.setCurrentWidget(board.feature_maps)
    board.feature_maps.refresh()
    assert "true class" in board.feature_maps.caption.text()
    board.grab().save(str(screenshot_dir / "training_sequences.png"))


@pytest.mark.parametrize("value", [0.0, 2.5])
def test_gradient_clipping_is_a_field_of_the_form(board, value):
    board.hyper_panel.clip_norm.setValue(value)
    assert board.hyper_panel.recipe().clip_norm == value
