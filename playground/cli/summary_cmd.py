"""`playground summary SPEC.json`: print a network's blocks, output shapes and parameter counts."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "summary", help="print the blocks, output shapes and parameters of a network spec",
        description="Print a Keras-like summary of a network spec (JSON). Blocks that cannot "
        "take their input are reported with the reason; the exit code is then 1.")
    parser.add_argument("spec", help="a network spec .json file (e.g. one saved by the builder)")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from core.nn.spec import SpecError, analyse, first_error, read_spec, summary_table
    from playground.cli import CommandError

    try:
        spec = read_spec(Path(args.spec))
    except SpecError as error:
        raise CommandError.from_spec_error(error) from None
    print(summary_table(spec))
    return 1 if first_error(analyse(spec)) else 0
