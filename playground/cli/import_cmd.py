"""`playground import PREFIX --from DIR`: bring the weights a PyTorch run trained (the
`checkpoint.npz` of a folder written by `playground export --to pytorch`) back as a
Playground model, checked array by array against the network (`core.export.pytorch_import`)."""

from __future__ import annotations

from pathlib import Path

from playground.cli import CommandError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "import", help="save the weights trained in an exported PyTorch folder as a model",
        description="Read the checkpoint.npz that train.py wrote in a folder made by "
        "`playground export --to pytorch` (or its weights.npz before any training), check "
        "every array against the network in its network.json, and save the model as "
        "PREFIX.json + PREFIX.npz for the app and `playground predict`.")
    parser.add_argument("model", metavar="PREFIX", help="where to save the model")
    parser.add_argument("--from", dest="folder", required=True, metavar="DIR",
                        help="the exported folder")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    import sys

    from core.export.pytorch_import import import_pytorch
    from playground.cli.safe_text import printable
    from playground.cli.train_options import check_folder

    folder = Path(args.folder)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise CommandError(f"--from {printable(folder, keep_newlines=False)}: {what}")
    prefix = Path(args.model)
    check_folder(prefix, "PREFIX")
    try:
        imported = import_pytorch(folder, prefix)
    except ValueError as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"{printable(prefix)}: {error.strerror or error}") from None
    for note in imported.notes:
        print(f"note: {printable(note)}", file=sys.stderr)
    names = ", ".join(printable(p.name, keep_newlines=False) for p in imported.written)
    print(f"saved {names} from {printable(imported.source, keep_newlines=False)}")
    return 0
