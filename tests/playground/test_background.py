"""The two ways to run work in the background: the newest of many jobs, and one long job."""

import threading

import pytest
from PySide6.QtCore import QObject

from core.jobs import Cancelled, check_stop
from playground.app import make_application
from playground.widgets.background import BackgroundTask, LatestJobRunner, stop_tasks


@pytest.fixture
def owner(qtbot):
    make_application()
    parent = QObject()
    yield parent
    assert stop_tasks(parent)


def held_job(release: threading.Event, result, started: threading.Event | None = None):
    """A job that reports progress, then waits for `release` (or a stop), then returns."""

    def job(progress, should_stop):
        progress(0.5)
        if started is not None:
            started.set()
        while not release.wait(0.01):
            check_stop(should_stop)
        return result

    return job


def test_a_newer_job_supersedes_an_older_one(owner, qtbot):
    runner = LatestJobRunner(owner)
    results, percents = [], []
    runner.result_ready.connect(results.append)
    runner.progress.connect(percents.append)
    started, never = threading.Event(), threading.Event()
    runner.submit(held_job(never, "old", started))
    assert runner.busy
    assert started.wait(10)
    with qtbot.waitSignal(runner.busy_changed, timeout=10_000) as idle:
        runner.submit(lambda progress, should_stop: "new")
    assert idle.args == [False]
    assert results == ["new"]  # the old job was stopped; its result never arrives
    assert percents == [100]  # nor its progress (50%)


def test_cancel_drops_the_result_and_errors_are_reported(owner, qtbot):
    runner = LatestJobRunner(owner)
    results, failures = [], []
    runner.result_ready.connect(results.append)
    runner.failed.connect(failures.append)
    with qtbot.waitSignal(runner.busy_changed, timeout=10_000):
        runner.submit(held_job(threading.Event(), "kept"))
        runner.cancel()
    assert results == [] and failures == []

    def broken(progress, should_stop):
        raise ValueError("the kernel is empty")

    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.submit(broken)
    assert failed.args == ["the kernel is empty"]


def test_only_core_cancelled_means_cancelled(owner, qtbot, capsys):
    class Cancelled(Exception):  # noqa: N818 - a look-alike of core.jobs.Cancelled
        pass

    def look_alike(progress, should_stop):
        raise Cancelled("not the engine's")

    runner = LatestJobRunner(owner)
    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.submit(look_alike)
    assert failed.args == ["not the engine's"]
    assert "Cancelled" in capsys.readouterr().err  # an unexpected error shows its traceback


def test_a_task_reports_progress_then_its_result_in_the_gui_thread(owner, qtbot):
    def job(progress, should_stop):
        for done in range(1, 4):
            progress(done, 3)
        return "loaded"

    task = BackgroundTask(job, name="loading", parent=owner)
    reports, threads, results = [], [], []
    task.progressed.connect(lambda values: (reports.append(values),
                                            threads.append(threading.current_thread())))
    task.finished.connect(results.append)
    with qtbot.waitSignals([task.finished, task.ended], timeout=10_000):
        task.start()
    assert reports == [(1, 3), (2, 3), (3, 3)] and results == ["loaded"]
    assert set(threads) == {threading.main_thread()}
    assert not task.is_running() and task.worker_thread.objectName() == "loading"


def test_a_stopped_task_says_cancelled_and_a_broken_one_failed(owner, qtbot):
    started = threading.Event()
    task = BackgroundTask(held_job(threading.Event(), "never", started), parent=owner)
    outcomes = []
    task.finished.connect(lambda result: outcomes.append("finished"))
    task.failed.connect(lambda error: outcomes.append("failed"))
    task.start()
    assert task.is_running() and started.wait(10)
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        task.stop()
    assert outcomes == [] and not task.is_running()

    def broken(progress, should_stop):
        raise KeyError("weight")

    task = BackgroundTask(broken, parent=owner)
    with qtbot.waitSignal(task.failed, timeout=10_000) as failed:
        task.start()
    assert isinstance(failed.args[0], KeyError)


def test_stop_and_wait_ends_the_thread_and_discard_silences_the_task(owner, qtbot):
    task = BackgroundTask(held_job(threading.Event(), "never"), parent=owner)
    task.start()
    assert task.stop_and_wait(30_000)
    assert task.worker_thread.isFinished() and not task.is_running()

    started = threading.Event()
    discarded = BackgroundTask(held_job(threading.Event(), "never", started), parent=owner)
    heard = []
    for signal in (discarded.progressed, discarded.finished, discarded.cancelled):
        signal.connect(lambda *args: heard.append(args))
    discarded.start()
    assert started.wait(10)
    discarded.discard()  # stops it; it is deleted once its thread has ended
    with qtbot.waitSignal(discarded.destroyed, timeout=10_000):
        pass
    assert heard == [] and owner.findChildren(BackgroundTask) == [task]


def test_stop_tasks_waits_for_every_task_of_an_owner(owner):
    tasks = [BackgroundTask(held_job(threading.Event(), n), parent=owner) for n in range(3)]
    for task in tasks:
        task.start()
    assert stop_tasks(owner)
    assert all(task.worker_thread.isFinished() for task in tasks)


def test_cancelled_is_the_engines_one():
    with pytest.raises(Cancelled, match="loading was cancelled"):
        check_stop(lambda: True, "loading")


def test_a_job_stuck_past_the_grace_is_abandoned_and_kept_until_it_ends(owner, qtbot):
    from playground.widgets.background import running_abandoned

    started, release, events = threading.Event(), threading.Event(), []

    def stuck(progress, should_stop):  # one long step that does not look at should_stop
        started.set()
        release.wait()
        events.append("step ended")
        return "late"

    task = BackgroundTask(stuck, name="stuck job", parent=owner)
    heard = []
    task.finished.connect(heard.append)
    task.start()
    assert started.wait(10)
    assert not task.stop_or_abandon(grace_ms=50)
    events.append("close went on")
    assert task.parent() is None and owner.findChildren(BackgroundTask) == []
    assert running_abandoned() == ["stuck job"]
    with qtbot.waitSignal(task.destroyed, timeout=10_000):
        release.set()
    assert events == ["close went on", "step ended"]
    assert running_abandoned() == [] and heard == []  # silent once abandoned


def test_a_runner_whose_job_is_stuck_past_the_grace_is_kept_until_the_job_ends(owner, qtbot):
    from playground.widgets.background import running_abandoned

    started, release = threading.Event(), threading.Event()

    def stuck(progress, should_stop):
        started.set()
        release.wait()
        return "late"

    runner = LatestJobRunner(owner)
    runner.submit(stuck)
    assert started.wait(10)
    assert not runner.shutdown(grace_ms=50)
    assert runner.parent() is None and running_abandoned() == ["job"]
    release.set()
    qtbot.waitUntil(lambda: running_abandoned() == [], timeout=10_000)
