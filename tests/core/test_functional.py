"""The engine's array math against direct loop-based computations."""

import numpy as np
import pytest

from core.nn import functional as F


def loop_conv(x, w, b, stride, padding):
    """Textbook cross-correlation, one output cell at a time."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * padding, wd + 2 * padding))
    xp[:, :, padding:padding + h, padding:padding + wd] = x
    out_h = (h + 2 * padding - kh) // stride + 1
    out_w = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, o, out_h, out_w))
    for s in range(n):
        for f in range(o):
            for i in range(out_h):
                for j in range(out_w):
                    patch = xp[s, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[s, f, i, j] = (patch * w[f]).sum() + b[f]
    return out


def loop_pool(x, size, stride, reduce):
    n, c, h, w = x.shape
    out_h, out_w = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((n, c, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            out[:, :, i, j] = reduce(window.reshape(n, c, -1), axis=2)
    return out


CONV_CASES = [
    # batch, channels, filters, height, width, kernel, stride, padding
    (1, 1, 1, 5, 5, 3, 1, 0),
    (5, 3, 4, 8, 7, 3, 2, 1),
    (1, 2, 3, 9, 9, 3, 2, 2),
    (5, 2, 2, 6, 6, 2, 3, 0),
    (2, 3, 2, 7, 10, 5, 1, 2),
    (5, 1, 3, 10, 8, 4, 2, 1),
]


@pytest.mark.parametrize("n,c,o,h,w,k,stride,padding", CONV_CASES)
def test_conv_forward_matches_loop_reference(n, c, o, h, w, k, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((o, c, k, k))
    bias = rng.standard_normal(o)
    out, _ = F.conv2d_forward(x, weight, bias, stride, padding)
    np.testing.assert_allclose(out, loop_conv(x, weight, bias, stride, padding),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n,c,o,h,w,k,stride,padding", CONV_CASES)
def test_conv_float32_stays_float32_and_close(n, c, o, h, w, k, stride, padding):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    weight = rng.standard_normal((o, c, k, k)).astype(np.float32)
    bias = rng.standard_normal(o).astype(np.float32)
    out, cache = F.conv2d_forward(x, weight, bias, stride, padding)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, loop_conv(x, weight, bias, stride, padding),
                               rtol=1e-4, atol=1e-4)
    gx, gw, gb = F.conv2d_backward(np.ones_like(out), cache, weight, stride)
    assert gx.dtype == gw.dtype == gb.dtype == np.float32
    assert gx.shape == x.shape and gw.shape == weight.shape and gb.shape == bias.shape


@pytest.mark.parametrize("c,o,k,stride,padding", [
    (1, 8, 3, 1, 1),  # many filters, one channel: tap by tap
    (2, 16, 3, 1, 0),
    (4, 2, 5, 1, 2),  # few filters: row by row
    (6, 16, 5, 1, 0),
    (3, 5, 2, 1, 1),  # even kernel
    (3, 4, 3, 2, 1),  # stride 2: col2im
])
def test_conv_gradients_are_the_adjoints_of_the_forward(c, o, k, stride, padding):
    # The convolution is linear in x and in w: <conv(x), g> = <x, dE/dx> = <w, dE/dw>.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, c, 9, 8))
    weight = rng.standard_normal((o, c, k, k))
    out, cache = F.conv2d_forward(x, weight, np.zeros(o), stride, padding)
    g = rng.standard_normal(out.shape)
    gx, gw, gb = F.conv2d_backward(g, cache, weight, stride)
    total = (out * g).sum()
    np.testing.assert_allclose((x * gx).sum(), total, rtol=1e-12)
    np.testing.assert_allclose((weight * gw).sum(), total, rtol=1e-12)
    np.testing.assert_allclose(gb, g.sum(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_col2im_is_the_adjoint_of_im2col(stride):
    rng = np.random.default_rng(2)
    xp = rng.standard_normal((2, 3, 9, 8))
    im = F.im2col(xp, 3, 2, stride)
    other = rng.standard_normal(im.shape)
    back = F.col2im(other, xp.shape, 3, 2, stride)
    np.testing.assert_allclose((im * other).sum(), (xp * back).sum(), rtol=1e-12)


def test_notes_9x9_padding_2_kernel_3_stride_2_gives_6x6():
    x = np.ones((1, 1, 9, 9))
    out, _ = F.conv2d_forward(x, np.ones((1, 1, 3, 3)), np.zeros(1), stride=2, padding=2)
    assert out.shape == (1, 1, 6, 6)
    assert F.conv_output_size(9, 3, 2, 2) == 6
    # the corner window sees only the single input corner cell; the centre window sees 9
    assert out[0, 0, 0, 0] == 1 and out[0, 0, 2, 2] == 9


def test_conv_weight_gradient_adds_up_every_use_of_a_shared_weight():
    # Item 11 of the notes: with dE/dout = 1 everywhere, dE/dw[tap] is the sum of the inputs
    # that tap met over all positions.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 1, 5, 5))
    weight = rng.standard_normal((1, 1, 3, 3))
    out, cache = F.conv2d_forward(x, weight, np.zeros(1), 1, 0)
    _, gw, gb = F.conv2d_backward(np.ones_like(out), cache, weight, 1)
    expected = np.array([[x[:, 0, i:i + 3, j:j + 3].sum() for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(gw[0, 0], expected, rtol=1e-12)
    assert gb[0] == pytest.approx(2 * 3 * 3)


@pytest.mark.parametrize("size,stride,h,w", [(2, 2, 8, 6), (2, 2, 7, 9), (3, 2, 9, 8),
                                             (3, 3, 9, 9), (2, 1, 5, 6), (2, 3, 8, 8)])
def test_pooling_matches_loop_reference(size, stride, h, w):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, h, w)).astype(np.float32)
    out, _ = F.max_pool_forward(x, size, stride)
    np.testing.assert_allclose(out, loop_pool(x, size, stride, np.max), rtol=0, atol=0)
    avg, _ = F.avg_pool_forward(x, size, stride)
    np.testing.assert_allclose(avg, loop_pool(x, size, stride, np.mean), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size,stride", [(3, 3), (2, 2), (3, 2), (2, 1)])
def test_max_pool_backward_routes_error_only_to_the_argmax(size, stride):
    rng = np.random.default_rng(5)
    x = rng.permutation(2 * 3 * 9 * 9).reshape(2, 3, 9, 9).astype(np.float64)  # tie-free
    out, cache = F.max_pool_forward(x, size, stride)
    grad = rng.standard_normal(out.shape)
    gx = F.max_pool_backward(grad, cache)
    expected = np.zeros_like(x)
    for s in range(2):
        for c in range(3):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    window = x[s, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    a, b = np.unravel_index(window.argmax(), window.shape)
                    expected[s, c, i * stride + a, j * stride + b] += grad[s, c, i, j]
    np.testing.assert_allclose(gx, expected, rtol=1e-12, atol=0)


def test_notes_3x3_max_pool_over_9x9_gives_3x3():
    x = np.random.default_rng(6).permutation(81).reshape(1, 1, 9, 9).astype(np.float32)
    out, cache = F.max_pool_forward(x, 3, 3)
    assert out.shape == (1, 1, 3, 3)
    gx = F.max_pool_backward(np.ones_like(out), cache)
    assert gx.sum() == 9 and np.count_nonzero(gx) == 9
    np.testing.assert_array_equal(np.sort(x[gx == 1]), np.sort(out.ravel()))


def test_max_pool_ties_send_the_error_to_one_cell_only():
    x = np.zeros((1, 1, 4, 4), dtype=np.float32)  # all ties, as after a ReLU
    out, cache = F.max_pool_forward(x, 2, 2)
    gx = F.max_pool_backward(np.ones_like(out), cache)
    assert gx.sum() == 4 and np.count_nonzero(gx) == 4
    assert np.all(gx[0, 0, ::2, ::2] == 1)


def test_softmax_rows_sum_to_one_and_survive_huge_logits():
    z = np.array([[1000.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]], dtype=np.float32)
    p = F.softmax(z, axis=1)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0], atol=1e-7)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p[1], e / e.sum(), rtol=1e-6)


def test_softmax_cross_entropy_against_direct_formula():
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    loss, grad = F.softmax_cross_entropy(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.log(p[np.arange(6), labels]).mean(), rel=1e-12)
    np.testing.assert_allclose(grad, (p - np.eye(4)[labels]) / 6, rtol=1e-12, atol=1e-15)
    # probability targets give the same result as one-hot rows
    loss2, grad2 = F.softmax_cross_entropy(logits, np.eye(4)[labels])
    assert loss2 == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(grad2, grad, rtol=1e-12, atol=1e-15)
    big, _ = F.softmax_cross_entropy(np.array([[1e4, 0.0]], dtype=np.float32), np.array([1]))
    assert big == pytest.approx(1e4, rel=1e-6)
