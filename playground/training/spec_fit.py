"""Fit a network spec to a data set (input shape, classes, last Dense outputs). No Qt."""

from __future__ import annotations

import copy
import json


def default_spec() -> dict:
    """The shipped reference network (resources/models/reference.json)."""
    from core.resources import resource_path

    return json.loads(resource_path("models", "reference.json").read_text(encoding="utf-8"))


def fit_spec_to_data(spec: dict, train) -> tuple[dict, str]:
    """(spec, note): a copy of `spec` whose input is the data set's (C, H, W), whose classes are
    its class names and whose last Dense has one output per class, with in_channels /
    in_features filled. `note` says what changed ("" if nothing). Raises ValueError (naming the
    block) when the network cannot take these images."""
    from core.nn.model import analyse, fill_inputs

    fitted = copy.deepcopy(spec)
    notes = []
    shape = [int(s) for s in train.shape]
    if [int(s) for s in fitted.get("input_shape", [])] != shape:
        notes.append(f"input set to {'x'.join(map(str, shape))} for {train.name}")
        fitted["input_shape"] = shape
    classes = [str(c) for c in train.class_names]
    fitted["classes"] = classes
    dense = [i for i, layer in enumerate(fitted["layers"]) if layer["class"] == "Dense"]
    if dense:
        config = fitted["layers"][dense[-1]]["config"]
        if config.get("out_features") != len(classes):
            notes.append(f"last Dense now gives {len(classes)} outputs")
            config["out_features"] = len(classes)
    fitted = fill_inputs(fitted)
    bad = next((r for r in analyse(fitted) if r.error), None)
    if bad is not None:
        raise ValueError(
            f"The network cannot take {train.name} ({'x'.join(map(str, shape))} images): "
            f"block {bad.index + 1} ({bad.class_name}): {bad.error}"
        )
    return fitted, ("; ".join(notes) + ".") if notes else ""


def conv_layers(model) -> list[tuple[str, str]]:
    """[(weight key, label)] of the model's blocks with 4-D weights (convolutions)."""
    found = []
    for index, layer in enumerate(model.layers):
        weight = getattr(layer, "params", {}).get("weight")
        if weight is not None and weight.ndim == 4:
            found.append((f"{index}.weight", f"block {index}: {layer!r}"))
    return found
