"""Usage errors exit with 2 and name the flag the user typed; options that would be ignored are
refused; folders, odd file names and damaged files give one line, never a traceback; shipped
networks and samples are named without their folder."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.files.images import write_image
from core.nn.model import Sequential
from core.resources import resource_path
from playground.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _usage(args, capsys) -> str:
    assert run_cli(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: playground {args[0]}") and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"playground {args[0]}: error: ")
    return last.split(": error: ", 1)[1]


@pytest.mark.parametrize(("flags", "message"), [
    (["--sobel", "magnitude", "--divisor", "2"], "--divisor does not apply to --sobel"),
    (["--sobel", "angle", "--convolve"], "--convolve does not apply to --sobel"),
    (["--sobel", "angle", "--scale", "abs"], "--scale does not apply to --sobel angle"),
    (["--kernel", "1,2,1", "--size", "5", "--sigma", "5"], "--size does not apply to --kernel"),
    (["--neighbourhood", "median", "--size", "3", "--method", "fft"],
     "--method does not apply to --neighbourhood"),
    (["--preset", "Gaussian", "--angle", "30"],
     "--angle does not apply to the Gaussian preset (its settings: --sigma, --size)"),
    (["--preset", "Motion blur", "--angle", "500"],
     "--angle must be from 0 to 180 for the Motion blur preset; received 500.0"),
    (["--preset", "Gaussian", "--pad-width", "-1"], "--pad-width must be 0 or more"),
    (["--preset", "Gaussian", "--padding", "valid", "--pad-width", "2"],
     "--pad-width does not apply to --padding valid"),
    (["--preset", "Gaussian", "--divisor", "0"], "--divisor must not be 0"),
    (["--preset", "Gaussian", "--offset", "nan"], "--offset must be a finite number"),
    (["--preset", "Gaussian", "-o", "x.npy", "--scale", "abs"], "--scale applies to image"),
    (["--neighbourhood", "max", "--size", "40"], "--size must be a whole number from 1 to 31"),
])
def test_filter_refuses_flags_that_would_be_ignored_or_are_out_of_range(tmp_path, capsys,
                                                                        flags, message):
    path = tmp_path / "in.png"
    write_image(path, np.zeros((8, 8), np.uint8))
    assert message in _usage(["filter", str(path), *flags], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


def test_a_huge_pad_width_is_refused_naming_the_flag_and_the_limit(tmp_path, capsys):
    path = tmp_path / "in.png"
    write_image(path, np.zeros((100, 200), np.uint8))
    message = _usage(["filter", str(path), "--preset", "Gaussian", "--pad-width", "100000"],
                     capsys)
    assert message.startswith("--pad-width 100000 is too large for this 200x100 image")
    limit = int(message.rsplit(" ", 1)[1])
    assert run_cli(["filter", str(path), "--preset", "Box blur", "--pad-width", str(limit),
                    "-o", str(tmp_path / "o.npy")]) == 0
    assert np.load(tmp_path / "o.npy").size <= 100 * 200 + 16_000_000


@pytest.mark.parametrize(("args", "message"), [
    (["predict", "m", "x.png", "--top", "0"], "--top must be at least 1; received 0"),
    (["train", "tiny_mlp", "--seed", "-1"], "--seed must be a whole number from 0 to"),
    (["train", "tiny_mlp", "--optimizer", "adam", "--momentum", "0.5"],
     "--momentum applies to --optimizer sgd only"),
    (["train", "tiny_mlp", "--momentum", "1"], "--momentum must be from 0 to less than 1"),
    (["train", "tiny_mlp", "--lr", "nan"], "--lr must be a positive number; received nan"),
    (["train", "tiny_mlp", "--epochs", "10000000"], "--epochs must be at most 1,000,000"),
])
def test_train_and_predict_name_the_flag(args, message, capsys):
    assert message in _usage(args, capsys)


def test_a_shift_larger_than_half_the_images_is_refused(tmp_path, capsys):
    message = _usage(["train", "reference", "--shift", "1000", "--out", str(tmp_path / "m")],
                     capsys)
    assert message == "--shift 1000 is more than half of the 28x28 images; use at most 14"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["filter", ".", "--preset", "Gaussian"],
                                  ["predict", ".", "d.png"], ["predict", "..", "d.png"],
                                  ["train", "."], ["summary", "."]])
def test_a_folder_where_a_file_is_expected_is_one_line(args, capsys):
    assert run_cli(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a folder" in err and "Traceback" not in err


def test_shipped_networks_and_samples_are_named_without_their_folder(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli(["summary", "reference"]) == 0
    assert "Conv2D" in capsys.readouterr().out
    assert run_cli(["filter", "camera", "--preset", "Gaussian"]) == 0
    assert capsys.readouterr().out.startswith("wrote camera_filtered.png (512x512")
    assert (tmp_path / "camera_filtered.png").is_file()  # here, not in the shipped folder
    assert not resource_path("images").joinpath("camera_filtered.png").exists()
    assert run_cli(["filter", "no_such_sample", "--preset", "Gaussian"]) == 1
    assert "no_such_sample: no such file" in capsys.readouterr().err


def _playground(*args, cwd, **env):
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=cwd,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                    **env}, timeout=120)


def test_a_file_name_that_is_not_utf8_prints_on_a_strict_terminal(tmp_path):
    name = b"caf\xe9\x1b[31m.png"
    write_image(tmp_path / os.fsdecode(name), np.zeros((8, 8), np.uint8))
    done = _playground("filter", os.fsdecode(name), "--preset", "Gaussian", cwd=tmp_path,
                       PYTHONIOENCODING="utf-8:strict")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("wrote caf\\xe9\\x1b[31m_filtered.png")
    assert (tmp_path / os.fsdecode(b"caf\xe9\x1b[31m_filtered.png")).is_file()


def test_library_warnings_are_not_shown_before_the_one_line_error(tmp_path):
    """A TIFF whose tags lie: Pillow warns and libtiff writes to stderr from C."""
    from PIL import Image

    path = tmp_path / "bad.tif"
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(path, compression="tiff_lzw")
    data = bytearray(path.read_bytes())
    data[-30:] = b"\xff" * 30
    path.write_bytes(bytes(data))
    done = _playground("filter", str(path), "--preset", "Gaussian", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"playground filter: error: {path}: ")


def test_weights_holding_pickles_are_refused_without_numpys_advice(tmp_path, capsys):
    spec = json.loads(resource_path("models", "tiny_mlp.json").read_text())
    (tmp_path / "m.json").write_text(json.dumps(spec))
    weights = Sequential.from_spec(spec).get_weights()
    first = sorted(weights)[0]
    weights[first] = np.array([{"x": 1}], dtype=object)
    np.savez(tmp_path / "m.npz", **weights, allow_pickle=True)
    write_image(tmp_path / "d.png", np.zeros((28, 28), np.uint8))
    assert run_cli(["predict", str(tmp_path / "m"), str(tmp_path / "d.png")]) == 1
    err = capsys.readouterr().err
    assert f"m.npz: array {first} holds object values" in err
    assert "allow_pickle" not in err and "unsafe" not in err and len(err.splitlines()) == 1
