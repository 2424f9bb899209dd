"""Words for shapes, counts and setting checks, shared by the blocks' descriptions and the app:
"8 x 28 x 28", "12,345", "3 filters", "80 params, 10 frozen", "must be at least 1"."""

from __future__ import annotations

import re


def shape_text(shape) -> str:
    """(8, 28, 28) -> "8 x 28 x 28"; None -> "?"."""
    if shape is None:
        return "?"
    return " x ".join(str(d) for d in shape)


def count_text(n: int) -> str:
    """12345 -> "12,345"."""
    return f"{int(n):,}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """(1, "block") -> "1 block"; (3, "block") -> "3 blocks"; (2, "class", "classes")."""
    return f"{count_text(n)} {word if n == 1 else (many or word + 's')}"


def params_text(n: int, frozen: int = 0) -> str:
    """"80 params", or "80 params, 20 frozen" when only some of them are frozen."""
    if n == 0:
        return "no weights"
    return plural(n, "param") + (f", {count_text(frozen)} frozen" if 0 < frozen < n else "")


def plain_wording(text: str) -> str:
    """A setting check's message in everyday words: "an integer" -> "a whole number",
    ">= 1" -> "at least 1", "<= 31" -> "at most 31"."""
    text = text.replace("must be an integer", "must be a whole number")
    text = re.sub(r"must be >= (\S+?);", r"must be at least \1;", text)
    return re.sub(r"must be <= (\S+?);", r"must be at most \1;", text)


def whole(value, fallback: int) -> int:
    """A setting read as a whole number for a description; `fallback` for a value that is not
    one (a config being edited can hold anything)."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return fallback
