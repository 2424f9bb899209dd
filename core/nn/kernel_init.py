"""Seed Conv2D filters with hand-made kernels (Sobel, Gaussian, the user's own).

A spec layer entry may carry, beside its config,
`"init": {"kernels": [{"name": "Sobel x", "values": [[...], ...]}, ...]}`: one 2-D kernel per
output filter, in order, applied to every input channel. `apply_kernel_init` copies them into a
built `Sequential`. `"init": {"kernels": [...], "freeze": true}` keeps exactly the seeded filters
(the first k) as they are while the others learn; `"trainable": false` in the config freezes the
whole block.
"""

from __future__ import annotations

import numpy as np


def fit_kernel(values, size: int) -> np.ndarray:
    """A 2-D kernel (kh, kw) made (size, size): centred, cropped or zero-padded. float64.

    Raises ValueError for values that are not a finite 2-D array of numbers.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("kernel values must be nested lists of numbers") from None
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"a seed kernel must be 2-D (rows of numbers); received shape "
                         f"{array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("kernel values must be finite numbers (no NaN or infinity)")
    size = int(size)
    if size < 1:
        raise ValueError(f"kernel size must be >= 1; received {size}")
    out = np.zeros((size, size), dtype=np.float64)
    h, w = array.shape
    # Crop or pad around the centre: source rows [s0, s0 + n) go to target rows [t0, t0 + n).
    rows = _centred_overlap(h, size)
    cols = _centred_overlap(w, size)
    out[rows[1]:rows[1] + rows[2], cols[1]:cols[1] + cols[2]] = (
        array[rows[0]:rows[0] + rows[2], cols[0]:cols[0] + cols[2]])
    return out


def _centred_overlap(source: int, target: int) -> tuple[int, int, int]:
    """(source start, target start, length) aligning the centres of two lengths."""
    if source >= target:
        return (source - target) // 2, 0, target
    return 0, (target - source) // 2, source


def seed_weights(weight: np.ndarray, bias: np.ndarray | None, kernels: list) -> None:
    """Write kernels into a Conv2D weight (out, in, k, k) in place: filter j gets kernel j on every
    input channel, and its bias becomes 0. Raises ValueError when there are more kernels than
    filters or a kernel is not a 2-D array of numbers."""
    out_channels, _, k, k2 = weight.shape
    if k != k2:
        raise ValueError(f"seed kernels need square filters; the weight is {k}x{k2}")
    if len(kernels) > out_channels:
        raise ValueError(f"{len(kernels)} seed kernels for {out_channels} filters; "
                         f"remove {len(kernels) - out_channels} or add filters")
    for j, kernel in enumerate(kernels):
        values = kernel.get("values") if isinstance(kernel, dict) else kernel
        name = kernel.get("name", f"kernel {j + 1}") if isinstance(kernel, dict) else f"#{j + 1}"
        try:
            fitted = fit_kernel(values, k)
        except ValueError as error:
            raise ValueError(f"seed kernel {name!r}: {error}") from None
        weight[j, :, :, :] = fitted.astype(weight.dtype)[None, :, :]
        if bias is not None:
            bias[j] = 0


def frozen_filter_count(entry) -> int:
    """How many filters a spec layer entry freezes through `"init": {"freeze": true}`: its seed
    kernels (0 without seeds or freeze). Raises ValueError when "freeze" is not true or false."""
    init = entry.get("init") if isinstance(entry, dict) else None
    if not isinstance(init, dict):
        return 0
    freeze = init.get("freeze", False)
    if not isinstance(freeze, bool):
        raise ValueError(f"init.freeze must be true or false; received {freeze!r}")
    kernels = init.get("kernels", [])
    return len(kernels) if freeze and isinstance(kernels, list) else 0


def apply_kernel_init(model, spec: dict) -> int:
    """Copy the seed kernels of `spec["layers"][i]["init"]` into `model.layers[i]` (a Conv2D built
    by `Sequential.from_spec(spec)`) and mark the first ones frozen when `init.freeze` is true.
    Returns the number of filters seeded.

    Raises ValueError naming the block when seeds sit on a block without a 4-D weight, or do not
    fit it.
    """
    seeded = 0
    layers = spec.get("layers", [])
    if len(layers) != len(model.layers):
        raise ValueError(f"the spec has {len(layers)} blocks but the model {len(model.layers)}")
    for index, (entry, layer) in enumerate(zip(layers, model.layers, strict=True)):
        init = entry.get("init") if isinstance(entry, dict) else None
        if not init:
            continue
        kernels = init.get("kernels", []) if isinstance(init, dict) else None
        if not isinstance(kernels, list):
            raise ValueError(f"block {index} ({entry.get('class')}): init.kernels must be "
                             "a list of {name, values}")
        weight = getattr(layer, "params", {}).get("weight")
        if weight is None or weight.ndim != 4:
            raise ValueError(f"block {index} ({entry.get('class')}) has no filters to seed; "
                             "seed kernels only go on Conv2D blocks")
        try:
            seed_weights(weight, layer.params.get("bias"), kernels)
            layer.frozen_filters = frozen_filter_count(entry)
        except ValueError as error:
            raise ValueError(f"block {index} ({entry.get('class')}): {error}") from None
        seeded += len(kernels)
    return seeded
