"""Without a display, `playground` says how to run it instead of letting Qt abort."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from playground.app import display_problem

ROOT = Path(__file__).resolve().parents[2]


def test_a_display_or_an_offscreen_platform_is_enough():
    assert display_problem({}, "linux") is not None
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux") is not None
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland are Linux's")
def test_the_window_without_a_display_is_one_line_and_exit_1(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-m", "playground"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "QT_QPA_PLATFORM=offscreen" in lines[0], result.stderr
    assert "DISPLAY" in lines[0]
