"""The Welcome page starts each lesson of the notes in one click, with its tab set up."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_filter_helpers import wait_result

from core.files.images import read_image
from core.image.filtering import apply_kernel
from core.image.kernels import gaussian
from core.resources import resource_path


def test_gaussian_lesson_filters_a_photo_with_the_notes_kernel(qtbot, main_window):
    studio = main_window.filter_studio
    studio.geometry_panel.stride_spin.setValue(3)  # a walk left from earlier is not kept
    main_window.tabs.setCurrentWidget(main_window.welcome)
    qtbot.mouseClick(main_window.welcome.buttons["gaussian"], Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is studio
    assert studio.document.source == "Gaussian"
    assert studio.document.parameters["sigma"] == pytest.approx(0.84089642, abs=1e-9)
    assert studio.document.shape == (7, 7) and studio.document.geometry.stride == 1
    photo = read_image(resource_path("images", "chelsea.png"))
    output = wait_result(qtbot, studio)
    np.testing.assert_allclose(output.raw, apply_kernel(photo, gaussian(7, 0.84089642)),
                               rtol=1e-5, atol=1e-3)


def test_sobel_lesson_shows_the_angle(qtbot, main_window):
    qtbot.mouseClick(main_window.welcome.buttons["sobel_angle"], Qt.MouseButton.LeftButton)
    studio = main_window.filter_studio
    assert studio.document.view == "angle"
    assert wait_result(qtbot, studio).request.view == "angle"


@pytest.mark.parametrize("key", ["reference", "deep_sigmoid", "deep_relu"])
def test_network_lessons_open_training_with_the_template(qtbot, main_window, key):
    qtbot.mouseClick(main_window.welcome.buttons[key], Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is main_window.training
    assert main_window.builder.spec()["name"] == key
    assert main_window.training.spec["name"] == key
