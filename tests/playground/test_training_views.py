"""The dashboard's views on their own: drawing pad, curves, filters, feature maps, results."""

import csv

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from core.files.images import write_image
from core.image.kernel_match import classic_kernels, closest_kernel
from core.image.kernels import make_preset
from core.train.run_data import RunData
from playground.app import make_application
from playground.training.curves import CurvesPanel
from playground.training.filters_view import FiltersView
from playground.training.map_mosaics import tile_maps
from playground.training.predictions import ConfusionMatrixView, ProbabilityBars
from playground.training.results_view import ResultsView, most_confident_mistakes
from playground.widgets.drawing_pad import CANVAS, DrawingPad


@pytest.fixture
def app():
    return make_application()


def _stroke(qtbot, widget, points):
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for x, y in points[1:]:
        qtbot.mouseMove(widget, QPoint(x, y))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def test_pad_draws_thick_strokes_under_the_mouse(app, qtbot):
    pad = DrawingPad()
    qtbot.addWidget(pad)
    pad.show()
    with qtbot.waitSignal(pad.drawing_changed):
        _stroke(qtbot, pad, [(140, 60), (140, 140), (140, 220)])
    ink = pad.ink()
    assert ink.shape == (CANVAS, CANVAS)
    assert ink[140, 140] == pytest.approx(1.0) and ink[140, 30] == 0.0
    width = np.count_nonzero(ink[140] > 0.5)
    assert abs(width - pad.pen_width) <= 2
    pad.clear()
    assert pad.is_blank()


def test_dropping_an_image_file_shows_it(app, qtbot, tmp_path):
    pad = DrawingPad()
    qtbot.addWidget(pad)
    pad.show()
    photo = np.full((56, 56), 255, np.uint8)
    photo[8:48, 26:30] = 0  # a dark "1" on white paper
    path = tmp_path / "one.png"
    write_image(path, photo)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(pad.image_dropped):
        pad.dropEvent(event)
    ink = pad.ink()
    assert ink[140, 140] > 0.9 and ink[20, 20] < 0.05


def test_unreadable_drop_reports_the_file(app, qtbot, tmp_path):
    pad = DrawingPad()
    qtbot.addWidget(pad)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    with qtbot.waitSignal(pad.drop_failed) as blocker:
        assert not pad.load_image(str(bad))
    assert "broken.png" in blocker.args[0]


def _batches(epochs=2, batches=5):
    step = 0
    for epoch in range(1, epochs + 1):
        for batch in range(1, batches + 1):
            step += 1
            yield {"epoch": epoch, "batch": batch, "batches": batches, "step": step,
                   "loss": 2.0 / step, "accuracy": step / 10, "lr": 0.1, "samples_per_s": 1e3}


def test_curves_get_points_hover_and_export(app, qtbot, tmp_path):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 600)
    panel.show()
    panel.reset("run 1", epochs=2)
    for event in _batches():
        panel.run.add_batch(event)
    panel.run.add_epoch({"epoch": 1, "train_loss": 0.5, "train_accuracy": 0.4, "test_loss": 0.6,
                         "test_accuracy": 0.35, "lr": 0.1, "seconds": 1.0})
    panel.run.add_stats({"step": 5, "layers": [{"index": 0, "name": "0 Conv2D",
                                                "grad_norm": 0.01, "weight_norm": 1.0,
                                                "update_ratio": 0.001}]})
    panel.refresh(fit=True)
    assert panel.point_count() == 10 * 3 + 4
    x, y = panel.curves["train loss (batch)"].getData()
    np.testing.assert_allclose(x[:2], [0.2, 0.4])
    np.testing.assert_allclose(y[-1], 0.2)
    assert "0 Conv2D" in panel.grad_curves
    text = panel.values_at("loss", 1.0)
    assert "train loss (batch) = 0.4" in text and "test loss (epoch) = 0.6" in text
    png, table = tmp_path / "curves.png", tmp_path / "curves.csv"
    panel.export_png(str(png))
    panel.export_csv(str(table))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.reader(table.open()))
    assert rows[0] == ["series", "epoch", "value"]
    assert ["test accuracy (epoch)", "1", "0.35"] in rows
    assert any(r[0] == "gradient norm 0 Conv2D" for r in rows)


