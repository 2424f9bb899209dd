"""Data set loaders: the bundled subset, IDX, CIFAR-10 binary, image folders, shapes, options."""

import gzip
import struct

import numpy as np
import pytest

from core.data.cifar import RECORD_BYTES
from core.data.datasets import (
    Augmentation,
    DatasetError,
    channel_stats,
    make_augmentation,
    normalise,
    random_shift,
)
from core.data.idx import read_idx
from core.data.shapes import SHAPE_KINDS, _coverage, make_shapes
from core.data.sources import load_dataset
from core.files.images import write_image
from core.jobs import Cancelled


def write_idx(path, array, *, type_code=0x08, magic=None):
    """An independent IDX writer: header with big-endian dims, then big-endian values."""
    array = np.asarray(array)
    header = magic if magic is not None else bytes([0, 0, type_code, array.ndim])
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[type_code]
    data = header + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(dtype).tobytes()
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write_mnist_folder(folder, n_train=12, n_test=5, size=6, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, size, size)),
        "train-labels-idx1-ubyte": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, size, size)),
        "t10k-labels-idx1-ubyte": np.arange(n_test) % 10,
    }
    for name, array in arrays.items():
        write_idx(folder / (name + suffix), array)
    return arrays


# ------------------------------------------------------------------------------ bundled subset


def test_bundled_subset_is_4000_train_1000_test_balanced_digits():
    train, test = load_dataset("mnist-5k")
    assert (len(train), len(test)) == (4000, 1000)
    assert train.shape == test.shape == (1, 28, 28)
    assert train.images.dtype == np.float32 and train.labels.dtype == np.int64
    assert 0.0 <= train.images.min() and train.images.max() == 1.0
    assert train.class_names == [str(d) for d in range(10)]
    np.testing.assert_array_equal(train.class_counts(), np.full(10, 400))
    np.testing.assert_array_equal(test.class_counts(), np.full(10, 100))
    # Digits are light strokes on black: most pixels are background.
    assert 0.05 < float(train.images.mean()) < 0.25


def test_default_source_is_the_bundled_subset_and_reports_progress():
    calls = []
    train, _ = load_dataset(progress=lambda done, total: calls.append((done, total)))
    assert len(train) == 4000
    assert calls[-1][0] == calls[-1][1] and calls[0][0] == 0


# ------------------------------------------------------------------------------ IDX


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_round_trips_pixels_and_labels(tmp_path, gz):
    arrays = write_mnist_folder(tmp_path / "digits", gz=gz)
    train, test = load_dataset(f"idx:{tmp_path / 'digits'}")
    assert train.images.shape == (12, 1, 6, 6) and test.images.shape == (5, 1, 6, 6)
    np.testing.assert_allclose(
        train.images[:, 0], arrays["train-images-idx3-ubyte"] / 255.0, rtol=0, atol=1e-6
    )
    np.testing.assert_array_equal(test.labels, arrays["t10k-labels-idx1-ubyte"])
    assert train.class_names == [str(d) for d in range(10)]


def test_idx_reads_wider_types_big_endian(tmp_path):
    values = np.array([[1.5, -2.0], [300.25, 0.0]], dtype=np.float32)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "f", values, type_code=0x0D)),
                                  values)
    shorts = np.array([-300, 2, 1000])
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "s", shorts, type_code=0x0B)),
                                  shorts)


def test_idx_class_names_come_from_the_folder_name_or_classes_txt(tmp_path):
    assert "fashion" not in str(tmp_path).lower()
    write_mnist_folder(tmp_path / "plain")
    assert load_dataset(f"idx:{tmp_path / 'plain'}")[0].class_names[9] == "9"
    write_mnist_folder(tmp_path / "fashion-mnist")
    train, _ = load_dataset(f"idx:{tmp_path / 'fashion-mnist'}")
    assert train.class_names[0] == "T-shirt/top" and train.class_names[9] == "Ankle boot"
    write_mnist_folder(tmp_path / "FashionMNIST" / "raw")  # torchvision's layout
    train, _ = load_dataset(f"idx:{tmp_path / 'FashionMNIST' / 'raw'}")
    assert train.class_names[9] == "Ankle boot"
    names = [f"c{i}" for i in range(10)]
    (tmp_path / "fashion-mnist" / "classes.txt").write_text("\n".join(names) + "\n")
    train, _ = load_dataset(f"idx:{tmp_path / 'fashion-mnist'}")
    assert train.class_names == names


