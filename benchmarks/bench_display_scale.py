"""What a new display scale costs in the filter studio: re-using the float result
(`core.image.requests.rescale`) against running the whole filter again (`run_filter`).

Run:  .venv/bin/python benchmarks/bench_display_scale.py

A 2048x2048 RGB image with a 7x7 Gaussian and a 15x15 random kernel; best of a few runs each;
the ratio full run / rescale (> 1: the studio's scale switch is that many times cheaper).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.image.kernels import Kernel, gaussian  # noqa: E402
from core.image.requests import FilterRequest, Geometry, rescale, run_filter  # noqa: E402


def best_of(function, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (2048, 2048, 3), dtype=np.uint8)
    kernels = {"Gaussian 7x7": gaussian(7, 0.84089642),
               "random 15x15": Kernel("random", rng.standard_normal((15, 15)))}
    print(f"{'kernel':<14} {'full run ms':>12} {'rescale ms':>11} {'ratio':>7}")
    for name, kernel in kernels.items():
        request = FilterRequest.of(image, kernel, Geometry())
        output = run_filter(request, lambda _f: None, lambda: False)
        full = best_of(lambda r=request: run_filter(r, lambda _f: None, lambda: False))
        again = best_of(lambda o=output: rescale(o, "normalize"))
        print(f"{name:<14} {full * 1e3:12.1f} {again * 1e3:11.1f} {full / again:7.1f}")


if __name__ == "__main__":
    main()
