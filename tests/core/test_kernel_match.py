"""Naming a learned filter after a classic kernel only when the likeness beats chance."""

import numpy as np
import pytest

from core.image.kernel_match import (
    CHANCE_QUANTILE,
    chance_level,
    classic_kernels,
    closest_kernel,
    meaningful_match,
)
from core.image.kernels import make_preset
from core.nn.init import initialise


def test_the_chance_level_is_what_random_filters_reach():
    rng = np.random.default_rng(123)  # not the seed the level was measured with
    filters = rng.standard_normal((3000, 3, 3))
    classics = classic_kernels(3)
    best = np.array([abs(closest_kernel(f, classics)[1]) for f in filters])
    level = chance_level(3)
    assert 0.8 < level < 0.95
    assert np.mean(best > level) == pytest.approx(1 - CHANCE_QUANTILE, abs=0.006)
    assert np.median(best) > 0.5  # why a bare "closest kernel" means nothing for a 3x3 filter


def test_fewer_classics_of_a_size_make_a_lower_chance_level():
    assert len(classic_kernels(5)) < len(classic_kernels(3))
    assert chance_level(5) < chance_level(3)
    assert chance_level(33) == 1.0 and classic_kernels(33) == ()  # no preset that large


def test_random_initial_filters_are_not_named():
    weights = initialise("he", (400, 1, 3, 3), np.random.default_rng(7), np.float32)
    named = sum(meaningful_match(w) is not None for w in weights)
    assert named <= 12  # about 1 in 100


def test_a_noisy_sobel_is_named_and_an_inverted_one_with_its_sign():
    sobel_x = np.asarray(make_preset("Sobel x").values, np.float64)
    noise = np.random.default_rng(0).normal(scale=0.3, size=(3, 3))
    assert meaningful_match(sobel_x + noise)[0] == "Sobel x"
    name, r = meaningful_match(-(sobel_x + noise)[None].repeat(4, axis=0))
    assert name == "Sobel x" and r < -chance_level(3)


def test_nothing_is_named_for_flat_odd_or_unmatched_filters():
    assert meaningful_match(np.zeros((3, 3))) is None
    assert meaningful_match(np.ones((3, 5))) is None
    assert meaningful_match(np.ones((33, 33))) is None
    assert closest_kernel(np.ones((3, 3)), ()) is None
