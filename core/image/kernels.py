"""Convolution kernels: named builders, the preset registry, validation and JSON kernel files.

A kernel is a small float32 array (kh, kw), or (kh, kw, C) to weigh each colour channel
separately (a 3x3 kernel over RGB is 27 weights). Sizes run from 1x1 to 31x31, odd or even,
square or not. `core.image.kernel_facts` explains a kernel: its sum, whether it is separable, its
frequency response and what each filtering method would cost.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.files.images import atomic_write
from core.files.json_files import read_json

MAX_KERNEL_SIZE = 31
"""Largest kernel height or width accepted."""
MAX_KERNEL_FILE_BYTES = 1 << 20
"""Largest kernel file read (a 31x31x3 kernel written out takes about 30 KB)."""



@dataclass
class Kernel:
    """A named kernel: `values` float32 (kh, kw) or (kh, kw, C), a `divisor` and an `offset`.

    The filter computes sum(window * values) / divisor + offset.
    """

    name: str
    values: np.ndarray
    divisor: float | None = None
    offset: float = 0.0

    def __post_init__(self):
        self.values = validate_kernel(self.values)
        if self.divisor is not None:
            self.divisor = _check_divisor(self.divisor)
        try:
            self.offset = float(self.offset)
        except (TypeError, ValueError, OverflowError):
            raise TypeError(f"kernel offset must be a number; received {self.offset!r}") from None
        if not math.isfinite(self.offset):
            raise ValueError(f"kernel offset must be a finite number; received {self.offset}")

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    def effective(self) -> np.ndarray:
        """The weights actually applied: values / divisor, float32, same shape as `values`."""
        if self.divisor is None:
            return self.values.copy()
        return (self.values / np.float32(self.divisor)).astype(np.float32)


def _check_divisor(divisor) -> float:
    try:
        value = float(divisor)
    except OverflowError:
        raise ValueError("divisor must be a finite, non-zero number; received a number too "
                         "large for a float") from None
    except (TypeError, ValueError):
        raise TypeError(f"divisor must be a number; received {divisor!r}") from None
    if not math.isfinite(value) or value == 0:
        raise ValueError(f"divisor must be a finite, non-zero number; received {divisor!r}")
    return value


def validate_kernel(values) -> np.ndarray:
    """Check kernel weights and return them as a float32 array (kh, kw) or (kh, kw, C).

    Raises TypeError for non-numeric weights and ValueError for an empty, ragged, NaN/inf,
    wrongly shaped or oversized kernel, naming what was received.
    """
    if isinstance(values, Kernel):
        return values.values
    try:
        array = np.asarray(values)
    except ValueError:
        raise ValueError("kernel rows must all have the same length (ragged values)") from None
    if array.dtype == object:
        raise ValueError("kernel rows must all have the same length and hold only numbers")
    if array.dtype.kind == "b" or not (np.issubdtype(array.dtype, np.number)):
        raise TypeError(f"kernel weights must be numbers; received {array.dtype} values")
    if np.iscomplexobj(array):
        raise TypeError("kernel weights must be real numbers; received complex values")
    if array.size == 0:
        raise ValueError(f"kernel is empty (shape {array.shape}); give at least one weight")
    if array.ndim == 1:
        raise ValueError(
            f"kernel must be 2-D (kh, kw) or 3-D (kh, kw, C); received 1-D shape {array.shape} "
            "(write a row kernel as [[...]])"
        )
    if array.ndim not in (2, 3):
        raise ValueError(f"kernel must be 2-D (kh, kw) or 3-D (kh, kw, C); received {array.shape}")
    kh, kw = array.shape[:2]
    if kh > MAX_KERNEL_SIZE or kw > MAX_KERNEL_SIZE:
        raise ValueError(
            f"kernel is {kh}x{kw}; the largest size is {MAX_KERNEL_SIZE}x{MAX_KERNEL_SIZE}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("kernel contains NaN or infinite weights; use finite numbers")
    return np.ascontiguousarray(array, dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# Builders


def _odd_or_even_size(size, name="size") -> int:
    if isinstance(size, bool) or int(size) != size or not 1 <= int(size) <= MAX_KERNEL_SIZE:
        raise ValueError(
            f"{name} must be an integer from 1 to {MAX_KERNEL_SIZE}; received {size!r}"
        )
    return int(size)


def identity(size: int = 3) -> Kernel:
    """A (size, size) kernel with a single 1 at the anchor cell ((size-1)//2): output = input."""
    size = _odd_or_even_size(size)
    values = np.zeros((size, size), np.float32)
    values[(size - 1) // 2, (size - 1) // 2] = 1
    return Kernel("Identity", values)


def box(n: int = 3) -> Kernel:
    """An (n, n) box blur: all ones, divisor n*n (the mean of the window)."""
    n = _odd_or_even_size(n, "n")
    return Kernel("Box blur", np.ones((n, n), np.float32), divisor=float(n * n))


def gaussian_weights(size: int, sigma: float) -> np.ndarray:
    """Sampled Gaussian exp(-(x^2 + y^2) / (2 sigma^2)) on a (size, size) grid, sum 1, float64.

    The grid is centred on the middle of the kernel (a half cell off any cell for even sizes).
    """
    size = _odd_or_even_size(size)
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number; received {sigma!r}")
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    line = np.exp(-(x**2) / (2.0 * sigma * sigma))
    grid = np.outer(line, line)
    return grid / grid.sum()


def gaussian(size: int = 7, sigma: float = 0.84089642) -> Kernel:
    """Gaussian blur (size, size), normalised to sum 1 (see `gaussian_weights`)."""
    return Kernel("Gaussian", gaussian_weights(size, sigma).astype(np.float32))


def sobel_x() -> Kernel:
    """Sobel Gx: responds to brightness rising to the right (+x)."""
    return Kernel("Sobel x", np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32))


def sobel_y() -> Kernel:
    """Sobel Gy: responds to brightness rising downwards (+y, image rows)."""
    return Kernel("Sobel y", np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float32))


