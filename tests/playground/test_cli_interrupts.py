"""Ctrl-C on the command line: the first stops the work cleanly (training saves what it
learned) and exits with 130; a second quits at once; never a traceback."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.files.images import write_image
from core.train.bundle import load_bundle
from playground.cli import run_cli
from playground.cli.interrupts import Interrupts

ROOT = Path(__file__).resolve().parents[2]


def test_the_first_ctrl_c_inside_a_stopping_block_only_asks_to_stop():
    stops, calls = Interrupts(), []
    with stops.stopping(on_first=lambda: calls.append("stop")):
        stops.handle()
        assert stops.should_stop() and calls == ["stop"]
        with pytest.raises(KeyboardInterrupt):
            stops.handle()
    assert calls == ["stop"]


def test_outside_a_stopping_block_ctrl_c_raises_at_once():
    stops = Interrupts()
    with pytest.raises(KeyboardInterrupt):
        stops.handle()


def test_a_ctrl_c_just_before_the_block_stops_the_work_it_starts():
    stops, calls = Interrupts(), []
    with stops.stopping():
        stops.handle()
        with stops.stopping(on_first=lambda: calls.append("stop")):
            pass
    assert calls == ["stop"]


@pytest.fixture
def big_picture(tmp_path):
    path = tmp_path / "big.png"
    write_image(path, np.random.default_rng(0).integers(0, 256, (600, 600), np.uint8))
    return path


def _interrupt_after_reading(monkeypatch, times: int):
    """Press Ctrl-C `times` times once the image is read (the filtering then begins)."""
    from playground.cli import filter_cmd

    real_read = filter_cmd._read

    def read_then_interrupt(*args):
        image = real_read(*args)
        for _ in range(times):
            signal.raise_signal(signal.SIGINT)
        return image

    monkeypatch.setattr(filter_cmd, "_read", read_then_interrupt)


@pytest.mark.parametrize("times", [1, 2])
def test_ctrl_c_while_filtering_exits_130_without_writing(big_picture, tmp_path, capsys,
                                                          monkeypatch, times):
    _interrupt_after_reading(monkeypatch, times)
    out = tmp_path / "out.png"
    code = run_cli(["filter", str(big_picture), "--neighbourhood", "median", "--size", "9",
                    "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 130
    assert captured.err == "playground filter: interrupted\n" and captured.out == ""
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["big.png"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def _train(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "playground", "train", "tiny_mlp", "--data", "shapes",
         "--epochs", "200", "--out", str(out), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_ctrl_c_during_training_saves_and_exits_130_every_time(tmp_path):
    """Ten runs, each interrupted at another moment of training (the README's promise)."""
    rng = np.random.default_rng(0)
    for run in range(10):
        out = tmp_path / f"m{run}"
        process = _train(out)
        assert process.stdout.readline().startswith("training tiny_mlp")
        for _ in range(int(rng.integers(0, 3))):  # a few epochs in, or none
            process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 130, err
        assert "Traceback" not in err and "stopped after" in err
        assert load_bundle(out).history.stop_reason == "stopped"


@pytest.mark.slow
def test_a_second_ctrl_c_quits_at_once_without_a_traceback(tmp_path):
    process = _train(tmp_path / "m")
    assert process.stdout.readline().startswith("training tiny_mlp")
    os.kill(process.pid, signal.SIGINT)
    os.kill(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    last = err.strip().splitlines()[-1]
    # The second came before the model was saved, or the first had already ended the run.
    assert "Traceback" not in err
    assert last == "playground train: interrupted" or last.startswith(f"saved {tmp_path}")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
