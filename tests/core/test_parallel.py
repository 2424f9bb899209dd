"""The engine's threads: the shared pool, the batch split, and the same numbers on 1 and 2
threads (bit for bit when BLAS runs on one thread either way), gradients checked in float64."""

import json
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from core import thread_pool
from core.nn import parallel
from core.nn.gradcheck import check_model
from core.nn.losses import SoftmaxCrossEntropy
from core.nn.model import Sequential
from core.nn.optim import SGD
from core.nn.parallel import using_threads
from core.resources import resource_path
from tests.core.test_gradcheck import CNN


@pytest.fixture(autouse=True)
def small_pipelines_split(monkeypatch):
    """Pipelines of little work are split too here, so that small batches test the split (and
    one test sets the threshold back)."""
    monkeypatch.setattr(parallel, "SMALL_PIPELINE", 0)


def test_a_pipeline_of_little_work_runs_whole_on_the_calling_thread(monkeypatch):
    monkeypatch.setattr(parallel, "SMALL_PIPELINE", 100_000)
    caller = threading.current_thread()
    with using_threads(2):
        for values in (40_000, 60_000, None):
            log = []

            def work(part, log=log):
                log.append((part, threading.current_thread()))

            with parallel.batch_pipeline(8):
                for _ in range(2):
                    parallel.over_batch(work, 8, values=values)
            if values == 40_000:  # 80,000 in all: under the threshold, one part, here
                assert log == [(slice(0, 8), caller)] * 2
            else:  # 120,000, or work that does not say: shared out
                assert sorted(part.start for part, _ in log) == [0, 0, 4, 4]


def test_pool_runs_every_job_once_on_two_threads():
    seen, names = [], {}

    def job(i):
        seen.append(i)
        names[i] = threading.current_thread().name

    thread_pool.run(job, [(i,) for i in range(20)], threads=2)
    assert sorted(seen) == list(range(20))
    assert names[0] == threading.current_thread().name  # the caller works too


def test_pool_raises_the_error_of_a_job():
    def job(i):
        if i == failing:
            raise ValueError(f"job {i} failed")

    for failing in (0, 3):
        with pytest.raises(ValueError, match=f"job {failing} failed"):
            thread_pool.run(job, [(i,) for i in range(4)], threads=2)


def test_pool_used_from_inside_a_job_does_not_stall():
    totals = []

    def outer(i):
        inner = []
        thread_pool.run(inner.append, [(j,) for j in range(3)], threads=2)
        totals.append(sum(inner))

    thread_pool.run(outer, [(i,) for i in range(4)], threads=2)
    assert totals == [3, 3, 3, 3]


def test_batch_is_split_only_inside_using_threads_and_the_count_comes_back():
    assert parallel.threads() == 1
    assert parallel.batch_parts(64) == [slice(0, 64)]
    with using_threads(2):
        assert parallel.threads() == 2
        assert parallel.batch_parts(64) == [slice(0, 32), slice(32, 64)]
        assert parallel.batch_parts(9) == [slice(0, 4), slice(4, 9)]
        assert parallel.batch_parts(5) == [slice(0, 5)]  # too few samples to share
        assert parallel.batch_parts(0) == [slice(0, 0)]
    assert parallel.threads() == 1


def test_thread_count_belongs_to_the_calling_thread():
    seen = []
    with using_threads(2):
        other = threading.Thread(target=lambda: seen.append(parallel.threads()))
        other.start()
        other.join()
    assert seen == [1]


@pytest.mark.parametrize("count", [0, -1, 1.5, True, "2"])
def test_using_threads_refuses_a_count_that_is_not_a_positive_integer(count):
    with pytest.raises(ValueError, match="count must be an integer >= 1"):
        with using_threads(count):
            pass


def _template(name: str) -> dict:
    return json.loads(resource_path("models", f"{name}.json").read_text(encoding="utf-8"))


def _train(name: str, threads: int, steps: int = 3) -> dict:
    model = Sequential.from_spec(_template(name), seed=0)
    loss, optimizer = SoftmaxCrossEntropy(), SGD(0.05, momentum=0.9)
    rng = np.random.default_rng(1)
    with using_threads(threads):
        for _ in range(steps):
            x = rng.random((24, *model.input_shape), dtype=np.float32)
            loss.forward(model.forward(x, training=True), rng.integers(0, 10, 24))
            model.zero_grad()
            model.backward(loss.backward())
            optimizer.step(model.named_parameters())
    return model.get_weights()


