"""The Training tab's file side: save and open a trained model, export the curves, compare
with earlier runs. A mixin of `TrainingDashboard`, which provides `document` (the state read
and changed here), `curves`, `files_box`, `views`, `results`, `stop`, `is_training` and
`model_opened`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.train.bundle import load_bundle, model_prefix, save_bundle
from core.train.history import History
from core.train.run_data import RunData
from playground.training.controls import progress_text, summary_text
from playground.training.files_box import MODEL_FILTER, saved_text
from playground.widgets.messages import show_error


def opened_progress(history) -> tuple[int, int]:
    """(done, total) for the progress bar of an opened model: full when its run finished (or
    without a history), else where the saved run stopped."""
    if history is None or history.stop_reason == "finished" or not history.batches:
        return 1, 1
    epochs = history.meta.get("epochs") if isinstance(history.meta, dict) else None
    if not isinstance(epochs, int) or epochs < 1:
        return 1, 1
    done, total, _text = progress_text(history.batches[-1], epochs, 1.0)
    return done, total


class DashboardFiles:
    """Save / open / export / compare for the dashboard (see the module docstring)."""

    def save_model(self, path: str) -> list:
        """Save the trained model as a bundle at `path`: spec, weights, preprocessing, recipe
        and history (see `core.train.bundle`)."""
        if self.model is None:
            raise ValueError("There is no trained model to save yet: train one first.")
        if self.is_training():
            raise ValueError("Stop or finish training before saving the model.")
        written = save_bundle(path, self.model, recipe=self.recipe, history=self.history,
                              preprocessing=self.preprocessing)
        self.document.mark_saved(saved_text(written))
        return written

    @property
    def model_saved(self) -> bool:
        return self.document.model_saved

    def has_unsaved_model(self) -> bool:
        """True while training, and when a model was trained here since it was last saved or
        opened."""
        return self.is_training() or self.document.has_unsaved_model()

    def save_model_then(self, on_saved: Callable[[], None]) -> None:
        """What Save does when the window is closing: stop a run (what it learned is kept), ask
        where with a non-blocking dialog, save as Save model… does, then `on_saved()`. A failed
        save shows why and keeps the trained model; a cancelled dialog does nothing more."""
        if self.is_training():
            worker = self.worker

            def when_ended() -> None:
                worker.ended.disconnect(when_ended)
                self.save_model_then(on_saved)

            worker.ended.connect(when_ended)
            self.stop()
            return
        dialog = QFileDialog(self, "Save trained model", self.files_box.save_name, MODEL_FILTER)
        dialog.setObjectName("saveModelDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")

        def chosen(path: str) -> None:
            try:
                self.save_model(path)
            except (ValueError, OSError) as error:
                show_error(self, "Cannot save the model", str(error))
                return
            on_saved()

        dialog.fileSelected.connect(chosen)
        self.save_dialog = dialog
        dialog.open()

    def open_model(self, path: str) -> None:
        """Load a saved model to predict with or to continue training (with the preprocessing
        it was trained with); shows its history and puts its settings in the form."""
        if self.is_training():
            raise ValueError("Stop training before opening another model.")
        bundle = load_bundle(path)
        model, history = bundle.model, bundle.history
        run, ended = None, ""
        if history is not None:
            run = RunData.from_history(history, name=f"opened {Path(path).stem}")
            run.network = model.name
            ended = " " + summary_text(history)
        if bundle.recipe is not None:
            self.hyper_panel.set_recipe(bundle.recipe_over(self.hyper_panel.recipe()))
            ended += " Its settings are in Hyper-parameters."
        ended += "".join(f" {note}." for note in bundle.notes)
        text = f"Opened {Path(path).name} (trained weights); Continue trains it further.{ended}"
        train = self.document.train
        self.views.set_model(model, bundle.preprocessing,
                             train.class_names if train is not None else None)
        self.results.clear(f"Opened {Path(path).name}: train it (Continue) to see its results "
                           "on the test set.")
        self.document.open_model(model, history, bundle.recipe, bundle.preprocessing, run,
                                 (*opened_progress(history), text))
        self.model_opened.emit(self.spec)

    def _on_save_requested(self, path: str) -> None:
        try:
            self.save_model(path)
        except (ValueError, OSError) as error:
            show_error(self, "Cannot save the model", str(error))

    def _on_open_requested(self, path: str) -> None:
        try:
            self.open_model(path)
        except (ValueError, OSError) as error:
            show_error(self, "Cannot open the model", str(error))

    def _on_export_requested(self, kind: str, path: str) -> None:
        try:
            (self.curves.export_png if kind == "png" else self.curves.export_csv)(path)
        except OSError as error:
            show_error(self, "Cannot export the curves", str(error))

    def compare_with_file(self, path: str) -> bool:
        """Overlay the curves of a run saved as a history file (NAME.history.json)."""
        try:
            history = History.from_json(path)
        except ValueError as error:
            self.files_box.clear_comparison()
            show_error(self, "Cannot compare with that file", str(error))
            return False
        run = RunData.from_history(history, name=Path(path).name.removesuffix(".json"))
        run.network = run.network or model_prefix(path).name
        self._offer_run(run, history.stop_reason, select=True)
        return True

    def _offer_run(self, run: RunData, stop_reason: str, *, select: bool = False) -> None:
        run.stop_reason = stop_reason
        self.document.add_run(run, compare=select)

    def _list_runs(self) -> None:
        """Offer every run but the one shown as current (comparing it with itself shows
        nothing) in "Compare with", labelled with its network, data set and result."""
        document = self.document
        offered = [(run.label(), index) for index, run in enumerate(document.runs)
                   if run is not document.shown_run()]
        chosen = document.comparison
        select = next((i for i, run in enumerate(document.runs) if run is chosen), None)
        self.files_box.set_runs(offered, select)

    def _on_compare_file_requested(self, path: str) -> None:
        self.compare_with_file(path)

    def _on_comparison_changed(self, index) -> None:
        self.document.set_comparison(None if index is None else self.document.runs[index])
