"""Create the QApplication and the main window."""

from __future__ import annotations

import sys


def make_application():
    """The QApplication, created once with Playground's name and pyqtgraph's defaults."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Playground")
    app.setOrganizationName("Playground")
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    return app


def run_app(image: str | None = None) -> int:
    """Open the main window and run the event loop until it closes."""
    app = make_application()
    from playground.main_window import MainWindow

    window = MainWindow()
    window.show()
    if image:
        window.open_image(image)
    return app.exec()
