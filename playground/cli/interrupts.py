"""Ctrl-C on the command line: the first asks the long work to stop, a second ends at once.

`run_cli` installs one handler for SIGINT while a command runs (`installed()`). Outside a
`stopping()` block a Ctrl-C raises KeyboardInterrupt as usual. Inside one, the first Ctrl-C only
sets a flag (and calls the block's `on_first`, e.g. `Trainer.stop`): the work sees it through
`should_stop()` between two batches or strips, finishes the piece it is on and ends cleanly
(training then saves what was learned). Any further Ctrl-C raises KeyboardInterrupt at once.

The handler prints nothing: a signal handler that writes to a stream the main thread is writing
to fails, so the caller says "stopping..." when it notices `requested`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager


class Interrupts:
    """How many times Ctrl-C was pressed during a command, and what the first one does."""

    def __init__(self) -> None:
        self.count = 0
        self._soft = 0
        self._on_first: Callable[[], None] | None = None

    @property
    def requested(self) -> bool:
        """True once Ctrl-C was pressed."""
        return self.count > 0

    def should_stop(self) -> bool:
        """The `should_stop()` callback for `core` functions."""
        return self.count > 0

    def handle(self, signum=None, frame=None) -> None:
        """The SIGINT handler (also called directly by tests)."""
        self.count += 1
        if self.count == 1 and self._soft:
            if self._on_first is not None:
                self._on_first()
            return
        raise KeyboardInterrupt

    @contextmanager
    def stopping(self, on_first: Callable[[], None] | None = None):
        """Within the block, the first Ctrl-C asks to stop instead of raising."""
        previous = self._on_first
        self._soft += 1
        self._on_first = on_first
        try:
            if self.count == 1 and on_first is not None:  # pressed just before the block
                on_first()
            yield self
        finally:
            self._soft -= 1
            self._on_first = previous


_current = Interrupts()


def current() -> Interrupts:
    """The interrupts of the command that runs now."""
    return _current


@contextmanager
def installed():
    """Catch SIGINT with a fresh `Interrupts` for the block (main thread only; elsewhere Python's
    own handling stays)."""
    global _current
    _current = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield _current
        return
    previous = signal.signal(signal.SIGINT, _current.handle)
    try:
        yield _current
    finally:
        signal.signal(signal.SIGINT, previous)
