"""Files replaced whole or not at all, surviving a crash, leaving no temporary file behind.

A file is first written in full where no one sees it (`stage`), flushed to the disk, then put in
place with one rename (`put_in_place`), and the folder's entry is flushed too (`sync_folder`).
On Linux the staged file has no name until that moment (O_TMPFILE), so even a process killed
with SIGKILL while writing leaves nothing behind; elsewhere it is a hidden ".NAME.PID.xxxx.tmp"
that every failure path removes. A process killed in the instant between naming the file and the
rename leaves that hidden file: the next write of NAME in the folder removes it. `atomic_write`
does the three steps for one file; a saved model stages several files, then puts them in place
(`core.train.bundle`).
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

_PRIVATE = 0o600
_AT_FDCWD, _AT_EMPTY_PATH = -100, 0x1000  # Linux's linkat() arguments
_NO_LINK: set[int] = set()  # devices whose file system refused to name an unnamed file


class Staged:
    """A file written in full and flushed to disk, not yet in place. Close it (or use it as a
    context manager) to drop it when it is not put in place."""

    def __init__(self, folder: Path, name: str, fd: int, path: str | None) -> None:
        self.folder, self.name = folder, name
        self._fd: int | None = fd  # open while the file has no name (O_TMPFILE)
        self._path = path  # the hidden temporary's path when it has one

    def close(self) -> None:
        """Forget the staged file: it disappears (an unnamed one) or is removed."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._path is not None:
            _remove(self._path)
            self._path = None

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def stage(path: str | os.PathLike, write, *, mode: int | None = None) -> Staged:
    """Write the future content of `path` with `write(binary_file)` beside it and flush it to
    disk. `mode`: the permissions it will have (default: those of the file it replaces, or what
    any program would give a new file: 0o666 less the umask)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if mode is None:
        mode = _mode_for(path)
    _remove_stale(folder, path.name)
    fd, temporary = _open_unnamed(folder)
    if fd is None:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                         dir=folder)
    staged = Staged(folder, path.name, fd, temporary)
    try:
        with os.fdopen(os.dup(fd), "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.fchmod(fd, mode)
        if temporary is not None:  # a named temporary needs no open descriptor any more
            os.close(fd)
            staged._fd = None
    except BaseException:
        staged.close()
        raise
    return staged


def put_in_place(staged: Staged, path: str | os.PathLike) -> None:
    """Rename the staged file over `path` in one step (the folder is not synced: see
    `sync_folder`). The staged file is consumed: on failure it is removed."""
    path = Path(path)
    try:
        if staged._fd is not None:  # give the unnamed file a name, then rename it
            _name(staged)
        os.replace(staged._path, path)
        staged._path = None
    finally:
        staged.close()


def _name(staged: Staged) -> None:
    """Link the unnamed staged file to a hidden name beside its target (a copy where the file
    system refuses the link, which is then not tried again on that device)."""
    staged._path = str(staged.folder / f".{staged.name}.{os.getpid()}.{id(staged)}.tmp")
    if _link_fd(staged._fd, staged._path):
        return
    _NO_LINK.add(os.fstat(staged._fd).st_dev)
    staged._path = None
    fd, staged._path = tempfile.mkstemp(prefix=f".{staged.name}.{os.getpid()}.", suffix=".tmp",
                                        dir=staged.folder)
    with os.fdopen(fd, "wb") as handle:
        os.lseek(staged._fd, 0, os.SEEK_SET)
        while chunk := os.read(staged._fd, 1 << 20):
            handle.write(chunk)
        handle.flush()
        os.fchmod(handle.fileno(), os.fstat(staged._fd).st_mode & 0o7777)
        os.fsync(handle.fileno())


def sync_folder(folder: str | os.PathLike) -> None:
    """Flush a folder's entries (the renames into it) to disk, where the system allows."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename is still atomic
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call `write(binary_file)` for the new content of `path`, then replace `path` with it at
    once. A failure (or a crash) half-way leaves the old file (if any) untouched and no
    temporary file behind. The file gets the permissions of the file it replaces or, for a new
    file, those any program would give it (0o666 less umask)."""
    path = Path(path)
    put_in_place(stage(path, write), path)
    sync_folder(path.parent if str(path.parent) else ".")


def _link_fd(fd: int, path: str) -> bool:
    """Give the open unnamed file `fd` the name `path`: linkat(AT_EMPTY_PATH) where the process
    may, else through /proc/self/fd. False when neither works."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.linkat(fd, b"", _AT_FDCWD, os.fsencode(path), _AT_EMPTY_PATH) == 0:
            return True
    except (OSError, AttributeError):
        pass
    try:
        os.link(f"/proc/self/fd/{fd}", path, follow_symlinks=True)
        return True
    except OSError:
        return False


def _open_unnamed(folder: Path) -> tuple[int | None, str | None]:
    """(fd, None) for a file without a name in `folder` (Linux O_TMPFILE), else (None, None)."""
    flag = getattr(os, "O_TMPFILE", 0)
    try:
        if not flag or not os.path.isdir("/proc/self/fd") or os.stat(folder).st_dev in _NO_LINK:
            return None, None
        return os.open(folder, flag | os.O_RDWR, _PRIVATE), None
    except OSError:  # the file system cannot (e.g. some network or overlay file systems)
        return None, None


def _remove_stale(folder: Path, name: str) -> None:
    """Remove the temporaries ".NAME.PID.xxx.tmp" of processes that no longer run: a process
    killed in the instant between naming a staged file and renaming it leaves one."""
    try:
        candidates = list(folder.glob(f".{glob.escape(name)}.*.tmp"))
    except OSError:
        return
    for path in candidates:
        pid = path.name[len(name) + 2:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            _remove(str(path))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or a system that cannot tell
        return True
    return True


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask
