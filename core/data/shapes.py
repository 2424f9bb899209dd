"""Generated shapes: a data set that trains in seconds and shows what conv filters learn.

Each image holds one shape (circle, square, triangle, cross, ring, star) of random size,
position and rotation, drawn anti-aliased from a signed distance evaluated on a coordinate grid
for the whole batch at once (no per-pixel loops), plus optional Gaussian noise.
"""

from __future__ import annotations

import numpy as np

from core.data.datasets import Dataset, DatasetError, make_dataset
from core.jobs import check_stop, report

SHAPE_KINDS = ("circle", "square", "triangle", "cross", "ring", "star")
DEFAULT_KINDS = ("circle", "square", "triangle", "cross")
CHUNK = 1024


def _circle(u, v):
    return np.hypot(u, v) - 1.0


def _box(u, v, half_u, half_v):
    qu, qv = np.abs(u) - half_u, np.abs(v) - half_v
    outside = np.hypot(np.maximum(qu, 0.0), np.maximum(qv, 0.0))
    return outside + np.minimum(np.maximum(qu, qv), 0.0)


def _square(u, v):
    return _box(u, v, 0.75, 0.75)


def _triangle(u, v):
    # Equilateral, circumradius 1, apex up (image rows grow downwards, hence -v).
    up = -v
    edges = [
        -up,
        np.cos(np.pi / 6) * u + np.sin(np.pi / 6) * up,
        -np.cos(np.pi / 6) * u + np.sin(np.pi / 6) * up,
    ]
    return np.maximum(np.maximum(edges[0], edges[1]), edges[2]) - 0.5


def _cross(u, v):
    return np.minimum(_box(u, v, 0.95, 0.28), _box(u, v, 0.28, 0.95))


def _ring(u, v):
    return np.abs(np.hypot(u, v) - 0.72) - 0.26


def _star(u, v):
    radius = np.hypot(u, v)
    angle = np.arctan2(v, u)
    return (radius - (0.62 + 0.38 * np.cos(5.0 * angle))) * 0.6


DISTANCES = {
    "circle": _circle,
    "square": _square,
    "triangle": _triangle,
    "cross": _cross,
    "ring": _ring,
    "star": _star,
}


def make_shapes(
    count: int,
    rng: np.random.Generator,
    *,
    kinds=DEFAULT_KINDS,
    size: int = 28,
    noise: float = 0.05,
    colour: bool = False,
    rotate: bool = True,
    progress=None,
    should_stop=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw `count` shapes, balanced over `kinds`.

    Returns images float32 (count, C, size, size) in 0..1 (C = 3 with colour, else 1) and
    labels int64 (count,) indexing `kinds`.
    """
    kinds = _check_kinds(kinds)
    labels = rng.permutation(np.arange(count) % len(kinds)).astype(np.int64)
    radius = rng.uniform(0.22, 0.42, count) * size
    centre = radius[:, None] + rng.random((count, 2)) * (size - 2 * radius)[:, None]
    angle = rng.uniform(0.0, 2 * np.pi, count) if rotate else np.zeros(count)
    channels = 3 if colour else 1
    if colour:
        foreground = rng.uniform(0.35, 1.0, (count, 3))
        background = rng.uniform(0.0, 0.25, (count, 3))
    else:
        foreground = rng.uniform(0.7, 1.0, (count, 1))
        background = rng.uniform(0.0, 0.15, (count, 1))
    images = np.empty((count, channels, size, size), dtype=np.float32)
    grid = np.arange(size, dtype=np.float64) + 0.5
    for start in range(0, count, CHUNK):
        check_stop(should_stop)
        report(progress, start, count)
        part = slice(start, min(start + CHUNK, count))
        alpha = _coverage(kinds, labels[part], centre[part], radius[part], angle[part], grid)
        fg, bg = foreground[part, :, None, None], background[part, :, None, None]
        chunk = bg + (fg - bg) * alpha[:, None, :, :]
        if noise > 0:
            chunk = chunk + noise * rng.standard_normal(chunk.shape)
        images[part] = np.clip(chunk, 0.0, 1.0)
    report(progress, count, count)
    return images, labels


def _coverage(kinds, labels, centre, radius, angle, grid) -> np.ndarray:
    """Fraction of each pixel inside its shape, (n, size, size), from signed distances."""
    dx = grid[None, None, :] - centre[:, 0, None, None]
    dy = grid[None, :, None] - centre[:, 1, None, None]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    scale = radius[:, None, None]
    u = (dx * cos + dy * sin) / scale
    v = (-dx * sin + dy * cos) / scale
    distance = np.empty(u.shape)
    for index, kind in enumerate(kinds):
        members = labels == index
        if members.any():
            distance[members] = DISTANCES[kind](u[members], v[members])
    return np.clip(0.5 - distance * scale, 0.0, 1.0)


def _check_kinds(kinds) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = [k.strip() for k in kinds.split(",") if k.strip()]
    kinds = tuple(str(k).lower() for k in kinds)
    unknown = [k for k in kinds if k not in DISTANCES]
    if unknown:
        raise DatasetError(
            f"unknown shapes {', '.join(unknown)}; choose from {', '.join(SHAPE_KINDS)}"
        )
    if len(kinds) < 2 or len(set(kinds)) != len(kinds):
        raise DatasetError(f"choose at least two different shapes; received {', '.join(kinds)}")
    return kinds


def load_shapes(
    *,
    progress=None,
    should_stop=None,
    kinds=DEFAULT_KINDS,
    size: int = 28,
    count: int = 2000,
    test_count: int | None = None,
    noise: float = 0.05,
    colour: bool = False,
    rotate: bool = True,
    seed: int = 0,
) -> tuple[Dataset, Dataset]:
    """Generated shapes as (train, test): `count` training and `test_count` test images."""
    kinds = _check_kinds(kinds)
    test_count = max(count // 4, 1) if test_count is None else int(test_count)
    if not 8 <= int(size) <= 256:
        raise DatasetError(f"size must be 8..256 pixels; received {size}")
    if int(count) < 1 or test_count < 1:
        raise DatasetError(f"count and test_count must be >= 1; received {count} and {test_count}")
    if not 0.0 <= float(noise) <= 1.0:
        raise DatasetError(f"noise must be 0..1; received {noise}")
    rng = np.random.default_rng(seed)
    total = int(count) + test_count

    def part_progress(offset):
        return None if progress is None else (lambda done, _n: progress(offset + done, total))

    options = dict(kinds=kinds, size=int(size), noise=float(noise), colour=colour, rotate=rotate)
    train_x, train_y = make_shapes(
        int(count), rng, progress=part_progress(0), should_stop=should_stop, **options
    )
    test_x, test_y = make_shapes(
        test_count, rng, progress=part_progress(int(count)), should_stop=should_stop, **options
    )
    names = list(kinds)
    return (
        make_dataset(train_x, train_y, names, "shapes (train)"),
        make_dataset(test_x, test_y, names, "shapes (test)"),
    )
