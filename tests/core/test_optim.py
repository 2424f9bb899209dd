"""Optimisers against hand-written update rules, and learning-rate schedules."""

import math

import numpy as np
import pytest

from core.nn.optim import SGD, Adam, ConstantLR, CosineLR, StepLR


def quadratic_steps(optimizer, steps, start=(3.0, -2.0)):
    """Minimise 0.5 * |w|^2 (gradient w); return the trajectory."""
    w = np.array(start)
    trajectory = [w.copy()]
    for _ in range(steps):
        optimizer.step([("w", w, w.copy())])
        trajectory.append(w.copy())
    return np.array(trajectory)


def test_plain_sgd_step():
    w = np.array([1.0, 2.0])
    SGD(0.1).step([("w", w, np.array([0.5, -1.0]))])
    np.testing.assert_allclose(w, [0.95, 2.1], rtol=1e-12)


def test_sgd_momentum_and_weight_decay_follow_the_pytorch_rule():
    lr, mu, wd = 0.1, 0.9, 0.01
    got = quadratic_steps(SGD(lr, momentum=mu, weight_decay=wd), 4)
    w, v = np.array([3.0, -2.0]), None
    for k in range(4):
        g = w + wd * w
        v = g if v is None else mu * v + g
        w = w - lr * v
        np.testing.assert_allclose(got[k + 1], w, rtol=1e-12)


def test_adam_matches_the_textbook_rule():
    lr, (b1, b2), eps = 0.05, (0.9, 0.999), 1e-8
    got = quadratic_steps(Adam(lr), 5)
    w = np.array([3.0, -2.0])
    m = v = np.zeros(2)
    for t in range(1, 6):
        g = w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(got[t], w, rtol=1e-10)


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.1)])
def test_optimisers_minimise_a_quadratic_and_lr_can_change(make):
    optimizer = make()
    path = quadratic_steps(optimizer, 200)
    assert np.abs(path[-1]).max() < 1e-2 * np.abs(path[0]).max()
    optimizer.lr = 0.0001
    assert optimizer.lr == 0.0001


def test_float32_parameters_stay_float32_and_change_in_place():
    w = np.ones(3, dtype=np.float32)
    before = w
    for opt in (SGD(0.1, momentum=0.5, weight_decay=0.1), Adam()):
        opt.step([("w", w, np.ones(3, dtype=np.float32))])
    assert w is before and w.dtype == np.float32 and np.all(w < 1)


def test_schedules():
    assert [ConstantLR(0.1).schedule(e) for e in (0, 5)] == [0.1, 0.1]
    step = StepLR(0.1, step_size=2, gamma=0.5)
    assert [step.schedule(e) for e in range(5)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    cosine = CosineLR(0.1, total_epochs=4, min_lr=0.02)
    assert cosine.schedule(0) == pytest.approx(0.1)
    assert cosine.schedule(2) == pytest.approx(0.06)
    assert cosine.schedule(4) == pytest.approx(0.02) == cosine.schedule(9)
    assert cosine.schedule(1) == pytest.approx(0.02 + 0.04 * (1 + math.cos(math.pi / 4)))


@pytest.mark.parametrize("make,message", [
    (lambda: SGD(0), "learning rate must be a positive number"),
    (lambda: SGD(float("nan")), "learning rate"),
    (lambda: SGD(0.1, momentum=1.0), "momentum"),
    (lambda: Adam(betas=(1.0, 0.9)), "betas"),
    (lambda: StepLR(0.1, 0), "step_size"),
    (lambda: CosineLR(0.1, 0), "total_epochs"),
])
def test_bad_optimiser_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("item", [
    SGD(0.1, momentum=0.5, weight_decay=0.01), Adam(0.002, betas=(0.8, 0.99), eps=1e-7),
    ConstantLR(0.3), StepLR(0.1, step_size=3, gamma=0.5), CosineLR(0.2, 7, min_lr=0.01),
])
def test_config_round_trips_through_json(item):
    import json

    from core.nn.optim import optimizer_from_config, schedule_from_config, to_config

    data = json.loads(json.dumps(to_config(item)))
    assert data["class"] == type(item).__name__
    rebuild = optimizer_from_config if data["class"] in ("SGD", "Adam") else schedule_from_config
    again = rebuild(data)
    assert type(again) is type(item) and again.config() == item.config()
    assert repr(again) == repr(item)
    if hasattr(item, "schedule"):
        assert [again(e) for e in range(8)] == [item(e) for e in range(8)]
    else:
        trajectories = [quadratic_steps(o, 5) for o in (item, again)]
        np.testing.assert_array_equal(trajectories[0], trajectories[1])


@pytest.mark.parametrize("data, message", [
    ({"class": "RMSprop", "config": {}}, "unknown class 'RMSprop'"),
    ({"class": "SGD", "config": {"lr": -1}}, "learning rate must be a positive number"),
    ({"class": "SGD", "config": {"lr": 0.1, "speed": 2}}, "optimizer SGD: .*speed"),
    ({"class": "SGD", "config": {"lr": 0.1, "momentum": 1.5}}, "optimizer SGD: momentum"),
    ("SGD", "optimizer must be"),
])
def test_bad_optimizer_configs_are_named(data, message):
    from core.nn.optim import optimizer_from_config

    with pytest.raises(ValueError, match=message):
        optimizer_from_config(data)


def test_bad_schedule_configs_are_named():
    from core.nn.optim import schedule_from_config

    with pytest.raises(ValueError, match="schedule StepLR: step_size"):
        schedule_from_config({"class": "StepLR", "config": {"lr": 0.1, "step_size": 0}})
