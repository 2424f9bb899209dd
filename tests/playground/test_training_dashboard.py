"""Training from the GUI: curves, filters, results, save/open, pause, stop, close, divergence."""

import gc
import re
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from core.nn.model import Sequential
from core.train.bundle import load_bundle
from playground.app import make_application
from playground.training.dashboard import TrainingDashboard

WAIT_MS = 90_000


def _configure(board, *, epochs=1, train=1000, test=200, lr=None):
    panel = board.hyper_panel
    panel.epochs.setValue(epochs)
    panel.train_limit.setValue(train)
    panel.test_limit.setValue(test)
    if lr is not None:
        panel.learning_rate.setValue(lr)


def _click(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _wait_batches(qtbot, board, count):
    qtbot.waitUntil(lambda: len(board.worker.trainer.history.batches) >= count,
                    timeout=WAIT_MS)


def test_one_epoch_from_the_gui(board, qtbot, tmp_path, screenshot_dir):
    _configure(board, epochs=1, train=1000, test=200)
    shots = []

    def screenshot_mid_training():
        if not shots and board.curves.run.point_count() >= 8 and board.filters_view.draw_count:
            shots.append(board.grab())

    board.views_updated.connect(screenshot_mid_training)
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, board.controls.start_button)
        assert board.controls.state == "running"
    result = finished.args[0]
    history = result["history"]
    assert history.stop_reason == "finished"
    assert len(history.batches) == 16 and len(history.epochs) == 1  # ceil(1000 / 64)
    # Curves: one point per batch for loss, accuracy and lr, plus the epoch points.
    x, y = board.curves.curves["train loss (batch)"].getData()
    assert len(x) == 16 and x[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(y, [b["loss"] for b in history.batches], rtol=1e-6)
    assert len(board.curves.curves["test accuracy (epoch)"].getData()[0]) == 1
    assert board.curves.grad_curves  # gradient norms per layer
    # Filters: drawn live from snapshots, one labelled tile per filter of the first conv.
    assert board.filters_view.draw_count >= 2
    captions = board.filters_view.grid.captions()
    assert [c.split()[0] for c in captions] == [f"#{i}" for i in range(8)]
    # The views' copy holds the trained weights, not the initial ones.
    for name, value in board.model.get_weights().items():
        np.testing.assert_array_equal(board.shadow.get_weights()[name], value)
    # Results: the confusion matrix counts the 200 test images.
    assert board.results.confusion.matrix.sum() == 200
    assert board.controls.state == "finished"
    assert "test accuracy" in board.controls.readout.text()
    if shots:
        shots[0].save(str(screenshot_dir / "training_mid.png"))
    board.grab().save(str(screenshot_dir / "training_after.png"))
    board.views.setCurrentWidget(board.results)
    board.grab().save(str(screenshot_dir / "training_results.png"))
    board.views.setCurrentWidget(board.feature_maps)
    board.grab().save(str(screenshot_dir / "training_feature_maps.png"))
    assert len(board.feature_maps.shown_layers) == 7  # input, 2 x (conv, ReLU, pool)
    # Save, open again: same predictions.
    board.save_model(str(tmp_path / "digits.json"))
    saved = load_bundle(tmp_path / "digits")
    model, saved_history = saved.model, saved.history
    images = board._test.images
    np.testing.assert_allclose(model.predict(images), board.model.predict(images), atol=1e-6)
    assert len(saved_history.batches) == 16 and saved_history.stop_reason == "finished"


def test_open_a_saved_model_to_predict_and_continue(board, qtbot, tmp_path):
    _configure(board, epochs=1, train=300, test=100)
    board.hyper_panel.augment_shift.setValue(2)
    board.hyper_panel.schedule.setCurrentIndex(board.hyper_panel.schedule.findData("cosine"))
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS):
        board.start()
    assert "shift=2" in str(board.history.meta.get("augment"))
    assert board.has_unsaved_model()  # trained, not saved yet: quitting would ask
    board.files_box.save_requested.emit(str(tmp_path / "m.json"))  # as the Save dialog does
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.history.json", "m.json", "m.npz"]
    assert not board.has_unsaved_model()
    expected = board.model.get_weights()
    other = TrainingDashboard()
    qtbot.addWidget(other)
    assert not other.has_unsaved_model()
    other.files_box.open_requested.emit(str(tmp_path / "m.json"))
    assert not other.has_unsaved_model()
    for name, value in expected.items():
        np.testing.assert_array_equal(other.model.get_weights()[name], value)
    assert other.curves.run.point_count() > 0
    assert other.controls.state == "finished"
    progress = other.controls.progress
    assert progress.value() == progress.maximum() > 0  # a finished model shows 100%, not 0%
    assert "100%" in progress.text()
    # The opened run is the one shown: it is not offered for comparing with itself.
    assert other.files_box.compare_box.count() == 2
    assert re.fullmatch(r"opened m: reference on MNIST 5k \(finished, \d+\.\d%\)",
                        other.runs[0].label())
    other.shutdown()
    # The saved history can be overlaid on another run's curves.
    assert board.compare_with_file(str(tmp_path / "m.history.json"))
    assert re.fullmatch(r"m\.history: m on MNIST 5k \(finished, \d+\.\d%\)",
                        board.files_box.compare_box.currentText())
    assert board.curves.comparison_legend().startswith("m.history: m, 1 epoch, lr ")
    assert "m.history: m, 1 epoch" in board.curves.runs_text()
    compared = board.curves.compare_curves["train loss (batch)"].getData()[1]
    np.testing.assert_allclose(compared, [b["loss"] for b in board.history.batches])
    (tmp_path / "bad.history.json").write_text("{ not json")
    assert not board.compare_with_file(str(tmp_path / "bad.history.json"))
    box = board.findChild(QMessageBox, "errorBox")
    assert box is not None and "bad.history.json" in box.text()
    box.close()
    assert board.curves.comparison is None


