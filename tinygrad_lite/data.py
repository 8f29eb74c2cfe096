"""Mini-batches and data splits.

One `DataLoader` covers the three flavours of gradient descent: `batch_size=len(X)` is batch
gradient descent, `batch_size=1` stochastic gradient descent, anything between mini-batch.

    >>> import numpy as np
    >>> from tinygrad_lite.data import DataLoader
    >>> X, y = np.zeros((10, 2), np.float32), np.arange(10)
    >>> loader = DataLoader(X, y, batch_size=4, seed=0)
    >>> len(loader), [xb.shape for xb, yb in loader]
    (3, [(4, 2), (4, 2), (2, 2)])
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_lite import arguments
from tinygrad_lite.random import generator
from tinygrad_lite.tensor import Tensor

__all__ = ["DataLoader", "train_val_test_split"]


def _as_array(a: Any) -> np.ndarray:
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _check_pair(X: np.ndarray, y: np.ndarray, fn: str) -> None:
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"{fn}: X and y must be arrays of samples, got shapes {X.shape}, {y.shape}"
        )
    if len(X) != len(y):
        raise ValueError(
            f"{fn}: X has {len(X)} samples but y has {len(y)} (shapes {X.shape} and {y.shape}); "
            "give one label per sample (row of X)"
        )


def generator_for(seed: int | None, fn: str = "tinygrad_lite") -> np.random.Generator:
    """A private generator for a seed (the same draws on every run), or the library
    generator for None (so `tinygrad_lite.manual_seed` decides). `fn` names the caller
    in the error for a seed that is not an int >= 0.

    >>> from tinygrad_lite.data import generator_for
    >>> generator_for(0).integers(100) == generator_for(0).integers(100)
    np.True_
    """
    if seed is None:
        return generator()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{fn}: seed must be an int >= 0 or None, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{fn}: seed must be an int >= 0 or None, got {seed}")
    return np.random.default_rng(int(seed))


def _check_numeric(a: np.ndarray, name: str) -> None:
    """Refuse what a Tensor cannot hold (strings, Python objects), before the first batch."""
    if a.dtype.kind not in "biuf":
        raise TypeError(
            f"DataLoader: {name} has dtype {a.dtype}; batches are Tensors, which hold numbers. "
            f"Convert it first, e.g. {name}.astype(np.float32), or turn string labels into "
            "class indices with np.unique(y, return_inverse=True)[1]"
        )


class DataLoader:
    """Iterates `(X_batch, y_batch)` Tensors over the samples of `X` and `y`.

    With `shuffle=True` the order is reshuffled at the start of every epoch (every `for`
    loop over the loader). `seed=None` draws from the library generator as it is when each
    epoch starts, so `tinygrad_lite.manual_seed` fixes it (even when called after the loader
    was made) and a checkpoint's generator state resumes it; a given seed gives the loader
    its own generator, created here, so the sequence of epochs is the same on every run.
    `drop_last=True` skips a final batch smaller than `batch_size`.

    >>> import numpy as np
    >>> from tinygrad_lite.data import DataLoader
    >>> X, y = np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10)
    >>> loader = DataLoader(X, y, batch_size=4, shuffle=False)
    >>> [(xb.shape, yb.tolist()) for xb, yb in loader][-1]
    ((2, 2), [8, 9])
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        self.X = _as_array(X)
        self.y = _as_array(y)
        _check_pair(self.X, self.y, "DataLoader")
        _check_numeric(self.X, "X")
        _check_numeric(self.y, "y")
        self.batch_size = arguments.count(batch_size, "batch_size", "DataLoader")
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._own_rng = generator_for(seed, "DataLoader") if seed is not None else None

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        n = len(self.X)
        if not self.shuffle:
            order = np.arange(n)
        else:
            order = (self._own_rng if self._own_rng is not None else generator()).permutation(n)
        for i in range(len(self)):
            idx = order[i * self.batch_size : (i + 1) * self.batch_size]
            # Indexing with an array copies, so a batch never aliases the dataset.
            yield Tensor._from_array(self.X[idx]), Tensor._from_array(self.y[idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader({len(self.X)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def train_val_test_split(
    X: Any, y: Any, val: float = 0.1, test: float = 0.1, seed: int | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Shuffle the samples and cut them into train, validation and test parts.

    `val` and `test` are fractions of the samples (rounded to whole samples); the rest is
    the training set. Returns `(X_train, y_train), (X_val, y_val), (X_test, y_test)` as
    NumPy arrays. `seed=None` uses the library generator.

    >>> import numpy as np
    >>> from tinygrad_lite.data import train_val_test_split
    >>> X, y = np.zeros((100, 2)), np.arange(100)
    >>> (X_tr, y_tr), (X_val, y_val), (X_te, y_te) = train_val_test_split(X, y, seed=0)
    >>> len(y_tr), len(y_val), len(y_te)
    (80, 10, 10)
    """
    X, y = _as_array(X), _as_array(y)
    _check_pair(X, y, "train_val_test_split")
    for name, frac in (("val", val), ("test", test)):
        if not 0 <= frac < 1:
            raise ValueError(f"train_val_test_split: {name} must be in [0, 1), got {frac}")
    n = len(X)
    n_val, n_test = round(val * n), round(test * n)
    if n_val + n_test >= n:
        raise ValueError(
            f"train_val_test_split: val={val} and test={test} of {n} samples leave no "
            "training samples"
        )
    order = generator_for(seed, "train_val_test_split").permutation(n)
    parts = np.split(order, [n - n_val - n_test, n - n_test])
    return tuple((X[idx], y[idx]) for idx in parts)