def scharr_x() -> Kernel:
    return Kernel("Scharr x", np.array([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]], np.float32))


def scharr_y() -> Kernel:
    return Kernel("Scharr y", np.array([[-3, -10, -3], [0, 0, 0], [3, 10, 3]], np.float32))


def prewitt_x() -> Kernel:
    return Kernel("Prewitt x", np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], np.float32))


def prewitt_y() -> Kernel:
    return Kernel("Prewitt y", np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], np.float32))


def laplacian4() -> Kernel:
    return Kernel(
        "Laplacian (4-neighbour)", np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)
    )


def laplacian8() -> Kernel:
    return Kernel(
        "Laplacian (8-neighbour)", np.array([[1, 1, 1], [1, -8, 1], [1, 1, 1]], np.float32)
    )


def sharpen() -> Kernel:
    return Kernel("Sharpen", np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32))


def unsharp_mask(size: int = 5, sigma: float = 1.0, amount: float = 1.0) -> Kernel:
    """identity + amount * (identity - gaussian(size, sigma)): boosts what the blur removes."""
    if not math.isfinite(amount):
        raise ValueError(f"amount must be a finite number; received {amount!r}")
    blur = gaussian_weights(size, sigma)
    delta = np.zeros_like(blur)
    delta[(size - 1) // 2, (size - 1) // 2] = 1.0
    return Kernel("Unsharp mask", ((1.0 + amount) * delta - amount * blur).astype(np.float32))


def emboss() -> Kernel:
    return Kernel("Emboss", np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float32))


def outline() -> Kernel:
    return Kernel("Outline", np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32))


def motion_blur(length: int = 9, angle_deg: float = 0.0) -> Kernel:
    """A (length, length) line of total weight 1 through the centre, at `angle_deg`.

    0 degrees is a horizontal streak; positive angles turn counter-clockwise as seen on screen.
    The line is drawn anti-aliased (bilinear splatting of points along it).
    """
    length = _odd_or_even_size(length, "length")
    if not math.isfinite(angle_deg):
        raise ValueError(f"angle_deg must be a finite number; received {angle_deg!r}")
    centre = (length - 1) / 2
    t = (np.arange(8 * length) + 0.5) / 8 - length / 2  # evenly over the full length
    theta = math.radians(angle_deg)
    cols = centre + t * math.cos(theta)
    rows = centre - t * math.sin(theta)
    values = np.zeros((length, length), np.float64)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    fr, fc = rows - r0, cols - c0
    for dr, dc, w in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                      (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        rr, cc = np.clip(r0 + dr, 0, length - 1), np.clip(c0 + dc, 0, length - 1)
        np.add.at(values, (rr, cc), w)
    return Kernel("Motion blur", (values / values.sum()).astype(np.float32))


# ---------------------------------------------------------------------------------------------
# Presets


@dataclass(frozen=True)
class Preset:
    """A named kernel builder with its parameters: name -> (default, minimum, maximum).

    An integer default means an integer parameter.
    """

    name: str
    builder: Callable[..., Kernel]
    parameters: dict[str, tuple] = field(default_factory=dict)
    description: str = ""


_SIZE = (3, 1, MAX_KERNEL_SIZE)
PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("Identity", identity, {"size": _SIZE}, "Leaves the image unchanged."),
        Preset("Box blur", box, {"n": _SIZE}, "Mean of each size x size window: a plain blur."),
        Preset("Gaussian", gaussian, {"size": (7, 1, MAX_KERNEL_SIZE),
                                      "sigma": (0.84089642, 0.1, 10.0)},
               "Smooth blur weighted by distance; separable, sums to 1."),
        Preset("Sobel x", sobel_x, {}, "Horizontal gradient: vertical edges."),
        Preset("Sobel y", sobel_y, {}, "Vertical gradient: horizontal edges."),
        Preset("Scharr x", scharr_x, {}, "Like Sobel x with better rotation symmetry."),
        Preset("Scharr y", scharr_y, {}, "Like Sobel y with better rotation symmetry."),
        Preset("Prewitt x", prewitt_x, {}, "Horizontal gradient, unweighted rows."),
        Preset("Prewitt y", prewitt_y, {}, "Vertical gradient, unweighted columns."),
        Preset("Laplacian (4-neighbour)", laplacian4, {}, "Second derivative: edges and noise."),
        Preset("Laplacian (8-neighbour)", laplacian8, {}, "Second derivative, diagonals too."),
        Preset("Sharpen", sharpen, {}, "Centre minus neighbours: crisper edges."),
        Preset("Unsharp mask", unsharp_mask, {"size": (5, 1, MAX_KERNEL_SIZE),
                                              "sigma": (1.0, 0.1, 10.0),
                                              "amount": (1.0, 0.0, 5.0)},
               "Adds back what a Gaussian blur removes."),
        Preset("Emboss", emboss, {}, "Relief effect lit from the top-left."),
        Preset("Outline", outline, {}, "Bright outlines on black (sum 0)."),
        Preset("Motion blur", motion_blur, {"length": (9, 1, MAX_KERNEL_SIZE),
                                            "angle_deg": (0.0, 0.0, 180.0)},
               "Streak along a direction, like a moving camera."),
    )
}


