"""File > Export…: the Training tab's trained model as a PyTorch folder or an ONNX file.

The user picks the format (a question box), then where (a save dialog); both are opened without
blocking the event loop. The export is worked out on a `BackgroundTask` from a private copy of
the model (training may start meanwhile), and the files are put in place in the GUI thread,
each replaced whole, as every save of the app is. A failure is one message, the missing `onnx`
extra included.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from playground.widgets.background import BackgroundTask
from playground.widgets.messages import show_error

ONNX_FILTER = "ONNX files (*.onnx)"
FORMAT_TEXT = (
    "PyTorch folder: the network as a torch.nn.Module, its weights, a training script that "
    "also runs on many processes or machines (torchrun), and a prediction script. It needs "
    "only torch and numpy.\n\n"
    "ONNX file: the network for onnxruntime and the other tools that read ONNX (exporting "
    "needs the onnx package: pip install .[export]).")


class ModelExport(QObject):
    """Export the trained model of `dashboard` (a `TrainingDashboard`); messages and dialogs
    open over `window`. `exported(path)` when the files are in place, `failed(text)` when not."""

    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, dashboard, window: QWidget) -> None:
        super().__init__(window)
        self.dashboard, self.window = dashboard, window
        self.task: BackgroundTask | None = None
        self.format_box: QMessageBox | None = None
        self.dialog: QFileDialog | None = None

    def problem(self) -> str:
        """Why there is nothing to export now ("" when there is)."""
        if self.dashboard.model is None:
            return ("There is no trained model to export yet: train one in the Training tab, "
                    "or open a saved one there.")
        if self.dashboard.is_training():
            return "Stop or finish training before exporting the model."
        if self.task is not None and self.task.is_running():
            return "An export is still being written; wait for it to finish."
        return ""

    def start(self) -> None:
        """Ask which format, then where; then export."""
        problem = self.problem()
        if problem:
            self._fail(problem)
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Export the trained model",
                          f"Export {self.dashboard.model.name!r} as:", parent=self.window)
        box.setObjectName("exportFormatBox")
        box.setInformativeText(FORMAT_TEXT)
        pytorch = box.addButton("PyTorch folder…", QMessageBox.ButtonRole.AcceptRole)
        onnx = box.addButton("ONNX file…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(pytorch)

        def chosen(_result: int) -> None:
            if box.clickedButton() is pytorch:
                self.ask_where("pytorch")
            elif box.clickedButton() is onnx:
                self.ask_where("onnx")

        box.finished.connect(chosen)
        self.format_box = box
        box.open()

    def ask_where(self, kind: str) -> QFileDialog:
        """The save dialog for `kind` ("pytorch": a new folder, "onnx": a .onnx file)."""
        name = self.dashboard.model.name or "network"
        if kind == "pytorch":
            from core.export.pytorch_folder import export_folder_name

            dialog = QFileDialog(self.window, "Export as a PyTorch folder (a new folder)",
                                 export_folder_name(name))
            dialog.setLabelText(QFileDialog.DialogLabel.FileName, "New folder:")
            dialog.setNameFilter("Folders (*)")
        else:
            dialog = QFileDialog(self.window, "Export as an ONNX file", f"{name}.onnx",
                                 ONNX_FILTER)
            dialog.setDefaultSuffix("onnx")
        dialog.setObjectName("exportDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Export")
        dialog.fileSelected.connect(lambda path: self.export_to(kind, path))
        self.dialog = dialog
        dialog.open()
        return dialog

    def export_to(self, kind: str, path: str) -> BackgroundTask | None:
        """Export the model as `kind` at `path`, worked out off the GUI thread."""
        problem = self.problem()
        if problem:
            self._fail(problem)
            return None
        model = _private_copy(self.dashboard.model)
        preprocessing, recipe = self.dashboard.preprocessing, self.dashboard.recipe
        if preprocessing is None:
            from core.train.preprocessing import Preprocessing

            preprocessing = Preprocessing(model.input_shape, model.classes)
        job = _pytorch_job if kind == "pytorch" else _onnx_job
        task = BackgroundTask(lambda progress, should_stop: job(
            model, preprocessing, recipe, progress, should_stop), name="export", parent=self)
        task.finished.connect(lambda planned: self._put_in_place(kind, Path(path), planned))
        task.failed.connect(lambda error: self._fail(_message(error)))
        self.task = task
        self.window.statusBar().showMessage(f"Exporting to {Path(path).name}…")
        task.start()
        return task

    def _put_in_place(self, kind: str, path: Path, planned) -> None:
        from core.export.errors import ExportRefused
        from core.files.atomic import atomic_write

        try:
            if kind == "pytorch":
                from core.export.pytorch_folder import write_export

                write_export(path, planned)
            else:
                atomic_write(path, lambda handle: handle.write(planned))
        except (ExportRefused, OSError) as error:
            self._fail(_message(error))
            return
        if kind == "pytorch":
            text = (f"Exported to {path}. In a terminal: cd there, then python train.py "
                    "(or torchrun --nproc_per_node 2 train.py); its README.md says more.")
        else:
            text = f"Exported to {path} (ONNX)."
        self.window.statusBar().showMessage(text, 15000)
        self.exported.emit(str(path))

    def _fail(self, text: str) -> None:
        show_error(self.window, "Cannot export the model", text)
        self.window.statusBar().clearMessage()
        self.failed.emit(text)


def _private_copy(model):
    """A copy of `model` (spec, seeded filters and weights) that training cannot change."""
    from core.nn.model import Sequential

    copy = Sequential.from_spec(model.spec())
    copy.set_weights(model.get_weights())
    return copy


def _pytorch_job(model, preprocessing, recipe, progress, should_stop):
    from core.export.pytorch_folder import pytorch_files

    return pytorch_files(model, preprocessing, recipe, progress=progress,
                         should_stop=should_stop)


def _onnx_job(model, preprocessing, recipe, progress, should_stop):
    """The ONNX file's bytes (written by the GUI thread, replacing the file whole)."""
    from core.export.onnx_file import onnx_bytes

    return onnx_bytes(model, preprocessing=preprocessing)


def _message(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror}"
    return str(error) or type(error).__name__
