"""The network spec: read, validate, analyse, normalise and compare (fitting to a data set:
`core.train.fitting`).

A spec is `{"name", "input_shape": [C, H, W], [T, F] or [F], "classes" (optional), "layers":
[{"class": ..., "config": {...}, "init": {...} (optional)}, ...]}` (see docs/ARCHITECTURE.md).
Everything here works on the spec alone, without allocating weights, so the builder can call it
after every edit and a network of a billion weights compares as fast as a small one.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.files.images import atomic_write
from core.files.json_files import read_json
from core.nn.kernel_init import frozen_filter_count
from core.nn.layer import LAYERS, Layer
from core.nn.wording import plain_wording

# setting -> (rank of the input it counts, the axis it counts): channels of maps, values of a
# vector, values per step of a sequence
INPUT_SETTINGS = {"in_channels": (3, 0), "in_features": (1, 0), "input_size": (2, 1)}
MORE_SHOWN = 5  # problems listed after the first one in a file's message
MAX_PARAMS = 20_000_000
"""Most weights a network may have (80 MB as float32; training keeps about four copies)."""
MAX_INPUT_VALUES = 3 * 1024 * 1024
"""Most values in one input sample (a 1024x1024 colour image)."""
MAX_SAMPLE_VALUES = 1 << 24
"""Most values any block may output for one sample (64 MB as float32)."""


class SpecError(ValueError):
    """A spec that cannot become a network; `index` is the offending block (0-based) or None,
    `problems` every problem found, one line each (the message shows the first ones)."""

    def __init__(self, message: str, index: int | None = None,
                 problems: list[str] | None = None):
        super().__init__(message)
        self.index = index
        self.problems = list(problems) if problems else [message]


@dataclass
class BlockReport:
    """What `analyse` found about one block of a spec."""

    index: int
    class_name: str
    output_shape: tuple | None
    params: int
    error: str | None
    description: str = ""  # e.g. "Conv2D(1->8, 3x3, stride 1, pad 1)"
    trainable: bool = True
    frozen: int = 0  # parameters training leaves alone (all when not trainable, or seeded ones)


# ----- the outline ------------------------------------------------------------------------------
def _outline_problems(spec) -> list[tuple[int | None, str]]:
    """(block index or None, message) for every problem of the spec's outline."""
    if not isinstance(spec, dict):
        return [(None, f"a network spec must be a JSON object; received {type(spec).__name__}")]
    found = []
    shape = spec.get("input_shape")
    if (not isinstance(shape, list | tuple) or len(shape) not in (1, 2, 3)
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape)):
        found.append((None, f"input_shape must be [channels, height, width], [steps, features] "
                            f"or [features] of positive integers; received {shape!r}"))
    classes = spec.get("classes")
    if classes is not None and (not isinstance(classes, list)
                                or not all(isinstance(c, str) for c in classes)):
        found.append((None, f"classes must be a list of names; received {classes!r}"))
    layers = spec.get("layers")
    if not isinstance(layers, list):
        found.append((None, f"layers must be a list of blocks; received "
                            f"{type(layers).__name__}"))
        return found
    for i, block in enumerate(layers):
        if not isinstance(block, dict) or not isinstance(block.get("config", {}), dict):
            found.append((i, f'block {i}: must be {{"class": ..., "config": {{...}}}}; '
                             f"received {block!r}"))
        elif not isinstance(block.get("class"), str) or block["class"] not in LAYERS:
            found.append((i, f"block {i}: unknown class {block.get('class')!r}; "
                             f"known: {', '.join(LAYERS)}"))
    return found


def check_spec(spec) -> tuple[tuple[int, ...], list]:
    """Validate the spec's outline; return (input_shape, layers). Raises SpecError (the first
    problem)."""
    problems = _outline_problems(spec)
    if problems:
        index, message = problems[0]
        raise SpecError(message, index, [m for _i, m in problems])
    return tuple(spec["input_shape"]), spec["layers"]


