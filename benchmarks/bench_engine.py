"""Training speed of the NumPy engine on a shipped network, against PyTorch on the CPU.

    python benchmarks/bench_engine.py [--model reference|lenet5] [--threads N] [--seconds S]
                                      [--batch 64] [--busy] [--no-torch]

Trains a shipped template (default the reference network: 1x28x28 -> Conv 8 -> ReLU -> MaxPool ->
Conv 16 -> ReLU -> MaxPool -> Flatten -> Dense 10; `--model lenet5` for LeNet-5) with softmax
cross-entropy and SGD momentum 0.9 on random batches, and prints training samples per second.
When PyTorch is importable, the same network with the same initial weights is trained in the
same run with the same number of threads (the engine's own threads, `core.nn.parallel`, with
BLAS on one; PyTorch's intra-op threads); the ratio and the first losses of both are printed.
Then the time of one forward + backward of each block type (and of the same PyTorch module).
`--busy` keeps another core busy with a spinning process for the whole run. PyTorch is optional:
without it the comparison is skipped. Targets with two threads: engine / PyTorch >= 1.0x on the
reference network, >= 0.9x on LeNet-5 (best and median rounds).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import engine_training as bench
import numpy as np

from core.nn.layer import LAYERS

ROUNDS = 5
TARGETS = {"reference": 1.0, "lenet5": 0.9}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="reference", choices=bench.MODELS,
                        help="the shipped template to train")
    parser.add_argument("--threads", type=int, default=None,
                        help="engine and PyTorch threads (default: the machine's cores)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="training time per framework (split into rounds)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--busy", action="store_true", help="keep another core busy")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    return parser.parse_args()


def best_time(step, seconds: float) -> float:
    """Shortest of many timings of step(0), in seconds (the least disturbed by other work)."""
    step(0)
    times, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 5:
        start = time.perf_counter()
        step(0)
        times.append(time.perf_counter() - start)
    return min(times)


def bench_training(args, threads: int, use_torch: bool) -> None:
    if use_torch:
        ours, theirs = bench.first_losses(args.model, batch=args.batch)
        print("first 5 losses, engine :", " ".join(f"{v:.6f}" for v in ours))
        print("first 5 losses, PyTorch:", " ".join(f"{v:.6f}" for v in theirs))
        largest = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
        print(f"largest difference: {largest:.2e}")
    engine_rates, torch_rates = bench.compare(args.model, args.batch, threads, ROUNDS,
                                              args.seconds / ROUNDS, use_torch)
    rate, median = max(engine_rates), float(np.median(engine_rates))
    print(f"\nengine : {rate:9.0f} training samples/s best round, {median:9.0f} median  "
          f"({args.model}, batch {args.batch}, {threads} threads)")
    if torch_rates:
        trate, tmedian = max(torch_rates), float(np.median(torch_rates))
        print(f"PyTorch: {trate:9.0f} training samples/s best round, {tmedian:9.0f} median  "
              f"(torch {bench.torch.__version__}, {bench.torch.get_num_threads()} threads)")
        print(f"ratio engine / PyTorch: {rate / trate:.2f}x best rounds, {median / tmedian:.2f}x "
              f"medians  (target with 2 threads >= {TARGETS.get(args.model, 1.0):.1f}x)")


def bench_layers(seconds: float, batch: int, use_torch: bool) -> None:
    """Forward + backward time of every block type, on the shapes of the reference network."""
    cases = [
        ("Conv2D", {"in_channels": 1, "out_channels": 8, "kernel_size": 3, "padding": 1},
         (1, 28, 28)),
        ("Conv2D", {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "padding": 1},
         (8, 14, 14)),
        ("MaxPool2D", {"size": 2}, (8, 28, 28)),
        ("MaxPool2D", {"size": 3, "stride": 2}, (8, 28, 28)),
        ("AvgPool2D", {"size": 2}, (8, 28, 28)),
        ("Dense", {"in_features": 784, "out_features": 10}, (784,)),
        ("Flatten", {}, (16, 7, 7)),
        ("Dropout", {"p": 0.5}, (8, 28, 28)),
    ] + [(name, {}, (8, 28, 28)) for name in ("ReLU", "LeakyReLU", "Sigmoid", "Tanh",
                                              "Softplus")] + [("Softmax", {}, (10,))]
    torch = bench.torch if use_torch else None
    rng = np.random.default_rng(0)
    rows = []
    for name, config, shape in cases:
        layer = LAYERS[name](**config)
        x = rng.standard_normal((batch, *shape), dtype=np.float32)
        grad = rng.standard_normal((batch, *layer.output_shape(shape)), dtype=np.float32)

        def run(_i, layer=layer, x=x, grad=grad):
            layer.forward(x, True, check=False)
            layer.backward(grad)

        rows.append((name, config, layer, x, grad, best_time(run, seconds / 20)))
    print(f"\nforward + backward per block, batch {batch} (input gradient included):")
    header = f"  {'block':<38}    {'input':<9} {'engine':>9}"
    print(header + ("   PyTorch   ratio (PyTorch time / engine time)" if torch else ""))
    time.sleep(0.2)  # PyTorch's turn: after all of ours, so that the two never share cores
    for name, config, layer, x, grad, ours in rows:
        line = f"  {layer!r:<38} on {'x'.join(map(str, x.shape[1:])):<9} {ours * 1e3:6.3f} ms"
        if torch is not None:
            module = bench.torch_block(name, config).train()
            tx = torch.from_numpy(x).requires_grad_(True)
            tgrad = torch.from_numpy(grad)

            def trun(_i, module=module, tx=tx, tgrad=tgrad):
                tx.grad = None
                module.zero_grad(set_to_none=True)
                module(tx).backward(tgrad)

            theirs = best_time(trun, seconds / 20)
            line += f" {theirs * 1e3:6.3f} ms {theirs / ours:6.2f}x"
        print(line)


def main() -> int:
    args = parse_args()
    threads = args.threads or os.cpu_count() or 1
    use_torch = not args.no_torch and bench.torch is not None
    if not args.no_torch and bench.torch is None:
        print("PyTorch is not installed: skipping the comparison "
              "(pip install torch to measure it)")
    with bench.busy_core(args.busy):
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"numpy {np.__version__}, {threads} threads, load average {load} on "
              f"{os.cpu_count()} cores{', another core kept busy' if args.busy else ''} (other "
              "work on the machine slows multi-threaded runs most)")
        bench_training(args, threads, use_torch)
        if use_torch:
            bench.torch.set_num_threads(threads)
        with bench.engine_threads(threads):
            bench_layers(args.seconds, args.batch, use_torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
