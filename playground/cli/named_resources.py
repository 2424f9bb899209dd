"""The files shipped with Playground, named on the command line without their folder.

`playground train reference` and `playground filter camera.png` work from any folder and from an
installed wheel: a name that is not a file here, has no folder part and names a shipped network
(`resources/models/`) or sample image (`resources/images/`) means that file.
"""

from __future__ import annotations

from pathlib import Path

from core.resources import IMAGE_SUFFIXES, resource_dir


def shipped_network(name: str) -> Path | None:
    """The shipped network spec `name` ("reference" or "reference.json"), or None."""
    return _shipped("models", name, (".json",))


def shipped_image(name: str) -> Path | None:
    """The shipped sample image `name` ("camera" or "camera.png"), or None."""
    return _shipped("images", name, IMAGE_SUFFIXES)


def network_path(text: str) -> Path:
    """The spec a user named: the file if it exists, else a shipped network of that name."""
    return _resolve(text, shipped_network)


def image_path(text: str) -> Path:
    """The image a user named: the file if it exists, else a shipped sample of that name."""
    return _resolve(text, shipped_image)


def shipped_names(kind: str) -> list[str]:
    """The stems of the shipped "models" or "images", sorted."""
    try:
        folder = resource_dir() / kind
        return sorted(p.stem for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return []


def _resolve(text: str, find) -> Path:
    path = Path(text)
    if path.exists() or path.is_symlink():
        return path
    found = find(text)
    return found if found is not None else path


def _shipped(kind: str, name: str, suffixes: tuple[str, ...]) -> Path | None:
    path = Path(name)
    if not name or path.name != name or name.startswith("."):  # a folder part: a real path
        return None
    try:
        folder = resource_dir() / kind
    except FileNotFoundError:
        return None
    stem, suffix = (path.stem, path.suffix.lower()) if path.suffix else (name, "")
    if suffix and suffix not in suffixes:
        return None
    for candidate in ([path.name] if suffix else [stem + s for s in suffixes]):
        if (folder / candidate).is_file():
            return folder / candidate
    return None
