#!/usr/bin/env python3
"""Set up and run Playground from a fresh clone, with nothing but Python 3.11 and pip.

    python3 tasks.py run [ARGS...]   launch the app (ARGS go to the `playground` command)
    python3 tasks.py test [ARGS...]  run ruff and the whole test suite headless (ARGS go to pytest)

Both create `.venv/` from `pyproject.toml` on first use (and again when it changes), and say which
system libraries Qt needs when they are missing (installing them with apt-get when run as root).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".playground-installed"

# Shared libraries Qt loads, and the Debian packages that provide them.
OFFSCREEN_LIBS = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libfontconfig.so.1": "libfontconfig1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}
DISPLAY_LIBS = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11-xcb.so.1": "libx11-xcb1",
}


def _say(message: str) -> None:
    print(f"[tasks] {message}", flush=True)


def _run(cmd: list[str], **kwargs) -> None:
    subprocess.run(cmd, check=True, **kwargs)


def _make_venv() -> None:
    # Debian and Ubuntu ship ensurepip in a separate package (python3-venv); without it
    # `venv` prints advice and exits the whole process, so look for it before trying.
    if importlib.util.find_spec("ensurepip") is not None:
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
            return
        except (subprocess.CalledProcessError, OSError, SystemExit) as error:
            _say(f"python -m venv failed ({error}); falling back to virtualenv")
    else:
        _say("this Python has no ensurepip (python3-venv); using virtualenv instead")
    shutil.rmtree(VENV, ignore_errors=True)
    tools = ROOT / ".venv-tools"
    # --target installs beside the system Python, so an externally managed one (PEP 668,
    # Debian's) accepts it; virtualenv brings its own pip, so nothing else is needed.
    pip_env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore")
    pip_install = [sys.executable, "-m", "pip", "install", "-q", "--target", str(tools)]
    _run([*pip_install, "virtualenv"], env=pip_env)
    env = dict(os.environ, PYTHONPATH=str(tools))
    _run([sys.executable, "-m", "virtualenv", "-q", str(VENV)], env=env)
    shutil.rmtree(tools, ignore_errors=True)


def _install_stamp(extras: str) -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()


def ensure_venv(extras: str) -> None:
    """Create `.venv` and install the project into it when `pyproject.toml` changed."""
    wanted = _install_stamp(extras)
    # The test install holds the runtime one, so `run` after `test` installs nothing.
    accepted = {wanted} if extras else {wanted, _install_stamp("test")}
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() in accepted:
        return
    if not PYTHON.exists():
        _say("creating .venv")
        _make_venv()
    _say(f"installing the project into .venv ({extras or 'runtime only'})")
    # pip's warning about running as root is meant for the system Python, not a venv.
    env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore")
    _run([str(PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"], env=env)
    target = f".[{extras}]" if extras else "."
    _run([str(PYTHON), "-m", "pip", "install", "-q", "-e", target], cwd=ROOT, env=env)
    STAMP.write_text(wanted)


@functools.cache
def _library_cache() -> str | None:
    # Debian keeps ldconfig in /sbin, which is not on an ordinary user's PATH.
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.access(p, os.X_OK)), None
    )
    if ldconfig is None:
        return None
    try:
        return subprocess.run([ldconfig, "-p"], capture_output=True, text=True).stdout
    except OSError:
        return None


def _has_library(name: str) -> bool:
    out = _library_cache()
    if out is None:
        return True  # no ldconfig (not Linux): let Qt itself report what is missing
    return name in out


# Programs the tests use: the launch test opens the real window on a virtual X server.
TEST_PROGRAMS = {"Xvfb": "xvfb"}


def _missing_packages(libs: dict[str, str], programs: dict[str, str]) -> list[str]:
    missing = {pkg for lib, pkg in libs.items() if not _has_library(lib)}
    missing |= {pkg for prog, pkg in programs.items() if not shutil.which(prog)}
    return sorted(missing)


def _apt_get(command: list[str], env: dict[str, str]) -> str:
    """Run apt-get; "" when it worked, else its last error line (e.g. the dpkg lock is held)."""
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except OSError as error:
        return str(error)
    if done.returncode == 0:
        return ""
    lines = [line.strip() for line in (done.stderr or done.stdout or "").splitlines()]
    errors = [line for line in lines if line.startswith("E:")] or [line for line in lines if line]
    return errors[-1] if errors else f"exit status {done.returncode}"


def ensure_system_libraries(libs: dict[str, str], programs: dict[str, str] | None = None) -> None:
    """Install the Debian packages Qt needs, or say how to, when a library is missing.

    A failed apt-get (another process holding the dpkg lock, no network) is one line naming the
    command to run by hand; set-up goes on when only optional programs (Xvfb) are still missing.
    """
    if not sys.platform.startswith("linux"):
        return
    programs = programs or {}
    missing = _missing_packages(libs, programs)
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        _say("Qt needs these system libraries; install them and try again:")
        _say("  sudo " + " ".join(command))
        sys.exit(1)
    _say("installing Qt's system libraries: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _apt_get(["apt-get", "update", "-q"], env)  # if it fails, the old index may still do
    problem = _apt_get(command + ["-q"], env)
    _library_cache.cache_clear()
    if not problem:
        return
    still = _missing_packages(libs, {})
    if still:
        _say(f"apt-get failed ({problem}); run by hand, then try again: "
             + " ".join(["apt-get", "install", "-y", "--no-install-recommends", *still]))
        sys.exit(1)
    _say(f"apt-get failed ({problem}); Qt's libraries are there, going on without "
         + " ".join(pkg for pkg in missing if pkg in programs.values()))


def test(args: list[str]) -> int:
    ensure_system_libraries({**OFFSCREEN_LIBS, **DISPLAY_LIBS}, TEST_PROGRAMS)
    ensure_venv("test")
    _say("ruff check")
    lint = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT)
    if lint.returncode != 0:
        return lint.returncode
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    _say("pytest")
    return subprocess.run([str(PYTHON), "-m", "pytest", *args], cwd=ROOT, env=env).returncode


def run(args: list[str]) -> int:
    ensure_system_libraries(OFFSCREEN_LIBS)
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        ensure_system_libraries(DISPLAY_LIBS)
    ensure_venv("")
    # In the folder the user ran this from: file names are relative to where they are.
    return subprocess.run([str(BIN / "playground"), *args]).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    return test(rest) if task == "test" else run(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
