"""The inspector edits settings with validation and shows the formulas with the numbers; the seed
dialog puts filter-studio kernels into a Conv2D block."""

import json
import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QStandardPaths, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton

from core.image.kernels import make_preset, save_kernel
from core.nn.model import Sequential
from core.nn.spec import analyse
from core.resources import resource_path
from playground.builder.builder_tab import BuilderTab


@pytest.fixture
def reference():
    return json.loads(resource_path("models", "reference.json").read_text())


@pytest.fixture
def tab(qtbot, reference):
    from playground.app import make_application

    make_application()
    widget = BuilderTab(reference)
    qtbot.addWidget(widget)
    widget.resize(1200, 780)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def plain(label):
    return re.sub(r"<[^>]+>", "\n", label.text()).replace("&amp;", "&")


def choose(qtbot, radio):
    """Click a radio button on its indicator, as a person would."""
    qtbot.waitExposed(radio.window())
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked()


def set_spin(qtbot, box, value):
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, str(value))
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_formula_totals_equal_core_counts(tab, reference):
    reports = analyse(reference)
    model = Sequential.from_spec(reference)
    for i, report in enumerate(reports):
        tab.canvas.set_selection([i], i)
        text = plain(tab.inspector.params_formula)
        last = int(re.findall(r"\d[\d,]*", text)[-1].replace(",", ""))
        assert last == report.params == model.layers[i].param_count(), text
    tab.canvas.set_selection([7], 7)
    assert "784 inputs x 10 outputs = 7,840 weights + 10 biases = 7,850" in plain(
        tab.inspector.params_formula)
    tab.canvas.set_selection([2], 2)
    assert "(28 - 2) / 2 + 1 = 14" in plain(tab.inspector.output_formula)


def test_the_course_notes_example(qtbot):
    from playground.app import make_application

    make_application()
    spec = {"input_shape": [3, 9, 9], "layers": [
        {"class": "Conv2D", "config": {"out_channels": 3, "kernel_size": 3, "stride": 2,
                                       "padding": 2}}]}
    tab = BuilderTab(spec)
    qtbot.addWidget(tab)
    tab.canvas.set_selection([0], 0)
    assert ("3 x 3 x 3 inputs per filter x 3 filters = 81 weights + 3 biases = 84"
            in plain(tab.inspector.params_formula))
    assert "(9 + 2 x 2 - 3) / 2 + 1 = 6" in plain(tab.inspector.output_formula)
    assert tab.canvas.card_texts(0)["shape"] == "3 x 6 x 6"
    in_channels = tab.inspector.editors["in_channels"]
    assert isinstance(in_channels, QLabel) and in_channels.text().startswith("3 ")


def test_settings_edit_validate_and_undo(tab, qtbot, reference):
    inspector = tab.inspector
    tab.canvas.set_selection([0], 0)
    QApplication.processEvents()
    set_spin(qtbot, inspector.editors["out_channels"], 12)
    assert tab.spec()["layers"][0]["config"]["out_channels"] == 12
    assert tab.spec()["layers"][3]["config"]["in_channels"] == 12
    assert tab.canvas.card_texts(0)["label"] == "Conv 12@3x3 s1 p1"
    padding = inspector.editors["padding"]
    padding.setValue(padding.minimum())
    assert padding.text() == "same" and tab.spec()["layers"][0]["config"]["padding"] == "same"
    set_spin(qtbot, inspector.editors["kernel_size"], 4)
    assert inspector.problem.text() == 'Conv2D: padding "same" needs an odd kernel size; received 4'

    assert tab.spec()["layers"][0]["config"]["kernel_size"] == 3
    assert inspector.editors["kernel_size"].value() == 3
    inspector.editors["trainable"].setChecked(False)
    assert tab.spec()["layers"][0]["config"]["trainable"] is False
    assert "frozen" in tab.canvas.card_texts(0)["tags"]
    for _ in range(3):
        tab.document.undo_stack.undo()
    assert tab.spec() == reference


def test_pool_stride_empty_means_the_size(tab):
    tab.canvas.set_selection([2], 2)
    stride = tab.inspector.editors["stride"]
    assert stride.text() == "= size"
    stride.setValue(1)
    assert tab.spec()["layers"][2]["config"]["stride"] == 1
    assert tab.canvas.card_texts(2)["shape"] == "8 x 27 x 27"
    stride.setValue(stride.minimum())
    assert tab.spec()["layers"][2]["config"]["stride"] is None


