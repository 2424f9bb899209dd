"""Where the user's own kernels live: the JSON files the filter studio saves under
<data folder>/Playground/kernels, read by any tab that offers them (e.g. the builder's seed
dialog).

The folder is the platform's data folder (`~/.local/share` on Linux) with the application's name,
not Qt's AppDataLocation, which adds the organisation name too: with both "Playground" (kept, as
the settings file is named after it) that gave `Playground/Playground/kernels`. Kernels saved
there by earlier versions are moved over once (`move_old_kernels`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtWidgets import QListWidgetItem

APP_FOLDER = "Playground"


def user_data_folder() -> Path:
    """The user's Playground folder: <GenericDataLocation>/Playground."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base) / APP_FOLDER


def user_kernel_folder() -> Path:
    """Where the user's kernels are saved: <GenericDataLocation>/Playground/kernels."""
    return user_data_folder() / "kernels"


def old_kernel_folder() -> Path:
    """Where earlier versions saved kernels: <GenericDataLocation>/<organisation>/<app>/kernels."""
    organisation = QCoreApplication.organizationName() or APP_FOLDER
    application = QCoreApplication.applicationName() or APP_FOLDER
    return user_data_folder().parent / organisation / application / "kernels"


def move_old_kernels(old: Path | None = None, new: Path | None = None) -> list[Path]:
    """Move the kernel files of the old folder into the new one; returns where they went.

    A file whose name is taken keeps both: the same bytes are dropped as a duplicate, different
    ones get a free name ("edge 2.json"). The emptied old folders are removed, so this runs once;
    a file that cannot be moved stays where it is, listed again at the next start.
    """
    old = old_kernel_folder() if old is None else Path(old)
    new = user_kernel_folder() if new is None else Path(new)
    if old == new or not old.is_dir():
        return []
    moved = []
    try:
        new.mkdir(parents=True, exist_ok=True)
        files = sorted(p for p in old.iterdir() if p.is_file())
    except OSError:
        return []
    for source in files:
        target = new / source.name
        try:
            if target.exists() and target.read_bytes() == source.read_bytes():
                source.unlink()
                continue
            number = 2
            while target.exists():
                target = new / f"{source.stem} {number}{source.suffix}"
                number += 1
            shutil.move(str(source), str(target))
            moved.append(target)
        except OSError:
            continue
    for folder in (old, old.parent):  # .../Playground/Playground/kernels, then its parent
        try:
            folder.rmdir()
        except OSError:
            break
    return moved


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
