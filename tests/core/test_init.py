"""Weight initialisation: scales from the fan-in / fan-out, seeded, float32 by default."""

import numpy as np
import pytest

from core.nn.init import fans, he_normal, initialise, xavier_uniform
from core.nn.layers import Conv2D, Dense


def test_fans_of_dense_and_conv_weights():
    assert fans((10, 784)) == (784, 10)
    assert fans((16, 8, 3, 3)) == (72, 144)


def test_he_and_xavier_scales():
    rng = np.random.default_rng(0)
    he = he_normal((256, 400), rng)
    assert he.dtype == np.float32
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert abs(he.mean()) < 0.05 * he.std()
    limit = np.sqrt(6 / (400 + 256))
    xavier = xavier_uniform((256, 400), rng, dtype=np.float64)
    assert xavier.dtype == np.float64
    assert np.abs(xavier).max() <= limit and np.abs(xavier).max() > 0.99 * limit
    assert xavier.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)


def test_initialisation_is_seeded_and_chosen_by_the_block_setting():
    a = Conv2D(3, 8, 3, rng=np.random.default_rng(5))
    b = Conv2D(3, 8, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    assert not a.params["bias"].any()
    xavier = Dense(100, 100, init="xavier", rng=np.random.default_rng(5))
    assert np.abs(xavier.params["weight"]).max() <= np.sqrt(6 / 200)
    with pytest.raises(ValueError, match="init must be one of he, xavier; received 'zeros'"):
        initialise("zeros", (2, 2), np.random.default_rng(0))
