"""What one filter-studio run computes, as a plain function of its request (a background job).

`run_filter(request, progress, should_stop)` calls `apply_kernel`, `neighbourhood` or `sobel`
(all three report `progress(fraction)` and stop with `core.jobs.Cancelled`) and prepares what the
views show: the raw float32 result, a uint8 display image at full resolution (for saving and
copying) and a possibly subsampled one for the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from core.files.images import to_uint8
from core.image.filtering import (
    PADDING_MODES,
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


MODES = ("correlate", "convolve")
FUNCTIONS = ("sum", "median", "min", "max")
"""A weighted sum uses the kernel's weights; the others only its size."""


@dataclass(frozen=True)
class Geometry:
    """How the kernel walks over the image: padding (one of `PADDING_MODES`), pad width (None:
    half the kernel, keeping the size), stride, correlation or convolution, and the function of
    each neighbourhood. A pad width typed before choosing "valid" is kept (and ignored)."""

    padding: str = "zero"
    pad_width: int | None = None
    stride: int = 1
    mode: str = "correlate"
    function: str = "sum"

    def __post_init__(self) -> None:
        for name, value, allowed in (("padding", self.padding, PADDING_MODES),
                                     ("mode", self.mode, MODES),
                                     ("function", self.function, FUNCTIONS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; received {value!r}")
        if int(self.stride) != self.stride or self.stride < 1:
            raise ValueError(f"stride must be a whole number of at least 1; received {self.stride}")
        if self.pad_width is not None and (int(self.pad_width) != self.pad_width
                                           or self.pad_width < 0):
            raise ValueError(f"pad width must be a whole number of at least 0 or None (half the "
                             f"kernel); received {self.pad_width}")

    def effective(self) -> Geometry:
        """The geometry as it is applied: no pad width with "valid" padding."""
        return replace(self, pad_width=None) if self.padding == "valid" else self

    def core_options(self) -> dict:
        """Keyword arguments for `core.image.filtering` calls."""
        return {"padding": self.padding, "pad_width": self.effective().pad_width,
                "stride": self.stride}

    def carried_over(self) -> str:
        """"stride 2, pad width 3": the settings a new image or kernel would not expect
        ("" when stride and pad width are the defaults)."""
        parts = [f"stride {self.stride}"] if self.stride != 1 else []
        pad = self.effective().pad_width
        if pad is not None:
            parts.append(f"pad width {pad}")
        return ", ".join(parts)


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

    @classmethod
    def of(cls, image: np.ndarray, kernel: Kernel, geometry: Geometry, view: str = "kernel",
           scale: str = "clip") -> FilterRequest:
        """The request for `image` and `kernel` walked as `geometry` says."""
        geometry = geometry.effective()
        return cls(image, kernel, geometry.padding, geometry.pad_width, geometry.stride,
                   geometry.mode, geometry.function, view, scale)

    @property
    def geometry(self) -> Geometry:
        return Geometry(self.padding, self.pad_width, self.stride, self.mode, self.function)

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


def rescale(output: FilterOutput, scale: str) -> FilterOutput:
    """The same result shown with another display `scale` ("clip", "normalize", "abs"): only the
    uint8 display is made anew, the float result is re-used."""
    request = replace(output.request, scale=scale)
    step = subsample_step(output.raw.shape)
    shown_magnitude = None if output.magnitude is None else output.magnitude[::step, ::step]
    display = np.ascontiguousarray(display_image(output.raw[::step, ::step], request,
                                                 shown_magnitude))
    rescaled = FilterOutput(request, output.raw, display, output.title, output.y0, output.x0,
                            output.stride, output.magnitude)
    if step == 1:
        rescaled._full_display = display
    return rescaled