# ----- settings and seed kernels ----------------------------------------------------------------
def _setting_problems(index: int, block: dict) -> list[str]:
    """What is wrong with one block's settings, checked by the block's own SETTINGS, then the
    settings that must agree with each other (shapes between blocks are `analyse`'s part)."""
    name = block["class"]
    cls, config = LAYERS[name], block.get("config", {})
    owner = f"block {index} ({name})"
    known = {s.name: s for s in cls.SETTINGS}
    found = [f"{owner}: has no setting {key!r} (its settings: {', '.join(known) or 'none'})"
             for key in config if key not in known]
    for key, value in config.items():
        if key in known:
            try:
                known[key].check(owner, value)
            except (TypeError, ValueError) as error:
                found.append(plain_wording(str(error)))
    if not found:
        try:
            cls.shape_only(config)
        except (TypeError, ValueError) as error:
            found.append(f"{owner}: {plain_wording(str(error)).removeprefix(name + ':').strip()}")
    return found


def _init_problems(index: int, block: dict) -> list[str]:
    """What is wrong with a block's "init" entry (the seed kernels of its filters)."""
    init = block.get("init")
    if init is None:
        return []
    owner = f"block {index} ({block['class']})"
    kernels = init.get("kernels") if isinstance(init, dict) else None
    if not isinstance(kernels, list) or not all(
            isinstance(k, dict) and isinstance(k.get("values"), list) for k in kernels):
        return [f'{owner}: "init" must be {{"kernels": [{{"name": ..., "values": [[...]]}}, '
                '...]}']
    try:
        frozen_filter_count(block)
    except ValueError as error:
        return [f"{owner}: {error}"]
    try:
        weight = LAYERS[block["class"]].shape_only(block.get("config", {})).param_shapes()
    except (TypeError, ValueError):
        return []  # the settings' own problem is reported
    if kernels and len(weight.get("weight", ())) != 4:
        return [f"{owner}: has no filters to seed; seed kernels only go on Conv2D blocks"]
    if len(kernels) > weight.get("weight", (0,))[0]:
        filters = weight["weight"][0]
        return [f"{owner}: {len(kernels)} seed kernels for {filters} filters; remove "
                f"{len(kernels) - filters} or add filters"]
    return []


def problems(spec) -> list[str]:
    """Every problem that keeps `spec` from being a network, one line each naming the block
    (position and class) and the setting: the outline, each block's settings and its "init".
    Blocks whose shapes do not fit together are not problems here (see `analyse`)."""
    outline = _outline_problems(spec)
    found = [f"not a network spec: {message}" for _i, message in outline]
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list):
        return found
    bad = {i for i, _m in outline if i is not None}
    for i, block in enumerate(spec["layers"]):
        if i not in bad:
            found += _setting_problems(i, block) + _init_problems(i, block)
    return found + _input_size_problems(spec) + _name_problems(spec)


def _name_problems(spec: dict) -> list[str]:
    """The network's name, when given, must be a text."""
    name = spec.get("name")
    if name is None or isinstance(name, str):
        return []
    return [f"name must be a text; received {type(name).__name__}"]


def _input_size_problems(spec: dict) -> list[str]:
    """The input sample's size against MAX_INPUT_VALUES (checked in Python integers)."""
    shape = spec.get("input_shape")
    if not isinstance(shape, list | tuple) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape):
        return []  # the outline's problem
    values = 1
    for size in shape:
        values *= size
    if values <= MAX_INPUT_VALUES:
        return []
    return [f"input_shape {'x'.join(map(str, shape))} is {values:,} values per sample, more "
            f"than the {MAX_INPUT_VALUES:,} Playground handles (a 1024x1024 colour image)"]


def _problem_index(problem: str) -> int | None:
    match = re.search(r"\bblock (\d+)\b", problem)
    return int(match.group(1)) if match else None


