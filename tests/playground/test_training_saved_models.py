"""The training tab takes a saved model's preprocessing from the model, not from its history
file or the data set loaded: Try it, the results and continued training prepare inputs the
way the model was trained."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.data.digits import fit_input
from core.resources import resource_path
from core.train.bundle import load_bundle
from playground.cli import run_cli

WAIT_MS = 90_000


@pytest.fixture
def normalised_model(tmp_path):
    spec = resource_path("models", "tiny_mlp.json")
    assert run_cli(["train", str(spec), "--normalize", "--epochs", "1",
                    "--out", str(tmp_path / "m")]) == 0
    saved = load_bundle(tmp_path / "m")
    assert saved.preprocessing.mean is not None
    (tmp_path / "m.history.json").unlink()  # the preprocessing is not read from there
    return tmp_path / "m.json", saved


def test_an_opened_normalised_model_brings_its_preprocessing(board, qtbot, normalised_model):
    path, saved = normalised_model
    assert board.dataset_panel.train.mean is None  # the loaded data set is not standardised
    board.open_model(str(path))
    assert (board.try_it.mean, board.try_it.std) == (saved.preprocessing.mean,
                                                     saved.preprocessing.std)
    board.views.setCurrentWidget(board.try_it)
    board.try_it.pad.draw_stroke([(140, 60), (140, 220)])
    x = fit_input(board.try_it.input, (1, 28, 28))
    expected = saved.model.predict(saved.preprocessing.apply(x))[0]
    np.testing.assert_allclose(board.try_it.bars.probabilities, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(saved.model.predict(x)[0], expected, atol=1e-3)
    # The feature maps run the chosen test image through the model prepared the same way.
    board.feature_maps.sample.setValue(3)
    board.feature_maps.refresh()
    sample = board.dataset_panel.test.images[3:4]
    expected = saved.model.predict(saved.preprocessing.apply(sample))[0]
    np.testing.assert_allclose(board.feature_maps.bars.probabilities, expected, rtol=1e-5,
                               atol=1e-6)
    # Trained further, it keeps the mean and std it was trained with.
    board.hyper_panel.train_limit.setValue(200)
    board.hyper_panel.test_limit.setValue(100)
    assert board.controls.start_button.text() == "Continue"
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS):
        qtbot.mouseClick(board.controls.start_button, Qt.MouseButton.LeftButton)
    assert board.recipe.mean == saved.preprocessing.mean
    assert board._test.mean == saved.preprocessing.mean
    assert board.try_it.mean == saved.preprocessing.mean
    assert board.history.meta["recipe"]["mean"] == saved.preprocessing.mean
