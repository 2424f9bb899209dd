"""Preset kernels with small previews of their effect, their parameters, Sobel views, user kernels.

Previews (presets and the user's kernels) are computed off the GUI thread (a `LatestJobRunner`) on a
thumbnail of the current image. Parameter controls are generated from each preset's declared
parameters (slider + spin box). User kernels are JSON files in a folder under
QStandardPaths.AppDataLocation, listed after the built-in presets.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from core.image.filtering import angle_legend
from core.image.kernels import PRESETS, Kernel, load_kernel, make_preset, save_kernel
from playground.filters.image_loading import array_to_qimage
from playground.filters.kernel_document import MAX_SIZE, KernelDocument
from playground.filters.kernel_list import KernelList
from playground.filters.kernel_previews import (
    ICON_SIDE,
    blank_icon,
    compute_previews,
    preview_icon,
)
from playground.widgets.background import LatestJobRunner
from playground.widgets.slider_spin import SliderSpin
from playground.widgets.undo_keys import pass_undo_keys
from playground.widgets.user_kernels import section_header, user_kernel_folder

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
"""A list item's key: the preset name, or the user kernel's file path (as the document's
`source`)."""
SOBEL_PRESETS = ("Sobel x", "Sobel y")
SOBEL_VIEWS = {"gx": "Gx", "gy": "Gy", "magnitude": "Magnitude", "angle": "Angle"}
_SIZE_PARAMETERS = ("size", "n", "length")
PARAMETER_LABELS = {"n": "size", "angle_deg": "angle (°)"}
"""Labels of preset parameters whose names are terse in `core.image.kernels` (Box blur's n is its
size, as Gaussian's is)."""
PARAMETER_DECIMALS = {"sigma": 8, "angle_deg": 2}
"""Decimals of float parameters (default 3): sigma 0.84089642 from the notes can be typed."""
SOBEL_NOTES = {
    "kernel": "Gx and Gy are negative on one side of an edge: Show result is set to Absolute "
              "value so that both sides show bright.",
    "magnitude": "Computed at stride 1 with edge padding: the padding and stride settings "
                 "apply to Gx and Gy.",
}


def preset_defaults(name: str) -> dict:
    """The parameters a click on preset `name` uses (sizes limited to what the grid holds)."""
    return {key: (min(default, MAX_SIZE) if key in _SIZE_PARAMETERS else default)
            for key, (default, _low, _high) in PRESETS[name].parameters.items()}


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
        self.parameter_controls: dict[str, SliderSpin] = {}
        self._parameter_preset: str | None = None
        self.previews: dict[str, np.ndarray] = {}
        self._thumbnail: np.ndarray | None = None
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
        self.parameters_box = QGroupBox("Parameters")
        self.parameters_form = QFormLayout(self.parameters_box)
        # label above its control: the slider gets the panel's whole width
        self.parameters_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.parameters_box.hide()

        self.sobel_box = QGroupBox("Sobel view")
        self.sobel_buttons = QButtonGroup(self)
        sobel_row = QGridLayout()
        self.sobel_radios: dict[str, QRadioButton] = {}
        for index, (key, text) in enumerate(SOBEL_VIEWS.items()):
            radio = QRadioButton(text)
            radio.setObjectName(f"sobel_{key}")
            self.sobel_radios[key] = radio
            self.sobel_buttons.addButton(radio)
            sobel_row.addWidget(radio, index // 2, index % 2)
            radio.toggled.connect(lambda on, k=key: on and self._on_sobel_view(k))
        self.legend = QLabel()
        self.legend.setObjectName("angleLegend")
        self.legend.setPixmap(QPixmap.fromImage(array_to_qimage(angle_legend(72))))
        self.legend.setToolTip("Angle colours: hue = direction of the gradient (0° = pointing "
                               "right, 90° = down); brightness = its magnitude")
        self.legend_caption = QLabel("colour:\ndirection\n(→ 0°, ↓ 90°)\nbright:\nstrong edge")
        self.sobel_note = QLabel(SOBEL_NOTES["kernel"])
        self.sobel_note.setObjectName("sobelNote")
        self.sobel_note.setWordWrap(True)
        self.sobel_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        legend_page = QWidget()
        legend_row = QHBoxLayout(legend_page)
        legend_row.setContentsMargins(0, 0, 0, 0)
        legend_row.addWidget(self.legend)
        legend_row.addWidget(self.legend_caption, 1)
        # The note (Gx, Gy, magnitude) and the angle's legend share one place as tall as the
        # taller of them: the view buttons above never jump when the view changes.
        self.sobel_detail = QStackedWidget()
        self.sobel_detail.addWidget(self.sobel_note)
        self.sobel_detail.addWidget(legend_page)
        sobel_layout = QVBoxLayout(self.sobel_box)
        sobel_layout.addLayout(sobel_row)
        sobel_layout.addWidget(self.sobel_detail)
        self.sobel_box.hide()

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
        if self._thumbnail is not None:
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
                name = item.text()
                parameters = preset_defaults(name)
                kernel = make_preset(name, **parameters)
                self.document.set_kernel(kernel.values, divisor=kernel.divisor,
                                         offset=kernel.offset, name=name, source=name,
                                         parameters=parameters)
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
        self._show_parameters(source if preset is not None else None, document.parameters)
        is_sobel = preset is not None and source in SOBEL_PRESETS
        self.sobel_box.setVisible(is_sobel)
        if is_sobel:
            key = document.view if document.view != "kernel" else (
                "gx" if source == "Sobel x" else "gy")
            with QSignalBlocker(self.sobel_radios[key]):
                self.sobel_radios[key].setChecked(True)
        self.sobel_note.setText(SOBEL_NOTES["kernel" if document.view == "kernel"
                                            else "magnitude"])
        self.sobel_detail.setCurrentIndex(1 if document.view == "angle" else 0)

    # ---- parameters ----------------------------------------------------------------------
    def _show_parameters(self, name: str | None, values: dict) -> None:
        if name != self._parameter_preset:
            self._build_parameters(name)
        for key, control in self.parameter_controls.items():
            if key in values:
                control.set_value(values[key])

    def _build_parameters(self, name: str | None) -> None:
        while self.parameters_form.rowCount():
            self.parameters_form.removeRow(0)
        self.parameter_controls = {}
        self._parameter_preset = name
        parameters = PRESETS[name].parameters if name else {}
        for key, (default, low, high) in parameters.items():
            integer = isinstance(default, int)
            if key in _SIZE_PARAMETERS:
                high = min(high, MAX_SIZE)
            log = not integer and low > 0 and high / low >= 20
            control = SliderSpin(default, low, high, integer=integer, log=log,
                                 decimals=PARAMETER_DECIMALS.get(key, 3))
            control.setObjectName(f"param_{key}")
            control.value_changed.connect(self._on_parameter_changed)
            self.parameter_controls[key] = control
            label = PARAMETER_LABELS.get(key, key) + (" (slider on a log scale)" if log else "")
            self.parameters_form.addRow(label + ":", control)
            pass_undo_keys(control)
        self.parameters_box.setVisible(bool(parameters))

    def parameters(self) -> dict[str, float]:
        return {key: (int(c.value()) if c.integer else c.value())
                for key, c in self.parameter_controls.items()}

    def _on_parameter_changed(self, _value: float) -> None:
        name = self._parameter_preset
        if name is None:
            return
        parameters = self.parameters()
        try:
            kernel = make_preset(name, **parameters)
            self.document.set_kernel(kernel.values, divisor=kernel.divisor,
                                     offset=kernel.offset, name=name, source=name,
                                     parameters=parameters,
                                     merge_key=f"preset parameters: {name}")
        except ValueError as error:
            self.error.emit(str(error))

    # ---- Sobel views ---------------------------------------------------------------------
    def _on_sobel_view(self, key: str) -> None:
        if key in ("gx", "gy"):
            name = "Sobel x" if key == "gx" else "Sobel y"
            kernel = make_preset(name)
            self.document.set_kernel(kernel.values, divisor=kernel.divisor, name=name,
                                     source=name)
        else:
            self.document.set_view(key)

    def choose_sobel_view(self, key: str) -> None:
        """Switch the Sobel view (gx, gy, magnitude, angle) as clicking its button would."""
        self.sobel_radios[key].setChecked(True)

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
        """Recompute the list's effect previews from a small image (off the GUI thread)."""
        self._thumbnail = thumbnail
        user_kernels = {}
        for path in (self.list.item(i).data(PATH_ROLE) for i in range(self.list.count())):
            if path:
                try:
                    user_kernels[path] = load_kernel(path)
                except (ValueError, OSError):
                    continue  # listed without a preview; clicking it says what is wrong
        self._preview_runner.submit(
            lambda progress, should_stop: compute_previews(thumbnail, user_kernels, progress,
                                                           should_stop))

    def _on_previews(self, previews: dict) -> None:
        self.previews = previews
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
