"""Continue training the exported network with PyTorch, on one process or on many.

    python train.py                              # the settings it was trained with in Playground
    python train.py --data idx:~/data/mnist --epochs 10 --lr 0.01
    torchrun --nproc_per_node 4 train.py ...     # DistributedDataParallel, one shard per process

Run plainly, it trains on one process (on the GPU when there is one). Under torchrun (on one
machine, or on several with torchrun's --nnodes / --rdzv-endpoint options) every process trains
the same network on its own shard of each batch, with the gloo backend on CPUs and nccl on GPUs;
the gradients are averaged across processes, and the printed losses and accuracies are for the
whole training and test sets. --batch-size is the batch of one step in all, shared among the
processes, so the same settings take the same steps however many processes run them.

Data (--data), as Playground names it: mnist-5k (the bundled digits, in data/), idx:DIR (MNIST-
format files: the full MNIST, Fashion-MNIST), cifar10:DIR (CIFAR-10's binary version),
folder:DIR (one sub-folder of images per class, or DIR/train/<class> and DIR/test/<class>;
needs Pillow), arrays:DIR (train.npz and test.npz holding `images` and `labels`).

At the end the weights are saved as plain arrays (--out, default checkpoint.npz, with
checkpoint.json beside it saying how they were trained); `playground import PREFIX --from .`
brings them back into Playground.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

import model

HERE = model.HERE
# @begin defaults
DEFAULTS = {
    "data": "mnist-5k", "data_options": {}, "epochs": 5, "batch_size": 64, "seed": 0,
    "optimizer": {"class": "SGD", "config": {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.0}},
    "schedule": {"class": "ConstantLR", "config": {}}, "normalize": False, "mean": None,
    "std": None, "shift": 0, "flip": False, "clip_norm": 0.0, "train_limit": 0, "test_limit": 0,
}
# @end defaults
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GREY = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def parse_args(argv=None):
    d, opt = DEFAULTS, DEFAULTS["optimizer"]
    config = opt["config"]
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=d["data"], help=f"data set (default {d['data']})")
    p.add_argument("--epochs", type=int, default=d["epochs"])
    p.add_argument("--batch-size", type=int, default=d["batch_size"],
                   help="samples per step, shared among the processes")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default=opt["class"].lower())
    p.add_argument("--lr", type=float, default=config["lr"], help="learning rate at epoch 1")
    p.add_argument("--momentum", type=float, default=config.get("momentum", 0.9),
                   help="SGD's momentum")
    p.add_argument("--weight-decay", type=float, default=config.get("weight_decay", 0.0))
    p.add_argument("--schedule", choices=("constant", "step", "cosine"),
                   default={"StepLR": "step", "CosineLR": "cosine"}.get(
                       d["schedule"]["class"], "constant"))
    p.add_argument("--seed", type=int, default=d["seed"], help="shuffling and augmentation")
    p.add_argument("--normalize", action=argparse.BooleanOptionalAction, default=d["normalize"],
                   help="standardise inputs with the mean and std of training (those "
                        "Playground used, else the training set's)")
    p.add_argument("--shift", type=int, default=d["shift"], help="random shifts (pixels)")
    p.add_argument("--flip", action=argparse.BooleanOptionalAction, default=d["flip"],
                   help="random left-right flips")
    p.add_argument("--clip-norm", type=float, default=d["clip_norm"],
                   help="scale the gradients down to this norm when larger (0: never)")
    p.add_argument("--train-limit", type=int, default=d["train_limit"], help="0: all")
    p.add_argument("--test-limit", type=int, default=d["test_limit"], help="0: all")
    p.add_argument("--weights", default=str(HERE / "weights.npz"),
                   help="the weights to start from (default weights.npz)")
    p.add_argument("--out", default=str(HERE / "checkpoint.npz"),
                   help="where the trained weights go (default checkpoint.npz)")
    p.add_argument("--cpu", action="store_true", help="train on the CPU even with a GPU")
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not args.lr > 0:
        p.error("--lr must be positive")
    if (args.shift or args.flip) and len(model.INPUT_SHAPE) != 3:
        p.error("--shift and --flip move and mirror images; this network reads sequences")
    return args


# ----- data ------------------------------------------------------------------------------------
def _where(text: str) -> Path:
    """A folder named on the command line, or one inside this export's folder."""
    path = Path(text).expanduser()
    return path if path.exists() or path.is_absolute() else HERE / path


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (MNIST's format), plain or gzipped."""
    data = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    kind, dims = IDX_TYPES[data[2]], data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, kind, offset=4 + 4 * dims).reshape(shape).astype(
        np.dtype(kind).newbyteorder("="))


