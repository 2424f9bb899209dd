"""The backprop lab's numbers against PyTorch's autograd: the same weights and input give the same
output, dE/dO, dE/dH and dE/dW at every block, and the same loss after one SGD step."""

import json

import numpy as np
import pytest

from core.nn.backprop_lab import run_lab_pass
from core.nn.model import Sequential
from core.resources import resource_path

torch = pytest.importorskip("torch")
nn = torch.nn

ALPHA = 0.3


class _Rows(nn.Module):
    def forward(self, x):
        n, c, h, w = x.shape
        return x.permute(0, 2, 1, 3).reshape(n, h, c * w)


class _Recurrent(nn.Module):
    def __init__(self, cell, sequences):
        super().__init__()
        self.cell, self.sequences = cell, sequences

    def forward(self, x):
        states = self.cell(x)[0]
        return states if self.sequences else states[:, -1]


def torch_block(layer):
    """The PyTorch module computing what `layer` computes (test code may name classes)."""
    kind, c = type(layer).__name__, layer.config()
    if kind == "Conv2D":
        return nn.Conv2d(c["in_channels"], c["out_channels"], c["kernel_size"],
                         stride=c["stride"], padding=layer.pad)
    if kind == "Dense":
        return nn.Linear(c["in_features"], c["out_features"])
    if kind in ("MaxPool2D", "AvgPool2D"):
        return getattr(nn, kind.replace("2D", "2d"))(c["size"], layer.step)
    if kind in ("RNN", "LSTM"):
        options = {"nonlinearity": c["nonlinearity"]} if kind == "RNN" else {}
        cell = getattr(nn, kind)(c["input_size"], c["hidden_size"], batch_first=True, **options)
        return _Recurrent(cell, c["return_sequences"])
    if kind == "LeakyReLU":
        return nn.LeakyReLU(c["negative_slope"])
    return {"Flatten": nn.Flatten, "Rows": _Rows, "ReLU": nn.ReLU, "Sigmoid": nn.Sigmoid,
            "Tanh": nn.Tanh, "Softplus": nn.Softplus}[kind]()


def torch_twin(model):
    """The network in PyTorch, float64, with the engine's weights."""
    blocks = [torch_block(layer).double() for layer in model.layers]
    with torch.no_grad():
        for layer, block in zip(model.layers, blocks, strict=True):
            for name, value in layer.params.items():
                target = block.cell if isinstance(block, _Recurrent) else block
                getattr(target, name if hasattr(target, name) else f"{name}_l0").copy_(
                    torch.from_numpy(value))
    return blocks


def torch_pass(blocks, x, labels):
    """(loss, per block (input, output) tensors with their grads) after backward."""
    seen, out = [], torch.tensor(x, requires_grad=True)
    for block in blocks:
        given = out
        out = block(given)
        out.retain_grad()
        seen.append((given, out))
    loss = nn.functional.cross_entropy(out, torch.from_numpy(labels))
    loss.backward()
    return loss, seen


def named_grads(block):
    target = block.cell if isinstance(block, _Recurrent) else block
    return {name.removesuffix("_l0"): p.grad.numpy() for name, p in target.named_parameters()}


@pytest.mark.parametrize("name", ["chain_sigmoid", "tiny_cnn_9x9", "reference",
                                  "rnn_first_symbol", "rnn_digits", "lstm_digits"])
def test_the_lab_pass_matches_pytorch_autograd(name):
    spec = json.loads(resource_path("models", f"{name}.json").read_text())
    model = Sequential.from_spec(spec, seed=2, dtype=np.float64)
    rng = np.random.default_rng(3)
    for layer in model.layers:
        for key, value in layer.params.items():
            if "bias" in key:
                value[...] = 0.1 * rng.standard_normal(value.shape)
    x = rng.random((2, *model.input_shape))
    labels = rng.integers(0, model.output_shape[0], 2)
    lab = run_lab_pass(model, x, labels, alpha=ALPHA)
    blocks = torch_twin(model)
    loss, seen = torch_pass(blocks, x, labels)
    assert lab.loss == pytest.approx(loss.item(), rel=1e-10)
    assert len(lab.blocks) == len(blocks)
    for block, theirs, (given, out) in zip(lab.blocks, blocks, seen, strict=True):
        close = {"rtol": 1e-7, "atol": 1e-10, "err_msg": block.name}
        np.testing.assert_allclose(block.output, out.detach().numpy(), **close)
        np.testing.assert_allclose(block.grad_output, out.grad.numpy(), **close)
        np.testing.assert_allclose(block.grad_input, given.grad.numpy(), **close)
        grads = named_grads(theirs)
        assert set(block.grad_params) == set(grads), block.name
        for key, grad in grads.items():
            np.testing.assert_allclose(block.grad_params[key], grad, **close)
            np.testing.assert_allclose(block.update[key], -ALPHA * grad, **close)
    with torch.no_grad():
        for theirs in blocks:
            for p in theirs.parameters():
                p -= ALPHA * p.grad
    after, _ = torch_pass(blocks, x, labels)
    assert lab.loss_after == pytest.approx(after.item(), rel=1e-9)
