"""The training loop: reproducibility, pause/stop from a thread, divergence, stats, checkpoints."""

import json
import math
import threading
import time

import numpy as np
import pytest

from core.data.sources import load_dataset
from core.nn.losses import MSE, SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.optim import SGD, Adam, StepLR
from core.resources import resource_path
from core.train.bundle import load_bundle
from core.train.history import History
from core.train.trainer import Trainer, evaluate

SMALL_CONV = {
    "name": "small",
    "input_shape": [1, 16, 16],
    "layers": [
        {"class": "Conv2D", "config": {"in_channels": 1, "out_channels": 4, "kernel_size": 3,
                                       "stride": 1, "padding": 1}},
        {"class": "ReLU", "config": {}},
        {"class": "MaxPool2D", "config": {"size": 2, "stride": None}},
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 256, "out_features": 4}},
    ],
}


@pytest.fixture(scope="module")
def shapes():
    return load_dataset("shapes", count=256, test_count=64, size=16, seed=0)


def make_trainer(data, *, seed=0, spec=SMALL_CONV, optimizer=None, **options):
    train, test = data
    model = Sequential.from_spec(spec, seed=seed)
    optimizer = optimizer or SGD(0.05, momentum=0.9)
    return Trainer(model, SoftmaxCrossEntropy(), optimizer, train, test, seed=seed, **options)


def without_timing(events):
    return [{k: v for k, v in e.items() if k not in ("samples_per_s", "seconds")} for e in events]


def scores(model, data):
    """Mean cross-entropy and accuracy of `model` on `data`, computed here in float64 in one go.

    Independent of core.train.trainer.evaluate, which the trainer itself uses for its epoch reports.
    """
    logits = model.forward(data.images, training=False).astype(np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(len(data.labels)), data.labels].mean())
    accuracy = float(np.mean(np.argmax(logits, axis=1) == data.labels))
    return loss, accuracy


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert wa.keys() == wb.keys()
    for name in wa:
        np.testing.assert_array_equal(wa[name], wb[name], err_msg=name)


# ------------------------------------------------------------------------------ the judged runs


@pytest.mark.slow
def test_reference_network_reaches_95_percent_on_the_bundled_subset():
    spec = json.loads(resource_path("models", "reference.json").read_text())
    train, test = load_dataset("mnist-5k")
    model = Sequential.from_spec(spec, seed=0)
    trainer = Trainer(model, SoftmaxCrossEntropy(), SGD(0.05, momentum=0.9), train, test,
                      batch_size=64, epochs=5, seed=0)
    began = time.perf_counter()
    history = trainer.run()
    seconds = time.perf_counter() - began
    final = history.epochs[-1]
    print(f"\nreference net, 5 epochs on mnist-5k: test accuracy {final['test_accuracy']:.3f}, "
          f"{seconds:.1f} s ({seconds / 5:.2f} s/epoch, "
          f"{history.batches[-1]['samples_per_s']:.0f} samples/s)")
    assert history.stop_reason == "finished" and len(history.epochs) == 5
    assert final["test_accuracy"] >= 0.95
    # The epoch's test accuracy is what the model now scores.
    _, accuracy = scores(model, test)
    assert accuracy == pytest.approx(final["test_accuracy"], abs=1e-12)


def test_first_layer_gradient_vanishes_in_the_deep_sigmoid_net_not_the_relu_one():
    train, _ = load_dataset("mnist-5k")
    train = train.subset(slice(0, 640))
    first_layer = {}
    for name in ("deep_sigmoid", "deep_relu"):
        spec = json.loads(resource_path("models", f"{name}.json").read_text())
        model = Sequential.from_spec(spec, seed=0)
        trainer = Trainer(model, SoftmaxCrossEntropy(), SGD(0.05, momentum=0.9), train,
                          batch_size=64, epochs=1, seed=0, stats_every=1)
        history = trainer.run()
        layer = history.stats[0]["layers"][0]
        assert layer["index"] == 1 and layer["name"] == "1 Dense"
        first_layer[name] = np.mean(history.layer_series("grad_norm")["1 Dense"])
    ratio = first_layer["deep_relu"] / first_layer["deep_sigmoid"]
    print(f"\nfirst-layer gradient norm: relu {first_layer['deep_relu']:.3g}, sigmoid "
          f"{first_layer['deep_sigmoid']:.3g}, ratio {ratio:.0f}x")
    assert ratio >= 10


