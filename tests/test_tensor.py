"""Tensor construction, dtype rules, factories, conversions and the errors bad input gets."""

import math

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import tinygrad_lite as tl
from tinygrad_lite import Tensor
from tinygrad_lite import tensor as tensor_module

# ---------------------------------------------------------------- dtype rules


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (1.5, np.float32),
        ([1.0, 2.0], np.float32),
        ([[1, 2.5]], np.float32),
        (3, np.int64),
        ([1, 2], np.int64),
        (True, np.bool_),
        (np.array([1.0], dtype=np.float64), np.float64),
        (np.array([1.0], dtype=np.float16), np.float16),
        (np.array([1], dtype=np.int32), np.int32),
        (np.float64(2.0), np.float64),
    ],
)
def test_dtype_of_new_tensors(data, dtype):
    assert Tensor(data).dtype == dtype


def test_dtype_argument_overrides():
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(np.ones(2), dtype="float32").dtype == np.float32


def test_set_default_dtype_changes_new_float_tensors_only():
    tl.set_default_dtype(np.float64)
    assert tl.get_default_dtype() == np.float64
    assert Tensor(1.0).dtype == np.float64
    assert Tensor.zeros(2).dtype == np.float64
    assert Tensor(1).dtype == np.int64
    assert Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32


def test_set_default_dtype_refuses_non_floats():
    with pytest.raises(TypeError, match="float dtype"):
        tl.set_default_dtype(np.int32)


def test_python_scalars_take_the_tensor_dtype():
    x32 = Tensor([1.0, 2.0])
    x64 = Tensor([1.0, 2.0], dtype=np.float64)
    assert (x32 * 0.1).dtype == np.float32
    assert (0.1 * x32).dtype == np.float32
    assert (x64 * 0.1).dtype == np.float64
    assert (x32 * np.sqrt(2.0)).dtype == np.float32  # a NumPy float64 scalar does not upcast
    assert (x32 / 3).dtype == np.float32
    assert (x32**2).dtype == np.float32
    assert (2**x32).dtype == np.float32


def test_integer_tensors_with_scalars():
    labels = Tensor([1, 2, 3])
    assert (labels + 1).dtype == np.int64
    assert (labels * 0.5).dtype == np.float32  # the default float dtype, as in PyTorch


def test_float32_stays_float32_through_every_op_and_backward():
    x = Tensor(np.linspace(0.1, 1.0, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    w = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    y = (x @ w).sigmoid() * 2 + x.sum(axis=1, keepdims=True).sqrt() / 3
    z = y.log_softmax(axis=1).mean() + (x - 0.5).abs().max() + x.exp().log().min()
    z = z + (x**1.5).sum() + x.clip(0.2, 0.8).tanh().sum() + x.T.reshape(-1)[[0, 1]].sum()
    assert z.dtype == np.float32
    z.backward()
    assert x.grad.dtype == np.float32
    assert w.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("method", "dtype"),
    [("float", np.float32), ("double", np.float64), ("long", np.int64), ("int", np.int32)],
)
@pytest.mark.parametrize("source", [np.float32, np.float64, np.int64, np.int32, np.bool_])
def test_float_double_long_int_convert_as_in_pytorch(method, dtype, source):
    values = np.array([-1.75, 0.0, 2.5]).astype(source)
    t = Tensor(values)
    converted = getattr(t, method)()
    assert converted.dtype == dtype
    np.testing.assert_array_equal(converted.data, values.astype(dtype))  # -1.75 -> -1: toward 0
    assert t.to(dtype).dtype == dtype
    assert (converted is t) == (source == dtype)  # already that dtype: the tensor itself


@given(
    values=hnp.arrays(
        np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.floats(-3, 3)
    ),
    target=st.sampled_from([np.float32, np.float64]),
    source=st.sampled_from([np.float32, np.float64]),
    data=st.data(),
)
def test_a_float_cast_is_an_op_whose_gradient_comes_back_in_the_source_dtype(
    values, target, source, data
):
    x = Tensor(values.astype(source), requires_grad=True)
    y = x.to(target)
    assert y.dtype == target
    assert (y.grad_fn is None) == (source == target)
    upstream = data.draw(hnp.arrays(np.float64, values.shape, elements=st.floats(-2, 2)))
    (y * Tensor(upstream.astype(target))).sum().backward()
    assert x.grad.dtype == source
    # d cast(x)/dx = 1: the gradient is the upstream gradient, rounded to the source dtype
    np.testing.assert_array_equal(x.grad.data, upstream.astype(target).astype(source))


def test_a_float_cast_has_second_derivatives():
    x = Tensor(1.5, requires_grad=True)
    (gx,) = tl.grad(x.double() ** 3, [x], create_graph=True)  # 3 x**2, in float32
    assert gx.dtype == np.float32
    gx.backward()
    assert x.grad.item() == pytest.approx(9.0)  # 6 x
    assert x.grad.dtype == np.float32


def test_a_cast_to_integers_leaves_the_graph():
    x = Tensor([1.5, 2.5], requires_grad=True)
    assert not x.long().requires_grad
    assert x.long().grad_fn is None


# ---------------------------------------------------------------- construction errors


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match=r"only float tensors can require grad.*int64"):
        Tensor([1, 2], requires_grad=True)
    t = Tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        t.requires_grad = True


