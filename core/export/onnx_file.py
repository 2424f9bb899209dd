"""A trained network written as one ONNX file (opset 17) that onnxruntime and other tools run.

The file holds the whole way from an input to class probabilities, so nothing is retyped:

- input "input", (batch, *input shape) float32, the batch size left open: the inputs as
  Playground's data sets give them (images with values 0..1, pixels / 255). When the model was
  trained on standardised data, the graph standardises first, (x - mean) / std per channel
  (nodes "standardise"), with the mean and std saved with the model;
- one node (or a few) per block, named like the builder's cards ("0 Conv 8@3x3 s1 p1"), the
  weights named like the engine's ("0.weight");
- outputs "probabilities" (batch, classes), the softmax over the class scores (a trailing
  Softmax block, or the softmax `Sequential.predict` applies), and "logits", the scores before it.

The file's doc string says the same for the network at hand; its metadata holds the class names
and the mean and std. onnx is an optional extra (`pip install .[export]`), imported only here.
"""

from __future__ import annotations

import json
import os

import numpy as np

from core import __version__
from core.export.errors import ExportRefused, MissingExtra
from core.export.onnx_blocks import BLOCKS, GraphParts, write_block
from core.files.atomic import atomic_write
from core.nn.layer import describe_shape
from core.nn.wording import plural

OPSET = 17
IR_VERSION = 8  # the ONNX file format of opset 17, read by every runtime that runs opset 17
MAX_BYTES = 2 ** 31 - 2 ** 24  # protobuf's 2 GB for one file, less room for the graph
INPUT, PROBABILITIES, LOGITS = "input", "probabilities", "logits"


def export_onnx(model, path: str | os.PathLike, *, preprocessing=None) -> None:
    """Write the network `model` (a `core.nn.model.Sequential`) to the ONNX file `path`,
    replacing it whole; see `onnx_bytes` for `preprocessing` and the errors."""
    data = onnx_bytes(model, preprocessing=preprocessing)
    atomic_write(path, lambda handle: handle.write(data))


def onnx_bytes(model, *, preprocessing=None) -> bytes:
    """The ONNX file of the network `model`, checked, as bytes. `preprocessing` (a
    `core.train.preprocessing.Preprocessing`, e.g. a saved bundle's): its mean and std become
    the graph's first nodes, its class names the file's metadata. Raises ExportRefused (with
    the reason) for a network ONNX cannot hold as Playground computes it, MissingExtra when the
    onnx package is not installed."""
    mean, std = _standardisation(model, preprocessing)
    _check(model)
    try:
        import onnx
    except ImportError:
        raise MissingExtra("exporting to ONNX needs the onnx package, an optional extra: "
                           "pip install .[export] (in the Playground folder), or pip install "
                           "onnx") from None
    return _model_proto(onnx, model, mean, std, preprocessing).SerializeToString()


def _check(model) -> None:
    """ExportRefused when the network cannot be written as it computes."""
    if not model.layers:
        raise ExportRefused(f"network {model.name!r} has no blocks")
    for i, layer in enumerate(model.layers):
        if type(layer) not in BLOCKS:
            raise ExportRefused(f"block {i} {layer!r} has no ONNX form in this version of "
                                "Playground")
        for key, value in layer.params.items():
            if not np.isfinite(value).all():
                raise ExportRefused(f"block {i} {layer!r}: {key} holds NaN or infinite "
                                    "values (training diverged); retrain before exporting")
    weight_bytes = 4 * sum(value.size for layer in model.layers for value in layer.params.values())
    if weight_bytes > MAX_BYTES:
        raise ExportRefused(f"network {model.name!r} is too large for one ONNX file: "
                            f"{weight_bytes / 2 ** 20:,.0f} MB of weights, the limit is "
                            f"{MAX_BYTES / 2 ** 20:,.0f} MB")
    if model.dtype != np.float32:
        raise ExportRefused(f"network {model.name!r} computes in {model.dtype}; the export "
                            "writes float32 networks, as Playground trains them")
    if len(model.output_shape) != 1:
        raise ExportRefused(f"network {model.name!r} ends in "
                            f"{describe_shape(model.output_shape)}, not class scores: end it "
                            "with a Dense block (one output per class)")


def _standardisation(model, preprocessing):
    """(mean, std) shaped to broadcast over one input sample, or (None, None)."""
    if preprocessing is None or preprocessing.mean is None:
        return None, None
    if tuple(preprocessing.input_shape) != model.input_shape:
        raise ExportRefused(
            f"the preprocessing is for inputs {'x'.join(map(str, preprocessing.input_shape))} "
            f"but network {model.name!r} takes {'x'.join(map(str, model.input_shape))}")
    shape = (-1,) + (1,) * (len(model.input_shape) - 1)  # as Preprocessing.apply
    return (np.asarray(preprocessing.mean, np.float32).reshape(shape),
            np.asarray(preprocessing.std, np.float32).reshape(shape))