def test_input_inspector_binds_classes(tab, qtbot):
    tab.canvas.set_selection([-1], -1)
    QApplication.processEvents()
    inspector = tab.inspector
    set_spin(qtbot, inspector.editors["channels"], 3)
    assert tab.spec()["input_shape"] == [3, 28, 28]
    assert tab.canvas.card_texts(0)["params"] == "224 params"
    classes = inspector.editors["classes"]
    classes.setFocus()
    classes.selectAll()
    qtbot.keyClicks(classes, "cat, dog")
    with qtbot.waitSignal(tab.status_message, check_params_cb=lambda text: "2 outputs" in text):
        qtbot.keyClick(classes, Qt.Key.Key_Return)
    assert tab.spec()["classes"] == ["cat", "dog"]
    assert tab.spec()["layers"][-1]["config"]["out_features"] == 2
    assert "The last Dense (block 7) now has 2 outputs" in tab.status.text()
    tab.document.undo_stack.undo()
    assert tab.status.text() == "Undone: Bind data set. Ctrl+Shift+Z redoes it."


def test_bind_dataset_from_the_training_tab(tab):
    message = tab.bind_dataset(3, 32, 32, ["plane", "car", "bird"])
    assert "The last Dense (block 7) now has 3 outputs" in message
    assert tab.canvas.card_texts(-1)["shape"] == "3 x 32 x 32"
    assert tab.canvas.card_texts(7)["shape"] == "3"
    assert tab.train_button.isEnabled()


def test_seed_dialog_puts_kernels_into_the_block(tab, qtbot, tmp_path):
    tab.canvas.set_selection([0], 0)
    QApplication.processEvents()
    qtbot.mouseClick(tab.inspector.seed_button, Qt.MouseButton.LeftButton)
    dialog = tab.seed_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.add_kernel("Sobel x") and dialog.add_kernel("Gaussian")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not dialog.load_kernel_file(str(bad))
    assert "bad.json" in dialog.message.text() and "JSON" in dialog.message.text()
    mine = tmp_path / "mine.json"
    save_kernel(mine, make_preset("Sobel y"))
    assert dialog.load_kernel_file(str(mine))
    assert dialog.add_kernel(dialog.available.currentItem().text())
    assert dialog.learn_all.isChecked()
    choose(qtbot, dialog.freeze_block)
    dialog.accept()
    layer = tab.spec()["layers"][0]
    names = [k["name"] for k in layer["init"]["kernels"]]
    assert names == ["Sobel x", "Gaussian", "Sobel y (file)"]
    np.testing.assert_allclose(layer["init"]["kernels"][0]["values"],
                               make_preset("Sobel x").effective(), rtol=0, atol=1e-7)
    gaussian = make_preset("Gaussian", size=3).effective()
    np.testing.assert_allclose(layer["init"]["kernels"][1]["values"], gaussian, atol=1e-7)
    assert layer["config"]["trainable"] is False
    assert tab.canvas.card_texts(0)["tags"] == "seeded: Sobel x, Gaussian, Sobel y (file); frozen"
    assert "72 trainable" not in tab.canvas.total_text()
    assert tab.canvas.total_text() == "Total: 9,098 parameters (9,018 trainable, 80 frozen)"
    assert "Seeded filters: Sobel x" in tab.inspector.seeds.text()
    tab.document.undo_stack.undo()
    assert "init" not in tab.spec()["layers"][0]


def test_seed_dialog_can_freeze_only_the_seeded_filters(tab, qtbot, screenshot_dir):
    tab.canvas.set_selection([0], 0)
    QApplication.processEvents()
    qtbot.mouseClick(tab.inspector.seed_button, Qt.MouseButton.LeftButton)
    dialog = tab.seed_dialog
    assert dialog.add_kernel("Sobel x") and dialog.add_kernel("Sobel y")
    assert dialog.freeze_seeded.text().startswith("Freeze only these filters")
    assert dialog.freeze_block.text().startswith("Freeze the whole block")
    choose(qtbot, dialog.freeze_seeded)
    assert dialog.freeze_seeded.isChecked() and not dialog.freeze_block.isChecked()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(screenshot_dir / "builder_seed_freeze_choice.png"))
    dialog.accept()
    layer = tab.spec()["layers"][0]
    assert layer["init"]["freeze"] is True and "trainable" not in layer["config"]
    texts = tab.canvas.card_texts(0)
    assert texts["params"] == "80 params, 20 frozen"  # 2 filters x (9 weights + 1 bias)
    assert texts["tags"] == "seeded: Sobel x, Sobel y; 2 seeded filters frozen"
    assert tab.canvas.total_text() == "Total: 9,098 parameters (9,078 trainable, 20 frozen)"
    inspector = plain(tab.inspector.params_formula)
    assert "the 2 seeded filters (20 params) are frozen, the rest learn" in inspector
    assert "(frozen: these filters stay as seeded, the others learn)" in tab.inspector.seeds.text()
    tab.canvas.grab().save(str(screenshot_dir / "builder_seed_frozen_card.png"))
    model = Sequential.from_spec(tab.spec())
    assert model.layers[0].frozen_filters == 2 and model.frozen_param_count() == 20
    again = tab.open_seed_dialog(0)  # the dialog shows the choice made
    assert again.freeze_seeded.isChecked()
    choose(qtbot, again.freeze_block)
    again.accept()
    layer = tab.spec()["layers"][0]
    assert layer["config"]["trainable"] is False and "freeze" not in layer["init"]
    assert tab.canvas.card_texts(0)["params"] == "80 params"
    assert tab.canvas.total_text() == "Total: 9,098 parameters (9,018 trainable, 80 frozen)"
    tab.document.undo_stack.undo()
    assert tab.spec()["layers"][0]["init"]["freeze"] is True


