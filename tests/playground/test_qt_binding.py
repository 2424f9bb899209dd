"""The Qt binding in use keeps Python's reference counts right (PySide6 6.12.0 did not)."""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

CALLS = 20_000


class _Emitter(QObject):
    happened = Signal(int)


def test_void_qt_calls_do_not_leak_references_to_none(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        widget.update()
    # Other threads may hold or drop a few references meanwhile; a broken binding loses 20,000.
    assert abs(sys.getrefcount(None) - before) < CALLS // 20


def test_signal_emits_do_not_leak_references_to_true():
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for i in range(CALLS):
        emitter.happened.emit(i)
    assert abs(sys.getrefcount(True) - before) < CALLS // 20
