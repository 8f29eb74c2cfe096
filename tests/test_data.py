"""DataLoader, train_val_test_split, and the datasets (MNIST from IDX files written here)."""

import gzip
import struct
import tracemalloc
import zlib

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor, datasets
from tinygrad_lite.data import DataLoader, train_val_test_split


def toy(n=10):
    X = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)  # y[i] == i, so pairing can be checked
    return X, y


def epoch(loader):
    return [(xb.data.copy(), yb.data.copy()) for xb, yb in loader]


# ---------------------------------------------------------------- DataLoader


def test_each_epoch_covers_every_sample_once_and_keeps_pairs():
    X, y = toy(10)
    loader = DataLoader(X, y, batch_size=4, seed=0)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    for xb, yb in batches:
        assert isinstance(xb, Tensor)
        assert isinstance(yb, Tensor)
        assert xb.dtype == np.float32
        assert yb.dtype == np.int64
        np.testing.assert_array_equal(xb.data, X[yb.data])
    seen = np.concatenate([yb.data for _, yb in batches])
    assert sorted(seen) == list(range(10))
    assert not np.array_equal(seen, np.arange(10))  # shuffled


@pytest.mark.parametrize(
    ("batch_size", "drop_last", "sizes"),
    [
        (10, False, [10]),  # batch gradient descent
        (1, False, [1] * 10),  # stochastic gradient descent
        (3, False, [3, 3, 3, 1]),  # mini-batch
        (3, True, [3, 3, 3]),
        (20, False, [10]),
        (20, True, []),
    ],
)
def test_batch_sizes_and_drop_last(batch_size, drop_last, sizes):
    loader = DataLoader(*toy(10), batch_size=batch_size, drop_last=drop_last, seed=0)
    assert len(loader) == len(sizes)
    assert [len(xb) for xb, _ in loader] == sizes


def test_a_seeded_loader_reshuffles_each_epoch_the_same_way_on_every_run():
    X, y = toy(12)
    first, second = DataLoader(X, y, batch_size=5, seed=3), DataLoader(X, y, batch_size=5, seed=3)
    epochs_first = [np.concatenate([b for _, b in epoch(first)]) for _ in range(3)]
    epochs_second = [np.concatenate([b for _, b in epoch(second)]) for _ in range(3)]
    for a, b in zip(epochs_first, epochs_second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(epochs_first[0], epochs_first[1])


def test_an_unseeded_loader_follows_manual_seed():
    X, y = toy(12)
    tl.manual_seed(5)
    a = epoch(DataLoader(X, y, batch_size=4))
    tl.manual_seed(5)
    b = epoch(DataLoader(X, y, batch_size=4))
    for (xa, ya), (xb, yb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(xa, xb)


def test_without_shuffle_the_order_is_kept():
    X, y = toy(7)
    loader = DataLoader(X, y, batch_size=3, shuffle=False)
    np.testing.assert_array_equal(np.concatenate([b for _, b in epoch(loader)]), y)


def test_batches_do_not_alias_the_dataset():
    X, y = toy(4)
    for xb, _ in DataLoader(X, y, batch_size=2, shuffle=False):
        xb.data[...] = -1
    np.testing.assert_array_equal(X, toy(4)[0])


def test_loader_accepts_tensors_and_lists():
    X, y = toy(4)
    loader = DataLoader(Tensor(X), y.tolist(), batch_size=4, shuffle=False)
    xb, yb = next(iter(loader))
    np.testing.assert_array_equal(xb.data, X)
    np.testing.assert_array_equal(yb.data, y)


def test_loader_errors():
    X, y = toy(5)
    with pytest.raises(ValueError, match=r"X has 5 samples but y has 4"):
        DataLoader(X, y[:4])
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
            DataLoader(X, y, batch_size=bad)
    with pytest.raises(ValueError, match="arrays of samples"):
        DataLoader(np.float32(1.0), y)


# ---------------------------------------------------------------- splits


def test_split_sizes_are_disjoint_and_cover_everything():
    X, y = toy(50)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.2, test=0.1, seed=0)
    assert (len(ytr), len(yva), len(yte)) == (35, 10, 5)
    assert sorted(np.concatenate([ytr, yva, yte])) == list(range(50))
    for Xs, ys in ((Xtr, ytr), (Xva, yva), (Xte, yte)):
        assert isinstance(Xs, np.ndarray)
        np.testing.assert_array_equal(Xs, X[ys])


def test_split_is_reproducible():
    X, y = toy(30)
    a = train_val_test_split(X, y, seed=1)
    b = train_val_test_split(X, y, seed=1)
    for (_, ya), (_, yb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ya, yb)
    tl.manual_seed(2)
    c = train_val_test_split(X, y)
    tl.manual_seed(2)
    d = train_val_test_split(X, y)
    np.testing.assert_array_equal(c[0][1], d[0][1])


def test_split_errors():
    X, y = toy(10)
    with pytest.raises(ValueError, match=r"val must be in \[0, 1\), got 1.5"):
        train_val_test_split(X, y, val=1.5)
    with pytest.raises(ValueError, match="leave no training samples"):
        train_val_test_split(X, y, val=0.5, test=0.5)
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        train_val_test_split(X, y[:9])


# ---------------------------------------------------------------- spiral and moons


def test_spiral_is_the_cs231n_spiral():
    X, y = datasets.spiral(n_per_class=50, n_classes=4)
    assert X.shape == (200, 2)
    assert X.dtype == np.float32
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == [50] * 4
    for k in range(4):  # arm k: radius r from 0 to 1 (the noise only moves the angle)
        radius = np.linalg.norm(X[y == k], axis=1)
        np.testing.assert_allclose(radius, np.linspace(0, 1, 50), atol=1e-6)
    np.testing.assert_array_equal(datasets.spiral()[0], datasets.spiral()[0])
    assert not np.array_equal(datasets.spiral(seed=1)[0], datasets.spiral(seed=2)[0])


def test_moons():
    X, y = datasets.moons(n=101, noise=0.0)
    assert X.shape == (101, 2)
    assert X.dtype == np.float32
    assert np.bincount(y).tolist() == [50, 51]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0, atol=1e-6)
    noisy, _ = datasets.moons(n=101, noise=0.1, seed=3)
    assert 0.05 < np.std(noisy - X) < 0.15
    np.testing.assert_array_equal(noisy, datasets.moons(n=101, noise=0.1, seed=3)[0])


