"""Words for blocks: short labels ("Conv 8@3x3 s1 p1"), shapes, counts and the filled-in formulas
of output size and parameter count that the inspector shows. Plain functions, no Qt."""

from __future__ import annotations

import re

SHORT_NAMES = {
    "Conv2D": "Conv",
    "MaxPool2D": "MaxPool",
    "AvgPool2D": "AvgPool",
    "Dense": "Dense",
}


def shape_text(shape) -> str:
    """(8, 28, 28) -> "8 x 28 x 28"; None -> "?"."""
    if shape is None:
        return "?"
    return " x ".join(str(d) for d in shape)


def count_text(n: int) -> str:
    """12345 -> "12,345"."""
    return f"{int(n):,}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """(1, "block") -> "1 block"; (3, "block") -> "3 blocks"; (2, "class", "classes")."""
    return f"{count_text(n)} {word if n == 1 else (many or word + 's')}"


def params_text(n: int, frozen: int = 0) -> str:
    """"80 params", or "80 params, 20 frozen" when only some of them are frozen."""
    if n == 0:
        return "no weights"
    return plural(n, "param") + (f", {count_text(frozen)} frozen" if 0 < frozen < n else "")


def setting_names() -> set[str]:
    """The names of every block setting ("out_channels", "size", ...)."""
    from core.nn.layer import LAYERS

    return {s.name for cls in LAYERS.values() for s in cls.SETTINGS}


def human_names(text: str) -> str:
    """Setting names written as words: "out_channels must be ..." -> "out channels must be..."."""
    for name in sorted((n for n in setting_names() if "_" in n), key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", name.replace("_", " "), text)
    return text


def setting_problem_text(message: str) -> str:
    """A setting check's message for people: setting names in words, plain wording."""
    return plain_wording(human_names(message))


def plain_wording(text: str) -> str:
    """A setting check's message in everyday words: "an integer" -> "a whole number",
    ">= 1" -> "at least 1", "<= 31" -> "at most 31"."""
    text = text.replace("must be an integer", "must be a whole number")
    text = re.sub(r"must be >= (\S+?);", r"must be at least \1;", text)
    return re.sub(r"must be <= (\S+?);", r"must be at most \1;", text)


