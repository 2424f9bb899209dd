"""Data set picker, hyper-parameter form, feature-map sample picker, hover read-out."""


import numpy as np
import pytest
from conftest import shown_curves_of_ten_batches
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from core.files.images import write_image
from core.nn.model import Sequential
from core.nn.templates import default_spec
from core.train.fitting import fit_to_data
from core.train.history import History
from core.train.recipe import Recipe, make_optimizer, make_schedule
from playground.app import make_application
from playground.training.dataset_panel import DatasetPanel
from playground.training.feature_maps import FeatureMapsView
from playground.training.hyper_panel import HyperPanel


@pytest.fixture
def app():
    return make_application()


def test_generated_shapes_load_with_samples_and_counts(app, qtbot):
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.set_source("shapes")
    with qtbot.waitSignal(panel.dataset_loaded, timeout=30_000) as loaded:
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    train, test = loaded.args
    assert train.class_names == ["circle", "square", "triangle", "cross"]
    assert panel.samples.captions()[:4] == train.class_names  # one of each class first
    assert "2,000 train / 500 test" in panel.status.text()
    assert "circle: 500" in panel.status.text()
    assert panel.load_button.isEnabled() and not panel.cancel_button.isEnabled()


def _image_folder(root, per_class=30):
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (root / name).mkdir()
        for i in range(per_class):
            write_image(root / name / f"{i}.png", rng.integers(0, 255, (12, 12), np.uint8))
    return root


