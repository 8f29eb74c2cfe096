"""The ops for building small nets at their special points, exactly: prod at zeros, ties in
maximum/minimum, where's mask, split's one gradient, the activations' kinks and extremes,
and the PyTorch semantics a newcomer relies on (squeeze, expand's -1, flatten's axes).

The op table (test_ops.py), the second-order table (test_higher_order.py) and the
`gradcheck` CLI rows check every backward against central differences; this file pins the
values at the points those checks stay away from.
"""

import math

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor
from tinygrad_lite.nn import functional as F


def grad_of(f, values, dtype=np.float64, upstream=None):
    x = Tensor(values, dtype=dtype, requires_grad=True)
    out = f(x)
    out.backward(np.ones(out.shape, out.dtype) if upstream is None else upstream)
    return x.grad.data


# ---------------------------------------------------------------- prod at zeros


def test_prod_gradient_with_one_zero_is_the_product_of_the_others():
    # d prod/dx_i = the product of the other elements: 2 * 5 at the zero, 0 elsewhere
    np.testing.assert_array_equal(grad_of(Tensor.prod, [2.0, 0.0, 5.0]), [0.0, 10.0, 0.0])


def test_prod_gradient_with_two_zeros_is_zero_everywhere():
    grad = grad_of(Tensor.prod, [0.0, 3.0, 0.0])
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])
    assert np.isfinite(grad).all()


def test_prod_gradient_along_an_axis_with_zeros():
    grad = grad_of(lambda x: x.prod(axis=0), [[0.0, 2.0], [3.0, 0.0], [4.0, 5.0]])
    np.testing.assert_array_equal(grad, [[12.0, 0.0], [0.0, 10.0], [0.0, 0.0]])


def test_prod_second_derivative_at_a_zero():
    # prod(x0, x1, x2): d2/dx_i dx_j = the third element, 0 on the diagonal
    hessian = tl.hessian(lambda x: x.prod(), Tensor([0.0, 2.0, 3.0], dtype=np.float64))
    np.testing.assert_array_equal(hessian.data, [[0, 3, 2], [3, 0, 0], [2, 0, 0]])


# ---------------------------------------------------------------- maximum, minimum, where


def test_maximum_and_minimum_split_the_gradient_evenly_on_a_tie():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([3.0, 2.0, 1.0], requires_grad=True)
    tl.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 0.5, 0.0])
    a.grad = b.grad = None
    tl.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.grad.data, [0.0, 0.5, 1.0])


def test_maximum_with_a_number_is_a_relu_that_keeps_float32():
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    out = tl.maximum(x, 0.0)
    assert out.dtype == np.float32
    out.sum().backward()
    np.testing.assert_array_equal(out.data, [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])
    assert x.grad.dtype == np.float32


def test_where_sends_each_place_its_gradient_and_the_mask_none():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    mask = x > 1.5
    out = tl.where(mask, x, y)
    out.backward(np.array([1.0, 2.0, 3.0], np.float32))
    np.testing.assert_array_equal(out.data, [10.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(y.grad.data, [1.0, 0.0, 0.0])
    assert mask.grad is None


def test_where_keeps_its_own_copy_of_the_mask():
    mask = np.array([True, False])
    x = Tensor([1.0, 2.0], requires_grad=True)
    out = tl.where(mask, x, 0.0)
    mask[:] = [False, True]  # refilled before backward: the gradient still follows the old mask
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0])


def test_where_broadcasts_a_column_mask_and_a_number():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = tl.where([[True], [False]], x, -1.0)
    np.testing.assert_array_equal(out.data, [[0, 1, 2], [-1, -1, -1]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1, 1], [0, 0, 0]])


# ---------------------------------------------------------------- cat, stack, split


def test_split_gradients_land_in_one_gradient_with_zeros_for_unused_pieces():
    x = Tensor(np.arange(5.0), requires_grad=True)
    first, _, last = x.split([2, 1, 2])
    (first * 3).sum().backward(retain_graph=True)
    last.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0, 0.0, 1.0, 1.0])


def test_split_by_size_leaves_a_shorter_last_piece():
    pieces = Tensor(np.arange(14.0).reshape(2, 7)).split(3, axis=1)
    assert [p.shape for p in pieces] == [(2, 3), (2, 3), (2, 1)]
    np.testing.assert_array_equal(pieces[2].data, [[6.0], [13.0]])


