"""Checks shared by the loss functions: the reduction name, the scores, the labels.

Each check names the loss it runs for (`fn`) in its message, so a bad call reads as
"cross_entropy: ..." and says what to pass instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, fn: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{fn}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}; 'none' "
            "keeps one loss per sample"
        )


def _check_tensor(value: Any, what: str, fn: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{fn}: {what} must be a Tensor, got {type(value).__name__}; pass the model's "
            f"output, or wrap an array: Tensor({what})"
        )


def _check_scores(scores: Any, fn: str) -> None:
    _check_tensor(scores, "scores", fn)
    shape = scores.data.shape
    if len(shape) != 2 or shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"{fn}: scores must have shape (N, C) with N, C >= 1, got shape {shape}")


def _label_array(labels: Any, shape: tuple[int, ...], fn: str) -> np.ndarray:
    """The labels as an ndarray, after checking their type, shape and (for indices) range
    against scores of shape ``shape`` (N, C)."""
    if isinstance(labels, Tensor):
        if labels.requires_grad:
            raise ValueError(
                f"{fn}: labels are constants and get no gradient; pass labels.detach()"
            )
        labels = labels.data
    labels = np.asarray(labels)
    n, c = shape
    kind = labels.dtype.kind  # "i"/"u": integers, "f": floats ("b" bool is no label)
    if kind not in "iuf":
        raise TypeError(f"{fn}: labels must be numbers, got dtype {labels.dtype}")
    if labels.shape == (n,):
        if kind == "f":
            raise TypeError(
                f"{fn}: labels of shape ({n},) must be integer class indices, got dtype "
                f"{labels.dtype}; convert them with labels.astype(np.int64)"
            )
        if labels.size <= 32:  # a few labels: Python's min/max of a list beat NumPy's (1.6 us)
            as_list = labels.tolist()
            low, high = min(as_list), max(as_list)
        else:
            low, high = labels.min(), labels.max()
        if low < 0 or high >= c:
            bad = (labels < 0) | (labels >= c)
            raise ValueError(
                f"{fn}: class index {labels[bad][0]} out of range for {c} classes "
                f"(scores of shape {shape}); labels must lie in [0, {c - 1}]"
            )
        return labels
    if labels.shape == (n, c):
        rows_ok = np.allclose(labels.sum(axis=1), 1.0, atol=1e-4) and (labels >= 0).all()
        if not rows_ok:
            raise ValueError(
                f"{fn}: label rows of shape ({n}, {c}) must be one-hot or probabilities "
                "(non-negative, each row summing to 1)"
            )
        return labels
    raise ValueError(
        f"{fn}: labels must have shape ({n},) (class indices) or ({n}, {c}) (one-hot rows) "
        f"for scores of shape {shape}, got shape {labels.shape}"
    )


def _class_indices(labels: Any, scores: Tensor, fn: str) -> np.ndarray:
    """Integer class indices of shape (N,), from indices or from one-hot rows."""
    labels = _label_array(labels, scores.data.shape, fn)
    if labels.ndim == 1:
        return labels
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"{fn}: label rows must be one-hot (zeros and a single 1)")
    return labels.argmax(axis=1)


def _reduce(per_sample: Tensor, reduction: str) -> Tensor:
    """The mean or the sum of the losses, or (`"none"`) the losses themselves."""
    if reduction == "none":
        return per_sample
    return per_sample.mean() if reduction == "mean" else per_sample.sum()
