"""The plots of `bench_filtering.py --plots`: filter time against image size and kernel size for
Playground, scipy.ndimage and OpenCV (and the earlier version when compared), saved in docs/."""

from __future__ import annotations

import os
from pathlib import Path

import filter_engines as engines
import numpy as np
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
    """Time the sweeps and save docs/filter_speed_sizes.png and docs/filter_speed_kernels.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = 2 if quick else 3
    load = " (other core busy)" if busy else ""
    note = (f"median of {rounds} rounds; load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs")
    sizes = SIZES[:2] if quick else SIZES
    paths = []
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    for ax, k in zip(axes, (3, 7), strict=True):
        print(f"\nplot: time against image size, random {k}x{k}")
        series = _series([case(n, k) for n in sizes], before, rounds)
        _draw(ax, [n for n in sizes], series, "image side (pixels, square RGB float32)",
              f"random {k}x{k} kernel, zero padding{load}")
    figure.suptitle(note, fontsize=9)
    paths.append(DOCS / "filter_speed_sizes.png")
    figure.savefig(paths[-1], dpi=100)
    plt.close(figure)
    kernel_sizes = KERNEL_SIZES[::2] if quick else KERNEL_SIZES
    print("\nplot: time against kernel size, 1024x1024 RGB float32")
    series = _series([case(1024, k) for k in kernel_sizes], before, rounds)
    figure, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    _draw(ax, list(kernel_sizes), series, "kernel side k (random k x k weights)",
          f"1024x1024 RGB float32, zero padding{load}")
    figure.suptitle(note, fontsize=9)
    paths.append(DOCS / "filter_speed_kernels.png")
    figure.savefig(paths[-1], dpi=100)
    plt.close(figure)
    for path in paths:
        print(f"saved {path}")
    return paths