def _error_for(folder):
    with pytest.raises(DatasetError) as info:
        load_dataset(f"idx:{folder}")
    return str(info.value)


def test_idx_wrong_magic_names_the_file(tmp_path):
    write_mnist_folder(tmp_path)
    bad = tmp_path / "train-images-idx3-ubyte.gz"
    write_idx(bad, np.zeros((12, 6, 6)), magic=b"\x1f\x8b\x08\x03")
    message = _error_for(tmp_path)
    assert str(bad) in message and "magic" in message


def test_idx_truncated_names_the_file(tmp_path):
    write_mnist_folder(tmp_path, gz=False)
    bad = tmp_path / "t10k-images-idx3-ubyte"
    bad.write_bytes(bad.read_bytes()[:-7])
    message = _error_for(tmp_path)
    assert str(bad) in message and "truncated" in message


def test_idx_extra_bytes_names_the_file(tmp_path):
    write_mnist_folder(tmp_path, gz=False)
    bad = tmp_path / "train-labels-idx1-ubyte"
    bad.write_bytes(bad.read_bytes() + b"\x00\x01")
    message = _error_for(tmp_path)
    assert str(bad) in message and "2 bytes more" in message


def test_idx_wrong_counts_names_the_labels_file(tmp_path):
    write_mnist_folder(tmp_path)
    bad = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(11) % 10)
    message = _error_for(tmp_path)
    assert str(bad) in message and "11 labels for the 12 images" in message


def test_idx_broken_gzip_and_missing_file(tmp_path):
    write_mnist_folder(tmp_path)
    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:-10])
    message = _error_for(tmp_path)
    assert str(bad) in message and "gzip" in message
    bad.unlink()
    message = _error_for(tmp_path)
    assert str(tmp_path) in message and "t10k-labels-idx1-ubyte" in message


def test_idx_images_must_be_three_dimensional(tmp_path):
    write_mnist_folder(tmp_path)
    bad = write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((12, 36)))
    message = _error_for(tmp_path)
    assert str(bad) in message and "(12, 36)" in message


# ------------------------------------------------------------------------------ CIFAR-10


