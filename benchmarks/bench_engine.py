"""Training speed of the NumPy engine on the reference network, against PyTorch on the CPU.

    python benchmarks/bench_engine.py [--threads N] [--seconds S] [--batch 64]

Trains the issue's reference network (1x28x28 -> Conv 8 -> ReLU -> MaxPool -> Conv 16 -> ReLU ->
MaxPool -> Flatten -> Dense 10, softmax cross-entropy, SGD momentum 0.9, batch 64) and prints
training samples per second. When PyTorch is importable, the same network with the same initial
weights is trained in the same run with the same number of threads; the ratio and the first
losses of both are printed. Then the time of one forward + backward of each block type (and of
the same PyTorch module). PyTorch is optional: without it the comparison is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS / PyTorch threads (default: the machine's cores)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="training time per framework (split into rounds)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
THREADS = (ARGS.threads if ARGS and ARGS.threads else None) or os.cpu_count() or 1
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)  # before numpy is imported

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from core.nn.layer import LAYERS  # noqa: E402
from core.nn.losses import SoftmaxCrossEntropy  # noqa: E402
from core.nn.model import Sequential  # noqa: E402
from core.nn.optim import SGD  # noqa: E402
from core.resources import resource_path  # noqa: E402

REFERENCE = json.loads(resource_path("models", "reference.json").read_text(encoding="utf-8"))
LR, MOMENTUM = 0.01, 0.9
ROUNDS = 5


def make_data(batch: int, batches: int = 16, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.random((batches, batch, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, size=(batches, batch))
    return images, labels


def timed_loop(step, batches: int, seconds: float) -> float:
    """Run step(i) repeatedly for about `seconds` (after a warm-up); return steps per second."""
    for i in range(3):
        step(i % batches)
    count, start = 0, time.perf_counter()
    while True:
        step(count % batches)
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and count >= 5:
            return count / elapsed


def best_time(step, seconds: float) -> float:
    """Shortest of many timings of step(0), in seconds (the least disturbed by other work)."""
    step(0)
    times, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 5:
        start = time.perf_counter()
        step(0)
        times.append(time.perf_counter() - start)
    return min(times)


def engine_trainer(model):
    loss = SoftmaxCrossEntropy()
    optimizer = SGD(LR, momentum=MOMENTUM)

    def step(x, y):
        value = loss.forward(model.forward(x, training=True), y)
        model.zero_grad()
        model.backward(loss.backward())
        optimizer.step(model.named_parameters())
        return value

    return step


def torch_model(model):
    """The same network in PyTorch with the engine's initial weights."""
    import torch
    from torch import nn

    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(784, 10))
    with torch.no_grad():
        for i, layer in enumerate(model.layers):
            for key, value in layer.params.items():
                getattr(net[i], key).copy_(torch.from_numpy(value))
    return net


def torch_trainer(net):
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        value = loss_fn(net(x), y)
        value.backward()
        optimizer.step()
        return value.item()

    return step


def bench_training(seconds: float, batch: int, use_torch: bool) -> None:
    images, labels = make_data(batch)
    model = Sequential.from_spec(REFERENCE, seed=0)
    step = engine_trainer(model)
    torch = None
    if use_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: skipping the comparison "
                  "(pip install torch to measure it)")
    if torch is not None:
        torch.set_num_threads(THREADS)
        net = torch_model(model)  # before the engine trains: same initial weights
        tstep = torch_trainer(net)
        timages = [torch.from_numpy(b) for b in images]
        tlabels = [torch.from_numpy(b) for b in labels]
        ours = [step(images[i], labels[i]) for i in range(5)]
        theirs = [tstep(timages[i], tlabels[i]) for i in range(5)]
        print("first 5 losses, engine :", " ".join(f"{v:.6f}" for v in ours))
        print("first 5 losses, PyTorch:", " ".join(f"{v:.6f}" for v in theirs))
        largest = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
        print(f"largest difference: {largest:.2e}")

    # Alternate short rounds of both so that other work on the machine hits both alike;
    # report the best round of each (the least disturbed) and the median.
    engine_rates, torch_rates = [], []
    for _ in range(ROUNDS):
        time.sleep(0.2)  # let the other framework's worker threads stop spinning
        engine_rates.append(batch * timed_loop(lambda i: step(images[i], labels[i]),
                                               len(images), seconds / ROUNDS))
        if torch is not None:
            time.sleep(0.2)
            torch_rates.append(batch * timed_loop(lambda i: tstep(timages[i], tlabels[i]),
                                                  len(images), seconds / ROUNDS))
    rate, median = max(engine_rates), float(np.median(engine_rates))
    print(f"\nengine : {rate:9.0f} training samples/s best round, {median:9.0f} median  "
          f"(batch {batch}, {THREADS} threads)")
    if torch is not None:
        trate, tmedian = max(torch_rates), float(np.median(torch_rates))
        print(f"PyTorch: {trate:9.0f} training samples/s best round, {tmedian:9.0f} median  "
              f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")
        print(f"ratio engine / PyTorch: {rate / trate:.2f}x best rounds, {median / tmedian:.2f}x "
              f"medians  (target >= 0.5x)")


def torch_block(name: str, config: dict):
    """The PyTorch module doing what the engine's block `name` does."""
    from torch import nn

    if name == "Conv2D":
        return nn.Conv2d(config["in_channels"], config["out_channels"], config["kernel_size"],
                         padding=config.get("padding", 0))
    if name in ("MaxPool2D", "AvgPool2D"):
        pool = nn.MaxPool2d if name == "MaxPool2D" else nn.AvgPool2d
        return pool(config["size"], config.get("stride"))
    simple = {"Dense": lambda: nn.Linear(config["in_features"], config["out_features"]),
              "Flatten": nn.Flatten, "Dropout": lambda: nn.Dropout(config["p"]),
              "ReLU": nn.ReLU, "LeakyReLU": nn.LeakyReLU, "Sigmoid": nn.Sigmoid,
              "Tanh": nn.Tanh, "Softplus": nn.Softplus, "Softmax": lambda: nn.Softmax(dim=1)}
    return simple[name]()


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
    torch = None
    if use_torch:
        try:
            import torch
        except ImportError:
            pass
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
            module = torch_block(name, config).train()
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
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"numpy {np.__version__}, {THREADS} threads, load average {load} on "
          f"{os.cpu_count()} cores (other work on the machine slows multi-threaded runs most)")
    bench_training(ARGS.seconds, ARGS.batch, not ARGS.no_torch)
    bench_layers(ARGS.seconds, ARGS.batch, not ARGS.no_torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
