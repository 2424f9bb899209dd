"""The learned filters of a conv layer as small images, updated live from the worker's weight
snapshots. A filter is named after the classic kernel it resembles ("~ Sobel y, r = 0.93") only
when the likeness beats what random filters reach (`core.image.kernel_match`). Filters seeded
from a kernel carry its name, and frozen ones say so ("#0 Sobel x (frozen)"). Clicking a filter
asks for the feature map it makes (`filter_clicked`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.image.kernel_match import (
    chance_level,
    classic_kernels,
    closest_kernel,
    meaningful_match,
)
from playground.training.image_grid import ImageGrid, to_display


def conv_layers(model) -> list[tuple[str, str]]:
    """[(weight key, label)] of the model's blocks with 4-D weights (convolutions)."""
    found = []
    for index, layer in enumerate(model.layers):
        weight = getattr(layer, "params", {}).get("weight")
        if weight is not None and weight.ndim == 4:
            found.append((f"{index}.weight", f"block {index}: {layer!r}"))
    return found


def describe_match(match: tuple[str, float] | None) -> str:
    if match is None:
        return ""
    name, r = match
    sign = "−" if r < 0 else ""
    return f"~ {sign}{name},\nr = {abs(r):.2f}"


def seeded_filters(spec: dict) -> dict[str, list[tuple[str, bool]]]:
    """{"3.weight": [(seed name, frozen?), ...]} for the Conv2D blocks of a spec with seed kernels;
    a seeded filter is frozen when its block is ("trainable": false) or the seeds are
    ("init": {"freeze": true})."""
    found = {}
    for index, layer in enumerate(spec.get("layers", [])):
        init = layer.get("init") or {}
        kernels = init.get("kernels") or []
        if not kernels:
            continue
        frozen = init.get("freeze") is True or layer.get("config", {}).get("trainable") is False
        found[f"{index}.weight"] = [(str(k.get("name", f"kernel {j + 1}")), frozen)
                                    for j, k in enumerate(kernels)]
    return found


def filter_caption(index: int, match: tuple[str, float] | None,
                   seed: tuple[str, bool] | None, block_frozen: bool = False) -> str:
    """"#0 Sobel x (frozen)" for a frozen seeded filter, "#1 from Sobel y, ~ Sobel y, r = 0.93"
    for one seeded then trained, else "#2 ~ Emboss, r = 0.61"."""
    if seed is not None and seed[1]:
        return f"#{index} {seed[0]} (frozen)"
    head = f"#{index}" + (" (frozen)" if block_frozen else "")
    if seed is not None:
        head += f" from {seed[0]},"
    match_text = describe_match(match)
    if not match_text:
        return head.rstrip(",")
    return head + ("\n" if seed is not None else " ") + match_text


def weak_match_text(match: tuple[str, float] | None, size: int) -> str:
    """A tooltip line on the closest classic kernel, and why it is not named when too weak."""
    if match is None:
        return "No classic kernel of this size to compare with."
    name, r = match
    chance = chance_level(size)
    sign = "−" if r < 0 else ""
    if abs(r) > chance:
        return (f"Looks like {sign}{name} (r = {abs(r):.2f}; random filters stay below "
                f"{chance:.2f}).")
    return (f"Closest classic: {sign}{name}, r = {abs(r):.2f}: not named, since 99 in 100 random "
            f"{size}x{size} filters reach r = {chance:.2f}.")


