"""Text from files and file names made safe to print and to use as a file name.

Names come from files a user may have been sent: a spec's "name", class names, image file names
that are not UTF-8. Printed raw, escape codes would drive the terminal and undecodable bytes
would stop the program; used as a file name, "../x" or "/tmp/x" would write outside the folder.
"""

from __future__ import annotations

import unicodedata

MAX_STEM = 80
"""Longest file name made from a network's name (without the suffixes added to it)."""


def printable(text: object, *, keep_newlines: bool = True) -> str:
    """`text` with control characters, escape codes and undecodable bytes written as escapes
    ("\\x1b", "\\xff"), so that printing it shows what it holds and never fails."""
    out = []
    for char in str(text):
        code = ord(char)
        if char == "\n" and keep_newlines or char == "\t":
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or unicodedata.category(char) in ("Cf", "Co", "Cn", "Zl",
                                                                         "Zp"):
            out.append(f"\\u{code:04x}")  # lone surrogates, bidi overrides, unassigned
        else:
            out.append(char)
    return "".join(out)


def safe_file_stem(name: object, *, fallback: str = "network") -> str:
    """A file name made from `name` that stays in the folder it is joined to: letters, digits,
    spaces and ".-_+()" kept, anything else (separators, "..", NUL, escapes) made "_", no
    leading dot or dash, at most MAX_STEM characters; `fallback` when nothing is left."""
    kept = []
    for char in str(name):
        if char.isalnum() and char.isprintable() or char in " .-_+()":
            kept.append(char)
        else:
            kept.append("_")
    stem = "".join(kept)[:MAX_STEM].strip(" ").lstrip(".-")
    if not stem.strip("_. "):
        return fallback
    return stem