def _idx(folder: Path):
    def find(stem):
        for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                     stem.replace("-idx", ".idx") + ".gz"):
            if (folder / name).is_file():
                return folder / name
        raise SystemExit(f"train.py: {folder} has no {stem} (or {stem}.gz)")

    return [(read_idx(find(images))[:, None] / np.float32(255), read_idx(find(labels)))
            for images, labels in IDX_FILES.values()]


def _cifar10(folder: Path):
    if not (folder / "test_batch.bin").is_file():
        folder = folder / "cifar-10-batches-bin"
    parts = []
    for names in ([f"data_batch_{i}.bin" for i in range(1, 6)], ["test_batch.bin"]):
        records = np.concatenate([np.fromfile(folder / n, np.uint8).reshape(-1, 3073)
                                  for n in names if (folder / n).is_file()])
        images = records[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / np.float32(255)
        if model.INPUT_SHAPE[0] == 1:
            images = np.tensordot(images, GREY, axes=([1], [0]))[:, None]
        parts.append((images, records[:, 0]))
    return parts


def _image_folder(folder: Path, test_fraction: float, seed: int):
    from PIL import Image  # only image folders need Pillow

    channels, height, width = model.INPUT_SHAPE

    def listing(root, names, index):
        return [(path, index[name]) for name in names for path in sorted((root / name).iterdir())
                if path.is_file() and not path.name.startswith(".")]

    def read(files):
        images = np.empty((len(files), channels, height, width), np.float32)
        for i, (path, _label) in enumerate(files):
            with Image.open(path) as image:
                image = image.convert("L" if channels == 1 else "RGB").resize(
                    (width, height), Image.BILINEAR)
                pixels = np.asarray(image, np.float32) / np.float32(255)
            images[i] = pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)
        return images, np.array([label for _path, label in files], np.int64)

    def classes(root):
        return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name[0] != ".")

    if (folder / "train").is_dir() and (folder / "test").is_dir():
        names = classes(folder / "train")
        index = {n: i for i, n in enumerate(names)}
        return [read(listing(folder / part, classes(folder / part), index))
                for part in ("train", "test")]
    names = classes(folder)
    files = listing(folder, names, {n: i for i, n in enumerate(names)})
    labels, rng, train, test = np.array([f[1] for f in files]), np.random.default_rng(seed), [], []
    for label in np.unique(labels):  # the split Playground makes: per class, seeded
        members = np.flatnonzero(labels == label)
        members = members[rng.permutation(members.size)]
        n_test = int(round(members.size * test_fraction))
        if test_fraction > 0 and members.size >= 2:
            n_test = min(max(n_test, 1), members.size - 1)
        test.extend(members[:n_test])
        train.extend(members[n_test:])
    return [read([files[i] for i in sorted(part)]) for part in (train, test)]


def _arrays(folder: Path):
    parts = []
    for split in ("train", "test"):
        with np.load(folder / f"{split}.npz", allow_pickle=False) as arrays:
            parts.append((arrays["images"].astype(np.float32), arrays["labels"]))
    return parts


def load_data(source: str, options: dict):
    """((train images, labels), (test images, labels)): images float32 in 0..1 shaped like the
    network's input, labels int64."""
    kind, _, where = source.partition(":")
    if kind == "mnist-5k":
        parts = _idx(HERE / "data" / "mnist-5k")
    elif kind == "idx":
        parts = _idx(_where(where))
    elif kind == "cifar10":
        parts = _cifar10(_where(where))
    elif kind == "folder":
        parts = _image_folder(_where(where), float(options.get("test_fraction", 0.2)),
                              int(options.get("seed", 0)))
    elif kind == "arrays":
        parts = _arrays(_where(where))
    else:
        raise SystemExit(f"train.py: --data {source}: use mnist-5k, idx:DIR, cifar10:DIR, "
                         "folder:DIR or arrays:DIR")
    for images, labels in parts:
        if images.shape[1:] != tuple(model.INPUT_SHAPE):
            raise SystemExit(f"train.py: --data {source} holds {images.shape[1:]} samples but "
                             f"the network takes {tuple(model.INPUT_SHAPE)}")
        if labels.size and labels.max() >= len(model.CLASSES):
            raise SystemExit(f"train.py: --data {source} has labels up to {labels.max()} but "
                             f"the network has {len(model.CLASSES)} classes")
    return [(np.ascontiguousarray(x, np.float32), y.astype(np.int64)) for x, y in parts]


