"""`playground train SPEC.json`: train a network headless, with a progress bar and epoch lines.

Writes the trained model as a bundle (see `core.train.bundle`): PREFIX.json (the spec with the
preprocessing and the run's recipe), PREFIX.npz (weights) and PREFIX.history.json (what
happened); `--json` prints one JSON object per epoch on stdout for scripts.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

DATA_HELP = (
    "mnist-5k (bundled, default), shapes, idx:DIR (MNIST / Fashion-MNIST IDX files), "
    "cifar10:DIR (CIFAR-10 binary batches), folder:DIR (one sub-folder per class)"
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a network spec on a data set, headless",
        description="Train a network (a JSON spec, e.g. resources/models/reference.json) and "
        "save the model and its training history. Ctrl-C stops after the current batch and "
        "still saves what was learned.")
    parser.add_argument("spec", help="network spec .json, or a saved model (PREFIX.json)")
    parser.add_argument("--data", default="mnist-5k", metavar="SOURCE", help=DATA_HELP)
    parser.add_argument("--epochs", type=int, default=5, metavar="N", help="default 5")
    parser.add_argument("--batch-size", type=int, default=64, metavar="B", help="default 64")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd",
                        help="default sgd")
    parser.add_argument("--lr", type=float, default=None, metavar="X",
                        help="learning rate (default 0.05 for sgd, 0.001 for adam)")
    parser.add_argument("--momentum", type=float, default=0.9, metavar="M",
                        help="SGD momentum (default 0.9)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed for the initial weights, shuffling and augmentation")
    parser.add_argument("--out", default=None, metavar="PREFIX",
                        help="where to write PREFIX.json/.npz/.history.json "
                        "(default: the spec's name + '-trained' in the current folder)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per epoch on stdout")
    parser.add_argument("--normalize", action="store_true",
                        help="standardise the images with the training set's mean and std")
    parser.add_argument("--shift", type=int, default=0, metavar="PX",
                        help="augment: random shifts of up to PX pixels")
    parser.add_argument("--flip", action="store_true", help="augment: random left-right flips")
    parser.add_argument("--clip-norm", type=float, default=0.0, metavar="X",
                        help="scale the gradients down to this global norm when larger "
                        "(default 0: never)")
    parser.add_argument("--checkpoint", action="store_true",
                        help="also save PREFIX.best and PREFIX.last after every epoch")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from playground.cli import CommandError

    spec, saved = _read_network(Path(args.spec))
    prefix = Path(args.out) if args.out else Path(f"{spec['name']}-trained")
    if not prefix.parent.is_dir():
        raise CommandError(f"--out {prefix}: the folder {prefix.parent} does not exist")
    for name, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size)):
        if value < 1:
            raise CommandError(f"{name} must be at least 1; received {value}")
    train, test = _load_data(args, spec)
    model = _network_for(spec, train, saved=saved, seed=args.seed)
    trainer = _make_trainer(args, model, train, test, prefix, saved, spec)
    report = Report(args.epochs, as_json=args.json)
    trainer.on_batch, trainer.on_epoch = report.batch, report.epoch
    report.start(model, train, test)
    history = _run_in_thread(trainer, report)
    _save(prefix, model, trainer, train)
    report.finish(history, prefix)
    if history.stop_reason.startswith("diverged"):
        return 1
    return 130 if history.stop_reason == "stopped" else 0


def _read_network(path: Path):
    """(spec, saved): the network in `path`, and the saved model (its `Bundle`) when `path` is
    one whose weights lie beside it, whose training then continues (else None)."""
    from core.nn.spec import SpecError, read_spec
    from core.train.bundle import bundle_paths, load_bundle
    from playground.cli import CommandError

    try:
        spec = read_spec(path)
        if path.suffix == ".json" and os.path.lexists(bundle_paths(path).weights):
            return spec, load_bundle(path, history=False)
    except SpecError as error:
        raise CommandError.from_spec_error(error) from None
    except ValueError as error:  # weights that do not fit their spec, a half-replaced set
        raise CommandError(str(error)) from None
    return spec, None


def _network_for(spec: dict, train, *, saved, seed: int):
    """The network to train on `train` (see core.train.fitting): a saved model as it is, refused
    when the data does not fit it; a new network follows the data (a note on stderr says how)."""
    from core.nn.model import Sequential
    from core.nn.spec import SpecError
    from core.train.fitting import fit_to_data
    from playground.cli import CommandError

    try:
        fitted = fit_to_data(spec, train, trained=saved is not None)
        model = saved.model if saved is not None else Sequential.from_spec(fitted.spec, seed=seed)
    except SpecError as error:
        raise CommandError.from_spec_error(error) from None
    if fitted.note:
        print(f"note: {fitted.note}", file=sys.stderr)
    return model


def _load_data(args, spec: dict):
    from core.data.datasets import DatasetError
    from core.data.sources import load_dataset
    from core.jobs import Cancelled
    from core.train.fitting import data_options
    from playground.cli import CommandError

    options = data_options(args.data, spec)
    bar = ProgressBar("loading", enabled=sys.stderr.isatty())
    try:
        return load_dataset(args.data, progress=bar.update, **options)  # normalised by the recipe
    except (DatasetError, Cancelled) as error:
        raise CommandError(str(error)) from None
    finally:
        bar.close()


def recipe_from_args(args, saved=None, data_options: dict | None = None):
    """The run's recipe from the flags (and the loader options used for --data); a saved model
    trained further keeps its preprocessing (the mean and std it was trained with), whatever
    --normalize says."""
    from core.train.recipe import DEFAULT_LR, Recipe

    kind = "Adam" if args.optimizer == "adam" else "SGD"
    lr = args.lr if args.lr is not None else DEFAULT_LR[kind]
    config = {"lr": lr} if kind == "Adam" else {"lr": lr, "momentum": args.momentum}
    recipe = Recipe(data=args.data, data_options=dict(data_options or {}),
                    normalize=bool(args.normalize),
                    optimizer={"class": kind, "config": config}, epochs=args.epochs,
                    batch_size=args.batch_size, seed=args.seed, shift=args.shift,
                    flip=bool(args.flip), clip_norm=args.clip_norm)
    if saved is not None:
        recipe = recipe.with_preprocessing(saved.preprocessing.mean, saved.preprocessing.std)
    return recipe


def _make_trainer(args, model, train, test, prefix, saved, spec: dict):
    from core.train.fitting import data_options
    from core.train.recipe import RecipeError
    from core.train.run_setup import build_trainer
    from playground.cli import CommandError

    if not args.clip_norm >= 0:
        raise CommandError(f"--clip-norm must be 0 (never) or positive; received {args.clip_norm}")
    recipe = recipe_from_args(args, saved, data_options(args.data, spec))
    try:
        return build_trainer(recipe, model, train, test,
                             checkpoint_prefix=str(prefix) if args.checkpoint else None)
    except RecipeError as error:
        raise CommandError("; ".join(error.problems)) from None
    except ValueError as error:
        raise CommandError(str(error)) from None


def _save(prefix, model, trainer, train) -> None:
    """Write the trained model as a bundle: spec, weights, preprocessing, recipe, history."""
    from core.train.bundle import Preprocessing, save_bundle
    from playground.cli import CommandError

    model.classes = list(train.class_names)
    try:
        save_bundle(prefix, model, recipe=trainer.recipe, history=trainer.history,
                    preprocessing=Preprocessing.of_data(trainer.train))
    except OSError as error:
        raise CommandError(f"cannot save {prefix}: {error.strerror or error}") from None


def _run_in_thread(trainer, report):
    """Run the trainer on a thread so that Ctrl-C can stop it cleanly between batches."""
    result, failure = [], []

    def work():
        try:
            result.append(trainer.run())
        except BaseException as error:  # re-raised in the main thread
            failure.append(error)

    thread = threading.Thread(target=work, name="training", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        report.note("stopping after the current batch...")
        trainer.stop()
        thread.join()
    if failure:
        raise failure[0]
    return result[0]


class ProgressBar:
    """A one-line text bar redrawn in place on stderr, at most 10 times a second."""

    def __init__(self, label: str, *, enabled: bool = True, stream=None, width: int = 24):
        self.label, self.enabled, self.width = label, enabled, width
        self.stream = stream if stream is not None else sys.stderr
        self._last = 0.0
        self._drawn = False

    def update(self, done: int, total: int, extra: str = "") -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {extra}".rstrip() + "\033[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False


class Report:
    """Prints the run: a header, a progress bar per epoch, one line (or JSON) per epoch."""

    def __init__(self, epochs: int, *, as_json: bool, out=None, err=None):
        self.epochs, self.as_json = epochs, as_json
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.bar = ProgressBar("", enabled=self.err.isatty(), stream=self.err)
        self.began = time.perf_counter()
        self.speed = 0.0

    def _line(self, text: str) -> None:
        self.bar.close()
        print(text, file=self.err if self.as_json else self.out, flush=True)

    def note(self, text: str) -> None:
        self.bar.close()
        print(text, file=self.err, flush=True)

    def start(self, model, train, test) -> None:
        test_text = f", test {len(test)}" if test is not None else ""
        self._line(f"training {model.name} ({model.param_count():,} parameters) on "
                   f"{train.name.removesuffix(' (train)')}: train {len(train)}{test_text}")

    def batch(self, event: dict) -> None:
        self.speed = event["samples_per_s"]
        self.bar.label = f"epoch {event['epoch']}/{self.epochs}"
        self.bar.update(event["batch"], event["batches"],
                        f"loss {event['loss']:.4f} acc {event['accuracy']:.3f} "
                        f"{event['samples_per_s']:.0f} samples/s")

    def epoch(self, event: dict) -> None:
        self.bar.close()
        if self.as_json:
            print(json.dumps(event), file=self.out, flush=True)
            return
        test = ""
        if event["test_accuracy"] is not None:
            test = f"  test loss {event['test_loss']:.4f} acc {event['test_accuracy']:.4f}"
        self._line(f"epoch {event['epoch']}/{self.epochs}  train loss {event['train_loss']:.4f} "
                   f"acc {event['train_accuracy']:.4f}{test}  lr {event['lr']:g}  "
                   f"{event['seconds']:.1f} s  {self.speed:.0f} samples/s")

    def finish(self, history, prefix) -> None:
        seconds = time.perf_counter() - self.began
        if history.stop_reason.startswith("diverged"):
            self.note(f"{history.stop_reason}; the last good weights were kept")
        elif history.stop_reason == "stopped":
            self.note(f"stopped after {history.steps} batches")
        from core.train.bundle import bundle_paths

        paths = bundle_paths(prefix)
        self.note(f"saved {paths.model}, {paths.weights} and {paths.history} "
                  f"({seconds:.1f} s in all)")
