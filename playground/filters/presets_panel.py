"""Preset kernels with small previews of their effect, their parameters, Sobel views, user kernels.

Previews are computed off the GUI thread (a `FilterRunner`) on a thumbnail of the current image.
Parameter controls are generated from each preset's declared parameters (slider + spin box).
User kernels are JSON files in a folder under QStandardPaths.AppDataLocation, listed after the
built-in presets.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, QStandardPaths, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.filtering import angle_legend, apply_kernel
from core.images import to_uint8
from core.kernels import PRESETS, Kernel, load_kernel, make_preset, save_kernel
from playground.filters.filter_worker import FilterRunner
from playground.filters.image_loading import array_to_qimage
from playground.filters.kernel_document import MAX_SIZE
from playground.widgets.slider_spin import SliderSpin

ICON_SIDE = 44
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
SOBEL_PRESETS = ("Sobel x", "Sobel y")
SOBEL_VIEWS = {"gx": "Gx", "gy": "Gy", "magnitude": "Magnitude", "angle": "Angle"}
_SIZE_PARAMETERS = ("size", "n", "length")


def user_kernel_folder() -> Path:
    """Where the user's kernels are saved: <AppDataLocation>/kernels."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "kernels"


def compute_previews(thumbnail: np.ndarray, progress, should_stop) -> dict[str, np.ndarray]:
    """Each preset (default parameters) applied to a small image: name -> uint8 (h, w[, 3])."""
    previews = {}
    for index, name in enumerate(PRESETS):
        if should_stop():
            break
        kernel = make_preset(name)
        result = apply_kernel(thumbnail, kernel, padding="edge")
        flat = abs(float(kernel.effective().sum())) < 1e-6
        previews[name] = to_uint8(result, scale="abs" if flat else "clip")
        progress((index + 1) / len(PRESETS))
    return previews


