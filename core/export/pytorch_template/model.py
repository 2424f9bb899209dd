"""The network "reference", exported from Playground as a torch.nn.Module.

    import model
    net = model.load()                       # the network with the weights of weights.npz
    probabilities = net.predict(model.prepare(images))

`images` are float32 (N, C, H, W) in 0..1 (sequences: (N, T, F)); `prepare` standardises them
as in training. `forward` gives the logits (train with nn.CrossEntropyLoss on them); `predict`
applies the softmax. One attribute per block of the network, named after its card.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
NAME = "reference"  # @name
INPUT_SHAPE = (1, 28, 28)  # @input_shape
CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]  # @classes
MEAN = None  # @mean
STD = None  # @std
FROZEN = {}  # @frozen
"""state_dict name -> leading rows (filters) that training keeps as they are."""


# @begin rows
class Rows(nn.Module):
    """Reads maps row by row: (N, C, H, W) becomes H steps of C x W values, (N, H, C * W)."""

    def forward(self, x):
        return x.permute(0, 2, 1, 3).flatten(2)


# @end rows
class Network(nn.Module):
    def __init__(self):
        super().__init__()
        # @begin blocks
        self.dense1 = nn.Linear(784, 10)
        # @end blocks

    def forward(self, x):
        """The logits (N, classes) for a batch x (N, *INPUT_SHAPE)."""
        # @begin forward
        x = self.dense1(x)
        # @end forward
        return x

    def predict(self, x):
        """Class probabilities (N, classes), without gradients."""
        with torch.no_grad():
            return torch.softmax(self.forward(x), dim=1)


def prepare(images):
    """Images in 0..1 as a float32 tensor, standardised with the mean and std of training."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if MEAN is None:
        return x
    shape = (-1,) + (1,) * (len(INPUT_SHAPE) - 1)
    mean = torch.tensor(MEAN, dtype=torch.float32).reshape(shape)
    std = torch.tensor(STD, dtype=torch.float32).reshape(shape)
    return (x - mean) / std


def read_weights(path=HERE / "weights.npz") -> dict:
    """The state_dict saved as plain arrays in an .npz (never a pickle)."""
    with np.load(path, allow_pickle=False) as arrays:
        return {name: torch.from_numpy(np.array(arrays[name], dtype=np.float32))
                for name in arrays.files}


def load(path=HERE / "weights.npz") -> Network:
    """The network with the weights saved at `path` (weights.npz, or a checkpoint.npz that
    train.py wrote), ready for evaluation."""
    net = Network()
    net.load_state_dict(read_weights(path))
    return net.eval()
