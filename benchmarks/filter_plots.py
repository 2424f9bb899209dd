"""The plots of `bench_filtering.py --plots`: filter time against image size and kernel size for
Playground, scipy.ndimage and OpenCV (and the earlier version when compared), each measured
once as the machine is and once with another core kept busy, saved in docs/."""

from __future__ import annotations

import os
from pathlib import Path

import filter_engines as engines
import numpy as np
from busy_core import busy_core
from filter_engines import case

DOCS = Path(__file__).resolve().parents[1] / "docs"
SIZES = (512, 1024, 2048, 4096)
KERNEL_SIZES = (3, 5, 7, 9, 11, 15, 21, 31)
_STYLE = {"ours": ("Playground", "C0", "o-"), "before": ("Playground before", "C0", "o:"),
          "cv2": ("OpenCV filter2D", "C3", "s-"), "scipy": ("scipy.ndimage", "C2", "^-")}
_SCIPY_SLOW_MS = 3_000.0
"""scipy is timed once per point when one call takes longer than this."""


def _series(specs, before, rounds) -> dict:
    """{engine: [median ms per spec]} (scipy once when slow)."""
    series = {name: [] for name in _STYLE}
    for spec in specs:
        names = ["ours", "cv2", "before"]
        times = engines.measure(spec, names, rounds, before)
        scipy_call = engines.scipy_ndimage(spec, engines.make_data(spec))
        first = engines.time_call(scipy_call)
        times["scipy"] = [first]
        if first < _SCIPY_SLOW_MS:
            times["scipy"] += [engines.time_call(scipy_call) for _ in range(rounds - 1)]
        for name in series:
            series[name].append(float(np.median(times[name])) if name in times else np.nan)
        print(f"  {engines.case_name(spec):<50} "
              + " ".join(f"{n} {series[n][-1]:8.1f}" for n in series if n in times), flush=True)
    return series


def _draw(ax, xs, series, xlabel, title) -> None:
    for name, values in series.items():
        if not np.all(np.isnan(values)):
            label, colour, style = _STYLE[name]
            ax.plot(xs, values, style, color=colour, label=label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("time per call (ms, median)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()


def make_plots(before, *, quick=False, busy=False) -> list[Path]:
    """Time the sweeps, once as the machine is and once with another core kept busy, and save
    docs/filter_speed_sizes.png and docs/filter_speed_kernels.png (one panel per load)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = 2 if quick else 3
    sizes = SIZES[:2] if quick else SIZES
    kernel_sizes = KERNEL_SIZES[::2] if quick else KERNEL_SIZES
    loads = ("other core busy", "another core kept busy too") if busy else (
        "no extra load", "another core kept busy")
    size_figure, size_axes = plt.subplots(2, 2, figsize=(11, 8.5), constrained_layout=True)
    kernel_figure, kernel_axes = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True,
                                              sharey=True)
    for row, (where, spin) in enumerate(zip(loads, (False, True), strict=True)):
        with busy_core(spin):
            load = f"{where} (load {os.getloadavg()[0]:.1f})"
            for ax, k in zip(size_axes[row], (3, 7), strict=True):
                print(f"\nplot: time against image size, random {k}x{k}, {load}")
                series = _series([case(n, k) for n in sizes], before, rounds)
                _draw(ax, list(sizes), series,
                      "image side (pixels, square RGB float32, zero padding)",
                      f"random {k}x{k}, {load}")
            print(f"\nplot: time against kernel size, 1024x1024 RGB float32, {load}")
            series = _series([case(1024, k) for k in kernel_sizes], before, rounds)
            _draw(kernel_axes[row], list(kernel_sizes), series,
                  "kernel side k (random k x k weights, 1024x1024 RGB float32)", load)
    note = f"median of {rounds} rounds on {os.cpu_count()} CPUs"
    paths = [DOCS / "filter_speed_sizes.png", DOCS / "filter_speed_kernels.png"]
    for figure, path in zip((size_figure, kernel_figure), paths, strict=True):
        figure.suptitle(note, fontsize=9)
        figure.savefig(path, dpi=100)
        plt.close(figure)
        print(f"saved {path}")
    return paths
