"""The load every benchmark can add: another core kept busy by a spinning child process."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager


@contextmanager
def busy_core(enabled: bool = True):
    """Keep one core busy with a spinning child process while the block runs."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        yield
    finally:
        spinner.kill()
        spinner.wait()
