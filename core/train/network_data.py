"""Which data a network was made for: the one rule the backprop lab's sample picker, the lessons
and the command line's examples share.

`data_made_for(network, trained_on)` gives a `core.data.sources.load_dataset` source: the data
the network was trained on when it was (the training tab's recipe), else its template's own data
(the sigmoid chain learns parity, the tiny CNN tells shapes apart), else what fits its input: a
network whose classes are shape names reads generated shapes, a sequence of one or two values per
step a parity or marked-number task, classes A, B, C... the first-symbol task, a 28 x 28 grey
input (or a sequence of its rows) the bundled digits, any other picture generated shapes of its
size.

`lab_data` says how the lab offers samples of that source, and `load_lab_samples` loads a few
of them in the network's form (off the GUI thread: it takes `should_stop`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.data.datasets import Dataset
from core.data.sequences import DISTRACTORS
from core.data.shapes import SHAPE_KINDS
from core.data.sources import SEQUENCE_TASKS, load_dataset
from core.jobs import StopFn
from core.train.fitting import data_options

TEMPLATE_DATA = {"chain_sigmoid": "parity", "tiny_cnn_9x9": "shapes",
                 "rnn_first_symbol": "first-symbol"}
"""The shipped templates made for other data than the bundled digits."""
SEQUENCE_CLASSES = {("even", "odd"): "parity", ("first", "second"): "marked"}
DIGITS = "mnist-5k"
LAB_SAMPLES = 200
"""How many samples of a generated data set the lab offers."""


def _kind(source: str) -> str:
    return str(source).split(":", 1)[0].strip().lower()


def _shape(network: dict) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in network.get("input_shape") or ())
    except (TypeError, ValueError):
        return ()


def data_made_for(network: dict, trained_on: str = "") -> str:
    """The `load_dataset` source of the data `network` (a spec) was made for; see the module
    docstring for the order of the rules."""
    if trained_on:
        return str(trained_on)
    name = network.get("name")
    if isinstance(name, str) and name in TEMPLATE_DATA:
        return TEMPLATE_DATA[name]
    classes = tuple(str(c) for c in network.get("classes") or ())
    shape = _shape(network)
    if classes and all(c in SHAPE_KINDS for c in classes) and len(shape) != 2:
        return "shapes"
    if len(shape) == 2:
        values = shape[1]
        if classes in SEQUENCE_CLASSES:
            return SEQUENCE_CLASSES[classes]
        if values == 1:
            return "parity"
        if values == 2:
            return "marked"
        letters = [chr(ord("A") + k) for k in range(len(classes))]
        if classes and list(classes) == letters and values - DISTRACTORS >= len(classes):
            return "first-symbol"
        return DIGITS
    if len(shape) == 3 and (shape[0] != 1 or shape[1:] != (28, 28)):
        return "shapes"
    return DIGITS


@dataclass(frozen=True)
class LabData:
    """How the lab offers samples: `source` (a `load_dataset` source), `sample_kind`
    ("digits", "shapes", "sequences" or "images": a loaded data set read by index), the shape
    kinds a generated shape can take, whether a drawn digit fits the input, and the words."""

    source: str
    sample_kind: str
    shape_kinds: tuple[str, ...]
    drawing: bool
    title: str


def lab_data(network: dict, trained_on: str = "") -> LabData:
    """What the backprop lab offers for `network`: samples of the data it was made for (see
    `data_made_for`), and a drawn digit when its input is a picture."""
    source = data_made_for(network, trained_on)
    kind = _kind(source)
    shape = _shape(network)
    picture = len(shape) == 3 or (len(shape) == 1 and int(np.sqrt(shape[0])) ** 2 == shape[0])
    if kind == "shapes":
        kinds = tuple(data_options(source, network).get("kinds") or SHAPE_KINDS)
        return LabData(source, "shapes", kinds, picture, "Generated shape")
    if kind in SEQUENCE_TASKS:
        return LabData(source, "sequences", (), False, f"Sequence of the {kind} task")
    if kind in (DIGITS, "mnist5k", ""):
        return LabData(DIGITS, "digits", (), picture, "Digit from the test set")
    return LabData(source, "images", (), picture, "Image of the training data")


def load_lab_samples(source: str, network: dict, *, count: int = LAB_SAMPLES,
                     should_stop: StopFn = None) -> Dataset:
    """The test split of `source` as the network takes it (`data_options`); a generated
    sequence task gives `count` samples of the network's number of steps."""
    options = data_options(source, network)
    if _kind(source) in SEQUENCE_TASKS:
        options = {**options, "train": 1, "test": int(count)}
    return load_dataset(source, should_stop=should_stop, **options)[1]
