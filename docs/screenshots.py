"""Take the screenshots of the app's main views at 1024x768 and 1600x1000, in a real window.

    Xvfb :77 -screen 0 1600x1000x24 &
    DISPLAY=:77 QT_QPA_PLATFORM=xcb python docs/screenshots.py OUT_DIR [--docs]

Drives one main window through the states a student meets (the Welcome page, the filter studio
with the notes' Gaussian, Sobel's angle, explain mode on a colour image with a 7x7 kernel, the
builder, training with a compared run, results, Try it, feature maps, the Backprop tab) and saves
the whole window at both sizes as `OUT_DIR/<state>_<width>.png`. With `--docs`, the set the
README shows is also written, optimised, into `docs/`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = ((1024, 768), (1600, 1000))
DOCS = {  # screenshot -> name in docs/
    "welcome_1024": "welcome.png",
    "studio_gaussian_1600": "filter_studio.png",
    "studio_gaussian_1024": "filter_studio_small_window.png",
    "studio_explain_1024": "filter_studio_explain.png",
    "studio_sobel_angle_1024": "filter_studio_angle.png",
    "builder_overview_1600": "builder.png",
    "builder_design_note_1024": "builder_design_note.png",
    "training_curves_1600": "training.png",
    "training_insights_1024": "training_explained.png",
    "training_results_1024": "training_results.png",
    "training_try_it_1024": "try_it.png",
    "training_feature_maps_1600": "feature_maps.png",
    "backprop_dense_1600": "backprop_dense.png",
    "backprop_conv_1600": "backprop_conv.png",
}


def process(ms: int = 0) -> None:
    """Let Qt run for `ms` milliseconds (layouts, timers, workers' queued signals)."""
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + ms / 1000
    QApplication.processEvents()
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def wait_until(condition, timeout_s: float = 120.0, what: str = "") -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError(f"gave up waiting for {what or condition}")
        process(20)


class Shots:
    """Saves the window at every size, and returns it to the largest one."""

    def __init__(self, window, out: Path) -> None:
        self.window, self.out = window, out
        self.saved: list[Path] = []

    def take(self, name: str, before_grab=None) -> None:
        for width, height in SIZES:
            self.window.resize(width, height)
            wait_until(lambda w=width, h=height: (self.window.width(), self.window.height())
                       == (w, h), 10, "the window's size")
            process(400)
            if before_grab is not None:
                before_grab()
                process(300)
            path = self.out / f"{name}_{width}.png"
            self.window.grab().save(str(path))
            self.saved.append(path)
            print(f"saved {path}", flush=True)


def stroke(pad, points) -> None:
    """Press, move through `points` (canvas pixels) and release: one stroke of the mouse."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from playground.widgets.drawing_pad import canvas_point

    left = Qt.MouseButton.LeftButton
    QTest.mousePress(pad, left, pos=canvas_point(pad, *points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(pad, canvas_point(pad, x, y))
    QTest.mouseRelease(pad, left, pos=canvas_point(pad, *points[-1]))


def train(training, *, epochs: int, samples: int, lr: float | None = None) -> None:
    panel = training.hyper_panel
    panel.epochs.setValue(epochs)
    panel.train_limit.setValue(samples)
    panel.test_limit.setValue(500)
    if lr is not None:
        panel.learning_rate.setValue(lr)
    wait_until(lambda: training.document.train is not None, 60, "the data set")
    finished = []
    training.training_finished.connect(lambda _result: finished.append(True))
    assert training.start(), training.last_error
    wait_until(lambda: bool(finished), 600, "the end of the run")
    process(300)


def studio_states(window, shots: Shots) -> None:
    studio = window.filter_studio
    window.start_lesson("gaussian")
    wait_until(lambda: studio.views.result is not None, 30, "the filtered photo")
    process(500)
    shots.take("studio_gaussian")
    studio.explain_action.setChecked(True)
    process(300)

    def explain() -> None:
        studio.explain(150, 220, zoom=True)

    shots.take("studio_explain", before_grab=explain)
    studio.explain_action.setChecked(False)
    window.start_lesson("sobel_angle")
    process(1500)
    shots.take("studio_sobel_angle")


def training_states(window, shots: Shots) -> None:
    training = window.training
    window.start_lesson("reference")
    process(500)
    train(training, epochs=1, samples=2000, lr=0.02)
    train(training, epochs=2, samples=3000, lr=0.05)
    box = training.files_box.compare_box
    box.setCurrentIndex(1)  # run 1 drawn dashed under run 2
    training.views.setCurrentIndex(0)
    shots.take("training_curves")
    training.views.setCurrentWidget(training.results)
    shots.take("training_results")
    training.views.setCurrentWidget(training.try_it)
    process(300)
    seven = [(70, 60), (210, 60), (130, 235)]
    shots.take("training_try_it", before_grab=lambda: stroke(training.try_it.pad, seven))
    training.views.setCurrentWidget(training.feature_maps)
    process(1000)
    shots.take("training_feature_maps")
    window.tabs.setCurrentWidget(window.builder)
    window.builder.canvas.set_selection([], None)
    shots.take("builder_overview")
    window.start_lesson("deep_sigmoid")
    process(500)
    train(training, epochs=2, samples=2000, lr=0.05)
    training.views.setCurrentIndex(0)
    shots.take("training_insights")


def backprop_states(window, shots: Shots) -> None:
    tab = window.backprop
    shown = []
    tab.pass_shown.connect(lambda: shown.append(True))
    window.start_lesson("tiny_cnn_9x9")
    wait_until(lambda: bool(shown), 60, "the backprop pass")
    tab.set_step(4)  # backward through the Dense block
    shots.take("backprop_dense")
    tab.set_step(7)  # backward through the Conv2D block
    process(4000)  # the running sum animates to its total
    shots.take("backprop_conv")


def builder_note(window, shots: Shots) -> None:
    builder = window.builder
    window.tabs.setCurrentWidget(builder)
    document = builder.document
    first = document.insert_block(1, "ReLU")  # after the first block: two activations
    document.insert_block(first + 1, "Sigmoid")
    process(300)
    noted = next(i for i in range(document.layer_count())
                 if builder.canvas.card_texts(i)["note"])
    builder.canvas.set_selection([noted], noted)
    shots.take("builder_design_note")


def write_docs(out: Path) -> None:
    """The README's set, from the screenshots in `out`, as small palette PNGs in docs/."""
    from PIL import Image

    for shot, name in DOCS.items():
        path = out / f"{shot}.png"
        if not path.exists():
            continue
        image = Image.open(path).convert("RGB")
        target = ROOT / "docs" / name
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
            .save(target, optimize=True)
        print(f"docs: {target.name} {target.stat().st_size // 1024} KB", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the screenshots")
    parser.add_argument("--docs", action="store_true", help="also refresh the PNGs in docs/")
    parser.add_argument("--only", default="", help="comma-separated parts: studio, training, "
                        "backprop, builder (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from playground.app import make_application
    from playground.main_window import MainWindow

    make_application()
    window = MainWindow()
    window.confirm_close = False
    window.show()
    shots = Shots(window, args.out)
    parts = set(filter(None, args.only.split(","))) or {"studio", "training", "backprop",
                                                         "builder"}
    window.tabs.setCurrentWidget(window.welcome)
    shots.take("welcome")
    if "studio" in parts:
        studio_states(window, shots)
    if "training" in parts:
        training_states(window, shots)
    if "backprop" in parts:
        backprop_states(window, shots)
    if "builder" in parts:
        builder_note(window, shots)
    if args.docs:
        write_docs(args.out)
    for index in range(window.tabs.count()):
        shutdown = getattr(window.tabs.widget(index), "shutdown", None)
        if callable(shutdown):
            shutdown()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
