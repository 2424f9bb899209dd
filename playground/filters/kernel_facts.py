"""Facts beside the grid, updated as you edit: sum, brightness, separability, FFT, cost.

All numbers come from `core.image.kernel_facts` (and the ranks `core` splits a kernel into);
this panel only lays them out. A per-channel kernel is described channel by channel, and the
method used is called what it is: one separable pass pair, or a sum of several (rank > 1).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from core.files.images import to_uint8
from core.image._fastpaths import rank1_terms
from core.image.kernel_facts import kernel_facts
from playground.filters.image_loading import array_to_qimage
from playground.filters.kernel_document import KernelDocument

RESPONSE_SIDE = 96
CHANNEL_NAMES = ("R", "G", "B")


def _vector_text(vector: np.ndarray) -> str:
    return "[" + ", ".join(f"{float(v) + 0.0:.3g}" for v in vector) + "]"  # + 0.0: no "-0"


def _method_text(method: str, ranks: list[int]) -> str:
    """The method in the UI's words: "separable" only for a rank-1 kernel; a rank-2 kernel is
    "sum of 2 separable passes (rank 2)"; a per-channel kernel's passes are per channel."""
    if method != "separable":
        return method
    if len(ranks) > 1:
        return f"separable passes per channel ({' + '.join(str(r) for r in ranks)} passes)"
    if ranks[0] > 1:
        return f"sum of {ranks[0]} separable passes (rank {ranks[0]})"
    return "separable"


class KernelFactsPanel(QWidget):
    """Shows `kernel_facts` of the document's kernel; `facts` holds the last computed ones."""

    def __init__(self, document: KernelDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.facts = None
        self.image_shape = (512, 512, 3)
        self.sum_label = QLabel()
        self.sum_label.setObjectName("factsSum")
        self.separable_label = QLabel()
        self.separable_label.setObjectName("factsSeparable")
        self.cost_label = QLabel()
        self.cost_label.setObjectName("factsCost")
        for label in (self.sum_label, self.separable_label, self.cost_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.response_label = QLabel()
        self.response_label.setObjectName("factsResponse")
        self.response_label.setFixedSize(RESPONSE_SIDE, RESPONSE_SIDE)
        self.response_label.setToolTip(
            "Frequency response: |FFT| of the kernel, zero frequency in the middle. Bright in the "
            "middle only = blur (low-pass); dark middle = edges (high-pass)."
        )
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sum_label, 0, 0)
        layout.addWidget(self.separable_label, 1, 0)
        layout.addWidget(self.cost_label, 2, 0)
        caption = QLabel("Frequency\nresponse")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.response_label, 0, 1, 2, 1)
        layout.addWidget(caption, 2, 1)
        layout.setColumnStretch(0, 1)
        document.changed.connect(self.refresh)
        self.refresh()

    @staticmethod
    def _separability_text(facts, channels: list[np.ndarray], ranks: list[int]) -> str:
        if len(channels) > 1:
            if all(rank <= 1 for rank in ranks):
                return ("<b>Each channel separable</b> (rank 1): a column × a row per channel "
                        f"({len(channels)} pairs of 1-D passes, summed)")
            parts = ", ".join(f"{name} rank {rank}"
                              for name, rank in zip(CHANNEL_NAMES, ranks, strict=False))
            return (f"<b>Per channel</b>: {parts}. A channel of rank 1 is separable; rank r is "
                    "a sum of r separable parts")
        if facts.separable and facts.factors is not None:
            column, row = facts.factors
            return (f"<b>Separable</b>: column {_vector_text(column)} × row {_vector_text(row)} "
                    "(two 1-D passes)")
        return (f"<b>Not separable</b> (rank {ranks[0]}): not one column × row, but a sum of "
                f"{ranks[0]} such parts")

    def set_image_shape(self, shape: tuple[int, ...]) -> None:
        """Costs and method are quoted for the current image's size."""
        self.image_shape = tuple(shape) if len(shape) == 3 else (*shape, 1)
        self.refresh()

    def refresh(self) -> None:
        try:
            facts = kernel_facts(self.document.to_kernel(), image_shape=self.image_shape)
        except (ValueError, TypeError) as error:
            self.sum_label.setText(f"No facts: {error}")
            return
        self.facts = facts
        self.sum_label.setText(f"<b>Sum {facts.total:.4g}</b> — {facts.brightness}")
        weights = self.document.to_kernel().effective()
        channels = [weights] if weights.ndim == 2 else [weights[..., c]
                                                        for c in range(weights.shape[2])]
        ranks = [len(rank1_terms(channel)) for channel in channels]
        self.separable_label.setText(self._separability_text(facts, channels, ranks))
        kh, kw = weights.shape[:2]
        cost = dict(facts.cost)
        if "separable" not in cost and any(ranks):
            cost = {"direct": cost["direct"], "separable": sum(ranks) * (kh + kw),
                    **{k: v for k, v in cost.items() if k != "direct"}}
        costs = ", ".join(f"{name} {count}" for name, count in cost.items())
        self.cost_label.setText(
            f"Multiplications per pixel: {costs}. Used: <b>{_method_text(facts.method, ranks)}"
            "</b>"
        )
        # Log scale so that weak side lobes stay visible; black = blocked, white = the strongest
        # gain (a flat response, like the identity's, is all white: every frequency passes).
        response = np.log1p(np.asarray(facts.frequency_response, np.float32))
        top = float(response.max(initial=0.0))
        pixels = to_uint8(response * (255.0 / top) if top > 0 else response)
        pixmap = QPixmap.fromImage(array_to_qimage(pixels))
        self.response_label.setPixmap(pixmap.scaled(RESPONSE_SIDE, RESPONSE_SIDE,
                                                    Qt.AspectRatioMode.IgnoreAspectRatio,
                                                    Qt.TransformationMode.FastTransformation))
