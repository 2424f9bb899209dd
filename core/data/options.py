"""Which images a data source gives for a network: read from the network's spec.

The sources whose images can take several forms (an image folder's size, grey or colour, how many
kinds of generated shapes) give the form the network takes; the others give what they hold and
the network follows them (see `core.nn.spec_fit`).
"""

from __future__ import annotations


def data_options(source: str, network: dict) -> dict:
    """Loader options (for `core.data.sources.load_dataset`) that make `source` give the images the
    network (a spec) takes: its input (C, H, W) and, for generated shapes, one kind per output
    (the spec's classes when they name shapes)."""
    from core.data.shapes import DEFAULT_KINDS, SHAPE_KINDS
    from core.nn.spec import SpecError, analyse

    kind = str(source).split(":", 1)[0].strip().lower()
    input_shape = network.get("input_shape") if isinstance(network, dict) else None
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
