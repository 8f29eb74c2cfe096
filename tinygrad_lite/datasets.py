"""Small datasets: two generated 2-D problems and a reader for MNIST's IDX files.

>>> from tinygrad_lite import datasets
>>> X, y = datasets.spiral()
>>> X.shape, X.dtype, y.shape, y.dtype
((300, 2), dtype('float32'), (300,), dtype('int64'))
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tinygrad_lite import arguments
from tinygrad_lite.data import generator_for

__all__ = ["mnist", "moons", "spiral"]


def spiral(
    n_per_class: int = 100, n_classes: int = 3, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The CS231n spiral: `n_classes` arms of `n_per_class` points each, not linearly
    separable. Arm k has radius r from 0 to 1 and angle t from 4k to 4(k+1) radians plus
    N(0, 0.2^2) noise; the point is (r sin t, r cos t). Returns float32 X of shape
    (n_per_class * n_classes, 2) and int64 labels y. `seed=None` uses the library generator.

    >>> import tinygrad_lite as tl
    >>> X, y = tl.datasets.spiral()
    >>> X.shape, X.dtype, sorted(set(y.tolist()))
    ((300, 2), dtype('float32'), [0, 1, 2])
    """
    arguments.count(n_per_class, "n_per_class", "spiral")
    arguments.count(n_classes, "n_classes", "spiral")
    rng = generator_for(seed, "spiral")
    X = np.zeros((n_per_class * n_classes, 2), dtype=np.float32)
    y = np.zeros(n_per_class * n_classes, dtype=np.int64)
    for k in range(n_classes):
        rows = slice(n_per_class * k, n_per_class * (k + 1))
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + rng.normal(0, 0.2, n_per_class)
        X[rows] = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        y[rows] = k
    return X, y


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's make_moons): class 0 is the upper
    arc (cos t, sin t), class 1 the lower arc (1 - cos t, 0.5 - sin t), t in [0, pi], plus
    N(0, noise^2) on each coordinate. Returns float32 X of shape (n, 2) and int64 y.

    >>> import tinygrad_lite as tl
    >>> X, y = tl.datasets.moons(n=200, noise=0.1)
    >>> X.shape, int(y.sum())
    ((200, 2), 100)
    """
    arguments.count(n, "n", "moons", minimum=2)
    if isinstance(noise, bool) or not isinstance(noise, int | float):
        raise TypeError(f"moons: noise must be a number, got {type(noise).__name__}")
    if not noise >= 0:  # also refuses NaN
        raise ValueError(f"moons: noise is a standard deviation, a number >= 0; got {noise!r}")
    rng = generator_for(seed, "moons")
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    return X.astype(np.float32), y


# ---------------------------------------------------------------- MNIST (IDX files)

_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions (count, rows, cols)
_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension (count)
_N_CLASSES = 10
_MAX_DEFLATE_RATIO = 1032  # deflate cannot expand one byte into more than ~1032
_CHUNK = 1 << 20


def _find(folder: Path, name: str) -> Path:
    """The file `name` or `name.gz` in `folder`."""
    for path in (folder / name, folder / f"{name}.gz"):
        if path.is_file():
            return path
        if path.exists():
            raise ValueError(f"mnist: {path} is not a file (a folder?); expected an IDX file")
    raise FileNotFoundError(
        f"mnist: neither {folder / name} nor {folder / name}.gz exists; download the four "
        "MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally .gz) into that folder"
    )


def _read_exactly(fh: BinaryIO, n: int, path: Path, what: str) -> bytearray:
    """`n` bytes of `fh`, read a chunk at a time (memory grows with what is really there)."""
    data = bytearray()
    while len(data) < n:
        chunk = fh.read(min(_CHUNK, n - len(data)))
        if not chunk:
            raise ValueError(
                f"mnist: {path} is truncated: {what} needs {n} bytes, found {len(data)}"
            )
        data += chunk
    return data


def _read_idx(folder: Path, name: str, magic: int) -> np.ndarray:
    """One IDX file: a big-endian header (magic number, then one int32 per dimension)
    followed by exactly the unsigned bytes the header promises. A ``.gz`` file is read
    as a stream: the header is checked before anything else is decompressed."""
    path = _find(folder, name)
    gzipped = path.suffix == ".gz"
    n_dims = magic & 0xFF
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as fh:
            header = np.frombuffer(
                _read_exactly(fh, 4 * (1 + n_dims), path, "the header"), dtype=">u4"
            )
            if header[0] != magic:
                raise ValueError(
                    f"mnist: {path} has magic number {header[0]}, expected {magic}; "
                    "it is not an IDX file of this kind"
                )
            shape = tuple(int(d) for d in header[1:])
            if 0 in shape:
                raise ValueError(f"mnist: {path} has an empty dimension: shape {shape}")
            count = math.prod(shape)  # a Python int: no overflow
            on_disk = path.stat().st_size
            most = on_disk * _MAX_DEFLATE_RATIO if gzipped else on_disk - 4 * (1 + n_dims)
            if count > most:
                kind = "gzip file can" if gzipped else "file does"
                raise ValueError(
                    f"mnist: {path} is truncated or its header is corrupt: the header promises "
                    f"shape {shape} ({count:,} bytes), more than the {on_disk:,}-byte {kind} hold"
                )
            data = _read_exactly(fh, count, path, f"shape {shape}")
            if fh.read(1):
                raise ValueError(
                    f"mnist: {path} has extra bytes after the {count:,} its header promises "
                    f"(shape {shape})"
                )
    except (OSError, EOFError, zlib.error) as exc:  # a corrupt gzip stream
        raise ValueError(f"mnist: cannot read {path}: {exc}") from exc
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _read_split(folder: Path, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    images = _read_idx(folder, f"{prefix}-images-idx3-ubyte", _IMAGES_MAGIC)
    labels = _read_idx(folder, f"{prefix}-labels-idx1-ubyte", _LABELS_MAGIC)
    if labels.max() >= _N_CLASSES:
        bad = int(np.argmax(labels >= _N_CLASSES))
        raise ValueError(
            f"mnist: {prefix} label {bad} is {labels[bad]}; MNIST labels are digits 0-9"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"mnist: {prefix} has {len(images)} images but {len(labels)} labels in {folder}"
        )
    X = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
    return X, labels.astype(np.int64)


def mnist(path: str | Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Read MNIST from the folder `path` holding the standard IDX files
    (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
    t10k-labels-idx1-ubyte; each may also be gzipped, with a .gz suffix).

    Returns `(X_train, y_train), (X_test, y_test)`: X float32 in [0, 1] of shape (N, 784)
    (rows * cols), y int64. Nothing is downloaded.

    >>> import tinygrad_lite as tl
    >>> tl.datasets.mnist("no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"mnist: {folder} is not a folder")
    return _read_split(folder, "train"), _read_split(folder, "t10k")