def test_seed_dialog_refuses_more_kernels_than_filters(tab, qtbot):
    tab.document.set_setting(0, "out_channels", 1)
    dialog = tab.open_seed_dialog(0)
    assert dialog.add_kernel("Sobel x")
    assert not dialog.add_kernel("Sobel y")
    assert dialog.message.text().startswith("The only filter already has a kernel")
    dialog.reject()
    assert tab.open_seed_dialog(1) is None  # a ReLU has no filters


BAD_VALUES = {"name": "broken", "input_shape": [1, 28, 28], "classes": ["a", "b"], "layers": [
    {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": "eight", "kernel_size": -3,
                                   "stride": None, "padding": [1], "init": "zeros",
                                   "trainable": "yes"}},
    {"class": "MaxPool2D", "config": {"size": "two", "stride": 2.5}},
    {"class": "Dropout", "config": {"p": "half"}},
    {"class": "Flatten", "config": {}},
    {"class": "Dense", "config": {"out_features": -1}},
]}


def click_card(qtbot, canvas, index):
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     canvas.card_rect(index).center())


def test_the_inspector_shows_any_value_without_failing(qtbot, screenshot_dir):
    """A spec made in code can hold anything: each block is shown, wrong values framed red."""
    from playground.app import make_application

    make_application()
    tab = BuilderTab(BAD_VALUES)
    qtbot.addWidget(tab)
    tab.resize(1200, 780)
    tab.show()
    qtbot.waitExposed(tab)
    inspector = tab.inspector
    for index in (-1, 0, 1, 2, 3, 4):
        click_card(qtbot, tab.canvas, index)
        assert inspector.index == index
    click_card(qtbot, tab.canvas, 0)
    out_channels = inspector.editors["out_channels"]
    assert "#c62828" in inspector.labels["out_channels"].styleSheet()
    assert inspector.labels["out_channels"].text() == "out channels ⚠"
    assert "out channels must be a whole number; received 'eight'" in out_channels.toolTip()
    assert "kernel size must be at least 1; received -3" in inspector.labels[
        "kernel_size"].toolTip()
    assert isinstance(inspector.editors["init"], QComboBox)
    assert inspector.editors["init"].currentIndex() == -1
    assert inspector.labels["stride"].styleSheet() != ""
    assert inspector.labels["in_channels"].styleSheet() == ""
    assert "Fix its settings first: out channels must be" in plain(
        inspector.output_formula)
    assert tab.canvas.card_texts(0)["label"] == "Conv eight@-3x-3 sNone p[1]"
    qtbot.waitUntil(out_channels.isVisible)
    tab.grab().save(str(screenshot_dir / "builder_bad_values.png"))


def test_one_setting_can_be_fixed_while_another_is_still_wrong(qtbot):
    from playground.app import make_application

    make_application()
    spec = {"input_shape": [1, 28, 28], "layers": [{"class": "Conv2D", "config": {
        "out_channels": "eight", "kernel_size": -3}}]}
    tab = BuilderTab(spec)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    click_card(qtbot, tab.canvas, 0)
    inspector = tab.inspector
    set_spin(qtbot, inspector.editors["out_channels"], 8)
    assert tab.spec()["layers"][0]["config"]["out_channels"] == 8
    assert inspector.problem.text() == ""
    assert inspector.labels["out_channels"].styleSheet() == ""
    assert "#c62828" in inspector.labels["kernel_size"].styleSheet()
    set_spin(qtbot, inspector.editors["kernel_size"], 5)
    assert tab.spec()["layers"][0]["config"] == {"in_channels": 1, "out_channels": 8,
                                                 "kernel_size": 5}
    assert tab.canvas.card_texts(0)["shape"] == "8 x 24 x 24"
    assert inspector.labels["kernel_size"].styleSheet() == ""
    # once the block is valid, an edit that breaks it is refused again
    inspector.editors["padding"].setValue(inspector.editors["padding"].minimum())
    assert tab.spec()["layers"][0]["config"]["padding"] == "same"
    set_spin(qtbot, inspector.editors["kernel_size"], 4)
    assert tab.spec()["layers"][0]["config"]["kernel_size"] == 5
    assert "odd kernel size" in inspector.problem.text()


