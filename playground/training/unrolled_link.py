"""Which network the Unrolled tab of the training views shows, and when the tab is there.

The tab shows only for a network with an RNN or LSTM block. It shows the trained model (the
views' private copy, `TrainingViews.shadow`) while the dashboard's network is that model, and
otherwise the network in the builder, fitted to the loaded data set, with untrained weights from
the run's seed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from core.nn.layer import LAYERS
from core.nn.spec import SpecError
from core.train.fitting import fit_to_data
from playground.training.unrolled_view import UnrolledView

TAB_TITLE = "Unrolled"


def has_recurrent_block(spec: dict) -> bool:
    """Whether a block of `spec` runs a cell over time steps (an RNN or an LSTM)."""
    return any(hasattr(LAYERS.get(block.get("class"), object), "backward_steps")
               for block in spec.get("layers", []))


class UnrolledLink(QObject):
    """Adds the Unrolled tab to `views` (a `TrainingViews`) and feeds it. `prepare` is the
    trained model's input preparation (set by the views)."""

    def __init__(self, views) -> None:
        super().__init__(views)
        self.views = views
        self.view = UnrolledView()
        self.prepare = None
        self.running = False
        self._trained = False
        views.addTab(self.view, TAB_TITLE)
        views.setTabVisible(views.indexOf(self.view), False)

    def set_data(self, test) -> None:
        """The samples to choose from: a loaded test set."""
        self.view.set_data(test.images, test.labels, test.class_names)

    def show_network(self, spec: dict, data, *, trained: bool, seed: int,
                     running: bool = False) -> None:
        """The dashboard's network `spec` (trained: the shadow is that network), the loaded
        training `data` (or None) and the seed of a fresh network's weights."""
        recurrent = has_recurrent_block(spec)
        self.views.setTabVisible(self.views.indexOf(self.view), recurrent)
        self._trained, self.running = trained and self.views.shadow is not None, running
        if not recurrent:
            self.view.clear(f"{spec.get('name', 'This network')} has no RNN or LSTM block: "
                            "there is nothing to unroll.")
            return
        if self._trained:
            self.show_shadow()
            return
        if data is None:
            self.view.clear("Load a data set (Data set, Load) to unroll the network on one of "
                            "its samples.")
            return
        try:
            fitted = fit_to_data(spec, data).spec
        except SpecError as error:
            self.view.clear(f"Cannot unroll the network on {data.name}: {error}")
            return
        self.view.set_network(fitted, seed=seed,
                              note=f"untrained weights (seed {seed}); press Start to train it "
                                   "and look again")

    def show_shadow(self) -> None:
        """Unroll the trained model's copy with its current weights."""
        shadow = self.views.shadow
        if not self._trained or shadow is None:
            return
        note = "the weights of the run in progress" if self.running else "the trained weights"
        self.view.set_network(shadow.spec(), weights=shadow.get_weights(), prepare=self.prepare,
                              note=note)
