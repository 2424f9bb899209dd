"""What one filter-studio run computes, as a plain function of its request (a background job).

`run_filter(request, progress, should_stop)` calls `apply_kernel`, `neighbourhood` or `sobel`
(all three report `progress(fraction)` and stop with `core.jobs.Cancelled`) and prepares what the
views show: the raw float32 result, a uint8 display image at full resolution (for saving and
copying) and a possibly subsampled one for the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from core.files.images import to_uint8
from core.image.filtering import (
    angle_to_rgb,
    apply_kernel,
    neighbourhood,
    output_size,
    pad_amounts,
    sobel,
)
from core.image.kernels import Kernel
from core.jobs import check_stop

DISPLAY_MAX = 2048
"""Longest side drawn on screen; bigger results are subsampled for display only."""


PER_CHANNEL_SWITCH = "Per colour channel"
"""The kernel editor's check box that makes a kernel per-channel (named in messages)."""


class NeedsColourImage(ValueError):
    """A per-channel kernel met a grey image: switching off per-channel mode fixes it."""


@dataclass(frozen=True)
class FilterRequest:
    """Everything a run needs; `view` is "kernel", "magnitude" or "angle" (Sobel views)."""

    image: np.ndarray
    kernel: Kernel
    padding: str = "zero"
    pad_width: int | None = None
    stride: int = 1
    mode: str = "correlate"
    function: str = "sum"
    view: str = "kernel"
    scale: str = "clip"

    def check(self) -> tuple[int, int]:
        """The output (h, w); raises ValueError (a message for the user) if it cannot be made."""
        kh, kw = self.kernel.values.shape[:2]
        if self.kernel.values.ndim == 3 and (self.image.ndim != 3
                                             or self.image.shape[2] != self.kernel.values.shape[2]):
            raise NeedsColourImage(
                "a per-channel kernel needs a colour (RGB) image and this image is grey. "
                f"Switch off '{PER_CHANNEL_SWITCH}' under the kernel (one kernel for the grey "
                "channel) or open a colour image."
            )
        if self.view != "kernel":
            return self.image.shape[:2]
        return output_size(self.image.shape[:2], (kh, kw), padding=self.padding,
                           pad_width=self.pad_width, stride=self.stride)


@dataclass
class FilterOutput:
    """raw: float32 (h, w[, C]); display: uint8 for the screen, subsampled for big results;
    `full_display`: uint8 (h, w[, 3]) at full resolution, made when first asked for (saving,
    copying). (y0, x0, stride) place output pixels on the input (`image_views.ResultPlacement`).
    """

    request: FilterRequest
    raw: np.ndarray
    display: np.ndarray
    title: str
    y0: float
    x0: float
    stride: int
    magnitude: np.ndarray | None = None  # the Sobel angle view's brightness
    _full_display: np.ndarray | None = field(default=None, repr=False)

    @property
    def full_display(self) -> np.ndarray:
        if self._full_display is None:
            self._full_display = display_image(self.raw, self.request, self.magnitude)
        return self._full_display


def display_image(raw: np.ndarray, request: FilterRequest,
                  magnitude: np.ndarray | None = None) -> np.ndarray:
    """uint8 pixels for `raw` as the request's view and scale show it."""
    if request.view == "angle":
        return angle_to_rgb(stretched_magnitude(magnitude), raw)
    return to_uint8(raw, scale=request.scale)


def subsample_step(shape: tuple[int, ...], limit: int = DISPLAY_MAX) -> int:
    """Every how many pixels to keep so that the longest side is at most `limit`."""
    return max(1, math.ceil(max(shape[:2]) / limit))


def stretched_magnitude(magnitude: np.ndarray, percentile: float = 99.0) -> np.ndarray:
    """Magnitude clipped at its `percentile` so that ordinary edges show, not only the strongest
    (display scaling for the angle view)."""
    top = float(np.percentile(magnitude, percentile)) if magnitude.size else 0.0
    return np.minimum(magnitude, top) if top > 0 else magnitude


def run_filter(request: FilterRequest, progress, should_stop) -> FilterOutput:
    """Compute the request's result; raises `core.jobs.Cancelled` when stopped."""
    image, kernel = request.image, request.kernel
    kh, kw = kernel.values.shape[:2]
    stride = request.stride
    if request.view in ("magnitude", "angle"):
        magnitude, angle = sobel(image, progress=progress, should_stop=should_stop)
        if request.view == "magnitude":
            raw, magnitude = magnitude, None
            title = "Sobel magnitude √(Gx²+Gy²)"
        else:
            raw = angle
            title = "Sobel angle atan2(Gy, Gx), radians"
        y0 = x0 = 0.0
        stride = 1
    else:
        options = {"padding": request.padding, "pad_width": request.pad_width, "stride": stride}
        if request.function == "sum":
            raw = apply_kernel(image, kernel, mode=request.mode, progress=progress,
                               should_stop=should_stop, **options)
            kind = "convolution" if request.mode == "convolve" else "correlation"
            title = f"{kernel.name} ({kind})"
        else:
            raw = neighbourhood(image, (kh, kw), request.function, progress=progress,
                                should_stop=should_stop, **options)
            title = f"{request.function} of {kh}x{kw} neighbourhood"
        magnitude = None
        top, _, left, _ = pad_amounts((kh, kw), request.padding, request.pad_width)
        y0 = kh / 2 - top - stride / 2
        x0 = kw / 2 - left - stride / 2
    check_stop(should_stop, "filtering")
    # The screen shows every step-th pixel of a big result (scaled on that subsample).
    step = subsample_step(raw.shape)
    shown_magnitude = None if magnitude is None else magnitude[::step, ::step]
    display = np.ascontiguousarray(display_image(raw[::step, ::step], request, shown_magnitude))
    output = FilterOutput(request, raw, display, title, y0, x0, stride, magnitude)
    if step == 1:
        output._full_display = display
    return output
