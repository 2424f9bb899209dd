"""Facts beside the grid, updated as you edit: sum, brightness, separability, FFT, cost.

All numbers come from `core.kernels.kernel_facts`; this panel only lays them out.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from core.images import to_uint8
from core.kernels import kernel_facts
from playground.filters.image_loading import array_to_qimage
from playground.filters.kernel_document import KernelDocument

RESPONSE_SIDE = 96


def _vector_text(vector: np.ndarray) -> str:
    return "[" + ", ".join(f"{float(v) + 0.0:.3g}" for v in vector) + "]"  # + 0.0: no "-0"


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
        if facts.separable and facts.factors is not None:
            column, row = facts.factors
            self.separable_label.setText(
                f"<b>Separable</b>: column {_vector_text(column)} × row {_vector_text(row)} "
                "(two 1-D passes)"
            )
        else:
            self.separable_label.setText("<b>Not separable</b> (rank above 1): needs the full grid")
        costs = ", ".join(f"{name} {count}" for name, count in facts.cost.items())
        self.cost_label.setText(
            f"Multiplications per pixel: {costs}. Used: <b>{facts.method}</b>"
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
