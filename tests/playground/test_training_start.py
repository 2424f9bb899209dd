"""Start builds the network once, compares specs without building, and the Training tab loads
images in the form its network takes."""

import copy

import numpy as np

from core.files.images import write_image
from core.nn.model import Sequential

WAIT_MS = 90_000


def _count_builds(monkeypatch) -> dict:
    """Count Sequential.from_spec and Sequential.__init__ calls from now on."""
    counts = {"from_spec": 0, "init": 0}
    from_spec, init = Sequential.from_spec.__func__, Sequential.__init__

    def counted_from_spec(cls, *args, **kwargs):
        counts["from_spec"] += 1
        return from_spec(cls, *args, **kwargs)

    def counted_init(self, *args, **kwargs):
        counts["init"] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(Sequential, "from_spec", classmethod(counted_from_spec))
    monkeypatch.setattr(Sequential, "__init__", counted_init)
    return counts


def _run(qtbot, board, counts) -> dict:
    counts.update(from_spec=0, init=0)
    with qtbot.waitSignal(board.training_finished, timeout=WAIT_MS):
        assert board.start(), board.last_error
    return dict(counts)


def test_start_builds_the_network_once_and_continuing_builds_none(board, qtbot, monkeypatch):
    """Before one spec module, a first Start built the network 3 times, a Start that continued
    3 times, an edit in the builder 2 times and a Start after it 5 times."""
    board.hyper_panel.epochs.setValue(1)
    board.hyper_panel.train_limit.setValue(64)
    board.hyper_panel.test_limit.setValue(32)
    counts = _count_builds(monkeypatch)
    assert _run(qtbot, board, counts) == {"from_spec": 1, "init": 1}
    first = board.model
    assert _run(qtbot, board, counts) == {"from_spec": 0, "init": 0}
    assert board.model is first and board.shadow is not first  # the views keep their own copy
    edited = copy.deepcopy(board.spec)
    edited["layers"].insert(1, {"class": "ReLU", "config": {}})
    counts.update(from_spec=0, init=0)
    board.set_spec(edited)
    assert counts == {"from_spec": 0, "init": 0}
    assert board.network_difference() == "blocks"
    assert _run(qtbot, board, counts) == {"from_spec": 1, "init": 1}
    assert board.model is not first


def test_a_folder_loads_at_the_size_and_colour_of_the_network(board, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (tmp_path / name).mkdir()
        for i in range(6):
            write_image(tmp_path / name / f"{i}.png", rng.integers(0, 255, (40, 30, 3), np.uint8))
    spec = copy.deepcopy(board.spec)
    spec["input_shape"] = [3, 20, 20]
    board.set_spec(spec)
    board.dataset_panel.set_source("folder", str(tmp_path))
    with qtbot.waitSignal(board.dataset_panel.dataset_loaded, timeout=WAIT_MS) as loaded:
        assert board.dataset_panel.load()
    train = loaded.args[0]
    assert train.shape == (3, 20, 20) and train.class_names == ["cats", "dogs"]
