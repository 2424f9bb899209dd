"""Shared helpers for the filter studio tests (holds no tests itself)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt

from core.files.images import write_image

SETTLE_MS = 15_000


def make_studio(qtbot, tmp_path, size=(1400, 860)):
    from playground.app import make_application
    from playground.filters.studio import FilterStudio

    make_application()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    studio = FilterStudio(settings=settings, kernel_folder=tmp_path / "kernels")
    qtbot.addWidget(studio)
    studio.resize(*size)
    studio.show()
    qtbot.waitExposed(studio)
    return studio


def wait_result(qtbot, studio, timeout=SETTLE_MS):
    """Wait until the newest edit's result is shown."""
    qtbot.waitUntil(
        lambda: studio.output is not None and not studio.runner.busy
        and not studio._filter_timer.isActive(),
        timeout=timeout,
    )
    return studio.output


def wait_idle(qtbot, studio, timeout=SETTLE_MS):
    qtbot.waitUntil(lambda: not studio.runner.busy and not studio._filter_timer.isActive(),
                    timeout=timeout)


def random_image_file(tmp_path, name="picture.png", shape=(40, 52, 3), seed=0):
    """Write a random uint8 image file; returns (path, array)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, size=shape, dtype=np.uint8)
    path = tmp_path / name
    write_image(path, image)
    return path, image


def drag_cells(qtbot, grid, cells, button=Qt.MouseButton.LeftButton):
    """Press on the first cell, move over the others, release on the last."""
    first = grid.cell_center(*cells[0])
    qtbot.mousePress(grid, button, pos=first)
    for cell in cells[1:]:
        qtbot.mouseMove(grid, grid.cell_center(*cell))
    qtbot.mouseRelease(grid, button, pos=grid.cell_center(*cells[-1]))


def view_point_to_widget(views, box, x: float, y: float) -> QPoint:
    """Widget (viewport) position of view coordinates (x, y) in one of the image views."""
    scene = box.mapViewToScene(QPointF(x, y))
    return views.graphics.mapFromScene(scene)


def qimage_rgb(image) -> np.ndarray:
    """The pixels of a QImage as uint8 (H, W, 3), read one pixel at a time (small images only)."""
    return np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(image.width())]
                     for y in range(image.height())], dtype=np.uint8).reshape(
                         image.height(), image.width(), 3)


def as_rgb(display: np.ndarray) -> np.ndarray:
    """A uint8 (H, W) or (H, W, 3) display array as (H, W, 3)."""
    return np.repeat(display[:, :, None], 3, axis=2) if display.ndim == 2 else display
