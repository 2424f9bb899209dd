"""The user's kernels live in <data>/Playground/kernels; the old Playground/Playground folder is
moved over once, without losing a kernel."""

import json

from playground.app import make_application
from playground.widgets.user_kernels import move_old_kernels, user_kernel_folder


def _kernel(path, name, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": name, "kernel": [[value]]}))


def test_the_folder_is_playground_kernels_under_the_data_home(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    make_application()
    assert user_kernel_folder() == tmp_path / "Playground" / "kernels"


def test_old_kernels_are_moved_once_and_none_is_lost(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    old = tmp_path / "Playground" / "Playground" / "kernels"
    new = tmp_path / "Playground" / "kernels"
    _kernel(old / "My edge.json", "My edge", 1)
    _kernel(old / "blur.json", "blur", 2)  # same name as a new one, other numbers: both kept
    _kernel(old / "same.json", "same", 3)  # the same file in both: kept once
    _kernel(new / "blur.json", "blur", 5)
    _kernel(new / "same.json", "same", 3)
    make_application()  # moves them at start-up
    assert sorted(p.name for p in new.iterdir()) == ["My edge.json", "blur 2.json", "blur.json",
                                                     "same.json"]
    assert json.loads((new / "blur.json").read_text())["kernel"] == [[5]]
    assert json.loads((new / "blur 2.json").read_text())["kernel"] == [[2]]
    assert json.loads((new / "My edge.json").read_text())["name"] == "My edge"
    assert not (tmp_path / "Playground" / "Playground").exists()
    assert move_old_kernels() == []  # once: nothing left to move
    assert len(list(new.iterdir())) == 4


def test_a_file_that_cannot_move_stays_for_the_next_start(qtbot, monkeypatch, tmp_path):
    old, new = tmp_path / "old" / "kernels", tmp_path / "new"
    _kernel(old / "a.json", "a", 1)
    _kernel(old / "b.json", "b", 2)
    real_move = __import__("shutil").move

    def failing_move(source, target):
        if source.endswith("a.json"):
            raise PermissionError("read-only")
        return real_move(source, target)

    monkeypatch.setattr("playground.widgets.user_kernels.shutil.move", failing_move)
    assert move_old_kernels(old, new) == [new / "b.json"]
    assert (old / "a.json").exists()  # not lost: still in the old folder
    monkeypatch.setattr("playground.widgets.user_kernels.shutil.move", real_move)
    assert move_old_kernels(old, new) == [new / "a.json"]
    assert not old.exists()
