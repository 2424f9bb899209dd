"""`playground filter IN [-o OUT] (--preset NAME | --kernel-file K.json | --kernel TEXT | ...)`.

Filters an image file headless with core.image.filtering and writes a PNG/JPEG/TIFF/BMP (scaled for
display with --scale) or a .npy of the raw float32 result. Options the chosen filter would ignore
are refused (`filter_options`); Ctrl-C ends the work after the current strip (exit code 130).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from playground.cli import CommandError, UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "filter",
        help="filter an image with a kernel, Sobel or a median/min/max window",
        description="Filter an image with a preset, a kernel file or a kernel typed in; write a "
        "PNG (scaled for display) or a .npy of the raw float32 values.",
    )
    parser.add_argument("image", nargs="?", help="input image (PNG, JPEG, TIFF or BMP), or the "
                        "name of a shipped sample: astronaut, camera, chelsea, coffee")
    parser.add_argument("-o", "--output", help="output .png/.jpg/.tif/.bmp or .npy "
                        "(default: IN_filtered.png beside the input)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME", help='a preset, e.g. "Gaussian" '
                        "(see --list-presets)")
    source.add_argument("--kernel-file", metavar="K.json", help="a JSON kernel file")
    source.add_argument("--kernel", metavar="TEXT",
                        help='weights typed in, rows split by ";", e.g. "1,2,1;2,4,2;1,2,1" '
                        '(write --kernel="-1,0,1;..." when the first weight is negative)')
    source.add_argument("--sobel", choices=("magnitude", "angle"),
                        help="Sobel gradient magnitude, or its direction as colours")
    source.add_argument("--neighbourhood", choices=("median", "min", "max"),
                        help="median, min (erode) or max (dilate) of each --size window")
    parser.add_argument("--list-presets", action="store_true", help="list presets and exit")
    parser.add_argument("--size", type=int, help="preset size (Gaussian, box, ...) or window size")
    parser.add_argument("--sigma", type=float, help="Gaussian / unsharp mask sigma")
    parser.add_argument("--amount", type=float, help="unsharp mask amount")
    parser.add_argument("--angle", type=float, help="motion blur angle in degrees")
    parser.add_argument("--divisor", type=float, help="divide the weighted sum by this")
    parser.add_argument("--offset", type=float, help="add this after dividing")
    parser.add_argument("--padding", default=None,
                        choices=("zero", "reflect", "edge", "wrap", "valid"),
                        help="how the border is filled (default: zero; edge for --sobel and "
                        "--neighbourhood)")
    parser.add_argument("--pad-width", type=int, help="cells of padding on every side "
                        "(default: half the kernel size, same-size output)")
    parser.add_argument("--stride", type=int, help="step between windows (default 1)")
    parser.add_argument("--convolve", action="store_true",
                        help="true convolution (flip the kernel); default is cross-correlation")
    parser.add_argument("--method", choices=("auto", "direct", "separable", "fft"),
                        help="how to compute it (default: the fastest)")
    parser.add_argument("--scale", choices=("clip", "normalize", "abs"),
                        help="map values to 0..255 for image output: clip (default), normalize "
                        "min..max, or abs then clip")
    parser.add_argument("--grey", action="store_true", help="convert the input to grey first")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from playground.cli import interrupts
    from playground.cli.filter_options import check_flags, check_padding_fits
    from playground.cli.safe_text import printable

    output = Path(args.output) if args.output else None
    check_flags(args, output.suffix.lower() if output is not None else ".png")
    if args.list_presets:
        print(presets_text())
        return 0
    image_path = _input_path(args.image)
    output = output if output is not None else _default_output(args.image, image_path)
    _check_output(output)
    kernel = None
    if args.sobel is None and args.neighbourhood is None:
        kernel = _kernel_from_args(args)
    stops = interrupts.current()
    with stops.stopping():  # Ctrl-C: the work ends after the current strip, exit code 130
        image = _read(image_path, args.grey, stops.should_stop)
        check_padding_fits(args, image.shape[:2])
        result, picture = _compute(args, image, kernel, stops.should_stop)
        _write(output, result, picture)
    shape = "x".join(str(n) for n in result.shape)
    print(printable(f"wrote {output} ({shape}, values {float(result.min()):.4g} .. "
                    f"{float(result.max()):.4g})"))
    return 0


def _input_path(text: str) -> Path:
    """The image file named (a shipped sample by name when no such file is here)."""
    from playground.cli.named_resources import image_path

    path = image_path(text)
    if path.is_dir():
        raise CommandError(f"{path}: a folder, not an image file")
    return path


def _read(path: Path, grey: bool, should_stop):
    from core.files.images import ImageReadError, read_image
    from playground.cli.quiet import library_output_hidden

    try:
        with library_output_hidden():
            return read_image(path, grey=grey, should_stop=should_stop)
    except ImageReadError as error:
        raise CommandError(str(error)) from None


def _compute(args, image, kernel, should_stop):
    """(result, picture): the float32 result, and the colour picture of --sobel angle (else
    None: the result is scaled for display)."""
    from core.files.images import to_uint8
    from core.image.filtering import angle_to_rgb, apply_kernel, neighbourhood, sobel

    options = {"pad_width": args.pad_width, "stride": args.stride or 1,
               "should_stop": should_stop}
    try:
        if args.sobel is not None:
            magnitude, angle = sobel(image, padding=args.padding or "edge",
                                     should_stop=should_stop)
            if args.sobel == "angle":
                return angle, angle_to_rgb(magnitude, angle)
            result = magnitude
        elif args.neighbourhood is not None:
            result = neighbourhood(image, args.size, args.neighbourhood,
                                   padding=args.padding or "edge", **options)
        else:
            result = apply_kernel(image, kernel, padding=args.padding or "zero",
                                  mode="convolve" if args.convolve else "correlate",
                                  divisor=args.divisor, offset=args.offset,
                                  method=args.method or "auto", **options)
    except (ValueError, TypeError) as error:
        raise CommandError(str(error)) from None
    return result, to_uint8(result, scale=args.scale or "clip")


def presets_text() -> str:
    """The presets, one per line: name, parameters (default, range), description."""
    from core.image.kernels import PRESETS

    lines = []
    for preset in PRESETS.values():
        params = ", ".join(f"{key}={default} [{low}..{high}]"
                           for key, (default, low, high) in preset.parameters.items())
        lines.append(f"{preset.name:<24} {preset.description}")
        if params:
            lines.append(f"{'':<24}   {params}")
    return "\n".join(lines)


def parse_kernel_text(text: str) -> np.ndarray:
    """Rows split by ';' (or newlines), weights by ',' or spaces -> float (kh, kw) array."""
    from core.image.kernels import validate_kernel

    rows = [row for row in text.replace("\n", ";").split(";") if row.strip()]
    try:
        values = [[float(v) for v in row.replace(",", " ").split()] for row in rows]
    except ValueError as error:
        raise UsageError(f"--kernel: {error}; write numbers like \"1,2,1;2,4,2;1,2,1\"") from None
    try:
        return validate_kernel(values)
    except (TypeError, ValueError) as error:
        raise UsageError(f"--kernel: {error}") from None


def _kernel_from_args(args):
    from core.image.kernels import PRESETS, load_kernel, make_preset
    from playground.cli.filter_options import check_preset_flags

    if args.kernel is not None:
        return parse_kernel_text(args.kernel)
    if args.kernel_file is not None:
        path = Path(args.kernel_file)
        if path.is_dir():
            raise CommandError(f"{path}: a folder, not a kernel file")
        try:
            return load_kernel(path)
        except ValueError as error:
            raise CommandError(str(error)) from None
    name = _preset_name(args.preset, PRESETS)
    params = check_preset_flags(args, PRESETS[name])
    try:
        return make_preset(name, **params)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _preset_name(name: str, presets) -> str:
    """Match a preset name ignoring case, spaces, hyphens and underscores ("sobel-x")."""
    def simplify(text):
        return "".join(ch for ch in text.lower() if ch.isalnum())

    for key in presets:
        if simplify(key) == simplify(name):
            return key
    raise UsageError(f"--preset: unknown preset {name!r}; choose one of: {', '.join(presets)}")


def _default_output(typed: str, image: Path) -> Path:
    """IN_filtered.png beside the input; in the current folder for a shipped sample."""
    stem = f"{image.stem or 'image'}_filtered.png"
    return Path(stem) if str(image) != typed else image.with_name(stem)


def _check_output(output: Path) -> None:
    suffix = output.suffix.lower()
    if suffix not in (".npy", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"):
        raise UsageError(f"-o {output}: cannot write {suffix or 'files without a suffix'}; "
                         "use .png, .jpg, .tif, .bmp or .npy")
    if output.is_dir():
        raise CommandError(f"{output}: a folder; give a file name to write")
    if not output.parent.is_dir() and str(output.parent):
        raise CommandError(f"{output}: the folder {output.parent} does not exist")


def _write(output: Path, result: np.ndarray, picture: np.ndarray) -> None:
    from core.files.images import atomic_write, write_image

    try:
        if output.suffix.lower() == ".npy":
            data = np.ascontiguousarray(result, np.float32)
            atomic_write(output, lambda handle: np.save(handle, data, allow_pickle=False))
        else:
            write_image(output, picture)
    except OSError as error:
        raise CommandError(f"{output}: cannot write ({error.strerror or error})") from None