def test_pause_resume_and_stop_mid_epoch_then_start_again(board, qtbot):
    _configure(board, epochs=3, train=0, test=200)
    board.start()
    _wait_batches(qtbot, board, 3)
    _click(qtbot, board.controls.pause_button)
    trainer = board.worker.trainer
    qtbot.waitUntil(lambda: trainer.is_held, timeout=WAIT_MS)
    paused_at = len(trainer.history.batches)
    qtbot.wait(300)
    assert len(trainer.history.batches) == paused_at  # nothing ran while paused
    assert board.controls.state == "paused"
    _click(qtbot, board.controls.resume_button)
    _wait_batches(qtbot, board, paused_at + 3)
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS) as finished:
        _click(qtbot, board.controls.stop_button)
    history = finished.args[0]["history"]
    assert history.stop_reason == "stopped"
    assert len(history.epochs) == 0 and 0 < len(history.batches) < 63  # mid-epoch
    assert not board.is_training()
    assert board.controls.start_button.isEnabled()
    # Start again: continues from the weights learned so far.
    _configure(board, epochs=1, train=500, test=100)
    before = board.model.get_weights()
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS) as again:
        _click(qtbot, board.controls.start_button)
    assert again.args[0]["history"].stop_reason == "finished"
    changed = [not np.array_equal(before[k], v) for k, v in board.model.get_weights().items()]
    assert any(changed)
    # Both runs can be compared: the first one overlaid on the second.
    box = board.files_box.compare_box
    assert box.count() == 3  # run 2 is the one shown: only run 1 is offered
    assert box.itemText(1) == "run 1: reference on MNIST 5k (stopped)"
    assert box.itemText(2).startswith("a saved run")
    box.setCurrentIndex(1)
    assert board.curves.comparison is board.runs[0]
    assert board.curves.comparison_legend() == "run 1: reference, 3 epochs, lr 0.05"
    assert board.curves.legend_texts("grad")[-1] == "run 1 (dashed)"
    assert "run 1: 7 Dense = " in board.curves.values_at("grad", 0.5)  # hover names each
    assert len(board.curves.compare_curves["train loss (batch)"].getData()[0]) == len(
        history.batches)


