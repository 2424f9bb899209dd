"""Read an .npz archive of arrays without pickles and without trusting it.

Each member's declared size, header, dtype and shape are checked before its data is inflated,
and against the shapes the caller expects (the weights a spec needs), so a 6 MB archive that
would inflate to 6 GB, a truncated or bit-flipped one, or a `.npy` renamed `.npz` is one message
naming the file.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

from core.files.reading import FileReadError, size_text

HEADER_ROOM = 4096
"""Bytes a member may hold beyond its data (the .npy header; NumPy writes 128)."""


def read_npz(data: bytes, source: str, *, expected: dict[str, tuple] | None = None,
             max_member_bytes: int, error: type[ValueError] = FileReadError,
             skip: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The floating-point arrays of the .npz archive `data` read from `source`, by name
    (read-only views of the inflated bytes; copy them to change them).

    expected: name -> shape the archive must hold exactly (None: any names and shapes), besides
    the members named in `skip`, which are left unread.
    A member declaring more than `max_member_bytes` is refused before it is inflated.
    Raises `error` naming `source` and what is wrong.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        kind = ("a single array (.npy), not an archive of them (.npz)"
                if data[:6] == b"\x93NUMPY" else "truncated, damaged or not an .npz archive")
        raise error(f"{source}: {kind}") from None
    with archive:
        members = [info for info in members if info.filename.removesuffix(".npy") not in skip]
        names = _names(members, source, expected, error)
        arrays = {}
        for info, name in zip(members, names, strict=True):
            shape = expected.get(name) if expected is not None else None
            arrays[name] = _member(archive, info, name, shape, max_member_bytes, source, error)
    return arrays


def read_bytes_member(data: bytes, source: str, name: str, *, max_bytes: int,
                      error: type[ValueError] = FileReadError) -> bytes | None:
    """The bytes held by member `name` of the .npz archive `data`, stored as a 1-D uint8 array
    (None when the archive has no such member); refused past `max_bytes` before inflating."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = next((i for i in archive.infolist() if i.filename == f"{name}.npy"), None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise error(f"{source}: truncated, damaged or not an .npz archive") from None
    if info is None:
        return None
    with archive:
        return _member(archive, info, name, None, max_bytes, source, error,
                       check=_bytes_problem).tobytes()


def _names(members, source: str, expected, error) -> list[str]:
    names = [info.filename.removesuffix(".npy") for info in members]
    if not all(info.filename.endswith(".npy") for info in members) or len(set(names)) < len(
            names):
        raise error(f"{source}: holds other files than one .npy array per name")
    if expected is not None and set(names) != set(expected):
        missing = sorted(set(expected) - set(names))
        extra = sorted(set(names) - set(expected))
        parts = ([f"missing {', '.join(missing[:5])}"] if missing else []) + (
            [f"unexpected {', '.join(extra[:5])}"] if extra else [])
        raise error(f"{source}: the arrays do not fit the network: {'; '.join(parts)}")
    return names


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, shape,
            max_bytes: int, source: str, error, check=None) -> np.ndarray:
    """One member read and checked: `check(dtype, shape found, shape expected)` names what is
    wrong with its header (default: weights, floating-point of the expected shape)."""
    where = f"{source}: array {name}"
    limit = max_bytes if shape is None else 8 * math.prod(shape) + HEADER_ROOM
    if info.file_size > min(limit, max_bytes + HEADER_ROOM):
        raise error(f"{where} declares {size_text(info.file_size)}, more than it can hold "
                    f"({size_text(min(limit, max_bytes + HEADER_ROOM))})")
    try:
        with archive.open(info) as handle:
            dtype, found, fortran = _header(handle)
            problem = (check or _header_problem)(dtype, found, shape)
            count = math.prod(found) * dtype.itemsize
            if problem is None and count > info.file_size:
                problem = (f"declares {size_text(count)} of numbers in its header but "
                           f"{size_text(info.file_size)} in the archive")
            if problem is None:
                raw = handle.read(count)
                if len(raw) != count or handle.read(1):
                    problem = "holds a different amount of data than its header says"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, SyntaxError,
            NotImplementedError, RuntimeError) as damage:
        raise error(f"{where} is damaged ({_plain(damage)})") from None
    if problem is not None:
        raise error(f"{where} {problem}")
    array = np.frombuffer(raw, dtype=dtype).reshape(found, order="F" if fortran else "C")
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def _header(handle) -> tuple[np.dtype, tuple, bool]:
    version = npy_format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(handle)
    else:
        raise ValueError(f"unknown .npy version {version}")
    return np.dtype(dtype), tuple(int(s) for s in shape), bool(fortran)


def _header_problem(dtype: np.dtype, found: tuple, shape) -> str | None:
    if dtype.kind != "f" or dtype.itemsize > 8 or dtype.hasobject:
        return f"holds {dtype} values; weights are floating-point numbers"
    if shape is not None and found != tuple(shape):
        return f"has shape {found} but the network needs {tuple(shape)}"
    return None


def _bytes_problem(dtype: np.dtype, found: tuple, shape) -> str | None:
    if dtype != np.uint8 or len(found) != 1:
        return "is not the bytes of a document"
    return None


def _plain(problem: BaseException) -> str:
    """A short reason without NumPy's advice about pickles."""
    text = str(problem).split("\n")[0]
    if "pickle" in text.lower():
        return "it holds Python objects, which Playground never loads"
    return text[:200] or type(problem).__name__