def read_spec(path: str | os.PathLike) -> dict:
    """Read and validate a JSON network spec; its name defaults to the file's.

    Raises SpecError naming the file and every problem (see `problems`; the message shows the
    first ones, `problems` holds all). A stack whose blocks do not fit together is returned:
    the builder marks the block and `analyse` says why.
    """
    path = Path(path)
    try:
        spec = read_json(path, "network spec")
    except ValueError as error:
        raise SpecError(str(error)) from None
    found = problems(spec)
    if found:
        more = "".join(f"\n• {p}" for p in found[1:1 + MORE_SHOWN])
        if len(found) > 1 + MORE_SHOWN:
            more += f"\n• and {len(found) - 1 - MORE_SHOWN} more"
        message = f"{path}: {found[0]}" + (f"\n\nAlso:{more}" if more else "")
        raise SpecError(message, _problem_index(found[0]), [f"{path}: {p}" for p in found])
    spec.setdefault("name", path.stem)
    return spec


def write_spec(path: str | os.PathLike, spec: dict) -> Path:
    """Write `spec` as indented JSON to `path` (".json" added if missing), atomically: an
    interrupted save keeps the old file. Returns the path written."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        path = path.with_name(path.name + ".json")
    text = (json.dumps(spec, indent=2) + "\n").encode("utf-8")
    atomic_write(path, lambda handle: handle.write(text))
    return path


# ----- shapes and weight counts -----------------------------------------------------------------
def _at(message: str, name: str, index: int, description: str) -> str:
    """Insert 'at position i' after the block's name in an error message."""
    for head in (description, name):
        if head and message.startswith(head):
            return f"{head} at position {index}{message[len(head):]}"
    return f"{name} at position {index}: {message}"


def _input_setting(cls: type[Layer]) -> str | None:
    names = {s.name for s in cls.SETTINGS}
    return next((n for n in INPUT_SETTINGS if n in names), None)


def _walk(spec, *, fill: str):
    """Yield (index, block, config, layer or None, output shape or None, error) through the
    stack. fill="missing" fills absent in_channels/in_features, "all" overwrites them."""
    shape, blocks = check_spec(spec)
    failed = False
    for i, block in enumerate(blocks):
        cls = LAYERS[block["class"]]
        config = dict(block.get("config", {}))
        key = _input_setting(cls)
        if key and not failed and len(shape) == INPUT_SETTINGS[key][0]:
            if fill == "all" or key not in config:
                config[key] = int(shape[INPUT_SETTINGS[key][1]])
        layer, error, out = None, None, None
        try:
            layer = cls.shape_only(config)
        except (TypeError, ValueError) as exc:
            error = _at(str(exc), cls.__name__, i, "")
        if not failed and layer is not None:
            try:
                out = layer.output_shape(shape)
            except ValueError as exc:
                error = _at(str(exc), cls.__name__, i, repr(layer))
        if failed:
            error, out = None, None
        elif error is not None:
            failed = True
        else:
            shape = out
        yield i, block, config, layer, out, error


def analyse(spec) -> list[BlockReport]:
    """One report per block: output shape, parameter count and the first error, if any.

    Never raises for a stack that does not fit; raises SpecError only for a malformed spec.
    """
    reports = []
    for i, block, _config, layer, out, error in _walk(spec, fill="missing"):
        frozen = 0
        if layer is not None:
            try:
                layer.frozen_filters = frozen_filter_count(block)
            except ValueError as problem:
                error = error or f"{block['class']} at position {i}: {problem}"
            frozen = layer.frozen_param_count()
        reports.append(BlockReport(
            index=i, class_name=block["class"], output_shape=out,
            params=layer.param_count() if layer is not None else 0, error=error,
            description=repr(layer) if layer is not None else block["class"],
            trainable=bool(layer.trainable) if layer is not None else True, frozen=frozen))
    _mark_oversized(reports, spec)
    return reports


def _mark_oversized(reports: list[BlockReport], spec: dict) -> None:
    """Give the first block past a size limit its error (input values, weights in total, or
    values per sample), so nothing builds a network that would not fit in memory."""
    problem = _input_size_problems(spec)
    if problem and reports and not first_error(reports):
        reports[0].error = f"{reports[0].description} at position 0: the {problem[0]}"
        return
    total = 0
    for report in reports:
        if report.error:
            return
        total += report.params
        values = 1
        for size in report.output_shape or ():
            values *= int(size)
        if total > MAX_PARAMS:
            report.error = (f"{report.description} at position {report.index} brings the "
                            f"network to {total:,} weights, more than the {MAX_PARAMS:,} "
                            "Playground can train; make it smaller")
        elif values > MAX_SAMPLE_VALUES:
            report.error = (f"{report.description} at position {report.index} outputs "
                            f"{values:,} values per sample, more than the "
                            f"{MAX_SAMPLE_VALUES:,} Playground can hold; make it smaller")
        if report.error:
            return


