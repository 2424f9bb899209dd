"""Pick a data set, load it on a worker thread (progress, cancel), show samples and class counts."""

from __future__ import annotations

import traceback

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.training.image_grid import ImageGrid, to_display
from playground.training.training_document import TrainingDocument
from playground.widgets.background import BackgroundTask

# Source key -> (label, needs a folder)
SOURCES = {
    "mnist-5k": ("Bundled MNIST subset (4,000 / 1,000 digits)", False),
    "shapes": ("Generated shapes (circle, square, triangle…)", False),
    "idx": ("IDX folder (MNIST, Fashion-MNIST)…", True),
    "cifar10": ("CIFAR-10 binary folder…", True),
    "folder": ("Image folder, one sub-folder per class…", True),
    "first-symbol": ("Sequences: remember the first symbol", False),
    "parity": ("Sequences: parity of a bit stream", False),
    "marked": ("Sequences: which marked number is larger", False),
}
SAMPLE_COUNT = 16


def loading_task(source: str, options: dict, parent: QObject) -> BackgroundTask:
    """A task that loads `source` with `core.data.sources.load_dataset(source, **options)`:
    progress (done, total), result (train, test), cancellable between files."""

    def job(progress, should_stop):
        from core.data.sources import load_dataset

        return load_dataset(source, progress=progress, should_stop=should_stop, **options)

    return BackgroundTask(job, name="dataset loading", parent=parent)


def _error_text(error: Exception) -> str:
    if isinstance(error, ValueError | OSError):
        return str(error)
    return traceback.format_exception_only(type(error), error)[-1].strip()


