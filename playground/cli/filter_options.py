"""The flags of `playground filter` checked before the image is read: each source of the result
takes only the options it uses, and every value is in range. A flag that would be ignored is
refused rather than dropped silently; every message names the flag as typed (`UsageError`)."""

from __future__ import annotations

import math

from playground.cli import UsageError

# Options each source of the result leaves unused.
_KERNEL_SHAPING = ("--size", "--sigma", "--amount", "--angle")
_WEIGHTED_SUM = ("--divisor", "--offset", "--convolve", "--method")
_NOT_FOR = {
    "--sobel": _KERNEL_SHAPING + _WEIGHTED_SUM + ("--stride", "--pad-width"),
    "--neighbourhood": ("--sigma", "--amount", "--angle") + _WEIGHTED_SUM,
    "--kernel": _KERNEL_SHAPING,
    "--kernel-file": _KERNEL_SHAPING,
}
_PRESET_FLAGS = {"size": "--size", "n": "--size", "length": "--size", "sigma": "--sigma",
                 "amount": "--amount", "angle_deg": "--angle"}
_OPTIONS = ("image", "output", "preset", "kernel_file", "kernel", "sobel", "neighbourhood",
            "size", "sigma", "amount", "angle", "divisor", "offset", "padding", "pad_width",
            "stride", "convolve", "method", "scale", "grey")
MAX_EXTRA_PIXELS = 16_000_000
"""Padding may add at most this many pixels to the image (a float32 copy of them is made)."""


def given(args) -> dict[str, object]:
    """The options the user typed, by flag ("--pad-width": 2)."""
    found = {}
    for name in _OPTIONS:
        value = getattr(args, name, None)
        if value is not None and value is not False:
            found["--" + name.replace("_", "-")] = value
    return found


def source_of(args) -> str | None:
    """The flag that chose the filter (--preset, --kernel, ...), or None."""
    for flag in ("--preset", "--kernel-file", "--kernel", "--sobel", "--neighbourhood"):
        if getattr(args, flag[2:].replace("-", "_")) is not None:
            return flag
    return None


def check_flags(args, output_suffix: str) -> None:
    """Refuse options that do not apply to the chosen source, or out of range."""
    options = given(args)
    source = source_of(args)
    if args.list_presets:
        if options:
            first = next(iter(options)).replace("--image", "an input image")
            raise UsageError(f"--list-presets takes no other options; received {first}")
        return
    if args.image is None:
        raise UsageError("give an input image (or --list-presets)")
    if source is None:
        raise UsageError("choose a filter: --preset NAME, --kernel-file K.json, --kernel TEXT, "
                         "--sobel or --neighbourhood")
    for flag in _NOT_FOR.get(source, ()):
        if flag in options:
            raise UsageError(f"{flag} does not apply to {source}{_why(source)}")
    if source == "--sobel" and args.sobel == "angle" and "--scale" in options:
        raise UsageError("--scale does not apply to --sobel angle (its colours show the "
                         "direction)")
    if output_suffix == ".npy" and "--scale" in options:
        raise UsageError("--scale applies to image output; a .npy keeps the raw values")
    if source == "--neighbourhood":
        if args.size is None:
            raise UsageError("--neighbourhood needs --size N (the window is N x N)")
        _whole_in_range("--size", args.size, 1, 31, " for --neighbourhood")
    _check_geometry(args)
    for flag, value in (("--divisor", args.divisor), ("--offset", args.offset)):
        if value is not None and not math.isfinite(value):
            raise UsageError(f"{flag} must be a finite number; received {value}")
    if args.divisor == 0:
        raise UsageError("--divisor must not be 0")


def check_preset_flags(args, preset) -> dict:
    """The preset's parameters from --size/--sigma/--amount/--angle, each checked against its
    range; a flag the preset has no setting for is refused."""
    values = {"--size": args.size, "--sigma": args.sigma, "--amount": args.amount,
              "--angle": args.angle}
    params, used = {}, set()
    for key, (default, low, high) in preset.parameters.items():
        flag = _PRESET_FLAGS.get(key)
        if flag is None or values[flag] is None:
            continue
        used.add(flag)
        if isinstance(default, int):
            params[key] = _whole_in_range(flag, values[flag], low, high,
                                          f" for the {preset.name} preset")
        else:
            value = values[flag]
            if not low <= value <= high:
                raise UsageError(f"{flag} must be from {low:g} to {high:g} for the "
                                 f"{preset.name} preset; received {value}")
            params[key] = float(value)
    for flag, value in values.items():
        if value is not None and flag not in used:
            settings = sorted({_PRESET_FLAGS[k] for k in preset.parameters if k in _PRESET_FLAGS})
            has = ("its settings: " + ", ".join(settings)) if settings else "it has no settings"
            raise UsageError(f"{flag} does not apply to the {preset.name} preset ({has})")
    return params


def check_padding_fits(args, image_hw) -> None:
    """Refuse a --pad-width that would make the padded image huge for this image."""
    pad = args.pad_width
    if pad is None:
        return
    height, width = image_hw
    if (height + 2 * pad) * (width + 2 * pad) <= height * width + MAX_EXTRA_PIXELS:
        return
    # The largest p with (h + 2p)(w + 2p) <= h w + extra: the positive root of 4p^2 + 2(h+w)p.
    limit = int((-(height + width) + math.sqrt((height + width) ** 2 + 4 * MAX_EXTRA_PIXELS)) / 4)
    raise UsageError(f"--pad-width {pad} is too large for this {width}x{height} image (the "
                     f"padded image would be {width + 2 * pad}x{height + 2 * pad}); use at "
                     f"most {limit}")


def _check_geometry(args) -> None:
    if args.stride is not None and args.stride < 1:
        raise UsageError(f"--stride must be at least 1; received {args.stride}")
    if args.pad_width is not None:
        if args.pad_width < 0:
            raise UsageError(f"--pad-width must be 0 or more; received {args.pad_width}")
        if args.padding == "valid" and args.pad_width:
            raise UsageError("--pad-width does not apply to --padding valid (no padding)")


def _whole_in_range(flag: str, value, low, high, where: str) -> int:
    if value != int(value) or not low <= value <= high:
        raise UsageError(f"{flag} must be a whole number from {low} to {high}{where}; "
                         f"received {value}")
    return int(value)


def _why(source: str) -> str:
    return {
        "--sobel": " (it is a fixed 3x3 gradient at stride 1)",
        "--neighbourhood": " (it takes the median, minimum or maximum, not a weighted sum)",
        "--kernel": " (the weights typed in set the kernel)",
        "--kernel-file": " (the file sets the kernel)",
    }[source]
