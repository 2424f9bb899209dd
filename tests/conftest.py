"""Shared test settings: Qt runs headless, screenshots go to tests/screenshots/."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture
def screenshot_dir() -> Path:
    """Folder where GUI tests save what they drew, for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
