"""Speed of the NumPy RNN and LSTM blocks against PyTorch's `nn.RNN` / `nn.LSTM` on the CPU.

    python benchmarks/bench_recurrent.py [--threads N] [--repeats 30] [--no-torch]

One forward + backward (through every step) of a batch of 64 sequences of 28 steps of 28 values,
hidden size 128, the last state's gradient a fixed random array, as in training a row-reading
digit classifier. When PyTorch is importable the same block with the same weights runs in the
same process with the same number of threads; the script prints both times, the speed ratio
(PyTorch's time / ours: 1.0 means as fast, 0.5 half as fast) and the largest difference of the
outputs and gradients. PyTorch is optional: without it only our times are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS / PyTorch threads (default: the machine's cores)")
    parser.add_argument("--repeats", type=int, default=30, help="timed passes per block")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=28)
    parser.add_argument("--features", type=int, default=28)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
THREADS = (ARGS.threads if ARGS and ARGS.threads else None) or os.cpu_count() or 1
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)  # before numpy is imported

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from core.nn.recurrent import LSTM, RNN  # noqa: E402


def median_time(step, repeats: int) -> float:
    """Median seconds of `step()` over `repeats` runs, after three warm-up runs."""
    for _ in range(3):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ours(block, x, grad):
    def step():
        block.zero_grad()
        block.forward(x, training=True)
        return block.backward(grad)
    return step


def theirs(module, x, grad):
    import torch

    tx = torch.from_numpy(x).requires_grad_(True)
    tgrad = torch.from_numpy(grad)

    def step():
        module.zero_grad()
        tx.grad = None
        out, _ = module(tx)
        out[:, -1].backward(tgrad)
    return step, tx


def compare(name, block, module_class, x, grad, repeats):
    """Print our time, PyTorch's and their ratio for one block."""
    ms = median_time(ours(block, x, grad), repeats) * 1e3
    line = f"{name:<5} forward + backward  ours {ms:8.3f} ms"
    if module_class is None:
        print(line)
        return
    import torch

    module = module_class(x.shape[2], block.hidden_size, batch_first=True)
    with torch.no_grad():
        for key, value in block.params.items():
            getattr(module, f"{key}_l0").copy_(torch.from_numpy(value))
    step, tx = theirs(module, x, grad)
    torch_ms = median_time(step, repeats) * 1e3
    block.zero_grad()
    block.forward(x, training=True)
    grad_x = block.backward(grad)
    step()
    diff = max(float(np.abs(grad_x - tx.grad.numpy()).max()),
               *(float(np.abs(block.grads[k] - getattr(module, f"{k}_l0").grad.numpy()).max())
                 for k in block.params))
    print(f"{line}   PyTorch {torch_ms:8.3f} ms   speed ratio {torch_ms / ms:5.2f}x of "
          f"PyTorch   (largest gradient difference {diff:.1e})")


def main() -> None:
    args = ARGS
    module_classes = {"RNN": None, "LSTM": None}
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: only the NumPy engine is timed.")
        else:
            torch.set_num_threads(THREADS)
            module_classes = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, args.steps, args.features)).astype(np.float32)
    grad = rng.standard_normal((args.batch, args.hidden)).astype(np.float32)
    print(f"batch {args.batch}, {args.steps} steps of {args.features} values, hidden "
          f"{args.hidden}, {THREADS} threads, median of {args.repeats}")
    for name, cls in (("RNN", RNN), ("LSTM", LSTM)):
        block = cls(args.features, args.hidden, rng=np.random.default_rng(1))
        compare(name, block, module_classes[name], x, grad, args.repeats)


if __name__ == "__main__":
    main()