def standardised(train, test, args):
    """The images standardised per channel (mean, std of Playground's run, else of `train`)."""
    if not args.normalize:
        return train, test, None, None
    mean, std = DEFAULTS["mean"], DEFAULTS["std"]
    if mean is None:
        axes = (0, 2, 3) if train[0].ndim == 4 else None
        mean = np.atleast_1d(train[0].mean(axis=axes, dtype=np.float64)).tolist()
        std = np.atleast_1d(train[0].std(axis=axes, dtype=np.float64))
        std = np.where(std > 1e-8, std, 1.0).tolist()
    shape = (1, -1) + (1,) * (train[0].ndim - 2)
    m, s = (np.asarray(v, np.float32).reshape(shape) for v in (mean, std))
    return ((train[0] - m) / s, train[1]), ((test[0] - m) / s, test[1]), mean, std


# ----- training -------------------------------------------------------------------------------
def learning_rate(args, epoch: int) -> float:
    """The rate of epoch `epoch` (0-based) under the schedule Playground used."""
    config = DEFAULTS["schedule"].get("config", {})
    if args.schedule == "step":
        return args.lr * config.get("gamma", 0.5) ** (epoch // config.get("step_size", 2))
    if args.schedule == "cosine":
        total, low = config.get("total_epochs", args.epochs), config.get("min_lr", 0.0)
        return low + (args.lr - low) * 0.5 * (1 + math.cos(math.pi * min(epoch, total) / total))
    return args.lr


def make_optimizer(params, args):
    if args.optimizer == "adam":
        config = DEFAULTS["optimizer"]["config"] if DEFAULTS["optimizer"]["class"] == "Adam" else {}
        return torch.optim.Adam(params, lr=args.lr, betas=tuple(config.get("betas", (0.9, 0.999))),
                                eps=config.get("eps", 1e-8), weight_decay=args.weight_decay)
    return torch.optim.SGD(params, lr=args.lr, momentum=args.momentum,
                           weight_decay=args.weight_decay)


def augment(x, args, generator):
    """Random shifts (zero fill) and left-right flips of a batch (B, C, H, W)."""
    if args.shift > 0:
        s, (b, c, h, w) = args.shift, x.shape
        offsets = torch.randint(0, 2 * s + 1, (2, b), generator=generator).to(x.device)
        rows = torch.arange(h, device=x.device)[None] + offsets[0][:, None]
        cols = torch.arange(w, device=x.device)[None] + offsets[1][:, None]
        x = F.pad(x, (s, s, s, s))[torch.arange(b, device=x.device)[:, None, None, None],
                                   torch.arange(c, device=x.device)[None, :, None, None],
                                   rows[:, None, :, None], cols[:, None, None, :]]
    if args.flip:
        flip = (torch.rand(x.shape[0], generator=generator) < 0.5).to(x.device)
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    return x


def summed(values, device):
    """`values` added up over every process."""
    total = torch.tensor(values, dtype=torch.float64, device=device)
    if dist.is_initialized():
        dist.all_reduce(total)
    return total.tolist()


def evaluate(net, data, rank, world, device):
    """(mean loss, accuracy) on the whole of `data`: each process takes every world-th sample."""
    x, y = data[0][rank::world], data[1][rank::world]
    loss = right = 0.0
    with torch.no_grad():
        for start in range(0, len(y), 256):
            images = torch.from_numpy(x[start:start + 256]).to(device)
            labels = torch.from_numpy(y[start:start + 256]).to(device)
            logits = net(images)
            loss += float(F.cross_entropy(logits, labels, reduction="sum"))
            right += float((logits.argmax(dim=1) == labels).sum())
    loss, right, count = summed([loss, right, len(y)], device)
    return loss / max(count, 1), right / max(count, 1)


def train(args) -> dict:
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    use_gpu = torch.cuda.is_available() and not args.cpu
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if distributed:  # the processes on one machine share its cores instead of each taking all
        sharing = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // sharing))
        dist.init_process_group("nccl" if use_gpu else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = torch.device(f"cuda:{local}" if use_gpu else "cpu")
    if use_gpu:
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed + rank)
    say = print if rank == 0 else (lambda *a, **k: None)

    train_set, test_set = load_data(args.data, DEFAULTS["data_options"])
    if args.train_limit:
        train_set = (train_set[0][:args.train_limit], train_set[1][:args.train_limit])
    if args.test_limit:
        test_set = (test_set[0][:args.test_limit], test_set[1][:args.test_limit])
    train_set, test_set, mean, std = standardised(train_set, test_set, args)
    net = model.Network()
    net.load_state_dict(model.read_weights(args.weights))
    net.to(device)
    kept = {}  # frozen rows, restored after every step
    for name, param in net.named_parameters():
        rows = model.FROZEN.get(name, 0)
        if rows >= param.shape[0]:
            param.requires_grad_(False)
        elif rows:
            kept[name] = (param, rows, param.detach()[:rows].clone())
    trained = [p for p in net.parameters() if p.requires_grad]
    optimizer = make_optimizer(trained, args)
    wrapped = DistributedDataParallel(net, device_ids=[local] if use_gpu else None) \
        if distributed else net
    per_process = max(1, args.batch_size // world)
    where = f"{world} processes ({'nccl' if use_gpu else 'gloo'})" if distributed else "1 process"
    say(f"training {model.NAME} on {args.data}: {len(train_set[1])} train / {len(test_set[1])} "
        f"test samples, {where} on {device.type}, {per_process * world} samples a step",
        flush=True)

    sampler = DistributedSampler(range(len(train_set[1])), num_replicas=world, rank=rank,
                                 shuffle=True, seed=args.seed)
    generator = torch.Generator().manual_seed(args.seed * 1000 + rank)
    images, labels = torch.from_numpy(train_set[0]), torch.from_numpy(train_set[1])
    result = {}
    for epoch in range(args.epochs):
        began = time.perf_counter()
        lr = learning_rate(args, epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        sampler.set_epoch(epoch)
        order = torch.tensor(list(sampler))
        wrapped.train()
        loss_sum = right = 0.0
        for start in range(0, len(order), per_process):
            index = order[start:start + per_process]
            x, y = images[index].to(device), labels[index].to(device)
            if args.shift or args.flip:
                x = augment(x, args, generator)
            logits = wrapped(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad(set_to_none=False)
            loss.backward()
            for param, rows, _values in kept.values():
                param.grad[:rows] = 0
            if args.clip_norm > 0:
                torch.nn.utils.clip_grad_norm_(trained, args.clip_norm)
            optimizer.step()
            with torch.no_grad():
                for param, rows, values in kept.values():
                    param[:rows] = values
            loss_sum += loss.item() * len(y)
            right += float((logits.argmax(dim=1) == y).sum())
        loss_sum, right, seen = summed([loss_sum, right, len(order)], device)
        net.eval()
        test_loss, test_accuracy = evaluate(net, test_set, rank, world, device)
        result = {"epoch": epoch + 1, "train_loss": loss_sum / seen,
                  "train_accuracy": right / seen, "test_loss": test_loss,
                  "test_accuracy": test_accuracy, "lr": lr}
        say(f"epoch {epoch + 1}/{args.epochs}: train loss {result['train_loss']:.4f}, "
            f"accuracy {100 * result['train_accuracy']:.2f}%; test loss {test_loss:.4f}, "
            f"accuracy {100 * test_accuracy:.2f}%; lr {lr:.4g}; "
            f"{time.perf_counter() - began:.1f} s", flush=True)
    if rank == 0:
        save(net, args, {**result, "data": args.data, "processes": world,
                         "epochs": args.epochs, "mean": mean, "std": std})
        say(f"saved {args.out}", flush=True)
    if distributed:
        dist.barrier()  # no process leaves while another still saves or reduces
        dist.destroy_process_group()
    return result


def save(net, args, facts: dict) -> None:
    """The weights as plain arrays (an .npz, no pickle) and how they were trained (.json),
    each written beside its place and then renamed over it."""
    out = Path(args.out)
    arrays = {name: value.detach().cpu().numpy() for name, value in net.state_dict().items()}
    for path, write in ((out, lambda f: np.savez(f, **arrays)), (out.with_suffix(".json"),
                        lambda f: f.write(json.dumps(facts, indent=2).encode()))):
        with open(path.with_name(f".{path.name}.partial"), "wb") as handle:
            write(handle)
        os.replace(handle.name, path)


if __name__ == "__main__":
    train(parse_args())
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # the work is saved: leave at once, since
        sys.stdout.flush()  # the group's threads outlive it and race Python's shutdown
        sys.stderr.flush()
        os._exit(0)