@pytest.mark.parametrize("name", ["reference", "lenet5"])
def test_training_steps_on_one_and_two_threads_give_the_same_weights(name):
    with threadpool_limits(limits=1, user_api="blas"):
        one, two = _train(name, 1), _train(name, 2)
    assert one.keys() == two.keys()
    for key in one:
        np.testing.assert_array_equal(one[key], two[key], err_msg=key)
    start = Sequential.from_spec(_template(name), seed=0).get_weights()
    assert all(not np.array_equal(one[key], start[key]) for key in one)  # the steps trained
    free = _train(name, 1)  # BLAS on as many threads as it likes: float32 rounding at most
    for key in one:
        np.testing.assert_allclose(free[key], two[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("batch", [8, 9])
def test_whole_cnn_passes_gradcheck_on_two_threads(batch):
    model = Sequential.from_spec(CNN, seed=batch, dtype=np.float64)
    x = np.random.default_rng(batch).standard_normal((batch, 2, 9, 8))
    labels = np.arange(batch) % 3
    with using_threads(2):
        assert len(parallel.batch_parts(batch)) == 2
        errors = check_model(model, x, labels, SoftmaxCrossEntropy(), max_checks=30)
    assert set(errors) == {"input"} | {name for name, _, _ in model.named_parameters()}
    assert max(errors.values()) < 1e-6, errors


def _one_pass(model, x, loss_gradient, threads: int):
    """(output, dE/dx, {name: dE/dW}) of one forward and backward on `threads` threads, BLAS on
    one, with dE/d(output) = loss_gradient(output)."""
    with threadpool_limits(limits=1, user_api="blas"), using_threads(threads):
        out = model.forward(x, training=True)
        model.zero_grad()
        grad_x = model.backward(loss_gradient(out), input_grad=True)
    return out, grad_x, {name: grad.copy() for name, _, grad in model.named_parameters()}


def _assert_same_on_one_and_two_threads(model, x, loss_gradient) -> None:
    """Output, input gradient and every weight gradient equal bit for bit on 1 and 2 threads."""
    (out1, gx1, g1), (out2, gx2, g2) = (_one_pass(model, x, loss_gradient, t) for t in (1, 2))
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(gx1, gx2)
    assert g1.keys() == g2.keys()
    for name in g1:
        np.testing.assert_array_equal(g1[name], g2[name], err_msg=name)


def test_every_block_gives_the_same_outputs_and_gradients_on_two_threads():
    model = Sequential.from_spec(CNN, seed=3, dtype=np.float64)
    _assert_same_on_one_and_two_threads(model, np.random.default_rng(3).standard_normal(
        (10, 2, 9, 8)), np.cos)


def test_a_pipeline_does_the_batch_work_at_its_end_and_then_the_steps_after_it():
    log = []
    with using_threads(2):
        with parallel.batch_pipeline(8):
            parallel.over_batch(lambda part: log.append(("first", part.start)), 8)
            parallel.afterwards(lambda: log.append(("sum", None)))
            parallel.over_batch(lambda part: log.append(("second", part.start)), 8)
            assert log == []  # only collected so far
        assert sorted(log[:4]) == [("first", 0), ("first", 4), ("second", 0), ("second", 4)]
        assert log[4:] == [("sum", None)]
        # each thread takes its part through the blocks in order
        assert log.index(("first", 0)) < log.index(("second", 0))
        assert log.index(("first", 4)) < log.index(("second", 4))


def test_a_paused_pipeline_finishes_its_work_first_and_small_work_runs_at_once():
    log = []
    with using_threads(2), parallel.batch_pipeline(8):
        parallel.over_batch(lambda part: log.append(("conv", part.start)), 8)
        with parallel.pipeline_paused():
            assert sorted(log) == [("conv", 0), ("conv", 4)]
            parallel.over_batch(lambda part: log.append(("dense", part.start)), 8)
            assert sorted(log)[-2:] == [("dense", 0), ("dense", 4)]
        parallel.over_batch(lambda part: log.append(("tiny", part)), 8, values=10)
        assert log[-1] == ("tiny", slice(0, 8))  # nothing was waiting: done at once, whole
    with parallel.batch_pipeline(8):  # one thread: nothing is collected
        parallel.over_batch(lambda part: log.append(("alone", part)), 8)
        assert log[-1] == ("alone", slice(0, 8))


def test_an_error_in_a_pipeline_reaches_the_caller_and_the_next_pass_runs():
    def fail(part):
        raise ValueError("bad part")

    with using_threads(2):
        with pytest.raises(ValueError, match="bad part"):
            with parallel.batch_pipeline(8):
                parallel.over_batch(fail, 8)
        done = []
        with parallel.batch_pipeline(8):
            parallel.over_batch(lambda part: done.append(part.start), 8)
        assert sorted(done) == [0, 4]


CHAIN = {"name": "chain", "input_shape": [2, 11, 10], "layers": [
    {"class": "Conv2D", "config": {"out_channels": 3, "kernel_size": 3, "padding": 1}},
    {"class": "Conv2D", "config": {"out_channels": 8, "kernel_size": 3, "padding": 2}},
    {"class": "MaxPool2D", "config": {"size": 3, "stride": 2}},
    {"class": "Conv2D", "config": {"out_channels": 2, "kernel_size": 2, "padding": 1}},
    {"class": "Sigmoid", "config": {}},
    {"class": "MaxPool2D", "config": {"size": 2}},
    {"class": "ReLU", "config": {}},
    {"class": "Flatten", "config": {}},
    {"class": "Dense", "config": {"out_features": 3}}]}


def test_blocks_chained_without_activations_give_the_same_numbers_on_two_threads():
    # Conv straight into a padded Conv (whose input gradient is a padded view), overlapping and
    # cropped pools, and a block that is not pipelined in the middle of the string.
    model = Sequential.from_spec(CHAIN, seed=4, dtype=np.float64)
    x = np.random.default_rng(4).standard_normal((9, 2, 11, 10))
    _assert_same_on_one_and_two_threads(model, x, np.sin)
    with using_threads(2):
        errors = check_model(model, x, np.arange(9) % 3, SoftmaxCrossEntropy(), max_checks=30)
    assert max(errors.values()) < 1e-6, errors


def test_work_on_another_batch_inside_a_pipeline_waits_for_the_collected_work():
    log = []
    with using_threads(2), parallel.batch_pipeline(8):
        parallel.over_batch(lambda part: log.append(("collected", part.start)), 8)
        parallel.over_batch(lambda part: log.append(("other", part.start)), 12)
        assert sorted(log[:2]) == [("collected", 0), ("collected", 4)]
        assert sorted(log[2:]) == [("other", 0), ("other", 6)]
