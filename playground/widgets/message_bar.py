"""An inline message strip (warning or information) that a tab shows above its content."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

_STYLES = {
    "warning": "background: #fff3cd; color: #5c4400; border: 1px solid #e0c36b;",
    "info": "background: #e7f1fb; color: #123e63; border: 1px solid #9cc3e6;",
}


class MessageBar(QFrame):
    """`show_message(text, kind)` shows it until closed or `clear()`; `text()` reads it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel()
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 4, 3)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "warning") -> None:
        self.kind = kind
        self.setStyleSheet(f"QFrame#messageBar {{ {_STYLES[kind]} border-radius: 4px; }}")
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def clear(self) -> None:
        self.kind = ""
        self.label.setText("")
        self.hide()
