"""The network document: every edit is one undoable command; the analysis follows core.nn.model."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.nn.model import Sequential
from core.nn.spec import analyse
from core.resources import resource_path
from playground.builder.network_document import NetworkDocument


@pytest.fixture
def reference():
    return json.loads(resource_path("models", "reference.json").read_text())


@pytest.fixture
def document(qapp):
    return NetworkDocument()


def classes_of(doc):
    return [layer["class"] for layer in doc.spec()["layers"]]


def test_insert_fills_inputs_and_defaults(document):
    document.insert_block(0, "Conv2D")
    document.insert_block(1, "Flatten")
    document.insert_block(2, "Dense")
    spec = document.spec()
    assert spec["layers"][0]["config"] == {"in_channels": 1, "out_channels": 8, "kernel_size": 3,
                                           "stride": 1, "padding": 0}
    assert spec["layers"][2]["config"]["in_features"] == 8 * 26 * 26
    assert document.total_params() == Sequential.from_spec(spec).param_count()
    assert document.undo_stack.count() == 3


def test_every_edit_undoes_and_redoes(document, qtbot):
    steps = [
        lambda: document.insert_block(0, "Conv2D"),
        lambda: document.insert_block(1, "ReLU"),
        lambda: document.insert_block(0, "Dropout"),
        lambda: document.move_blocks([0], 3),
        lambda: document.duplicate_blocks([1]),
        lambda: document.set_setting(0, "out_channels", 4),
        lambda: document.remove_blocks([1, 2]),
        lambda: document.bind_dataset(3, 32, 32, ["cat", "dog"]),
        lambda: document.set_kernel_init(0, [{"name": "a", "values": [[1.0]]}], False),
    ]
    states = [document.spec()]
    for step in steps:
        with qtbot.waitSignal(document.spec_changed):
            step()
        states.append(document.spec())
    assert len({json.dumps(s, sort_keys=True) for s in states}) == len(states)
    for expected in reversed(states[:-1]):
        document.undo_stack.undo()
        assert document.spec() == expected
    for expected in states[1:]:
        document.undo_stack.redo()
        assert document.spec() == expected


def test_move_blocks_to_a_gap(document):
    for name in ("Conv2D", "ReLU", "MaxPool2D", "Flatten"):
        document.insert_block(document.layer_count(), name)
    assert document.move_blocks([2], 1) == [1]
    assert classes_of(document) == ["Conv2D", "MaxPool2D", "ReLU", "Flatten"]
    assert document.move_blocks([0, 1], 4) == [2, 3]
    assert classes_of(document) == ["ReLU", "Flatten", "Conv2D", "MaxPool2D"]
    count = document.undo_stack.count()
    assert document.move_blocks([1], 1) == [1]  # onto itself: no command
    assert document.undo_stack.count() == count


def test_setting_steps_merge_into_one_undo(document):
    document.insert_block(0, "Conv2D")
    for value in (9, 10, 11):
        document.set_setting(0, "out_channels", value)
    assert document.layer(0)["config"]["out_channels"] == 11
    document.undo_stack.undo()
    assert document.layer(0)["config"]["out_channels"] == 8


def test_optional_settings_only_appear_when_changed(document):
    document.insert_block(0, "Conv2D")
    document.set_setting(0, "trainable", False)
    assert document.layer(0)["config"]["trainable"] is False
    document.set_setting(0, "trainable", True)
    assert "trainable" not in document.layer(0)["config"]


def test_bind_dataset_sets_input_classes_and_last_dense(reference, qapp):
    document = NetworkDocument(reference)
    message = document.bind_dataset(3, 32, 32, ["a", "b", "c"])
    spec = document.spec()
    assert spec["input_shape"] == [3, 32, 32] and spec["classes"] == ["a", "b", "c"]
    assert spec["layers"][0]["config"]["in_channels"] == 3
    assert spec["layers"][-1]["config"]["out_features"] == 3
    assert spec["layers"][-1]["config"]["in_features"] == 16 * 8 * 8
    assert "3 outputs" in message and "3 x 32 x 32" in message
    assert document.train_blocker() is None
    document.undo_stack.undo()
    assert document.spec() == reference


def test_analysis_matches_core_and_blocker_reasons(reference, qapp):
    document = NetworkDocument(reference)
    assert [(r.output_shape, r.params) for r in document.analysis()] == [
        (r.output_shape, r.params) for r in analyse(reference)]
    assert document.train_blocker() is None
    document.remove_blocks([6])  # Flatten
    assert "Flatten" in document.train_blocker()
    document.undo_stack.undo()
    document.set_setting(7, "out_features", 4)
    assert "10 classes" in document.train_blocker()
    document.remove_blocks(range(8))
    assert "empty" in document.train_blocker()


def test_more_seeds_than_filters_blocks_training(reference, qapp):
    document = NetworkDocument(reference)
    seeds = [{"name": f"k{i}", "values": [[float(i)]]} for i in range(3)]
    document.set_kernel_init(0, seeds, True)
    assert document.train_blocker() is None
    document.set_setting(0, "out_channels", 2)
    assert document.train_blocker() == ("Block 0 has 3 seed kernels for 2 filters; remove 1 or "
                                        "add filters.")


EDIT = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 12), st.sampled_from(
        ["Conv2D", "MaxPool2D", "AvgPool2D", "Dense", "Flatten", "ReLU", "Dropout", "Softmax"])),
    st.tuples(st.just("remove"), st.lists(st.integers(0, 12), max_size=3)),
    st.tuples(st.just("move"), st.lists(st.integers(0, 12), min_size=1, max_size=3),
              st.integers(0, 12)),
    st.tuples(st.just("duplicate"), st.lists(st.integers(0, 12), max_size=2)),
    st.tuples(st.just("channels"), st.integers(0, 12), st.integers(1, 20)),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(EDIT, max_size=10))
def test_random_edits_match_core_and_undo_fully(edits):
    start = json.loads(resource_path("models", "reference.json").read_text())
    document = NetworkDocument(start)
    for edit in edits:
        kind, n = edit[0], document.layer_count()
        if kind == "insert":
            document.insert_block(edit[1], edit[2])
        elif kind == "remove":
            document.remove_blocks(edit[1])
        elif kind == "move":
            document.move_blocks(edit[1], edit[2])
        elif kind == "duplicate":
            document.duplicate_blocks(edit[1])
        elif edit[1] < n and document.layer(edit[1])["class"] == "Conv2D":
            document.set_setting(edit[1], "out_channels", edit[2])
        spec = document.spec()
        expected = analyse(spec)
        assert [(r.output_shape, r.params, r.error) for r in document.analysis()] == [
            (r.output_shape, r.params, r.error) for r in expected]
        if document.train_blocker() is None:
            assert Sequential.from_spec(spec).param_count() == document.total_params()
    final = document.spec()
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.spec() == start
    while document.undo_stack.canRedo():
        document.undo_stack.redo()
    assert document.spec() == final


@pytest.mark.parametrize("shape", [(0, 28, 28), (1, 28, 28, 1), (0, 28), (1.5,), ("3", 32, 32)])
def test_bad_input_shapes_are_refused(document, shape):
    with pytest.raises(ValueError, match="positive integers"):
        document.set_input_shape(shape)
    assert document.undo_stack.count() == 0


def test_numpy_sizes_are_fine(document):
    import numpy as np

    document.bind_dataset(*np.array([3, 32, 32]), ["a", "b"])
    assert document.spec()["input_shape"] == [3, 32, 32]
    assert json.dumps(document.spec())


def test_a_sequence_data_set_binds_steps_and_features(document):
    message = document.bind_dataset(30, 8, ["A", "B", "C", "D"])
    assert document.input_shape == (30, 8) and document.classes == ["A", "B", "C", "D"]
    assert message.startswith("Input set to 30 x 8 with 4 classes.")