def test_unknown_dtype():
    with pytest.raises(TypeError, match="unknown dtype 'float33'"):
        Tensor([1.0], dtype="float33")


def test_unsupported_dtype():
    with pytest.raises(TypeError, match="cannot make a tensor from list"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="unsupported dtype"):
        Tensor(np.array(["a"]))


def test_object_that_is_not_array_like():
    with pytest.raises(TypeError, match="cannot make a tensor from dict"):
        Tensor({"a": 1})


def test_ragged_lists():
    with pytest.raises(ValueError, match="rectangular"):
        Tensor([[1.0, 2.0], [3.0]])


def test_unsupported_operand():
    with pytest.raises(TypeError, match="unsupported operand type str"):
        Tensor([1.0]) + "a"


def test_constructor_copies_arrays():
    a = np.ones(3, dtype=np.float32)
    t = Tensor(a, requires_grad=True)
    t.data += 1
    assert a[0] == 1.0


# ---------------------------------------------------------------- shape errors name the op


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"Add on shape \(2, 3\) and \(4,\)"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"MatMul: shapes \(2, 3\) @ \(4, 5\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))


def test_matmul_with_a_scalar():
    with pytest.raises(ValueError, match="at least 1-D"):
        Tensor(2.0) @ Tensor(np.ones(2))


def test_reduction_over_a_missing_axis():
    with pytest.raises(ValueError, match=r"sum: axis 2 is out of range.*2 dims"):
        Tensor(np.ones((2, 3))).sum(axis=2)


def test_bad_reshape():
    with pytest.raises(ValueError, match=r"Reshape on shape \(2, 3\)"):
        Tensor(np.ones((2, 3))).reshape(4, 2)


@pytest.mark.parametrize("axes", [(0, 0), (0, 3), (2, 1), (-3, 0)])
def test_bad_transpose(axes):
    # (0, 3), (2, 1), (-3, 0) are out of range for 2 axes: no wrapping around to a valid one
    with pytest.raises(ValueError, match="not a permutation"):
        Tensor(np.ones((2, 3))).transpose(*axes)


def test_transpose_of_a_0d_tensor():
    assert Tensor(2.0).transpose().shape == ()
    with pytest.raises(ValueError, match="not a permutation"):
        Tensor(2.0).transpose(0)


def test_index_out_of_range():
    with pytest.raises(IndexError, match=r"GetItem on shape \(3,\)"):
        Tensor([1.0, 2.0, 3.0])[5]


def test_clip_bounds():
    with pytest.raises(ValueError, match="lo <= hi"):
        Tensor([1.0]).clip(2.0, 1.0)
    with pytest.raises(ValueError, match="at least one"):
        Tensor([1.0]).clip(None, None)


def test_item_of_a_non_scalar():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


# ---------------------------------------------------------------- factories and randomness


@pytest.mark.parametrize("factory", ["zeros", "ones", "randn", "rand"])
def test_shape_factories(factory):
    for t in (getattr(Tensor, factory)(2, 3), getattr(Tensor, factory)((2, 3))):
        assert t.shape == (2, 3)
        assert t.dtype == np.float32
    t = getattr(Tensor, factory)(4, requires_grad=True, dtype=np.float64)
    assert t.requires_grad
    assert t.dtype == np.float64


