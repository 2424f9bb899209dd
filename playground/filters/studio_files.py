"""The studio's file and clipboard actions: open dialog, samples and recent menus, drops,
save result (PNG or .npy, atomic) and copy result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QWidget

from core.files.images import atomic_write, write_image
from core.resources import sample_images
from playground.filters.image_loading import (
    array_to_qimage,
    image_paths_from_urls,
    local_files_from_urls,
    sample_thumbnail,
)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)"
RESULT_FILTER = "PNG image (*.png);;Raw float32 values (*.npy)"


class StudioFiles:
    """Thin glue between menus/dialogs and the studio; every outcome lands in its message bar."""

    def __init__(self, studio) -> None:
        self.studio = studio
        self.dialog: QFileDialog | None = None

    # ---- opening -------------------------------------------------------------------------
    def ask_open(self) -> QFileDialog:
        """A non-blocking Open dialog; the chosen file is opened."""
        dialog = QFileDialog(self.studio, "Open image", "", IMAGE_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.studio.open_path)
        dialog.open()
        self.dialog = dialog
        return dialog

    def make_samples_menu(self, parent: QWidget) -> QMenu:
        """A menu of the bundled sample images, each with a thumbnail."""
        menu = QMenu("&Samples", parent)
        menu.setObjectName("samplesMenu")
        for path in sample_images():
            action = menu.addAction(sample_thumbnail(path), path.stem.capitalize())
            action.setData(str(path))
            action.triggered.connect(lambda _=False, p=str(path): self.studio.open_path(p))
        return menu

    def fill_recent_menu(self, menu: QMenu) -> None:
        """(Re)build a recent-files menu; connect it to `aboutToShow`."""
        menu.clear()
        recent = self.studio.loader.recent_files()
        for path in recent:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setData(path)
            action.triggered.connect(lambda _=False, p=path: self.studio.open_path(p))
        if not recent:
            menu.addAction("(no recent files)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear the list", self.studio.loader.clear_recent)

    def open_dropped(self, urls: list[QUrl]) -> bool:
        """Open the first image file among dropped URLs; say so when there is none."""
        paths = image_paths_from_urls(urls)
        if paths:
            return self.studio.open_path(paths[0])
        files = local_files_from_urls(urls)
        if files:
            # Maybe an image with an unusual suffix: let the reader decide (it names the file).
            return self.studio.open_path(files[0])
        self.studio.show_message("Drop image files (PNG, JPEG, TIFF or BMP) to open them.")
        return False

    # ---- result out ----------------------------------------------------------------------
    def save_result(self, path: str | Path) -> bool:
        """Write the result: .npy holds the raw float32 values, other suffixes the display image.

        Atomic (a failure leaves any old file untouched); problems go to the message bar.
        """
        output = self.studio.output
        if output is None:
            self.studio.show_message("There is no result to save yet: open an image first.")
            return False
        path = Path(path)
        try:
            if path.suffix.lower() == ".npy":
                raw = np.ascontiguousarray(output.raw)
                atomic_write(path, lambda f: np.save(f, raw, allow_pickle=False))
            else:
                if not path.suffix:
                    path = path.with_suffix(".png")
                write_image(path, output.full_display)
        except (OSError, ValueError, TypeError) as error:
            self.studio.show_message(f"Could not save the result to {path}: {error}")
            return False
        self.studio.show_message(f"Saved the result to {path}", "info")
        return True

    def ask_save(self) -> QFileDialog:
        dialog = QFileDialog(self.studio, "Save result", "result.png", RESULT_FILTER)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.save_result)
        dialog.open()
        self.dialog = dialog
        return dialog

    def copy_result(self) -> bool:
        """Put the result (as displayed, full resolution) on the clipboard."""
        output = self.studio.output
        if output is None:
            self.studio.show_message("There is no result to copy yet: open an image first.")
            return False
        QApplication.clipboard().setImage(array_to_qimage(output.full_display))
        self.studio.show_message("Copied the result to the clipboard", "info")
        return True
