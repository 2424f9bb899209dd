"""What `bench_engine.py` and `bench_engine_batches.py` share: a shipped network trained by the
engine and by PyTorch from the same initial weights, timed in alternating rounds, and a busy loop
that keeps another core occupied.

Threads are set here, not through environment variables: BLAS through threadpoolctl, the engine
with `core.nn.parallel.using_threads` (which keeps BLAS to one thread when it uses more),
PyTorch with `torch.set_num_threads`. Freed memory is kept for reuse as training keeps it
(`core.allocation.keep_freed_memory`, process-wide: PyTorch's steps reuse it too).
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from busy_core import busy_core  # noqa: E402, F401  (bench.busy_core for the scripts)
from threadpoolctl import threadpool_limits  # noqa: E402

from core.allocation import keep_freed_memory  # noqa: E402
from core.nn.losses import SoftmaxCrossEntropy  # noqa: E402
from core.nn.model import Sequential  # noqa: E402
from core.nn.optim import SGD  # noqa: E402
from core.nn.parallel import using_threads  # noqa: E402
from core.resources import resource_path  # noqa: E402

LR, MOMENTUM = 0.01, 0.9
keep_freed_memory()  # as training does (core.train.trainer), for every framework timed here
MODELS = ("reference", "lenet5")

try:
    import torch
except ImportError:
    torch = None


def load_model(name: str) -> Sequential:
    """The shipped template `name` (resources/models/NAME.json), weights from seed 0."""
    spec = json.loads(resource_path("models", f"{name}.json").read_text(encoding="utf-8"))
    return Sequential.from_spec(spec, seed=0)


def make_data(model: Sequential, batch: int, batches: int = 16, seed: int = 0):
    """`batches` random batches of images and labels fitting `model`."""
    rng = np.random.default_rng(seed)
    images = rng.random((batches, batch, *model.input_shape), dtype=np.float32)
    labels = rng.integers(0, model.output_shape[0], size=(batches, batch))
    return images, labels


@contextmanager
def engine_threads(count: int):
    """The engine on `count` threads with BLAS on one (as the app and the command line run it)."""
    with threadpool_limits(limits=1, user_api="blas"), using_threads(count):
        yield


def engine_trainer(model: Sequential):
    """step(x, y) -> loss: one SGD-with-momentum step of the engine."""
    loss = SoftmaxCrossEntropy()
    optimizer = SGD(LR, momentum=MOMENTUM)

    def step(x, y):
        value = loss.forward(model.forward(x, training=True), y)
        model.zero_grad()
        model.backward(loss.backward())
        optimizer.step(model.named_parameters())
        return value

    return step


def torch_block(name: str, config: dict):
    """The PyTorch module doing what the engine's block `name` does."""
    from torch import nn

    if name == "Conv2D":
        return nn.Conv2d(config["in_channels"], config["out_channels"], config["kernel_size"],
                         stride=config.get("stride", 1), padding=config.get("padding", 0))
    if name in ("MaxPool2D", "AvgPool2D"):
        pool = nn.MaxPool2d if name == "MaxPool2D" else nn.AvgPool2d
        return pool(config["size"], config.get("stride"))
    simple = {"Dense": lambda: nn.Linear(config["in_features"], config["out_features"]),
              "Flatten": nn.Flatten, "Dropout": lambda: nn.Dropout(config["p"]),
              "ReLU": nn.ReLU, "LeakyReLU": nn.LeakyReLU, "Sigmoid": nn.Sigmoid,
              "Tanh": nn.Tanh, "Softplus": nn.Softplus, "Softmax": lambda: nn.Softmax(dim=1)}
    return simple[name]()


def torch_model(model: Sequential):
    """The same network in PyTorch with the engine's current weights."""
    net = torch.nn.Sequential(*(torch_block(type(layer).__name__, layer.config())
                                for layer in model.layers))
    with torch.no_grad():
        for i, layer in enumerate(model.layers):
            for key, value in layer.params.items():
                getattr(net[i], key).copy_(torch.from_numpy(value))
    return net


def torch_trainer(net):
    """step(x, y) -> loss: one PyTorch SGD-with-momentum step, numpy batches in."""
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        value = loss_fn(net(torch.from_numpy(x)), torch.from_numpy(y))
        value.backward()
        optimizer.step()
        return value.item()

    return step


def timed_loop(step, images, labels, seconds: float) -> float:
    """Train on the batches in turn for about `seconds` (after a warm-up); samples per second."""
    batches = len(images)
    for i in range(3):
        step(images[i % batches], labels[i % batches])
    count, start = 0, time.perf_counter()
    while True:
        step(images[count % batches], labels[count % batches])
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and count >= 5:
            return count * images.shape[1] / elapsed


def first_losses(name: str, count: int = 5, batch: int = 64) -> tuple[list, list]:
    """The first `count` training losses of the engine and of PyTorch from the same weights."""
    model = load_model(name)
    images, labels = make_data(model, batch)
    tstep = torch_trainer(torch_model(model))
    step = engine_trainer(model)
    ours = [step(images[i], labels[i]) for i in range(count)]
    theirs = [tstep(images[i], labels[i]) for i in range(count)]
    return ours, theirs


def compare(name: str, batch: int, threads: int, rounds: int, seconds: float,
            use_torch: bool = True) -> tuple[list, list]:
    """Samples per second of the engine and of PyTorch (empty without it) training `name` with
    `threads` threads, in `rounds` alternating rounds of `seconds` each, so that other work on
    the machine hits both alike."""
    model = load_model(name)
    images, labels = make_data(model, batch)
    tstep = torch_trainer(torch_model(model)) if use_torch and torch is not None else None
    step = engine_trainer(model)
    ours, theirs = [], []
    for _ in range(rounds):
        time.sleep(0.2)  # let the other framework's worker threads stop spinning
        with engine_threads(threads):
            ours.append(timed_loop(step, images, labels, seconds))
        if tstep is not None:
            time.sleep(0.2)
            torch.set_num_threads(threads)
            theirs.append(timed_loop(tstep, images, labels, seconds))
    return ours, theirs
