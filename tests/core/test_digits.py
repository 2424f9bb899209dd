"""Preparing a drawing like MNIST: 20x20 box by bounding box, centred by centre of mass."""

import numpy as np
import pytest

from core.data.digits import (
    centre_of_mass,
    fit_input,
    ink_bounding_box,
    photo_to_ink,
    to_mnist,
)


def test_a_filled_square_becomes_the_central_20x20_block():
    ink = np.zeros((280, 280), np.float32)
    ink[30:130, 150:250] = 1.0  # 100x100, off centre
    digit = to_mnist(ink)
    expected = np.zeros((28, 28), np.float32)
    expected[4:24, 4:24] = 1.0
    np.testing.assert_allclose(digit, expected, atol=1e-6)


def test_a_tall_bar_is_scaled_to_20_rows_and_keeps_its_aspect():
    ink = np.zeros((280, 280), np.float32)
    ink[40:240, 10:50] = 1.0  # 200 tall, 40 wide -> 20 x 4
    digit = to_mnist(ink)
    assert ink_bounding_box(digit) == (4, 23, 12, 15)
    row, col = centre_of_mass(digit)
    assert row == pytest.approx(13.5, abs=0.5) and col == pytest.approx(13.5, abs=0.5)
    assert digit.sum() == pytest.approx(80.0, rel=1e-5)


def test_centre_of_mass_not_bounding_box_decides_the_position():
    ink = np.zeros((100, 100), np.float32)
    ink[:, 0:20] = 1.0  # a thick "Γ": its mass sits up and left in its bounding box
    ink[0:20, 20:100] = 1.0
    digit = to_mnist(ink)
    row, col = centre_of_mass(digit)
    # Box-centred would be rows/cols 4..23; centring the mass moves it down and right, as far
    # as the one blank row and column kept at the edges allow.
    assert ink_bounding_box(digit) == (7, 26, 7, 26)
    assert 12.5 <= row < 13.5 and 12.5 <= col < 13.5


def test_a_seven_keeps_the_last_row_blank():
    ink = np.zeros((280, 280), np.float32)
    ink[50:70, 60:220] = 1.0  # the bar, heavy
    for y in range(70, 250):  # a thin stem down to the bottom left
        x = int(220 - (y - 70) * 0.6)
        ink[y, x - 6 : x + 6] = 1.0
    top, bottom, left, right = ink_bounding_box(to_mnist(ink))
    assert bottom - top == 19 and bottom == 26  # pushed down by its bar, stopped one row short
    assert left >= 1 and right <= 26


def test_blank_and_bad_input():
    assert not to_mnist(np.zeros((50, 50))).any()
    with pytest.raises(ValueError, match="2-D"):
        to_mnist(np.zeros((2, 3, 4)))


def test_photo_of_dark_ink_on_paper_is_inverted():
    photo = np.full((40, 40, 3), 250, np.uint8)
    photo[10:30, 18:22] = 10
    ink = photo_to_ink(photo)
    assert ink[20, 20] == pytest.approx(1.0) and ink[0, 0] == pytest.approx(0.0)


def test_fit_input_makes_a_batch_for_other_input_shapes():
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 12:16] = 1
    assert fit_input(digit, (1, 28, 28)).shape == (1, 1, 28, 28)
    colour = fit_input(digit, (3, 32, 32))
    assert colour.shape == (1, 3, 32, 32)
    np.testing.assert_array_equal(colour[0, 0], colour[0, 2])
    with pytest.raises(ValueError, match="images"):
        fit_input(digit, (784,))


def test_photo_inversion_can_be_forced():
    photo = np.full((40, 30), 230, np.uint8)  # light paper
    photo[5:35, 14:17] = 20  # a dark stroke
    auto = photo_to_ink(photo)
    assert auto[20, 15] == 1.0 and auto[2, 2] == 0.0  # dark-on-light is inverted: ink is bright
    np.testing.assert_array_equal(photo_to_ink(photo, invert=True), auto)
    kept = photo_to_ink(photo, invert=False)
    assert kept[20, 15] == 0.0 and kept[2, 2] == 1.0  # taken as it is: the paper is the ink
