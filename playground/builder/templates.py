"""Network spec files: the shipped templates of resources/models/ and the user's own JSON specs
(the same files `playground train` reads). No Qt here."""

from __future__ import annotations

import json
import os
from pathlib import Path

from core.files.images import atomic_write


class SpecFileError(ValueError):
    """A network file that cannot be opened; the message names the file and what is wrong."""


def shipped_templates() -> list[Path]:
    """The example networks shipped with Playground (resources/models/*.json), sorted."""
    from core.resources import resource_path

    try:
        folder = resource_path("models")
    except FileNotFoundError:
        return []
    return sorted(folder.glob("*.json"))


# Titles of the shipped templates, as people write them (the files keep short ids as names).
TITLES = {
    "deep_relu": "Deep ReLU net",
    "deep_sigmoid": "Deep sigmoid net",
    "lenet5": "LeNet-5",
    "reference": "Reference CNN",
    "tiny_mlp": "Tiny MLP",
}


def template_title(path: Path) -> str:
    """The menu title of a template: 'lenet5.json' -> 'LeNet-5'; a file of its own gives its
    "title" (or else its "name") field; 'my_net.json' -> 'My net' when it has neither."""
    path = Path(path)
    if path.stem in TITLES:
        return TITLES[path.stem]
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        spec = None
    for key in ("title", "name"):
        if isinstance(spec, dict) and isinstance(spec.get(key), str) and spec[key].strip():
            return spec[key].strip()
    return path.stem.replace("_", " ").capitalize()


def _setting_problems(layers: list) -> list[str]:
    """What is wrong with the settings of each block, checked by the blocks' own SETTINGS
    (the shapes flowing between blocks are not checked here: the builder shows those)."""
    from core.nn.layer import LAYERS
    from core.nn.wording import plain_wording

    problems = []
    for i, block in enumerate(layers):
        name = block["class"]
        cls, config = LAYERS[name], block.get("config", {})
        owner = f"block {i} ({name})"
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
                cls.shape_only(config)  # settings that must agree with each other
            except (TypeError, ValueError) as error:
                text = str(error)
                found.append(f"{owner}: {text.removeprefix(name + ':').strip()}")
        problems += found
    return problems


def _check_settings(path: Path, layers: list) -> None:
    problems = _setting_problems(layers)
    if problems:
        more = "".join(f"\n• {p}" for p in problems[1:6])
        if len(problems) > 6:
            more += f"\n• and {len(problems) - 6} more"
        more = f"\n\nAlso:{more}" if more else ""
        raise SpecFileError(f"{path}: {problems[0]}{more}")


def _check_init(path: Path, layers: list) -> None:
    for i, block in enumerate(layers):
        init = block.get("init")
        if init is None:
            continue
        kernels = init.get("kernels") if isinstance(init, dict) else None
        if not isinstance(kernels, list) or not all(
                isinstance(k, dict) and isinstance(k.get("values"), list) for k in kernels):
            raise SpecFileError(f"{path}: block {i} ({block.get('class')}): \"init\" must be "
                                '{"kernels": [{"name": ..., "values": [[...]]}, ...]}')


def load_spec_file(path: str | os.PathLike) -> dict:
    """Read a JSON network spec; raises SpecFileError naming the file and the problem.

    A stack whose blocks do not fit together is still returned (the builder marks the block);
    a file that is not a spec, or with a setting its block refuses (a kernel_size of -3), is
    refused.
    """
    from core.files.json_files import read_json
    from core.nn.model import SpecError, check_spec

    path = Path(path)
    try:
        spec = read_json(path, "network spec")
    except ValueError as error:
        raise SpecFileError(str(error)) from None
    try:
        check_spec(spec)
    except SpecError as error:
        raise SpecFileError(f"{path}: not a network spec: {error}") from None
    _check_init(path, spec["layers"])
    _check_settings(path, spec["layers"])
    spec.setdefault("name", path.stem)
    return spec


def save_spec_file(path: str | os.PathLike, spec: dict) -> Path:
    """Write `spec` as indented JSON, atomically (an interrupted save keeps the old file)."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        path = path.with_name(path.name + ".json")
    text = (json.dumps(spec, indent=2) + "\n").encode("utf-8")
    atomic_write(path, lambda handle: handle.write(text))
    return path