def test_pause_resume_stop_from_another_thread(shapes):
    steps = []
    reached = threading.Event()

    def on_batch(event):
        steps.append(event["step"])
        if event["step"] == 5:
            reached.set()

    trainer = make_trainer(shapes, batch_size=8, epochs=1000, on_batch=on_batch)
    result = []
    thread = threading.Thread(target=lambda: result.append(trainer.run()))
    thread.start()
    try:
        assert reached.wait(30)
        trainer.pause()
        at_pause = len(steps)
        assert trainer.is_paused
        deadline = time.monotonic() + 30
        while not trainer.is_held and time.monotonic() < deadline:
            time.sleep(0.005)
        assert trainer.is_held
        held = len(steps)
        assert held <= at_pause + 1  # only the batch in flight finished
        time.sleep(0.3)
        assert len(steps) == held and thread.is_alive()  # no batch ran while paused
        trainer.resume()
        deadline = time.monotonic() + 30
        while len(steps) < held + 5 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(steps) >= held + 5
    finally:
        trainer.stop()
        thread.join(30)
    assert not thread.is_alive()
    history = result[0]
    assert history.stop_reason == "stopped"
    assert [b["step"] for b in history.batches] == steps == list(range(1, len(steps) + 1))
    # The model holds exactly the weights of len(steps) optimiser steps: replay and compare.
    replay = make_trainer(shapes, batch_size=8, epochs=1000)
    replay.on_batch = lambda event: replay.stop() if event["step"] == len(steps) else None
    again = replay.run()
    assert again.stop_reason == "stopped" and again.steps == len(steps)
    assert_same_weights(trainer.model, replay.model)
    assert without_timing(again.batches) == without_timing(history.batches)


def test_stop_while_paused_ends_the_run(shapes):
    trainer = make_trainer(shapes, batch_size=8, epochs=1000)
    trainer.on_batch = lambda event: trainer.pause() if event["step"] == 3 else None
    thread = threading.Thread(target=trainer.run)
    thread.start()
    deadline = time.monotonic() + 30
    while not trainer.is_held and time.monotonic() < deadline:
        time.sleep(0.005)
    trainer.stop()
    thread.join(30)
    assert not thread.is_alive()
    assert trainer.history.stop_reason == "stopped" and trainer.history.steps == 3


# ------------------------------------------------------------------------------ reproducibility


def test_seeded_runs_are_identical_bit_for_bit(shapes):
    first = make_trainer(shapes, batch_size=32, epochs=2, augment={"shift": 2, "flip": True})
    second = make_trainer(shapes, batch_size=32, epochs=2, augment={"shift": 2, "flip": True})
    h1, h2 = first.run(), second.run()
    assert_same_weights(first.model, second.model)
    assert without_timing(h1.batches) == without_timing(h2.batches)
    assert without_timing(h1.epochs) == without_timing(h2.epochs)
    other = make_trainer(shapes, batch_size=32, epochs=2, seed=1)
    other.run()
    assert not np.array_equal(other.model.get_weights()["4.weight"],
                              first.model.get_weights()["4.weight"])


def test_batches_cover_the_training_set_once_per_epoch(shapes):
    train, _ = shapes
    seen = []

    class Recording(SoftmaxCrossEntropy):
        def forward(self, logits, labels):
            seen.append(np.asarray(labels).copy())
            return super().forward(logits, labels)

    model = Sequential.from_spec(SMALL_CONV, seed=0)
    trainer = Trainer(model, Recording(), SGD(0.01), train, None, batch_size=100, epochs=1)
    history = trainer.run()
    assert [len(s) for s in seen] == [100, 100, 56]
    np.testing.assert_array_equal(np.bincount(np.concatenate(seen)), train.class_counts())
    assert [b["batches"] for b in history.batches] == [3, 3, 3]
    assert history.epochs[0]["test_accuracy"] is None


# ------------------------------------------------------------------------------ divergence


