"""gradcheck at kinks: inconclusive, not failed; real errors still fail; the report's numbers."""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import tinygrad_lite as tl
from tinygrad_lite import ops
from tinygrad_lite.tensor import apply

EPS = 1e-6


@given(offset=st.floats(-0.99, 0.99))  # nearer to 1 the average of both slopes passes
def test_relu_within_h_of_zero_is_inconclusive_not_failed(offset):
    x = np.array([1.0, offset * EPS, -2.0])
    report = tl.gradcheck_report(lambda t: t.relu().sum(), x, eps=EPS)
    (check,) = report.inputs
    assert report.passed
    assert not check.failed.any()
    assert list(check.inconclusive) == [(1,)]
    assert "ReLU decision flips" in check.inconclusive[(1,)]
    assert tl.gradcheck(lambda t: t.relu().sum(), x, eps=EPS)


@pytest.mark.parametrize(
    ("name", "f", "x"),
    [
        ("Abs", lambda t: t.abs().sum(), np.array([3e-7, 2.0])),
        ("Clip", lambda t: t.clip(-0.5, 1.0).sum(), np.array([1.0 + 3e-7, 0.2])),
        ("Max", lambda t: t.max(), np.array([1.0, 1.0 + 4e-7, -3.0])),
        ("Min", lambda t: (t * t).min(axis=0).sum(), np.array([[1.0, 2.0], [1.0 + 2e-7, 0.5]])),
        ("LeakyReLU", lambda t: t.leaky_relu(0.1).sum(), np.array([3e-7, 2.0])),
        ("ELU", lambda t: t.elu(0.5).sum(), np.array([-2e-7, 2.0])),
        ("Sign", lambda t: (t.sign() * t).sum(), np.array([3e-7, 2.0])),
        ("Maximum", lambda t: tl.maximum(t[0], t[1]), np.array([1.0, 1.0 + 4e-7])),
        ("Minimum", lambda t: tl.minimum(t, 1.0).sum(), np.array([1.0 - 2e-7, 0.3])),
    ],
)
def test_each_kinked_op_is_recognised(name, f, x):
    report = tl.gradcheck_report(f, x)
    (check,) = report.inputs
    assert report.passed
    assert check.inconclusive
    assert all(f"{name} decision flips" in reason for reason in check.inconclusive.values())


def test_kink_made_of_a_mask_is_found_by_one_sided_differences():
    def f(t):  # relu written with a comparison: no ReLU op in the graph
        return (t * (t > 0)).sum()

    report = tl.gradcheck_report(f, np.array([5e-7, 1.0]))
    (check,) = report.inputs
    assert report.passed
    assert "one-sided differences disagree" in check.inconclusive[(0,)]


def test_smooth_points_are_never_inconclusive():
    report = tl.gradcheck_report(lambda t: (t.relu() * t.exp()).sum(), np.array([0.5, -1.0, 2.0]))
    assert report.passed
    assert report.inputs[0].inconclusive == {}


class _WrongExp(ops.Exp):
    """d exp(x)/dx = 1.01 * out (deliberately wrong)"""

    def backward(self, grad, x, out):
        return grad * out * 1.01


def test_a_wrong_backward_still_fails_and_the_message_is_unchanged():
    def f(t):
        return apply(_WrongExp(), t).sum()

    x = np.array([0.5, -1.0])
    report = tl.gradcheck_report(f, x)
    assert not report.passed
    assert report.inputs[0].failed.all()
    assert report.inputs[0].inconclusive == {}
    with pytest.raises(
        tl.GradcheckError,
        match=r"gradient of input 0 \(shape \(2,\)\) is wrong at index \(0,\): backward gives "
        r"1\.665.*central differences give 1\.6487.*2 of 2 elements disagree",
    ):
        tl.gradcheck(f, x)


def test_a_wrong_backward_next_to_a_kink_still_fails():
    def f(t):  # the kink is in ReLU, the error in the smooth part
        return (t.relu() + apply(_WrongExp(), t)).sum()

    report = tl.gradcheck_report(f, np.array([3e-7, 1.0]))
    assert not report.passed
    assert report.inputs[0].failed[1]


def test_report_gives_the_cs231n_relative_error_per_input():
    def f(a, b):
        return (apply(_WrongExp(), a) + b * b).sum()

    a, b = np.array([0.0, 1.0]), np.array([3.0, 0.0])
    report = tl.gradcheck_report(f, a, b)
    first, second = report.inputs
    # |a - n| / max(|a|, |n|) with a = 1.01 n: 0.01 / 1.01
    np.testing.assert_allclose(first.relative_error, 0.01 / 1.01, rtol=1e-6)
    assert first.max_relative_error == pytest.approx(0.01 / 1.01, rel=1e-6)
    assert second.relative_error[1] == 0.0  # both gradients are exactly 0
    assert second.max_relative_error < 1e-8
    text = str(report)
    assert text.startswith("gradcheck (eps=1e-06, atol=1e-05, rtol=0.001): FAILED")
    assert "input 0 shape (2,): max relative error 0.0099, 0 passed, 2 failed" in text
    assert "input 1 shape (2,)" in text
    assert "failed at (1,): backward 2.7454" in text


def test_report_prints_the_inconclusive_elements_and_why():
    text = str(tl.gradcheck_report(lambda t: t.relu().sum(), np.array([0.0, 1.0])))
    assert "passed, 1 element(s) inconclusive at kinks" in text
    assert "1 passed, 0 failed, 1 inconclusive" in text
    assert "inconclusive at (0,): backward 0, central differences 0.5" in text


def test_zero_dimensional_inputs():
    assert tl.gradcheck(lambda t: t.exp(), np.array(0.3))
    report = tl.gradcheck_report(lambda t: t.relu(), np.array(2e-7))
    assert list(report.inputs[0].inconclusive) == [()]


def test_a_kink_inside_a_loss_names_the_loss_whose_decision_flips():
    # s_0 - s_1 + 1 = 0: the margin of class 0 sits exactly on the hinge max(0, .) of svm_loss
    on_kink = np.array([[0.0, 1.0, -1.0]])
    report = tl.gradcheck_report(lambda s: tl.nn.functional.svm_loss(s, np.array([1])), on_kink)
    (check,) = report.inputs
    assert report.passed
    assert list(check.inconclusive) == [(0, 0), (0, 1)]
    for reason in check.inconclusive.values():
        assert "the ReLU decision flips between x-h and x+h (the ReLU inside svm_loss)" in reason
    # through the module the scope says which layer too
    module = tl.nn.SVMLoss()
    report = tl.gradcheck_report(lambda s: module(s, np.array([1])), on_kink)
    assert all(
        "(the ReLU inside SVMLoss > svm_loss)" in reason
        for reason in report.inputs[0].inconclusive.values()
    )