class PresetsPanel(QWidget):
    """Signals: `kernel_chosen(Kernel, merge_key)`, `sobel_view_changed(str)`, `error(str)`,
    `saved(str)`. merge_key is non-empty while a parameter is being dragged, so that the edits
    of one preset's parameters make a single undo step."""

    kernel_chosen = Signal(object, str)
    sobel_view_changed = Signal(str)
    error = Signal(str)
    saved = Signal(str)

    def __init__(self, folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(folder) if folder is not None else user_kernel_folder()
        self.parameter_controls: dict[str, SliderSpin] = {}
        self.previews: dict[str, np.ndarray] = {}
        self._preview_runner = FilterRunner(self)
        self._preview_runner.result_ready.connect(self._on_previews)

        self.list = QListWidget()
        self.list.setObjectName("presetList")
        self.list.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.list.setSpacing(1)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("presetDescription")
        self.parameters_box = QGroupBox("Parameters")
        self.parameters_form = QFormLayout(self.parameters_box)
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
        sobel_layout = QVBoxLayout(self.sobel_box)
        sobel_layout.addLayout(sobel_row)
        legend_row = QHBoxLayout()
        legend_row.addWidget(self.legend)
        legend_row.addWidget(self.legend_caption, 1)
        sobel_layout.addLayout(legend_row)
        self.sobel_box.hide()

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("kernelNameEdit")
        self.name_edit.setPlaceholderText("name for your kernel")
        self.save_button = QPushButton("Save kernel")
        self.save_button.setObjectName("saveKernelButton")
        save_row = QHBoxLayout()
        save_row.addWidget(self.name_edit, 1)
        save_row.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Kernels</b> (click to use)"))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.parameters_box)
        layout.addWidget(self.sobel_box)
        layout.addLayout(save_row)
        self.reload_list()

    # ---- list ----------------------------------------------------------------------------
    def reload_list(self) -> None:
        """Built-in presets, then the user's saved kernels (sorted by name)."""
        current = self.list.currentItem().text() if self.list.currentItem() else None
        self.list.blockSignals(True)
        self.list.clear()
        for name in PRESETS:
            item = QListWidgetItem(name)
            item.setToolTip(PRESETS[name].description)
            if name in self.previews:
                item.setIcon(_icon(self.previews[name]))
            self.list.addItem(item)
        user_files = sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []
        if user_files:
            header = QListWidgetItem("My kernels")
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.list.addItem(header)
        for path in user_files:
            item = QListWidgetItem(path.stem)
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(str(path))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if current:
            matches = self.list.findItems(current, Qt.MatchFlag.MatchExactly)
            if matches:
                self.list.blockSignals(True)
                self.list.setCurrentItem(matches[-1])
                self.list.blockSignals(False)

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

    def _on_current_changed(self, item: QListWidgetItem | None, _previous=None) -> None:
        if item is None:
            return
        path = item.data(PATH_ROLE)
        if path:
            self._build_parameters(None)
            self.sobel_box.hide()
            self.sobel_view_changed.emit("kernel")
            self.description.setText(f"Your kernel, saved in {path}")
            try:
                kernel = load_kernel(path)
            except (ValueError, OSError) as error:
                self.error.emit(f"Cannot load kernel: {error}")
                return
            self._emit(kernel)
            return
        name = item.text()
        preset = PRESETS[name]
        self.description.setText(preset.description)
        self._build_parameters(name)
        is_sobel = name in SOBEL_PRESETS
        self.sobel_box.setVisible(is_sobel)
        if is_sobel:
            key = "gx" if name == "Sobel x" else "gy"
            self.sobel_radios[key].blockSignals(True)
            self.sobel_radios[key].setChecked(True)
            self.sobel_radios[key].blockSignals(False)
        self.sobel_view_changed.emit("kernel")
        self._emit_preset()

    # ---- parameters ----------------------------------------------------------------------
    def _build_parameters(self, name: str | None) -> None:
        while self.parameters_form.rowCount():
            self.parameters_form.removeRow(0)
        self.parameter_controls = {}
        parameters = PRESETS[name].parameters if name else {}
        for key, (default, low, high) in parameters.items():
            integer = isinstance(default, int)
            if key in _SIZE_PARAMETERS:
                high = min(high, MAX_SIZE)
            control = SliderSpin(default, low, high, integer=integer)
            control.setObjectName(f"param_{key}")
            control.value_changed.connect(self._emit_preset)
            self.parameter_controls[key] = control
            self.parameters_form.addRow(key.replace("_deg", " (°)") + ":", control)
        self.parameters_box.setVisible(bool(parameters))

    def parameters(self) -> dict[str, float]:
        return {key: (int(c.value()) if c.integer else c.value())
                for key, c in self.parameter_controls.items()}

    def _emit_preset(self, *args) -> None:
        item = self.list.currentItem()
        if item is None or item.data(PATH_ROLE):
            return
        try:
            kernel = make_preset(item.text(), **self.parameters())
        except ValueError as error:
            self.error.emit(str(error))
            return
        self._emit(kernel, f"preset parameters: {item.text()}" if args else "")

    def _emit(self, kernel: Kernel, merge_key: str = "") -> None:
        self.kernel_chosen.emit(kernel, merge_key)

    # ---- Sobel views ---------------------------------------------------------------------
    def _on_sobel_view(self, key: str) -> None:
        if key in ("gx", "gy"):
            self._emit(make_preset("Sobel x" if key == "gx" else "Sobel y"))
            self.sobel_view_changed.emit("kernel")
        else:
            self.sobel_view_changed.emit(key)

    def choose_sobel_view(self, key: str) -> None:
        """Switch the Sobel view (gx, gy, magnitude, angle) as clicking its button would."""
        self.sobel_radios[key].setChecked(True)

    # ---- saving --------------------------------------------------------------------------
    def save_current(self, kernel: Kernel) -> Path | None:
        """Save `kernel` under the name typed in the name field; the list then shows it."""
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
        self.saved.emit(str(path))
        return path

    # ---- previews ------------------------------------------------------------------------
    def set_preview_source(self, thumbnail: np.ndarray) -> None:
        """Recompute the list's effect previews from a small image (off the GUI thread)."""
        self._preview_runner.submit(
            lambda progress, should_stop: compute_previews(thumbnail, progress, should_stop))

    def _on_previews(self, previews: dict) -> None:
        self.previews = previews
        for index in range(self.list.count()):
            item = self.list.item(index)
            if item.text() in previews and not item.data(PATH_ROLE):
                item.setIcon(_icon(previews[item.text()]))

    def shutdown(self) -> None:
        self._preview_runner.shutdown()


def _icon(pixels: np.ndarray) -> QIcon:
    pixmap = QPixmap.fromImage(array_to_qimage(pixels))
    return QIcon(pixmap.scaled(ICON_SIDE, ICON_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation))
