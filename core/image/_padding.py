"""Shared by the filters: image checks, padding geometry (modes, widths, stride) and padding.

Geometry convention (the same for every filter): the padded image is the input with `top`,
`bottom`, `left`, `right` extra cells, and output pixel (r, c) is computed from the window whose
top-left corner is padded cell (r * stride, c * stride). By default the padding is the kernel's
half size, split as ((k - 1) // 2 before, k // 2 after): an odd kernel is centred on its pixel, and
an even kernel of size k has its anchor (the cell over the output pixel, at stride 1) at index
(k - 1) // 2, i.e. one cell more of the window lies after the pixel than before it.
"""

from __future__ import annotations

import numpy as np

PADDING_MODES = ("zero", "reflect", "edge", "wrap", "valid")

_NUMPY_MODES = {"zero": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}


def as_float_image(image) -> np.ndarray:
    """Check `image` (H, W) or (H, W, C), numeric and finite; return float32 (H, W, C) (C >= 1)."""
    array = check_image(image)
    check_finite(array)
    return array.astype(np.float32, copy=False)


def check_image(image) -> np.ndarray:
    """Check `image` is (H, W) or (H, W, C), non-empty, real numbers; return it as (H, W, C).

    The dtype is kept (no copy); finiteness is checked later, on the float32 data filtered.
    """
    array = np.asarray(image)
    if array.dtype == object or array.dtype.kind in "bUSVMm" or np.iscomplexobj(array):
        raise TypeError(f"image must hold real numbers; received {array.dtype} values")
    if array.ndim not in (2, 3):
        raise ValueError(
            f"image must be (H, W) grey or (H, W, C) colour; received {array.ndim}-D shape "
            f"{array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"image is empty (shape {array.shape})")
    return array if array.ndim == 3 else array[:, :, None]


def check_finite(array: np.ndarray) -> None:
    """Raise ValueError if a float `array` holds NaN or infinity."""
    if array.dtype.kind != "f" or array.size == 0:
        return
    # A sum over the first axis is NaN or infinite wherever a column holds NaN or infinity: one
    # quick pass with no temporary the size of `array` (only an overflow needs the full test).
    with np.errstate(over="ignore", invalid="ignore"):
        summed = np.add.reduce(array, axis=0)
    if np.isfinite(summed).all() or np.isfinite(array).all():
        return
    raise ValueError("image contains NaN or infinite values; replace them before filtering")


def check_stride(stride) -> int:
    """`stride` as a positive int, or a ValueError naming it."""
    if isinstance(stride, bool) or not isinstance(stride, int | np.integer) or stride < 1:
        raise ValueError(f"stride must be a whole number >= 1; received {stride!r}")
    return int(stride)


def pad_amounts(kernel_hw, padding="zero", pad_width=None) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding for a (kh, kw) kernel.

    pad_width: None (the kernel's half size, see the module docstring), an int for all sides,
    (rows, cols), or ((top, bottom), (left, right)). "valid" means no padding at all.
    """
    if padding not in PADDING_MODES:
        raise ValueError(f"padding must be one of {', '.join(PADDING_MODES)}; received {padding!r}")
    kh, kw = kernel_hw
    if padding == "valid":
        if pad_width not in (None, 0):
            raise ValueError('padding="valid" means no padding; leave pad_width unset')
        return 0, 0, 0, 0
    if pad_width is None:
        return (kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2
    if _is_count(pad_width):
        return (int(pad_width),) * 4
    try:
        rows, cols = pad_width
    except (TypeError, ValueError):
        raise ValueError(_pad_message(pad_width)) from None
    if _is_count(rows) and _is_count(cols):
        return int(rows), int(rows), int(cols), int(cols)
    try:
        (top, bottom), (left, right) = rows, cols
    except (TypeError, ValueError):
        raise ValueError(_pad_message(pad_width)) from None
    if not all(_is_count(v) for v in (top, bottom, left, right)):
        raise ValueError(_pad_message(pad_width))
    return int(top), int(bottom), int(left), int(right)


def _is_count(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 0


def _pad_message(pad_width) -> str:
    return ("pad_width must be a whole number >= 0, (rows, cols) or ((top, bottom), "
            f"(left, right)); received {pad_width!r}")


def output_size(in_hw, kernel_hw, *, padding="zero", pad_width=None, stride=1) -> tuple[int, int]:
    """(h, w) of the filtered image: (H + top + bottom - kh) // stride + 1, likewise for w.

    Raises ValueError if the kernel does not fit in the padded image (e.g. "valid" with a kernel
    larger than the image).
    """
    stride = check_stride(stride)
    top, bottom, left, right = pad_amounts(kernel_hw, padding, pad_width)
    height, width = in_hw[0] + top + bottom, in_hw[1] + left + right
    kh, kw = kernel_hw
    if kh > height or kw > width:
        raise ValueError(
            f"the {kh}x{kw} kernel does not fit in the {height}x{width} "
            f"{'image' if padding == 'valid' else 'padded image'}; use a smaller kernel, "
            "more padding or a larger image"
        )
    return (height - kh) // stride + 1, (width - kw) // stride + 1


def describe_geometry(in_hw, kernel_hw, *, padding="zero", pad_width=None, stride=1) -> str:
    """One line such as "9x9, pad 2, 3x3, stride 2 -> 6x6" (uneven: top,bottom,left,right)."""
    top, bottom, left, right = pad_amounts(kernel_hw, padding, pad_width)
    out_h, out_w = output_size(in_hw, kernel_hw, padding=padding, pad_width=pad_width,
                               stride=stride)
    if padding == "valid":
        pad = "no padding"
    elif top == bottom == left == right:
        pad = f"pad {top}"
    else:
        pad = f"pad {top},{bottom},{left},{right}"
    if padding not in ("zero", "valid"):
        pad += f" ({padding})"
    return (f"{in_hw[0]}x{in_hw[1]}, {pad}, {kernel_hw[0]}x{kernel_hw[1]}, stride {stride} "
            f"-> {out_h}x{out_w}")


def pad_image(image3: np.ndarray, amounts, padding, rows: slice | None = None) -> np.ndarray:
    """float32 padded image: (H, W, C) of any dtype padded by (top, bottom, left, right) cells.

    Equals numpy.pad with the mode's fill, converted to float32 in the same pass. `rows` selects
    a contiguous range of padded rows (a strip), so a strip is padded without the whole image.
    Raises ValueError if the float data padded holds NaN or infinity.
    """
    height, width, channels = image3.shape
    top, bottom, left, right = amounts
    row_index = padded_indices(height, top, bottom, padding)
    if rows is not None:
        row_index = row_index[rows]
    col_index = padded_indices(width, left, right, padding)
    out = np.empty((len(row_index), len(col_index), channels), np.float32)
    return pad_into(out, image3, row_index, col_index, left, padding)


def pad_into(out, image3, row_index, col_index, left: int, padding) -> np.ndarray:
    """Fill `out` (len(row_index), len(col_index), C) float32 with padded cells; return it.

    row_index / col_index are `padded_indices` (or a range of them); `left` is the number of
    padding columns before the image. Raises ValueError if float data holds NaN or infinity.
    """
    pad_phases_into(out[:, None], image3, row_index, col_index, left, padding)
    return out


def pad_phases_into(out, image3, row_index, col_index, left: int, padding) -> np.ndarray:
    """Fill `out` (len(row_index), s, Q, C) float32 with padded cells split into s column phases.

    Padded column x goes to out[:, x % s, x // s] (s = 1: the plain padded rows), so that a
    stride of s reads each phase as contiguous rows. Cells of a phase past the padded width are
    left as they are. Otherwise as `pad_into`.
    """
    count, phases, _, channels = out.shape
    width = image3.shape[1]
    spans = [_phase_span(p, phases, left, width, len(col_index)) for p in range(phases)]
    # Rows that are a run of consecutive image rows are copied in one go, the rest one by one.
    start = 0
    while start < count:
        stop = start + 1
        source = int(row_index[start])
        if source >= 0:
            while stop < count and row_index[stop] == source + (stop - start):
                stop += 1
            rows = image3[source : source + stop - start]
            for p, (q0, q1, _) in enumerate(spans):
                first = q0 * phases + p - left
                cells = slice(first, first + (q1 - q0 - 1) * phases + 1, phases)
                if phases == 1 or channels == 1:
                    out[start:stop, p, q0:q1] = rows[:, cells]
                else:  # channel by channel: long copy loops rather than C values at a time
                    for ch in range(channels):
                        out[start:stop, p, q0:q1, ch] = rows[:, cells, ch]
        else:
            out[start] = 0
        start = stop
    for p, (q0, q1, end) in enumerate(spans):
        for positions in (np.arange(0, q0), np.arange(q1, end)):
            if not positions.size:
                continue
            if padding == "zero":
                out[:, p, positions] = 0
            else:
                columns = left + col_index[positions * phases + p]
                out[:, p, positions] = out[:, columns % phases, columns // phases]
    if image3.dtype.kind == "f":
        check_finite(out)
    return out


def _phase_span(phase: int, phases: int, left: int, width: int, padded: int):
    """(first, stop) of the image's cells in a column phase, and the phase's padded length."""
    first = max(0, -(-(left - phase) // phases))
    stop = max(first, -(-(left + width - phase) // phases))
    return first, stop, max(0, -(-(padded - phase) // phases))


def padded_indices(length: int, before: int, after: int, padding) -> np.ndarray:
    """Input index of each padded cell along one axis (-1 where zero padding puts a 0)."""
    index = np.arange(length)
    if padding == "valid" or before == after == 0:
        return index
    if padding == "zero":
        return np.pad(index, (before, after), mode="constant", constant_values=-1)
    return np.pad(index, (before, after), mode=_NUMPY_MODES[padding])
