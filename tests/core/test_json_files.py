"""Reading JSON files: one clear message naming the file for each way it can be wrong."""

import pytest

from core.files.json_files import read_json


def test_reads_json(tmp_path):
    (tmp_path / "k.json").write_text('{"values": [[1, 2]]}', encoding="utf-8")
    assert read_json(tmp_path / "k.json", "kernel file") == {"values": [[1, 2]]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"gone.json: no such file \(expected a kernel file\)"),
        (b"\xff\xfe\x00binary", r"gone.json: not UTF-8 text \(byte 0xff on line 1\), so not a "
                                 r"kernel file"),
        (b'{"values": [1, 2', r"gone.json: not valid JSON \(.* line 1, column \d+\); expected"),
    ],
)
def test_each_problem_names_the_file(tmp_path, content, message):
    if content is not None:
        (tmp_path / "gone.json").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_json(tmp_path / "gone.json", "kernel file")


def test_a_folder_is_not_readable(tmp_path):
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(ValueError, match=r"dir.json: a folder, not a network spec"):
        read_json(tmp_path / "dir.json", "network spec")
