"""Keep the Backprop tab on the network in the builder.

The tab shows the builder's network with the trained weights when the Training tab's model is
that network (the run in progress's weights while it trains), else with fresh weights from the
run's seed, and with samples of the data it was trained on (or of the data loaded in the
Training tab when the network takes it). An edit in the builder, a finished run or an opened
model is taken at once when the tab is showing, and otherwise marks it as showing the previous
network until it is shown again.
The builder's block menu "Show its backward step" opens the tab at that block's backward step.
The window makes one link; builder/, training/ and backprop/ never import each other.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

OUTDATED = ("The network in the builder changed: this is the pass of the previous network, "
            "worked out again when you come back to this tab.")


class BackpropLink(QObject):
    """Connects the window's `tabs`, its Backprop tab `lab`, its `builder` tab and its
    `training` dashboard."""

    def __init__(self, tabs, lab, builder, training) -> None:
        super().__init__(lab)
        self.tabs, self.lab, self.builder, self.training = tabs, lab, builder, training
        builder.document.spec_changed.connect(self._on_network_changed)
        builder.show_backward_requested.connect(self.show_backward)
        training.training_finished.connect(lambda _result: self._on_network_changed())
        training.model_opened.connect(lambda _spec: self._on_network_changed())
        tabs.currentChanged.connect(lambda _index: self.follow())

    def showing(self) -> bool:
        return self.tabs.currentWidget() is self.lab

    def _on_network_changed(self) -> None:
        if self.showing():
            self.follow()
        elif self.lab.result is not None:
            self.lab.mark_outdated(OUTDATED)

    def follow(self) -> None:
        """Show the current network in the tab, if the tab is showing."""
        if self.showing():
            self.lab.set_network(**self.network())

    def network(self) -> dict:
        """set_network's arguments for the builder's network and the best weights there are."""
        training = self.training
        model = training.model
        running = training.is_training()
        if model is not None and training.network_difference() == "":
            source = training.shadow if running and training.shadow is not None else model
            pre = training.preprocessing
            note = ("the weights of the run in progress, as they were when the pass was "
                    "worked out" if running else "the trained weights")
            spec = source.spec()
            recipe = training.recipe
            return {"spec": spec, "weights": source.get_weights(),
                    "prepare": pre.apply if pre is not None else None, "note": note,
                    **self._data(spec, recipe.data if recipe is not None else "")}
        seed = training.hyper_panel.seed.value()
        spec = self.builder.spec()
        return {"spec": spec, "seed": seed,
                "note": f"fresh weights (seed {seed}): train it and come back to see the "
                        "trained ones", **self._data(spec, "")}

    def _data(self, spec: dict, trained_on: str) -> dict:
        """The data the network came from in the training tab: the recipe's source of a
        trained network, or the data loaded there when the network takes it; with its test
        split when that is what is loaded (else the tab offers the data it was made for)."""
        document = self.training.document
        test, loaded = document.test, document.data_source
        fits = test is not None and tuple(test.images.shape[1:]) == tuple(
            spec.get("input_shape") or ()) and list(test.class_names) == list(
            spec.get("classes") or [])
        source = trained_on or (loaded if fits else "")
        samples = test if fits and loaded == source else None
        return {"data": source, "samples": samples}

    def show_backward(self, block: int) -> None:
        """The builder's "Show its backward step" for block `block`."""
        self.lab.show_backward_step(block)
        self.tabs.setCurrentWidget(self.lab)
        self.follow()
