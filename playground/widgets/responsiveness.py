"""Measure how responsive the GUI thread is: the largest gap between ticks of a 10 ms QTimer."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


class TimerGapProbe(QObject):
    """Start it, do work, stop it: `max_gap_ms` is the longest the event loop went without a tick.

    A responsive GUI keeps it close to the interval; a blocked GUI thread shows as a long gap.
    """

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_tick)
        self.gaps_ms: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self.gaps_ms = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._on_tick()

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.gaps_ms.append((now - self._last) * 1000.0)
        self._last = now

    @property
    def max_gap_ms(self) -> float:
        return max(self.gaps_ms, default=0.0)

    @property
    def ticks(self) -> int:
        return len(self.gaps_ms)
