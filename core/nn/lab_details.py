"""One block of a backprop-lab pass spelled out, so the app can draw the sums the notes write.

Each function takes a block of `core.nn.backprop_lab.LabPass` (anything with its fields) and
works on copies of its arrays:

- `conv_weight_contributions`: a Conv2D's dE/dW as one term per output position (the shared
  weights collect the delta of every use, item 11 of the notes), by strided views, no loop;
- `maxpool_routing`: which input cell each max-pool output's error goes to (item 12);
- `dense_terms`: one Dense output, dE/dH entry or dE/dW entry as the products it sums;
- `activation_curve`: an activation's f and f' over a range, for drawing f'(x) on the curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core.nn import functional as F
from core.nn.layer import LAYERS

MAX_TERMS = 20_000_000
"""The most values `ConvContributions.terms` hands out at once (80 MB in float32); a larger
layer is read one filter slice at a time with `terms_for`."""


def _windows(array: np.ndarray, size: int, stride: int, out_h: int, out_w: int) -> np.ndarray:
    """Read-only view (out_h, out_w, C, size, size) of the windows of a (C, H, W) array."""
    sc, sh, sw = array.strides
    return as_strided(array, shape=(out_h, out_w, array.shape[0], size, size),
                      strides=(sh * stride, sw * stride, sc, sh, sw), writeable=False)


def _layer(block):
    """The block's class, settings checked, no weights (for its geometry)."""
    return LAYERS[block.kind].shape_only(block.config)


def _sample(block, sample: int) -> int:
    count = block.input.shape[0]
    if not 0 <= int(sample) < count:
        raise ValueError(f"sample must be 0..{count - 1}; received {sample!r}")
    return int(sample)


_VIEW_WORDS = {"contributions": "convolution", "routing": "max pooling", "terms": "Dense",
               "curve": "activation"}


def _needs(block, view: str, what: str) -> None:
    if block.lab_view != view:
        raise ValueError(f"{what} needs a {_VIEW_WORDS[view]} block; received {block.name}")


@dataclass
class ConvContributions:
    """A Conv2D's weight gradient for one sample, one term per output position p = (row, col):
    term_p = dE/dO[:, row, col] (outer) the padded input window under the kernel; the P terms
    sum to dE/dW (and dE/dO summed over positions is dE/db)."""

    positions: np.ndarray  # (P, 2) output (row, col), row-major
    patches: np.ndarray  # (P, C_in, k, k) the padded input under the kernel at each position
    grad_out: np.ndarray  # (P, C_out) dE/dO at each position
    padded_input: np.ndarray  # (C_in, H + 2 pad, W + 2 pad)
    kernel_size: int
    stride: int
    padding: int  # cells on each side
    output_size: tuple[int, int]  # (Ho, Wo)

    @property
    def count(self) -> int:
        """P, the number of positions (36 for 9x9, pad 2, 3x3, stride 2)."""
        return int(self.positions.shape[0])

    @property
    def terms(self) -> np.ndarray:
        """Every term, (P, C_out, C_in, k, k): P * C_out * C_in * k * k values (at most
        MAX_TERMS; ValueError beyond, then use `terms_for`)."""
        size = self.grad_out.size * self.patches[0].size
        if size > MAX_TERMS:
            raise ValueError(f"the layer has {size:,} weight-gradient terms, more than "
                             f"{MAX_TERMS:,} at once; take one filter slice with terms_for")
        return np.einsum("po,pcij->pocij", self.grad_out, self.patches)

    def terms_for(self, out_channel: int, in_channel: int) -> np.ndarray:
        """The P terms of one filter's slice over one input channel, (P, k, k)."""
        return self.grad_out[:, out_channel, None, None] * self.patches[:, in_channel]

    def running_sums(self, out_channel: int, in_channel: int) -> np.ndarray:
        """Sum of the first 1, 2, ..., P terms of one slice, (P, k, k); the last is dE/dW's."""
        return np.cumsum(self.terms_for(out_channel, in_channel), axis=0)

    def total(self) -> np.ndarray:
        """The sum of every term, (C_out, C_in, k, k): this sample's dE/dW."""
        return np.einsum("po,pcij->ocij", self.grad_out, self.patches)

    def input_window(self, p: int) -> tuple[int, int, int, int]:
        """(row0, col0, row1, col1), row1 and col1 excluded, of position p's window in
        padded-input coordinates (subtract `padding` for the unpadded input)."""
        row, col = (int(v) * self.stride for v in self.positions[p])
        return row, col, row + self.kernel_size, col + self.kernel_size


def conv_weight_contributions(block, sample: int = 0) -> ConvContributions:
    """For a Conv2D block: each output position's contribution to dE/dW for one sample (they
    sum to grad_params['weight'] when the pass had that one sample)."""
    _needs(block, "contributions", "conv_weight_contributions")
    sample = _sample(block, sample)
    layer = _layer(block)
    k, stride, pad = layer.kernel_size, layer.stride, layer.pad
    padded = F.pad2d(block.input[sample:sample + 1], pad)[0]
    grad = block.grad_output[sample]
    out_c, out_h, out_w = grad.shape
    count = out_h * out_w
    patches = _windows(padded, k, stride, out_h, out_w).reshape(count, padded.shape[0], k, k)
    rows, cols = np.divmod(np.arange(count), out_w)
    return ConvContributions(
        positions=np.stack([rows, cols], axis=1), patches=patches.copy(),
        grad_out=np.ascontiguousarray(grad.reshape(out_c, count).T), padded_input=padded.copy(),
        kernel_size=k, stride=stride, padding=pad, output_size=(out_h, out_w))


