"""The set-up script: a failed apt-get is one line, and `run` works in the user's folder."""

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tasks(monkeypatch):
    spec = importlib.util.spec_from_file_location("tasks_under_test", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module.sys, "platform", "linux")
    monkeypatch.setattr(module.os, "geteuid", lambda: 0)
    monkeypatch.setattr(module.shutil, "which",
                        lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    return module


def _locked_apt(calls):
    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(
            command, 100, "", "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by "
            "process 4242 (apt-get)\nE: Unable to acquire the dpkg frontend lock\n")

    return fake_run


def test_a_locked_dpkg_is_one_line_naming_the_command(tasks, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(tasks.subprocess, "run", _locked_apt(calls))
    monkeypatch.setattr(tasks, "_has_library", lambda name: name != "libEGL.so.1")
    with pytest.raises(SystemExit) as exited:
        tasks.ensure_system_libraries({"libEGL.so.1": "libegl1", "libGL.so.1": "libgl1"})
    assert exited.value.code == 1
    out = capsys.readouterr()
    last = out.out.strip().splitlines()[-1]
    assert "Traceback" not in out.out + out.err
    assert "dpkg frontend lock" in last
    assert last.endswith("run by hand, then try again: apt-get install -y "
                         "--no-install-recommends libegl1")
    assert [c[:2] for c in calls] == [["apt-get", "update"], ["apt-get", "install"]]


def test_tests_still_run_when_only_an_optional_program_could_not_be_installed(
        tasks, monkeypatch, capsys):
    monkeypatch.setattr(tasks.subprocess, "run", _locked_apt([]))
    monkeypatch.setattr(tasks, "_has_library", lambda name: True)
    tasks.ensure_system_libraries({"libEGL.so.1": "libegl1"}, {"Xvfb": "xvfb"})  # no exit
    assert "going on without xvfb" in capsys.readouterr().out


def test_run_keeps_the_users_folder(tasks, monkeypatch, tmp_path):
    seen = {}

    def fake_run(command, **kwargs):
        seen.update(kwargs, command=command, folder=Path.cwd())
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(tasks, "ensure_system_libraries", lambda *args: None)
    monkeypatch.setattr(tasks, "ensure_venv", lambda extras: None)
    monkeypatch.setattr(tasks.subprocess, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    assert tasks.main(["run", "--", "filter", "camera.png", "-o", "out.png"]) == 0
    assert seen["command"][1:] == ["filter", "camera.png", "-o", "out.png"]
    assert seen.get("cwd") in (None, str(tmp_path)) and seen["folder"] == tmp_path