def test_comparison_run_is_overlaid(app, qtbot):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    other = RunData(name="before")
    for event in _batches(1, 4):
        other.add_batch(event)
    panel.set_comparison(other)
    assert len(panel.compare_curves["train loss (batch)"].getData()[0]) == 4
    panel.set_comparison(None)
    assert panel.compare_curves["train loss (batch)"].getData()[0] is None


def test_a_learned_sobel_is_named_after_it():
    classics = classic_kernels(3)
    names = [name for name, _ in classics]
    assert "Sobel y" in names and "Gaussian" in names
    sobel_y = np.asarray(make_preset("Sobel y").values, np.float64)
    name, r = closest_kernel(sobel_y * 0.3 + 0.01, classics)
    assert name == "Sobel y" and r > 0.99
    name, r = closest_kernel(-sobel_y[None].repeat(2, axis=0), classics)
    assert name == "Sobel y" and r == pytest.approx(-1.0)


def test_filters_view_draws_a_tile_per_filter(app, qtbot, screenshot_dir):
    view = FiltersView()
    qtbot.addWidget(view)
    view.show()
    weights = np.zeros((4, 1, 3, 3), np.float32)
    weights[0, 0] = make_preset("Sobel x").values
    weights[1, 0] = -np.asarray(make_preset("Sobel y").values)
    weights[2, 0] = make_preset("Laplacian (4-neighbour)").values
    weights[3, 0] = np.random.default_rng(0).normal(size=(3, 3))
    view.set_layers([("0.weight", "block 0: Conv2D")])
    view.set_weights({"0.weight": weights})
    captions = view.grid.captions()
    assert len(captions) == 4 and view.draw_count == 1
    assert captions[0] == "#0 ~ Sobel x,\nr = 1.00"
    assert captions[1] == "#1 ~ −Sobel y,\nr = 1.00"
    assert "Laplacian (4-neighbour)" in captions[2]
    assert captions[3] == "#3"  # a random filter is like nothing in particular: no name
    assert "not named" in view.grid.tiles[3].toolTip()
    assert "3 of 4 named" in view.note.text()
    view.grab().save(str(screenshot_dir / "training_filters_view.png"))


def test_filters_view_marks_frozen_seeded_filters(app, qtbot, screenshot_dir):
    from core.nn.model import Sequential

    sobel_x = np.asarray(make_preset("Sobel x").values, np.float64).tolist()
    sobel_y = np.asarray(make_preset("Sobel y").values, np.float64).tolist()
    spec = {"name": "edges", "input_shape": [1, 8, 8], "layers": [
        {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 4, "kernel_size": 3},
         "init": {"kernels": [{"name": "Sobel x", "values": sobel_x},
                              {"name": "Sobel y", "values": sobel_y}], "freeze": True}},
        {"class": "Conv2D", "config": {"in_channels": 4, "out_channels": 2, "kernel_size": 3,
                                       "trainable": False},
         "init": {"kernels": [{"name": "Sobel y", "values": sobel_y}]}}]}
    model = Sequential.from_spec(spec)
    view = FiltersView()
    qtbot.addWidget(view)
    view.resize(700, 260)
    view.show()
    view.set_layers([("0.weight", "block 0"), ("1.weight", "block 1")], model.spec())
    view.set_weights(model.get_weights())
    captions = view.grid.captions()
    assert captions[:2] == ["#0 Sobel x (frozen)", "#1 Sobel y (frozen)"]
    assert "(frozen)" not in captions[2] and "(frozen)" not in captions[3]
    view.grab().save(str(screenshot_dir / "training_filters_frozen.png"))
    view.select_layer("1.weight")
    captions = view.grid.captions()
    assert captions[0] == "#0 Sobel y (frozen)" and captions[1].startswith("#1 (frozen)")
    unfrozen = dict(spec, layers=[dict(spec["layers"][0], init={
        "kernels": spec["layers"][0]["init"]["kernels"]})])
    view.set_layers([("0.weight", "block 0")], unfrozen)
    view.set_weights(Sequential.from_spec(unfrozen).get_weights())
    assert view.grid.captions()[0] == "#0 from Sobel x,\n~ Sobel x,\nr = 1.00"


def test_tile_maps_lays_out_each_map_with_separators():
    maps = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    mosaic = tile_maps(maps, columns=2)
    assert mosaic.shape == (2 * 5 - 1, 2 * 6 - 1, 3)
    assert mosaic[0, 0, 0] == 0 and mosaic[3, 4, 0] == 255  # each map stretched to 0..255
    assert tuple(mosaic[0, 5]) == (40, 60, 110)  # separator column


