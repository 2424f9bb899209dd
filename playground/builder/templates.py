"""Network spec files: the shipped templates of resources/models/ and the user's own JSON specs
(the same files `playground train` reads). No Qt here."""

from __future__ import annotations

import json
import os
from pathlib import Path

from core.images import atomic_write


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


def template_title(path: Path) -> str:
    """'deep_relu.json' -> 'Deep relu'."""
    return Path(path).stem.replace("_", " ").capitalize()


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
    only a file that is not a spec at all is refused.
    """
    from core.model import SpecError, check_spec

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecFileError(f"{path}: cannot read it ({error})") from None
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecFileError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, "
                            f"column {error.colno})") from None
    try:
        check_spec(spec)
    except SpecError as error:
        raise SpecFileError(f"{path}: not a network spec: {error}") from None
    _check_init(path, spec["layers"])
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