def write_cifar(folder, counts=(4, 3), labels_max=9, seed=1):
    """Write binary batches: label byte then R, G, B planes; returns the (images, labels)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    names = [f"data_batch_{i + 1}.bin" for i in range(len(counts) - 1)] + ["test_batch.bin"]
    for name, n in zip(names, counts, strict=True):
        images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)  # H, W, RGB
        labels = rng.integers(0, labels_max + 1, n, dtype=np.uint8)
        planes = images.transpose(0, 3, 1, 2).reshape(n, 3072)
        (folder / name).write_bytes(np.concatenate([labels[:, None], planes], axis=1).tobytes())
        written.append((images, labels))
    return written


def test_cifar_binary_round_trips_channels_and_labels(tmp_path):
    written = write_cifar(tmp_path / "cifar-10-batches-bin", counts=(4, 2, 3))
    train, test = load_dataset(f"cifar10:{tmp_path}")  # the parent of cifar-10-batches-bin
    assert train.images.shape == (6, 3, 32, 32) and test.images.shape == (3, 3, 32, 32)
    first, second, last = written
    # Channel 0 is red: pixel (row 5, col 7) of image 1.
    assert train.images[1, 0, 5, 7] == pytest.approx(first[0][1, 5, 7, 0] / 255.0, abs=1e-6)
    assert train.images[1, 2, 5, 7] == pytest.approx(first[0][1, 5, 7, 2] / 255.0, abs=1e-6)
    # Every pixel of every image, batches in order, as (C, H, W) in 0..1.
    rgb = np.concatenate([first[0], second[0]]).transpose(0, 3, 1, 2) / 255.0
    np.testing.assert_allclose(train.images, rgb, rtol=0, atol=1e-6)
    np.testing.assert_allclose(test.images, last[0].transpose(0, 3, 1, 2) / 255.0, rtol=0,
                               atol=1e-6)
    np.testing.assert_array_equal(train.labels, np.concatenate([first[1], second[1]]))
    np.testing.assert_array_equal(test.labels, last[1])
    assert train.class_names[0] == "airplane" and len(train.class_names) == 10


def test_cifar_grey_is_luminance(tmp_path):
    written = write_cifar(tmp_path, counts=(2, 2))
    train, _ = load_dataset(f"cifar10:{tmp_path}", grey=True)
    rgb = written[0][0].astype(np.float64) / 255.0
    expected = rgb @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(train.images[:, 0], expected, rtol=0, atol=1e-5)


def test_cifar_wrong_record_size_names_the_file(tmp_path):
    write_cifar(tmp_path)
    bad = tmp_path / "data_batch_1.bin"
    bad.write_bytes(bad.read_bytes()[: 2 * RECORD_BYTES + 100])
    with pytest.raises(DatasetError) as info:
        load_dataset(f"cifar10:{tmp_path}")
    assert str(bad) in str(info.value) and "3073-byte records" in str(info.value)


def test_cifar_label_out_of_range_and_missing_test_batch(tmp_path):
    write_cifar(tmp_path, labels_max=60, seed=3)
    with pytest.raises(DatasetError, match="CIFAR-100"):
        load_dataset(f"cifar10:{tmp_path}")
    write_cifar(tmp_path)
    (tmp_path / "test_batch.bin").unlink()
    with pytest.raises(DatasetError, match="no test_batch.bin"):
        load_dataset(f"cifar10:{tmp_path}")


def test_cifar_folder_without_batches(tmp_path):
    with pytest.raises(DatasetError, match="binary version"):
        load_dataset(f"cifar10:{tmp_path}")


# ------------------------------------------------------------------------------ image folder


def write_class_folder(root, counts, size=(10, 14), colour=False):
    rng = np.random.default_rng(5)
    for name, n in counts.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            shape = size + ((3,) if colour else ())
            write_image(root / name / f"{i:03d}.png", rng.integers(0, 256, shape, dtype=np.uint8))
    return root


def test_image_folder_resizes_splits_and_names_classes(tmp_path):
    write_class_folder(tmp_path, {"cats": 5, "dogs": 10}, colour=True)
    (tmp_path / "cats" / "README.txt").write_text("not an image")
    train, test = load_dataset(f"folder:{tmp_path}", size=8, grey=False, test_fraction=0.2)
    assert train.class_names == ["cats", "dogs"]
    assert train.images.shape[1:] == (3, 8, 8)
    np.testing.assert_array_equal(test.class_counts(), [1, 2])
    np.testing.assert_array_equal(train.class_counts(), [4, 8])
    grey_train, _ = load_dataset(f"folder:{tmp_path}", size=(6, 9), grey=True)
    assert grey_train.shape == (1, 6, 9)


def test_image_folder_keeps_pixels_when_no_resize_needed(tmp_path):
    write_class_folder(tmp_path / "train", {"a": 2, "b": 2}, size=(4, 4))
    write_class_folder(tmp_path / "test", {"b": 1}, size=(4, 4))
    train, test = load_dataset(f"folder:{tmp_path}", size=4)
    assert (len(train), len(test)) == (4, 1)
    np.testing.assert_array_equal(test.labels, [1])
    from core.files.images import read_image

    expected = read_image(tmp_path / "test" / "b" / "000.png") / 255.0
    np.testing.assert_allclose(test.images[0, 0], expected, rtol=0, atol=1e-6)


def test_image_folder_empty_class_names_the_folder(tmp_path):
    write_class_folder(tmp_path, {"full": 3})
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(DatasetError) as info:
        load_dataset(f"folder:{tmp_path}")
    assert str(tmp_path / "empty") in str(info.value) and "no images" in str(info.value)


def test_image_folder_unreadable_image_names_the_file(tmp_path):
    write_class_folder(tmp_path, {"a": 3, "b": 3})
    bad = tmp_path / "b" / "001.png"
    bad.write_bytes(b"this is not a png")
    with pytest.raises(DatasetError) as info:
        load_dataset(f"folder:{tmp_path}")
    assert str(bad) in str(info.value)


def test_image_folder_without_class_folders(tmp_path):
    with pytest.raises(DatasetError, match="no class sub-folders"):
        load_dataset(f"folder:{tmp_path}")


def test_image_folder_progress_and_cancel(tmp_path):
    write_class_folder(tmp_path, {"a": 40, "b": 40}, size=(4, 4))
    calls = []
    load_dataset(f"folder:{tmp_path}", progress=lambda d, t: calls.append((d, t)), size=4)
    assert calls[0] == (0, 80) and calls[-1] == (80, 80)
    seen = []

    def stop_after_ten():
        seen.append(1)
        return len(seen) > 10

    with pytest.raises(Cancelled):
        load_dataset(f"folder:{tmp_path}", should_stop=stop_after_ten, size=4)
    assert len(seen) == 11


# ------------------------------------------------------------------------------ shapes


def test_shapes_are_reproducible_balanced_and_in_range():
    a_train, a_test = load_dataset("shapes", count=200, size=20, seed=3)
    b_train, _ = load_dataset("shapes", count=200, size=20, seed=3)
    c_train, _ = load_dataset("shapes", count=200, size=20, seed=4)
    np.testing.assert_array_equal(a_train.images, b_train.images)
    assert not np.array_equal(a_train.images, c_train.images)
    assert a_train.images.shape == (200, 1, 20, 20) and len(a_test) == 50
    np.testing.assert_array_equal(a_train.class_counts(), [50, 50, 50, 50])
    assert a_train.images.min() >= 0.0 and a_train.images.max() <= 1.0
    assert a_train.class_names == ["circle", "square", "triangle", "cross"]


def test_shapes_colour_and_kinds():
    train, _ = load_dataset("shapes", count=60, kinds="circle,ring,star", colour=True)
    assert train.shape == (3, 28, 28) and train.class_names == ["circle", "ring", "star"]
    with pytest.raises(DatasetError, match="hexagon"):
        load_dataset("shapes", kinds=["circle", "hexagon"])


@pytest.mark.parametrize(
    "kind, area",
    [
        ("circle", np.pi),
        ("square", 1.5**2),
        ("triangle", 3 * np.sqrt(3) / 4),
        ("cross", 2 * (1.9 * 0.56) - 0.56**2),
        ("ring", np.pi * (0.98**2 - 0.46**2)),
    ],
)
def test_shape_coverage_matches_the_geometric_area(kind, area):
    """The anti-aliased coverage adds up to the shape's area (in units of radius^2)."""
    radius, size = 40.0, 128
    centre = np.array([[64.0, 64.0], [60.0, 70.0]])
    labels = np.zeros(2, dtype=np.int64)
    grid = np.arange(size) + 0.5
    alpha = _coverage((kind,), labels, centre, np.full(2, radius), np.array([0.0, 0.7]), grid)
    np.testing.assert_allclose(alpha.sum(axis=(1, 2)) / radius**2, area, rtol=0.02)