@dataclass
class PoolRouting:
    """Where a max pool sent each output's error for one sample: to the window's arg-max cell
    (the first one in reading order on a tie, as the engine does), zeros elsewhere."""

    sources: np.ndarray  # (C, Ho, Wo, 2) input (row, col) that held each window's maximum
    windows: np.ndarray  # (Ho, Wo, 4) (row0, col0, row1, col1) of each window, ends excluded
    input: np.ndarray  # (C, H, W)
    output: np.ndarray  # (C, Ho, Wo)
    grad_output: np.ndarray  # (C, Ho, Wo) dE/dO
    grad_input: np.ndarray  # (C, H, W) dE/dH: each dE/dO added at its source cell
    size: int
    stride: int


def maxpool_routing(block, sample: int = 0) -> PoolRouting:
    """For a MaxPool block: every output cell's arg-max input cell, which receives its error."""
    _needs(block, "routing", "maxpool_routing")
    sample = _sample(block, sample)
    layer = _layer(block)
    size, stride = layer.size, layer.step
    x, grad = block.input[sample], block.grad_output[sample]
    channels, out_h, out_w = grad.shape
    flat = _windows(x, size, stride, out_h, out_w).reshape(out_h, out_w, channels, size * size)
    first = flat.argmax(axis=3).transpose(2, 0, 1)  # (C, Ho, Wo), first maximum in reading order
    top = np.arange(out_h)[:, None] * stride
    left = np.arange(out_w)[None, :] * stride
    rows, cols = top + first // size, left + first % size
    grad_input = np.zeros_like(x)
    channel = np.arange(channels)[:, None, None]
    np.add.at(grad_input, (np.broadcast_to(channel, rows.shape), rows, cols), grad)
    windows = np.stack(np.broadcast_arrays(top, left, top + size, left + size), axis=2)
    return PoolRouting(sources=np.stack([rows, cols], axis=3), windows=windows, input=x.copy(),
                       output=block.output[sample].copy(), grad_output=grad.copy(),
                       grad_input=grad_input, size=size, stride=stride)


@dataclass
class DenseTerms:
    """One Dense entry as the products it sums, for one sample (i = out_index, j = in_index):
    forward O_i = sum_j w_ij h_j + b_i; backward dE/dH_j = sum_i dE/dO_i w_ij;
    weight dE/dW_ij = dE/dO_i h_j (this sample's share)."""

    out_index: int
    in_index: int | None
    forward_products: np.ndarray  # (F_in,) w_ij h_j over j
    bias: float  # b_i
    output: float  # O_i
    grad_output: float  # dE/dO_i
    backward_products: np.ndarray | None  # (F_out,) dE/dO_i w_ij over i; None without in_index
    grad_input: float | None  # dE/dH_j
    grad_weight: float | None  # dE/dO_i h_j
    grad_weight_matrix: np.ndarray  # (F_out, F_in) dE/dO (outer) h, this sample's dE/dW


def dense_terms(block, sample: int, out_index: int, in_index: int | None = None) -> DenseTerms:
    """For a Dense block, the products w_ij * h_j (forward) and dE/dO_i * w_ij (backward) that
    one chosen output i and input j are the sums of."""
    _needs(block, "terms", "dense_terms")
    sample = _sample(block, sample)
    weight, bias = block.params["weight"], block.params["bias"]
    h, grad = block.input[sample], block.grad_output[sample]
    out_features, in_features = weight.shape
    if not 0 <= int(out_index) < out_features:
        raise ValueError(f"out_index must be 0..{out_features - 1}; received {out_index!r}")
    if in_index is not None and not 0 <= int(in_index) < in_features:
        raise ValueError(f"in_index must be 0..{in_features - 1}; received {in_index!r}")
    i = int(out_index)
    j = None if in_index is None else int(in_index)
    return DenseTerms(
        out_index=i, in_index=j, forward_products=weight[i] * h, bias=float(bias[i]),
        output=float(block.output[sample, i]), grad_output=float(grad[i]),
        backward_products=None if j is None else grad * weight[:, j],
        grad_input=None if j is None else float(block.grad_input[sample, j]),
        grad_weight=None if j is None else float(grad[i] * h[j]),
        grad_weight_matrix=np.outer(grad, h))


@dataclass
class ActivationCurve:
    """An activation's curve and slope on a grid, for drawing f'(x) on f."""

    x: np.ndarray  # (points,)
    value: np.ndarray  # f(x)
    derivative: np.ndarray  # f'(x)


def activation_curve(block, points: int = 201, *, low: float | None = None,
                     high: float | None = None) -> ActivationCurve:
    """f and f' of an activation block over [low, high] (by default -4..4, widened to take in
    every input value of the pass), computed by the block itself."""
    _needs(block, "curve", "activation_curve")
    if points < 2:
        raise ValueError(f"points must be at least 2; received {points!r}")
    layer = LAYERS[block.kind].from_config(block.config, dtype=np.float64)
    low = min(-4.0, float(block.input.min())) if low is None else float(low)
    high = max(4.0, float(block.input.max())) if high is None else float(high)
    x = np.linspace(low, high, int(points))[None]
    value = layer.forward(x, False, record=False, check=False)[0]
    return ActivationCurve(x=x[0], value=value, derivative=layer.local_derivative(x)[0])
