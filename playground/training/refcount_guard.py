"""Guard against PySide6 builds that drop a reference to None / True / False on every call.

PySide6 6.12 on Python 3.11 returns None (from every void method, e.g. `QPainter.scale`) and
True (from `Signal.emit`) without taking a reference, as if they were immortal, which they only
are from Python 3.12 on. Each call lowers the singleton's reference count by one, and after a few
thousand calls (seconds of live plotting) Python aborts with "deallocating None". Where the
running build shows the defect, this gives the three singletons a reference count so large it
cannot run out — the immortality Python 3.12 gives them anyway.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40
_done = False


def pyside_drops_references(calls: int = 64) -> bool:
    """True when calling a void Qt method lowers None's reference count (the defect)."""
    from PySide6.QtCore import QPointF

    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(calls):
        point.setX(1.0)
    return sys.getrefcount(None) < before - calls // 2


def guard_singletons() -> bool:
    """Make None, True and False effectively immortal if this PySide build needs it.
    Returns True when the guard was applied (once per process)."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not pyside_drops_references():
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _done = True
    return True
