"""`playground summary SPEC.json`: print a network's blocks, output shapes and parameter counts."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "summary", help="print the blocks, output shapes and parameters of a network spec",
        description="Print a Keras-like summary of a network spec (JSON). Blocks that cannot "
        "take their input are reported with the reason; the exit code is then 1.")
    parser.add_argument("spec", help="a network spec .json file (e.g. one saved by the builder), "
                        "or the name of a shipped network (reference, lenet5, ...)")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from core.nn.spec import SpecError, analyse, first_error, read_spec, summary_table
    from playground.cli import CommandError
    from playground.cli.named_resources import network_path
    from playground.cli.safe_text import printable

    path = network_path(args.spec)
    if path.is_dir():
        raise CommandError(f"{path}: a folder, not a network spec (.json)")
    try:
        spec = read_spec(path)
    except SpecError as error:
        raise CommandError.from_spec_error(error) from None
    print(printable(summary_table(spec)))
    return 1 if first_error(analyse(spec)) else 0
