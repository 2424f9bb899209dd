"""File > Export trained model…: choose the format, then where; the files are worked out off
the GUI thread and put in place; every failure is one message."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.nn.model import Sequential
from core.train.bundle import load_bundle, save_bundle
from core.train.recipe import Recipe

TINY = {"name": "tiny", "input_shape": [1, 28, 28], "classes": [str(d) for d in range(10)],
        "layers": [{"class": "Flatten", "config": {}},
                   {"class": "Dense", "config": {"in_features": 784, "out_features": 10}}]}


def _open_trained(window, tmp_path, spec=TINY):
    save_bundle(tmp_path / "trained", Sequential.from_spec(spec),
                recipe=Recipe(normalize=True, mean=[0.1], std=[0.3]))
    window.training.open_model(str(tmp_path / "trained.json"))


def _error_text(window) -> str:
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert len(boxes) == 1
    text = boxes[0].text()
    boxes[0].close()
    return text


def test_export_asks_the_format_then_the_folder_and_writes_it(main_window, qtbot, tmp_path,
                                                              screenshot_dir):
    _open_trained(main_window, tmp_path)
    main_window.file_menu.aboutToShow.emit()
    assert main_window.export_action.isEnabled()
    main_window.export_action.trigger()
    box = main_window.findChild(QMessageBox, "exportFormatBox")
    assert box is not None and box.isVisible()
    assert "PyTorch folder" in box.informativeText() and "pip install" in box.informativeText()
    box.grab().save(str(screenshot_dir / "export_format_box.png"))
    pytorch = next(b for b in box.buttons() if b.text() == "PyTorch folder…")
    qtbot.mouseClick(pytorch, Qt.MouseButton.LeftButton)
    dialog = main_window.model_export.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.grab().save(str(screenshot_dir / "export_folder_dialog.png"))
    target = tmp_path / "tiny-pytorch"
    with qtbot.waitSignal(main_window.model_export.exported, timeout=30_000) as done:
        dialog.selectFile(str(target))
        dialog.accept()
    assert done.args == [str(target)]
    for name in ("model.py", "weights.npz", "train.py", "predict.py", "README.md"):
        assert (target / name).is_file()
    assert "MEAN = [0.1]" in (target / "model.py").read_text()
    assert "python train.py" in main_window.statusBar().currentMessage()


def test_export_without_a_trained_model_says_so(main_window):
    main_window.file_menu.aboutToShow.emit()
    assert not main_window.export_action.isEnabled()
    main_window.model_export.start()
    assert "no trained model to export yet" in _error_text(main_window)


def test_a_network_pytorch_cannot_represent_is_one_message(main_window, qtbot, tmp_path):
    spec = {**TINY, "layers": [
        {"class": "Rows", "config": {}},
        {"class": "RNN", "config": {"input_size": 28, "hidden_size": 4,
                                    "nonlinearity": "sigmoid"}},
        {"class": "Dense", "config": {"in_features": 4, "out_features": 10}}]}
    _open_trained(main_window, tmp_path, spec)
    with qtbot.waitSignal(main_window.model_export.failed, timeout=30_000):
        main_window.model_export.export_to("pytorch", str(tmp_path / "out"))
    assert "knows only tanh and relu" in _error_text(main_window)
    assert not (tmp_path / "out").exists()


def test_export_as_onnx_asks_where_and_writes_a_file_onnxruntime_runs(main_window, qtbot,
                                                                     tmp_path, screenshot_dir):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    _open_trained(main_window, tmp_path)
    main_window.export_action.trigger()
    box = main_window.findChild(QMessageBox, "exportFormatBox")
    qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "ONNX file…"),
                     Qt.MouseButton.LeftButton)
    dialog = main_window.model_export.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.grab().save(str(screenshot_dir / "export_onnx_dialog.png"))
    target = tmp_path / "digits.onnx"
    with qtbot.waitSignal(main_window.model_export.exported, timeout=30_000) as done:
        dialog.selectFile(str(target))
        dialog.accept()
    assert done.args == [str(target)]
    assert "(ONNX)" in main_window.statusBar().currentMessage()
    bundle = load_bundle(tmp_path / "trained")
    images = np.random.default_rng(0).random((100, 1, 28, 28), dtype=np.float32)
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(["probabilities"], {"input": images})
    np.testing.assert_allclose(probabilities,
                               bundle.model.predict(bundle.preprocessing.apply(images)),
                               rtol=0, atol=1e-5)


def test_the_missing_onnx_extra_is_named(main_window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` fails as if not installed
    _open_trained(main_window, tmp_path)
    with qtbot.waitSignal(main_window.model_export.failed, timeout=30_000):
        main_window.model_export.export_to("onnx", str(tmp_path / "m.onnx"))
    text = _error_text(main_window)
    assert text.startswith("exporting to ONNX needs the onnx package")
    assert "pip install .[export]" in text
    assert not (tmp_path / "m.onnx").exists()
