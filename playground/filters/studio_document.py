"""The filter studio's document: the image, the kernel (see `kernel_document`), how the kernel
walks over the image (a `core.image.requests.Geometry`) and the display scale.

The panels and views observe it and change it only through its methods; kernel and geometry
edits are undoable steps on the one `undo_stack`, so undo moves every control that follows the
document. `request()` is the run the document asks for, built from this one place.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from core.image.requests import FilterRequest, Geometry
from playground.filters.kernel_document import KernelDocument

SCALES = ("clip", "normalize", "abs")
PADDING_NAMES = {"zero": "Zero", "reflect": "Reflect", "edge": "Edge", "wrap": "Wrap",
                 "valid": "Valid"}


def step_text(before: Geometry, after: Geometry) -> str:
    """What changed, for the Edit menu: e.g. "Stride 2" or "Padding: Reflect"."""
    if after.padding != before.padding:
        return f"Padding: {PADDING_NAMES.get(after.padding, after.padding)}"
    if after.pad_width != before.pad_width:
        return "Pad width auto" if after.pad_width is None else f"Pad width {after.pad_width}"
    if after.stride != before.stride:
        return f"Stride {after.stride}"
    if after.mode != before.mode:
        return "Convolution" if after.mode == "convolve" else "Correlation"
    return f"Function: {'weighted sum' if after.function == 'sum' else after.function}"


class _GeometryCommand(QUndoCommand):
    """One change of the geometry; undo puts the previous one back."""

    def __init__(self, document: StudioDocument, before: Geometry, after: Geometry,
                 text: str) -> None:
        super().__init__(text)
        self._document = document
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._document._show_geometry(self._after)

    def undo(self) -> None:
        self._document._show_geometry(self._before)


class StudioDocument(KernelDocument):
    """The studio's state. Signals: `changed()` (the kernel or its view), `geometry_changed()`,
    `image_changed()`, `scale_changed()`."""

    geometry_changed = Signal()
    image_changed = Signal()
    scale_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._geometry = Geometry()
        self._scale = "clip"
        self.image: np.ndarray | None = None
        self.image_name = ""
        self.is_preview = False

    # ---- geometry (undoable) -------------------------------------------------------------
    @property
    def geometry(self) -> Geometry:
        """The geometry as set (a pad width typed before "valid" padding is kept)."""
        return self._geometry

    def set_geometry(self, geometry: Geometry, text: str | None = None) -> None:
        """Walk the kernel as `geometry` says: one undoable step (none if nothing changes)."""
        if geometry == self._geometry:
            return
        text = text or step_text(self._geometry, geometry)
        self.undo_stack.push(_GeometryCommand(self, self._geometry, geometry, text))

    def reset_walk(self) -> None:
        """Stride 1 and the automatic pad width (half the kernel): one undoable step."""
        self.set_geometry(replace(self._geometry, stride=1, pad_width=None),
                          "Stride 1, pad width auto")

    def _show_geometry(self, geometry: Geometry) -> None:
        self._geometry = geometry
        self.geometry_changed.emit()

    # ---- image and display scale (not edits: no undo) ------------------------------------
    def set_image(self, image: np.ndarray, name: str, preview: bool = False) -> None:
        """The image to filter, uint8 (H, W) or (H, W, 3); `preview` while a big one loads."""
        self.image, self.image_name, self.is_preview = image, name, preview
        self.image_changed.emit()

    @property
    def scale(self) -> str:
        """How the float result maps to grey levels: "clip", "normalize" or "abs"."""
        return self._scale

    def set_scale(self, scale: str) -> None:
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}; received {scale!r}")
        if scale != self._scale:
            self._scale = scale
            self.scale_changed.emit()

    # ---- the run -------------------------------------------------------------------------
    def request(self) -> FilterRequest | None:
        """The run the document asks for (None without an image)."""
        if self.image is None:
            return None
        return FilterRequest.of(self.image, self.to_kernel(), self._geometry, self.view,
                                self._scale)
