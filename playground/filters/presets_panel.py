"""Preset kernels with small previews of their effect, their parameters, Sobel views, user kernels.

Previews (presets and the user's kernels) are computed off the GUI thread (a `LatestJobRunner`) on a
thumbnail of the current image. The chosen preset's parameters (`preset_parameters`) and the Sobel
views (`sobel_view_box`) are boxes below the list. User kernels are JSON files in a folder under
<data folder>/Playground/kernels, listed after the built-in presets.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from core.image.kernels import PRESETS, Kernel, load_kernel, make_preset, save_kernel
from playground.filters.kernel_document import KernelDocument
from playground.filters.kernel_list import KernelList
from playground.filters.kernel_previews import (
    ICON_SIDE,
    blank_icon,
    compute_previews,
    preset_previews,
    preview_icon,
    preview_sample,
)
from playground.filters.preset_parameters import PresetParameters, preset_defaults
from playground.filters.sobel_view_box import SobelViewBox
from playground.widgets.background import LatestJobRunner
from playground.widgets.slider_spin import SliderSpin
from playground.widgets.user_kernels import section_header, user_kernel_folder

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
"""A list item's key: the preset name, or the user kernel's file path (as the document's
`source`)."""


class PresetsPanel(QWidget):
    """The kernel list, the chosen preset's parameters and Sobel views, and saving.

    Follows a `KernelDocument`: the selection, parameters, Sobel view and description always
    show the document's state (so undo moves them too); clicks edit the document.
    Signals: `error(str)`, `saved(str)`.
    """

    error = Signal(str)
    saved = Signal(str)

    def __init__(self, document: KernelDocument, folder: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.folder = Path(folder) if folder is not None else user_kernel_folder()
        self.previews: dict[str, np.ndarray] = {}
        self._thumbnail = preview_sample()  # one fixed picture: previews mean the same always
        self._preview_runner = LatestJobRunner(self)
        self._preview_runner.result_ready.connect(self._on_previews)

        self.list = KernelList()
        self.list.setObjectName("presetList")
        self.list.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(1)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("presetDescription")
        self.parameters_box = PresetParameters(document)
        self.parameters_box.error.connect(self.error)
        self.parameters_form = self.parameters_box.form
        self.sobel_box = SobelViewBox(document)
        # the Sobel box's parts, reachable from the panel
        self.sobel_radios = self.sobel_box.radios
        self.legend, self.sobel_note = self.sobel_box.legend, self.sobel_box.note

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("kernelNameEdit")
        self.name_edit.setPlaceholderText("name for your kernel")
        self.save_button = QPushButton("Save kernel")
        self.save_button.setObjectName("saveKernelButton")
        # The name box shows its whole placeholder: beside the button when there is room,
        # above it in a narrow panel (see `resizeEvent`).
        save_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        save_row.addWidget(self.name_edit, 1)
        save_row.addWidget(self.save_button)
        self.save_row = save_row

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Kernels</b> (click to use)"))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.parameters_box)
        layout.addWidget(self.sobel_box)
        layout.addLayout(save_row)
        self.reload_list()
        document.changed.connect(self.follow_document)
        self.follow_document()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        placeholder = self.name_edit.fontMetrics().horizontalAdvance(
            self.name_edit.placeholderText())
        one_row = placeholder + 12 + self.save_button.sizeHint().width() + self.save_row.spacing()
        direction = (QBoxLayout.Direction.LeftToRight if event.size().width() >= one_row
                     else QBoxLayout.Direction.TopToBottom)
        if self.save_row.direction() != direction:
            self.save_row.setDirection(direction)

    def sizeHint(self) -> QSize:
        return QSize(self.list_width(), super().sizeHint().height())

    def list_width(self) -> int:
        """Width in which every preset's name fits beside its preview (the preferred width; a
        small window narrows the list and shortens the longest names, whole in their tooltips)."""
        metrics = self.list.fontMetrics()
        text = max(metrics.horizontalAdvance(name) for name in PRESETS)
        scroll_bar = self.list.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return ICON_SIDE + text + scroll_bar + 2 * self.list.frameWidth() + 28

    # ---- list ----------------------------------------------------------------------------
    def reload_list(self) -> None:
        """Built-in presets, then the user's saved kernels (sorted by name)."""
        self.list.blockSignals(True)
        self.list.clear()
        for name in PRESETS:
            item = QListWidgetItem(name)
            item.setToolTip(f"<b>{name}</b>: {PRESETS[name].description}")
            item.setData(KEY_ROLE, name)
            self.list.addItem(item)
        user_files = sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []
        if user_files:
            self.list.addItem(section_header("My kernels"))
        for path in user_files:
            item = QListWidgetItem(path.stem)
            item.setData(PATH_ROLE, str(path))
            item.setData(KEY_ROLE, str(path))
            item.setToolTip(str(path))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._set_icons()
        if hasattr(self, "document"):
            self.follow_document()
        self.set_preview_source(self._thumbnail)

    def user_kernel_names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).data(PATH_ROLE)]

    def select(self, name: str) -> None:
        """Pick a preset or user kernel by its name, as a click would."""
        matches = self.list.findItems(name, Qt.MatchFlag.MatchExactly)
        if not matches:
            raise KeyError(name)
        self.list.setCurrentItem(matches[-1])
        self.list.scrollToItem(matches[-1])

    def load_preset(self, name: str, **parameters: float) -> None:
        """Load preset `name` into the document with `parameters` (the others at the values a
        click uses), e.g. `load_preset("Gaussian", size=7, sigma=0.84089642)`."""
        values = {**preset_defaults(name), **parameters}
        kernel = make_preset(name, **values)
        self.document.set_kernel(kernel.values, divisor=kernel.divisor, offset=kernel.offset,
                                 name=name, source=name, parameters=values)

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.text() if item else None

    def _item_for(self, key: str) -> QListWidgetItem | None:
        for index in range(self.list.count()):
            item = self.list.item(index)
            if key and item.data(KEY_ROLE) == key:
                return item
        return None

    def _on_current_changed(self, item: QListWidgetItem | None, _previous=None) -> None:
        """A click on the list: load that kernel into the document."""
        if item is None or not item.data(KEY_ROLE):
            return
        path = item.data(PATH_ROLE)
        try:
            if path:
                kernel = load_kernel(path)
                self.document.set_kernel(kernel.values, divisor=kernel.divisor,
                                         offset=kernel.offset, name=item.text(), source=path)
            else:
                self.load_preset(item.text())
        except (ValueError, OSError) as error:
            self.error.emit(f"Cannot load kernel: {error}")
            self.follow_document()  # the selection goes back to the document's kernel

    # ---- following the document ----------------------------------------------------------
    def follow_document(self) -> None:
        """Show the document's kernel: selection, description, parameters, Sobel view."""
        document = self.document
        source = document.source
        item = self._item_for(source)
        if item is not self.list.currentItem():
            with QSignalBlocker(self.list):
                if item is None:
                    self.list.setCurrentRow(-1)
                    self.list.clearSelection()
                else:
                    self.list.setCurrentItem(item)
                    self.list.scrollToItem(item)
        preset = PRESETS.get(source) if item is not None and not item.data(PATH_ROLE) else None
        if preset is not None:
            self.description.setText(preset.description)
        elif item is not None:
            self.description.setText(f"Your kernel, saved in {source}")
        elif source:  # a kernel file no longer in the list
            self.description.setText(f"<b>{document.name}</b>, from {source}")
        else:
            self.description.setText(f"<b>{document.name}</b>: edited by hand. Click a kernel "
                                     "above to start again from it.")
        listed_preset = source if preset is not None else None
        self.parameters_box.show_preset(listed_preset, document.parameters)
        self.sobel_box.follow(listed_preset)

    # ---- parameters and Sobel views -----------------------------------------------------
    @property
    def parameter_controls(self) -> dict[str, SliderSpin]:
        """The chosen preset's controls by parameter name (empty without a preset)."""
        return self.parameters_box.controls

    def parameters(self) -> dict[str, float]:
        return self.parameters_box.values()

    def choose_sobel_view(self, key: str) -> None:
        """Switch the Sobel view (gx, gy, magnitude, angle) as clicking its button would."""
        self.sobel_box.choose(key)

    # ---- saving --------------------------------------------------------------------------
    def save_current(self, kernel: Kernel) -> Path | None:
        """Save `kernel` under the name typed in the name field; the list then shows it, and
        the document becomes that saved kernel (its name and entry selected; one undo step)."""
        name = self.name_edit.text().strip()
        if not re.fullmatch(r"[\w\- ]{1,60}", name or ""):
            self.error.emit("Type a name for the kernel (letters, digits, spaces, - or _), "
                            "then press Save kernel.")
            return None
        path = self.folder / f"{name}.json"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_kernel(path, Kernel(name, kernel.values, kernel.divisor, kernel.offset))
        except (OSError, ValueError) as error:
            self.error.emit(f"Cannot save the kernel to {path}: {error}")
            return None
        self.reload_list()
        self.document.set_kernel(kernel.values, divisor=kernel.divisor, offset=kernel.offset,
                                 name=name, source=str(path))
        self.saved.emit(str(path))
        return path

    # ---- previews ------------------------------------------------------------------------
    def set_preview_source(self, thumbnail: np.ndarray) -> None:
        """Show the presets' previews (made once, on `kernel_previews.preview_sample()`) and
        compute those of the user's kernels on `thumbnail` off the GUI thread."""
        self._thumbnail = thumbnail
        self.previews = dict(preset_previews())
        user_kernels = {}
        for path in (self.list.item(i).data(PATH_ROLE) for i in range(self.list.count())):
            if path:
                try:
                    user_kernels[path] = load_kernel(path)
                except (ValueError, OSError):
                    continue  # listed without a preview; clicking it says what is wrong
        self._set_icons()
        if user_kernels:
            self._preview_runner.submit(
                lambda progress, should_stop: compute_previews(thumbnail, user_kernels,
                                                               progress, should_stop))

    def _on_previews(self, previews: dict) -> None:
        self.previews = {**preset_previews(), **previews}
        self._set_icons()

    def _set_icons(self) -> None:
        """Previews where computed, a blank square until then: rows keep one height."""
        for index in range(self.list.count()):
            item = self.list.item(index)
            key = item.data(KEY_ROLE)
            if key:
                item.setIcon(preview_icon(self.previews[key]) if key in self.previews
                             else blank_icon())

    def shutdown(self) -> None:
        self._preview_runner.shutdown()
