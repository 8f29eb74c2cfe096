"""Single numbers: the engine computes 0-d values as NumPy scalars, the user still sees arrays.

Elementwise ops on 0-d tensors (a graph of single numbers, micrograd-style) hand their
``forward`` and ``backward`` NumPy scalars instead of 0-d arrays, which NumPy computes with
several times faster. These tests pin that path (it is taken, and only for elementwise ops),
that it gives what the array path gives, value and dtype, against float64 central
differences, and that nothing of it leaks out: ``.data`` and ``.grad.data`` stay arrays.
"""

from typing import ClassVar

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given
from test_ops import CASES

import tinygrad_lite as tl
from tinygrad_lite import Tensor, ops
from tinygrad_lite.autograd import Function
from tinygrad_lite.tensor import apply

ELEMENTWISE = [
    "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "relu", "identity",
    "sigmoid", "tanh", "clip",
]  # fmt: skip


def test_every_elementwise_op_is_checked_on_single_numbers():
    """An op marked elementwise is handed NumPy scalars: each one must be in the tests below
    (Cast, made by .to(), has its own test)."""
    marked = {
        name.lower()
        for name, cls in vars(ops).items()
        if isinstance(cls, type) and issubclass(cls, Function) and cls.elementwise
    }
    assert marked - {"cast"} <= set(ELEMENTWISE), "add the new elementwise op to ELEMENTWISE"


@pytest.mark.parametrize(("source", "target"), [(np.float32, np.float64), (np.float64, np.float32)])
def test_a_cast_of_a_single_number_keeps_arrays_and_dtypes(source, target):
    x = Tensor(np.array(1.5, dtype=source), requires_grad=True)
    y = x.to(target)
    (y * 3.0).backward()
    assert type(y.data) is np.ndarray
    assert y.dtype == target
    assert type(x.grad.data) is np.ndarray
    assert x.grad.dtype == source
    assert x.grad.item() == 3.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_0d_leaf_grad_stays_an_array_when_gradients_add_up(dtype):
    x = Tensor(2.0, requires_grad=True, dtype=dtype)
    (x * x).backward()
    (x * x).backward()  # adds into the .grad of the first backward
    assert type(x.grad.data) is np.ndarray
    assert x.grad.dtype == dtype
    assert x.grad.item() == 8.0
    x.grad.data[...] = 0  # an array can be written in place; a NumPy scalar could not
    assert x.grad.item() == 0.0


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_an_elementwise_op_on_single_numbers_matches_the_array_path(name, dtype, data):
    """The op on 0-d tensors gives the values, gradients and dtypes it gives on the same
    numbers as 1-element vectors (the array path), and arrays everywhere the user looks."""
    case = CASES[name]
    values = [data.draw(e, label=f"x{i}") for i, e in enumerate(case.elements)]
    upstream = data.draw(st.floats(-2, 2), label="grad")

    scalars = [Tensor(np.array(v, dtype=dtype), requires_grad=True) for v in values]
    out = case.op({}, *scalars)
    (out * upstream).backward()
    vectors = [Tensor(np.array([v], dtype=dtype), requires_grad=True) for v in values]
    out_vec = case.op({}, *vectors)
    (out_vec * upstream).sum().backward()

    assert type(out.data) is np.ndarray
    assert out.shape == ()
    assert out.dtype == dtype
    # A few ulps apart at most: NumPy's scalar power calls C's pow, its array loop may not.
    rtol = 8 * np.finfo(dtype).eps
    np.testing.assert_allclose(out.data, out_vec.data[0], rtol=rtol)
    for s, v in zip(scalars, vectors, strict=True):
        assert type(s.grad.data) is np.ndarray
        assert s.grad.shape == ()
        assert s.grad.dtype == dtype
        np.testing.assert_allclose(s.grad.data, v.grad.data[0], rtol=rtol, atol=1e-30)


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(data=st.data())
def test_an_elementwise_op_on_single_numbers_matches_central_differences(name, data):
    case = CASES[name]
    values = [np.array(data.draw(e, label=f"x{i}")) for i, e in enumerate(case.elements)]
    upstream = data.draw(st.floats(-2, 2), label="grad")
    scalars = [Tensor(v, requires_grad=True) for v in values]
    (case.op({}, *scalars) * upstream).backward()
    numeric = tl.numerical_grad(lambda *xs: case.op({}, *xs) * upstream, *values)
    for i, (t, n) in enumerate(zip(scalars, numeric, strict=True)):
        np.testing.assert_allclose(t.grad.data, n, rtol=1e-5, atol=1e-7, err_msg=f"input {i}")


class _Spy(Function):
    """An op that records the types its forward and backward are handed."""

    __slots__ = ()
    seen: ClassVar[list] = []

    def forward(self, x, y):
        self.seen.append(("forward", type(x), type(y)))
        return x * y

    def backward(self, grad, x, y, out):
        self.seen.append(("backward", type(x), type(y), type(out)))
        return grad * y, grad * x


class _ElementwiseSpy(_Spy):
    __slots__ = ()
    elementwise = True


@pytest.mark.parametrize(
    ("op", "shape", "handed"),
    [
        (_ElementwiseSpy, (), np.float64),  # single numbers: NumPy scalars
        (_ElementwiseSpy, (1,), np.ndarray),  # an array, even of one element
        (_Spy, (), np.ndarray),  # an op not marked elementwise always gets arrays
    ],
)
def test_only_elementwise_ops_on_0d_values_are_handed_numpy_scalars(op, shape, handed):
    op.seen = []
    x = Tensor(np.full(shape, 3.0), requires_grad=True)
    y = Tensor(np.full(shape, 4.0), requires_grad=True)
    out = apply(op(), x, y)
    out.sum().backward()
    assert op.seen == [("forward", handed, handed), ("backward", handed, handed, handed)]
    assert type(out.data) is np.ndarray
    assert (x.grad.item(), y.grad.item()) == (4.0, 3.0)
    assert type(x.grad.data) is np.ndarray


@pytest.mark.parametrize(
    "value", [2.5, -2.5, 0.0, -0.0, np.inf, -np.inf, np.nan, 3, -3, 0, True, False]
)
@pytest.mark.parametrize("dtype", [None, np.float32])
def test_relu_of_a_single_number_gives_what_np_maximum_gives(value, dtype):
    """ReLU computes a single float without calling np.maximum: same value, sign of zero, NaN
    and dtype (an integer or bool stays with np.maximum: bool gives int64)."""
    if dtype is not None and isinstance(value, bool | int):
        dtype = None
    x = Tensor(value, dtype=dtype)
    out = x.relu()
    expected = np.maximum(x.data, 0)
    assert type(out.data) is np.ndarray
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out.data, expected)
    assert np.signbit(out.data) == np.signbit(expected)
