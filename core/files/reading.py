"""The one way Playground reads a file: a regular file, its size checked, read up to a limit.

Every reader (kernels, specs, saved models, histories, data sets, images) comes here first, so
a named pipe never blocks, `/dev/zero` is never read until memory runs out, a folder or a link
that loops is called what it is, and every failure is one line naming the file. Each function
takes the `error` class to raise (the reader's own `ValueError` subclass, which its callers
already catch).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MB = 1 << 20
CHUNK = 16 * MB  # bytes asked for at a time when a file's size is not known


class FileReadError(ValueError):
    """A file could not be read; the message names the file and what is wrong."""


def size_text(count: int) -> str:
    """A byte count for people: "512 bytes", "3.0 MB", "6.0 GB"."""
    for unit, scale in (("GB", 1 << 30), ("MB", MB), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def a_kind(what: str) -> str:
    """`what` with its article: "a network spec", "an image"."""
    return f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"


def _kind(mode: int, what: str) -> str | None:
    """What a file that is not a regular file is, as the end of a sentence (None if regular)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"a folder, not {a_kind(what)}"
    if stat.S_ISFIFO(mode):
        return f"a named pipe (FIFO), not {a_kind(what)}; Playground reads only regular files"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"a device, not {a_kind(what)}; Playground reads only regular files"
    if stat.S_ISSOCK(mode):
        return f"a socket, not {a_kind(what)}; Playground reads only regular files"
    return f"not a regular file, so not {a_kind(what)}"


def _missing(path: Path, what: str, error: OSError) -> str:
    """Why `path` cannot be found or followed, for an error of os.stat or os.open."""
    if error.errno == errno.ELOOP:
        return "a symbolic link that loops back on itself; it leads to no file"
    if error.errno == errno.ENAMETOOLONG:
        return "the name is too long for this system"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"cannot read the {what} (permission denied)"
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        if os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)}, which does not exist"
        return f"no such file (expected {a_kind(what)})"
    return f"cannot read the {what} ({error.strerror or error})"


def check_file(path: str | os.PathLike, what: str, *, max_bytes: int | None = None,
               error: type[ValueError] = FileReadError) -> int:
    """The size in bytes of `path` once it is known to be a regular file of at most
    `max_bytes`. Raises `error` naming the file otherwise; never opens it, never blocks."""
    path = Path(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError) as problem:
        if isinstance(problem, ValueError):  # a NUL in the name
            raise error(f"{path!r}: not a usable file name") from None
        raise error(f"{path}: {_missing(path, what, problem)}") from None
    kind = _kind(info.st_mode, what)
    if kind is not None:
        if os.path.islink(path):
            kind = f"a link to {os.path.realpath(path)}, {kind}"
        raise error(f"{path}: {kind}")
    _check_size(path, info.st_size, what, max_bytes, error)
    return int(info.st_size)


def _check_size(path: Path, size: int, what: str, max_bytes: int | None,
                error: type[ValueError]) -> None:
    if max_bytes is not None and size > max_bytes:
        raise error(f"{path}: {size_text(size)} is more than {a_kind(what)} can be (the limit is "
                    f"{size_text(max_bytes)}); is it the right file?")


@contextmanager
def open_file(path: str | os.PathLike, what: str, *, max_bytes: int | None = None,
              error: type[ValueError] = FileReadError) -> Iterator:
    """A binary file object for reading a regular file of at most `max_bytes`, checked again
    once open (a file swapped for a pipe between the check and the opening is refused too)."""
    path = Path(path)
    check_file(path, what, max_bytes=max_bytes, error=error)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as problem:
        raise error(f"{path}: {_missing(path, what, problem)}") from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode, what)
        if kind is not None:
            raise error(f"{path}: {kind}")
        _check_size(path, info.st_size, what, max_bytes, error)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_bytes(path: str | os.PathLike, what: str, *, max_bytes: int,
               error: type[ValueError] = FileReadError) -> bytes:
    """The whole content of a regular file of at most `max_bytes` (a file that grows past the
    limit while being read, or a /proc file that claims size 0, is refused at the limit)."""
    path = Path(path)
    with open_file(path, what, max_bytes=max_bytes, error=error) as handle:
        size = os.fstat(handle.fileno()).st_size
        data = read_upto(handle, max_bytes + 1, path, what, error, first=size + 1)
    _check_size(path, len(data), what, max_bytes, error)
    return data


def read_upto(handle, count: int, path: Path, what: str,
              error: type[ValueError] = FileReadError, *, first: int = CHUNK) -> bytes:
    """At most `count` bytes from `handle` (fewer at the end of the file), asked for `first`
    bytes, then a chunk at a time, so a file that lies about its size never makes Playground
    set aside more memory than it holds. A read error becomes `error` naming the file."""
    parts, got, ask = [], 0, max(1, min(first, count))
    try:
        while got < count:
            piece = handle.read(min(ask, count - got))
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
            ask = CHUNK
    except OSError as problem:
        if problem.errno is None:  # a format's own error (a damaged gzip stream): the caller's
            raise
        raise error(f"{path}: cannot read the {what} ({problem.strerror or problem})") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_text(path: str | os.PathLike, what: str, *, max_bytes: int,
              error: type[ValueError] = FileReadError) -> str:
    """A UTF-8 text file (see `read_bytes`); other encodings are refused naming the byte."""
    path = Path(path)
    return decode_utf8(read_bytes(path, what, max_bytes=max_bytes, error=error), path, what,
                       error)


def decode_utf8(data: bytes, path: Path | str, what: str,
                error: type[ValueError] = FileReadError) -> str:
    """`data` as UTF-8 text (a leading byte-order mark dropped), or `error` naming the file."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        raise error(f"{path}: not UTF-8 text (byte 0x{data[problem.start]:02x} on line "
                    f"{line}), so not {a_kind(what)}; save it as UTF-8") from None
