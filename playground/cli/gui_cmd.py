"""`playground gui [IMAGE] [--screenshot PNG]`: open the app window."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("gui", help="open the app window (the default)")
    parser.add_argument("image", nargs="?", help="an image file to open in the filter studio")
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="once the window is on screen, save a picture of the whole screen and quit",
    )
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    from playground.app import run_app

    return run_app(image=args.image, screenshot=args.screenshot)