def test_every_shape_kind_draws_something_inside_the_image():
    rng = np.random.default_rng(0)
    images, labels = make_shapes(120, rng, kinds=SHAPE_KINDS, size=24, noise=0.0)
    foreground = (images[:, 0] > images[:, 0].min(axis=(1, 2), keepdims=True) + 0.3).mean((1, 2))
    for k in range(len(SHAPE_KINDS)):
        assert 0.03 < foreground[labels == k].min() and foreground[labels == k].max() < 0.7


# ------------------------------------------------------------------------------ options


def test_normalise_uses_training_statistics():
    train, test = load_dataset("mnist-5k")
    mean, std = channel_stats(train)
    pixels = train.images.astype(np.float64)
    assert mean == pytest.approx([pixels.mean()], rel=1e-9)
    assert std == pytest.approx([np.sqrt(((pixels - pixels.mean()) ** 2).mean())], rel=1e-9)
    n_train, n_test = load_dataset("mnist-5k", normalize=True)
    assert abs(float(n_train.images.mean())) < 1e-3
    assert float(n_train.images.std()) == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(n_test.images, (test.images - mean[0]) / std[0], rtol=0, atol=1e-5)
    assert n_test.mean == pytest.approx(mean) and n_test.std == pytest.approx(std)
    with pytest.raises(ValueError, match="already normalised"):
        normalise(n_train, mean, std)