def test_cat_and_stack_of_one_tensor_and_their_gradients():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    y = Tensor([[3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    for out in (tl.cat([x]), tl.stack([x], axis=2)):
        assert out.grad_fn.name in ("Cat", "Stack")
        out.backward(np.full(out.shape, 2.0, np.float32))
        np.testing.assert_array_equal(x.grad.data, [[2.0, 2.0]])
        x.grad = None
    out = tl.cat([x, y, x])
    assert out.shape == (4, 2)
    out.backward(np.arange(8.0, dtype=np.float32).reshape(4, 2))
    np.testing.assert_array_equal(x.grad.data, [[0.0 + 6.0, 1.0 + 7.0]])  # used twice: adds up
    np.testing.assert_array_equal(y.grad.data, [[2.0, 3.0], [4.0, 5.0]])


def test_stack_puts_the_new_axis_where_asked():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    assert tl.stack([a, b]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert tl.stack([a, b], axis=-1).tolist() == [[1.0, 3.0], [2.0, 4.0]]


# ---------------------------------------------------------------- activations


def test_activation_gradients_at_zero_follow_pytorch():
    at_zero = [0.0]
    assert grad_of(lambda x: x.leaky_relu(0.2), at_zero)[0] == 0.2  # the x <= 0 branch
    assert grad_of(lambda x: x.elu(0.5), at_zero)[0] == 0.5  # alpha * exp(0)
    assert grad_of(Tensor.sign, at_zero)[0] == 0.0
    assert grad_of(Tensor.softplus, at_zero)[0] == 0.5
    assert grad_of(Tensor.silu, at_zero)[0] == 0.5
    assert grad_of(Tensor.gelu, at_zero)[0] == 0.5


def test_sign_has_zero_gradient_everywhere():
    np.testing.assert_array_equal(grad_of(Tensor.sign, [-2.0, 0.0, 3.0]), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_elu_and_logsumexp_stay_finite_at_extremes(dtype):
    x = Tensor([-1000.0, 0.0, 1000.0], dtype=dtype, requires_grad=True)
    softplus = x.softplus()
    np.testing.assert_allclose(softplus.data, [0.0, math.log(2), 1000.0], rtol=1e-6)
    elu = x.elu()
    np.testing.assert_array_equal(elu.data, [-1.0, 0.0, 1000.0])
    lse = x.logsumexp(axis=0)
    np.testing.assert_allclose(lse.item(), 1000.0, rtol=1e-6)
    (softplus.sum() + elu.sum() + lse).backward()
    assert np.isfinite(x.grad.data).all()
    assert x.grad.dtype == dtype


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    x = Tensor([-np.inf, -np.inf])
    with np.errstate(divide="ignore"):  # log(0), as NumPy warns of it
        assert x.logsumexp(axis=0).item() == -np.inf


def test_gelu_tanh_form_is_within_5e_4_of_the_exact_form():
    xs = np.linspace(-6, 6, 1201)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in xs])
    approx = Tensor(xs, dtype=np.float64).gelu().data
    assert np.abs(approx - exact).max() < 5e-4


def test_log1p_and_expm1_are_exact_for_tiny_values():
    tiny = Tensor([1e-10], dtype=np.float64)
    assert tiny.log1p().item() == pytest.approx(1e-10, rel=1e-9, abs=0)
    assert tiny.expm1().item() == pytest.approx(1e-10, rel=1e-9, abs=0)
    assert (tiny.exp() - 1).item() != pytest.approx(1e-10, rel=1e-9, abs=0)  # why expm1 exists


def test_functional_forms_are_the_methods():
    x = Tensor([-1.5, 0.5, 2.0])
    for f, method in [
        (F.leaky_relu, x.leaky_relu),
        (F.elu, x.elu),
        (F.softplus, x.softplus),
        (F.silu, x.silu),
        (F.gelu, x.gelu),
    ]:
        np.testing.assert_array_equal(f(x).data, method().data)
    np.testing.assert_allclose(F.leaky_relu(x, 0.3).data, [-0.45, 0.5, 2.0], rtol=1e-6)
    np.testing.assert_array_equal(F.elu(x, alpha=2.0).data, x.elu(2.0).data)


# ---------------------------------------------------------------- reductions


def test_var_and_std_are_unbiased_by_default_as_in_pytorch():
    values = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 9.0]])
    x = Tensor(values, dtype=np.float64)
    np.testing.assert_allclose(x.var().item(), np.var(values, ddof=1))
    np.testing.assert_allclose(x.var(axis=1).data, np.var(values, axis=1, ddof=1))
    np.testing.assert_allclose(x.std(axis=0, correction=0).data, np.std(values, axis=0))
    assert x.var(axis=1, keepdims=True).shape == (2, 1)


