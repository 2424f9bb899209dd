"""The `playground` command line: one module per sub-command, each with `register(subparsers)`.

A command module adds its parser with `set_defaults(handler=...)`; the handler takes the parsed
arguments and returns an exit code. Errors the user can fix are raised as `CommandError` and
printed as one line (exit code 1); a flag that is wrong, or ignored with the others given, is a
`UsageError` (exit code 2, with the command's usage, as argparse does). Ctrl-C ends with 130
(see `interrupts`), a closed pipe with 141. Library warnings are not shown, and whatever is
printed from a file or a file name goes through `safe_text.printable`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

# Sub-command modules, in the order `playground --help` lists them.
COMMAND_MODULES: list[str] = [
    "playground.cli.gui_cmd",
    "playground.cli.filter_cmd",
    "playground.cli.summary_cmd",
    "playground.cli.train_cmd",
    "playground.cli.predict_cmd",
    "playground.cli.export_cmd",
    "playground.cli.import_cmd",
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


class UsageError(CommandError):
    """A flag that is malformed, out of range or does not apply with the others given: exit
    code 2 with the command's usage. The message names the flag as the user typed it."""


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
    """Run one command; returns its exit code (0 ok, 1 bad input, 2 usage, 130 Ctrl-C)."""
    from playground.cli import interrupts

    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 never stops a print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    command = "playground"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "handler", None) is None:
            parser.print_help()
            return 2
        command = f"playground {args.command}"
        if args.command == "gui":
            return int(args.handler(args) or 0)
        with interrupts.installed(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return int(args.handler(args) or 0)
    except UsageError as error:
        _subparser(parser, args.command).print_usage(sys.stderr)
        _error(command, error)
        return 2
    except CommandError as error:
        _error(command, error)
        return 1
    except KeyboardInterrupt:
        _error(command, "interrupted", prefix="")
        return 130
    except BrokenPipeError:  # e.g. `playground summary spec.json | head -3`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return 141
    except Exception as error:
        from core.jobs import Cancelled

        if isinstance(error, Cancelled):  # the work ended after a Ctrl-C
            _error(command, "interrupted", prefix="")
            return 130
        raise


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._subparsers._group_actions:  # noqa: SLF001 - argparse has no getter
        if command in getattr(action, "choices", {}):
            return action.choices[command]
    return parser


def _error(command: str, message, *, prefix: str = "error: ") -> None:
    from playground.cli.safe_text import printable

    clear = "\r\033[K" if sys.stderr.isatty() else ""  # over a progress bar
    print(f"{clear}{command}: {prefix}{printable(message, keep_newlines=False)}",
          file=sys.stderr, flush=True)
