"""The Training tab never shows old numbers as current: after the network changes, every view
shows the new network's empty state or names the previous run; while a run goes, results wait
for its end; empty panes say what will appear; trained weights are not lost without asking,
and the builder's Train does not start unseen settings."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.nn.templates import shipped_templates
from playground.training.controls import progress_text
from playground.training.predictions import PerClassAccuracy, ProbabilityBars, bar_text

WAIT_MS = 90_000


def _small_run(training, *, epochs=1, train=300, test=100):
    panel = training.hyper_panel
    panel.epochs.setValue(epochs)
    panel.train_limit.setValue(train)
    panel.test_limit.setValue(test)


def _train(qtbot, training):
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(training.controls.start_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def _open_template(main_window, name):
    path = next(p for p in shipped_templates() if p.stem == name)
    assert main_window.builder.open_spec_file(path, template=True)
    main_window.tabs.setCurrentWidget(main_window.training)


@pytest.fixture
def trained(main_window, qtbot):
    """The main window whose Training tab has trained the reference network for one epoch."""
    training = main_window.training
    with qtbot.waitSignal(training.dataset_panel.dataset_loaded, timeout=WAIT_MS):
        main_window.tabs.setCurrentWidget(training)
    _small_run(training)
    _train(qtbot, training)
    assert training.model.name == "reference" and training.controls.progress.value() > 0
    return main_window, training


def test_a_new_network_empties_or_labels_every_view(trained, qtbot, screenshot_dir):
    main_window, training = trained
    first_run = training.runs[0]
    _open_template(main_window, "deep_sigmoid")
    assert training.document.state == "stale"
    main_window.grab().save(str(screenshot_dir / "training_after_network_change.png"))
    # Progress: at 0, naming the new network and the previous run, never the old 100%.
    controls = training.controls
    assert controls.progress.value() == 0 and controls.state == "stale"
    assert "now deep_sigmoid" in controls.readout.text()
    assert "Previous run: run 1: reference" in controls.readout.text()
    assert controls.start_button.text() == "Start" and controls.start_button.isEnabled()
    # Curves: nothing drawn as current; the old run dashed and named "previous run".
    curves = training.curves
    assert curves.run is not first_run and curves.point_count() == 0
    assert curves.comparison is first_run and curves.comparison_previous
    assert curves.comparison_legend() == "previous run: reference, 1 epoch, lr 0.05"
    assert "deep_sigmoid has not been trained yet" in curves.runs_text()
    assert curves.grad_curves == {}
    assert curves.legend_texts("grad") == ["prev. (dashed)"]
    # Learned filters: no selector of the old CNN's blocks, a note naming the new network.
    filters = training.filters_view
    assert filters.layer_box.count() == 0 and filters.grid.shown_count() == 0
    assert "deep_sigmoid" in filters.note.text()
    # Results: the empty state, naming the previous run; no confusion matrix shown.
    results = training.results
    assert results.is_empty() and not results.confusion.isVisible()
    assert "deep_sigmoid" in results.empty_text() and "run 1: reference" in results.empty_text()
    # Feature maps and Try it: nothing computed with the previous network.
    assert training.feature_maps.model is None and training.try_it.model is None
    assert not training.try_it.bars.probabilities.any()


def test_undoing_the_change_brings_the_trained_model_back(trained, qtbot):
    main_window, training = trained
    first_run = training.runs[0]
    matrix = training.results.confusion.matrix.copy()
    main_window.builder.document.duplicate_blocks([1])
    assert training.document.state == "stale" and training.results.is_empty()
    main_window.builder.document.undo_stack.undo()
    assert training.document.state == "finished"
    assert training.controls.start_button.text() == "Continue"
    assert training.controls.progress.value() == training.controls.progress.maximum()
    assert training.curves.run is first_run and training.curves.comparison is None
    assert training.filters_view.layer_box.count() == 2
    assert training.filters_view.grid.shown_count() == 8
    assert not training.results.is_empty()
    np.testing.assert_array_equal(training.results.confusion.matrix, matrix)
    assert training.try_it.model is training.shadow


def test_the_next_network_is_drawn_against_the_previous_run(trained, qtbot):
    main_window, training = trained
    first_run = training.runs[0]
    _open_template(main_window, "tiny_mlp")
    _train(qtbot, training)
    curves = training.curves
    assert curves.run.network == "tiny_mlp" and curves.point_count() > 0
    assert curves.comparison is first_run and not curves.comparison_previous
    assert curves.comparison_legend() == "run 1: reference, 1 epoch, lr 0.05"
    assert curves.legend_texts("grad")[-1] == "run 1 (dashed)"
    assert len(curves.legend_texts("grad")) == len(curves.grad_curves) + 1
    assert training.files_box.compare_box.currentData() == 0  # run 1 chosen, can be unset
    training.files_box.clear_comparison()
    assert curves.comparison is None and training.document.comparison is None


def test_results_wait_for_the_end_of_a_run_and_say_so(trained, qtbot, screenshot_dir):
    main_window, training = trained
    results = training.results
    assert not results.is_empty()
    _small_run(training, epochs=20, train=0, test=100)
    training.views.setCurrentWidget(results)
    assert training.start()
    assert results.is_empty() and "Training reference" in results.empty_text()
    qtbot.waitUntil(lambda: len(training.worker.trainer.history.batches) >= 2, timeout=WAIT_MS)
    main_window.grab().save(str(screenshot_dir / "training_results_while_training.png"))
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS):
        training.stop()
    assert not results.is_empty() and results.confusion.matrix.sum() == 100


def test_results_before_any_run_are_a_plain_empty_state(board):
    results = board.results
    assert results.is_empty() and not results.confusion.isVisible()
    assert "No results yet" in results.empty_text()
    assert "confusion matrix" in results.empty_text()


def test_a_data_set_the_network_does_not_fit_hides_the_old_results(board, qtbot):
    _small_run(board)
    _train(qtbot, board)
    board.dataset_panel.set_source("shapes")
    with qtbot.waitSignal(board.dataset_panel.dataset_loaded, timeout=WAIT_MS):
        board.dataset_panel.load()
    assert board.document.state == "stale" and board.network_difference() == "input"
    assert board.results.is_empty() and board.controls.progress.value() == 0
    assert board.filters_view.layer_box.count() == 0
    assert board.curves.point_count() == 0 and board.curves.comparison_previous


def test_paused_status_is_one_line_without_time_left(board, qtbot):
    _small_run(board, epochs=20, train=0)
    assert board.start()
    qtbot.waitUntil(lambda: len(board.worker.trainer.history.batches) >= 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "left" in board.controls.readout.text(), timeout=WAIT_MS)
    board.pause()
    text = board.controls.readout.text()
    assert text.startswith("Paused at epoch 1/20 · batch ") and "left" not in text
    assert "\n" not in text
    qtbot.waitUntil(lambda: board.worker.trainer.is_held, timeout=WAIT_MS)
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS):
        board.stop()


def test_progress_lines_never_break_a_unit():
    event = {"epoch": 2, "batch": 30, "batches": 63, "samples_per_s": 490.0}
    done, total, text = progress_text(event, 5, 60.0)
    first, second = text.split("\n")
    assert first == "epoch 2/5 · batch 30/63"
    assert second.startswith("490\u00a0samples/s · ") and second.endswith("\u00a0left")
    assert (done, total) == (93, 315)
    assert progress_text(event, 5, 60.0, paused=True)[2] == "Paused at epoch 2/5 · batch 30/63"


# --- nothing lost without asking ---------------------------------------------------------------
def _reset_box(qtbot, board):
    qtbot.mouseClick(board.controls.reset_button, Qt.MouseButton.LeftButton)
    box = board.findChild(QMessageBox, "resetBox")
    assert box is not None and box.isVisible()
    return box


def test_reset_with_unsaved_weights_asks_and_cancel_keeps_them(board, qtbot):
    _small_run(board)
    _train(qtbot, board)
    model = board.model
    box = _reset_box(qtbot, board)
    assert box.button(QMessageBox.StandardButton.Save).text() == "Save model…"
    assert box.button(QMessageBox.StandardButton.Discard).text() == "Reset without saving"
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert board.model is model and board.controls.start_button.text() == "Continue"
    assert not board.results.is_empty()


def test_reset_can_save_first(board, qtbot, tmp_path):
    _small_run(board)
    _train(qtbot, board)
    box = _reset_box(qtbot, board)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    dialog = board.findChild(QFileDialog, "saveModelDialog")
    assert dialog is not None
    dialog.fileSelected.emit(str(tmp_path / "kept.json"))
    assert (tmp_path / "kept.json").is_file() and (tmp_path / "kept.npz").is_file()
    assert board.model is None and board.results.is_empty()
    assert board.controls.start_button.text() == "Start"


def test_reset_of_a_saved_model_does_not_ask(board, qtbot, tmp_path):
    _small_run(board)
    _train(qtbot, board)
    board.save_model(str(tmp_path / "net.json"))
    qtbot.mouseClick(board.controls.reset_button, Qt.MouseButton.LeftButton)
    assert board.findChild(QMessageBox, "resetBox") is None
    assert board.model is None and board.curves.point_count() == 0


def test_the_builders_train_waits_for_start_with_the_settings_shown(main_window, qtbot):
    training, builder = main_window.training, main_window.builder
    _small_run(training, epochs=2, train=300)
    qtbot.mouseClick(builder.train_button, Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is training and not training.is_training()
    qtbot.waitUntil(lambda: training.dataset_panel.train is not None, timeout=WAIT_MS)
    readout = training.controls.readout
    assert "MNIST 5k (first 300 training samples): 2 epochs, batch 64" in readout.text()
    training.hyper_panel.epochs.setValue(4)  # the read-out follows the settings
    assert "4 epochs" in readout.text() and not training.is_training()


# --- numbers a student can read -----------------------------------------------------------------
def test_bars_carry_their_values(qtbot):
    accuracy = PerClassAccuracy()
    qtbot.addWidget(accuracy)
    accuracy.set_values(np.array([0.93, 0.99, np.nan, 1.0]), ["a", "b", "c", "d"])
    assert accuracy.bar_values.texts() == ["0.93", "0.99", "–", "1.00"]
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_classes(["0", "1", "2"])
    assert bars.values.texts() == []  # nothing asked yet: no numbers
    bars.set_probabilities(np.array([0.001, 0.25, 0.749], np.float32))
    assert bars.values.texts() == ["≈0", "0.25", "0.75"]
    assert [bar_text(v) for v in (0.0, 0.0049, 0.0051, 0.934, 0.9991, 1.0)] == [
        "0", "≈0", "0.01", "0.93", "0.99+", "1.00"]  # never rounded to a certainty


def test_a_full_bars_value_stays_inside_a_short_plot(qtbot):
    bars = ProbabilityBars(title="Softmax output for this sample")
    qtbot.addWidget(bars)
    bars.resize(600, 110)  # the strip under the feature maps at 1024x768
    bars.show()
    qtbot.waitExposed(bars)
    bars.set_probabilities(np.array([0.0, 0.9991, 0.0009], np.float32))
    qtbot.waitUntil(lambda: bars.getViewBox().height() < 100)
    bars.values.keep_room()
    qtbot.wait(50)  # text items follow the range on the next paint
    view = bars.getViewBox().sceneBoundingRect()
    label = bars.values.items[1]
    assert bars.values.texts()[1] == "0.99+"
    assert label.sceneBoundingRect().top() >= view.top() - 0.5, (label.sceneBoundingRect(), view)
    assert label.sceneBoundingRect().height() >= 11  # digits of at least 11 px
