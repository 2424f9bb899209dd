"""`playground summary SPEC.json` prints the table and reports broken specs in one line."""

import json

from core.resources import resource_path
from playground.cli import run_cli


def test_summary_prints_the_reference_network(capsys):
    code = run_cli(["summary", str(resource_path("models", "reference.json"))])
    out = capsys.readouterr().out
    assert code == 0
    assert 'Network "reference": input 1x28x28' in out
    assert "Conv2D(8->16, 3x3, stride 1, pad 1)" in out and "16x14x14" in out
    assert out.strip().endswith("Total params: 9,098 (trainable 9,098)")


def test_summary_shows_the_first_block_that_does_not_fit(tmp_path, capsys):
    spec = json.loads(resource_path("models", "reference.json").read_text())
    spec["input_shape"] = [1, 3, 3]
    path = tmp_path / "small.json"
    path.write_text(json.dumps(spec))
    assert run_cli(["summary", str(path)]) == 1
    out = capsys.readouterr().out
    assert "error: MaxPool2D(2) at position 5 gets 1x1 maps" in out


def test_summary_reports_unreadable_files_in_one_line(tmp_path, capsys):
    assert run_cli(["summary", str(tmp_path / "absent.json")]) == 1
    assert "absent.json: no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    assert run_cli(["summary", str(bad)]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    bad.write_text('{"input_shape": [1, 28, 28, 1], "layers": []}')
    assert run_cli(["summary", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "input_shape must be" in err
