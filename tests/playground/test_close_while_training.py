"""Closing the window while a training batch is stuck: no freeze waiting for it, no abort."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import threading

    from PySide6.QtCore import QTimer

    from core.train.trainer import Trainer
    from playground.app import make_application
    from playground.main_window import MainWindow
    from playground.widgets.background import exit_code_after_loop, running_abandoned

    in_batch, never = threading.Event(), threading.Event()

    def stuck_step(self, images, labels):  # a batch far longer than the close's grace
        print("batch started", flush=True)
        in_batch.set()
        never.wait()
        print("batch ended", flush=True)

    Trainer._step = stuck_step
    app = make_application()
    window = MainWindow()
    window.confirm_close = False
    window.show()
    training = window.training
    training.hyper_panel.train_limit.setValue(300)
    training.hyper_panel.test_limit.setValue(100)
    training.dataset_panel.dataset_loaded.connect(lambda *_: training.start())
    window.tabs.setCurrentWidget(training)  # loads the data set, then starts

    def close_when_stuck():
        if not in_batch.is_set():
            QTimer.singleShot(20, close_when_stuck)
            return
        print("closing", flush=True)
        window.close()
        print("close returned", flush=True)

    close_when_stuck()
    code = app.exec()
    print(f"loop ended {code} abandoned {running_abandoned()}", flush=True)
    exit_code_after_loop(code)
    print("exit without os._exit", flush=True)
""")


def test_closing_during_a_stuck_batch_exits_cleanly(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert "QThread" not in result.stderr and "Traceback" not in result.stderr
    assert lines == ["batch started", "closing", "close returned",
                     "loop ended 0 abandoned ['training']"]
