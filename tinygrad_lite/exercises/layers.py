"""Exercises on layers: a broadcast product, the matrix product and the linear layer.

The shapes are what these exercises teach: each gradient has the shape of its input, which
fixes where a transpose goes and which axis a broadcast input's gradient is summed over. The
drawn shapes include square ones, so a misplaced transpose gives a wrong value there and an
error elsewhere, and the catalogue recognises both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite.exercises.core import Mistake, backward_of, common_mistakes
from tinygrad_lite.exercises.exercise import Exercise
from tinygrad_lite.nn import functional as F

# (N, D, M): batch, input features, output features; square and non-square, small first.
SHAPES = [(1, 1, 1), (2, 2, 2), (2, 3, 4), (3, 2, 3), (3, 3, 3), (4, 3, 2), (4, 4, 4), (5, 3, 5)]


# ---------------------------------------------------------------- a * b, b broadcast over rows


def mul_broadcast_backward(a, b, upstream):
    da = upstream * b
    db = (upstream * a).sum(axis=0)
    return da, db


def _mul_cases(rng: np.random.Generator) -> list[tuple]:
    return [
        (rng.normal(size=(n, d)), rng.normal(size=d), rng.normal(size=(n, d))) for n, d, _ in SHAPES
    ]


MUL_BROADCAST_BACKWARD = Exercise(
    name="mul_broadcast_backward",
    params=("a", "b", "upstream"),
    outputs=("da", "db"),
    reference=lambda a, b, up: backward_of(lambda a, b: a * b, a, b, upstream=up),
    solution_fn=mul_broadcast_backward,
    draw=_mul_cases,
    mistakes=(
        Mistake("db_not_summed", lambda a, b, up: (up * b, up * a)),
        Mistake("db_wrong_axis", lambda a, b, up: (up * b, (up * a).sum(axis=1))),
        Mistake("db_summed_all", lambda a, b, up: (up * b, (up * a).sum())),
        Mistake("db_mean", lambda a, b, up: (up * b, (up * a).mean(axis=0))),
        Mistake("own_input", lambda a, b, up: (up * a, (up * b).sum(axis=0))),
        Mistake("forgot_upstream", lambda a, b, up: (np.ones_like(a) * b, a.sum(axis=0))),
        *common_mistakes(mul_broadcast_backward, "sign", "double", "half"),
    ),
    example=(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([10.0, -1.0]), np.ones((2, 2))),
)


# ---------------------------------------------------------------- x @ W


def matmul_backward(x, W, upstream):
    dx = upstream @ W.T
    dW = x.T @ upstream
    return dx, dW


def _matmul_cases(rng: np.random.Generator) -> list[tuple]:
    return [
        (rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=(n, m)))
        for n, d, m in SHAPES
    ]


def _matmul_mistakes(extra: tuple = ()) -> tuple[Mistake, ...]:
    """The mistakes of ``x @ W``'s gradients, for ``matmul_backward(x, W, upstream)`` and, with
    the bias gradient appended (``extra``: ``(b,)``), for ``linear_backward``."""

    def variant(dx: Any, dW: Any) -> Any:
        def wrong(x, W, *rest):
            up = rest[-1]
            grads = (dx(x, W, up), dW(x, W, up))
            return (*grads, up.sum(axis=0)) if extra else grads

        return wrong

    def right_dx(x, W, up):
        return up @ W.T

    def right_dW(x, W, up):
        return x.T @ up

    return (
        Mistake(
            "dx_not_transposed", topic="matmul", wrong=variant(lambda x, W, up: up @ W, right_dW)
        ),
        Mistake(
            "dx_transposed", topic="matmul", wrong=variant(lambda x, W, up: W @ up.T, right_dW)
        ),
        Mistake(
            "dW_not_transposed", topic="matmul", wrong=variant(right_dx, lambda x, W, up: x @ up)
        ),
        Mistake(
            "dW_transposed", topic="matmul", wrong=variant(right_dx, lambda x, W, up: up.T @ x)
        ),
        Mistake(
            "dW_mean", topic="matmul", wrong=variant(right_dx, lambda x, W, up: x.T @ up / len(x))
        ),
    )


MATMUL_BACKWARD = Exercise(
    name="matmul_backward",
    params=("x", "W", "upstream"),
    outputs=("dx", "dW"),
    reference=lambda x, W, up: backward_of(lambda x, W: x @ W, x, W, upstream=up),
    solution_fn=matmul_backward,
    draw=_matmul_cases,
    mistakes=(
        *_matmul_mistakes(),
        *common_mistakes(matmul_backward, "sign", "double", "half"),
    ),
    example=(
        np.array([[1.0, 2.0]]),
        np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
        np.ones((1, 3)),
    ),
)


# ---------------------------------------------------------------- x @ W + b


def linear_backward(x, W, b, upstream):
    dx = upstream @ W.T
    dW = x.T @ upstream
    db = upstream.sum(axis=0)
    return dx, dW, db


def _linear_cases(rng: np.random.Generator) -> list[tuple]:
    return [(x, W, rng.normal(size=W.shape[1]), up) for x, W, up in _matmul_cases(rng)]


def _linear_with_db(db: Any) -> Any:
    def wrong(x, W, b, up):
        return up @ W.T, x.T @ up, db(up)

    return wrong


LINEAR_BACKWARD = Exercise(
    name="linear_backward",
    params=("x", "W", "b", "upstream"),
    outputs=("dx", "dW", "db"),
    reference=lambda x, W, b, up: backward_of(F.linear, x, W, b, upstream=up),
    solution_fn=linear_backward,
    draw=_linear_cases,
    mistakes=(
        Mistake("db_not_summed", _linear_with_db(lambda up: up)),
        Mistake("db_wrong_axis", _linear_with_db(lambda up: up.sum(axis=1))),
        Mistake("db_mean", _linear_with_db(lambda up: up.mean(axis=0))),
        Mistake("db_ones", _linear_with_db(lambda up: np.ones(up.shape[1]))),
        *_matmul_mistakes(extra=("b",)),
        *common_mistakes(linear_backward, "sign", "double", "half"),
    ),
    example=(
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
        np.array([0.5, 0.0, -0.5]),
        np.ones((2, 3)),
    ),
)

EXERCISES = (MUL_BROADCAST_BACKWARD, MATMUL_BACKWARD, LINEAR_BACKWARD)
