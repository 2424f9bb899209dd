"""The Training tab's file side: save and open a trained model, export the curves, compare
with earlier runs. A mixin of `TrainingDashboard`, which provides the widgets and state used
here (`model`, `recipe`, `preprocessing`, `history`, `spec`, `controls`, `curves`, `files_box`,
`hyper_panel`, `results`, `runs`, `_make_shadow`, `_show_network`, `model_opened`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.train.bundle import load_bundle, model_prefix, save_bundle
from core.train.history import History
from core.train.run_data import RunData, data_label
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
        self.model_saved = True
        self.controls.readout.setText(saved_text(written))
        return written

    def has_unsaved_model(self) -> bool:
        """True while training, and when a model was trained here since it was last saved or
        opened."""
        return self.is_training() or (self.model is not None and not self.model_saved)

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
        self.spec = model.spec()
        self.model = model
        self.model_saved = True
        self.history = history
        self.recipe, self.preprocessing = bundle.recipe, bundle.preprocessing
        self._make_shadow(model)
        self.results.clear(f"Opened {Path(path).name}: train it (Continue) to see its results "
                           "on the test set.")
        ended = ""
        if history is not None:
            run = RunData.from_history(history, name=f"opened {Path(path).stem}")
            run.network = model.name
            self.curves.show_run(run)
            self._offer_run(run, history.stop_reason)
            ended = " " + summary_text(history)
        if bundle.recipe is not None:
            self.hyper_panel.set_recipe(bundle.recipe_over(self.hyper_panel.recipe()))
            ended += " Its settings are in Hyper-parameters."
        ended += "".join(f" {note}." for note in bundle.notes)
        self._ended_text = (f"Opened {Path(path).name} (trained weights); Continue trains it "
                            f"further.{ended}")
        self.controls.set_state("finished")
        done, total = opened_progress(history)
        self.controls.show_progress(done, total, self._ended_text)
        self._show_network()
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
        self.runs.append(run)
        self._list_runs(select=len(self.runs) - 1 if select else None)

    def _list_runs(self, select: int | None = None) -> None:
        """Offer every run but the one shown as current (comparing it with itself shows
        nothing) in "Compare with", labelled with its network, data set and result."""
        offered = [(run.label(), index) for index, run in enumerate(self.runs)
                   if run is not self.curves.run]
        self.files_box.set_runs(offered, select)

    def _name_current_run(self, network: str, data_name: str) -> None:
        """Tell the run being trained which network and data set it is about."""
        self.curves.run.network = network
        self.curves.run.data = data_label(data_name)
        self._list_runs()

    def _on_compare_file_requested(self, path: str) -> None:
        self.compare_with_file(path)

    def _on_comparison_changed(self, index) -> None:
        self.curves.set_comparison(None if index is None else self.runs[index])
