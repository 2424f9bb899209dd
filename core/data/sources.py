"""`load_dataset(source, ...)`: the one entry point the app and the command line use for data.

- "mnist-5k" (default): the bundled MNIST subset, 4,000 train / 1,000 test digits;
- "idx:DIR": MNIST-format IDX files (plain or .gz) such as the full MNIST or Fashion-MNIST;
- "cifar10:DIR": CIFAR-10's *binary* distribution (data_batch_N.bin, test_batch.bin);
- "folder:DIR": one sub-folder of images per class, resized to a chosen size;
- "shapes": generated circles, squares, triangles, crosses... (trains in seconds);
- "first-symbol", "parity", "marked": generated sequences for recurrent networks
  (`core.data.sequences`); "first-symbol:30" sets the number of steps.

Each loader reports `progress(done, total)`, stops with `core.jobs.Cancelled` when
`should_stop()` is true, and raises `DatasetError` naming the file and what is wrong with it.
"""

from __future__ import annotations

import inspect

from core.data.datasets import Dataset, DatasetError, channel_stats, normalise
from core.data.sequences import TASKS as SEQUENCE_TASKS
from core.jobs import ProgressFn, StopFn

SOURCES = ("mnist-5k", "shapes", "idx:DIR", "cifar10:DIR", "folder:DIR", "first-symbol[:STEPS]",
           "parity[:STEPS]", "marked[:STEPS]")


def load_dataset(
    source: str = "mnist-5k",
    *,
    progress: ProgressFn = None,
    should_stop: StopFn = None,
    normalize: bool = False,
    **options,
) -> tuple[Dataset, Dataset]:
    """Load a data set as (train, test); see the module docstring for the sources.

    normalize=True standardises both splits per channel with the training split's mean and std.
    Options per source: "shapes" takes those of `core.data.shapes.make_shapes`; "folder:DIR" takes
    size, grey, test_fraction, seed; "cifar10:DIR" takes grey; "idx:DIR" takes class_names.
    """
    kind, _, where = str(source).partition(":")
    kind = kind.strip().lower()
    if kind in ("mnist-5k", "mnist5k", ""):
        _no_options(source, options)
        from core.data.idx import load_mnist_subset

        train, test = load_mnist_subset(progress=progress, should_stop=should_stop)
    elif kind == "shapes":
        from core.data.shapes import load_shapes

        _check_options(source, load_shapes, options)
        train, test = load_shapes(progress=progress, should_stop=should_stop, **options)
    elif kind in SEQUENCE_TASKS:
        from core.data.sequences import LOADERS

        _check_options(source, LOADERS[kind], options)
        options = {**options, **_steps(source, where, options)}
        train, test = LOADERS[kind](progress=progress, should_stop=should_stop, **options)
    elif kind in ("idx", "cifar10", "folder"):
        if not where:
            raise DatasetError(f"{source!r}: name the folder, e.g. '{kind}:/path/to/folder'")
        if kind == "idx":
            from core.data.idx import load_idx_folder as loader
        elif kind == "cifar10":
            from core.data.cifar import load_cifar10 as loader
        else:
            from core.data.image_folder import load_image_folder as loader
        _check_options(source, loader, options)
        train, test = loader(where, progress=progress, should_stop=should_stop, **options)
    else:
        raise DatasetError(f"unknown data source {source!r}; use one of {', '.join(SOURCES)}")
    if normalize:
        mean, std = channel_stats(train)
        train, test = normalise(train, mean, std), normalise(test, mean, std)
    return train, test


def sequence_steps(source: str) -> int | None:
    """The number of steps a sequence source names ("first-symbol:30" -> 30), else None."""
    kind, _, where = str(source).partition(":")
    if kind.strip().lower() not in SEQUENCE_TASKS or not where.strip():
        return None
    return int(where) if where.strip().isdigit() else None


def _steps(source: str, where: str, options: dict) -> dict:
    if not where.strip():
        return {}
    steps = sequence_steps(source)
    if steps is None:
        raise DatasetError(f"{source!r}: after the colon comes the number of steps, e.g. "
                           f"'{source.partition(':')[0]}:30'")
    if "steps" in options and options["steps"] != steps:
        raise DatasetError(f"{source!r} names {steps} steps but the options ask for "
                           f"{options['steps']}")
    return {"steps": steps}


def _no_options(source: str, options: dict) -> None:
    if options:
        raise DatasetError(f"{source!r} takes no options; received {', '.join(sorted(options))}")


def _check_options(source: str, loader, options: dict) -> None:
    accepted = [
        name
        for name, p in inspect.signature(loader).parameters.items()
        if p.kind is p.KEYWORD_ONLY and name not in ("progress", "should_stop")
    ]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise DatasetError(
            f"{source!r} does not take {', '.join(unknown)}; it takes "
            f"{', '.join(accepted) or 'no options'}"
        )
