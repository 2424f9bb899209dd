"""The lines that explain a run: each rule on synthetic runs that should and should not raise it."""

import math

import pytest

from core.nn.templates import shipped_templates
from core.train import insights
from core.train.insights import gradient_spread, guessing, overfitting, run_insights
from core.train.run_data import RunData

LN10 = math.log(10)


def _run(losses, epochs=(), norms=None, network="", per_epoch=50) -> RunData:
    """A run from per-batch losses, (epoch, train loss, test loss) rows and per-layer norms."""
    run = RunData(network=network)
    for i, loss in enumerate(losses):
        run.add_batch({"epoch": i // per_epoch + 1, "batch": i % per_epoch + 1,
                       "batches": per_epoch, "loss": loss})
    for epoch, train, test in epochs:
        run.add_epoch({"epoch": epoch, "train_loss": train, "test_loss": test})
    for step, layers in enumerate(zip(*norms.values(), strict=True) if norms else []):
        run.add_stats({"step": step + 1, "layers": [
            {"name": name, "grad_norm": value} for name, value in zip(norms, layers, strict=True)]})
    return run


def test_a_loss_stuck_at_ln_k_is_called_guessing():
    line = guessing([2.31, 2.29, 2.33] * 20, 10, 60)
    assert line is not None and line.topic == "loss" and line.level == "warning"
    assert "2.31" in line.text and "ln 10 = 2.30" in line.text and "60 batches" in line.text
    four = guessing([math.log(4) + 0.01] * 40, 4, 40)
    assert four is not None and "ln 4 = 1.39" in four.text and "1/4" in four.text


def test_a_loss_that_leaves_ln_k_or_has_not_had_time_is_not_guessing():
    assert guessing([1.2] * 60, 10, 60) is None  # learning
    assert guessing([LN10] * 10, 10, 10) is None  # every network starts there
    assert guessing([LN10] * 60, 1, 60) is None  # one class: nothing to guess
    assert guessing([LN10] * 60, None, 60) is None
    assert guessing([8.0] * 60, 10, 60) is None  # far above: diverging, not guessing
    # The mean of the last batches counts, not the first ones.
    assert guessing([LN10] * 40 + [0.5] * insights.GUESS_WINDOW, 10, 60) is None
    assert guessing([0.5] * 40 + [LN10] * insights.GUESS_WINDOW, 10, 60) is not None


def test_gradient_norms_a_thousand_fold_apart_are_a_vanishing_gradient():
    norms = {"1 Dense": [5e-4] * 6, "3 Dense": [3e-3] * 6, "5 Dense": [0.5] * 6}
    line = gradient_spread(norms, "deep_sigmoid")
    assert line is not None and line.level == "warning"
    assert "1,000x" in line.text and "vanishing" in line.text
    assert "block 1 Dense: 5.0e-04" in line.text and "block 5 Dense: 5.0e-01" in line.text
    assert "deep_relu" in line.text
    assert "deep_relu" not in gradient_spread(norms, "deep_relu").text  # no cure by itself


def test_gradients_growing_towards_the_input_are_exploding():
    line = gradient_spread({"0 Conv2D": [400.0] * 3, "4 Dense": [0.2] * 3})
    assert line is not None and "exploding" in line.text and "2,000x" in line.text


def test_gradient_norms_close_together_are_a_note_and_two_layers_say_nothing():
    norms = {"1 Dense": [0.3] * 5, "3 Dense": [0.9] * 5, "5 Dense": [0.6] * 5}
    line = gradient_spread(norms, "deep_relu")
    assert line is not None and line.level == "note" and "3.0x" in line.text
    assert "deep_sigmoid" in line.text
    assert gradient_spread({"1 Dense": [0.3], "3 Dense": [0.9]}) is None
    assert gradient_spread({"1 Dense": [0.3]}) is None
    assert gradient_spread({}) is None


def test_the_gradient_rule_takes_each_layers_recent_median():
    # One wild step among the recent ones does not raise the warning; older ones do not count.
    norms = {"0 Conv2D": [1e-6] * 10 + [0.5, 0.5, 1e-6, 0.5, 0.5], "2 Dense": [1.0] * 15,
             "4 Dense": [1.0] * 15}
    line = gradient_spread(norms)
    assert line is not None and line.level == "note"
    norms["0 Conv2D"] = [0.5] * 10 + [1e-4] * 5
    assert gradient_spread(norms).level == "warning"


def test_test_loss_rising_while_train_loss_falls_is_overfitting_from_that_epoch():
    train = {1: 0.9, 2: 0.5, 3: 0.3, 4: 0.2, 5: 0.1}
    test = {1: 0.8, 2: 0.45, 3: 0.47, 4: 0.52, 5: 0.60}
    line = overfitting(train, test)
    assert line is not None and line.topic == "overfitting"
    assert "from epoch 3" in line.text and "0.450 → 0.600" in line.text
    assert "0.500 → 0.100" in line.text and "epoch 2's weights" in line.text


@pytest.mark.parametrize("test", [
    {1: 0.8, 2: 0.6, 3: 0.5, 4: 0.45, 5: 0.42},  # still falling
    {1: 0.8, 2: 0.45, 3: 0.46, 4: 0.455, 5: 0.46},  # a rise within noise
    {1: 0.8, 2: 0.6, 3: 0.5, 4: 0.45, 5: 0.60},  # one epoch of rise only
])
def test_a_test_loss_that_does_not_keep_rising_is_not_overfitting(test):
    train = {1: 0.9, 2: 0.5, 3: 0.3, 4: 0.2, 5: 0.1}
    assert overfitting(train, test) is None


def test_both_losses_rising_is_not_overfitting():
    train = {1: 0.9, 2: 0.5, 3: 0.6, 4: 0.7}
    test = {1: 0.8, 2: 0.45, 3: 0.55, 4: 0.65}
    assert overfitting(train, test) is None
    assert overfitting({}, {}) is None


def test_run_insights_reads_a_whole_run():
    sigmoid = _run([2.35, 2.30] * 40, epochs=[(1, 2.33, 2.32)],
                   norms={"1 Dense": [7e-4] * 5, "3 Dense": [9e-3] * 5, "5 Dense": [0.9] * 5},
                   network="deep_sigmoid")
    lines = run_insights(sigmoid, 10)
    assert [line.topic for line in lines] == ["loss", "gradient"]
    assert all(line.level == "warning" for line in lines)
    learning = _run([1.0 - i / 200 for i in range(100)],
                    epochs=[(1, 0.9, 0.8), (2, 0.5, 0.45), (3, 0.3, 0.5), (4, 0.2, 0.6)])
    assert [line.topic for line in run_insights(learning, 10)] == ["overfitting"]
    assert run_insights(RunData(), 10) == []


def test_a_saved_run_without_batches_is_judged_by_its_epochs():
    run = _run([], epochs=[(1, 2.31, 2.30), (2, 2.30, 2.30)], per_epoch=60)
    run.batches_per_epoch = 60
    assert [line.topic for line in run_insights(run, 10)] == ["loss"]


def test_the_templates_named_as_cures_are_shipped():
    names = {path.stem for path in shipped_templates()}
    assert set(insights.CURE.values()) <= names
