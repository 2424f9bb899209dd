"""Speed of core.image.filtering.apply_kernel against OpenCV, scipy.ndimage and an earlier version.

Run:  .venv/bin/python benchmarks/bench_filtering.py [--compare-with DIR] [--busy] [--plots]

Every engine is asked for the same operation (cross-correlation, same anchor, same border; a
stride or "valid" is OpenCV's and scipy's full result cropped and subsampled, as one would do
with them) and each result is checked against OpenCV's or scipy's. Rounds are interleaved (each
round times every engine once per case), so a busy machine slows them alike; the tables give
the best and the median round.

1. OpenCV targets: 2048x2048 RGB float32, random 3x3 to 9x9 kernels, every padding mode, stride
   2, grey, uint8: Playground at most 2x `cv2.filter2D`'s time (best and median).
2. Larger kernels, against scipy.ndimage and OpenCV.
3. With --compare-with DIR (a checkout of an earlier version, e.g. a `git worktree` of main,
   timed in a child process): no case slower than before, from 64x64 to 4096x4096, float and
   uint8, whole image or in strips with progress (as the filter studio calls it).
4. The live-preview targets on a 1-megapixel image.
With --plots: time against image size (512 to 4096) and kernel size (3 to 31), saved as PNG in
docs/. --busy keeps the other core busy (a busy-loop child process) for the whole run.
OpenCV and matplotlib come from the `bench` extra (pip install -e .[bench]).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import filter_engines as engines  # noqa: E402
from busy_core import busy_core  # noqa: E402
from filter_engines import case  # noqa: E402

TARGET_CV2 = 2.0
"""Playground's time over OpenCV's for 3x3 to 9x9 kernels, at most."""
TARGET_BEFORE = 1.1
"""Playground's time over the earlier version's, at most (10% for timing noise)."""


def _ms(values) -> str:
    return f"{min(values):7.1f} {np.median(values):7.1f}"


def table(title, specs, names, rounds, before, limits) -> bool:
    """Print one table; `limits` {engine: most ours/engine time}; return whether all were met."""
    print(f"\n{title}\ntimes in ms (best, median of {rounds} interleaved rounds); "
          "ratio = Playground's time / the other's (best, median)")
    shown = [n for n in names if n != "ours" and (n != "before" or before is not None)
             and (n != "cv2" or engines.cv2 is not None)]
    header = f"{'case':<50} {'Playground':>15}"
    for name in shown:
        header += f" {name:>15} {'ratio':>11}"
    print(header)
    ok = True
    for spec in specs:
        times = engines.measure(spec, names, rounds, before)
        line = f"{engines.case_name(spec):<50} {_ms(times['ours'])}"
        flags = []
        for name in shown:
            best = min(times["ours"]) / min(times[name])
            median = float(np.median(times["ours"]) / np.median(times[name]))
            line += f" {_ms(times[name])} {best:5.2f} {median:5.2f}"
            limit = limits.get(name)
            if limit is not None and (best > limit or median > limit):
                flags.append(f"{name} ratio above {limit:g}")
        ok = ok and not flags
        print(line + ("  <-- " + ", ".join(flags) if flags else ""), flush=True)
    return ok


def opencv_cases(quick: bool) -> list[dict]:
    size = 512 if quick else 2048
    specs = [case(size, k, padding=p) for k in (3, 5, 7, 9)
             for p in ("zero", "reflect", "edge", "wrap", "valid")]
    specs += [case(size, k, stride=2) for k in (3, 7)]
    specs += [case(size, k, channels=0) for k in (3, 7)]
    specs += [case(size, k, dtype="uint8", strips=True, padding="edge") for k in (3, 9)]
    specs += [case(size, k, kernel="gaussian") for k in (5, 9)]
    return specs


def large_cases(quick: bool) -> list[dict]:
    size = 512 if quick else 2048
    return [case(size, k, kernel=kind) for kind in ("random", "gaussian") for k in (15, 31)]


def before_cases(quick: bool) -> list[dict]:
    sizes = (64, 256, 1024) if quick else (64, 256, 1024, 4096)
    specs = [case(n, k, kernel=kind) for n in sizes for k, kind in
             ((3, "random"), (3, "sobel"), (7, "random"), (7, "gaussian"), (15, "random"),
              (15, "box"), (31, "random"))]
    specs += [case(1024, k, dtype="uint8", strips=True, padding=p, stride=s)
              for k in (3, 5, 9) for p, s in (("edge", 1), ("reflect", 2))]
    specs += [case((480, 640), k, channels=0, padding="wrap") for k in (3, 5, 7)]
    return specs


def preview_targets(rounds: int) -> bool:
    """Any 3x3 and any separable kernel to 15x15 under 50 ms on 1 megapixel; any to 31x31 250 ms."""
    rows = [(case(1024, 3), 50), (case(1024, 3, kernel="sobel"), 50),
            (case(1024, 15, kernel="gaussian"), 50), (case(1024, 15, kernel="box"), 50),
            (case(1024, 5), 250), (case(1024, 15), 250), (case(1024, 31), 250),
            (case(1024, 31, kernel="gaussian"), 250)]
    print(f"\nlive-preview targets, best of {rounds}")
    ok = True
    for spec, target in rows:
        best = min(engines.measure(spec, ["ours"], rounds)["ours"])
        ok = ok and best < target
        print(f"{engines.case_name(spec):<50} {best:7.1f} ms  < {target:3d}  "
              f"{'ok' if best < target else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller images, fewer rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare-with", metavar="DIR",
                        help="a checkout of an earlier version, timed in a child process")
    parser.add_argument("--busy", action="store_true", help="keep the other core busy")
    parser.add_argument("--plots", action="store_true", help="save the plots in docs/")
    parser.add_argument("--only", choices=("opencv", "large", "before", "preview", "plots"),
                        help="run one part only")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    with busy_core(args.busy):
        return run(args, rounds)


def run(args, rounds: int) -> int:
    """The parts of the benchmark `args` ask for; 0 if every target was met."""
    before = engines.Before(args.compare_with) if args.compare_with else None
    print(f"numpy {np.__version__}, scipy {__import__('scipy').__version__}, OpenCV "
          f"{engines.cv2.__version__ if engines.cv2 else 'not installed'}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}{', other core kept busy' if args.busy else ''}")
    ok = True
    try:
        part = args.only
        if part in (None, "opencv"):
            ok &= table("1. OpenCV targets (3x3 to 9x9)", opencv_cases(args.quick),
                        ["ours", "cv2", "before"], rounds, before, {"cv2": TARGET_CV2})
        if part in (None, "large"):
            ok &= table("2. larger kernels", large_cases(args.quick),
                        ["ours", "cv2", "scipy", "before"], max(1, rounds // 2), before,
                        {"scipy": 1.0})
        if part in (None, "before") and before is not None:
            ok &= table("3. every size against the earlier version", before_cases(args.quick),
                        ["ours", "before"], rounds, before, {"before": TARGET_BEFORE})
        if part in (None, "preview"):
            ok &= preview_targets(rounds)
        if args.plots or part == "plots":
            import filter_plots

            filter_plots.make_plots(before, quick=args.quick, busy=args.busy)
    finally:
        if before is not None:
            before.close()
    print(f"\ntargets {'met' if ok else 'MISSED'}; load average now {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
