"""Small generated files that are damaged, lie about their size or are not files at all, for
every reader of Playground (used by test_hostile_files.py).

Each case is (name, make) where `make(folder)` writes the file into a fresh folder and returns
the path the reader is given. Nothing here is larger than a few megabytes on disk (large
"files" are sparse), so the whole corpus is generated in seconds.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

from core.nn.model import Sequential
from core.train.bundle import save_bundle
from core.train.history import History
from core.train.recipe import Recipe

SPEC = {"name": "tiny", "input_shape": [1, 4, 4], "classes": ["a", "b", "c"],
        "layers": [{"class": "Flatten", "config": {}},
                   {"class": "Dense", "config": {"in_features": 16, "out_features": 3}}]}
KERNEL = {"name": "edge", "values": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "divisor": 1,
          "offset": 0}
HISTORY = History(batches=[{"epoch": 1, "batch": 1, "batches": 1, "step": 1, "loss": 0.5,
                            "accuracy": 0.5, "lr": 0.1, "samples_per_s": 10.0}],
                  epochs=[{"epoch": 1, "train_loss": 0.5, "train_accuracy": 0.5,
                           "test_loss": None, "test_accuracy": None, "lr": 0.1,
                           "seconds": 1.0}],
                  stats=[{"step": 1, "layers": [{"index": 1, "name": "1 Dense",
                                                 "grad_norm": 0.1, "weight_norm": 1.0,
                                                 "update_ratio": 0.01}]}],
                  stop_reason="finished", meta={"epochs": 1, "mean": [0.5], "std": [0.25]})


# ----- the kinds of things that are not regular files --------------------------------------
def special(kind: str):
    """A maker putting a pipe, folder, device link, link loop, dangling link, nothing or an
    empty file where the file should be."""

    def make(folder: Path, name: str) -> Path:
        path = folder / name
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "dev-zero":
            path.symlink_to("/dev/zero")
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "dangling":
            path.symlink_to(folder / "nowhere")
        elif kind == "empty":
            path.write_bytes(b"")
        return path

    return make


SPECIAL = ("fifo", "folder", "dev-zero", "loop", "dangling", "missing", "empty")


def sparse(path: Path, size: int, start: bytes = b"") -> Path:
    """A file of `size` bytes on paper that takes almost no disk: `start`, then a hole."""
    with open(path, "wb") as handle:
        handle.write(start)
        handle.truncate(size)
    return path


# ----- JSON documents ---------------------------------------------------------------------
def json_damage(text: str) -> list[tuple[str, bytes]]:
    """(name, bytes) variants of a JSON document that no reader may accept."""
    data = text.encode()
    found = [(f"truncated-{k}", data[: len(data) * k // 10]) for k in range(1, 10)]
    structural = [i for i, c in enumerate(data) if c in b'{}[]:,"']
    for k in range(10):
        i = structural[(k * 7919) % len(structural)]
        found.append((f"flipped-{k}", data[:i] + b"#" + data[i + 1:]))
    found += [
        ("nested-1000", b"[" * 1000 + b"]" * 1000),
        ("nested-100000", b"[" * 100_000),
        ("nested-objects", b'{"a":' * 5000 + b"1" + b"}" * 5000),
        ("nan", data.replace(b"1", b"NaN", 1)),
        ("infinity", b'{"x": Infinity}'),
        ("overflowing-float", b'{"x": 1e400}'),
        ("400-digits", b'{"x": ' + b"9" * 400 + b"}"),
        ("5000-digits", b'{"x": ' + b"9" * 5000 + b"}"),
        ("latin-1", text.replace('"', '"\xe9', 1).encode("latin-1", "replace")),
        ("utf-16", text.encode("utf-16")),
        ("binary", bytes(range(256)) * 4),
        ("top-list", b"[1, 2, 3]"),
        ("top-string", b'"a network"'),
        ("top-number", b"42"),
        ("top-null", b"null"),
    ]
    return found


def json_file(name: str, content) -> callable:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
        return path

    return make


def sparse_json(name: str, size: int):
    return lambda folder: sparse(folder / name, size, b'{"values": [')


# ----- specs and saved models ---------------------------------------------------------------
def spec_variants() -> list[tuple[str, dict]]:
    """Specs whose structure or values are wrong in ways a reader must name."""
    def with_layers(*layers, **top):
        return {**SPEC, **top, "layers": list(layers)}

    dense = {"class": "Dense", "config": {"out_features": 3}}
    flat = {"class": "Flatten", "config": {}}
    cases = [
        ("class-list", with_layers(flat, {"class": ["Dense"], "config": {}})),
        ("class-object", with_layers(flat, {"class": {"a": 1}, "config": {}})),
        ("class-number", with_layers(flat, {"class": 5, "config": {}})),
        ("class-unknown", with_layers(flat, {"class": "Transformer", "config": {}})),
        ("config-list", with_layers(flat, {"class": "Dense", "config": [16, 3]})),
        ("config-string", with_layers(flat, {"class": "Dense", "config": "16->3"})),
        ("block-string", with_layers(flat, "Dense")),
        ("block-null", with_layers(flat, None)),
        ("layers-object", {**SPEC, "layers": {"0": flat}}),
        ("layers-missing", {k: v for k, v in SPEC.items() if k != "layers"}),
        ("input-missing", {k: v for k, v in SPEC.items() if k != "input_shape"}),
        ("input-zero", {**SPEC, "input_shape": [0, 4, 4]}),
        ("input-negative", {**SPEC, "input_shape": [1, -4, 4]}),
        ("input-rank-4", {**SPEC, "input_shape": [1, 1, 4, 4]}),
        ("input-floats", {**SPEC, "input_shape": [1.5, 4, 4]}),
        ("input-strings", {**SPEC, "input_shape": ["1", "4", "4"]}),
        ("input-bools", {**SPEC, "input_shape": [True, 4, 4]}),
        ("input-huge", {**SPEC, "input_shape": [1, 100_000, 100_000]}),
        ("input-wraps", {**SPEC, "input_shape": [2**32, 2**32, 2**32]}),
        ("classes-string", {**SPEC, "classes": "abc"}),
        ("classes-numbers", {**SPEC, "classes": [1, 2, 3]}),
        ("features-string", with_layers(flat, {"class": "Dense", "config": {
            "in_features": "16", "out_features": 3}})),
        ("features-float", with_layers(flat, {"class": "Dense", "config": {
            "in_features": 16, "out_features": 2.5}})),
        ("features-bool", with_layers(flat, {"class": "Dense", "config": {
            "in_features": 16, "out_features": True}})),
        ("features-negative", with_layers(flat, {"class": "Dense", "config": {
            "in_features": 16, "out_features": -3}})),
        ("features-huge", with_layers(flat, {"class": "Dense", "config": {
            "in_features": 16, "out_features": 10**30}})),
        ("features-list", with_layers(flat, {"class": "Dense", "config": {
            "in_features": 16, "out_features": [3]}})),
        ("unknown-setting", with_layers(flat, {"class": "Dense", "config": {
            "in_features": 16, "out_features": 3, "units": 3}})),
        ("wrong-fit", with_layers(flat, {"class": "Dense", "config": {
            "in_features": 15, "out_features": 3}})),
        ("dense-10-million", {**SPEC, "input_shape": [1, 1000, 1000], "layers": [
            flat, {"class": "Dense", "config": {"out_features": 100}}]}),
        ("conv-huge-maps", {**SPEC, "input_shape": [3, 1024, 1024], "layers": [
            {"class": "Conv2D", "config": {"out_channels": 4096, "kernel_size": 3}}]}),
        ("init-string", with_layers({"class": "Conv2D", "config": {"out_channels": 2},
                                     "init": "sobel"}, flat, dense)),
        ("init-kernels-bad", with_layers({"class": "Conv2D", "config": {"out_channels": 2},
                                          "init": {"kernels": [{"values": "x"}]}}, flat, dense)),
        ("init-on-dense", with_layers(flat, {**dense, "init": {"kernels": [
            {"name": "k", "values": [[1]]}]}})),
        ("init-too-many", with_layers({"class": "Conv2D", "config": {"out_channels": 1},
                                       "init": {"kernels": [{"name": "k", "values": [[1]]}] * 3}},
                                      flat, dense)),
        ("dropout-p-string", with_layers(flat, {"class": "Dropout", "config": {"p": "half"}},
                                         dense)),
        ("dropout-p-big", with_layers(flat, {"class": "Dropout", "config": {"p": 2.0}}, dense)),
        ("pool-stride-list", with_layers({"class": "MaxPool2D", "config": {"stride": [2]}},
                                         flat, dense)),
        ("padding-word", with_layers({"class": "Conv2D", "config": {"padding": "valid"}},
                                     flat, dense)),
        ("no-blocks", with_layers()),
        ("name-object", {**SPEC, "name": {"first": "tiny"}}),
    ]
    return cases


def saved_model(folder: Path, *, history: History | None = HISTORY) -> Path:
    """A real saved model (tiny), its prefix returned."""
    model = Sequential.from_spec(SPEC, seed=1)
    recipe = Recipe(normalize=True, mean=[0.5], std=[0.25])
    save_bundle(folder / "m", model, recipe=recipe, history=history)
    return folder / "m"


def edited_model(edit):
    """A maker saving a model, then changing its model document with `edit(document)`."""

    def make(folder: Path) -> Path:
        prefix = saved_model(folder)
        path = prefix.with_suffix(".json")
        document = json.loads(path.read_text())
        edit(document)
        path.write_text(json.dumps(document))
        return path

    return make


def section_edits() -> list[tuple[str, callable]]:
    """Changes to a saved model's "bundle" section that must be refused."""
    def setting(*keys, value):
        def edit(document):
            target = document
            for key in keys[:-1]:
                target = target[key]
            target[keys[-1]] = value
        return edit

    cases = [
        ("version-string", setting("bundle", "version", value="2")),
        ("version-list", setting("bundle", "version", value=[2])),
        ("version-newer", setting("bundle", "version", value=99)),
        ("version-old", setting("bundle", "version", value=1)),
        ("format-other", setting("bundle", "format", value="keras")),
        ("section-list", setting("bundle", value=[1, 2])),
        ("weights-entry-missing", setting("bundle", "weights", value=None)),
        ("weights-sha-number", setting("bundle", "weights", "sha256", value=12)),
        ("pre-missing", setting("bundle", "preprocessing", value=None)),
        ("pre-shape-other", setting("bundle", "preprocessing", "input_shape",
                                    value=[1, 100_000, 100_000])),
        ("pre-shape-strings", setting("bundle", "preprocessing", "input_shape",
                                      value=["1", "4", "4"])),
        ("pre-mean-long", setting("bundle", "preprocessing", "mean", value=[0.5] * 7)),
        ("pre-mean-string", setting("bundle", "preprocessing", "mean", value="0.5")),
        ("pre-mean-strings", setting("bundle", "preprocessing", "mean", value=["0.5"])),
        ("pre-std-zero", setting("bundle", "preprocessing", "std", value=[0])),
        ("pre-std-negative", setting("bundle", "preprocessing", "std", value=[-1.0])),
        ("pre-std-missing", setting("bundle", "preprocessing", "std", value=None)),
        ("pre-classes-numbers", setting("bundle", "preprocessing", "classes", value=[1, 2])),
        ("recipe-list", setting("bundle", "recipe", value=[1])),
        ("recipe-epochs-string", setting("bundle", "recipe", "epochs", value="5")),
        ("recipe-optimizer-list", setting("bundle", "recipe", "optimizer", value=["Adam"])),
        ("recipe-lr-word", setting("bundle", "recipe", "optimizer", "config", "lr",
                                   value="fast")),
        ("recipe-batch-zero", setting("bundle", "recipe", "batch_size", value=0)),
        ("recipe-schedule-list", setting("bundle", "recipe", "schedule", value=[1])),
    ]
    return cases