def test_closing_the_window_mid_training_ends_the_worker(qtbot):
    make_application()
    dashboard = TrainingDashboard()
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.dataset_panel.dataset_loaded, timeout=30_000):
        dashboard.show()
    _configure(dashboard, epochs=20, train=0, test=0)
    dashboard.start()
    _wait_batches(qtbot, dashboard, 2)
    thread = dashboard.worker.task.worker_thread
    dashboard.close()
    assert thread.isFinished() and not dashboard.is_training()


def test_the_window_keeps_responding_while_training(board, qtbot):
    _configure(board, epochs=30, train=0, test=200)
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    board.start()
    # Measure once the views exist (the first drawing of each creates its items).
    qtbot.waitUntil(lambda: bool(board.curves.grad_curves) and board.filters_view.draw_count > 1,
                    timeout=WAIT_MS)
    gc.collect()  # what earlier tests left behind is not this window's to sweep up
    redraw_times = []
    board.views_updated.connect(lambda: redraw_times.append(time.perf_counter()))
    batches_before = len(board.worker.trainer.history.batches)
    started = last[0] = time.perf_counter()
    timer.start()
    # The timer keeps firing while training: wait for a count of ticks, not for a time, so a
    # busy machine makes this slower but never makes it fail.
    qtbot.waitUntil(lambda: len(gaps) > 50, timeout=120_000)
    timer.stop()
    ended = time.perf_counter()
    assert board.is_training()
    batches = len(board.worker.trainer.history.batches) - batches_before
    board.stop()
    redraws = [t for t in redraw_times if t <= ended]
    # The views redraw at most ~20 times a second, over the time actually measured.
    assert 0 < len(redraws) <= 20 * (ended - started) + 3
    assert batches > 0
    # The longest pause is measured in benchmarks/bench_training_responsiveness.py (a time limit
    # here would fail on a busy machine); the timer kept firing while training (the wait above).


def test_a_huge_learning_rate_stops_with_a_message_and_keeps_good_weights(board, qtbot,
                                                                          screenshot_dir):
    _configure(board, epochs=2, train=1000, test=100, lr=100.0)
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS) as finished:
        board.start()
    history = finished.args[0]["history"]
    assert history.stop_reason.startswith("diverged: loss exploded to")
    assert "epoch 1, batch 2" in history.stop_reason
    assert "lower the learning rate" in board.last_error
    box = board.findChild(QMessageBox, "errorBox")
    assert box is not None and "diverged" in box.text()
    box.close()
    weights = board.model.get_weights()
    assert all(np.isfinite(v).all() for v in weights.values())
    # Batch 2's loss came from the weights left by batch 1: the good ones are the initial ones.
    initial = Sequential.from_spec(board.spec, seed=0).get_weights()
    for name, value in weights.items():
        np.testing.assert_array_equal(value, initial[name])
    for name, value in weights.items():
        np.testing.assert_array_equal(board.shadow.get_weights()[name], value)
    assert all(np.isfinite(b["loss"]) for b in history.batches)
    assert board.controls.state == "finished"
    readout = board.controls.readout.text()
    assert readout.startswith("Diverged: the loss exploded to") and "batches" not in readout
    board.views.setCurrentIndex(0)
    board.grab().save(str(screenshot_dir / "training_diverged.png"))


def test_start_without_data_or_with_a_bad_network_explains(qtbot):
    make_application()
    dashboard = TrainingDashboard()
    qtbot.addWidget(dashboard)
    assert not dashboard.start()
    assert "data set" in dashboard.last_error
    with qtbot.waitSignal(dashboard.dataset_panel.dataset_loaded, timeout=30_000):
        dashboard.dataset_panel.load()
    spec = dict(dashboard.spec)
    spec["layers"] = [{"class": "Conv2D", "config": {"out_channels": 4, "kernel_size": 31}},
                      {"class": "Flatten", "config": {}},
                      {"class": "Dense", "config": {"out_features": 10}}]
    dashboard.set_spec(spec)
    assert not dashboard.start()
    assert "block 1 (Conv2D)" in dashboard.last_error
    for box in dashboard.findChildren(QMessageBox):
        box.close()
    dashboard.shutdown()
