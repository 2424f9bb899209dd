"""Let the builder's Undo / Redo shortcuts reach the network while a text field has focus.

A spin box or line edit normally claims Ctrl+Z for its own text (through the ShortcutOverride
event), so the network's undo never fires. The builder's fields commit every change to the
document at once, so their own text undo has nothing to give: they let those keys through.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QWidget

EXTRA_REDO = (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"))


def is_undo_or_redo(event: QKeyEvent) -> bool:
    """Whether a key event is the platform's Undo or Redo (or Ctrl+Shift+Z / Ctrl+Y)."""
    if event.matches(QKeySequence.StandardKey.Undo) or event.matches(
            QKeySequence.StandardKey.Redo):
        return True
    pressed = QKeySequence(event.keyCombination())
    return any(pressed.matches(seq) == QKeySequence.SequenceMatch.ExactMatch
               for seq in EXTRA_REDO)


class _PassUndoKeys(QObject):
    """Event filter: an Undo / Redo key is not claimed by the field, so the shortcut fires."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and is_undo_or_redo(event):
            event.ignore()
            return True
        return False


def pass_undo_keys(widget: QWidget) -> None:
    """Make `widget` (and the text fields inside it) leave Undo / Redo to the builder."""
    key_filter = _PassUndoKeys(widget)
    fields = [widget, *widget.findChildren(QLineEdit), *widget.findChildren(QAbstractSpinBox)]
    for field in fields:
        if isinstance(field, QLineEdit | QAbstractSpinBox):
            field.installEventFilter(key_filter)
