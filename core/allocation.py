"""Freed memory kept for reuse, so that loops allocating the same arrays again do not fault.

A training step allocates and frees the same few-megabyte arrays every time. With glibc's
default (dynamic) thresholds, much of that memory went back to the system when freed and was
faulted in again at the next step: 230-270 page faults a step on the reference network, 8-10%
of a step on two threads, whose faults also wait on each other. `keep_freed_memory` serves
arrays below 32 MB from the heap and keeps up to 256 MB of freed heap for reuse.
"""

from __future__ import annotations

import ctypes
import sys
import threading

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
"""Arrays from this size on are mapped apart and unmapped when freed (glibc's largest)."""
TRIM_THRESHOLD = 256 * 1024 * 1024
"""Freed memory at the top of the heap beyond this is handed back to the system."""

_lock = threading.Lock()
_kept: bool | None = None


def keep_freed_memory() -> bool:
    """Set the thresholds above in glibc's malloc, once per process; return whether it could
    (False on other C libraries and systems, where nothing changes)."""
    global _kept
    with _lock:
        if _kept is None:
            _kept = _set_thresholds()
        return _kept


def _set_thresholds() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