# ---------------------------------------------------------------- MNIST IDX files


def idx_images(images):
    n, rows, cols = images.shape
    return struct.pack(">IIII", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels):
    return struct.pack(">II", 2049, len(labels)) + labels.astype(np.uint8).tobytes()


def write_mnist(folder, n_train=5, n_test=3, compress=False):
    rng = np.random.default_rng(0)
    parts = {
        "train": (rng.integers(0, 256, (n_train, 28, 28)), rng.integers(0, 10, n_train)),
        "t10k": (rng.integers(0, 256, (n_test, 28, 28)), rng.integers(0, 10, n_test)),
    }
    for prefix, (images, labels) in parts.items():
        for name, raw in (
            (f"{prefix}-images-idx3-ubyte", idx_images(images)),
            (f"{prefix}-labels-idx1-ubyte", idx_labels(labels)),
        ):
            if compress:
                (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)
    return parts


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_idx_files(tmp_path, compress):
    parts = write_mnist(tmp_path, compress=compress)
    (X_train, y_train), (X_test, y_test) = datasets.mnist(tmp_path)
    assert X_train.shape == (5, 784)
    assert X_test.shape == (3, 784)
    assert X_train.dtype == np.float32
    assert y_train.dtype == np.int64
    images, labels = parts["train"]
    np.testing.assert_allclose(X_train, images.reshape(5, 784) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_train, labels)
    np.testing.assert_array_equal(y_test, parts["t10k"][1])
    assert X_train.min() >= 0.0
    assert X_train.max() <= 1.0


def test_mnist_wrong_magic_names_the_file(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte"
    raw = path.read_bytes()
    path.write_bytes(struct.pack(">I", 2051) + raw[4:])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte has magic number 2051"):
        datasets.mnist(tmp_path)


@pytest.mark.parametrize("keep", [3, 100])
def test_mnist_truncated_file_names_the_file(tmp_path, keep):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte is truncated"):
        datasets.mnist(tmp_path)


def test_mnist_missing_file_names_the_file(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"train-labels-idx1-ubyte"):
        datasets.mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        datasets.mnist(tmp_path / "nowhere")


def test_mnist_corrupt_gzip_names_the_file(tmp_path):
    write_mnist(tmp_path, compress=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match=r"cannot read .*t10k-images-idx3-ubyte.gz"):
        datasets.mnist(tmp_path)


def test_mnist_image_and_label_counts_must_agree(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_labels(np.zeros(4)))
    with pytest.raises(ValueError, match="train has 5 images but 4 labels"):
        datasets.mnist(tmp_path)


def peak_memory_of(call):
    """(what `call` raised, the peak bytes Python and NumPy allocated meanwhile)."""
    tracemalloc.start()
    try:
        call()
    except ValueError as exc:
        raised = exc
    else:
        raised = None
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return raised, peak


def test_mnist_gz_header_is_checked_before_the_rest_is_decompressed(tmp_path):
    write_mnist(tmp_path, compress=True)
    bomb = struct.pack(">II", 2051, 5) + bytes(60_000_000)  # 60 MB of zeros: 60 KB compressed
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bomb))
    raised, peak = peak_memory_of(lambda: datasets.mnist(tmp_path))
    assert "train-labels-idx1-ubyte.gz has magic number 2051, expected 2049" in str(raised)
    assert peak < 5_000_000, f"peak {peak:,} bytes"