def test_nan_loss_stops_and_restores_the_last_good_weights(shapes):
    snapshots = {}

    class Breaks(SoftmaxCrossEntropy):
        calls = 0

        def forward(self, logits, labels):
            Breaks.calls += 1
            value = super().forward(logits, labels)
            return math.nan if Breaks.calls == 7 else value

    train, _ = shapes  # no test set: every loss call is a training batch
    model = Sequential.from_spec(SMALL_CONV, seed=0)

    def on_batch(event):
        snapshots[event["step"]] = model.get_weights()

    trainer = Trainer(model, Breaks(), SGD(0.05, momentum=0.9), train, None, batch_size=64,
                      epochs=3, on_batch=on_batch)
    history = trainer.run()
    # 4 batches per epoch: the 7th loss is epoch 2, batch 3.
    assert history.stop_reason == (
        "diverged: loss became nan at epoch 2, batch 3 — lower the learning rate")
    assert history.steps == 6 and len(history.epochs) == 1
    # The weights after step 5 gave a finite loss at step 6; they are the last good ones.
    for name, value in model.get_weights().items():
        np.testing.assert_array_equal(value, snapshots[5][name], err_msg=name)


def test_a_huge_learning_rate_diverges_with_finite_weights_left(shapes, tmp_path):
    linear = {"name": "linear", "input_shape": [1, 16, 16], "layers": [
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"in_features": 256, "out_features": 4}}]}
    train, test = shapes
    model = Sequential.from_spec(linear, seed=0)
    trainer = Trainer(model, MSE(), SGD(5.0), train, test, batch_size=32, epochs=20)
    history = trainer.run()
    assert history.stop_reason.startswith("diverged: loss exploded to ")
    assert history.stop_reason.endswith("lower the learning rate")
    assert all(np.isfinite(v).all() for v in trainer.model.get_weights().values())
    history.to_json(tmp_path / "diverged.json")
    again = History.from_json(tmp_path / "diverged.json")
    assert again.stop_reason == history.stop_reason and again.steps == history.steps


def test_a_loss_that_explodes_but_stays_finite_stops_and_restores_weights(shapes):
    """Cross-entropy is stable, so learning rate 100 gives a huge but finite loss."""
    spec = json.loads(resource_path("models", "reference.json").read_text())
    train, _ = load_dataset("mnist-5k")
    model = Sequential.from_spec(spec, seed=0)
    snapshots = {0: model.get_weights()}

    def on_batch(event):
        snapshots[event["step"]] = model.get_weights()

    trainer = Trainer(model, SoftmaxCrossEntropy(), SGD(100.0), train, None, batch_size=64,
                      epochs=1, on_batch=on_batch)
    history = trainer.run()
    assert history.stop_reason.startswith("diverged: loss exploded to ")
    assert "(it started at " in history.stop_reason
    steps = history.steps
    first = history.batches[0]["loss"]
    assert all(b["loss"] <= 1000 * max(first, 1.0) for b in history.batches)
    assert steps < 62  # stopped early, not at the end of the epoch
    # The weights after the last recorded step made the loss explode; the ones before that step
    # gave a sane loss and are the ones put back.
    for name, value in model.get_weights().items():
        np.testing.assert_array_equal(value, snapshots[steps - 1][name], err_msg=name)


# ------------------------------------------------------------------------------ reporting


