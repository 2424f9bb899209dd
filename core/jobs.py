"""Long work that can be stopped and that reports progress: one `Cancelled` for the whole engine.

Every long `core` function takes `should_stop()` (a callable returning True when the caller wants
it to end) and raises `Cancelled` between two pieces of work when it does; most also take
`progress(...)`. `check_stop` and `report` are the two lines each of them needs.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[..., None] | None
StopFn = Callable[[], bool] | None


class Cancelled(Exception):  # noqa: N818 - the name the app and the contract use
    """The work was cancelled through `should_stop()` (or superseded by newer work)."""


def check_stop(should_stop: StopFn, what: str = "the work") -> None:
    """Raise Cancelled when the caller asked to stop."""
    if should_stop is not None and should_stop():
        raise Cancelled(f"{what} was cancelled")


def report(progress: ProgressFn, done: int, total: int) -> None:
    """Call `progress(done, total)` with plain ints, if there is a progress callback."""
    if progress is not None:
        progress(int(done), int(total))
