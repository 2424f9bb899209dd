"""Create the QApplication and the main window."""

from __future__ import annotations

import os
import sys

NO_DISPLAY = ("playground: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY "
              "is set): run it in a desktop session, or with QT_QPA_PLATFORM=offscreen for "
              "screenshots (playground gui --screenshot out.png); the other commands "
              "(playground --help) need no display")


def display_problem(environ=None, platform: str | None = None) -> str | None:
    """Why the window cannot open, in one line, or None: on Linux, Qt's xcb and wayland
    platforms need a display, and without one Qt aborts with a misleading message (about
    xcb-cursor0). Checked before the QApplication is created."""
    environ = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return None
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, eglfs... bring their own output
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY


def make_application():
    """The QApplication, created once with Playground's name and pyqtgraph's defaults."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Playground")
    app.setOrganizationName("Playground")  # names the settings file; see `user_kernels`
    from playground.widgets.user_kernels import move_old_kernels

    move_old_kernels()
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    return app


def run_app(image: str | None = None, screenshot: str | None = None) -> int:
    """Open the main window and run the event loop until it closes.

    With `screenshot`, the whole screen is saved to that PNG once the window is exposed, and the
    app quits: a check that a real window reaches the display (used under a virtual X server).
    Without a display, says how to run it in one line and returns 1.
    """
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    app = make_application()
    from playground.main_window import MainWindow

    window = MainWindow()
    window.show()
    if image:
        window.open_image(image)
    else:  # start with something to filter, as a person opening the app expects
        from core.resources import resource_path

        window.open_image(str(resource_path("images", "camera.png")))
    if screenshot:
        _screenshot_when_exposed(app, window, screenshot)
    from playground.widgets.background import exit_code_after_loop

    return exit_code_after_loop(app.exec())


def _screenshot_when_exposed(app, window, path: str, attempts: int = 100) -> None:
    from PySide6.QtCore import QTimer

    def attempt(left: int) -> None:
        handle = window.windowHandle()
        if handle is not None and handle.isExposed():
            # Give the window one more moment to paint, then grab the screen itself.
            QTimer.singleShot(300, lambda: _grab_and_quit(app, window, path))
        elif left > 0:
            QTimer.singleShot(100, lambda: attempt(left - 1))
        else:
            print("the window never became visible", file=sys.stderr)
            app.exit(1)

    attempt(attempts)


def _grab_and_quit(app, window, path: str) -> None:
    screen = window.screen()
    pixmap = screen.grabWindow(0)
    ok = pixmap.save(path)
    geometry = window.frameGeometry()
    print(f"platform {app.platformName()}")
    print(f"window {geometry.x()} {geometry.y()} {geometry.width()} {geometry.height()}")
    app.exit(0 if ok else 1)
