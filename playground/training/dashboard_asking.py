"""What the Training tab asks before it starts or forgets work: the builder's Train brings
the network here and waits for Start with the settings written out; Reset with trained weights
that were never saved asks Save model… / Reset without saving / Cancel. A mixin of
`TrainingDashboard`, which provides `document`, `controls`, `dataset_panel`, `is_training`,
`reset`, `set_spec` and `save_model_then`."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


class DashboardAsking:
    """The questions and the waiting Start (see the module docstring)."""

    def prepare_to_train(self, spec: dict) -> None:
        """The builder's Train: take its network, load the data if needed, and wait for
        Start with the settings it will use written out (nothing starts unseen)."""
        if self.is_training():
            self.document.say("A run is going: stop it before training another network.")
            return
        self.set_spec(spec)
        if self.document.train is None and not self.dataset_panel.is_loading():
            self.dataset_panel.load()
        self._awaiting_start = True
        self._show_settings()
        self.controls.start_button.setDefault(True)
        self.controls.start_button.setFocus()

    def _show_settings(self) -> None:
        """While Start waits after the builder's Train, the read-out follows the settings."""
        if self._awaiting_start and not self.is_training():
            self.document.say(self.settings_text())

    def settings_text(self) -> str:
        """What Start would do, in one short paragraph: network, data, recipe."""
        recipe, train = self.document.recipe, self.document.train
        verb = "Continue training" if not self.document.difference() else "Ready to train"
        data = (f"{train.name.removesuffix(' (train)')}" if train is not None
                else "the data set (loading)")
        samples = f"first {recipe.train_limit:,}" if recipe.train_limit else "all"
        optimizer = recipe.optimizer.get("class", "SGD")
        return (f"{verb} {self.document.network_name()} on {data} ({samples} training samples): "
                f"{recipe.epochs} epoch{'s' if recipe.epochs != 1 else ''}, batch "
                f"{recipe.batch_size}, {optimizer} lr {recipe.learning_rate:g}, seed "
                f"{recipe.seed}. Change them in Hyper-parameters, then press Start.")

    def request_reset(self) -> QMessageBox | None:
        """Reset, asking first (Save model… / Reset without saving / Cancel) when trained
        weights would be lost unsaved; returns the question asked, if any."""
        if self.is_training():
            return None
        if not self.document.has_unsaved_model():
            self.reset()
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Reset the trained model?",
                          f"The weights trained for {self.document.model.name} have not been "
                          "saved. Reset forgets them and the current curves.",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("resetBox")
        box.button(QMessageBox.StandardButton.Save).setText("Save model…")
        box.button(QMessageBox.StandardButton.Discard).setText("Reset without saving")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def on_finished(_result: int) -> None:
            clicked = box.clickedButton()
            if clicked is box.button(QMessageBox.StandardButton.Discard):
                self.reset()
            elif clicked is box.button(QMessageBox.StandardButton.Save):
                self.save_model_then(self.reset)

        box.finished.connect(on_finished)
        self.reset_box = box
        box.open()
        return box
