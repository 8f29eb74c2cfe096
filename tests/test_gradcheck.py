"""The checker itself: it must pass correct gradients and catch wrong ones."""

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor
from tinygrad_lite.autograd import Function
from tinygrad_lite.tensor import apply


class WrongSquare(Function):
    """A square whose backward forgets the factor 2: d(x^2)/dx = x (wrong)."""

    def forward(self, x):
        return x * x

    def backward(self, grad, x, out):
        return grad * x


class TransposedGrad(Function):
    """An op whose backward hands back the upstream gradient transposed (a classic slip)."""

    def forward(self, x):
        return x * 1.0

    def backward(self, grad, x, out):
        return grad.T


def test_numerical_grad_returns_one_array_per_input():
    grads = tl.numerical_grad(lambda x, y: (x * y).sum(), np.array([1.0, 2.0]), np.array(3.0))
    assert isinstance(grads, tuple)
    assert len(grads) == 2
    np.testing.assert_allclose(grads[0], [3.0, 3.0], rtol=1e-8)
    np.testing.assert_allclose(grads[1], 3.0, rtol=1e-8)
    (single,) = tl.numerical_grad(lambda x: x.exp().sum(), np.zeros(2))
    np.testing.assert_allclose(single, [1.0, 1.0], rtol=1e-8)


def test_numerical_grad_leaves_its_inputs_alone():
    x = np.array([1.0, 2.0])
    tl.numerical_grad(lambda t: (t * t).sum(), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_gradcheck_passes_a_correct_backward():
    x = np.random.default_rng(0).normal(size=(3, 4))
    assert tl.gradcheck(lambda t: (t.tanh() * t).sum(), x) is True


def test_gradcheck_accepts_tensors_and_runs_in_float64():
    x = Tensor([0.3, -0.2], dtype=np.float32)
    assert tl.gradcheck(lambda t: (t.sigmoid() ** 2).sum(), x)


def test_gradcheck_catches_a_wrong_derivative():
    with pytest.raises(tl.GradcheckError) as info:
        tl.gradcheck(lambda t: apply(WrongSquare(), t).sum(), np.array([1.0, -2.0, 3.0]))
    message = str(info.value)
    assert "input 0" in message
    assert "index (2,)" in message  # the worst element: |x - 2x| is largest at x = 3
    assert "backward gives 3" in message
    assert "central differences give 6" in message


def test_gradcheck_catches_a_transposed_gradient():
    x = np.arange(4.0).reshape(2, 2)
    upstream = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(tl.GradcheckError):
        tl.gradcheck(lambda t: (apply(TransposedGrad(), t) * upstream).sum(), x)


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(tl.GradcheckError, AssertionError)


def test_gradcheck_needs_a_scalar_function():
    with pytest.raises(ValueError, match="scalar"):
        tl.gradcheck(lambda t: t * 2, np.ones(3))
