"""The Training tab's document: the one place its state lives.

The network to train (a spec, `core.nn.spec`), the form's run recipe (`core.train.recipe`),
the loaded data, the trained model with how it was trained, the run state, the current run's
numbers and the runs to compare with. The dashboard, the data and hyper-parameter panels and
the views observe it and change it through its methods; they never call each other.

The run state is one of `STATES`: "stale" is a trained model whose network no longer matches
the one to train (the builder changed it, or the loaded data set does not fit it): the views
then show the new network's empty state or name the previous run, never its numbers as current.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, Signal

from core.nn.templates import default_spec
from core.train.recipe import Recipe
from core.train.run_data import RunData, data_label
from core.train.run_setup import network_difference

STATES = ("idle", "running", "paused", "stopping", "finished", "stale")
RUNNING = ("running", "paused", "stopping")

STALE_TEXT = {
    "blocks": "The network changed in the builder (now {network}): Start trains it from fresh "
              "weights.",
    "input": "The data set does not fit the trained network: Start trains {network} from "
             "fresh weights.",
}


class TrainingDocument(QObject):
    """The tab's state. Signals: `spec_changed`, `recipe_changed`, `data_changed`,
    `state_changed` (run state, model, staleness), `progress_changed`, `runs_changed`
    (the current run, the list of runs, the comparison)."""

    spec_changed = Signal()
    recipe_changed = Signal()
    data_changed = Signal()
    state_changed = Signal()
    progress_changed = Signal()
    runs_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec = default_spec()
        self._recipe = Recipe()
        self.train = None  # the loaded (train, test) data sets and their source
        self.test = None
        self.data_source = ""
        self.model = None  # the trained network (touched only when no run is active)
        self.model_recipe: Recipe | None = None  # how it was trained (data prepared)
        self.preprocessing = None  # how its inputs are prepared (a bundle's Preprocessing)
        self.run_test = None  # the test split as the model sees it (prepared as in its run)
        self.history = None
        self.model_saved = True  # False once training changed the weights since a save
        self._phase = "idle"
        self._progress = (0, 1, "Press Start to train.")
        self._ended = (0, 1, "Press Start to train.")  # the bar and text when a run ended
        self.run = RunData()  # the numbers of the trained model's run (empty before one)
        self.runs: list[RunData] = []  # ended and opened runs, offered for comparison
        self.comparison: RunData | None = None  # the run chosen to compare with

    # ---- the network and the recipe ----------------------------------------------------
    @property
    def spec(self) -> dict:
        """The network the next Start trains (a copy is kept: edit it with `set_spec`)."""
        return self._spec

    def set_spec(self, spec: dict) -> None:
        """Train this network next; a trained model is kept (it goes stale while it does not
        match, and comes back if the change is undone)."""
        if spec == self._spec:
            return
        was = self.state
        self._spec = copy.deepcopy(spec)
        self.spec_changed.emit()
        self._after_state_change(was)

    @property
    def recipe(self) -> Recipe:
        """The run recipe the form shows (the data source is the loaded data's at Start)."""
        return self._recipe

    def set_recipe(self, recipe: Recipe) -> None:
        if recipe != self._recipe:
            self._recipe = recipe
            self.recipe_changed.emit()

    def set_data(self, train, test, source: str) -> None:
        """A data set was loaded from `source`; a trained network it does not fit goes stale."""
        was = self.state
        self.train, self.test, self.data_source = train, test, source
        self.data_changed.emit()
        self._after_state_change(was)

    # ---- the run state -----------------------------------------------------------------
    @property
    def state(self) -> str:
        """One of `STATES`."""
        if self._phase in RUNNING:
            return self._phase
        if self.model is not None and self.difference():
            return "stale"
        return self._phase

    def is_running(self) -> bool:
        return self._phase in RUNNING

    def difference(self) -> str:
        """"" when Start continues the trained model; else "none" (no trained model),
        "blocks" (the network changed) or "input" (the data set does not fit it)."""
        if self.is_running():
            return ""
        return network_difference(self._spec, self.model, self.train)

    def network_name(self) -> str:
        return str(self._spec.get("name", "network"))

    def set_phase(self, phase: str) -> None:
        """Running, paused, stopping, finished or idle (staleness follows from the model)."""
        if phase not in STATES or phase == "stale":
            raise ValueError(f"phase must be one of {STATES[:-1]}; received {phase!r}")
        if phase != self._phase:
            was = self.state
            self._phase = phase
            self._after_state_change(was)

    def begin_run(self, spec: dict, model, recipe: Recipe, preprocessing, run: RunData) -> None:
        """A run starts: `model` (fresh or the trained one) trains with `recipe`; its numbers
        go into `run`. A run of another network than the last one is compared with it."""
        previous = self.run if self.run.point_count() and run.network != self.run.network else None
        was = self.state
        self._spec = copy.deepcopy(spec)
        self.model, self.model_recipe, self.preprocessing = model, recipe, preprocessing
        self.history = None
        self.run = run
        if previous is not None and self.comparison is None:
            self.comparison = previous
        self._phase = "running"
        self.runs_changed.emit()
        self.set_progress(0, 1, "Starting…")
        self._after_state_change(was)

    def end_run(self, history, ended: tuple[int, int, str]) -> None:
        """The run ended (finished, stopped or diverged): its history, the bar and text that
        say how; the run is offered for comparison."""
        self.history = history
        self.model_saved = False
        self.run.stop_reason = history.stop_reason
        self.runs.append(self.run)
        self._ended = ended
        was = self.state
        self._phase = "finished"
        self.runs_changed.emit()
        self._after_state_change(was)

    def fail_run(self, message: str) -> None:
        was = self.state
        self._phase = "finished" if self.model is not None else "idle"
        self._ended = (0, 1, message)
        self._after_state_change(was)

    def open_model(self, model, history, recipe, preprocessing, run: RunData | None,
                   ended: tuple[int, int, str]) -> None:
        """A saved model was opened: it is the trained model, its run the current one."""
        was = self.state
        self._spec = model.spec()
        self.model, self.history, self.model_saved = model, history, True
        self.model_recipe, self.preprocessing = recipe, preprocessing
        self.run = run if run is not None else RunData()
        if run is not None:
            self.runs.append(run)
        self._ended = ended
        self._phase = "finished"
        self.spec_changed.emit()
        self.runs_changed.emit()
        self._after_state_change(was, force=True)

    def forget_model(self) -> None:
        """Reset: the trained weights and the current run's curves go (ended runs stay
        comparable)."""
        was = self.state
        self.model = self.history = self.model_recipe = self.preprocessing = None
        self.run_test = None
        self.model_saved = True
        self.run = RunData()
        self._phase = "idle"
        self._ended = (0, 1, "Reset: Start trains fresh weights.")
        self.runs_changed.emit()
        self._after_state_change(was, force=True)

    def mark_saved(self, text: str) -> None:
        self.model_saved = True
        self._ended = (self._ended[0], self._ended[1], text)
        self.set_progress(*self._ended)

    def has_unsaved_model(self) -> bool:
        """True while training, and when a model was trained since it was last saved."""
        return self.is_running() or (self.model is not None and not self.model_saved)

    # ---- progress ------------------------------------------------------------------------
    @property
    def progress(self) -> tuple[int, int, str]:
        """(done, total, text) for the progress bar and its read-out."""
        return self._progress

    def set_progress(self, done: int, total: int, text: str) -> None:
        value = (int(done), max(int(total), 1), str(text))
        if value != self._progress:
            self._progress = value
            self.progress_changed.emit()

    def say(self, text: str) -> None:
        """A message in the read-out, the bar kept where it is."""
        self.set_progress(self._progress[0], self._progress[1], text)

    def _after_state_change(self, was: str, *, force: bool = False) -> None:
        """Tell the observers; a run that ended (or went stale, or came back) shows its bar."""
        now = self.state
        if now == "stale":
            text = STALE_TEXT[self.difference()].format(network=self.network_name())
            if self.run.point_count():
                text += f" Previous run: {self.run.label()}."
            self.set_progress(0, 1, text)
        elif now in ("finished", "idle") and (was != now or force or was == "stale"):
            self.set_progress(*self._ended)
        if was != now or force:
            self.state_changed.emit()
        elif self._phase not in RUNNING:
            self.state_changed.emit()  # same state, other network: labels follow

    # ---- runs and comparison ------------------------------------------------------------
    def set_comparison(self, run: RunData | None) -> None:
        if run is not self.comparison:
            self.comparison = run
            self.runs_changed.emit()

    def add_run(self, run: RunData, *, compare: bool = False) -> None:
        """Offer a run (e.g. from a history file) for comparison; `compare` shows it."""
        self.runs.append(run)
        if compare:
            self.comparison = run
        self.runs_changed.emit()

    def shown_run(self) -> RunData | None:
        """The run the curves show as current: the model's, none while it is stale."""
        return None if self.state == "stale" else self.run

    def shown_comparison(self) -> RunData | None:
        """The run drawn beside it: the chosen one, or while stale the previous run."""
        if self.comparison is not None:
            return self.comparison
        if self.state == "stale" and self.run.point_count():
            return self.run
        return None

    def comparison_is_previous(self) -> bool:
        """True when the compared run is the trained model's, shown because it went stale."""
        return self.comparison is None and self.shown_comparison() is not None

    def new_run(self, data_name: str) -> RunData:
        """An empty run named for the network to train and the data."""
        recipe = self._recipe
        return RunData(name=f"run {len(self.runs) + 1}", network=self.network_name(),
                       data=data_label(data_name), epochs=recipe.epochs,
                       learning_rate=recipe.learning_rate)
