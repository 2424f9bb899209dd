"""The Training tab's side of a run: the worker's events are queued as they arrive, drained
into the run's numbers, the plots and views about 20 times a second, and the end of the run
(finished, stopped, diverged or failed) goes into the document. A mixin of
`TrainingDashboard`, which provides `document`, `worker`, `last_error`, `_started_at`,
`_last_progress`, `_drain_timer`, `curves`, `views`, `results`, `builder_link`,
`_set_editing_enabled` and the signals."""

from __future__ import annotations

import time

import numpy as np

from playground.training.controls import divergence_text, finished_progress, progress_text
from playground.widgets.messages import show_error

PROGRESS_SECONDS = 0.25  # the progress bar repaints itself at once, so it updates less often


class DashboardEvents:
    """What a running worker reports, applied to the dashboard (see the module docstring)."""

    def _listen_to(self, worker) -> None:
        """Queue `worker`'s events for `drain` and hear how its run ends."""
        self._pending = {"batches": [], "epochs": [], "stats": [], "snapshot": None}
        self._last_batch = None
        worker.batch_done.connect(self._pending["batches"].append)
        worker.epoch_done.connect(self._on_epoch_done)
        worker.stats_ready.connect(self._pending["stats"].append)
        worker.snapshot_ready.connect(self._on_snapshot)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)

    def _on_epoch_done(self, event: dict) -> None:
        self._pending["epochs"].append(event)
        self.epoch_finished.emit(event)

    def _on_snapshot(self, snapshot: dict) -> None:
        self._pending["snapshot"] = snapshot

    def drain(self) -> None:
        """Apply the queued events to the plots and views (the ~20 Hz timer calls this)."""
        pending = self._pending
        batches, epochs, stats = pending["batches"][:], pending["epochs"][:], pending["stats"][:]
        snapshot = pending["snapshot"]
        del pending["batches"][:len(batches)]
        del pending["epochs"][:len(epochs)]
        del pending["stats"][:len(stats)]
        pending["snapshot"] = None
        if not (batches or epochs or stats or snapshot):
            return
        run = self.document.run
        for event in batches:
            run.add_batch(event)
        for event in epochs:
            run.add_epoch(event)
        for event in stats:
            run.add_stats(event)
        self.curves.refresh()
        if batches:
            self._last_batch = batches[-1]
            self._show_progress()
        if snapshot is not None:
            self.views.show_weights(snapshot["weights"])
        self.views_updated.emit()

    def _show_progress(self, *, force: bool = False) -> None:
        """The bar and read-out at the last batch drained (at most every PROGRESS_SECONDS)."""
        document, event = self.document, getattr(self, "_last_batch", None)
        now = time.monotonic()
        recipe = document.model_recipe
        if (event is None or recipe is None or document.state not in ("running", "paused")
                or (not force and now - self._last_progress < PROGRESS_SECONDS)):
            return
        self._last_progress = now
        elapsed = now - self._started_at
        document.set_progress(*progress_text(event, recipe.epochs, elapsed,
                                             paused=document.state == "paused"))

    def _on_finished(self, result: dict) -> None:
        self.drain()
        self._drain_timer.stop()
        history = result["history"]
        document = self.document
        self.views.show_weights(result["weights"], force=True)
        probabilities = result.get("probabilities")
        test = document.run_test
        current = None
        if probabilities is not None and test is not None and len(test):
            self.results.set_results(test.images, test.labels, probabilities,
                                     test.class_names, test.mean, test.std)
            current = float(np.mean(probabilities.argmax(axis=1) == test.labels))
        recipe = document.model_recipe
        document.end_run(history, finished_progress(history, recipe.epochs if recipe else 1,
                                                    current))
        self.curves.refresh(fit=True)
        self._set_editing_enabled(True)
        if self.builder_link is not None:
            self.builder_link.follow()  # the builder may have been edited during the run
        self._show_network()
        if history.stop_reason.startswith("diverged"):
            rate = recipe.learning_rate if recipe else None
            text = divergence_text(history.stop_reason, rate)
            self.last_error = "Training " + text[0].lower() + text[1:]
            show_error(self, "Training diverged", self.last_error)
        self.training_finished.emit(result)

    def _on_failed(self, message: str) -> None:
        self._drain_timer.stop()
        self.last_error = message
        self.document.fail_run(message)
        self._set_editing_enabled(True)
        show_error(self, "Training failed", message)