def test_probability_bars_highlight_the_top_class(app, qtbot):
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_classes(["cat", "dog", "bird"])
    bars.set_probabilities(np.array([0.2, 0.7, 0.1]))
    assert bars.top_class() == "dog"


def test_clicking_a_confusion_cell_shows_its_images(app, qtbot):
    results = ResultsView()
    qtbot.addWidget(results)
    results.resize(900, 600)
    results.show()
    qtbot.waitExposed(results)
    labels = np.array([0, 0, 1, 1, 2, 2, 2])
    probabilities = np.eye(3, dtype=np.float32)[[0, 1, 1, 1, 2, 0, 0]] * 0.8 + 0.2 / 3
    probabilities[6, 0] = 0.9
    images = np.random.default_rng(1).random((7, 1, 8, 8)).astype(np.float32)
    results.set_results(images, labels, probabilities, ["a", "b", "c"])
    np.testing.assert_array_equal(results.confusion.matrix, [[1, 1, 0], [0, 2, 0], [2, 0, 1]])
    assert list(most_confident_mistakes(probabilities, labels)) == [6, 1, 5]
    assert results.wrong_images.shown_count() == 3
    np.testing.assert_allclose(results.per_class.values, [0.5, 1.0, 1 / 3])
    view = results.confusion
    with qtbot.waitSignal(view.cell_clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.cell_centre(2, 0))
    assert blocker.args == [2, 0]
    assert results.cell_images.shown_count() == 2
    assert "True c, predicted a: 2 images" in results.cell_title.text()


def test_confusion_matrix_maps_cells_both_ways(app, qtbot):
    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    view.set_matrix(np.array([[5, 1], [2, 7]]), ["x", "y"])
    centre = view.mapToScene(view.cell_centre(1, 0))
    assert view.cell_at(centre) == (1, 0)


def test_empty_gradient_axis_shows_a_few_decades(app, qtbot):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    major, minor = panel.plots["grad"].getAxis("left")._tickLevels  # set by setTicks
    assert [text for _, text in major] == ["0.001", "0.01", "0.1", "1", "10"]
    assert minor == []
    low, high = panel.plots["grad"].viewRange()[1]
    assert low < -3 and high > 1  # every labelled decade is inside the view


def _finished_run(name, network, accuracy):
    run = RunData(name=name, network=network, data="MNIST 5k", stop_reason="finished")
    for step in range(1, 5):
        run.add_batch({"epoch": 1, "batch": step, "batches": 4, "loss": 2.0 / step,
                       "accuracy": accuracy, "lr": 0.05})
    run.add_stats({"step": 4, "layers": [{"name": "1 Dense", "grad_norm": 0.5}]})
    run.add_epoch({"epoch": 1, "train_loss": 0.8, "train_accuracy": 0.7, "test_loss": 0.9,
                   "test_accuracy": accuracy})
    return run


def test_runs_are_labelled_with_network_data_and_result():
    run = _finished_run("run 2", "deep_sigmoid", 0.6134)
    assert run.label() == "run 2: deep_sigmoid on MNIST 5k (finished, 61.3%)"
    assert run.title() == "run 2 deep_sigmoid"
    stopped = RunData(name="run 3", network="tiny", stop_reason="stopped")
    assert stopped.label() == "run 3: tiny (stopped)"
    history = type("H", (), {"batches": [], "epochs": [], "stats": [], "stop_reason": "finished",
                             "meta": {"data": "MNIST 5k (train)"}})()
    assert RunData.from_history(history, name="saved").data == "MNIST 5k"


def _pen_colour(item):
    return item.opts["pen"].color().getRgb()[:3]


