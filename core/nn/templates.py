"""The example networks shipped with Playground (resources/models/*.json): their files, their
menu titles and the network a new session starts with."""

from __future__ import annotations

from pathlib import Path

from core.files.json_files import read_json
from core.nn.spec import read_spec

# Titles of the shipped templates, as people write them (the files keep short ids as names).
TITLES = {
    "chain_sigmoid": "Sigmoid chain U, V, W",
    "deep_relu": "Deep ReLU net",
    "deep_sigmoid": "Deep sigmoid net",
    "lenet5": "LeNet-5",
    "lstm_digits": "LSTM reading digits row by row",
    "reference": "Reference CNN",
    "rnn_digits": "RNN reading digits row by row",
    "rnn_first_symbol": "RNN remembering the first symbol",
    "tiny_cnn_9x9": "Tiny CNN on 9x9 (pad 2, stride 2)",
    "tiny_mlp": "Tiny MLP",
}


def shipped_templates() -> list[Path]:
    """The example networks shipped with Playground (resources/models/*.json), sorted."""
    from core.resources import resource_path

    try:
        folder = resource_path("models")
    except FileNotFoundError:
        return []
    return sorted(folder.glob("*.json"))


def template_title(path) -> str:
    """The menu title of a template: 'lenet5.json' -> 'LeNet-5'; a file of its own gives its
    "title" (or else its "name") field; 'my_net.json' -> 'My net' when it has neither."""
    path = Path(path)
    if path.stem in TITLES:
        return TITLES[path.stem]
    try:
        spec = read_json(path, "network spec")
    except ValueError:
        spec = None
    for key in ("title", "name"):
        if isinstance(spec, dict) and isinstance(spec.get(key), str) and spec[key].strip():
            return spec[key].strip()
    return path.stem.replace("_", " ").capitalize()


def default_spec() -> dict:
    """The shipped reference network (resources/models/reference.json), validated."""
    from core.resources import resource_path

    return read_spec(resource_path("models", "reference.json"))
