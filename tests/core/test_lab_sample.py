"""A picture fitted to any network's input, and one generated shape, for the backprop lab."""

import numpy as np
import pytest

from core.data.lab_sample import fit_picture, shape_picture
from core.data.shapes import SHAPE_KINDS


def test_a_picture_fits_maps_sequences_and_vectors():
    picture = np.zeros((28, 28), np.float32)
    picture[10:18, 12:16] = 1.0
    maps = fit_picture(picture, (3, 9, 9))
    assert maps.shape == (1, 3, 9, 9) and maps.dtype == np.float32
    np.testing.assert_array_equal(maps[0, 0], maps[0, 2])  # grey repeated over channels
    assert fit_picture(picture, (28, 28)).shape == (1, 28, 28)
    square = fit_picture(picture, (16,))
    assert square.shape == (1, 16)
    # a square number of values takes the picture s x s, read row by row
    np.testing.assert_allclose(square.reshape(4, 4), fit_picture(picture, (1, 4, 4))[0, 0])
    assert fit_picture(picture, (3,)).shape == (1, 3)
    assert 0.0 <= fit_picture(picture, (5,)).min() and fit_picture(picture, (5,)).max() <= 1.0


def test_a_picture_and_a_shape_are_checked():
    with pytest.raises(ValueError, match=r"grey \(H, W\)"):
        fit_picture(np.zeros((2, 3, 3)), (1, 3, 3))
    with pytest.raises(ValueError, match="input must be"):
        fit_picture(np.zeros((3, 3)), (1, 1, 3, 3))
    with pytest.raises(ValueError, match="unknown shape 'blob'"):
        shape_picture("blob", 0)


@pytest.mark.parametrize("kind", SHAPE_KINDS)
def test_one_shape_of_each_kind_is_drawn_the_same_for_the_same_seed(kind):
    first = shape_picture(kind, 3, size=20)
    assert first.shape == (20, 20) and first.dtype == np.float32
    assert first.max() > 0.6 and first.min() >= 0.0
    np.testing.assert_array_equal(first, shape_picture(kind, 3, size=20))
    assert not np.array_equal(first, shape_picture(kind, 4, size=20))
