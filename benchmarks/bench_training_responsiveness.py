"""Does the window keep responding while the Training tab trains?

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_training_responsiveness.py [--seconds 10]

Opens the training dashboard, loads the bundled digits and trains the reference network on its
worker thread, while a 10 ms QTimer in the GUI thread records the time between its ticks. Prints
the longest gap and percentiles during training, next to the same timer measured in the same run
with the event loop idle (the reference), and their ratio. Goal: no gap over 100 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="training time measured")
    parser.add_argument("--idle-seconds", type=float, default=2.0, help="idle reference time")
    return parser.parse_args()


def measure_gaps(app, seconds: float) -> list[float]:
    """Run the event loop for `seconds` with a 10 ms timer; the gaps between its ticks (s)."""
    from PySide6.QtCore import QEventLoop, QTimer

    gaps, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    last[0] = time.perf_counter()
    timer.start()
    loop.exec()
    timer.stop()
    return gaps


def wait_for(app, condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("timed out")
        app.processEvents()
        time.sleep(0.005)


def describe(gaps: list[float]) -> str:
    import numpy as np

    values = np.asarray(gaps) * 1000
    return (f"{len(values):5d} ticks, max {values.max():6.1f} ms, "
            f"p99 {np.percentile(values, 99):6.1f} ms, median {np.median(values):5.1f} ms")


def main() -> int:
    args = parse_args()
    from playground.app import make_application

    app = make_application()
    from playground.training.dashboard import TrainingDashboard

    board = TrainingDashboard()
    board.resize(1400, 900)
    board.show()
    wait_for(app, lambda: board.dataset_panel.train is not None)
    idle = measure_gaps(app, args.idle_seconds)

    board.hyper_panel.epochs.setValue(500)  # far more than fits in the measured time
    board.hyper_panel.test_limit.setValue(200)
    if not board.start():
        print(f"could not start training: {board.last_error}")
        return 1
    wait_for(app, lambda: board.curves.run.point_count() > 0)
    busy = measure_gaps(app, args.seconds)
    batches = len(board.worker.trainer.history.batches)
    board.shutdown()

    print(f"idle event loop (reference): {describe(idle)}")
    print(f"while training:              {describe(busy)}")
    print(f"batches trained in {args.seconds:.0f} s: {batches} "
          f"({batches * 64 / args.seconds:,.0f} samples/s with the dashboard drawing)")
    print(f"longest gap while training / idle: {max(busy) / max(idle):.1f}x")
    verdict = "met" if max(busy) < 0.1 else "NOT met"
    print(f"goal (no gap over 100 ms): {verdict}; longest gap {max(busy) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
