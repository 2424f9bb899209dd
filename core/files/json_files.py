"""Read the JSON files Playground keeps (kernels, specs, saved models, histories) with one clear
message each, bounded: the file's size, its nesting depth and its numbers are checked before or
while parsing, so a hostile file costs at most a few times its (limited) size."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np

from core.files.reading import MB, a_kind, decode_utf8, read_bytes, size_text

MAX_JSON_BYTES = 16 * MB
"""Largest JSON document read by default (kernels, specs and model documents are far smaller)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and objects accepted (a spec needs 6, a history 4)."""
MAX_DIGITS = 40
"""Longest whole number accepted, in digits."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_CHUNK = 4 * MB


class _Refused(ValueError):
    """A number JSON allows but no Playground file holds (NaN, infinity, 400 digits)."""


def read_json(path: str | os.PathLike, what: str, *, max_bytes: int = MAX_JSON_BYTES,
              max_depth: int = MAX_DEPTH, error: type[ValueError] = ValueError):
    """The parsed content of the JSON file `path`.

    Raises `error` (a ValueError) naming the file and the problem: missing, not a regular file,
    over `max_bytes`, not UTF-8, not valid JSON, nested deeper than `max_depth`, or holding a
    number no Playground file holds. `what` names the kind of file ("kernel file", "network
    spec") for the messages.
    """
    path = Path(path)
    data = read_bytes(path, what, max_bytes=max_bytes, error=error)
    return parse_json(data, path, what, max_depth=max_depth, error=error)


def parse_json(data: bytes, source: Path | str, what: str, *, max_depth: int = MAX_DEPTH,
               error: type[ValueError] = ValueError):
    """Parse JSON bytes read from `source` with `read_json`'s checks (but not its size limit:
    the caller bounded `data`)."""
    text = decode_utf8(data, source, what, error)
    depth = nesting_depth(data)
    if depth > max_depth:
        raise error(f"{source}: lists and objects nested {depth} deep (at most {max_depth} "
                    f"make sense), so not {a_kind(what)}")
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float,
                          parse_int=_short_int)
    except json.JSONDecodeError as problem:
        raise error(f"{source}: not valid JSON ({problem.msg} at line {problem.lineno}, column "
                    f"{problem.colno}); expected {a_kind(what)}") from None
    except _Refused as problem:
        raise error(f"{source}: {problem}; expected {a_kind(what)}") from None
    except (RecursionError, MemoryError):
        raise error(f"{source}: too deeply nested or too large to read as {a_kind(what)} "
                    f"({size_text(len(data))})") from None


def nesting_depth(data: bytes) -> int:
    """How deeply lists and objects nest in JSON text (strings skipped), counted with NumPy in
    chunks so a 64 MB file needs little more memory than itself."""
    if b"[" not in data and b"{" not in data:
        return 0
    stripped = _STRING.sub(b'""', data)
    deepest, level = 0, 0
    for start in range(0, len(stripped), _CHUNK):
        chunk = np.frombuffer(stripped, np.uint8, count=min(_CHUNK, len(stripped) - start),
                              offset=start)
        step = ((chunk == ord("[")) | (chunk == ord("{"))).astype(np.int32)
        step -= ((chunk == ord("]")) | (chunk == ord("}")))
        levels = np.cumsum(step, dtype=np.int64)
        if levels.size:
            deepest = max(deepest, level + int(levels.max()))
            level += int(levels[-1])
    return deepest


def _no_constant(name: str):
    raise _Refused(f"holds {name}, which is not a number a Playground file can hold")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"holds the number {text[:20]}{'...' if len(text) > 20 else ''}, too "
                       "large to be a floating-point number")
    return value


def _short_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise _Refused(f"holds a whole number of {digits} digits (at most {MAX_DIGITS} make "
                       "sense)")
    return int(text)
