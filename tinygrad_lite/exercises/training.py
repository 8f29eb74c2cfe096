"""Exercises on training: one step of Momentum and of Adam, and He's initialization scale.

The update exercises return new arrays: the checker passes copies and reports a function
that changes its inputs in place, because a caller may still need the old ``w``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_lite import optim
from tinygrad_lite.exercises.core import Mistake
from tinygrad_lite.exercises.exercise import Exercise
from tinygrad_lite.tensor import Tensor


def _engine_step(optimizer: optim.Optimizer, w: np.ndarray, g: np.ndarray, **state: Any) -> None:
    """One update of the library's optimizer on ``w`` (in place), from the given state."""
    optimizer.state[0] = state
    optimizer.update(0, w, g)


# ---------------------------------------------------------------- Momentum


def momentum_update(w, v, g, lr, momentum):
    v_new = momentum * v - lr * g
    w_new = w + v_new
    return w_new, v_new


def _momentum_reference(w, v, g, lr, momentum):
    p = Tensor(w, dtype=np.float64)
    opt = optim.Momentum([p], lr=lr, momentum=momentum)
    _engine_step(opt, p.data, g, v=v.copy())
    return p.data, opt.state[0]["v"]


def _momentum_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for size, lr, m in [
        (1, 0.1, 0.9),
        (3, 0.01, 0.5),
        (4, 0.5, 0.9),
        (2, 0.1, 0.99),
        (6, 1.0, 0.8),
    ]:
        w, v, g = rng.normal(size=size), rng.normal(0.0, 0.5, size=size), rng.normal(size=size)
        cases.append((w, v, g, lr, m))
    return cases


def _momentum_variant(velocity: Any, old: bool = False, step: float | None = None):
    """Momentum with another velocity rule, moving w by the old velocity (``old``), or by
    ``step * v`` (``lr`` applied to the velocity instead of to the gradient)."""

    def wrong(w, v, g, lr, momentum):
        v_new = velocity(w, v, g, lr, momentum)
        moved = v if old else v_new
        return (w + step * lr * moved if step else w + moved), v_new

    return wrong


def _right_velocity(w, v, g, lr, momentum):
    return momentum * v - lr * g


MOMENTUM_UPDATE = Exercise(
    name="momentum_update",
    params=("w", "v", "g", "lr", "momentum"),
    outputs=("w_new", "v_new"),
    reference=_momentum_reference,
    solution_fn=momentum_update,
    draw=_momentum_cases,
    mistakes=(
        Mistake("plus_sign", _momentum_variant(lambda w, v, g, lr, m: m * v + lr * g)),
        Mistake("old_velocity", _momentum_variant(_right_velocity, old=True)),
        Mistake("forgot_momentum", _momentum_variant(lambda w, v, g, lr, m: v - lr * g)),
        Mistake("lr_on_velocity", _momentum_variant(lambda w, v, g, lr, m: m * v - g, step=1.0)),
    ),
    example=(np.array([1.0, -2.0]), np.array([0.5, 0.0]), np.array([1.0, 1.0]), 0.1, 0.9),
)


# ---------------------------------------------------------------- Adam


def adam_update(w, m, v, g, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g**2
    m_hat = m_new / (1 - beta1**t)
    v_hat = v_new / (1 - beta2**t)
    w_new = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w_new, m_new, v_new


def _adam_reference(w, m, v, g, t, lr, beta1, beta2, eps):
    p = Tensor(w, dtype=np.float64)
    opt = optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    _engine_step(opt, p.data, g, m=m.copy(), v=v.copy(), step=t - 1)
    return p.data, opt.state[0]["m"], opt.state[0]["v"]


def _adam_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    settings = [(1, 3, 0.1, 0.1), (1, 2, 1e-3, 1e-8), (2, 4, 0.01, 1e-3), (3, 1, 0.1, 0.1)]
    settings += [(10, 5, 0.1, 0.01), (100, 3, 1e-3, 1e-8), (1000, 6, 0.1, 0.1)]
    for t, size, lr, eps in settings:
        w, g = rng.normal(size=size), rng.normal(0.0, 0.3, size=size)
        started = t > 1  # the moments are zero before the first step
        m = rng.normal(0.0, 0.1, size=size) if started else np.zeros(size)
        v = rng.normal(0.0, 0.2, size=size) ** 2 if started else np.zeros(size)
        cases.append((w, m, v, g, t, lr, 0.9, 0.999, eps))
    return cases


def _adam_variant(
    correct: Any = lambda t: t,
    eps_inside: bool = False,
    square: bool = True,
    root: bool = True,
    corrected_state: bool = False,
):
    """Adam with the bias correction's step count changed (``correct(t)``; None: no
    correction), eps under the root, g not squared in v, no square root, or the corrected
    moments returned as the new state."""

    def wrong(w, m, v, g, t, lr, beta1, beta2, eps):
        m_new = beta1 * m + (1 - beta1) * g
        v_new = beta2 * v + (1 - beta2) * (g**2 if square else g)
        m_hat, v_hat = m_new, v_new
        if correct is not None:
            m_hat = m_new / (1 - beta1 ** correct(t))
            v_hat = v_new / (1 - beta2 ** correct(t))
        root_v = np.sqrt(v_hat) if root else v_hat
        scale = np.sqrt(v_hat + eps) if eps_inside else root_v + eps
        w_new = w - lr * m_hat / scale
        return (w_new, m_hat, v_hat) if corrected_state else (w_new, m_new, v_new)

    return wrong


ADAM_UPDATE = Exercise(
    name="adam_update",
    params=("w", "m", "v", "g", "t", "lr", "beta1", "beta2", "eps"),
    outputs=("w_new", "m_new", "v_new"),
    reference=_adam_reference,
    solution_fn=adam_update,
    draw=_adam_cases,
    mistakes=(
        Mistake("no_bias_correction", _adam_variant(correct=None)),
        Mistake("eps_inside_sqrt", _adam_variant(eps_inside=True)),
        Mistake("t_from_zero", _adam_variant(correct=lambda t: t - 1)),
        Mistake("t_plus_one", _adam_variant(correct=lambda t: t + 1)),
        Mistake("corrected_state", _adam_variant(corrected_state=True)),
        Mistake("g_not_squared", _adam_variant(square=False)),
        Mistake("no_sqrt", _adam_variant(root=False)),
    ),
    example=(np.array([1.0]), np.zeros(1), np.zeros(1), np.array([0.5]), 1, 0.1, 0.9, 0.999, 1e-8),
)


# ---------------------------------------------------------------- He initialization


def he_init_std(fan_in):
    return np.sqrt(2.0 / fan_in)


HE_INIT_STD = Exercise(
    name="he_init_std",
    params=("fan_in",),
    outputs=("std",),
    reference=lambda fan_in: math.sqrt(2.0 / fan_in),
    solution_fn=he_init_std,
    draw=lambda _rng: [(n,) for n in (1, 2, 3, 10, 64, 100, 784, 4096)],
    mistakes=(
        Mistake("lecun_or_xavier", lambda n: math.sqrt(1.0 / n)),
        Mistake("variance_not_std", lambda n: 2.0 / n),
        Mistake("uniform_bound", lambda n: math.sqrt(6.0 / n)),
        Mistake("no_sqrt_of_fan_in", lambda n: math.sqrt(2.0) / n),
    ),
    example=(50,),
)

EXERCISES = (MOMENTUM_UPDATE, ADAM_UPDATE, HE_INIT_STD)
