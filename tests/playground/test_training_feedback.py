"""What the Training tab says after edits, stops, divergence, saving, opening, and bad input."""

import json

import numpy as np
import pytest
from conftest import shown_curves_of_ten_batches
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QPainter
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.nn.model import Sequential
from core.nn.templates import default_spec
from core.train.bundle import load_bundle, save_bundle
from core.train.fitting import fit_to_data
from core.train.history import History
from core.train.recipe import Recipe
from playground.app import make_application
from playground.training.controls import divergence_text, summary_text
from playground.training.curves import GRAD_DECADES, CurvesPanel, log_ticks
from playground.training.dashboard import TrainingDashboard
from playground.training.dataset_panel import DatasetPanel
from playground.training.results_view import ResultsView
from playground.training.try_it import TryItPanel

WAIT_MS = 90_000
CHANGED = ("The network changed in the builder (now reference): Start trains it from fresh "
           "weights. Previous run: run 1: reference")


@pytest.fixture
def app():
    return make_application()


def _small_run(training, *, epochs=1, train=200, test=100, lr=None, batch=None):
    panel = training.hyper_panel
    panel.epochs.setValue(epochs)
    panel.train_limit.setValue(train)
    panel.test_limit.setValue(test)
    if lr is not None:
        panel.learning_rate.setValue(lr)
    if batch is not None:
        panel.batch_size.setValue(batch)


