"""`playground predict MODEL IMAGE...`: classify image files with a trained model.

Each image is converted the way the training data was: grey or colour, resized to the network's
input size, scaled to 0..1, inverted when it is dark-on-light and the network is grey (MNIST's
digits are light on black), and standardised with the mean and std saved with the model (a
model trained with --normalize; its history file is not needed). For a
network taking 1x28x28 digits, a photo or drawing is prepared like MNIST by default (--digit):
the ink is cropped, scaled into 20x20 and centred by its centre of mass, as the app's drawing
pad does.
"""

from __future__ import annotations

import json
import os

from playground.cli import CommandError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict", help="print the most likely classes of images for a trained model",
        description="Classify images with a model saved by `playground train` or the app "
        "(MODEL.json + MODEL.npz) and print the top classes with their probabilities.")
    parser.add_argument("model", help="the model's prefix (or its .json file)")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    parser.add_argument("--top", type=int, default=3, metavar="K",
                        help="how many classes to print per image (default 3)")
    parser.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                        help="invert grey images: auto (when dark-on-light), yes or no")
    parser.add_argument("--digit", choices=("auto", "yes", "no"), default="auto",
                        help="prepare images like MNIST digits (crop to the ink, fit 20x20, "
                        "centre by mass); auto: when the network takes 1x28x28 images")
    parser.add_argument("--json", action="store_true", help="print one JSON object per image")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    import numpy as np

    from playground.cli import UsageError, interrupts
    from playground.cli.safe_text import printable

    if args.top < 1:
        raise UsageError(f"--top must be at least 1; received {args.top}")
    bundle = _load(args.model)
    model = bundle.model
    if len(model.input_shape) != 3:
        what = "sequences" if len(model.input_shape) == 2 else "vectors"
        raise CommandError(f"{args.model}: the network takes {what} "
                           f"{model.input_shape}, not images")
    stops = interrupts.current()
    with stops.stopping():  # Ctrl-C: ends after the current image, exit code 130
        inputs = [_prepared(name, model.input_shape, args, stops.should_stop)
                  for name in args.images]
    probabilities = model.predict(bundle.preprocessing.apply(np.stack(inputs)))
    classes = [printable(c, keep_newlines=False) for c in (model.classes or [])]
    classes += [str(i) for i in range(len(classes), probabilities.shape[1])]
    top = min(args.top, probabilities.shape[1])
    for name, row in zip(args.images, probabilities, strict=True):
        order = np.argsort(-row, kind="stable")[:top]
        if args.json:
            print(json.dumps({"image": printable(name, keep_newlines=False), "top": [
                {"class": classes[k], "probability": float(row[k])} for k in order]}))
        else:
            ranked = ", ".join(f"{classes[k]} {100 * row[k]:.1f}%" for k in order)
            print(f"{printable(name, keep_newlines=False)}: {ranked}")
    return 0


def _prepared(name: str, input_shape, args, should_stop):
    """One image file made into the network's input, as the model was trained."""
    from core.data.digits import fit_input, photo_to_ink, to_mnist
    from core.data.image_folder import prepare_image
    from core.files.images import ImageReadError, read_image
    from core.jobs import check_stop
    from playground.cli.named_resources import image_path
    from playground.cli.quiet import library_output_hidden

    check_stop(should_stop, "predicting")
    path = image_path(name)
    if path.is_dir():
        raise CommandError(f"{path}: a folder, not an image file")
    try:
        with library_output_hidden():
            pixels = read_image(path, should_stop=should_stop)
    except ImageReadError as error:
        raise CommandError(str(error)) from None
    invert = {"auto": "auto", "yes": True, "no": False}[args.invert]
    as_digit = args.digit == "yes" or (
        args.digit == "auto" and tuple(input_shape) == (1, 28, 28))
    if as_digit:
        ink = photo_to_ink(pixels, None if invert == "auto" else invert)
        return fit_input(to_mnist(ink), input_shape)[0]
    return prepare_image(pixels, input_shape, invert=invert)


def _load(prefix: str):
    """The saved model's `Bundle` (without its history: predictions do not need it)."""
    from pathlib import Path

    from core.train.bundle import bundle_paths, load_bundle

    if Path(prefix).is_dir():
        raise CommandError(f"{prefix}: a folder; give a model's prefix or its .json file")
    paths = bundle_paths(prefix)
    if not os.path.lexists(paths.model):  # a pipe or folder: load_bundle says what it is
        raise CommandError(f"{paths.model}: no such model (train one with `playground train`)")
    try:
        return load_bundle(paths.model, history=False)
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise CommandError(str(error)) from None
