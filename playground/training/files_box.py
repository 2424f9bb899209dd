"""The "Network and files" box: which network, save/open a trained model, export the curves,
and pick an earlier run to compare with. It only asks (file dialogs) and emits requests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.train.bundle import HISTORY_SUFFIX, model_prefix

MODEL_FILTER = "Playground models (*.json);;All files (*)"
LOAD_RUN = "load"  # the compare combo's last item: pick a saved history file
HISTORY_FILTER = "Training histories (*.history.json);;JSON files (*.json);;All files (*)"


def saved_text(written: list[Path]) -> str:
    """A confirmation naming what was written, e.g. "Saved reference-trained.json, .npz and
    .history.json in /home/me"."""
    if not written:
        return "Nothing was saved."
    first = Path(written[0])
    prefix = model_prefix(first).name
    rest = [Path(w).name.removeprefix(prefix) for w in written[1:]]
    names = first.name + (", " + ", ".join(rest[:-1]) + " and " + rest[-1] if len(rest) > 1
                          else f" and {rest[0]}" if rest else "")
    return f"Saved {names} in {first.parent}"


def default_file_name(network_name: str) -> str:
    """The file name offered by Save model, like the command line's: "<name>-trained.json"."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in network_name.strip())
    return f"{cleaned.strip('.') or 'network'}-trained.json"


class ModelFilesOnly(QSortFilterProxyModel):
    """Hides training histories (NAME.history.json) from a file dialog, which lists NAME.json
    beside them: Qt's name filters can only include files, not leave some out."""

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 (Qt name)
        model = self.sourceModel()
        name = model.index(row, 0, parent).data() or ""
        return not str(name).lower().endswith(HISTORY_SUFFIX)


class NetworkFilesBox(QGroupBox):
    """Buttons for model and curve files; `comparison_changed(index or None)` for the combo,
    `compare_file_requested(path)` when the user picks a saved run to compare with."""

    save_requested = Signal(str)
    open_requested = Signal(str)
    export_requested = Signal(str, str)  # kind ("png" | "csv"), path
    comparison_changed = Signal(object)
    compare_file_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Network and files", parent)
        self.network_label = QLabel()
        self.network_label.setObjectName("networkLabel")
        self.network_label.setWordWrap(True)
        self.save_name = "network-trained.json"  # offered by Save model (see `default_file_name`)
        self.open_dialog: QFileDialog | None = None
        self.open_folder = ""  # where Open model starts ("" = the working folder)
        self.save_button = QPushButton("Save model…")
        self.save_button.setToolTip("Write the network, its weights and its training history")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.open_button = QPushButton("Open model…")
        self.open_button.setToolTip("Open a saved model to predict with or to train further")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.png_button = QPushButton("Curves as PNG…")
        self.png_button.clicked.connect(lambda: self._on_export_clicked("png"))
        self.csv_button = QPushButton("Curves as CSV…")
        self.csv_button.clicked.connect(lambda: self._on_export_clicked("csv"))
        self.compare_box = QComboBox()
        self.compare_box.setObjectName("compareRuns")
        self.compare_box.addItem("no comparison", None)
        self.compare_box.addItem("a saved run (history file)…", LOAD_RUN)
        self.compare_box.setToolTip("Overlay an earlier run's curves (dashed) on this one: a run "
                                    "of this session, or one saved with its model")
        self.compare_box.currentIndexChanged.connect(self._on_compare_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.network_label)
        for left, right in ((self.save_button, self.open_button),
                            (self.png_button, self.csv_button)):
            row = QHBoxLayout()
            row.addWidget(left)
            row.addWidget(right)
            layout.addLayout(row)
        compare_row = QHBoxLayout()
        compare_row.addWidget(QLabel("Compare with"))
        compare_row.addWidget(self.compare_box, 1)
        layout.addLayout(compare_row)

    def set_runs(self, runs: list[tuple[str, int]], chosen: int | None) -> None:
        """Offer these runs [(label, index in the document's list)] for comparison, the one
        compared with (`chosen`, or None for no comparison) selected; emits nothing."""
        box = self.compare_box
        box.blockSignals(True)
        while box.count() > 2:
            box.removeItem(1)
        for label, index in runs:
            box.insertItem(box.count() - 1, label, index)
        found = box.findData(chosen) if chosen is not None else -1
        box.setCurrentIndex(max(found, 0))
        box.blockSignals(False)

    def clear_comparison(self) -> None:
        self.compare_box.setCurrentIndex(0)

    def _on_compare_changed(self, _index: int) -> None:
        data = self.compare_box.currentData()
        if data != LOAD_RUN:
            self.comparison_changed.emit(data)
            return
        path, _ = QFileDialog.getOpenFileName(self, "Compare with a saved run", "",
                                              HISTORY_FILTER)
        if path:
            self.compare_file_requested.emit(path)
        else:
            self.clear_comparison()

    def set_files_enabled(self, enabled: bool) -> None:
        self.save_button.setEnabled(enabled)
        self.open_button.setEnabled(enabled)

    def _on_save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save trained model", self.save_name,
                                              MODEL_FILTER)
        if path:
            self.save_requested.emit(path)

    def _on_open_clicked(self) -> None:
        """A non-blocking file dialog listing model files only (histories hidden)."""
        dialog = QFileDialog(self, "Open trained model", self.open_folder, MODEL_FILTER)
        dialog.setObjectName("openModelDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setProxyModel(ModelFilesOnly(dialog))
        dialog.fileSelected.connect(self._on_model_file_chosen)
        self.open_dialog = dialog
        dialog.open()

    def _on_model_file_chosen(self, path: str) -> None:
        if path:
            self.open_folder = str(Path(path).parent)
            self.open_requested.emit(path)

    def _on_export_clicked(self, kind: str) -> None:
        title = "Save curves as PNG" if kind == "png" else "Save curves as CSV"
        pattern = "PNG images (*.png)" if kind == "png" else "CSV tables (*.csv)"
        path, _ = QFileDialog.getSaveFileName(self, title, f"curves.{kind}", pattern)
        if path:
            self.export_requested.emit(kind, path)
