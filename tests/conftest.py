"""Shared test settings: Qt runs headless, screenshots go to tests/screenshots/, and the app's
settings, saved kernels and recent files live in a home of the test run's own, so the suite
passes the same on a machine where the app has been used."""

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_HOME = Path(tempfile.mkdtemp(prefix="playground-tests-home-"))
for _name, _sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                    ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state")):
    (_HOME / _sub).mkdir(parents=True, exist_ok=True)
    os.environ[_name] = str(_HOME / _sub)

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture
def screenshot_dir() -> Path:
    """Folder where GUI tests save what they drew, for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
