"""Training speed against batch size: the engine and PyTorch on one and two threads, once on a
quiet machine and once with another core kept busy; a table and docs/train_speed_batches.png.

    python benchmarks/bench_engine_batches.py [--model reference|lenet5] [--rounds 3]
                                              [--seconds 0.6] [--quick]

Each point is the median of `--rounds` alternating rounds (engine, PyTorch, engine, ...) of
about `--seconds` of training each (SGD with momentum on random batches, the same initial
weights for both). Needs PyTorch and matplotlib (pip install -e .[bench]).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import engine_training as bench
import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs"
BATCHES = (16, 32, 64, 128, 256)
THREADS = (1, 2)
_STYLE = {"engine": ("Playground engine", "C0"), "torch": ("PyTorch", "C3")}


def sweep(model: str, batches, rounds: int, seconds: float) -> dict:
    """{(framework, threads): [median samples/s per batch size]}, a table line per point."""
    series = {(name, t): [] for name in _STYLE for t in THREADS}
    print(f"{'batch':>6} " + " ".join(f"{name + ' ' + str(t) + 't':>12}" for name, t in series)
          + "   engine / PyTorch")
    for batch in batches:
        ratios = []
        for threads in THREADS:
            ours, theirs = bench.compare(model, batch, threads, rounds, seconds)
            series["engine", threads].append(float(np.median(ours)))
            series["torch", threads].append(float(np.median(theirs)))
            ratios.append(f"{threads}t {np.median(ours) / np.median(theirs):.2f}x")
        print(f"{batch:>6} " + " ".join(f"{values[-1]:12.0f}" for values in series.values())
              + "   " + ", ".join(ratios), flush=True)
    return series


def draw(ax, batches, series, title: str) -> None:
    for (name, threads), values in series.items():
        label, colour = _STYLE[name]
        ax.plot(batches, values, "o-" if threads > 1 else "s--", color=colour,
                label=f"{label}, {threads} thread{'s' if threads > 1 else ''}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(batches, [str(b) for b in batches])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("batch size")
    ax.set_ylabel("training samples / s (median)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="reference", choices=bench.MODELS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.6, help="seconds per round")
    parser.add_argument("--quick", action="store_true", help="three batch sizes, two rounds")
    args = parser.parse_args()
    if bench.torch is None:
        print("PyTorch is not installed (pip install torch): nothing to compare with")
        return 1
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    batches = BATCHES[::2] if args.quick else BATCHES
    rounds = 2 if args.quick else args.rounds
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True, sharey=True)
    for ax, busy in zip(axes, (False, True), strict=True):
        with bench.busy_core(busy):
            load = os.getloadavg()[0]
            where = "another core kept busy" if busy else "no extra load"
            print(f"\n{args.model}, {where} (load average {load:.1f} on {os.cpu_count()} cores)")
            series = sweep(args.model, batches, rounds, args.seconds)
        draw(ax, list(batches), series, f"{args.model}: {where} (load {load:.1f})")
    figure.suptitle(f"training speed against batch size, median of {rounds} rounds; "
                    f"torch {bench.torch.__version__}, numpy {np.__version__}, "
                    f"{os.cpu_count()} CPUs", fontsize=9)
    path = DOCS / "train_speed_batches.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