def test_mnist_reads_exactly_what_the_header_promises_and_refuses_more(tmp_path):
    write_mnist(tmp_path, compress=True)
    labels = idx_labels(np.arange(5)) + bytes(60_000_000)  # 5 labels, then 60 MB more
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    raised, peak = peak_memory_of(lambda: datasets.mnist(tmp_path))
    assert "train-labels-idx1-ubyte.gz has extra bytes after the 5 its header promises" in str(
        raised
    )
    assert peak < 5_000_000, f"peak {peak:,} bytes"


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    ("shape", "n_bytes"),
    [
        ((2**31, 2**31, 4), 0),  # 2**64 elements: 0 in int64 arithmetic, as the data is
        ((2**32 - 1,) * 3, 5 * 28 * 28),
        ((6, 28, 28), 5 * 28 * 28),
    ],
)
def test_mnist_header_promising_more_than_the_file_holds_is_refused(
    tmp_path, compress, shape, n_bytes
):
    write_mnist(tmp_path, compress=compress)
    raw = struct.pack(">IIII", 2051, *shape) + bytes(n_bytes)
    name = "train-images-idx3-ubyte" + (".gz" if compress else "")
    (tmp_path / name).write_bytes(gzip.compress(raw) if compress else raw)
    with pytest.raises(ValueError, match=rf"{name} is truncated") as info:
        datasets.mnist(tmp_path)
    assert str(shape) in str(info.value)


def test_mnist_gz_of_garbage_is_a_value_error(tmp_path):
    write_mnist(tmp_path, compress=True)
    garbage = gzip.compress(idx_labels(np.arange(5)))[:10] + bytes(range(256)) * 4
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(garbage)
    with pytest.raises(ValueError, match=r"cannot read .*t10k-labels-idx1-ubyte.gz") as info:
        datasets.mnist(tmp_path)
    assert isinstance(info.value.__cause__, zlib.error | OSError | EOFError)


def test_mnist_folder_where_a_file_is_expected(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    (tmp_path / "t10k-images-idx3-ubyte").mkdir()
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte is not a file \(a folder\?\)"):
        datasets.mnist(tmp_path)


def test_mnist_labels_must_be_digits(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_labels(np.array([1, 2, 255, 3, 4])))
    with pytest.raises(ValueError, match="train label 2 is 255; MNIST labels are digits 0-9"):
        datasets.mnist(tmp_path)


def test_mnist_images_must_not_be_empty(tmp_path):
    write_mnist(tmp_path, n_test=3)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, 3, 0, 0))
    with pytest.raises(ValueError, match=r"empty dimension: shape \(3, 0, 0\)"):
        datasets.mnist(tmp_path)


@pytest.mark.parametrize(
    ("X", "y", "name"),
    [
        (np.array([["a", "b"], ["c", "d"]]), np.arange(2), "X"),
        (np.zeros((2, 2)), np.array(["cat", "dog"]), "y"),
        (np.zeros((2, 2)), np.array([1, None], dtype=object), "y"),
        (np.array([[1, 2], [3, 4]], dtype=object), np.arange(2), "X"),
    ],
)
def test_dataloader_refuses_what_a_tensor_cannot_hold(X, y, name):
    with pytest.raises(TypeError, match=rf"DataLoader: {name} has dtype .*; batches are Tensors"):
        DataLoader(X, y, batch_size=1)


@pytest.mark.parametrize(
    ("seed", "error", "got"),
    [(-1, ValueError, "got -1"), ("a", TypeError, "got str"), (1.5, TypeError, "got float"),
     (True, TypeError, "got bool")],
)  # fmt: skip
def test_bad_seeds_get_our_own_errors(seed, error, got):
    X, y = np.zeros((4, 2), np.float32), np.arange(4)
    calls = {
        "DataLoader": lambda: DataLoader(X, y, seed=seed),
        "train_val_test_split": lambda: train_val_test_split(X, y, seed=seed),
        "spiral": lambda: datasets.spiral(seed=seed),
        "moons": lambda: datasets.moons(seed=seed),
    }
    for fn, call in calls.items():
        with pytest.raises(error, match=rf"^{fn}: seed must be an int >= 0 or None, {got}$"):
            call()
