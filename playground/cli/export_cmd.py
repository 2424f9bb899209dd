"""`playground export PREFIX --to pytorch DIR | --to onnx FILE.onnx`: a trained model for the
tools the field uses.

A PyTorch folder needs only `torch` and `numpy`: the network as a readable module, its weights
as plain arrays, a training script that also runs under `torchrun`, a prediction script and a
README (see `core.export.pytorch_folder`). An ONNX file needs the optional `onnx` package
(`pip install .[export]`). A network the target cannot represent is refused with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

from playground.cli import CommandError, UsageError

FORMATS = ("pytorch", "onnx")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="write a trained model as a PyTorch folder or an ONNX file",
        description="Export a model saved by `playground train` or the app (PREFIX.json + "
        "PREFIX.npz): --to pytorch DIR writes a folder that needs only torch and numpy "
        "(model.py, weights.npz, train.py for one process or torchrun, predict.py, README.md); "
        "--to onnx FILE.onnx writes an ONNX file (needs `pip install .[export]`).")
    parser.add_argument("model", metavar="PREFIX", help="the saved model's prefix (or its "
                        ".json file)")
    parser.add_argument("--to", nargs=2, required=True, metavar=("FORMAT", "TARGET"),
                        help="pytorch DIR, or onnx FILE.onnx")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from playground.cli.safe_text import printable

    kind, target = args.to
    if kind.lower() not in FORMATS:
        raise UsageError(f"--to: the format must be pytorch or onnx; received "
                         f"{printable(kind, keep_newlines=False)!r}")
    kind = kind.lower()
    if kind == "onnx" and not target.lower().endswith(".onnx"):
        raise UsageError(f"--to onnx: the file's name must end in .onnx; received "
                         f"{printable(target, keep_newlines=False)!r}")
    bundle = load_model(args.model)
    if kind == "pytorch":
        return _to_pytorch(bundle, Path(target))
    return _to_onnx(bundle, Path(target))


def load_model(prefix: str):
    """The saved model's `Bundle`, without its history; CommandError naming the file."""
    from core.train.bundle import bundle_paths, load_bundle

    if Path(prefix).is_dir():
        raise CommandError(f"{prefix}: a folder; give a saved model's prefix or its .json file")
    paths = bundle_paths(prefix)
    if not os.path.lexists(paths.model):
        raise CommandError(f"{paths.model}: no such model (train one with `playground train`)")
    try:
        return load_bundle(paths.model, history=False)
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise CommandError(str(error)) from None


def _to_pytorch(bundle, folder: Path) -> int:
    import sys

    from core.export.errors import ExportRefused
    from core.export.pytorch_folder import export_pytorch
    from playground.cli import interrupts
    from playground.cli.safe_text import printable

    stops = interrupts.current()
    try:
        with stops.stopping():
            notes = export_pytorch(bundle.model, bundle.preprocessing, bundle.recipe, folder,
                                   should_stop=stops.should_stop)
    except ExportRefused as error:
        raise CommandError(f"--to pytorch: {error}") from None
    except OSError as error:
        raise CommandError(f"--to pytorch {printable(folder)}: "
                           f"{error.strerror or error}") from None
    for note in notes:
        print(f"note: {printable(note)}", file=sys.stderr)
    shown = printable(folder, keep_newlines=False)
    print(f"wrote {shown}/: model.py, weights.npz, train.py, predict.py, README.md")
    print(f"next: cd {shown} && python train.py   (or: torchrun --nproc_per_node 2 train.py)")
    return 0


def _to_onnx(bundle, path: Path) -> int:
    from core.export.errors import ExportRefused, MissingExtra
    from core.export.onnx_file import export_onnx
    from playground.cli.safe_text import printable

    try:
        export_onnx(bundle.model, path, preprocessing=bundle.preprocessing)
    except (ExportRefused, MissingExtra) as error:
        raise CommandError(f"--to onnx: {error}") from None
    except OSError as error:
        raise CommandError(f"--to onnx {printable(path)}: {error.strerror or error}") from None
    print(f"wrote {printable(path, keep_newlines=False)}")
    return 0
