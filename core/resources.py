"""Find the data shipped with Playground (sample images, the MNIST subset, presets).

From a checkout the files are in `resources/` beside the packages; in an installed wheel they are
packaged as `core/_resources/`. Both are found the same way through `resource_path`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATES = (_PACKAGE_DIR.parent / "resources", _PACKAGE_DIR / "_resources")

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


def resource_dir() -> Path:
    """The folder holding the shipped resources."""
    for candidate in _CANDIDATES:
        if (candidate / "images").is_dir():
            return candidate
    raise FileNotFoundError(
        "Playground's resources were not found; looked in "
        + ", ".join(str(c) for c in _CANDIDATES)
        + ". Reinstall the package."
    )


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. `resource_path("images", "camera.png")`."""
    path = resource_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"no shipped resource {'/'.join(parts)!r} (looked at {path})")
    return path


def sample_images() -> list[Path]:
    """The bundled sample images, sorted by name."""
    folder = resource_dir() / "images"
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def data_licences() -> str:
    """The text of every SOURCES.md shipped with the data, for the About box."""
    root = resource_dir()
    parts = [p.read_text(encoding="utf-8") for p in sorted(root.rglob("SOURCES.md"))]
    return "\n\n".join(parts)