def test_callbacks_stats_and_schedule(shapes):
    batches, epochs, stats, weights = [], [], [], {}
    trainer = make_trainer(shapes, batch_size=64, epochs=3, stats_every=3,
                           optimizer=Adam(0.01), schedule=StepLR(0.01, step_size=2, gamma=0.5))

    def on_batch(event):
        batches.append(event)
        weights[event["step"]] = trainer.model.get_weights()

    def on_stats(event):
        stats.append(event)
        grads = {name: g for name, _, g in trainer.model.named_parameters()}
        step = event["step"]
        for layer in event["layers"]:
            i = layer["index"]
            names = [f"{i}.weight", f"{i}.bias"]
            now, before = weights[step], weights[step - 1]
            grad_norm = math.sqrt(sum(float((grads[n].astype(np.float64) ** 2).sum())
                                      for n in names))
            weight_norm = math.sqrt(sum(float((now[n].astype(np.float64) ** 2).sum())
                                        for n in names))
            assert layer["grad_norm"] == pytest.approx(grad_norm, rel=1e-5)
            assert layer["weight_norm"] == pytest.approx(weight_norm, rel=1e-5)
            update = math.sqrt(sum(float(((now[n].astype(np.float64) - before[n]) ** 2)
                                         .sum()) for n in names))
            assert layer["update_ratio"] == pytest.approx(update / weight_norm, rel=1e-4)

    weights[0] = trainer.model.get_weights()  # so the first step's update is checked too
    trainer.on_batch, trainer.on_stats = on_batch, on_stats
    trainer.on_epoch = epochs.append
    history = trainer.run()
    assert [e["step"] for e in stats] == [1, 3, 6, 9, 12]
    assert [layer["name"] for layer in stats[0]["layers"]] == ["0 Conv2D", "4 Dense"]
    assert [e["lr"] for e in epochs] == [0.01, 0.01, 0.005]
    assert set(batches[0]) == {"epoch", "batch", "batches", "step", "loss", "accuracy", "lr",
                               "samples_per_s"}
    assert set(epochs[0]) == {"epoch", "train_loss", "train_accuracy", "test_loss",
                              "test_accuracy", "lr", "seconds"}
    assert batches[0]["samples_per_s"] > 0
    # The epoch's train loss is the sample-weighted mean of its batch losses.
    first = [b for b in batches if b["epoch"] == 1]
    sizes = [64, 64, 64, 64]
    expected = sum(b["loss"] * n for b, n in zip(first, sizes, strict=True)) / 256
    assert epochs[0]["train_loss"] == pytest.approx(expected, rel=1e-12)
    assert history.epochs == epochs and history.stats == stats
    loss, accuracy = scores(trainer.model, shapes[1])
    assert epochs[-1]["test_loss"] == pytest.approx(loss, rel=1e-5)
    assert epochs[-1]["test_accuracy"] == accuracy


def test_eval_limit_evaluates_only_the_first_samples(shapes):
    trainer = make_trainer(shapes, batch_size=64, epochs=1, eval_limit=10)
    history = trainer.run()
    _, accuracy = scores(trainer.model, shapes[1].subset(slice(0, 10)))
    assert history.epochs[0]["test_accuracy"] == accuracy
    assert accuracy * 10 == round(accuracy * 10)  # a score out of 10 samples


def test_evaluate_matches_a_direct_computation_whatever_the_batch_size(shapes):
    model = Sequential.from_spec(SMALL_CONV, seed=2)
    test = shapes[1]
    loss, accuracy = scores(model, test)
    for batch_size in (1, 10, 64, 1000):
        got_loss, got_accuracy = evaluate(model, test, SoftmaxCrossEntropy(),
                                          batch_size=batch_size)
        assert got_loss == pytest.approx(loss, rel=1e-5) and got_accuracy == accuracy
    assert evaluate(model, test, limit=7)[1] == scores(model, test.subset(slice(0, 7)))[1]
    assert evaluate(model, test)[0] is None


def test_history_round_trips_json_and_writes_csv(shapes, tmp_path):
    trainer = make_trainer(shapes, batch_size=64, epochs=2, stats_every=2)
    history = trainer.run()
    history.to_json(tmp_path / "run.json")
    again = History.from_json(tmp_path / "run.json")
    assert again.batches == history.batches and again.epochs == history.epochs
    assert again.stats == history.stats and again.stop_reason == "finished"
    assert again.meta["batch_size"] == 64 and again.meta["classes"][0] == "circle"
    history.to_csv(tmp_path / "run.csv")
    import csv

    rows = list(csv.DictReader((tmp_path / "run.csv").open()))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("batch") == 8 and kinds.count("epoch") == 2
    assert kinds.count("stats") == 2 * len(history.stats)
    assert float(rows[0]["loss"]) == pytest.approx(history.batches[0]["loss"], rel=1e-7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.csv", "run.json"]
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="bad.json"):
        History.from_json(tmp_path / "bad.json")