# ----- .npz archives --------------------------------------------------------------------------
def npz_bytes(arrays: dict, *, compress: bool = False) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def good_weights() -> dict:
    return Sequential.from_spec(SPEC, seed=1).get_weights()


def lying_zip(declared: int) -> bytes:
    """A valid .npz whose members claim to inflate to `declared` bytes each."""
    data = bytearray(npz_bytes(good_weights(), compress=True))
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:  # central directory entries
        struct.pack_into("<I", data, at + 24, declared)
        at += 4
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) >= 0:  # local headers
        struct.pack_into("<I", data, at + 22, declared)
        at += 4
    return bytes(data)


def npy_member(header: dict, payload: bytes) -> bytes:
    """An .npz with one member, "1.weight.npy", written with a hand-made .npy header."""
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, header)
    member.write(payload)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("1.weight.npy", member.getvalue())
        archive.writestr("1.bias.npy", _npy(np.zeros(3, np.float32)))
    return buffer.getvalue()


def _npy(array) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def npz_variants() -> list[tuple[str, bytes]]:
    good = npz_bytes(good_weights())
    packed = npz_bytes(good_weights(), compress=True)
    data_start = good.find(b"\x93NUMPY") + 128
    found = [(f"truncated-{k}", good[: len(good) * k // 10]) for k in range(10)]
    found += [(f"compressed-truncated-{k}", packed[: len(packed) * k // 10])
              for k in range(1, 10, 2)]
    for k in range(8):  # bytes of the numbers: the CRC no longer matches
        i = data_start + 13 * k
        found.append((f"flipped-data-{k}", good[:i] + bytes([good[i] ^ 0xFF]) + good[i + 1:]))
    for k in range(4):  # bytes of the compressed stream
        i = packed.find(b"\x93NUMPY") if k == 0 else len(packed) // 2 + 7 * k
        i = max(i, 40)
        found.append((f"flipped-deflate-{k}", packed[:i] + bytes([packed[i] ^ 0x55]) +
                      packed[i + 1:]))
    found += [
        ("npy-renamed", _npy(np.zeros(3, np.float32))),
        ("text", b"weights go here\n"),
        ("zip-of-text", _zip({"readme.txt": b"hello"})),
        ("declares-4-gb", lying_zip(0xFFFF_FFF0)),
        ("declares-6-mb", lying_zip(6 << 20)),
        ("object-array", npy_member({"descr": "|O", "fortran_order": False, "shape": (3, 16)},
                                    b"\x80\x04N." * 4)),
        ("int-array", npy_member({"descr": "<i4", "fortran_order": False, "shape": (3, 16)},
                                 bytes(4 * 48))),
        ("complex-array", npy_member({"descr": "<c16", "fortran_order": False,
                                      "shape": (3, 16)}, bytes(16 * 48))),
        ("shape-lies-huge", npy_member({"descr": "<f4", "fortran_order": False,
                                        "shape": (1 << 40,)}, bytes(192))),
        ("shape-other", npy_member({"descr": "<f4", "fortran_order": False, "shape": (16, 3)},
                                   bytes(192))),
        ("data-short", npy_member({"descr": "<f4", "fortran_order": False, "shape": (3, 16)},
                                  bytes(100))),
        ("data-long", npy_member({"descr": "<f4", "fortran_order": False, "shape": (3, 16)},
                                 bytes(400))),
        ("missing-array", npz_bytes({"1.weight": np.zeros((3, 16), np.float32)})),
        ("extra-array", npz_bytes({**good_weights(), "2.weight": np.zeros(3, np.float32)})),
        ("header-garbage", _zip({"1.weight.npy": b"\x93NUMPY\x01\x00\x10\x00{garbage}      \n",
                                 "1.bias.npy": _npy(np.zeros(3, np.float32))})),
        ("two-of-one-name", _zip({"1.weight.npy": _npy(np.zeros((3, 16), np.float32)),
                                  "1.bias.npy": _npy(np.zeros(3, np.float32))}, repeat=True)),
    ]
    return found


def _zip(members: dict, repeat: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
            if repeat:
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    archive.writestr(name, data)
    return buffer.getvalue()


# ----- IDX and CIFAR ----------------------------------------------------------------------------
def idx_bytes(type_code: int, shape, payload: bytes | None = None) -> bytes:
    head = bytes([0, 0, type_code, len(shape)]) + b"".join(
        int(s).to_bytes(4, "big") for s in shape)
    if payload is None:
        count = int(np.prod(shape, dtype=object)) if shape else 0
        payload = bytes(count)
    return head + payload


def idx_variants() -> list[tuple[str, bytes]]:
    good = idx_bytes(0x08, (2, 3, 3))
    return [
        ("too-short", b"\x00\x00"),
        ("magic", b"\x01\x02\x08\x01" + bytes(8)),
        ("type-unknown", bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 0])),
        ("no-dimensions", bytes([0, 0, 0x08, 0])),
        ("header-cut", bytes([0, 0, 0x08, 3, 0, 0, 0, 2])),
        ("255-dimensions", bytes([0, 0, 0x08, 255]) + bytes(16)),
        ("wraps-int64", idx_bytes(0x08, (1 << 16,) * 4, b"")),
        ("wraps-to-zero-with-data", idx_bytes(0x08, (1 << 16,) * 4, bytes(64))),
        ("declares-16-gb", idx_bytes(0x08, (4_000_000_000, 2, 2), bytes(1000))),
        ("declares-float64-huge", idx_bytes(0x0E, (100_000, 100_000), bytes(100))),
        ("truncated", good[:-5]),
        ("extra", good + b"more"),
        ("truncated-floats", idx_bytes(0x0D, (4, 4), bytes(30))),
        ("zero-count-with-data", idx_bytes(0x08, (0, 28, 28), bytes(10))),
    ]


def gzip_variants() -> list[tuple[str, bytes]]:
    good = gzip.compress(idx_bytes(0x08, (2, 3, 3)))
    return [
        ("gz-not-gzip", idx_bytes(0x08, (2, 3, 3))),
        ("gz-truncated", good[: len(good) // 2]),
        ("gz-flipped", good[:12] + bytes([good[12] ^ 0xFF]) + good[13:]),
        ("gz-crc", good[:-8] + b"\x00\x00\x00\x00" + good[-4:]),
        ("gz-bomb-small-header", gzip.compress(idx_bytes(0x08, (2, 3, 3), bytes(18 << 20)),
                                               compresslevel=1)),
        ("gz-bomb-huge-header", gzip.compress(idx_bytes(0x08, (3_000_000_000, 2), bytes(1 << 20)),
                                              compresslevel=1)),
        ("gz-empty", gzip.compress(b"")),
        ("gz-garbage", b"\x1f\x8b" + bytes(range(200))),
    ]


def idx_folder(folder: Path, *, labels: bytes | None = None, images: bytes | None = None,
               test_images: bytes | None = None, classes: bytes | None = None) -> Path:
    """An MNIST-style folder of four IDX files (2 images of 3x3 each), some replaced."""
    folder.mkdir(exist_ok=True)
    image = idx_bytes(0x08, (2, 3, 3))
    label = idx_bytes(0x08, (2,), bytes([0, 1]))
    files = {"train-images-idx3-ubyte": images or image, "train-labels-idx1-ubyte": labels or label,
             "t10k-images-idx3-ubyte": test_images or image, "t10k-labels-idx1-ubyte": label}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if classes is not None:
        (folder / "classes.txt").write_bytes(classes)
    return folder


def label_variants() -> list[tuple[str, dict]]:
    """Folders whose labels or images do not make a data set (the file named is listed)."""
    big = (2**31 - 1).to_bytes(4, "big")
    return [
        ("label-2-31", {"labels": idx_bytes(0x0C, (2,), big + big)}, "train-labels"),
        ("label-10000", {"labels": idx_bytes(0x0B, (2,), (10_000).to_bytes(2, "big") * 2)},
         "train-labels"),
        ("label-negative", {"labels": idx_bytes(0x09, (2,), b"\xff\x00")}, "train-labels"),
        ("label-float", {"labels": idx_bytes(0x0D, (2,), bytes(8))}, "train-labels"),
        ("label-count", {"labels": idx_bytes(0x08, (3,), bytes(3))}, "train-labels"),
        ("label-2d", {"labels": idx_bytes(0x08, (2, 1), bytes(2))}, "train-labels"),
        ("images-2d", {"images": idx_bytes(0x08, (2, 9))}, "train-images"),
        ("images-float", {"images": idx_bytes(0x0D, (2, 3, 3), bytes(72))}, "train-images"),
        ("images-other-size", {"test_images": idx_bytes(0x08, (2, 4, 4))}, "t10k-images"),
        ("classes-latin-1", {"classes": "z\xe9ro\nun\n".encode("latin-1")}, "classes.txt"),
        ("classes-too-few", {"classes": b"only one\n"}, "classes.txt"),
        ("classes-binary", {"classes": bytes(range(128, 256))}, "classes.txt"),
    ]


def cifar_variants() -> list[tuple[str, callable]]:
    record = 1 + 3 * 32 * 32

    def content(data: bytes):
        return lambda path: path.write_bytes(data)

    return [
        ("sparse-4-gb", lambda path: sparse(path, 4 << 30)),
        ("sparse-record-multiple", lambda path: sparse(path, record * 200_000)),
        ("not-records", content(bytes(record + 5))),
        ("one-byte", content(b"\x00")),
        ("label-10", content(b"\x0a" + bytes(record - 1))),
        ("label-255", content(bytes(record) + b"\xff" + bytes(record - 1))),
        ("text", content(b"airplane\nautomobile\n" * 10)),
    ]


# ----- images declaring far more pixels than their bytes can hold -----------------------------
def lying_image(fmt: str, side: int = 8000) -> bytes:
    """A small real image whose header is changed to declare side x side pixels."""
    import zlib

    from PIL import Image

    noise = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, fmt)
    data = bytearray(buffer.getvalue())
    if fmt == "JPEG":
        at = data.find(b"\xff\xc0")
        struct.pack_into(">HH", data, at + 5, side, side)
    elif fmt == "GIF":
        struct.pack_into("<HH", data, 6, side, side)
        at = data.find(b"\x2c")
        struct.pack_into("<HH", data, at + 5, side, side)
    else:
        struct.pack_into(">II", data, 16, side, side)
        struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)
