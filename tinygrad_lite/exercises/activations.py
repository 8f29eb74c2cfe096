"""Exercises on one node of the graph: the chain rule on a scalar, and the backward of the
sigmoid, tanh and ReLU activations.

Each exercise holds its reference (tinygrad_lite's own backward), the NumPy solution that
``solution()`` shows, the inputs it is checked on, and its catalogue of mistakes: the
functions learners write when they slip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_lite.exercises.core import Mistake, backward_of, common_mistakes
from tinygrad_lite.exercises.exercise import Exercise
from tinygrad_lite.tensor import Tensor


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _activation_cases(rng: np.random.Generator, zeros: bool = False) -> list[tuple]:
    """(x, upstream) pairs of growing shape; with ``zeros``, some x are exactly 0 (ReLU's kink)."""
    cases = []
    for shape in [(1,), (3,), (2, 3), (4,), (3, 4), (2, 3, 2), (5, 6)]:
        x = rng.normal(0.0, 2.0, size=shape)
        if zeros:
            x[rng.random(shape) < 0.3] = 0.0
        cases.append((x, rng.normal(size=shape)))
    return cases


# ---------------------------------------------------------------- chain rule on a scalar


def chain_rule_scalar(x, w, b):
    y = np.tanh(x * w + b)
    local = 1.0 - y**2
    return local * w, local * x, local


def _chain_cases(rng: np.random.Generator) -> list[tuple]:
    return [tuple(np.float64(v) for v in rng.normal(0.0, 0.8, size=3)) for _ in range(8)]


def _chain_variant(outer: Callable[[Any, Any], Any], swap: bool = False, inner: bool = True):
    """``chain_rule_scalar`` with another outer derivative (a function of z and y), the inner
    derivatives x and w swapped, or left out."""

    def wrong(x, w, b):
        z = x * w + b
        local = outer(z, np.tanh(z))
        if not inner:
            return local, local, local
        return (local * x, local * w, local) if swap else (local * w, local * x, local)

    return wrong


CHAIN_RULE_SCALAR = Exercise(
    name="chain_rule_scalar",
    params=("x", "w", "b"),
    outputs=("dy_dx", "dy_dw", "dy_db"),
    reference=lambda x, w, b: backward_of(lambda x, w, b: (x * w + b).tanh(), x, w, b),
    solution_fn=chain_rule_scalar,
    draw=_chain_cases,
    mistakes=(
        Mistake("in_terms_of_input", _chain_variant(lambda z, y: 1.0 - z**2)),
        Mistake("forgot_tanh", _chain_variant(lambda z, y: np.ones_like(z))),
        Mistake("forgot_inner", _chain_variant(lambda z, y: 1.0 - y**2, inner=False)),
        Mistake("swapped_inner", _chain_variant(lambda z, y: 1.0 - y**2, swap=True)),
        Mistake("sigmoid_form", _chain_variant(lambda z, y: y * (1.0 - y))),
        *common_mistakes(chain_rule_scalar, "sign", "double", "half"),
    ),
    example=(np.float64(2.0), np.float64(-0.5), np.float64(0.5)),
)


# ---------------------------------------------------------------- sigmoid


def sigmoid_backward(x, upstream):
    s = 1.0 / (1.0 + np.exp(-x))
    return upstream * s * (1.0 - s)


SIGMOID_BACKWARD = Exercise(
    name="sigmoid_backward",
    params=("x", "upstream"),
    outputs=("dx",),
    reference=lambda x, up: backward_of(Tensor.sigmoid, x, upstream=up)[0],
    solution_fn=sigmoid_backward,
    draw=_activation_cases,
    mistakes=(
        Mistake("in_terms_of_input", lambda x, up: up * x * (1.0 - x)),
        Mistake("forgot_upstream", lambda x, up: _sigmoid(x) * (1.0 - _sigmoid(x))),
        Mistake("tanh_form", lambda x, up: up * (1.0 - _sigmoid(x) ** 2)),
        *common_mistakes(sigmoid_backward, "sign", "double", "half"),
    ),
    example=(np.array([0.0, 2.0]), np.array([1.0, -1.0])),
)


# ---------------------------------------------------------------- tanh


def tanh_backward(x, upstream):
    y = np.tanh(x)
    return upstream * (1.0 - y**2)


TANH_BACKWARD = Exercise(
    name="tanh_backward",
    params=("x", "upstream"),
    outputs=("dx",),
    reference=lambda x, up: backward_of(Tensor.tanh, x, upstream=up)[0],
    solution_fn=tanh_backward,
    draw=_activation_cases,
    mistakes=(
        Mistake("in_terms_of_input", lambda x, up: up * (1.0 - x**2)),
        Mistake("forgot_upstream", lambda x, up: 1.0 - np.tanh(x) ** 2),
        Mistake("no_square", lambda x, up: up * (1.0 - np.tanh(x))),
        Mistake("sigmoid_form", lambda x, up: up * np.tanh(x) * (1.0 - np.tanh(x))),
        *common_mistakes(tanh_backward, "sign", "double", "half"),
    ),
    example=(np.array([0.0, 1.0]), np.array([1.0, 2.0])),
)


# ---------------------------------------------------------------- ReLU


def relu_backward(x, upstream):
    return upstream * (x > 0)


RELU_BACKWARD = Exercise(
    name="relu_backward",
    params=("x", "upstream"),
    outputs=("dx",),
    reference=lambda x, up: backward_of(Tensor.relu, x, upstream=up)[0],
    solution_fn=relu_backward,
    draw=lambda rng: _activation_cases(rng, zeros=True),
    mistakes=(
        Mistake("one_at_zero", lambda x, up: up * (x >= 0), convention=True),
        Mistake("forgot_upstream", lambda x, up: (x > 0).astype(np.float64)),
        Mistake("mask_by_upstream", lambda x, up: up * (up > 0)),
        Mistake("times_forward", lambda x, up: up * np.maximum(x, 0.0)),
        *common_mistakes(relu_backward, "sign", "double", "half"),
    ),
    example=(np.array([-1.0, 0.0, 2.0]), np.array([5.0, 5.0, 5.0])),
)

EXERCISES = (CHAIN_RULE_SCALAR, SIGMOID_BACKWARD, TANH_BACKWARD, RELU_BACKWARD)
