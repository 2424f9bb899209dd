"""The `playground` command line: one module per sub-command, each with `register(subparsers)`.

A command module adds its parser with `set_defaults(handler=...)`; the handler takes the parsed
arguments and returns an exit code. Errors the user can fix are raised as `CommandError` and
printed as one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Sub-command modules, in the order `playground --help` lists them.
COMMAND_MODULES: list[str] = [
    "playground.cli.gui_cmd",
    "playground.cli.filter_cmd",
    "playground.cli.summary_cmd",
    "playground.cli.train_cmd",
    "playground.cli.predict_cmd",
]


class CommandError(Exception):
    """A problem with the user's input, reported as one line and exit code 1."""

    @classmethod
    def from_spec_error(cls, error) -> CommandError:
        """The one line for a `core.nn.spec.SpecError`: its first problem, and how many more."""
        found = getattr(error, "problems", None) or [str(error)]
        more = len(found) - 1
        return cls(found[0] + (f" (and {more} more problem{'s' if more > 1 else ''})"
                               if more else ""))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground",
        description="Learn image convolution and CNNs by doing. "
        "With no command, opens the app window.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def run_cli(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except CommandError as error:
        print(f"playground {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"playground {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `playground summary spec.json | head -3`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return 141
