"""A network and a data set: the one rule that fits them, and whether training continues.

A source whose images can take several forms (an image folder's size, grey or colour, how many
kinds of generated shapes) gives the form the network takes (`data_options`); then a new network
follows the data (input shape, classes, the outputs of the last block with an
`OUTPUTS_SETTING`); a trained network whose training continues is never changed and is refused
when the data does not fit it. Both front ends (the command line and the app) use this module.
Nothing here allocates weights.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import NamedTuple

from core.data.sequences import DISTRACTORS
from core.data.shapes import DEFAULT_KINDS, SHAPE_KINDS
from core.data.sources import SEQUENCE_TASKS, sequence_steps
from core.nn.layer import LAYERS
from core.nn.spec import SpecError, analyse, check_spec, fill_inputs, first_error, normalise


class DataDescription(NamedTuple):
    """What `fit_to_data` needs of a data set (a `core.data.datasets.Dataset` has the same)."""

    name: str
    shape: tuple
    class_names: list


@dataclass(frozen=True)
class Fitted:
    """A spec fitted to a data set and what changed in it."""

    spec: dict
    note: str = ""  # what changed, in words ("" when nothing did)
    outputs_block: int | None = None  # the block that now gives one output per class


def outputs_block(spec) -> int | None:
    """The last block with an OUTPUTS_SETTING (the one whose outputs a classifier's class count
    fixes), or None."""
    return next((i for i in range(len(spec["layers"]) - 1, -1, -1)
                 if LAYERS[spec["layers"][i]["class"]].OUTPUTS_SETTING), None)


def _dims(shape) -> str:
    return "x".join(str(int(s)) for s in shape)


def _misfit(spec: dict, shape: tuple, classes: list, name: str) -> str:
    """Why a trained network cannot go on training on this data ("" when it can)."""
    reports = analyse(spec)
    out = reports[-1].output_shape if reports else None
    outputs = int(out[0]) if out is not None and len(out) == 1 else None
    network, data = [], []
    if tuple(int(s) for s in spec["input_shape"]) != shape:
        network.append(f"takes {_dims(spec['input_shape'])} inputs")
        data.append(f"{_dims(shape)} images")
    if outputs != len(classes):
        network.append(f"has {outputs if outputs is not None else 'no'} outputs")
        data.append(f"{len(classes)} classes")
    if not network:
        return ""
    return (f"the trained network {' and '.join(network)} but {name} has {' and '.join(data)}; "
            "train a new network for this data set")


def fit_to_data(spec: dict, data, *, trained: bool = False, check: bool = True) -> Fitted:
    """Fit a network to a data set (`data` has `name`, `shape` (C, H, W) and `class_names`).

    A new network follows the data: its input becomes the images' shape, its classes the data
    set's, the last block with an OUTPUTS_SETTING gives one output per class, and in_channels /
    in_features are filled again. A trained network (`trained=True`) whose training continues
    is never changed: SpecError says what does not fit. With `check`, SpecError also names the
    block of a new network that cannot take these images.
    """
    check_spec(spec)
    shape = tuple(int(s) for s in data.shape)
    classes = [str(c) for c in data.class_names]
    if trained:
        problem = _misfit(spec, shape, classes, data.name)
        if problem:
            raise SpecError(problem)
        return Fitted(copy.deepcopy(spec))
    fitted = copy.deepcopy(spec)
    notes, changed = [], None
    if [int(s) for s in fitted["input_shape"]] != list(shape):
        notes.append(f"input set to {_dims(shape)} for {data.name}")
        fitted["input_shape"] = list(shape)
    fitted["classes"] = classes
    index = outputs_block(fitted) if classes else None
    if index is not None:
        block = fitted["layers"][index]
        setting = LAYERS[block["class"]].OUTPUTS_SETTING
        default = next(s.default for s in LAYERS[block["class"]].SETTINGS if s.name == setting)
        config = block.setdefault("config", {})
        if config.get(setting, default) != len(classes):
            config[setting] = len(classes)
            changed = index
            notes.append(f"{data.name} has {len(classes)} classes: the last {block['class']} "
                         f"(block {index}) now gives {len(classes)} outputs")
    fitted = fill_inputs(fitted)
    if check:
        bad = first_error(analyse(fitted))
        if bad is not None:
            raise SpecError(f"The network cannot take {data.name} ({_dims(shape)} images): "
                            f"block {bad.index + 1} ({bad.class_name}): {bad.error}", bad.index)
    return Fitted(fitted, ("; ".join(notes) + ".") if notes else "", changed)


def network_difference(spec: dict, trained: dict, data=None) -> str:
    """"" when `spec` (fitted to `data` first, if given; see `fit_to_data`) is the network
    `trained` describes, so training it continues `trained`; else "input" when only what a data
    set decides differs (input shape, classes, outputs of the last block with an
    OUTPUTS_SETTING), or "blocks". Decided without building either network."""
    try:
        if data is not None:
            spec = fit_to_data(spec, data).spec
        mine = normalise(spec)
    except SpecError:
        return "blocks"
    theirs = normalise(trained)
    if mine["input_shape"] != theirs["input_shape"]:
        return "input"
    if mine["layers"] != theirs["layers"]:
        outputs = analyse(theirs)[-1].output_shape if theirs["layers"] else None
        classes = theirs.get("classes") or [str(k) for k in range(outputs[0] if outputs else 0)]
        own_data = DataDescription("the trained network's data", theirs["input_shape"], classes)
        try:
            refitted = normalise(fit_to_data(spec, own_data).spec)
        except SpecError:
            return "blocks"
        return "input" if refitted["layers"] == theirs["layers"] else "blocks"
    return ""


def _sequence_options(source: str, kind: str, input_shape) -> dict:
    """A generated sequence task gives as many steps as the network takes (unless the source
    names them: "first-symbol:30"), and first-symbol as many symbols as fit the values per step
    (besides its distractors)."""
    if sequence_steps(source) is not None or not isinstance(input_shape, list | tuple) or len(
            input_shape) != 2:
        return {}
    steps, values = (int(s) for s in input_shape)
    options = {"steps": steps}
    if kind == "first-symbol" and 2 <= values - DISTRACTORS <= 26:
        options["symbols"] = values - DISTRACTORS
    return options


def data_options(source: str, network: dict) -> dict:
    """Loader options (for `core.data.sources.load_dataset`) that make `source` give the images the
    network (a spec) takes: its input (C, H, W) and, for generated shapes, one kind per output
    (the spec's classes when they name shapes); for a generated sequence task, the network's
    number of steps."""

    kind = str(source).split(":", 1)[0].strip().lower()
    input_shape = network.get("input_shape") if isinstance(network, dict) else None
    if kind in SEQUENCE_TASKS:
        return _sequence_options(source, kind, input_shape)
    if not isinstance(input_shape, list | tuple) or len(input_shape) != 3:
        return {}
    channels, height, width = (int(s) for s in input_shape)
    if kind == "folder":
        return {"size": (height, width), "grey": channels == 1}
    if kind == "cifar10":
        return {"grey": channels == 1}
    if kind != "shapes":
        return {}
    classes = network.get("classes")
    if classes and all(c in SHAPE_KINDS for c in classes):
        kinds = list(classes)
    else:
        try:
            out = analyse(network)[-1].output_shape if network.get("layers") else None
        except SpecError:
            out = None
        outputs = int(out[0]) if out is not None and len(out) == 1 else len(DEFAULT_KINDS)
        kinds = list(DEFAULT_KINDS if outputs == len(DEFAULT_KINDS) else SHAPE_KINDS[:outputs])
    return {"size": height, "colour": channels == 3, "kinds": kinds}
