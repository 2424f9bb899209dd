"""Gradient directions as colours: hue = direction, value = magnitude; and the matching legend.

Convention (the same as `core.image.filtering.sobel`): angle 0 points right (+x), positive
angles point down (+y, image rows); hue goes round the colour circle with the angle (red = 0,
pointing right).
"""

from __future__ import annotations

import numpy as np


def hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB; inputs in [0, 1] of the same shape S, returns float32 S + (3,)."""
    hue = np.mod(hue, 1.0) * 6.0
    sector = np.floor(hue).astype(np.int64) % 6
    frac = hue - np.floor(hue)
    p = value * (1 - saturation)
    q = value * (1 - saturation * frac)
    t = value * (1 - saturation * (1 - frac))
    choices_r = [value, q, p, p, t, value]
    choices_g = [t, value, value, q, p, p]
    choices_b = [p, p, t, value, value, q]
    rgb = [np.choose(sector, c) for c in (choices_r, choices_g, choices_b)]
    return np.stack(rgb, axis=-1).astype(np.float32)


def angle_to_rgb(magnitude, angle) -> np.ndarray:
    """uint8 (H, W, 3): hue from `angle` (radians), value = magnitude / max(magnitude).

    magnitude and angle are (H, W) arrays of the same shape; a zero image gives black.
    """
    magnitude = np.asarray(magnitude, np.float64)
    angle = np.asarray(angle, np.float64)
    if magnitude.shape != angle.shape or magnitude.ndim != 2:
        raise ValueError(
            f"magnitude and angle must be (H, W) arrays of one shape; received {magnitude.shape} "
            f"and {angle.shape}"
        )
    top = float(np.max(magnitude)) if magnitude.size else 0.0
    value = np.clip(magnitude / top, 0, 1) if top > 0 else np.zeros_like(magnitude)
    rgb = hsv_to_rgb(angle / (2 * np.pi), np.ones_like(value), value)
    return np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)


def angle_legend(size: int = 128) -> np.ndarray:
    """uint8 (size, size, 3) colour wheel: hue = direction from the centre, brightness = radius.

    Pixels outside the circle are black. Uses the same convention as `angle_to_rgb`.
    """
    if int(size) < 2:
        raise ValueError(f"size must be at least 2; received {size!r}")
    size = int(size)
    centre = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) - centre
    radius = np.hypot(x, y) / (size / 2)
    value = np.where(radius <= 1, radius, 0.0)
    return angle_to_rgb(value, np.arctan2(y, x))
