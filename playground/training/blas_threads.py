"""Run training with a single BLAS thread.

The reference network's matrix products are small: a second OpenBLAS thread hardly speeds
them up, but its busy-waiting takes the core the GUI thread needs, and the window stutters
(tens of milliseconds between events instead of a few). The training worker therefore asks
OpenBLAS for one thread while it runs, and gives the old count back afterwards. Where no
OpenBLAS is loaded (other BLAS builds, other systems) this does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager
from functools import lru_cache

# (set, get) entry points of the OpenBLAS builds NumPy ships or links to.
_ENTRY_POINTS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)


def _loaded_libraries() -> list[str]:
    """Paths of the OpenBLAS libraries this process has loaded (Linux), else NumPy's own."""
    paths: list[str] = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.rsplit(" ", 1)[-1].strip()
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    if not paths:
        import numpy

        folder = os.path.join(os.path.dirname(numpy.__file__), os.pardir, "numpy.libs")
        paths = sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return paths


@lru_cache(maxsize=1)
def _controls() -> tuple:
    """((set, get), ...) ctypes functions for every loaded OpenBLAS."""
    found = []
    for path in _loaded_libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in _ENTRY_POINTS:
            setter = getattr(library, set_name, None)
            getter = getattr(library, get_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                found.append((setter, getter))
                break
    return tuple(found)


def blas_threads() -> list[int]:
    """The thread count of each OpenBLAS found (empty when there is none)."""
    return [int(getter()) for _, getter in _controls()]


@contextmanager
def limit_blas_threads(count: int = 1):
    """Within the block, every OpenBLAS found uses at most `count` threads."""
    controls = _controls()
    before = [int(getter()) for _, getter in controls]
    for (setter, _), old in zip(controls, before, strict=True):
        setter(max(1, min(int(count), old)))
    try:
        yield
    finally:
        for (setter, _), old in zip(controls, before, strict=True):
            setter(old)
