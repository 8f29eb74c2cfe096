"""tl.custom_op: a learner's op with its own forward and backward, checked when registered."""

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import tinygrad_lite as tl
from tinygrad_lite import Tensor


@tl.custom_op
class Softplus:
    """d softplus(x)/dx = sigmoid(x)"""

    def forward(self, x):
        return np.logaddexp(0.0, x)

    def backward(self, grad, x, out):
        return grad * x.sigmoid()


@tl.custom_op(low=0.2, high=3.0, shapes=[(2, 3), (3,)])
class WeightedLog:
    """d (x log y)/dx = log y, d (x log y)/dy = x / y"""

    def __init__(self, scale=1.0):
        self.scale = scale

    def forward(self, x, y):
        return self.scale * x * np.log(y)

    def backward(self, grad, x, y, out):
        return grad * y.log() * self.scale, grad * x / y * self.scale


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_softplus_forward_backward_and_second_derivative():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True, dtype=np.float64)
    y = Softplus.apply(x)
    np.testing.assert_allclose(y.data, np.log1p(np.exp(x.data)))
    assert y.grad_fn.name == "Softplus"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, _sigmoid(x.data))
    hess = tl.hessian(lambda t: Softplus.apply(t).sum(), x.data)
    s = _sigmoid(x.data)
    np.testing.assert_allclose(hess.data, np.diag(s * (1 - s)))


def test_custom_op_keeps_float32_and_takes_arrays():
    y = Softplus.apply(np.array([1.0, 2.0], dtype=np.float32))
    assert y.dtype == np.float32
    assert not y.requires_grad


def test_two_input_op_with_parameters_and_broadcasting():
    x = Tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], requires_grad=True, dtype=np.float64)
    y = Tensor([1.5, 2.0, 0.5], requires_grad=True, dtype=np.float64)
    WeightedLog.apply(x, y, scale=2.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.broadcast_to(np.log(y.data), (2, 3)))
    np.testing.assert_allclose(y.grad.data, 2 * (x.data / y.data).sum(axis=0))


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=st.floats(-6, 6))
)
def test_softplus_passes_gradcheck_at_both_orders_on_drawn_inputs(x):
    tl.manual_seed(0)
    w = tl.random.generator().standard_normal(x.shape)

    def loss(t):
        return (Softplus.apply(t) * w).sum()

    assert tl.gradcheck(loss, x)
    assert tl.gradgradcheck(loss, x)


@given(
    x=hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
    y=hnp.arrays(np.float64, (3,), elements=st.floats(0.2, 3)),
)
def test_weighted_log_passes_gradcheck_at_both_orders_on_drawn_inputs(x, y):
    def loss(a, b):
        out = WeightedLog.apply(a, b, scale=0.5)
        return (out * out).sum()

    assert tl.gradcheck(loss, x, y)
    assert tl.gradgradcheck(loss, x, y)


def test_wrong_backward_is_caught_at_first_order_with_a_readable_verdict():
    with pytest.raises(tl.GradcheckError) as info:

        @tl.custom_op
        class BadSoftplus:
            def forward(self, x):
                return np.logaddexp(0.0, x)

            def backward(self, grad, x, out):
                return grad * x.tanh()  # should be sigmoid

    message = str(info.value)
    assert "custom op BadSoftplus: backward is wrong at first order" in message
    assert "gradient of input 0 (shape (2, 3)) is wrong at index" in message
    assert "backward gives" in message
    assert "central differences give" in message
    assert "Inputs: input 0 (x) = [[" in message
    assert "Hint" not in message


def test_backward_right_only_at_first_order_is_caught_at_second_order():
    with pytest.raises(tl.GradcheckError) as info:

        @tl.custom_op
        class ArraySoftplus:
            def forward(self, x):
                return np.logaddexp(0.0, x)

            def backward(self, grad, x, out):  # right values, but computed outside the graph
                return grad * Tensor(1 / (1 + np.exp(-x.data)))

    message = str(info.value)
    assert "custom op ArraySoftplus: backward is wrong at second order" in message
    assert "double backward gives 0" in message
    assert "central differences of the first gradient give" in message
    assert "Hint: first order passed" in message


def test_wrong_gradient_for_the_second_input_names_it():
    with pytest.raises(tl.GradcheckError, match=r"first order.*\n.*input 1 \(shape \(3,\)\)"):

        @tl.custom_op(low=0.5, shapes=[(2, 3), (3,)])
        class BadDiv:
            def forward(self, x, y):
                return x / y

            def backward(self, grad, x, y, out):
                return grad / y, grad * x / (y * y)  # sign error


def test_wrong_number_of_gradients_is_a_value_error():
    with pytest.raises(ValueError, match=r"Twice.backward returned 2 gradient\(s\) for 1 input"):

        @tl.custom_op
        class Twice:
            def forward(self, x):
                return 2 * x

            def backward(self, grad, x, out):
                return grad * 2, grad


def test_check_false_skips_the_check_and_kinks_are_not_failures():
    @tl.custom_op(check=False)
    class Unchecked:
        def forward(self, x):
            return x * 0

        def backward(self, grad, x, out):
            return grad  # wrong, but nobody checks

    assert Unchecked.apply(Tensor([1.0])).item() == 0.0

    @tl.custom_op
    class LeakyReLU:
        """d leaky(x)/dx = 1 where x > 0, else 0.1"""

        def forward(self, x):
            return np.where(x > 0, x, 0.1 * x)

        def backward(self, grad, x, out):
            return grad * Tensor(np.where(x.data > 0, 1.0, 0.1))

    assert LeakyReLU.apply(Tensor([-1.0])).item() == pytest.approx(-0.1)


def test_registration_errors_are_clear():
    with pytest.raises(TypeError, match="must define forward"):
        tl.custom_op(type("NoBackward", (), {"forward": lambda self, x: x}))

    class Star:
        def forward(self, *xs):
            return xs[0]

        def backward(self, grad, *values):
            return grad

    with pytest.raises(TypeError, match="pass shapes="):
        tl.custom_op(Star)
    assert tl.custom_op(Star, shapes=[(3,)]) is Star
    with pytest.raises(ValueError, match="low < high"):
        tl.custom_op(Star, shapes=[(3,)], low=1.0, high=0.0)


def test_trace_shows_the_docstring_formula():
    x = Tensor([0.5], requires_grad=True)
    fn = Softplus.apply(x).grad_fn
    assert fn.describe_local() == "d softplus(x)/dx = sigmoid(x)"