def test_zeros_ones_eye_arange_values():
    np.testing.assert_array_equal(Tensor.zeros(2).data, [0, 0])
    np.testing.assert_array_equal(Tensor.ones(2).data, [1, 1])
    np.testing.assert_array_equal(Tensor.eye(2).data, [[1, 0], [0, 1]])
    assert Tensor.arange(4).tolist() == [0, 1, 2, 3]
    assert Tensor.arange(4).dtype == np.int64
    assert Tensor.arange(3, dtype=np.float32).dtype == np.float32


def test_uniform_range():
    t = Tensor.uniform(-2.0, 3.0, (1000,))
    assert t.data.min() >= -2.0
    assert t.data.max() < 3.0
    assert t.dtype == np.float32
    with pytest.raises(ValueError, match="low < high"):
        Tensor.uniform(1.0, 1.0, 3)


def test_manual_seed_gives_the_same_bits():
    tl.manual_seed(7)
    a = [Tensor.randn(5).data, Tensor.rand(3).data, Tensor.uniform(0, 1, 4).data]
    tl.manual_seed(7)
    b = [Tensor.randn(5).data, Tensor.rand(3).data, Tensor.uniform(0, 1, 4).data]
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
    tl.manual_seed(8)
    assert not np.array_equal(Tensor.randn(5).data, a[0])


def test_manual_seed_leaves_numpy_global_state_alone():
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global stream itself
    tl.manual_seed(3)
    Tensor.randn(10)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_manual_seed_validates():
    with pytest.raises(TypeError, match="expects an int"):
        tl.manual_seed(1.5)
    with pytest.raises(ValueError, match="non-negative"):
        tl.manual_seed(-1)


# ---------------------------------------------------------------- conversions and repr


def test_conversions():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.numpy() is t.data
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert len(t) == 2
    assert t.shape == (2, 2)
    assert t.ndim == 2
    assert Tensor(2.5).item() == 2.5
    assert isinstance(Tensor(2.5).item(), float)
    assert np.asarray(t).shape == (2, 2)
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_repr_shows_values_shape_dtype_and_grad_fn():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    text = repr(x * 2)
    assert "[2., 4.]" in text
    assert "shape=(2,)" in text
    assert "dtype=float32" in text
    assert "grad_fn=<Mul>" in text
    assert "requires_grad=True" in repr(x)
    assert "name='x'" in repr(x)


def test_tensors_are_hashable_by_identity():
    a, b = Tensor(1.0), Tensor(1.0)
    assert len({a, b}) == 2


def test_name_is_kept():
    assert Tensor(1.0, name="w").name == "w"


def test_flatten_and_T():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.flatten().shape == (6,)
    assert x.T.shape == (3, 2)
    assert Tensor(np.ones((2, 3, 4))).T.shape == (4, 3, 2)


def test_clip_with_numpy_bounds_stays_float32():
    x = Tensor([-2.0, 0.5, 2.0], requires_grad=True)
    y = x.clip(np.float64(-1.0), np.float64(1.0))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, [-1.0, 0.5, 1.0])


def test_sqrt_of_two_constant_stays_float32():
    w = Tensor.randn(3, 3)
    assert (w * math.sqrt(2 / 3)).dtype == np.float32


def test_getitem_backward_uses_the_index_as_it_was_at_forward():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    rows = np.array([0, 0])
    picked = Tensor(np.array([True, False, True]))
    y = (x[rows] * Tensor([1.0, 2.0])).sum() + x[picked].sum()
    rows[:] = 2  # the caller reuses its buffers before backward
    picked.data[:] = False
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 0.0, 1.0])


def test_python_number_constants_are_shared_read_only_and_bounded():
    x = Tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 2.5, x + 2.5
    assert a.grad_fn.inputs[1] is b.grad_fn.inputs[1]  # one constant for both ops
    with pytest.raises(ValueError, match="read-only"):
        a.grad_fn.inputs[1].data[...] = 3.0
    assert (x * -0.0).grad_fn.inputs[1] is not (x * 0.0).grad_fn.inputs[1]  # signs kept
    for i in range(3 * tensor_module._MAX_CONSTANTS):  # e.g. a sweep over many factors
        x * (1.0 + i)
    assert len(tensor_module._constants) <= tensor_module._MAX_CONSTANTS
    assert np.signbit((x * -0.0).data).all()