def weight_shapes(spec) -> dict[str, tuple]:
    """The shape of every weight the network needs, named as `Sequential.get_weights` names
    them ("0.weight"), without allocating any. Raises SpecError like `normalise`."""
    bad = first_error(analyse(spec))
    if bad is not None:
        raise SpecError(bad.error, bad.index)
    return {f"{i}.{key}": tuple(int(s) for s in shape)
            for i, _block, _config, layer, _out, _error in _walk(spec, fill="missing")
            for key, shape in layer.param_shapes().items()}


def fill_inputs(spec) -> dict:
    """A copy of `spec` with every in_channels / in_features set to what flows into its block."""
    result = copy.deepcopy(spec)
    for i, _block, config, _layer, _out, _error in list(_walk(spec, fill="all")):
        key = _input_setting(LAYERS[result["layers"][i]["class"]])
        if key and key in config:
            result["layers"][i].setdefault("config", {})[key] = config[key]
    return result


def first_error(reports: list[BlockReport]) -> BlockReport | None:
    """The report of the first block that cannot take its input, or None."""
    return next((r for r in reports if r.error), None)


def summary_table(spec) -> str:
    """A Keras-like table of a spec: block, output shape, parameters, and any error."""
    reports = analyse(spec)
    name = spec.get("name", "network")
    lines = [f'Network "{name}": input {"x".join(map(str, spec["input_shape"]))}']
    width = max([len(r.description) for r in reports] + [5]) + 2
    header = f"{'#':>3}  {'Block':<{width}}{'Output shape':<16}{'Params':>10}"
    lines += [header, "-" * len(header)]
    for r in reports:
        shape = "x".join(map(str, r.output_shape)) if r.output_shape else "-"
        frozen = (" (frozen)" if r.params and not r.trainable
                  else f" ({r.frozen:,} frozen)" if r.frozen else "")
        lines.append(f"{r.index:>3}  {r.description:<{width}}{shape:<16}{r.params:>10,}{frozen}")
        if r.error:
            lines.append(f"     error: {r.error}")
    total = sum(r.params for r in reports)
    trainable = total - sum(r.frozen for r in reports)
    lines += ["-" * len(header), f"Total params: {total:,} (trainable {trainable:,})"]
    return "\n".join(lines)


# ----- normalise and compare --------------------------------------------------------------------
def normalise(spec) -> dict:
    """The spec with everything explicit: the name, every setting of every block (defaults
    filled, values as the block keeps them), in_channels / in_features from what flows in.

    The same as `Sequential.from_spec(spec).spec()`, without allocating weights. Raises
    SpecError for a malformed spec or a block that cannot take its input.
    """
    bad = first_error(analyse(spec))
    if bad is not None:
        raise SpecError(bad.error, bad.index)
    layers = []
    for _i, block, _config, layer, _out, _error in _walk(spec, fill="missing"):
        entry = {"class": block["class"], "config": layer.config()}
        if block.get("init"):
            entry["init"] = copy.deepcopy(block["init"])
        layers.append(entry)
    result = {"name": str(spec.get("name", "network")), "input_shape": list(spec["input_shape"])}
    if spec.get("classes") is not None:
        result["classes"] = list(spec["classes"])
    result["layers"] = layers
    return result


def same_network(first: dict, second: dict) -> bool:
    """True when two specs describe the same network (input and blocks; names and classes
    aside), decided without building either."""
    try:
        a, b = normalise(first), normalise(second)
    except SpecError:
        return False
    return a["input_shape"] == b["input_shape"] and a["layers"] == b["layers"]
