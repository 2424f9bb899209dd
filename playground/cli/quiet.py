"""Keep what libraries print about a damaged file (libtiff, Pillow) off the user's terminal.

Pillow's warnings go through `warnings` (silenced by `run_cli`); libtiff writes straight to file
descriptor 2 from C. While a file is decoded, `library_output_hidden()` points descriptor 2 at
/dev/null; Python's own `sys.stderr`, when it is the terminal, keeps writing to the real one, so
progress bars and messages still show.
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import contextmanager


@contextmanager
def library_output_hidden():
    """Within the block, output written by C libraries to descriptor 2 is dropped."""
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to hide
        yield
        return
    stream = sys.stderr
    replaced = None
    try:
        if _writes_to_fd2(stream):
            stream.flush()
            replaced = io.TextIOWrapper(os.fdopen(os.dup(saved), "wb", buffering=0),
                                        encoding=stream.encoding, errors=stream.errors,
                                        line_buffering=True, write_through=True)
            sys.stderr = replaced
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        if replaced is not None:
            sys.stderr = stream
            replaced.close()


def _writes_to_fd2(stream) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False
