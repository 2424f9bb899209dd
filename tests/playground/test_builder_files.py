"""Templates, saving and opening specs: what the builder saves loads and trains headless, and a
spec written by hand opens in the builder; bad files get a message naming the problem."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.files.images import write_image
from core.nn.kernel_init import apply_kernel_init
from core.nn.model import Sequential
from core.nn.spec import SpecError, read_spec
from core.nn.templates import shipped_templates
from core.resources import resource_path
from core.train.bundle import load_bundle
from playground.builder.builder_tab import BuilderTab

HAND_WRITTEN = """{
  "input_shape": [1, 12, 12],
  "classes": ["ring", "bar"],
  "layers": [
    {"class": "Conv2D", "config": {"out_channels": 4, "kernel_size": 5, "padding": "same"}},
    {"class": "Tanh", "config": {}},
    {"class": "AvgPool2D", "config": {"size": 3}},
    {"class": "Flatten", "config": {}},
    {"class": "Dense", "config": {"out_features": 2}},
    {"class": "Softmax", "config": {}}
  ]
}
"""


@pytest.fixture
def tab(qtbot):
    from playground.app import make_application

    make_application()
    widget = BuilderTab()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_starts_with_the_reference_and_lists_templates(tab):
    reference = json.loads(resource_path("models", "reference.json").read_text())
    assert tab.spec() == reference
    titles = [a.text() for a in tab.templates_menu.actions()]
    assert titles == ["Sigmoid chain U, V, W", "Deep ReLU net", "Deep sigmoid net", "LeNet-5",
                      "LSTM reading digits row by row", "Reference CNN",
                      "RNN reading digits row by row", "RNN remembering the first symbol",
                      "Tiny CNN on 9x9 (pad 2, stride 2)", "Tiny MLP"]
    assert len(titles) == len(shipped_templates())


def test_a_template_opens_clean_and_from_the_top(tab, qtbot):
    tab.resize(1100, 600)
    tab.document.set_setting(0, "out_channels", 6)
    assert tab.title.text() == "*"
    bar = tab.canvas_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    lenet = next(a for a in tab.templates_menu.actions() if a.text() == "LeNet-5")
    lenet.trigger()
    answer_replace(qtbot, tab, "Replace")
    assert tab.spec()["name"] == "lenet5" and tab.document.layer_count() == 12
    assert tab.title.text() == "" and tab.document.undo_stack.isClean()
    assert bar.value() == 0
    assert tab.status.text() == "Opened template LeNet-5: 12 blocks."
    tab.document.set_setting(0, "out_channels", 8)
    assert tab.title.text() == "*"
    tab.document.undo_stack.undo()
    assert tab.title.text() == ""


def answer_replace(qtbot, tab, button_text):
    """Wait for the "Replace the unsaved network?" box and click one of its buttons."""
    qtbot.waitUntil(lambda: tab.replace_box is not None and tab.replace_box.isVisible())
    box = tab.replace_box
    assert box.text() == "Replace the unsaved network?"
    assert box.isModal() or box.windowModality() != Qt.WindowModality.NonModal
    button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())


def test_a_template_asks_before_replacing_unsaved_changes(tab, qtbot, screenshot_dir):
    tab.document.set_setting(0, "out_channels", 6)
    tiny = next(a for a in tab.templates_menu.actions() if a.text() == "LeNet-5")
    tiny.trigger()
    assert tab.document.layer(0)["config"]["out_channels"] == 6  # not yet replaced
    qtbot.waitUntil(lambda: tab.replace_box is not None and tab.replace_box.isVisible())
    tab.replace_box.grab().save(str(screenshot_dir / "builder_replace_question.png"))
    answer_replace(qtbot, tab, "Cancel")
    assert tab.spec()["name"] != "lenet5"
    assert tab.document.layer(0)["config"]["out_channels"] == 6
    assert tab.status.text() == "Kept the unsaved network."
    tiny.trigger()
    answer_replace(qtbot, tab, "Replace")
    assert tab.spec()["name"] == "lenet5"
    tab.document.undo_stack.undo()  # replacing is undoable
    assert tab.document.layer(0)["config"]["out_channels"] == 6
    assert not tab.document.undo_stack.isClean()


def test_a_saved_network_is_replaced_without_a_question(tab, qtbot):
    assert tab.document.undo_stack.isClean()
    lenet = next(a for a in tab.templates_menu.actions() if a.text() == "LeNet-5")
    lenet.trigger()
    assert tab.spec()["name"] == "lenet5" and tab.replace_box is None


def test_open_and_new_ask_too(tab, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "one.json"
    path.write_text('{"name": "one", "input_shape": [4], "layers": [{"class": "Dense", '
                    '"config": {"out_features": 2}}]}')
    monkeypatch.setattr("playground.builder.builder_tab.QFileDialog.getOpenFileName",
                        lambda *args, **kwargs: (str(path), ""))
    tab.document.set_setting(0, "out_channels", 6)
    tab.open_action.trigger()
    answer_replace(qtbot, tab, "Replace")
    assert tab.spec()["name"] == "one"
    tab.document.set_setting(0, "out_features", 3)
    tab.new_action.trigger()
    assert tab.document.layer_count() == 1
    answer_replace(qtbot, tab, "Replace")
    assert tab.document.layer_count() == 0


def test_a_network_opened_elsewhere_is_clean(tab, tmp_path):
    """The Training tab shows the network of an opened model through `load_spec`."""
    path = tmp_path / "one.json"
    path.write_text('{"input_shape": [4], "layers": [{"class": "Dense", "config": '
                    '{"out_features": 2}}]}')
    tab.document.load_spec(read_spec(path), "Open trained network")
    assert tab.title.text() == "" and tab.document.undo_stack.isClean()
    tab.document.undo_stack.undo()
    assert tab.title.text() == "*"
    tab.document.undo_stack.redo()
    assert tab.open_spec_file(path)
    assert tab.status.text() == "Opened one.json: 1 block."
    assert "1 block, 10 parameters." in tab.inspector.title.text()


@pytest.mark.parametrize("path", shipped_templates(), ids=lambda p: p.stem)
def test_every_template_opens_and_matches_core(tab, path):
    assert tab.open_spec_file(path, template=True)
    spec = tab.spec()
    model = Sequential.from_spec(spec)
    assert tab.canvas.total_text().startswith(f"Total: {model.param_count():,} parameters")
    assert tab.train_button.isEnabled(), tab.train_reason.text()


def test_saved_spec_loads_in_core_and_reopens(tab, tmp_path, qtbot):
    tab.document.set_setting(0, "out_channels", 6)
    tab.document.set_kernel_init(0, [{"name": "Sobel x", "values": [[-1, 0, 1]] * 3}], False)
    path = tmp_path / "mine"
    assert tab.save_spec_file(path)
    saved = tmp_path / "mine.json"
    assert saved.is_file() and "mine.json" in tab.status.text()
    spec = json.loads(saved.read_text())
    assert spec == tab.spec()
    model = Sequential.from_spec(spec)
    assert model.layers[0].params["weight"].shape == (6, 1, 3, 3)
    assert model.layers[0].trainable is False
    assert apply_kernel_init(model, spec) == 1
    np.testing.assert_array_equal(model.layers[0].params["weight"][0, 0], [[-1, 0, 1]] * 3)
    other = BuilderTab({"input_shape": [1, 28, 28], "layers": []})
    qtbot.addWidget(other)
    assert other.open_spec_file(saved)
    assert other.spec() == spec
    other.document.undo_stack.undo()
    assert other.spec()["layers"] == []


def test_hand_written_spec_opens(tab, tmp_path):
    path = tmp_path / "by_hand.json"
    path.write_text(HAND_WRITTEN)
    assert tab.open_spec_file(path)
    spec = tab.spec()
    assert spec["name"] == "by_hand"
    assert spec["layers"][0]["config"]["in_channels"] == 1
    assert spec["layers"][4]["config"]["in_features"] == 4 * 4 * 4
    assert tab.canvas.card_texts(0)["label"] == "Conv 4@5x5 s1 same"
    assert tab.canvas.card_texts(2)["shape"] == "4 x 4 x 4"
    assert tab.canvas.card_texts(5)["shape"] == "2"
    assert tab.train_button.isEnabled(), tab.train_reason.text()
    assert Sequential.from_spec(spec).param_count() == 4 * 25 + 4 + 64 * 2 + 2


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not valid JSON"),
    ('{"layers": []}', "input_shape"),
    ('{"input_shape": [1, 28, 28], "layers": [{"class": "Transformer"}]}', "Transformer"),
    ('{"input_shape": [1, 8, 8], "layers": [{"class": "Conv2D", "config": {}, "init": 3}]}',
     '"init" must be'),
])
def test_bad_files_get_a_clear_message(tab, tmp_path, qtbot, text, problem):
    before = tab.spec()
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(SpecError, match=problem):
        read_spec(path)
    assert not tab.open_spec_file(path)
    box = tab.error_box
    assert isinstance(box, QMessageBox) and "broken.json" in box.text() and problem in box.text()
    box.close()
    assert tab.spec() == before and "Could not open broken.json" in tab.status.text()


BAD_SETTINGS = '{"name": "broken", "input_shape": [1, 28, 28], "classes": ["a", "b"], ' \
    '"layers": [{"class": "Conv2D", "config": {"in_channels": 1, "out_channels": "eight", ' \
    '"kernel_size": -3}}]}'


@pytest.mark.parametrize("config, problem", [
    ('{"out_channels": "eight", "kernel_size": -3}',
     "block 0 (Conv2D): out_channels must be a whole number; received 'eight'"),
    ('{"kernel_size": 40}', "block 0 (Conv2D): kernel_size must be at most 31; received 40"),
    ('{"padding": "valid"}',
     'block 0 (Conv2D): padding must be a whole number or "same"; received \'valid\''),
    ('{"kernel_size": 4, "padding": "same"}',
     'block 0 (Conv2D): padding "same" needs an odd kernel_size; received 4'),
    ('{"kernal_size": 3}', "block 0 (Conv2D): has no setting 'kernal_size'"),
    ('{"trainable": "no"}', "block 0 (Conv2D): trainable must be true or false; received 'no'"),
])
def test_bad_setting_values_are_refused_naming_block_and_setting(tab, tmp_path, qtbot, config,
                                                                  problem):
    before = tab.spec()
    path = tmp_path / "broken.json"
    path.write_text('{"input_shape": [1, 28, 28], "layers": [{"class": "Conv2D", "config": '
                    f'{config}}}]}}')
    with pytest.raises(SpecError) as caught:
        read_spec(path)
    assert str(caught.value).startswith(f"{path}: {problem}")
    assert not tab.open_spec_file(path)
    box = tab.error_box
    assert box.text().startswith(f"{path}: {problem}")
    box.close()
    assert tab.spec() == before and tab.document.undo_stack.count() == 0
    assert tab.status.text() == "Could not open broken.json."


def test_every_bad_setting_is_listed(tab, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(BAD_SETTINGS)
    assert not tab.open_spec_file(path)
    assert tab.error_box.text() == (
        f"{path}: block 0 (Conv2D): out_channels must be a whole number; received 'eight'\n\n"
        "Also:\n• block 0 (Conv2D): kernel_size must be at least 1; received -3")
    tab.error_box.close()


def test_a_stack_that_does_not_fit_still_opens(tab, tmp_path):
    pools = ", ".join(['{"class": "MaxPool2D", "config": {}}'] * 6)
    path = tmp_path / "too_deep.json"
    path.write_text(f'{{"input_shape": [1, 28, 28], "layers": [{pools}]}}')
    assert tab.open_spec_file(path)
    assert tab.canvas.card_texts(4)["error"].endswith("gets 1x1 maps, smaller than its 2x2 window")
    assert not tab.train_button.isEnabled()


def test_an_interrupted_save_keeps_the_old_file(tab, tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    path.write_text("old")

    def broken_dumps(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.nn.spec.json.dumps", broken_dumps)
    assert not tab.save_spec_file(path)
    assert path.read_text() == "old"
    assert "No space left" in tab.error_box.text()
    tab.error_box.close()


def _tiny_folder(root):
    """Two classes of 12x12 grey images: a bright square or a bright bar, 8 of each."""
    rng = np.random.default_rng(0)
    for name in ("bar", "ring"):
        (root / name).mkdir(parents=True)
        for i in range(8):
            image = (rng.random((12, 12)) * 40).astype(np.uint8)
            if name == "bar":
                image[:, 5:7] = 250
            else:
                image[3:9, 3:9] = 250
                image[5:7, 5:7] = 0
            write_image(root / name / f"{i}.png", image)


def test_builder_spec_trains_with_the_command_line(tab, tmp_path, capsys):
    from playground.cli import run_cli

    data = tmp_path / "data"
    _tiny_folder(data)
    path = tmp_path / "by_hand.json"
    path.write_text(HAND_WRITTEN)
    assert tab.open_spec_file(path)
    tab.bind_dataset(1, 12, 12, ["bar", "ring"])
    assert tab.save_spec_file(tmp_path / "built.json")
    prefix = tmp_path / "trained"
    code = run_cli(["train", str(tmp_path / "built.json"), "--data", f"folder:{data}",
                    "--epochs", "1", "--batch-size", "4", "--out", str(prefix)])
    assert code == 0, capsys.readouterr()
    model = load_bundle(prefix).model
    assert model.param_count() == Sequential.from_spec(tab.spec()).param_count()


def test_rename_is_undoable_and_saved(tab, qtbot, tmp_path):
    tab.name_edit.setFocus()
    tab.name_edit.selectAll()
    qtbot.keyClicks(tab.name_edit, "edges first")
    qtbot.keyClick(tab.name_edit, Qt.Key.Key_Return)
    assert tab.spec()["name"] == "edges first" and tab.title.text() == "*"
    assert tab.save_spec_file(tmp_path / "edges.json")
    assert json.loads((tmp_path / "edges.json").read_text())["name"] == "edges first"
    assert tab.title.text() == ""
    tab.document.undo_stack.undo()
    assert tab.spec()["name"] == "reference" and tab.name_edit.text() == "reference"
    assert "Conv 8@3x3 s1 p1, output 8 x 28 x 28, 80 params" in tab.canvas.accessibleDescription()