def test_random_shift_matches_rolled_and_cleared_images():
    rng = np.random.default_rng(0)
    images = rng.random((6, 2, 7, 9)).astype(np.float32)
    shifted = random_shift(images, 2, np.random.default_rng(11))
    offsets = np.random.default_rng(11).integers(0, 5, size=(2, 6)) - 2
    for i in range(6):
        dy, dx = offsets[:, i]
        # out[r, c] = in[r + dy, c + dx], zero where that falls outside.
        expected = np.zeros_like(images[i])
        rows = slice(max(0, -dy), min(7, 7 - dy))
        cols = slice(max(0, -dx), min(9, 9 - dx))
        source_rows = slice(rows.start + dy, rows.stop + dy)
        source_cols = slice(cols.start + dx, cols.stop + dx)
        expected[:, rows, cols] = images[i][:, source_rows, source_cols]
        np.testing.assert_array_equal(shifted[i], expected)


def test_flip_mirrors_about_half_the_batch():
    images = np.random.default_rng(1).random((200, 1, 3, 4)).astype(np.float32)
    out = Augmentation(flip=True)(images, np.random.default_rng(2))
    flipped = np.all(out == images[..., ::-1], axis=(1, 2, 3))
    kept = np.all(out == images, axis=(1, 2, 3))
    assert np.all(flipped ^ kept) and 60 < flipped.sum() < 140


def test_make_augmentation_accepts_dicts_and_drops_no_ops():
    assert make_augmentation(None) is None
    assert make_augmentation({"shift": 0, "flip": False}) is None
    assert make_augmentation({"shift": 2}) == Augmentation(shift=2)
    with pytest.raises(ValueError, match="shift"):
        Augmentation(shift=-1)


def test_unknown_source_and_option_are_clear_errors():
    with pytest.raises(DatasetError, match="unknown data source 'mnist-60k'"):
        load_dataset("mnist-60k")
    with pytest.raises(DatasetError, match="does not take colour"):
        load_dataset("folder:/tmp", colour=True)
    with pytest.raises(DatasetError, match="name the folder"):
        load_dataset("idx:")
    with pytest.raises(DatasetError, match="takes no options"):
        load_dataset("mnist-5k", size=3)


@pytest.mark.parametrize("source", ["mnist-5k", "shapes"])
def test_cancel_raises_cancelled(source):
    with pytest.raises(Cancelled):
        load_dataset(source, should_stop=lambda: True)


# ------------------------------------------------------------------------------ new images


def test_prepare_image_inverts_dark_on_light_grey_and_resizes():
    from core.data.image_folder import prepare_image

    paper = np.full((56, 56), 250, dtype=np.uint8)
    paper[10:46, 26:30] = 10  # a dark stroke on light paper
    digit = prepare_image(paper, (1, 28, 28))
    assert digit.shape == (1, 28, 28) and digit.dtype == np.float32
    assert digit[0, 0, 0] == pytest.approx(1 - 250 / 255, abs=1e-6)  # background now dark
    assert digit[0, 8:20, 13:15].min() > 0.8  # stroke now bright
    kept = prepare_image(paper, (1, 28, 28), invert=False)
    np.testing.assert_allclose(kept, 1.0 - digit, rtol=0, atol=1e-6)
    light_on_dark = 255 - paper
    np.testing.assert_allclose(prepare_image(light_on_dark, (1, 56, 56))[0],
                               light_on_dark / 255.0, rtol=0, atol=1e-6)


def test_prepare_image_colour_and_grey_conversions():
    from core.data.image_folder import prepare_image

    rgb = np.zeros((8, 8, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    colour = prepare_image(rgb, (3, 8, 8))
    np.testing.assert_array_equal(colour[:, 0, 0], [1.0, 0.0, 0.0])
    grey = prepare_image(rgb, (1, 8, 8), invert=False)
    assert grey[0, 0, 0] == pytest.approx(76 / 255, abs=2 / 255)  # ITU-R 601 luma of red
    as_colour = prepare_image(np.full((4, 4), 128, np.uint8), (3, 4, 4))
    assert as_colour.shape == (3, 4, 4) and np.all(as_colour == np.float32(128 / 255))