def test_checkpoints_save_best_and_last(shapes, tmp_path):
    prefix = tmp_path / "run"
    trainer = make_trainer(shapes, batch_size=64, epochs=3, checkpoint_prefix=str(prefix))
    best_weights = {}
    best = [-1.0]

    def on_epoch(event):
        if event["test_accuracy"] > best[0]:
            best[0] = event["test_accuracy"]
            best_weights.update(trainer.model.get_weights())

    trainer.on_epoch = on_epoch
    trainer.run()
    last = load_bundle(tmp_path / "run.last").model
    assert_same_weights(last, trainer.model)
    saved_best = load_bundle(tmp_path / "run.best").model.get_weights()
    assert saved_best.keys() == best_weights.keys()
    for name, value in best_weights.items():
        np.testing.assert_array_equal(saved_best[name], value)
    assert len(History.from_json(tmp_path / "run.last.history.json").epochs) == 3


def test_mismatched_data_is_refused_with_the_reason(shapes):
    mnist = load_dataset("mnist-5k")
    with pytest.raises(ValueError, match="takes inputs 1x16x16 but MNIST 5k"):
        make_trainer(mnist)
    six = load_dataset("shapes", count=12, size=16, kinds="circle,square,triangle,cross,ring,star")
    with pytest.raises(ValueError, match="6 classes"):
        make_trainer(six)
    with pytest.raises(ValueError, match="batch_size"):
        make_trainer(shapes, batch_size=0)


# ------------------------------------------------------------------------------ gradient clipping
def _one_step(data, clip_norm):
    """One full-batch SGD step (lr 1, no momentum) of a float64 network whose first block is
    frozen; returns (weights before, after, the unclipped gradient, the trainer)."""
    train, test = data
    spec = {**SMALL_CONV, "layers": [dict(SMALL_CONV["layers"][0], config={
        **SMALL_CONV["layers"][0]["config"], "trainable": False}), *SMALL_CONV["layers"][1:]]}
    model = Sequential.from_spec(spec, seed=1, dtype=np.float64)
    reference = Sequential.from_spec(spec, seed=1, dtype=np.float64)
    trainer = Trainer(model, SoftmaxCrossEntropy(), SGD(1.0), train, None,
                      batch_size=len(train), epochs=1, stats_every=0, clip_norm=clip_norm)
    before = model.get_weights()
    order = np.random.default_rng(0).permutation(len(train))  # the trainer's first batch
    loss = SoftmaxCrossEntropy()
    loss.forward(reference.forward(train.images[order], training=True), train.labels[order])
    reference.backward(loss.backward())
    gradient = {name: grad.copy() for name, _, grad in reference.named_parameters()}
    trainer.run()
    return before, model.get_weights(), gradient, trainer


def test_clipping_scales_the_step_to_the_global_norm_of_all_trained_parameters(shapes):
    before, after, gradient, trainer = _one_step(shapes, clip_norm=None)
    norm = np.sqrt(sum(float(np.sum(g * g)) for g in gradient.values()))
    assert set(gradient) == {"4.weight", "4.bias"}  # block 0 is frozen: not in the norm
    for name, grad in gradient.items():  # without clipping the step is the gradient
        np.testing.assert_allclose(before[name] - after[name], grad, rtol=1e-9, atol=1e-12)
    limit = norm / 4
    before, after, gradient, trainer = _one_step(shapes, clip_norm=limit)
    steps = {name: before[name] - after[name] for name in gradient}
    for name, grad in gradient.items():
        np.testing.assert_allclose(steps[name], grad * (limit / norm), rtol=1e-9, atol=1e-12)
    applied = np.sqrt(sum(float(np.sum(s * s)) for s in steps.values()))
    assert applied == pytest.approx(limit, rel=1e-9)
    np.testing.assert_array_equal(after["0.weight"], before["0.weight"])
    # A limit above the norm leaves the step alone.
    before, after, gradient, _ = _one_step(shapes, clip_norm=norm * 2)
    for name, grad in gradient.items():
        np.testing.assert_allclose(before[name] - after[name], grad, rtol=1e-9, atol=1e-12)


def test_clip_norm_must_be_positive(shapes):
    with pytest.raises(ValueError, match="clip_norm must be a positive number"):
        make_trainer(shapes, clip_norm=0.0)
