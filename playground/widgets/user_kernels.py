"""Where the user's own kernels live: the JSON files the filter studio saves under
<AppDataLocation>/kernels, read by any tab that offers them (e.g. the builder's seed dialog)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QListWidgetItem


def user_kernel_folder() -> Path:
    """Where the user's kernels are saved: <AppDataLocation>/kernels."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "kernels"


def user_kernel_files(folder: Path | None = None) -> list[Path]:
    """The kernel files (*.json) in `folder` (default: the user's folder), sorted as the filter
    studio lists them; empty when the folder does not exist or cannot be read."""
    folder = user_kernel_folder() if folder is None else Path(folder)
    try:
        return sorted(p for p in folder.glob("*.json") if p.is_file())
    except OSError:
        return []


def section_header(text: str) -> QListWidgetItem:
    """A bold, unselectable list item that heads a group (e.g. "My kernels")."""
    header = QListWidgetItem(text)
    header.setFlags(Qt.ItemFlag.NoItemFlags)
    font = header.font()
    font.setBold(True)
    header.setFont(font)
    return header
