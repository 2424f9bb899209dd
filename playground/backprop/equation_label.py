"""A label for an equation written with `numbers.number_link`: every number shows its full
value when hovered, and can be selected and copied."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QLabel, QToolTip, QWidget

STYLE = "a { color: #1a1a1a; text-decoration: none; }"


class EquationLabel(QLabel):
    """Rich text on white; hovering a number link shows "full value" as a tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.setOpenExternalLinks(False)
        self.linkHovered.connect(self._on_link_hovered)
        self.hovered = ""  # the full value last shown (tests read it)

    def set_equation(self, html: str) -> None:
        self.setText(f"<style>{STYLE}</style>{html}" if html else "")

    def _on_link_hovered(self, link: str) -> None:
        if link.startswith("v:"):
            self.hovered = link[2:]
            QToolTip.showText(QCursor.pos(), f"exact value: {self.hovered}", self)
        else:
            QToolTip.hideText()
