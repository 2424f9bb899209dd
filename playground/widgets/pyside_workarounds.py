"""Work around a reference-count bug in some PySide6 releases (seen in 6.12.0 on Python 3.11).

Each Python-side `Signal.emit()` there releases one reference to `True` that it never took. On
Python 3.12+ `True` is immortal and nothing happens; on 3.11 the interpreter aborts
("bool_dealloc: deallocating True or False") after a few hundred emits, e.g. while the mouse
moves over a pyqtgraph view. `apply()` measures whether the installed PySide6 has the bug and, if
so, gives `True`, `False` and `None` (whose references leak the same way in some calls) a very
large reference count, as Python 3.12 does for all immortal objects. Calling it again is harmless.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40
_applied = False


def emit_leaks_true() -> bool:
    """True if emitting a signal drops a reference to `True` (the buggy releases)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        probed = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.probed.emit()
    return sys.getrefcount(True) < before


def apply() -> bool:
    """Protect `True`, `False` and `None` from the leak if needed; True if a fix was applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12):
        return False
    if not emit_leaks_true():
        return False
    for constant in (True, False, None):
        ctypes.c_ssize_t.from_address(id(constant)).value += _RESERVE
    _applied = True
    return True
