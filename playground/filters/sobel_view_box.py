"""The Sobel view box of the kernel list: Gx, Gy, magnitude or angle, with a note on what the
view computes or, for the angle, the legend of its colours."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.image.filtering import angle_legend
from core.image.kernels import make_preset
from playground.filters.image_loading import array_to_qimage
from playground.filters.kernel_document import KernelDocument

SOBEL_PRESETS = ("Sobel x", "Sobel y")
SOBEL_VIEWS = {"gx": "Gx", "gy": "Gy", "magnitude": "Magnitude", "angle": "Angle"}
SOBEL_NOTES = {
    "kernel": "Gx and Gy are negative on one side of an edge: Show result is set to Absolute "
              "value so that both sides show bright.",
    "magnitude": "Computed at stride 1 with edge padding: the padding and stride settings "
                 "apply to Gx and Gy.",
}


class SobelViewBox(QGroupBox):
    """One radio button per Sobel view, and beneath them the note or the angle's legend.

    Follows a `KernelDocument` through `follow` (so undo moves the buttons too); a click edits
    the document: Gx and Gy load Sobel x or y, magnitude and angle set the document's view.
    """

    def __init__(self, document: KernelDocument, parent: QWidget | None = None) -> None:
        super().__init__("Sobel view", parent)
        self.document = document
        self.buttons = QButtonGroup(self)
        sobel_row = QGridLayout()
        self.radios: dict[str, QRadioButton] = {}
        for index, (key, text) in enumerate(SOBEL_VIEWS.items()):
            radio = QRadioButton(text)
            radio.setObjectName(f"sobel_{key}")
            self.radios[key] = radio
            self.buttons.addButton(radio)
            sobel_row.addWidget(radio, index // 2, index % 2)
            radio.toggled.connect(lambda on, k=key: on and self._on_view(k))
        self.legend = QLabel()
        self.legend.setObjectName("angleLegend")
        self.legend.setPixmap(QPixmap.fromImage(array_to_qimage(angle_legend(72))))
        self.legend.setToolTip("Angle colours: hue = direction of the gradient (0° = pointing "
                               "right, 90° = down); brightness = its magnitude")
        self.legend_caption = QLabel("colour:\ndirection\n(→ 0°, ↓ 90°)\nbright:\nstrong edge")
        self.note = QLabel(SOBEL_NOTES["kernel"])
        self.note.setObjectName("sobelNote")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        legend_page = QWidget()
        legend_row = QHBoxLayout(legend_page)
        legend_row.setContentsMargins(0, 0, 0, 0)
        legend_row.addWidget(self.legend)
        legend_row.addWidget(self.legend_caption, 1)
        # The note (Gx, Gy, magnitude) and the angle's legend share one place as tall as the
        # taller of them: the view buttons above never jump when the view changes.
        self.detail = QStackedWidget()
        self.detail.addWidget(self.note)
        self.detail.addWidget(legend_page)
        sobel_layout = QVBoxLayout(self)
        sobel_layout.addLayout(sobel_row)
        sobel_layout.addWidget(self.detail)
        self.hide()

    def follow(self, preset: str | None) -> None:
        """Show the document's view; the box is visible while `preset` (the listed preset the
        document holds, or None) is Sobel x or y."""
        document = self.document
        is_sobel = preset in SOBEL_PRESETS
        self.setVisible(is_sobel)
        if is_sobel:
            key = document.view if document.view != "kernel" else (
                "gx" if preset == "Sobel x" else "gy")
            with QSignalBlocker(self.radios[key]):
                self.radios[key].setChecked(True)
        self.note.setText(SOBEL_NOTES["kernel" if document.view == "kernel" else "magnitude"])
        self.detail.setCurrentIndex(1 if document.view == "angle" else 0)

    def choose(self, key: str) -> None:
        """Switch the Sobel view (gx, gy, magnitude, angle) as clicking its button would."""
        self.radios[key].setChecked(True)

    def _on_view(self, key: str) -> None:
        if key in ("gx", "gy"):
            name = "Sobel x" if key == "gx" else "Sobel y"
            kernel = make_preset(name)
            self.document.set_kernel(kernel.values, divisor=kernel.divisor, name=name,
                                     source=name)
        else:
            self.document.set_view(key)
