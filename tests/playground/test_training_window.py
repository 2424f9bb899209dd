"""The Training tab in the main window: the builder's Train button, closing mid-training."""


import numpy as np
from PySide6.QtCore import Qt

WAIT_MS = 90_000


def _small_run(training, epochs=1, train=500, test=100):
    training.hyper_panel.epochs.setValue(epochs)
    training.hyper_panel.train_limit.setValue(train)
    training.hyper_panel.test_limit.setValue(test)


def test_training_tab_follows_the_builder(main_window, qtbot, screenshot_dir):
    titles = [main_window.tabs.tabText(i) for i in range(main_window.tabs.count())]
    assert titles.index("Training") == titles.index("Network builder") + 1
    training, builder = main_window.training, main_window.builder
    _small_run(training)
    assert builder.train_button.isEnabled(), builder.train_button.toolTip()
    # Train in the builder does not start unseen: the tab shows the settings, Start waits.
    qtbot.mouseClick(builder.train_button, Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is training
    assert not training.is_training() and training.controls.state == "idle"
    readout = training.controls.readout.text()
    assert readout.startswith("Ready to train reference") and "1 epoch, batch 64" in readout
    assert "first 500 training samples" in readout and "lr 0.05" in readout
    start = training.controls.start_button
    assert start.hasFocus() and start.isDefault()
    qtbot.waitUntil(lambda: training.dataset_panel.train is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS) as finished:
        qtbot.keyClick(start, Qt.Key.Key_Space)
    assert finished.args[0]["history"].stop_reason == "finished"
    assert [layer["class"] for layer in training.model.spec()["layers"]] == [
        layer["class"] for layer in builder.spec()["layers"]]
    assert tuple(builder.document.input_shape) == training.dataset_panel.train.shape
    main_window.grab().save(str(screenshot_dir / "training_in_window.png"))
    # "Show what it learned" on the first block opens its filters.
    main_window.tabs.setCurrentWidget(builder)
    builder.show_learned_requested.emit(0)
    assert main_window.tabs.currentWidget() is training
    assert training.filters_view.layer_box.currentData() == "0.weight"


def test_opening_a_model_shows_it_in_the_builder(main_window, qtbot, tmp_path):
    training, builder = main_window.training, main_window.builder
    with qtbot.waitSignal(training.dataset_panel.dataset_loaded, timeout=WAIT_MS):
        main_window.tabs.setCurrentWidget(training)  # the first visit loads the digits
    _small_run(training, train=200, test=50)
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS):
        assert training.start()
    training.save_model(str(tmp_path / "net"))
    builder.document.remove_blocks([0])
    training.reset()
    training.open_model(str(tmp_path / "net.json"))
    assert [la["class"] for la in builder.spec()["layers"]] == [
        la["class"] for la in training.model.spec()["layers"]]
    # Start continues the opened model, it is not replaced by a fresh one.
    before = training.model
    with qtbot.waitSignal(training.training_finished, timeout=WAIT_MS):
        assert training.start()
    assert training.model is before
    assert all(np.isfinite(v).all() for v in training.model.get_weights().values())


def test_closing_the_main_window_mid_training(main_window, qtbot):
    training = main_window.training
    main_window.tabs.setCurrentWidget(training)
    qtbot.waitUntil(lambda: training.dataset_panel.train is not None, timeout=WAIT_MS)
    _small_run(training, epochs=50, train=0, test=0)
    assert training.start()
    qtbot.waitUntil(lambda: len(training.worker.trainer.history.batches) >= 2,
                    timeout=WAIT_MS)
    thread = training.worker.task.worker_thread
    main_window.confirm_close = False  # asking first is tested in test_close_asks_to_save
    main_window.close()
    assert thread.isFinished() and not training.is_training()