def test_a_class_folder_loads_and_a_load_can_be_cancelled(app, qtbot, tmp_path):
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.set_source("folder", str(_image_folder(tmp_path)))
    with qtbot.waitSignal(panel.dataset_loaded, timeout=30_000) as loaded:
        panel.load()
    assert loaded.args[0].class_names == ["cats", "dogs"]
    assert loaded.args[0].shape == (1, 28, 28)
    # Cancel at once: the worker stops at its first check and keeps the old data set.
    assert panel.load()
    worker = panel._worker
    with qtbot.waitSignal(worker.cancelled, timeout=30_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in panel.status.text() and panel.train is loaded.args[0]


def test_a_bad_folder_gives_a_clear_message(app, qtbot, tmp_path):
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.set_source("idx", str(tmp_path))
    with qtbot.waitSignal(panel.load_failed, timeout=30_000) as failed:
        panel.load()
    assert str(tmp_path) in failed.args[0]
    assert "Could not load" in panel.status.text()
    panel.set_source("cifar10", "")
    assert not panel.load() and "Choose a folder" in panel.status.text()


def test_hyper_parameters_round_trip_and_build_the_optimizer(app, qtbot):
    panel = HyperPanel()
    qtbot.addWidget(panel)
    assert panel.recipe() == Recipe()  # sensible defaults: SGD 0.05, momentum 0.9
    with qtbot.waitSignal(panel.config_changed):
        panel.optimizer.setCurrentIndex(panel.optimizer.findData("Adam"))
    assert panel.recipe().learning_rate == pytest.approx(0.001)  # Adam's usual rate
    assert not panel.momentum.isEnabled()
    recipe = Recipe(epochs=3, batch_size=32, seed=7, shift=2,
                    optimizer={"class": "Adam", "config": {"lr": 0.002, "weight_decay": 1e-4}},
                    schedule={"class": "CosineLR", "config": {}},
                    data="shapes", clip_norm=1.0)  # not on the form: kept
    panel.set_recipe(recipe)
    assert panel.recipe() == recipe
    optimizer = make_optimizer(panel.recipe())
    assert type(optimizer).__name__ == "Adam" and optimizer.lr == pytest.approx(0.002)
    cosine = make_schedule(panel.recipe())
    assert cosine.schedule(0) == pytest.approx(0.002) and cosine.schedule(2) < 0.002
    panel.set_recipe(Recipe(optimizer={"class": "SGD", "config": {
        "lr": 0.1, "momentum": 0.9, "weight_decay": 0.0}}))
    panel.schedule.setCurrentIndex(panel.schedule.findData("step"))
    step = make_schedule(panel.recipe())
    assert [step.schedule(e) for e in range(4)] == pytest.approx([0.1, 0.1, 0.05, 0.05])


def test_spec_follows_the_data_set():
    class Data:
        shape = (3, 32, 32)
        class_names = ["a", "b", "c"]
        name = "colour"

    fitted = fit_to_data(default_spec(), Data())
    spec, note = fitted.spec, fitted.note
    assert spec["input_shape"] == [3, 32, 32] and spec["classes"] == ["a", "b", "c"]
    assert spec["layers"][0]["config"]["in_channels"] == 3
    assert spec["layers"][-1]["config"] == {"in_features": 1024, "out_features": 3}
    assert "3x32x32" in note and "3 outputs" in note
    model = Sequential.from_spec(spec)
    assert model.predict(np.zeros((2, 3, 32, 32), np.float32)).shape == (2, 3)


def test_feature_maps_follow_the_chosen_sample(app, qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    model = Sequential.from_spec(default_spec(), seed=0)
    images = np.random.default_rng(0).random((5, 1, 28, 28)).astype(np.float32)
    view.set_model(model)
    view.set_data(images, np.arange(5) % 10, [str(d) for d in range(10)])
    assert view.shown_layers == [-1, 0, 1, 2, 3, 4, 5]  # input, conv, ReLU, pool, twice
    first = view._shown[0].image.image.copy()
    view.sample.setValue(3)
    assert not np.array_equal(first, view._shown[0].image.image)
    assert "Sample 3: true class 3" in view.caption.text()
    np.testing.assert_allclose(view.bars.probabilities, model.predict(images[3:4])[0],
                               rtol=1e-5, atol=1e-6)


def test_hovering_a_plot_reads_its_values(app, qtbot):
    panel = shown_curves_of_ten_batches(qtbot)
    plot = panel.plots["loss"]
    scene_point = plot.vb.sceneBoundingRect().center()  # epoch 0.5 of the loss plot
    widget_point = panel.graphics.mapFromScene(scene_point)
    viewport = panel.graphics.viewport()
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(widget_point),
                       viewport.mapToGlobal(QPointF(widget_point)), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)
    qtbot.waitUntil(lambda: "train loss (batch) = 5" in panel.hover_text)
    assert panel.hover_text.startswith("epoch 0.5")
    assert panel.cursor_lines["accuracy"].isVisible()
    # The read-out is written beside the cursor, inside the plot pointed at.
    item = panel.hover_items["loss"]
    assert item.isVisible() and not panel.hover_items["grad"].isVisible()
    assert "train loss (batch) = 5" in item.textItem.toPlainText()
    box = item.sceneBoundingRect()
    assert plot.vb.sceneBoundingRect().contains(box.center())
    assert abs(box.left() - scene_point.x()) < 20 or abs(box.right() - scene_point.x()) < 20


def test_training_runs_with_one_engine_and_blas_thread_and_gives_the_rest_back(app, qtbot):
    from threadpoolctl import threadpool_info

    from playground.training.training_worker import TrainingWorker

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    from core.nn import parallel

    seen, engine_threads = [], []

    class RecordingTrainer:
        def run(self):
            seen.append(blas_threads())
            engine_threads.append(parallel.threads())
            return History()

    class Model:
        def get_weights(self):
            return {}

    before = blas_threads()
    worker = TrainingWorker(lambda **callbacks: RecordingTrainer(), Model())
    with qtbot.waitSignals([worker.finished, worker.ended], timeout=10_000):
        worker.start()
    assert before, "no BLAS library found to limit"
    assert seen and len(seen[0]) == len(before) and all(count == 1 for count in seen[0])
    assert engine_threads == [1]  # the other core stays with the window
    assert blas_threads() == before


def test_open_model_lists_model_files_not_histories(app, qtbot, tmp_path, screenshot_dir):
    from PySide6.QtWidgets import QLineEdit, QTreeView

    from core.train.bundle import load_bundle, save_bundle
    from playground.training.files_box import NetworkFilesBox

    spec = {"name": "m", "input_shape": [4], "layers": [
        {"class": "Dense", "config": {"in_features": 4, "out_features": 2}}]}
    history = History()
    history.stop_reason = "finished"
    save_bundle(tmp_path / "m.json", Sequential.from_spec(spec), history=history)
    assert (tmp_path / "m.history.json").is_file()
    box = NetworkFilesBox()
    qtbot.addWidget(box)
    box.show()
    box.open_folder = str(tmp_path)
    qtbot.mouseClick(box.open_button, Qt.MouseButton.LeftButton)
    dialog = box.open_dialog
    qtbot.waitUntil(dialog.isVisible)
    view = dialog.findChild(QTreeView, "treeView")

    def listed():
        model, root = view.model(), view.rootIndex()
        return sorted(model.index(r, 0, root).data() for r in range(model.rowCount(root)))

    qtbot.waitUntil(lambda: "m.json" in listed())
    assert listed() == ["m.json"]  # not m.history.json, nor the weights
    dialog.grab().save(str(screenshot_dir / "training_open_model_dialog.png"))
    name_edit = dialog.findChild(QLineEdit, "fileNameEdit")
    with qtbot.waitSignal(box.open_requested) as opened:
        qtbot.keyClicks(name_edit, "m.json")
        qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert opened.args[0].endswith("m.json")
    with pytest.raises(ValueError, match=r"m\.history\.json is a training history, not a model; "
                                         r"open m\.json"):
        load_bundle(tmp_path / "m.history.json")


def test_an_opened_model_shows_where_its_run_ended():
    from playground.training.dashboard_files import opened_progress

    assert opened_progress(None) == (1, 1)
    history = History()
    history.stop_reason = "finished"
    assert opened_progress(history) == (1, 1)
    history.stop_reason = "stopped"
    history.meta["epochs"] = 4
    history.batches.append({"epoch": 2, "batch": 5, "batches": 10})
    assert opened_progress(history) == (15, 40)
