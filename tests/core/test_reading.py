"""The reading layer: regular files only, sizes checked before and while reading, JSON bounded."""

import os
import tracemalloc

import numpy as np
import pytest

from core.files.json_files import nesting_depth, read_json
from core.files.reading import FileReadError, check_file, read_bytes, read_text, size_text
from core.nn.init import he_normal, xavier_uniform
from core.nn.model import Sequential


def test_a_regular_file_is_read_whole(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"12345")
    assert check_file(tmp_path / "a.bin", "weights file") == 5
    assert read_bytes(tmp_path / "a.bin", "weights file", max_bytes=5) == b"12345"
    with pytest.raises(FileReadError, match=r"a.bin: 5 bytes is more than a weights file can "
                                            r"be \(the limit is 4 bytes\)"):
        read_bytes(tmp_path / "a.bin", "weights file", max_bytes=4)


def test_a_file_that_claims_no_size_is_still_read_only_up_to_the_limit():
    """/proc files say they hold 0 bytes; the limit holds while reading."""
    status = "/proc/self/status"
    if not os.path.exists(status):
        pytest.skip("no /proc on this system")
    assert os.stat(status).st_size == 0
    with pytest.raises(FileReadError, match="status: .* is more than a status file can be"):
        read_bytes(status, "status file", max_bytes=10)


def test_a_pipe_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "p.json")
    with pytest.raises(ValueError, match=r"p.json: a named pipe \(FIFO\), not a network spec"):
        read_json(tmp_path / "p.json", "network spec")


def test_text_in_another_encoding_names_the_byte_and_line(tmp_path):
    (tmp_path / "classes.txt").write_bytes("zero\nun\nd\xe9ux\n".encode("latin-1"))
    with pytest.raises(FileReadError, match=r"classes.txt: not UTF-8 text \(byte 0xe9 on line "
                                            r"3\), so not a list of classes; save it as UTF-8"):
        read_text(tmp_path / "classes.txt", "list of classes", max_bytes=1000)


def test_nesting_is_counted_outside_strings_only():
    assert nesting_depth(b'{"a": "[[[[{{{{", "b": [[1], {"c": "]]]"}]}') == 3
    assert nesting_depth(b'["\\"[[[", [[]]]') == 3
    assert nesting_depth(b"[" * 5000) == 5000
    assert nesting_depth(b"42") == 0


def test_sizes_are_written_for_people():
    assert [size_text(n) for n in (12, 2048, 3 << 20, 6 << 30)] == [
        "12 bytes", "2.0 KB", "3.0 MB", "6.0 GB"]


@pytest.mark.parametrize("draw", [he_normal, xavier_uniform])
def test_weights_are_drawn_a_chunk_at_a_time_with_the_same_numbers(draw, monkeypatch):
    import core.nn.init as init

    whole = draw((40, 30), np.random.default_rng(5))
    monkeypatch.setattr(init, "CHUNK", 7)
    chunked = draw((40, 30), np.random.default_rng(5))
    assert chunked.dtype == np.float32
    np.testing.assert_array_equal(chunked, whole)


def test_a_network_is_built_without_float64_copies_of_its_weights():
    spec = {"input_shape": [4000], "layers": [{"class": "Dense",
                                               "config": {"out_features": 2000}}]}
    tracemalloc.start()
    try:
        model = Sequential.from_spec(spec)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    weights = 4000 * 2000 * 4  # 32 MB as float32; float64 draws would add 64 MB
    assert model.layers[0].params["weight"].dtype == np.float32
    assert peak < 2 * weights + 16 * 2**20  # the weights, their gradients and one chunk