def make_preset(name: str, **params) -> Kernel:
    """Build preset `name` with `params` (others take their defaults), checked against the ranges.

    e.g. make_preset("Gaussian", size=7, sigma=0.84089642).
    """
    preset = PRESETS.get(name)
    if preset is None:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    unknown = set(params) - set(preset.parameters)
    if unknown:
        allowed = ", ".join(preset.parameters) or "none"
        raise ValueError(
            f"preset {name!r} has no parameter {', '.join(sorted(unknown))}; parameters: {allowed}"
        )
    arguments = {}
    for key, (default, low, high) in preset.parameters.items():
        value = params.get(key, default)
        if isinstance(default, int) and not isinstance(default, bool):
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError(f"{name} {key} must be a whole number; received {value!r}")
            value = int(float(value))
        else:
            value = float(value)
        if not low <= value <= high:
            raise ValueError(f"{name} {key} must be from {low} to {high}; received {value!r}")
        arguments[key] = value
    kernel = preset.builder(**arguments)
    kernel.name = name
    return kernel


# ---------------------------------------------------------------------------------------------
# Kernel files (JSON)


def save_kernel(path: str | os.PathLike, kernel: Kernel) -> None:
    """Write `kernel` as JSON {name, values (nested lists), divisor, offset}, atomically.

    One kernel row per line; weights written in their shortest float32 form (0.22508352).
    """
    rows = ",\n".join("    " + json.dumps(_plain(row)) for row in kernel.values)
    text = (
        "{\n"
        f'  "name": {json.dumps(kernel.name)},\n'
        f'  "values": [\n{rows}\n  ],\n'
        f'  "divisor": {json.dumps(kernel.divisor)},\n'
        f'  "offset": {json.dumps(kernel.offset)}\n'
        "}\n"
    ).encode()
    atomic_write(path, lambda handle: handle.write(text))


def _plain(values: np.ndarray):
    """Nested lists of Python numbers: whole numbers as int, others in shortest float32 form."""
    if values.ndim:
        return [_plain(v) for v in values]
    number = float(str(values))  # numpy prints the shortest string that reads back as float32
    return int(number) if number.is_integer() and abs(number) < 2**31 else number


def load_kernel(path: str | os.PathLike) -> Kernel:
    """Read a JSON kernel file; a ValueError names the file and what is wrong with it."""
    path = Path(path)
    data = read_json(path, "kernel file", max_bytes=MAX_KERNEL_FILE_BYTES)
    if not isinstance(data, dict) or "values" not in data:
        raise ValueError(f"{path}: expected a JSON object with 'values' (and optionally "
                         "'name', 'divisor', 'offset')")
    values = data["values"]
    if not isinstance(values, list) or not _all_numbers(values):
        raise ValueError(f"{path}: 'values' must be nested lists of numbers")
    try:
        return Kernel(
            name=str(data.get("name") or path.stem),
            values=values,
            divisor=data.get("divisor"),
            offset=data.get("offset") or 0.0,
        )
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"{path}: {error}") from None


def _all_numbers(values) -> bool:
    if isinstance(values, list):
        return all(_all_numbers(v) for v in values)
    return isinstance(values, int | float) and not isinstance(values, bool)