class DatasetPanel(QGroupBox):
    """Source picker + Load/Cancel + progress; the loaded data goes into the tab's
    `TrainingDocument` (images sized for its network), then `dataset_loaded(train, test)`."""

    dataset_loaded = Signal(object, object)
    load_failed = Signal(str)

    def __init__(self, document: TrainingDocument | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Data set", parent)
        self.setObjectName("datasetPanel")
        # Alone (no document given), the panel loads each source in its own default form.
        self.fits_network = document is not None
        self.document = document if document is not None else TrainingDocument(self)
        self._worker: BackgroundTask | None = None
        self._loading = False
        self._loaded_choice: tuple[str, str] | None = None  # (source key, folder) of train
        self._loading_choice: tuple[str, str] = ("", "")
        self._loading_source = ""
        self.source_box = QComboBox()
        self.source_box.setObjectName("datasetSource")
        for key, (label, _) in SOURCES.items():
            self.source_box.addItem(label, key)
        self.source_box.currentIndexChanged.connect(self._on_source_changed)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("folder…")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.load_button = QPushButton("Load")
        self.load_button.setObjectName("loadDataset")
        self.load_button.clicked.connect(self.load)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = QLabel("No data loaded yet.")
        self.status.setObjectName("datasetStatus")
        self.status.setWordWrap(True)
        self.samples = ImageGrid(columns=8, size=30)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source_box)
        layout.addLayout(folder_row)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.samples)
        self._on_source_changed()

    @property
    def train(self):
        """The loaded training split (the document's), or None."""
        return self.document.train

    @property
    def test(self):
        return self.document.test

    # --- choosing ------------------------------------------------------------------------
    def _on_source_changed(self) -> None:
        needs_folder = SOURCES[self.source_box.currentData()][1]
        self.folder_edit.setEnabled(needs_folder)
        self.browse_button.setEnabled(needs_folder)

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the data folder")
        if folder:
            self.folder_edit.setText(folder)

    def source(self) -> str:
        """The `load_dataset` source string for the current choice, e.g. "idx:/data/mnist"."""
        key = self.source_box.currentData()
        if SOURCES[key][1]:
            return f"{key}:{self.folder_edit.text().strip()}"
        return key

    def set_source(self, key: str, folder: str = "") -> None:
        self.source_box.setCurrentIndex(self.source_box.findData(key))
        self.folder_edit.setText(folder)

    # --- loading ---------------------------------------------------------------------------
    def is_loading(self) -> bool:
        return self._loading

    def load(self) -> bool:
        """Start loading the chosen source in a worker; False if a load is already running or
        a folder is missing."""
        if self.is_loading():
            return False
        source = self.source()
        if source.endswith(":"):
            self.status.setText("Choose a folder first (Browse…).")
            return False
        self._loading_choice = (self.source_box.currentData(), self.folder_edit.text())
        self._loading_source = source
        from core.train.fitting import data_options

        options = data_options(source, self.document.spec) if self.fits_network else {}
        if self._worker is not None:
            self._worker.discard()  # the last load, ended
        self._worker = loading_task(source, options, self)
        self._worker.progressed.connect(lambda values: self._on_progress(*values))
        self._worker.finished.connect(lambda result: self._on_loaded(*result))
        self._worker.failed.connect(lambda error: self._on_failed(_error_text(error)))
        self._worker.cancelled.connect(self._on_cancelled)
        self._loading = True
        self.load_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(f"Loading {source}…")
        self._worker.start()
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.stop()

    def shutdown(self) -> None:
        """Cancel a running load and wait a short grace for its thread (window closing); a load
        stuck longer is abandoned (see `BackgroundTask.abandon`)."""
        if self._worker is not None:
            self._worker.stop_or_abandon()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """Shown as a window of its own: stop and wait for the loading before closing."""
        self.shutdown()
        super().closeEvent(event)

    def _finish(self) -> None:
        self._loading = False
        self.load_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_failed(self, message: str) -> None:
        self._finish()
        self.status.setText(f"Could not load: {message}{self._kept_text()}")
        self.load_failed.emit(message)

    def _on_cancelled(self) -> None:
        self._finish()
        self.status.setText(f"Loading cancelled.{self._kept_text()}")

    def _kept_text(self) -> str:
        """Put the picker back on what is really loaded and say so (samples stay in step)."""
        if self.train is None or self._loaded_choice is None:
            self.samples.set_images([], [])
            return ""
        self.source_box.blockSignals(True)
        self.set_source(*self._loaded_choice)
        self.source_box.blockSignals(False)
        self._on_source_changed()
        return f"<br>Still using <b>{self.train.name}</b> ({len(self.train):,} train images)."

    def _on_loaded(self, train, test) -> None:
        self._finish()
        self._loaded_choice = self._loading_choice
        self.set_dataset(train, test, self._loading_source)

    def set_dataset(self, train, test, source: str | None = None) -> None:
        """Show a loaded (train, test) pair, hand it to the document and announce it;
        `source`: where it came from (the current choice when None)."""
        self.document.set_data(train, test, self.source() if source is None else source)
        counts = train.class_counts()
        listed = ", ".join(f"{n}: {c}" for n, c in zip(train.class_names, counts, strict=True))
        if getattr(train, "is_sequence", False):
            steps, values = train.shape
            what = (f"sequences of {steps} steps x {values} values (the steps follow the "
                    f"builder's Input)")
        else:
            what = "images, " + "x".join(map(str, train.shape))
        self.status.setText(
            f"<b>{train.name}</b>: {len(train):,} train / {len(test):,} test {what}, "
            f"{train.num_classes} classes.<br>"
            f"<small>Training images per class — {listed}</small>"
        )
        self._show_samples(train)
        self.dataset_loaded.emit(train, test)

    def _show_samples(self, train) -> None:
        # One sample per class first, then more, so every class appears in the strip.
        picks: list[int] = []
        for k in range(train.num_classes):
            found = np.flatnonzero(train.labels == k)
            if len(found):
                picks.append(int(found[0]))
        chosen = set(picks)
        extra = [i for i in range(min(len(train), 2 * SAMPLE_COUNT)) if i not in chosen]
        picks = (picks + extra)[:SAMPLE_COUNT]
        images = [to_display(self._raw(train, i)) for i in picks]
        captions = [train.class_names[int(train.labels[i])] for i in picks]
        self.samples.set_images(images, captions)

    @staticmethod
    def _raw(dataset, index: int) -> np.ndarray:
        image = dataset.images[index]
        if image.ndim == 2:  # a sequence, drawn as a grey image: one row per time step
            image = image[None]
        if dataset.mean is not None:
            mean = np.asarray(dataset.mean, np.float32)[:, None, None]
            std = np.asarray(dataset.std, np.float32)[:, None, None]
            image = image * std + mean
        return image