def _whole(value, fallback: int) -> int:
    """An int setting shown on a card; `fallback` for a value that is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return fallback


def _pool_stride(config: dict) -> int:
    stride = config.get("stride")
    return _whole(config.get("size", 2), 2) if stride in (None, 0) else _whole(stride, 2)


def short_label(class_name: str, config: dict) -> str:
    """The settings of a block in a few characters, as on its card."""
    c = config
    if class_name == "Conv2D":
        k = c.get("kernel_size", 3)
        pad = c.get("padding", 0)
        pad_text = "same" if pad == "same" else f"p{pad}"
        return f"Conv {c.get('out_channels', '?')}@{k}x{k} s{c.get('stride', 1)} {pad_text}"
    if class_name in ("MaxPool2D", "AvgPool2D"):
        size = c.get("size", 2)
        return f"{SHORT_NAMES[class_name]} {size}x{size} s{_pool_stride(c)}"
    if class_name == "Dense":
        return f"Dense {c.get('out_features', '?')}"
    if class_name == "Dropout":
        return f"Dropout {c.get('p', c.get('rate', 0.5))}"
    if class_name == "LeakyReLU":
        slope = c.get("negative_slope", c.get("slope", c.get("alpha")))
        return "LeakyReLU" if slope is None else f"LeakyReLU {slope}"
    return class_name


def _conv_padding(config: dict, size: int, out: int, stride: int, k: int) -> int:
    """The zero padding actually used on one side (resolving "same")."""
    pad = config.get("padding", 0)
    if pad != "same":
        return int(pad)
    return max(0, ((out - 1) * stride + k - size + 1) // 2)


def output_formula(class_name: str, config: dict, in_shape, out_shape) -> str:
    """How the output size follows from the input, with the numbers filled in."""
    if in_shape is None or out_shape is None:
        return "Output size: unknown until the blocks above fit together."
    c = config
    if class_name == "Conv2D" and len(in_shape) == 3 and len(out_shape) == 3:
        k, s = int(c.get("kernel_size", 3)), int(c.get("stride", 1))
        lines = []
        for axis, size, out in (("height", in_shape[1], out_shape[1]),
                                ("width", in_shape[2], out_shape[2])):
            p = _conv_padding(c, size, out, s, k)
            same = " ('same' padding)" if c.get("padding") == "same" else ""
            lines.append(f"{axis}: ({size} + 2 x {p}{same} - {k}) / {s} + 1 = {out}"
                         " (rounded down)")
            if in_shape[1] == in_shape[2] and out_shape[1] == out_shape[2]:
                lines[-1] = "height and width: " + lines[-1].split(": ", 1)[1]
                break
        lines.append(f"{plural(out_shape[0], 'filter')} give{'s' if out_shape[0] == 1 else ''} "
                     f"{plural(out_shape[0], 'map')}: {shape_text(out_shape)}")
        return "\n".join(lines)
    if class_name in ("MaxPool2D", "AvgPool2D") and len(in_shape) == 3 and len(out_shape) == 3:
        size, s = int(c.get("size", 2)), _pool_stride(c)
        pick = "the largest" if class_name == "MaxPool2D" else "the mean"
        return (f"({in_shape[1]} - {size}) / {s} + 1 = {out_shape[1]} (rounded down); each "
                f"{size} x {size} window gives {pick} of its values, "
                f"{'on its one map' if in_shape[0] == 1 else f'on each of the {in_shape[0]} maps'}"
                f": {shape_text(out_shape)}")
    if class_name == "Flatten":
        return (f"{shape_text(in_shape)} = {plural(out_shape[0], 'value')} laid out in one row"
                if len(in_shape) > 1 else f"already flat: {shape_text(out_shape)}")
    if class_name == "Dense":
        return f"one output per neuron: {shape_text(out_shape)}"
    if class_name == "Softmax":
        return (f"O_i = exp(z_i) / sum_k exp(z_k): {shape_text(out_shape)} probabilities "
                "that sum to 1")
    if class_name == "Dropout":
        return (f"same shape as its input, {shape_text(out_shape)}; while training each value is "
                "zeroed at random and the rest scaled up")
    return f"applied to each value on its own: same shape as its input, {shape_text(out_shape)}"


def params_formula(class_name: str, config: dict, in_shape, params: int,
                   frozen_filters: int = 0) -> str:
    """How the parameter count follows from the settings, with the numbers filled in;
    `frozen_filters` seeded filters kept as they are are named too."""
    c = config
    if class_name == "Conv2D" and in_shape is not None and len(in_shape) == 3:
        k, n, m = int(c.get("kernel_size", 3)), int(in_shape[0]), int(c.get("out_channels", 1))
        weights = k * k * n * m
        unit = "input" if n == 1 else "inputs"
        text = (f"{k} x {k} x {n} {unit} per filter x {plural(m, 'filter')} = "
                f"{plural(weights, 'weight')} + {plural(m, 'bias', 'biases')} = "
                f"{count_text(weights + m)}")
        if weights + m != params:
            text += f" (the engine counts {count_text(params)})"
        if c.get("trainable") is False:
            return text + "; frozen: not trained"
        if frozen_filters:
            kept = min(frozen_filters, m)
            text += (f"; the {plural(kept, 'seeded filter')} ({count_text(kept * (k * k * n + 1))}"
                     f" params) {'is' if kept == 1 else 'are'} frozen, the rest learn")
        return text
    if class_name == "Dense" and in_shape is not None and len(in_shape) == 1:
        n, m = int(in_shape[0]), int(c.get("out_features", 1))
        text = (f"{plural(n, 'input')} x {plural(m, 'output')} = {plural(n * m, 'weight')} + "
                f"{plural(m, 'bias', 'biases')} = {count_text(n * m + m)}")
        if n * m + m != params:
            text += f" (the engine counts {count_text(params)})"
        return text + ("; frozen: not trained" if c.get("trainable") is False else "")
    if class_name in ("MaxPool2D", "AvgPool2D"):
        return "0: pooling has no weights, it only subsamples"
    if params:
        return f"{count_text(params)}"
    return "0: no weights to learn"