class FiltersView(QWidget):
    """Filters (out, in, kh, kw) of a chosen conv layer, one tile per output channel.
    `filter_clicked(weight key, filter index)` fires when a tile is clicked."""

    filter_clicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None, columns: int = 8) -> None:
        super().__init__(parent)
        self.setObjectName("filtersView")
        self.layer_box = QComboBox()
        self.layer_box.setObjectName("filterLayer")
        self.layer_box.setToolTip("Which convolution layer's filters to show")
        self.layer_box.currentIndexChanged.connect(self._redraw)
        self.note = QLabel("Filters appear when training starts.")
        self.note.setWordWrap(True)
        self.grid = ImageGrid(columns=columns, size=48, caption_width=100)
        self.grid.tile_clicked.connect(self._on_tile_clicked)
        self._highlighted: tuple[str, int] | None = None
        self.draw_count = 0
        self._weights: dict[str, np.ndarray] = {}
        self._seeds: dict[str, list[tuple[str, bool]]] = {}
        self._frozen_blocks: set[str] = set()
        top = QHBoxLayout()
        top.addWidget(QLabel("Learned filters of"))
        top.addWidget(self.layer_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.note)
        scroll = QScrollArea()
        scroll.setWidget(self.grid)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(scroll, 1)
        self.setMinimumHeight(165)

    def set_layers(self, conv_layers: list[tuple[str, str]], spec: dict | None = None) -> None:
        """[(weight key e.g. "0.weight", label e.g. "Conv2D at 0 (1->8, 3x3)")] of the model;
        its `spec` names the seeded filters and says which are frozen."""
        spec = spec or {}
        self._highlighted = None
        self._seeds = seeded_filters(spec)
        self._frozen_blocks = {f"{i}.weight" for i, layer in enumerate(spec.get("layers", []))
                               if layer.get("config", {}).get("trainable") is False}
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for key, label in conv_layers:
            self.layer_box.addItem(label, key)
        self.layer_box.blockSignals(False)
        if not conv_layers:
            self.note.setText("This network has no convolution layer, so no filters to show.")
            self.grid.set_images([], [])

    def clear(self, note: str) -> None:
        """Forget the shown filters (their run is gone) and say why."""
        self._weights = {}
        self.grid.set_images([], [])
        self.note.setText(note)

    def select_layer(self, key: str) -> bool:
        index = self.layer_box.findData(key)
        if index >= 0:
            self.layer_box.setCurrentIndex(index)
        return index >= 0

    def current_key(self) -> str | None:
        """The weight key of the layer shown ("0.weight"), or None."""
        return self.layer_box.currentData()

    def highlight_filter(self, key: str | None, index: int | None) -> None:
        """Show layer `key` and outline its filter `index` (None: no outline)."""
        self._highlighted = None if key is None or index is None else (key, index)
        if key is not None and key != self.current_key():
            self.select_layer(key)
        self._show_highlight()

    def highlighted_filter(self) -> tuple[str, int] | None:
        return self._highlighted

    def _show_highlight(self) -> None:
        shown = self._highlighted
        self.grid.highlight(shown[1] if shown and shown[0] == self.current_key() else None)

    def _on_tile_clicked(self, index: int) -> None:
        key = self.current_key()
        if key is None:
            return
        self.highlight_filter(key, index)
        self.filter_clicked.emit(key, index)

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """A snapshot {name: array} from `Sequential.get_weights()`; redraws the chosen layer."""
        self._weights = weights
        self._redraw()

    def _redraw(self) -> None:
        key = self.layer_box.currentData()
        kernel = self._weights.get(key) if key else None
        if kernel is None or kernel.ndim != 4:
            return
        out_channels, in_channels, kh, kw = kernel.shape
        classics = classic_kernels(kh) if kh == kw else ()
        chance = chance_level(kh) if classics else 1.0
        seeds = self._seeds.get(key, [])
        displays, captions, tips = [], [], []
        for index in range(out_channels):
            one = kernel[index]
            shown = one if in_channels == 3 else one.mean(axis=0)
            displays.append(to_display(shown, symmetric=True))
            seed = seeds[index] if index < len(seeds) else None
            match = closest_kernel(one, classics)
            strong = meaningful_match(one)
            captions.append(filter_caption(index, strong, seed, key in self._frozen_blocks))
            rows = "\n".join("  ".join(f"{v:+.2f}" for v in row) for row in one.mean(axis=0))
            tips.append(f"filter {index} (mean over {in_channels} inputs):\n{rows}\n"
                        f"{weak_match_text(match, kh)}\nClick: see the map it makes.")
        self.grid.set_images(displays, captions, tips)
        self._show_highlight()
        inputs = "colour shown as RGB" if in_channels == 3 else (
            f"mean over {in_channels} input maps" if in_channels > 1 else "one input map")
        named = sum("~" in c for c in captions)
        if not classics:
            names = f"no classic {kh}x{kw} kernel to name them after."
        else:
            names = (f"{named} of {out_channels} named (r > {chance:.2f}, closer than 99 in 100 "
                     "random filters get).")
        self.note.setText(
            f"{out_channels} filters of {kh}x{kw} ({inputs}): white +, black −, grey 0; {names} "
            "Click one to see its maps.")
        self.draw_count += 1
