"""Entry point: `playground` opens the window; `playground COMMAND ...` runs headless."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the app with no arguments, or a command-line tool (see `playground --help`)."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        from playground.app import run_app

        return run_app()
    from playground.cli import run_cli

    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