def _train(qtbot, training):
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(training.controls.start_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


# --- 1. an edit in the builder ---------------------------------------------------------------
def test_an_edit_in_the_builder_turns_continue_into_start_and_undo_back(main_window, qtbot,
                                                                       screenshot_dir):
    training, builder = main_window.training, main_window.builder
    with qtbot.waitSignal(training.dataset_panel.dataset_loaded, timeout=WAIT_MS):
        main_window.tabs.setCurrentWidget(training)
    _small_run(training)
    _train(qtbot, training)
    button, readout = training.controls.start_button, training.controls.readout
    assert button.text() == "Continue" and "Finished after 1 epoch" in readout.text()
    finished_text = readout.text()
    relus = training.network_label.text().count("ReLU")
    builder.document.duplicate_blocks([1])  # one more ReLU, at once
    main_window.grab().save(str(screenshot_dir / "training_after_builder_edit.png"))
    assert readout.text().startswith(CHANGED)
    assert training.controls.progress.value() == 0  # not the last run's 100%
    assert button.text() == "Start"
    assert training.network_label.text().count("ReLU") == relus + 1
    assert "fresh weights at Start" in training.network_label.text()
    builder.document.undo_stack.undo()
    assert button.text() == "Continue" and readout.text() == finished_text
    assert "(trained weights)" in training.network_label.text()
    # Edited again, Start trains the edited network from fresh weights.
    builder.document.duplicate_blocks([1])
    before = training.model
    _train(qtbot, training)
    assert training.model is not before
    assert training.controls.start_button.text() == "Continue"
    # Another data set (the builder follows it): the data, not the network, changed.
    training.dataset_panel.set_source("shapes")
    with qtbot.waitSignal(training.dataset_panel.dataset_loaded, timeout=WAIT_MS):
        training.dataset_panel.load()
    assert readout.text().startswith("The data set does not fit the trained network: Start "
                                     "trains reference from fresh weights.")
    assert button.text() == "Start"


# --- 2. honest texts after Stop and after Open ------------------------------------------------
def _history(batches_done, batches=5, epochs_done=1, reason="stopped"):
    history = History(stop_reason=reason)
    for step in range(1, batches_done + 1):
        epoch, batch = divmod(step - 1, batches)
        history.batches.append({"epoch": epoch + 1, "batch": batch + 1, "batches": batches,
                                "step": step, "loss": 0.5})
    for epoch in range(1, epochs_done + 1):
        history.epochs.append({"epoch": epoch, "train_loss": 0.2, "train_accuracy": 0.9,
                               "test_loss": 0.106, "test_accuracy": 0.971})
    return history


def test_a_stop_inside_an_epoch_names_both_scores():
    text = summary_text(_history(8), current_accuracy=0.967)
    assert text == ("Stopped in epoch 2 (batch 3/5). Last full epoch: test accuracy 97.1%, loss "
                    "0.106; the current weights score 96.7% (Results).")
    assert summary_text(_history(5), 0.971) == (
        "Stopped after 1 epoch(s): test accuracy 97.1%, loss 0.106.")
    early = summary_text(_history(3, epochs_done=0), 0.5)
    assert early == ("Stopped in epoch 1 (batch 3/5). No full epoch yet; the current weights "
                     "score 50.0% (Results).")


def test_stop_mid_epoch_agrees_with_results_and_an_opened_model_says_so(board, qtbot, tmp_path,
                                                                       screenshot_dir):
    _small_run(board, epochs=3, train=640, test=100)  # 10 batches an epoch
    board.start()
    qtbot.waitUntil(lambda: len(board.worker.trainer.history.batches) >= 12,
                    timeout=WAIT_MS)
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(board.controls.stop_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    board.grab().save(str(screenshot_dir / "training_stopped.png"))
    labels = board._test.labels
    current = float(np.mean(result["probabilities"].argmax(axis=1) == labels))
    readout = board.controls.readout.text()
    assert f"Test accuracy {current:.1%}" in board.results.summary.text()
    last = result["history"].batches[-1]
    if last["batch"] < last["batches"]:
        assert f"Stopped in epoch {last['epoch']} (batch {last['batch']}/10)" in readout
        assert f"the current weights score {current:.1%} (Results)" in readout
    board.save_model(str(tmp_path / "m.json"))
    other = TrainingDashboard()
    qtbot.addWidget(other)
    other.resize(1280, 800)
    other.show()
    other.open_model(str(tmp_path / "m.json"))
    qtbot.wait(100)
    other.grab().save(str(screenshot_dir / "training_opened_model.png"))
    text = other.controls.readout.text()
    assert "Reset" not in text and text.startswith("Opened m.json (trained weights)")
    assert other.controls.start_button.text() == "Continue"
    other.shutdown()


# --- 3. divergence and the gradient-norm axis ------------------------------------------------
def test_the_divergence_message_is_one_clean_sentence():
    reason = ("diverged: loss exploded to 3.32e+06 (it started at 0.0113) at epoch 1, batch 2 "
              "— lower the learning rate")
    text = summary_text(_history(1, epochs_done=0, reason=reason))
    assert text == divergence_text(reason) == (
        "Diverged: the loss exploded to 3.32e+06 (it started at 0.0113) at epoch 1, batch 2. "
        "The weights from before that batch are kept; lower the learning rate and press Start "
        "again.")
    assert "(it was 1000)" in divergence_text(reason, 1000.0)


def _tick_label_rects(axis):
    image = QImage(400, 400, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((spec[0] for spec in texts if spec[2]), key=lambda r: r.top())


def _stats(step, norm):
    return {"step": step, "layers": [{"index": 0, "name": "0 Conv2D", "grad_norm": norm}]}


@pytest.mark.parametrize("norms", [(0.02, 0.3), (0.05, 1e30), (1e-9, 1e-8)])
def test_the_gradient_axis_stays_readable(app, qtbot, norms):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    qtbot.waitExposed(panel)
    panel.reset("run", epochs=1)
    panel.run.add_batch({"epoch": 1, "batch": 1, "batches": 2, "step": 1, "loss": 1.0})
    for step, norm in enumerate(norms, start=1):
        panel.run.add_stats(_stats(step, norm))
    panel.refresh(fit=True)
    low, high = panel.plots["grad"].viewRange()[1]
    assert 2 <= high - low <= GRAD_DECADES + 0.5 + 0.1
    rects = _tick_label_rects(panel.plots["grad"].getAxis("left"))
    assert 2 <= len(rects) <= 5
    for upper, lower in zip(rects, rects[1:], strict=False):
        assert upper.bottom() <= lower.top(), "tick labels overlap"


def test_log_ticks_label_at_most_five_decades():
    major, minor = log_ticks(-12, 12)
    assert len(major) <= 5 and [v for v, _ in major][:2] == [-12.0, -6.0]
    assert all(text == "" for _, text in minor)
    assert log_ticks(-2, 0)[0] == [(-2.0, "0.01"), (-1.0, "0.1"), (0.0, "1")]


def test_the_hover_readout_clears_when_the_mouse_leaves_or_a_run_starts(app, qtbot):
    panel = shown_curves_of_ten_batches(qtbot)
    viewport = panel.graphics.viewport()

    def hover(dx=0):
        centre = panel.plots["loss"].vb.sceneBoundingRect().center() + QPointF(dx, 0)
        point = QPointF(panel.graphics.mapFromScene(centre))
        move = QMouseEvent(QEvent.Type.MouseMove, point, viewport.mapToGlobal(point),
                           Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                           Qt.KeyboardModifier.NoModifier)

        def moved():  # the scene drops moves that come too fast: send until one is taken
            QApplication.sendEvent(viewport, move)
            return panel.hover_text.startswith("epoch 0.5")

        qtbot.waitUntil(moved)

    hover()
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))
    assert panel.hover_text == "" and not panel.hover_items["loss"].isVisible()
    assert not panel.cursor_lines["loss"].isVisible()
    hover(dx=1)
    assert panel.hover_items["loss"].isVisible()
    panel.reset("run 2", epochs=3)
    assert panel.hover_text == "" and not panel.hover_items["loss"].isVisible()


# --- 4. a confusion-matrix cell ---------------------------------------------------------------
def test_a_clicked_cell_is_outlined_and_its_images_replace_the_strip(app, qtbot,
                                                                    screenshot_dir):
    results = ResultsView()
    qtbot.addWidget(results)
    results.resize(660, 560)
    results.show()
    qtbot.waitExposed(results)
    labels = np.repeat(np.arange(3), 20)
    predicted = labels.copy()
    predicted[:5] = 2  # five 0s taken for 2s
    probabilities = np.eye(3, dtype=np.float32)[predicted] * 0.7 + 0.1
    images = np.random.default_rng(1).random((60, 1, 8, 8)).astype(np.float32)
    results.set_results(images, labels, probabilities, ["a", "b", "c"])
    view = results.confusion
    with qtbot.waitSignal(view.cell_clicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cell_centre(0, 2))
    results.grab().save(str(screenshot_dir / "training_cell_clicked.png"))
    assert view.highlighted == (0, 2) and view.highlight.isVisible()
    assert results.cell_images.shown_count() == 5
    assert not results.wrong_images.isVisible() and results.cell_images.isVisible()
    # The images are on screen without scrolling: inside the view, below the accuracy bars.
    for tile in [t for t in results.cell_images.tiles if t.isVisible()]:
        rect = tile.rect().translated(tile.mapTo(results, tile.rect().topLeft()))
        assert results.rect().contains(rect), rect
    results.cell_title.linkActivated.emit("back")
    assert results.wrong_images.isVisible() and not results.cell_images.isVisible()
    assert view.highlighted is None and not view.highlight.isVisible()


# --- 5. saving ---------------------------------------------------------------------------------
def test_save_offers_the_networks_name_and_confirms(board, qtbot, tmp_path, monkeypatch):
    _small_run(board)
    _train(qtbot, board)
    offered = []

    def fake_dialog(parent, title, name, pattern):
        offered.append(name)
        return str(tmp_path / name), pattern

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    qtbot.mouseClick(board.files_box.save_button, Qt.MouseButton.LeftButton)
    assert offered == ["reference-trained.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "reference-trained.history.json", "reference-trained.json", "reference-trained.npz"]
    assert board.controls.readout.text() == (
        f"Saved reference-trained.json, .npz and .history.json in {tmp_path}")


# --- 7. errors leave nothing stale on screen ---------------------------------------------------
def test_an_unreadable_image_clears_the_old_prediction(app, qtbot, tmp_path):
    panel = TryItPanel()
    qtbot.addWidget(panel)
    panel.show()
    spec = fit_to_data(default_spec(), _Digits()).spec
    panel.set_model(Sequential.from_spec(spec, seed=0), [str(i) for i in range(10)])
    panel.pad.draw_stroke([(140, 60), (140, 220)])
    assert panel.bars.probabilities.max() > 0
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not an image")
    assert not panel.pad.load_image(str(fake))
    assert not panel.bars.probabilities.any()
    assert panel.pad.is_blank()
    assert "fake.png" in panel.verdict.text()


class _Digits:
    name, shape, class_names = "digits", (1, 28, 28), [str(i) for i in range(10)]


def test_a_bad_folder_puts_the_picker_back_on_the_loaded_data(app, qtbot, tmp_path):
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.set_source("shapes")
    with qtbot.waitSignal(panel.dataset_loaded, timeout=30_000):
        panel.load()
    captions = panel.samples.captions()
    panel.set_source("folder", str(tmp_path))  # an empty folder
    with qtbot.waitSignal(panel.load_failed, timeout=30_000):
        panel.load()
    assert panel.source_box.currentData() == "shapes"
    assert panel.samples.captions() == captions
    assert "Could not load" in panel.status.text() and "Still using" in panel.status.text()
    fresh = DatasetPanel()  # nothing loaded before: nothing shown
    qtbot.addWidget(fresh)
    fresh.set_source("folder", str(tmp_path))
    with qtbot.waitSignal(fresh.load_failed, timeout=30_000):
        fresh.load()
    assert fresh.samples.shown_count() == 0


def test_reset_clears_the_views_of_the_old_run(board, qtbot):
    _small_run(board)
    _train(qtbot, board)
    board.try_it.pad.draw_stroke([(140, 60), (140, 220)])
    assert board.filters_view.grid.shown_count() == 8
    assert board.results.confusion.matrix.sum() == 100
    qtbot.mouseClick(board.controls.reset_button, Qt.MouseButton.LeftButton)
    box = board.findChild(QMessageBox, "resetBox")  # the weights are not saved: it asks
    assert box is not None and box.isVisible()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton)
    assert board.filters_view.grid.shown_count() == 0
    assert "Reset" in board.filters_view.note.text()
    assert board.results.confusion.matrix.size == 0 and "Reset" in board.results.summary.text()
    assert not board.try_it.bars.probabilities.any()
    assert board.controls.start_button.text() == "Start"


# --- 8. an opened model brings its settings ----------------------------------------------------
def test_opening_a_model_restores_its_settings(board, qtbot, tmp_path):
    _small_run(board, lr=0.02, batch=32)
    _train(qtbot, board)
    board.save_model(str(tmp_path / "slow.json"))
    board.hyper_panel.learning_rate.setValue(1000.0)
    board.hyper_panel.batch_size.setValue(7)
    board.open_model(str(tmp_path / "slow.json"))
    config = board.hyper_panel.recipe()
    assert config.learning_rate == pytest.approx(0.02) and config.batch_size == 32
    # A model saved without its settings leaves the form as it is.
    save_bundle(tmp_path / "bare", board.model)
    board.hyper_panel.learning_rate.setValue(0.5)
    board.open_model(str(tmp_path / "bare.json"))
    assert board.hyper_panel.recipe().learning_rate == pytest.approx(0.5)


def test_settings_are_read_from_a_command_line_run(tmp_path):
    from playground.cli import run_cli

    spec = {"name": "m", "input_shape": [1, 12, 12], "layers": [
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 144, "out_features": 4}}]}
    (tmp_path / "m.json").write_text(json.dumps(spec))
    assert run_cli(["train", str(tmp_path / "m.json"), "--data", "shapes", "--epochs", "1",
                    "--optimizer", "adam", "--lr", "0.002", "--batch-size", "128", "--seed",
                    "4", "--out", str(tmp_path / "run")]) == 0
    current = Recipe(optimizer={"class": "SGD", "config": {"lr": 1000.0}},
                     schedule={"class": "CosineLR", "config": {}})
    config = load_bundle(tmp_path / "run").recipe_over(current)
    assert config.optimizer == {"class": "Adam", "config": {"lr": 0.002}}
    assert (config.batch_size, config.epochs, config.seed) == (128, 1, 4)
    # An unversioned history records only some settings: the others are kept.
    history = History(meta={"batch_size": 128, "epochs": 3, "seed": 4})
    history.to_json(tmp_path / "old.history.json")
    (tmp_path / "old.json").write_text(json.dumps(spec))
    save_bundle(tmp_path / "weights", Sequential.from_spec(spec))
    (tmp_path / "weights.npz").rename(tmp_path / "old.npz")
    config = load_bundle(tmp_path / "old").recipe_over(current)
    assert (config.batch_size, config.epochs, config.seed) == (128, 3, 4)
    assert config.schedule == {"class": "CosineLR", "config": {}}  # not recorded: kept
    assert config.learning_rate == 1000.0

