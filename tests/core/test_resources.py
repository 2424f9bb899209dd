"""Shipped resources are found from a checkout and from an installed wheel."""

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from core.resources import data_licences, resource_path, sample_images

ROOT = Path(__file__).resolve().parents[2]


def test_sample_images_are_shipped():
    names = [p.name for p in sample_images()]
    assert names == ["astronaut.png", "camera.png", "chelsea.png", "coffee.png"]


def test_mnist_subset_is_shipped():
    folder = resource_path("data", "mnist-5k")
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]


def test_licences_name_every_shipped_dataset():
    text = data_licences()
    assert "CC BY-SA 3.0" in text and "camera.png" in text and "chelsea.png" in text


def test_missing_resource_names_what_was_looked_for():
    with pytest.raises(FileNotFoundError, match="no-such-thing"):
        resource_path("images", "no-such-thing.png")


@pytest.mark.slow
def test_resources_load_from_an_installed_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import core.resources as r\n"
        "p = r.resource_path('images', 'camera.png')\n"
        "print(p)\n"
        "print(p.stat().st_size)\n"
        "print(r.resource_path('data', 'mnist-5k', 'train-images-idx3-ubyte.gz').stat().st_size)\n"
    )
    out = subprocess.run(
        [str(python), "-I", "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path
    ).stdout.split()
    assert Path(out[0]).is_relative_to(env_dir), out[0]
    assert int(out[1]) == (ROOT / "resources" / "images" / "camera.png").stat().st_size
    assert int(out[2]) > 100_000