def test_cumsum_gradient_counts_the_later_totals_each_element_is_in():
    np.testing.assert_array_equal(grad_of(lambda x: x.cumsum(0), [5.0, 1.0, 2.0]), [3, 2, 1])
    grad = grad_of(lambda x: x.cumsum(axis=-1), [[1.0, 1.0], [1.0, 1.0]], upstream=[[1, 10]] * 2)
    np.testing.assert_array_equal(grad, [[11, 10], [11, 10]])


def test_argmin_and_argmax_with_keepdims():
    x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    np.testing.assert_array_equal(x.argmin(axis=1).data, [0, 1])
    assert x.argmin().item() == 4
    assert x.argmin(axis=1, keepdims=True).shape == (2, 1)
    assert x.argmax(axis=0, keepdims=True).tolist() == [[1, 0, 0]]
    assert x.argmin(axis=-1).dtype == np.int64


# ---------------------------------------------------------------- shapes


def test_flatten_without_arguments_still_gives_one_axis():
    assert Tensor.zeros(2, 3, 4).flatten().shape == (24,)
    assert Tensor(5.0).flatten().shape == (1,)
    assert Tensor.zeros(2, 3, 4).flatten(1).shape == (2, 12)
    assert Tensor.zeros(2, 3, 4, 5).flatten(1, -2).shape == (2, 12, 5)
    assert Tensor.zeros(2, 3, 4).flatten(0, 1).shape == (6, 4)


def test_squeeze_keeps_named_axes_whose_length_is_not_1_as_pytorch():
    x = Tensor.zeros(1, 3, 1)
    assert x.squeeze().shape == (3,)
    assert x.squeeze(0).shape == (3, 1)
    assert x.squeeze(1).shape == (1, 3, 1)
    assert x.squeeze((0, -1)).shape == (3,)
    assert x.unsqueeze(-1).shape == (1, 3, 1, 1)
    assert x.unsqueeze(0).shape == (1, 1, 3, 1)


def test_expand_keeps_sizes_given_as_minus_one():
    x = Tensor([[1.0], [2.0]], requires_grad=True)
    out = x.expand(3, -1, 4)
    assert out.shape == (3, 2, 4)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[12.0], [12.0]])


def test_pad_takes_numpy_pad_width_forms():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    assert x.pad(1).shape == (3, 4)
    assert x.pad((0, 2)).shape == (3, 4)
    out = x.pad(((1, 0), (0, 1)), value=-1.0)
    assert out.tolist() == [[-1.0, -1.0, -1.0], [1.0, 2.0, -1.0]]
    out.backward(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(x.grad.data, [[3.0, 4.0]])


def test_flip_permute_and_view():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.flip(1).tolist() == [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]
    assert x.flip((0, 1)).tolist() == [[5.0, 4.0, 3.0], [2.0, 1.0, 0.0]]
    assert x.permute(1, 0).shape == (3, 2)
    assert x.view(3, 2).shape == (3, 2)
    x.flip(0).backward(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32))
    np.testing.assert_array_equal(x.grad.data, [[4.0, 5.0, 6.0], [1.0, 2.0, 3.0]])


def test_method_forms_are_the_operators():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = Tensor([[2.0, 0.5], [1.0, 2.0]])
    pairs = [
        (x.add(y), x + y),
        (x.sub(y), x - y),
        (x.mul(y), x * y),
        (x.div(y), x / y),
        (x.matmul(y), x @ y),
        (x.pow(y), x**y),
        (x.neg(), -x),
        (x.add(1.0), x + 1.0),
    ]
    for method, operator in pairs:
        assert method.grad_fn.name == operator.grad_fn.name
        np.testing.assert_array_equal(method.data, operator.data)
