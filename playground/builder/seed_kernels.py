"""Seed a Conv2D block's filters with kernels from the filter studio (Sobel, Gaussian, the kernels
the user saved there, any kernel file), optionally frozen, so a hand-made edge detector can be
compared with a learned one. The seeds go into the spec entry as
`"init": {"kernels": [{"name", "values"}, ...]}`, plus `"freeze": true` when only the seeded
filters are kept as they are; freezing the whole block sets its config's `"trainable": false`."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.nn.kernel_init import fit_kernel
from core.nn.wording import plural
from playground.widgets.user_kernels import section_header, user_kernel_files

SIZE_PARAMETERS = ("size", "n", "length")


def kernel_seed(name: str, values, size: int) -> dict:
    """{"name", "values"} with `values` (2-D) centred, cropped or zero-padded to size x size."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim != 2:
        raise ValueError(f"kernel {name!r} has {array.shape[2]} colour channels; a filter seed "
                         "must be one 2-D kernel (it is applied to every input channel)")
    return {"name": name, "values": np.round(fit_kernel(array, size), 8).tolist()}


def preset_seed(name: str, size: int) -> dict:
    """A seed from the filter studio's preset `name`, built at `size` when the preset has a size."""
    from core.image.kernels import PRESETS, make_preset

    preset = PRESETS[name]
    params = {}
    for key in SIZE_PARAMETERS:
        if key in preset.parameters:
            _default, low, high = preset.parameters[key]
            if low <= size <= high:
                params[key] = size
    kernel = make_preset(name, **params)
    return kernel_seed(name, kernel.effective(), size)


def grid_text(values) -> str:
    """A kernel as aligned rows of numbers, for a monospace preview."""
    rows = [[f"{v:g}" for v in row] for row in values]
    width = max(len(cell) for row in rows for cell in row)
    return "\n".join("  ".join(cell.rjust(width) for cell in row) for row in rows)


