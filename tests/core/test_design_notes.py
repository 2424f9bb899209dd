"""Legal but odd designs are noted: two activations in a row, no activation between two weighted
blocks, a Softmax before the end; sound networks get no note."""

import pytest

from core.nn.design_notes import design_notes, notes_by_block
from core.nn.spec import read_spec
from core.nn.templates import shipped_templates


def _layers(*names):
    return [{"class": name, "config": {}} for name in names]


def test_two_activations_in_a_row_are_noted_on_the_second():
    notes = design_notes(_layers("Flatten", "Dense", "ReLU", "Sigmoid", "Dense"))
    assert [(n.index, n.related) for n in notes] == [(3, 2)]
    assert "Two activations in a row" in notes[0].text
    assert "ReLU at block 2" in notes[0].text and "Sigmoid" in notes[0].text


def test_reshaping_dropout_and_pooling_between_do_not_hide_a_pair():
    notes = design_notes(_layers("Conv2D", "ReLU", "MaxPool2D", "Dropout", "ReLU"))
    assert [(n.index, n.related) for n in notes] == [(4, 1)]


@pytest.mark.parametrize(("names", "pair", "why"), [
    (("Flatten", "Dense", "Dense"), (2, 1), "just one weighted sum"),
    (("Conv2D", "Conv2D", "Flatten", "Dense"), (1, 0), "just one weighted sum"),
    (("Conv2D", "MaxPool2D", "Conv2D"), (2, 0), "only the pooling"),
    (("Flatten", "Dense", "Dropout", "Dense"), (3, 1), "just one weighted sum"),
])
def test_two_weighted_blocks_without_an_activation_are_noted(names, pair, why):
    notes = design_notes(_layers(*names))
    assert [(n.index, n.related) for n in notes] == [pair]
    assert "No activation between" in notes[0].text and why in notes[0].text
    assert notes[0].short == f"no activation after block {pair[1]}"


def test_a_convolution_then_a_dense_block_is_a_different_pair():
    assert design_notes(_layers("Conv2D", "Flatten", "Dense")) == []


def test_a_softmax_before_the_end_is_noted_and_at_the_end_it_is_not():
    notes = design_notes(_layers("Flatten", "Dense", "Softmax", "Dense"))
    assert [(n.index, n.related) for n in notes] == [(2, None)]
    assert "not the last" in notes[0].text and notes[0].short == "softmax before the end"
    assert design_notes(_layers("Flatten", "Dense", "Softmax")) == []


def test_an_activation_before_the_final_softmax_counts_as_two_in_a_row():
    notes = notes_by_block(_layers("Flatten", "Dense", "Sigmoid", "Softmax"))
    assert list(notes) == [3] and "Two activations" in notes[3][0].text
    assert notes[3][0].short == "two activations in a row"


def test_unknown_blocks_are_left_to_the_spec_reader():
    assert design_notes(_layers("ReLU", "Mystery", "ReLU")) == []
    assert design_notes([]) == []


def test_no_shipped_template_gets_a_note():
    for path in shipped_templates():
        assert design_notes(read_spec(path)["layers"]) == [], path.name
