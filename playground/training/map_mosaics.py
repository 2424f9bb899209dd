"""Feature maps laid out for the eye (no Qt): mosaics of maps, one colour scale per stage, which
tile is where, and which convolution filter made a map.

A stage is a convolution and the activation and pooling blocks after it: they keep its channels,
so channel c of each is the work of the convolution's filter c.
"""

from __future__ import annotations

import math

import numpy as np

SEPARATOR = np.array([40, 60, 110], dtype=np.uint8)
GRID = np.array([150, 150, 150], dtype=np.uint8)  # between coloured maps: no colour of the scale
EMPTY = np.array([255, 255, 255], dtype=np.uint8)  # the unused places of the last row
MAP_KINDS = ("convolution", "activation", "pooling")
"""Blocks whose (C, H, W) outputs are shown as maps."""
PASS_CHANNELS = ("activation", "pooling", "regularisation")
"""Blocks whose channel c comes from channel c of their input."""
NEGATIVE = (33, 102, 172)  # blue
ZERO = (247, 247, 247)  # near white
POSITIVE = (178, 24, 43)  # red
PALETTE = (NEGATIVE, ZERO, POSITIVE)


def grid_columns(count: int) -> int:
    """Columns of a near-square mosaic of `count` maps (8 maps: 3 x 3 with one empty)."""
    return max(1, math.ceil(math.sqrt(count)))


def _layout(maps: np.ndarray, columns: int, fill) -> tuple[np.ndarray, int]:
    count, height, width = maps.shape
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    mosaic = np.empty((rows * (height + 1) - 1, columns * (width + 1) - 1, 3), dtype=np.uint8)
    mosaic[:] = fill
    return mosaic, columns


def tile_maps(maps: np.ndarray, columns: int = 8) -> np.ndarray:
    """(C, H, W) maps -> uint8 (rows*(H+1)-1, cols*(W+1)-1, 3) grey mosaic; each map stretched to
    its own range, separated by 1-pixel lines."""
    maps = np.asarray(maps, dtype=np.float32)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    scaled = np.divide(maps - low, span, out=np.zeros_like(maps), where=span > 0)
    return _place(np.repeat((scaled * 255).astype(np.uint8)[..., None], 3, axis=3), columns,
                  SEPARATOR)


def _place(tiles: np.ndarray, columns: int, separator: np.ndarray) -> np.ndarray:
    """(C, H, W, 3) uint8 tiles -> their mosaic with separator lines."""
    count, height, width = tiles.shape[:3]
    mosaic, columns = _layout(tiles[..., 0], columns, separator)
    used = count - (-(-count // columns) - 1) * columns  # maps in the last row
    if used < columns:
        mosaic[-height:, used * (width + 1) - 1:] = EMPTY
    for index in range(count):
        r, c = divmod(index, columns)
        top, left = r * (height + 1), c * (width + 1)
        mosaic[top : top + height, left : left + width] = tiles[index]
    return mosaic


def colour(values: np.ndarray, limit: float) -> np.ndarray:
    """Values -> uint8 RGB on one signed scale: -limit blue, 0 white, +limit red (clipped)."""
    t = np.clip(np.asarray(values, dtype=np.float32) / max(limit, 1e-12), -1.0, 1.0)
    anchors = np.array([-1.0, 0.0, 1.0], dtype=np.float32)
    channels = [np.interp(t, anchors, [c[i] for c in PALETTE]) for i in range(3)]
    return np.stack(channels, axis=-1).round().astype(np.uint8)


def colour_mosaic(maps: np.ndarray, limit: float, columns: int | None = None) -> np.ndarray:
    """(C, H, W) maps -> uint8 RGB mosaic, every map on the same scale (`colour`), so that maps
    and stages can be compared; `columns` defaults to a near-square grid."""
    maps = np.asarray(maps, dtype=np.float32)
    maps = np.nan_to_num(maps, nan=0.0, posinf=limit, neginf=-limit)
    return _place(colour(maps, limit), columns or grid_columns(len(maps)), GRID)


def stage_limit(outputs: list[np.ndarray]) -> float:
    """The largest |value| among a stage's maps (its colour scale runs -limit..+limit)."""
    peaks = [float(np.max(np.abs(o))) for o in outputs if o.size and np.isfinite(o).any()]
    return max([p for p in peaks if math.isfinite(p)] + [0.0])


def tile_origin(index: int, columns: int, height: int, width: int) -> tuple[int, int]:
    """(left, top) in mosaic pixels of map `index`."""
    r, c = divmod(index, columns)
    return c * (width + 1), r * (height + 1)


def tile_at(x: float, y: float, count: int, columns: int, height: int, width: int) -> int | None:
    """The map under mosaic position (x, y) (pixels, x across), or None (a separator or
    outside)."""
    if x < 0 or y < 0:
        return None
    c, dx = divmod(int(x), width + 1)
    r, dy = divmod(int(y), height + 1)
    index = r * columns + c
    if c >= columns or dx >= width or dy >= height or index >= count:
        return None
    return index


def map_stages(layers, shapes) -> list[list[int]]:
    """Block indices whose maps are shown, grouped in stages: a new stage at each convolution
    (or at the first shown block). `layers`: the blocks; `shapes`: each one's output shape
    without the batch."""
    stages: list[list[int]] = []
    for index, (layer, shape) in enumerate(zip(layers, shapes, strict=True)):
        kind = getattr(layer, "KIND", "")
        if kind not in MAP_KINDS or len(shape) != 3:
            continue
        if kind == "convolution" or not stages:
            stages.append([])
        stages[-1].append(index)
    return stages


def source_convolution(layers, index: int) -> int | None:
    """The convolution whose filters made the channels of block `index`'s output (itself, or
    the last one before it through blocks that keep channels), or None."""
    while index >= 0:
        kind = getattr(layers[index], "KIND", "")
        if kind == "convolution":
            return index
        if kind not in PASS_CHANNELS:
            return None
        index -= 1
    return None
