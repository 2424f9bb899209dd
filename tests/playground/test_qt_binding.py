"""The Qt binding in use keeps Python's reference counts right (PySide6 6.12.0 did not)."""

import sys

from PySide6.QtWidgets import QWidget


def test_void_qt_calls_do_not_leak_references_to_none(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(20_000):
        widget.update()
    # Other threads may hold or drop a few references meanwhile; a broken binding loses 20,000.
    assert abs(sys.getrefcount(None) - before) < 1_000