class SeedKernelsDialog(QDialog):
    """Choose kernels for the first filters of Conv2D block `index`, and what to freeze: nothing,
    only the seeded filters, or the whole block."""

    def __init__(self, document, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from core.image.kernels import PRESETS

        self.setObjectName("seedKernelsDialog")
        self.setWindowTitle("Seed filters from kernels")
        self.document = document
        self.index = index
        layer = document.layer(index)
        self.size = int(layer["config"]["kernel_size"])
        self.filters = int(layer["config"]["out_channels"])
        self._library: dict[str, dict] = {}
        self.seeds: list[dict] = [dict(k) for k in layer.get("init", {}).get("kernels", [])]

        intro = QLabel(
            f"Block {index} has {plural(self.filters, 'filter')} of {self.size} x {self.size}. "
            "Pick a kernel for each filter you want to start from; the others start random. "
            "Each kernel is applied to every input channel, resized to the filter size.")
        intro.setWordWrap(True)
        self.available = QListWidget()
        self.available.setObjectName("availableKernels")
        self.available.setMinimumWidth(210)
        for name in PRESETS:
            try:
                self._library[name] = preset_seed(name, self.size)
            except ValueError:
                continue
            self.available.addItem(name)
        skipped = self._add_user_kernels()
        self.chosen = QListWidget()
        self.chosen.setObjectName("chosenKernels")
        self.chosen.setMinimumWidth(170)
        self.preview = QLabel()
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.preview.setFont(font)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.learn_all = QRadioButton("Let every filter learn (the seeds are only a start)")
        self.freeze_seeded = QRadioButton("Freeze only these filters: they stay as seeded, the "
                                          "other filters learn")
        self.freeze_block = QRadioButton("Freeze the whole block: no filter learns")
        for button, name in ((self.learn_all, "learnAll"), (self.freeze_seeded, "freezeSeeded"),
                             (self.freeze_block, "freezeBlock")):
            button.setObjectName(name)
        if layer["config"].get("trainable") is False:
            self.freeze_block.setChecked(True)
        elif layer.get("init", {}).get("freeze") is True:
            self.freeze_seeded.setChecked(True)
        else:
            self.learn_all.setChecked(True)
        add = QPushButton("Add →")
        add.clicked.connect(lambda: self._add_current())
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_current)
        load = QPushButton("Load kernel file…")
        load.clicked.connect(self._on_load_clicked)
        self.available.itemDoubleClicked.connect(lambda _item: self._add_current())
        self.available.currentTextChanged.connect(self._show_preview)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        grid = QGridLayout()
        grid.addWidget(QLabel("Kernels"), 0, 0)
        grid.addWidget(QLabel("Filters, in order"), 0, 2)
        grid.addWidget(self.available, 1, 0, 3, 1)
        grid.addWidget(add, 1, 1)
        grid.addWidget(remove, 2, 1)
        grid.addWidget(self.chosen, 1, 2, 3, 1)
        grid.addWidget(load, 4, 0)
        grid.addWidget(self.preview, 1, 3, 3, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        for button in (self.learn_all, self.freeze_seeded, self.freeze_block):
            layout.addWidget(button)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._refresh_chosen()
        self.available.setCurrentRow(0)
        if skipped:
            self.message.setText("Some of your saved kernels cannot seed a filter: "
                                 + "; ".join(skipped))

    def _add_user_kernels(self) -> list[str]:
        """List the kernels saved in the filter studio (<data folder>/Playground/kernels) under the
        presets, headed "My kernels"; returns why any of them could not be listed."""
        from core.image.kernels import load_kernel

        skipped, mine = [], []
        for path in user_kernel_files():
            try:
                seed = kernel_seed(path.stem, load_kernel(path).effective(), self.size)
            except ValueError as error:
                skipped.append(str(error).replace(str(path), path.name))
                continue
            name = path.stem if path.stem not in self._library else f"{path.stem} (mine)"
            seed["name"] = name
            self._library[name] = seed
            mine.append((name, path))
        if mine:
            self.available.addItem(section_header("My kernels"))
        for name, path in mine:
            item = QListWidgetItem(name)
            item.setToolTip(str(path))
            self.available.addItem(item)
        return skipped

    def kernel_names(self) -> list[str]:
        """The kernels offered, in list order (presets first, then the user's own)."""
        return [self.available.item(i).text() for i in range(self.available.count())
                if self.available.item(i).text() in self._library]

    def add_kernel(self, name: str) -> bool:
        """Give the next filter the kernel `name` (a preset or a loaded file)."""
        if name not in self._library:
            self.message.setText(f"No kernel called {name!r}.")
            return False
        if len(self.seeds) >= self.filters:
            every = "The only filter" if self.filters == 1 else f"All {self.filters} filters"
            self.message.setText(f"{every} already {'has' if self.filters == 1 else 'have'} a "
                                 "kernel; remove one or add filters to the block.")
            return False
        self.seeds.append(dict(self._library[name]))
        self.message.clear()
        self._refresh_chosen()
        return True

    def load_kernel_file(self, path: str) -> bool:
        """Read a kernel JSON file saved by the filter studio and add it to the list."""
        from core.image.kernels import load_kernel

        try:
            kernel = load_kernel(path)
            seed = kernel_seed(kernel.name, kernel.effective(), self.size)
        except ValueError as error:
            self.message.setText(str(error))
            return False
        name = kernel.name if kernel.name not in self._library else f"{kernel.name} (file)"
        seed["name"] = name
        self._library[name] = seed
        self.available.addItem(name)
        self.available.setCurrentRow(self.available.count() - 1)
        self.message.clear()
        return True

    def accept(self) -> None:
        self.document.set_kernel_init(self.index, self.seeds, not self.freeze_block.isChecked(),
                                      freeze_seeded=self.freeze_seeded.isChecked())
        super().accept()

    def _add_current(self) -> None:
        item = self.available.currentItem()
        if item is not None:
            self.add_kernel(item.text())

    def _remove_current(self) -> None:
        row = self.chosen.currentRow()
        if 0 <= row < len(self.seeds):
            del self.seeds[row]
            self._refresh_chosen()

    def _refresh_chosen(self) -> None:
        self.chosen.clear()
        for i, seed in enumerate(self.seeds):
            self.chosen.addItem(f"filter {i}: {seed['name']}")

    def _show_preview(self, name: str) -> None:
        seed = self._library.get(name)
        self.preview.setText(f"{name} at {self.size} x {self.size}\n\n{grid_text(seed['values'])}"
                             if seed else "")

    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open kernel", "", "Kernels (*.json)")
        if path:
            self.load_kernel_file(path)
