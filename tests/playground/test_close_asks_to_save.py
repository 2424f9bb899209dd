"""Quitting with a trained model that is not saved: Save model… / Quit without saving / Cancel."""

from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.train.bundle import load_bundle

WAIT_MS = 90_000


def _training_tab_ready(main_window, qtbot, *, epochs):
    training = main_window.training
    training.hyper_panel.epochs.setValue(epochs)
    training.hyper_panel.train_limit.setValue(300)
    training.hyper_panel.test_limit.setValue(100)
    with qtbot.waitSignal(training.dataset_panel.dataset_loaded, timeout=WAIT_MS):
        main_window.tabs.setCurrentWidget(training)
    return training


def _close_box(main_window, qtbot):
    main_window.quit_action.trigger()
    qtbot.waitUntil(lambda: any(b.isVisible() for b in
                                main_window.findChildren(QMessageBox, "closeBox")))
    return [b for b in main_window.findChildren(QMessageBox, "closeBox") if b.isVisible()][0]


def _save_dialog(main_window, qtbot):
    qtbot.waitUntil(lambda: any(d.isVisible() for d in
                                main_window.findChildren(QFileDialog, "saveModelDialog")),
                    timeout=WAIT_MS)
    return [d for d in main_window.findChildren(QFileDialog, "saveModelDialog")
            if d.isVisible()][0]


def test_save_from_the_quit_question_saves_the_model_then_quits(main_window, qtbot, tmp_path):
    training = _training_tab_ready(main_window, qtbot, epochs=1)
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS):
        training.start()
    assert main_window.unsaved_work() == ["the trained model"]
    box = _close_box(main_window, qtbot)
    assert "The trained model has not been saved" in box.text()
    box.button(QMessageBox.StandardButton.Save).click()
    dialog = _save_dialog(main_window, qtbot)
    dialog.selectFile(str(tmp_path / "digits.json"))
    dialog.accept()
    qtbot.waitUntil(lambda: not main_window.isVisible())
    assert load_bundle(tmp_path / "digits").model.get_weights().keys() == \
        training.model.get_weights().keys()


def test_cancel_keeps_the_run_and_a_failed_save_keeps_what_was_learned(main_window, qtbot,
                                                                         tmp_path):
    training = _training_tab_ready(main_window, qtbot, epochs=50)
    training.start()
    qtbot.waitUntil(lambda: len(training.worker.trainer.history.batches) >= 1, timeout=WAIT_MS)
    box = _close_box(main_window, qtbot)
    assert "The model being trained has not been saved" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert main_window.isVisible() and training.is_training()  # Cancel: the run goes on

    box = _close_box(main_window, qtbot)
    box.button(QMessageBox.StandardButton.Save).click()  # stops the run, then asks where
    dialog = _save_dialog(main_window, qtbot)
    assert not training.is_training() and training.model is not None
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    dialog.selectFile(str(blocker / "digits.json"))
    dialog.accept()
    error = main_window.findChild(QMessageBox, "errorBox")
    assert error is not None and "save" in error.windowTitle().lower()
    error.close()
    assert main_window.isVisible() and training.has_unsaved_model()
    assert training.history is not None and training.history.batches  # what was learned is kept

    box = _close_box(main_window, qtbot)
    box.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not main_window.isVisible())