def test_the_compared_run_is_named_and_drawn_in_its_own_colours(app, qtbot, screenshot_dir):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 560)
    panel.show()
    run = _finished_run("run 2", "deep_sigmoid", 0.61)
    run.epochs, run.learning_rate = 1, 0.5
    panel.show_run(run)
    assert panel.legend_texts("loss") == ["train, batch", "train, epoch", "test, epoch"]
    assert panel.legend_texts("grad") == ["1 Dense"]
    assert panel.legend_texts("lr") == []
    compared = _finished_run("run 1", "deep_relu", 0.9)
    compared.epochs, compared.learning_rate = 3, 0.01
    panel.set_comparison(compared)
    assert panel.comparison_legend() == "run 1: deep_relu, 3 epochs, lr 0.01"
    assert "run 1: deep_relu, 3 epochs, lr 0.01" in panel.runs_text()
    assert "run 2: deep_sigmoid, 1 epoch, lr 0.5 on MNIST 5k" in panel.runs_text()
    assert "(dashed: train, test)" in panel.runs_text()  # in the compared run's colours
    assert panel.legend_texts("accuracy") == ["train, batch", "train, epoch", "test, epoch"]
    assert panel.legend_texts("grad") == ["1 Dense", "run 1 (dashed)"]
    for name, item in panel.curves.items():  # none of the compared run's colours is reused
        assert _pen_colour(item) != _pen_colour(panel.compare_curves[name]), name
    assert _pen_colour(panel.grad_curves["1 Dense"]) != _pen_colour(
        panel.compare_grad_curves["1 Dense"])
    panel.grab().save(str(screenshot_dir / "training_compare_legend.png"))
    panel.set_comparison(compared, previous=True)
    assert panel.comparison_legend() == "previous run: deep_relu, 3 epochs, lr 0.01"
    assert "previous run: deep_relu, 3 epochs, lr 0.01 (dashed" in panel.runs_text()
    panel.reset("run 3")  # a new run keeps the comparison and its legend entries
    assert panel.legend_texts("grad") == ["prev. (dashed)"]
    assert "has not" not in panel.runs_text()
    panel.set_comparison(None)
    assert panel.legend_texts("grad") == [] and "deep_relu" not in panel.runs_text()


def test_each_legend_sits_in_its_own_plots_column(app, qtbot):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 560)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_run(_finished_run("run 2", "deep_sigmoid", 0.61))
    panel.set_comparison(_finished_run("run 1", "deep_relu", 0.9))
    qtbot.wait(50)
    for key, legend in panel.legends.items():
        plot = panel.plots[key].sceneBoundingRect()
        box = legend.sceneBoundingRect()
        assert box.top() >= plot.bottom() - 1, key  # under its plot, not over the lines
        assert box.left() >= plot.left() - 1 and box.right() <= plot.right() + 1, key
        for other, plot_item in panel.plots.items():
            if other != key:
                assert not box.intersects(plot_item.sceneBoundingRect()), (key, other)


def test_eight_layers_and_a_compared_run_fit_a_1024_window(app, qtbot, screenshot_dir):
    """The deep sigmoid net's gradient legend (eight layers and the compared run) at the width
    the curves get in a 1024x768 window: every plot and legend whole, after a shrink too."""
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(1250, 560)
    panel.show()
    qtbot.waitExposed(panel)
    run = _finished_run("run 3", "deep_sigmoid", 0.11)
    run.add_stats({"step": 4, "layers": [{"name": f"{2 * k + 1} Dense", "grad_norm": 0.1 ** k}
                                         for k in range(8)]})
    panel.show_run(run)
    panel.set_comparison(_finished_run("run 1", "reference", 0.9))
    assert len(panel.legend_texts("grad")) == 9
    qtbot.wait(50)
    panel.resize(670, 560)  # what the curves get in a 1024x768 window
    qtbot.waitUntil(lambda: panel.graphics.width() <= 670)
    qtbot.wait(50)
    graphics = panel.graphics
    view = QRectF(graphics.rect())
    for key in panel.plots:
        plot = graphics.mapFromScene(panel.plots[key].sceneBoundingRect()).boundingRect()
        legend = graphics.mapFromScene(panel.legends[key].sceneBoundingRect()).boundingRect()
        assert view.contains(QRectF(plot)), (key, plot, view)
        assert view.contains(QRectF(legend)), (key, legend, view)
    assert panel.legends["grad"].columnCount < 4
    panel.grab().save(str(screenshot_dir / "training_eight_layer_legend.png"))


def test_runs_keep_their_settings_from_a_history():
    history = type("H", (), {"batches": [], "epochs": [], "stats": [], "stop_reason": "finished",
                             "meta": {"epochs": 3, "optimizer": {"class": "SGD",
                                                                 "config": {"lr": 0.01}}}})()
    run = RunData.from_history(history, name="saved")
    assert (run.epochs, run.learning_rate) == (3, 0.01)
    assert run.legend_name(previous=True) == "previous run: 3 epochs, lr 0.01"
    odd = type("H", (), {"batches": [], "epochs": [], "stats": [], "stop_reason": "",
                         "meta": {"epochs": True, "optimizer": {"config": "fast"}}})()
    assert RunData.from_history(odd).settings_text() == ""
