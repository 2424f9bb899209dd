"""`playground train SPEC.json`: train a network headless, with a progress bar and epoch lines.

Writes the trained model as a bundle (see `core.train.bundle`): PREFIX.json (the spec with the
preprocessing and the run's recipe), PREFIX.npz (weights) and PREFIX.history.json (what
happened); `--json` prints one JSON object per epoch on stdout for scripts. Ctrl-C stops after
the current batch, saves and exits with 130; a second Ctrl-C ends at once (`interrupts`).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from playground.cli.train_report import ProgressBar, Report

__all__ = ["ProgressBar", "Report", "recipe_from_args", "register"]

DATA_HELP = (
    "mnist-5k (bundled, default), shapes, idx:DIR (MNIST / Fashion-MNIST IDX files), "
    "cifar10:DIR (CIFAR-10 binary batches), folder:DIR (one sub-folder per class)"
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a network spec on a data set, headless",
        description="Train a network (a JSON spec, e.g. resources/models/reference.json, or the "
        "name of a shipped one: reference, lenet5, tiny_mlp, deep_sigmoid, deep_relu) and save "
        "the model and its training history. Ctrl-C stops after the current batch, still saves "
        "what was learned and exits with 130; a second Ctrl-C quits at once.")
    parser.add_argument("spec", help="network spec .json, a saved model (PREFIX.json) or the "
                        "name of a shipped network")
    parser.add_argument("--data", default="mnist-5k", metavar="SOURCE", help=DATA_HELP)
    parser.add_argument("--epochs", type=int, default=5, metavar="N", help="default 5")
    parser.add_argument("--batch-size", type=int, default=64, metavar="B", help="default 64")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd",
                        help="default sgd")
    parser.add_argument("--lr", type=float, default=None, metavar="X",
                        help="learning rate (default 0.05 for sgd, 0.001 for adam)")
    parser.add_argument("--momentum", type=float, default=None, metavar="M",
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
    from playground.cli import interrupts
    from playground.cli.named_resources import network_path
    from playground.cli.train_options import check_flags, check_folder, default_prefix

    check_flags(args)
    spec, saved = _read_network(network_path(args.spec))
    _check_normalize(args, saved)
    prefix = Path(args.out) if args.out else default_prefix(spec.get("name"))
    check_folder(prefix, "--out" if args.out else "the default output")
    stops = interrupts.current()
    with stops.stopping():  # a Ctrl-C from here on ends the work cleanly, then exits 130
        train, test = _load_data(args, spec, stops.should_stop)
        model = _network_for(spec, train, saved=saved, seed=args.seed)
        trainer = _make_trainer(args, model, train, test, prefix, saved, spec)
        report = Report(args.epochs, as_json=args.json)
        trainer.on_batch, trainer.on_epoch = report.batch, report.epoch
        report.start(model, train, test)
        history = _run_in_thread(trainer, report, stops)
        written, failure = _save(prefix, model, trainer, train)
        report.finish(history, written)
    if failure is not None:
        from playground.cli.safe_text import printable

        report.note(printable(f"could not save at {prefix} ({failure}); the model was saved at "
                              f"{written} instead", keep_newlines=False))
        return 1
    if history.stop_reason.startswith("diverged"):
        return 1
    return 130 if history.stop_reason == "stopped" or stops.requested else 0


def _check_normalize(args, saved) -> None:
    from playground.cli import UsageError

    if args.normalize and saved is not None and saved.preprocessing.mean is None:
        raise UsageError(f"--normalize: {args.spec} was trained without normalisation and "
                         "keeps its preprocessing; leave --normalize out")


def _read_network(path: Path):
    """(spec, saved): the network in `path`, and the saved model (its `Bundle`) when `path` is
    one whose weights lie beside it, whose training then continues (else None)."""
    from core.nn.spec import SpecError, read_spec
    from core.train.bundle import bundle_paths, load_bundle
    from playground.cli import CommandError

    if path.is_dir():
        raise CommandError(f"{path}: a folder, not a network spec (.json)")
    try:
        spec = read_spec(path)
        if path.suffix == ".json" and os.path.lexists(bundle_paths(path).weights):
            return spec, load_bundle(path, history=False)
    except SpecError as error:
        raise CommandError.from_spec_error(error) from None
    except (ValueError, KeyError, TypeError) as error:  # weights that do not fit their spec
        raise CommandError(str(error)) from None
    return spec, None


def _network_for(spec: dict, train, *, saved, seed: int):
    """The network to train on `train` (see core.train.fitting): a saved model as it is, refused
    when the data does not fit it; a new network follows the data (a note on stderr says how)."""
    from core.nn.model import Sequential
    from core.nn.spec import SpecError
    from core.train.fitting import fit_to_data
    from playground.cli import CommandError
    from playground.cli.safe_text import printable

    try:
        fitted = fit_to_data(spec, train, trained=saved is not None)
        model = saved.model if saved is not None else Sequential.from_spec(fitted.spec, seed=seed)
    except SpecError as error:
        raise CommandError.from_spec_error(error) from None
    if fitted.note:
        print(printable(f"note: {fitted.note}"), file=sys.stderr)
    return model


def _load_data(args, spec: dict, should_stop):
    from core.data.datasets import DatasetError
    from core.data.sources import load_dataset
    from core.train.fitting import data_options
    from playground.cli import CommandError
    from playground.cli.quiet import library_output_hidden
    from playground.cli.train_options import check_shift

    options = data_options(args.data, spec)
    with library_output_hidden():
        bar = ProgressBar("loading", enabled=sys.stderr.isatty(), stream=sys.stderr)
        try:
            train, test = load_dataset(args.data, progress=bar.update, should_stop=should_stop,
                                       **options)  # normalised by the recipe
        except DatasetError as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
    check_shift(args.shift, train.shape)
    return train, test


def recipe_from_args(args, saved=None, data_options: dict | None = None):
    """The run's recipe from the flags (and the loader options used for --data); a saved model
    trained further keeps its preprocessing (the mean and std it was trained with)."""
    from core.train.recipe import DEFAULT_LR, Recipe

    kind = "Adam" if args.optimizer == "adam" else "SGD"
    lr = args.lr if args.lr is not None else DEFAULT_LR[kind]
    momentum = args.momentum if args.momentum is not None else 0.9
    config = {"lr": lr} if kind == "Adam" else {"lr": lr, "momentum": momentum}
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

    recipe = recipe_from_args(args, saved, data_options(args.data, spec))
    try:
        return build_trainer(recipe, model, train, test,
                             checkpoint_prefix=str(prefix) if args.checkpoint else None)
    except RecipeError as error:
        raise CommandError("; ".join(error.problems)) from None
    except ValueError as error:
        raise CommandError(str(error)) from None


def _save(prefix, model, trainer, train):
    """Write the trained model as a bundle (spec, weights, preprocessing, recipe, history) at
    `prefix`, or at a fallback prefix when that fails: (prefix written, why `prefix` failed)."""
    from core.train.bundle import Preprocessing, save_bundle
    from playground.cli.train_options import save_somewhere

    model.classes = list(train.class_names)
    preprocessing = Preprocessing.of_data(trainer.train)

    def save(where):
        save_bundle(where, model, recipe=trainer.recipe, history=trainer.history,
                    preprocessing=preprocessing)

    return save_somewhere(save, prefix, model.name)


def _run_in_thread(trainer, report, stops):
    """Run the trainer on a thread; the first Ctrl-C asks it to stop before the next batch.

    The main thread waits on an Event, not on `Thread.join`: once a join is interrupted by
    Ctrl-C, a later join can return while the thread still runs (Python 3.11)."""
    from core import thread_pool
    from core.nn.parallel import using_threads

    outcome: dict = {}
    done = threading.Event()

    def work():
        try:
            with using_threads(thread_pool.CORES):  # the command line may use every core
                outcome["history"] = trainer.run()
        except BaseException as error:  # re-raised in the main thread
            outcome["error"] = error
        finally:
            done.set()

    thread = threading.Thread(target=work, name="training", daemon=True)
    noted = False
    with stops.stopping(on_first=trainer.stop):
        thread.start()
        while not done.wait(0.05):
            if stops.requested and not noted:
                report.note("stopping after the current batch (Ctrl-C again to quit at once)...")
                noted = True
    if "error" in outcome:
        raise outcome["error"]
    return outcome["history"]
