"""`playground gui [IMAGE]`: open the app window, optionally with an image loaded."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("gui", help="open the app window (the default)")
    parser.add_argument("image", nargs="?", help="an image file to open in the filter studio")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from playground.app import run_app

    return run_app(image=args.image)
