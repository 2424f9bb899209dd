"""Let a tab's Undo / Redo shortcuts fire while one of its text fields or spin boxes has focus.

A spin box or line edit normally claims Ctrl+Z for its own text (through the ShortcutOverride
event), so the tab's undo never fires. Fields that commit every change to a document at once
have no text undo worth keeping: they let Undo, Redo, Ctrl+Shift+Z and Ctrl+Y through to the
tab's actions.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QWidget

EXTRA_REDO = (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"))
_FIELD_TYPES = (QLineEdit, QAbstractSpinBox, QComboBox)


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


_filter: _PassUndoKeys | None = None


def pass_undo_keys(widget: QWidget) -> None:
    """Make `widget` and every line edit, spin box and combo box inside it leave Undo / Redo
    to the tab (call again for fields created later; installing twice is harmless)."""
    global _filter
    if _filter is None:
        _filter = _PassUndoKeys()
    for field in [widget, *widget.findChildren(QWidget)]:
        if isinstance(field, _FIELD_TYPES):
            field.removeEventFilter(_filter)
            field.installEventFilter(_filter)
