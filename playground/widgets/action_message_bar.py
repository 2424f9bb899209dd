"""A message bar that can offer one fix as a button, e.g. "Switch off Per colour channel"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QWidget

from playground.widgets.message_bar import MessageBar


class ActionMessageBar(MessageBar):
    """`show_message(text, kind, action_text=..., action=...)`: the button runs `action`, then
    the message goes. Without an action the bar is a plain `MessageBar`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action_button = QPushButton()
        self.action_button.setObjectName("messageAction")
        self.action_button.hide()
        self.action_button.clicked.connect(self._on_action)
        self.layout().insertWidget(1, self.action_button)
        self._action: Callable[[], None] | None = None

    def show_message(self, text: str, kind: str = "warning", *, action_text: str = "",
                     action: Callable[[], None] | None = None) -> None:
        self._action = action if action_text else None
        self.action_button.setText(action_text)
        self.action_button.setVisible(self._action is not None)
        super().show_message(text, kind)

    def clear(self) -> None:
        self._action = None
        if hasattr(self, "action_button"):
            self.action_button.hide()
        super().clear()

    def _on_action(self) -> None:
        action = self._action
        self.clear()
        if action is not None:
            action()