def test_undo_and_redo_keys_work_while_a_field_has_focus(tab, qtbot):
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    tab.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is tab)
    tab.canvas.set_selection([0], 0)
    box = tab.inspector.editors["out_channels"]
    qtbot.waitUntil(box.isVisible)
    set_spin(qtbot, box, 12)
    assert box.hasFocus() and tab.spec()["layers"][0]["config"]["out_channels"] == 12
    qtbot.keyClick(box, Qt.Key.Key_Z, ctrl)
    assert tab.spec()["layers"][0]["config"]["out_channels"] == 8 and box.value() == 8
    qtbot.keyClick(box, Qt.Key.Key_Z, ctrl | shift)
    assert tab.spec()["layers"][0]["config"]["out_channels"] == 12 and box.value() == 12
    qtbot.keyClick(box, Qt.Key.Key_Z, ctrl)
    qtbot.keyClick(box, Qt.Key.Key_Y, ctrl)
    assert tab.spec()["layers"][0]["config"]["out_channels"] == 12
    # the classes field of the Input and the network's name
    tab.canvas.set_selection([-1], -1)
    classes = tab.inspector.editors["classes"]
    qtbot.waitUntil(classes.isVisible)
    classes.setFocus()
    assert classes.hasFocus()
    qtbot.keyClick(classes, Qt.Key.Key_Z, ctrl)
    assert tab.spec()["layers"][0]["config"]["out_channels"] == 8
    tab.name_edit.setFocus()
    qtbot.keyClick(tab.name_edit, Qt.Key.Key_Z, ctrl | shift)
    assert tab.spec()["layers"][0]["config"]["out_channels"] == 12
    assert tab.name_edit.text() == "reference"
    # undoing the block being edited takes its field away: the keys still reach the network
    new = tab.document.insert_block(8, "Dense")
    tab.canvas.set_selection([new], new)
    features = tab.inspector.editors["out_features"]
    qtbot.waitUntil(features.isVisible)
    set_spin(qtbot, features, 3)
    qtbot.keyClick(features, Qt.Key.Key_Z, ctrl)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, ctrl)
    assert tab.document.layer_count() == 8
    assert tab.isAncestorOf(QApplication.focusWidget())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, ctrl | shift)
    assert tab.document.layer_count() == 9


def test_the_seed_dialog_lists_kernels_saved_in_the_filter_studio(tab, qtbot, tmp_path,
                                                                  monkeypatch, screenshot_dir):
    folder = tmp_path / "kernels"
    folder.mkdir()
    save_kernel(folder / "my edge.json", make_preset("Sobel y"))
    save_kernel(folder / "Box 5.json", make_preset("Box blur", n=5))
    (folder / "broken.json").write_text("{not json")
    monkeypatch.setattr("playground.widgets.user_kernels.user_kernel_folder", lambda: folder)
    tab.canvas.set_selection([0], 0)
    QApplication.processEvents()
    qtbot.mouseClick(tab.inspector.seed_button, Qt.MouseButton.LeftButton)
    dialog = tab.seed_dialog
    from core.image.kernels import PRESETS

    rows = [dialog.available.item(i).text() for i in range(dialog.available.count())]
    offered = [name for name in rows if name in PRESETS]
    assert rows[len(offered):] == ["My kernels", "Box 5", "my edge"]
    assert dialog.kernel_names()[len(offered):] == ["Box 5", "my edge"]
    assert "broken.json" in dialog.message.text()
    dialog.available.setCurrentRow(rows.index("my edge"))
    assert dialog.preview.text().startswith("my edge at 3 x 3")
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(screenshot_dir / "builder_seed_dialog.png"))
    add = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Add →")
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert dialog.add_kernel("Box 5")
    dialog.accept()
    kernels = tab.spec()["layers"][0]["init"]["kernels"]
    assert [k["name"] for k in kernels] == ["my edge", "Box 5"]
    np.testing.assert_allclose(kernels[0]["values"], make_preset("Sobel y").effective(),
                               rtol=0, atol=1e-7)
    # the centre 3 x 3 of a 5 x 5 box blur: every weight 1/25
    np.testing.assert_allclose(kernels[1]["values"], np.full((3, 3), 1 / 25), rtol=0, atol=1e-7)


def test_the_builder_reads_the_studios_kernel_folder():
    from playground.filters.presets_panel import user_kernel_folder as studio_folder
    from playground.widgets.user_kernels import user_kernel_folder

    assert user_kernel_folder() == studio_folder()
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    assert str(user_kernel_folder()) == str(base) + "/Playground/kernels"
