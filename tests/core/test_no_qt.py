"""`core` is the engine: importing any of it must not pull in Qt."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import core


def test_importing_every_core_module_does_not_import_qt():
    names = [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]
    names = [n for n in names if not n.startswith("core._resources")]
    assert "core.nn.layers" in names and "core.train.trainer" in names
    assert "core.files.images" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "qt = ('PySide6', 'pyqtgraph', 'playground')\n"
        "bad = sorted(m for m in sys.modules if m.startswith(qt))\n"
        "assert not bad, bad\n"
        "print('clean')\n"
    )
    root = Path(core.__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
