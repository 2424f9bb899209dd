"""The studio's progress bar and Cancel button, shown only while a run lasts: a run shorter than
PROGRESS_DELAY_MS never makes them flash."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QProgressBar, QPushButton

from playground.widgets.background import LatestJobRunner

PROGRESS_DELAY_MS = 150


class FilterProgress(QObject):
    """`bar` and `cancel_button` follow `runner`: shown PROGRESS_DELAY_MS after it gets busy,
    hidden when it is idle again. The owner places them and connects the button."""

    def __init__(self, runner: LatestJobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.bar = QProgressBar()
        self.bar.setObjectName("filterProgress")
        self.bar.setMaximumWidth(220)
        self.bar.setFormat("filtering… %p%")
        self.bar.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this computation (the last result stays)")
        self.cancel_button.hide()
        self._timer = QTimer(self, singleShot=True, interval=PROGRESS_DELAY_MS)
        self._timer.timeout.connect(self._show)
        runner.progress.connect(self.bar.setValue)
        runner.busy_changed.connect(self._on_busy_changed)

    def _on_busy_changed(self, busy: bool) -> None:
        if busy:
            self.bar.setValue(0)
            self._timer.start()
        else:
            self._timer.stop()
            self.bar.hide()
            self.cancel_button.hide()

    def _show(self) -> None:
        if self.runner.busy:
            self.bar.show()
            self.cancel_button.show()