def _model_proto(onnx, model, mean, std, preprocessing):
    """The checked ModelProto of the whole network."""
    helper, parts = onnx.helper, GraphParts(onnx)
    x = INPUT
    if mean is not None:
        centred = parts.node("Sub", [x, parts.weight("preprocessing.mean", mean)],
                             "standardise:centred", "standardise: - mean")
        x = parts.node("Div", [centred, parts.weight("preprocessing.std", std)], "standardised",
                       "standardise: / std")
    shape = model.input_shape
    body = model.layers[:-1] if model.has_softmax_output else model.layers
    for i, layer in enumerate(body):
        x = write_block(parts, i, layer, type(layer).short_label(layer.config()), x, shape)
        shape = layer.output_shape(shape)
    parts.node("Identity", [x], LOGITS, "logits")
    if model.has_softmax_output:
        i = len(model.layers) - 1
        name, doc = f"{i} Softmax", f"{model.layers[-1]!r}: the network's output"
    else:
        name, doc = "softmax", "the softmax Playground applies to the class scores"
    parts.node("Softmax", [LOGITS], PROBABILITIES, name, doc, axis=1)

    classes = int(model.output_shape[0])
    tensor = onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        parts.nodes, _safe_name(model.name),
        [helper.make_tensor_value_info(INPUT, tensor, ["batch", *model.input_shape],
                                       _input_doc(model, mean))],
        [helper.make_tensor_value_info(PROBABILITIES, tensor, ["batch", classes],
                                       "class probabilities, each row summing to 1"),
         helper.make_tensor_value_info(LOGITS, tensor, ["batch", classes],
                                       "class scores before the softmax")],
        parts.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="Playground", producer_version=__version__,
                              doc_string=_doc(model, mean, std, preprocessing))
    proto.ir_version = IR_VERSION
    helper.set_model_props(proto, _metadata(model, preprocessing))
    proto = onnx.shape_inference.infer_shapes(proto, check_type=True, strict_mode=True)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _input_doc(model, mean) -> str:
    shape = model.input_shape
    if len(shape) == 3:
        what = (f"images of {plural(shape[0], 'channel')} of {shape[1]}x{shape[2]}, values "
                "0..1 (pixels / 255)")
    elif len(shape) == 2:
        what = f"sequences of {shape[0]} steps of {plural(shape[1], 'value')}"
    else:
        what = f"vectors of {plural(shape[0], 'value')}"
    return what + (", standardised inside the graph" if mean is not None else "")


def _doc(model, mean, std, preprocessing) -> str:
    """The file's doc string: what goes in, what comes out, and every block."""
    classes = _classes(model, preprocessing)
    lines = [
        f"Network {model.name!r} exported from Playground, {len(model.layers)} blocks, "
        f"ONNX opset {OPSET}.",
        f"Input {INPUT!r}: (batch, {', '.join(map(str, model.input_shape))}) float32: "
        + _input_doc(model, mean) + ".",
    ]
    if mean is not None:
        lines.append("The graph first standardises the input as in training: (x - mean) / std "
                     f"with mean {_numbers(mean)} and std {_numbers(std)} (nodes 'standardise').")
    else:
        lines.append("The input goes into the first block as it is (no standardisation).")
    softmax = ("the network's final Softmax block" if model.has_softmax_output
               else "a softmax over the last block's scores, as Playground's predict applies")
    lines += [
        f"Output {PROBABILITIES!r}: (batch, {model.output_shape[0]}) class probabilities, "
        f"{softmax}; this is the model's output.",
        f"Output {LOGITS!r}: the class scores before the softmax.",
    ]
    if classes:
        lines.append("Classes, in output order: " + ", ".join(classes) + ".")
    lines.append("Blocks: " + "; ".join(f"{i} {layer!r}" for i, layer in
                                        enumerate(model.layers)) + ".")
    return "\n".join(lines)


def _metadata(model, preprocessing) -> dict[str, str]:
    data = {"network": model.name, "input_range": "0..1" if len(model.input_shape) == 3 else ""}
    classes = _classes(model, preprocessing)
    if classes:
        data["classes"] = json.dumps(classes)
    if preprocessing is not None and preprocessing.mean is not None:
        data["mean"], data["std"] = json.dumps(preprocessing.mean), json.dumps(preprocessing.std)
    return {key: value for key, value in data.items() if value}


def _classes(model, preprocessing) -> list[str] | None:
    if preprocessing is not None and preprocessing.classes:
        return list(preprocessing.classes)
    return list(model.classes) if model.classes else None


def _numbers(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in values.reshape(-1)) + "]"


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in str(name)) or "network"
