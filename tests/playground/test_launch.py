"""The launch command opens a real window on an X server (Xvfb), not only offscreen."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


@pytest.fixture
def xvfb_display(tmp_path):
    xvfb = shutil.which("Xvfb")
    assert xvfb, "this test needs Xvfb: apt-get install xvfb (tasks.py test does it as root)"
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def test_playground_opens_a_real_window(xvfb_display, tmp_path, screenshot_dir):
    shot = tmp_path / "screen.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["DISPLAY"] = xvfb_display
    result = subprocess.run(
        [sys.executable, "-m", "playground", "gui", "--screenshot", str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["platform"] == "xcb"
    x, y, width, height = (int(v) for v in lines["window"].split())
    assert width >= 800 and height >= 500
    screen = np.asarray(Image.open(shot).convert("RGB"))
    window = screen[max(y, 0) : y + height, max(x, 0) : x + width]
    # The window is painted (mostly Qt's light grey); the bare Xvfb screen around it stays black.
    assert (window.mean(axis=2) > 150).mean() > 0.4
    outside = np.ones(screen.shape[:2], dtype=bool)
    outside[max(y, 0) : y + height, max(x, 0) : x + width] = False
    assert outside.any() and screen[outside].max() < 30
    Image.fromarray(screen).save(Path(screenshot_dir) / "launch_xvfb.png")
