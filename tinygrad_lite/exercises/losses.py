"""Exercises on losses: softmax cross-entropy, the multiclass SVM and the mean squared error,
each the mean over the batch (the MSE: over all elements)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite.exercises.core import Mistake, backward_of, common_mistakes
from tinygrad_lite.exercises.exercise import Exercise
from tinygrad_lite.nn import functional as F

# (N, C): samples and classes, small first.
SHAPES = [(1, 2), (2, 3), (3, 3), (4, 2), (3, 5), (5, 4), (8, 3), (6, 6)]


def _classification_cases(rng: np.random.Generator, ties: bool = False) -> list[tuple]:
    """(scores, labels); with ``ties``, every other case has scores in steps of 0.5, so some
    SVM margins ``s_j - s_y + 1`` are exactly 0 (the hinge's kink)."""
    cases = []
    for i, (n, c) in enumerate(SHAPES):
        scores = rng.normal(0.0, 1.5, size=(n, c))
        if ties and i % 2:
            scores = np.round(scores * 2.0) / 2.0
        cases.append((scores, rng.integers(0, c, size=n)))
    return cases


def _one_hot(labels: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[labels]


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- softmax cross-entropy


def softmax_cross_entropy_backward(scores, labels):
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    p[np.arange(n), labels] -= 1.0
    return p / n


SOFTMAX_CROSS_ENTROPY_BACKWARD = Exercise(
    name="softmax_cross_entropy_backward",
    params=("scores", "labels"),
    outputs=("dscores",),
    reference=lambda s, y: backward_of(lambda s: F.cross_entropy(s, y), s)[0],
    solution_fn=softmax_cross_entropy_backward,
    draw=_classification_cases,
    mistakes=(
        Mistake("no_one_hot", lambda s, y: _softmax(s) / len(s)),
        Mistake("no_mean", lambda s, y: _softmax(s) - _one_hot(y, s.shape[1])),
        Mistake("scores_not_probabilities", lambda s, y: (s - _one_hot(y, s.shape[1])) / len(s)),
        Mistake("minus_one_everywhere", lambda s, y: (_softmax(s) - 1.0) / len(s)),
        *common_mistakes(softmax_cross_entropy_backward, "sign", "double", "half"),
    ),
    example=(np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]]), np.array([0, 2])),
)


# ---------------------------------------------------------------- multiclass SVM


def svm_loss_backward(scores, labels):
    n = scores.shape[0]
    rows = np.arange(n)
    margins = scores - scores[rows, labels][:, None] + 1.0
    counted = (margins > 0).astype(scores.dtype)
    counted[rows, labels] = 0.0
    counted[rows, labels] = -counted.sum(axis=1)
    return counted / n


def _svm_variant(above: Any, skip_correct: bool = True, correct: float = -1.0, mean: bool = True):
    """The SVM gradient with another test for a counted margin (``above``), with the correct
    class's own margin counted (``skip_correct=False``), another weight for the correct class
    (``correct``: 0 forgets it), or without the mean."""

    def wrong(scores, labels):
        n, rows = scores.shape[0], np.arange(scores.shape[0])
        counted = above(scores - scores[rows, labels][:, None] + 1.0).astype(np.float64)
        if skip_correct:
            counted[rows, labels] = 0.0
        counted[rows, labels] = correct * counted.sum(axis=1)
        return counted / n if mean else counted

    return wrong


def _positive(margins: np.ndarray) -> np.ndarray:
    return margins > 0


SVM_LOSS_BACKWARD = Exercise(
    name="svm_loss_backward",
    params=("scores", "labels"),
    outputs=("dscores",),
    reference=lambda s, y: backward_of(lambda s: F.svm_loss(s, y), s)[0],
    solution_fn=svm_loss_backward,
    draw=lambda rng: _classification_cases(rng, ties=True),
    mistakes=(
        Mistake("counted_correct_class", _svm_variant(_positive, skip_correct=False)),
        Mistake("greater_or_equal", _svm_variant(lambda m: m >= 0)),
        Mistake("forgot_correct_class", _svm_variant(_positive, correct=0.0)),
        Mistake("no_mean", _svm_variant(_positive, mean=False)),
        *common_mistakes(svm_loss_backward, "sign", "double", "half"),
    ),
    example=(np.array([[3.0, 2.5, -1.0], [0.0, 2.0, 1.5]]), np.array([0, 2])),
)


# ---------------------------------------------------------------- mean squared error


def mse_backward(pred, target):
    return 2.0 * (pred - target) / pred.size


def _mse_cases(rng: np.random.Generator) -> list[tuple]:
    shapes = [(1,), (3,), (2, 2), (4, 1), (3, 4), (5,), (6, 3)]
    return [(rng.normal(size=s), rng.normal(size=s)) for s in shapes]


MSE_BACKWARD = Exercise(
    name="mse_backward",
    params=("pred", "target"),
    outputs=("dpred",),
    reference=lambda p, t: backward_of(lambda p: F.mse_loss(p, t), p)[0],
    solution_fn=mse_backward,
    draw=_mse_cases,
    mistakes=(
        Mistake("forgot_two", lambda p, t: (p - t) / p.size),
        Mistake("divided_by_rows", lambda p, t: 2.0 * (p - t) / len(p)),
        Mistake("no_mean", lambda p, t: 2.0 * (p - t)),
        *common_mistakes(mse_backward, "sign", "double"),
    ),
    example=(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 2.0, 6.0])),
)

EXERCISES = (SOFTMAX_CROSS_ENTROPY_BACKWARD, SVM_LOSS_BACKWARD, MSE_BACKWARD)
