"""Numerical faults: huge scores, log of zero, optimizers that see a zero gradient.

The softmax family is compared in float32 with a float64 reference computed from the same
float32 inputs. ``np.errstate(over="raise", invalid="raise", divide="raise")`` turns any
overflow, 0/0 or log(0) inside the library into an error, so "finite" is not just a check of
the result but a check that nothing on the way overflowed. (Underflow, exp(-20000) = 0, is
expected and harmless.)
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_lite import Tensor, optim
from tinygrad_lite.nn import functional as F

STRICT = {"over": "raise", "invalid": "raise", "divide": "raise"}


def log_softmax64(x, axis):
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def huge_scores():
    """Rows of magnitude 1e4: random, all equal, far apart, and with a tie at the top."""
    rng = np.random.default_rng(0)
    rows = [
        rng.normal(0.0, 1e4, 5),
        np.full(5, 1e4),
        [1e4, -1e4, 0.0, -1e4, 1e4 - 1.0],
        [-1e4, 1e4, 1e4, -5e3, 3.0],
        np.full(5, -1e4),
    ]
    return np.array(rows, dtype=np.float32)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax_of_huge_scores_match_float64(axis):
    s = huge_scores()
    g = np.random.default_rng(1).normal(size=s.shape).astype(np.float32)  # upstream gradient
    log_p = log_softmax64(s, axis)
    p = np.exp(log_p)
    with np.errstate(**STRICT):
        x = Tensor(s, requires_grad=True)
        soft = x.softmax(axis=axis)
        soft.backward(g)
        y = Tensor(s, requires_grad=True)
        log_soft = y.log_softmax(axis=axis)
        log_soft.backward(g)
    assert soft.dtype == log_soft.dtype == np.float32
    np.testing.assert_allclose(soft.data, p, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(log_soft.data, log_p, rtol=1e-6, atol=1e-5)
    # d softmax: p * (g - sum(g p));  d log_softmax: g - p * sum(g)
    sum_gp = (g * p).sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(x.grad.data, p * (g - sum_gp), rtol=1e-5, atol=1e-6)
    expected = g - p * g.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(y.grad.data, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_of_huge_scores_matches_float64(reduction):
    s = huge_scores()
    labels = np.array([0, 4, 1, 0, 2])
    log_p = log_softmax64(s, axis=1)
    n = len(labels)
    scale = 1 / n if reduction == "mean" else 1.0
    with np.errstate(**STRICT):
        x = Tensor(s, requires_grad=True)
        loss = F.cross_entropy(x, labels, reduction=reduction)
        loss.backward()
    expected_loss = -log_p[np.arange(n), labels].sum() * scale
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-6)
    assert expected_loss > 1e3  # the labels were chosen so that some rows are very wrong
    one_hot = np.eye(5)[labels]
    np.testing.assert_allclose(x.grad.data, (np.exp(log_p) - one_hot) * scale, atol=1e-6)


@given(
    hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
        elements=st.floats(-1e4, 1e4, width=32),
    )
)
def test_cross_entropy_is_finite_and_correct_for_any_scores_up_to_1e4(s):
    labels = np.arange(s.shape[0]) % s.shape[1]
    with np.errstate(**STRICT):
        x = Tensor(s, requires_grad=True)
        loss = F.cross_entropy(x, labels)
        loss.backward()
        log_soft = Tensor(s).log_softmax(axis=1)
    log_p = log_softmax64(s, axis=1)
    expected = -log_p[np.arange(len(labels)), labels].mean()
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(log_soft.data, log_p, rtol=1e-6, atol=1e-3)
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad.data.sum(axis=1), 0.0, atol=1e-6)  # sum(p) - 1 = 0


# ---------------------------------------------------------------- log of zero


def test_log_of_zero_is_minus_inf_and_numpy_says_so():
    """Decision: log(0) = -inf, as in NumPy and PyTorch, and NumPy's RuntimeWarning is shown.

    The library never changes NumPy's error settings: a -inf in your model is worth a warning.
    ``tl.detect_anomaly()`` turns it into an AnomalyError naming the op; ``np.errstate(
    divide="ignore")`` silences it where -inf is intended.
    """
    x = Tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in log"):
        y = x.log()
    np.testing.assert_array_equal(y.data, [-np.inf, 0.0])
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in divide"):
        y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [np.inf, 1.0])


def test_log_of_zero_is_silent_where_intended():
    before = np.geterr()
    with np.errstate(divide="ignore"):
        y = Tensor([0.0]).log()
    assert y.item() == -np.inf
    assert np.geterr() == before


def test_the_stable_functions_never_take_log_of_zero():
    # A probability that underflows to 0 (exp(-20000)) would give log(0) in a naive
    # log(softmax(x)); log_softmax and cross_entropy work with the shifted scores instead.
    s = Tensor([[0.0, -2e4], [1e4, -1e4]], requires_grad=True)
    with np.errstate(**STRICT):
        log_p = s.log_softmax(axis=1)
        loss = F.cross_entropy(s, np.array([1, 1]))
        loss.backward()
    np.testing.assert_allclose(log_p.data, [[0.0, -2e4], [0.0, -2e4]])
    np.testing.assert_allclose(loss.item(), 2e4)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        naive = s.softmax(axis=1).log()  # the naive way does take log(0)
    assert np.isneginf(naive.data).any()


def test_pow_with_a_constant_exponent_does_not_take_log_of_the_base():
    # d(x**y)/dy = x**y log(x) is only computed when y needs a gradient, so x = 0 is fine.
    x = Tensor([0.0, 2.0], requires_grad=True)
    with np.errstate(**STRICT):
        (x**2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 4.0])


# ---------------------------------------------------------------- optimizers at g = 0


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.Adam(p, lr=0.1),
        lambda p: optim.RMSProp(p, lr=0.1),
        lambda p: optim.AdaGrad(p, lr=0.1),
    ],
    ids=["Adam", "RMSProp", "AdaGrad"],
)
def test_adaptive_optimizers_with_a_zero_gradient_do_not_divide_by_zero(make):
    w = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = make([w])
    with np.errstate(**STRICT):
        for _ in range(100):
            w.grad = Tensor(np.zeros(3, dtype=np.float32))
            opt.step()
    np.testing.assert_array_equal(w.data, [1.0, -2.0, 3.0])  # 0 / (sqrt(0) + eps) = 0
    for array in opt.state_dict().values():
        assert np.isfinite(array).all()


def test_adam_with_a_gradient_that_becomes_zero_keeps_moving_and_stays_finite():
    w = Tensor([1.0], dtype=np.float64, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = Tensor([1e-3], dtype=np.float64)
    with np.errstate(**STRICT):
        opt.step()
        moved = 1.0 - w.data[0]
        for _ in range(50):
            w.grad = Tensor([0.0], dtype=np.float64)
            opt.step()
    np.testing.assert_allclose(moved, 0.1, rtol=1e-4)  # the first step is lr, for any |g| >> eps
    assert np.isfinite(w.data).all()
    assert w.data[0] < 1.0 - moved  # the momentum m keeps it moving for a while
