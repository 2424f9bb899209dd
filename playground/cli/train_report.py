"""What `playground train` prints: a progress bar redrawn in place on stderr, one line (or JSON
object) per epoch, and how the run ended. Names from the spec pass through `printable`."""

from __future__ import annotations

import json
import sys
import time

from playground.cli.safe_text import printable


class ProgressBar:
    """A one-line text bar redrawn in place on stderr, at most 10 times a second."""

    def __init__(self, label: str, *, enabled: bool = True, stream=None, width: int = 24):
        self.label, self.enabled, self.width = label, enabled, width
        self.stream = stream if stream is not None else sys.stderr
        self._last = 0.0
        self._drawn = False

    def update(self, done: int, total: int, extra: str = "") -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {extra}".rstrip() + "\033[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False


class Report:
    """Prints the run: a header, a progress bar per epoch, one line (or JSON) per epoch."""

    def __init__(self, epochs: int, *, as_json: bool, out=None, err=None):
        self.epochs, self.as_json = epochs, as_json
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.bar = ProgressBar("", enabled=self.err.isatty(), stream=self.err)
        self.began = time.perf_counter()
        self.speed = 0.0

    def _line(self, text: str) -> None:
        self.bar.close()
        print(text, file=self.err if self.as_json else self.out, flush=True)

    def note(self, text: str) -> None:
        self.bar.close()
        print(text, file=self.err, flush=True)

    def start(self, model, train, test) -> None:
        test_text = f", test {len(test)}" if test is not None else ""
        self._line(f"training {printable(model.name)} ({model.param_count():,} parameters) on "
                   f"{train.name.removesuffix(' (train)')}: train {len(train)}{test_text}")

    def batch(self, event: dict) -> None:
        self.speed = event["samples_per_s"]
        self.bar.label = f"epoch {event['epoch']}/{self.epochs}"
        self.bar.update(event["batch"], event["batches"],
                        f"loss {event['loss']:.4f} acc {event['accuracy']:.3f} "
                        f"{event['samples_per_s']:.0f} samples/s")

    def epoch(self, event: dict) -> None:
        self.bar.close()
        if self.as_json:
            print(json.dumps(event), file=self.out, flush=True)
            return
        test = ""
        if event["test_accuracy"] is not None:
            test = f"  test loss {event['test_loss']:.4f} acc {event['test_accuracy']:.4f}"
        self._line(f"epoch {event['epoch']}/{self.epochs}  train loss {event['train_loss']:.4f} "
                   f"acc {event['train_accuracy']:.4f}{test}  lr {event['lr']:g}  "
                   f"{event['seconds']:.1f} s  {self.speed:.0f} samples/s")

    def finish(self, history, prefix) -> None:
        seconds = time.perf_counter() - self.began
        if history.stop_reason.startswith("diverged"):
            self.note(f"{history.stop_reason}; the last good weights were kept")
        elif history.stop_reason == "stopped":
            self.note(f"stopped after {history.steps} batches")
        from core.train.bundle import bundle_paths

        paths = bundle_paths(prefix)
        self.note(printable(f"saved {paths.model}, {paths.weights} and {paths.history} "
                            f"({seconds:.1f} s in all)"))
