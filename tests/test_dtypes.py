"""Result dtypes follow PyTorch's promotion (API.md, Tensor), checked on drawn op x dtype pairs.

The rule, written out here on its own so that the test does not reuse the library's code:
- two tensors of one kind (bool, integer, float) give the wider dtype; of two kinds, the
  dtype of the tensor of the higher kind (``float32 * int64 -> float32``);
- a scalar (Python or NumPy number, 0-d NumPy array) takes the tensor's dtype when its kind is
  not higher; a float scalar with an integer or bool tensor gives the default float dtype,
  an integer scalar with a bool tensor int64;
- true division and the float-valued ops (exp, log, sqrt, sigmoid, tanh, softmax,
  log_softmax, mean) turn an integer or bool result into the default float dtype.
"""

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import tinygrad_lite as tl
from tinygrad_lite import Tensor
from tinygrad_lite.nn import functional as F

TENSOR_DTYPES = [np.bool_, np.int32, np.int64, np.float16, np.float32, np.float64]
KIND_RANK = {"b": 0, "i": 1, "f": 2}
FLOAT_VALUED = ["exp", "log", "sqrt", "sigmoid", "tanh", "softmax", "log_softmax", "mean",
                "sin", "cos", "log1p", "expm1", "softplus", "silu", "gelu", "elu", "var", "std",
                "logsumexp"]  # fmt: skip
KEEPS_DTYPE = ["abs", "relu", "max", "identity", "sign", "flip"]
BINARY = ["+", "-", "*", "/", "**", "@", "maximum", "minimum"]


def rank(dtype) -> int:
    return KIND_RANK[np.dtype(dtype).kind]


def expected_tensor_pair(a, b) -> np.dtype:
    a, b = np.dtype(a), np.dtype(b)
    if rank(a) == rank(b):
        return np.promote_types(a, b)
    return a if rank(a) > rank(b) else b


def expected_with_scalar(tensor_dtype, scalar) -> np.dtype:
    tensor_dtype = np.dtype(tensor_dtype)
    scalar_kind = np.asarray(scalar).dtype.kind
    if KIND_RANK[scalar_kind] <= rank(tensor_dtype):
        return tensor_dtype
    return tl.get_default_dtype() if scalar_kind == "f" else np.dtype(np.int64)


def after_op(op: str, dtype: np.dtype) -> np.dtype:
    if (op == "/" or op in FLOAT_VALUED) and dtype.kind != "f":
        return tl.get_default_dtype()
    return dtype


def refused(op: str, a, b) -> bool:
    """Pairs PyTorch refuses as well (NumPy has no bool subtraction, bool matmul, bool power)."""
    both_bool = np.dtype(a).kind == "b" and np.dtype(b).kind == "b"
    return both_bool and op in ("-", "**", "@")


def tensor_of(dtype, shape=(2, 2), requires_grad=False) -> Tensor:
    values = np.full(shape, 2, dtype=dtype) if np.dtype(dtype).kind != "b" else np.ones(shape)
    t = Tensor(values.astype(dtype))
    t.requires_grad = requires_grad and np.dtype(dtype).kind == "f"
    return t


def binary(op: str, x, y):
    return {
        "+": lambda: x + y,
        "-": lambda: x - y,
        "*": lambda: x * y,
        "/": lambda: x / y,
        "**": lambda: x**y,
        "@": lambda: x @ y,
        # the functions on arrays alone (check_value's reference) are NumPy's
        "maximum": lambda: np.maximum(x, y) if _arrays(x, y) else tl.maximum(x, y),
        "minimum": lambda: np.minimum(x, y) if _arrays(x, y) else tl.minimum(x, y),
    }[op]()


def _arrays(*values) -> bool:
    return not any(isinstance(v, Tensor) for v in values)


def check_value(out: Tensor, op: str, x, y) -> None:
    """The values are those of the op computed in the result dtype (no value lost to a cast)."""
    x, y = (np.asarray(v.data if isinstance(v, Tensor) else v, dtype=out.dtype) for v in (x, y))
    expected = binary(op, x, y).astype(np.float64)
    np.testing.assert_allclose(out.data.astype(np.float64), expected, rtol=1e-3)


@given(
    op=st.sampled_from(BINARY),
    a=st.sampled_from(TENSOR_DTYPES),
    b=st.sampled_from(TENSOR_DTYPES),
    default=st.sampled_from([np.float32, np.float64]),
    reflected=st.booleans(),
)
def test_two_tensors(op, a, b, default, reflected):
    tl.set_default_dtype(default)
    if refused(op, a, b):
        return
    x, y = tensor_of(a, requires_grad=True), tensor_of(b, requires_grad=True)
    if reflected:
        x, y = y, x
    out = binary(op, x, y)
    assert out.dtype == after_op(op, expected_tensor_pair(x.dtype, y.dtype)), (op, a, b)
    check_value(out, op, x, y)
    if out.requires_grad:  # gradients always have their tensor's dtype
        out.sum().backward()
        for t in (x, y):
            assert t.grad is None or t.grad.dtype == t.dtype


SCALARS = [2, 2.0, True, np.float64(2.0), np.float32(2.0), np.int64(2), np.int32(2),
           np.array(2.0), np.array(2), np.bool_(True)]  # fmt: skip


@given(
    op=st.sampled_from([op for op in BINARY if op != "@"]),  # no @ with a scalar
    dtype=st.sampled_from(TENSOR_DTYPES),
    scalar=st.sampled_from(SCALARS),
    default=st.sampled_from([np.float32, np.float64]),
    scalar_first=st.booleans(),
)
def test_a_tensor_and_a_scalar(op, dtype, scalar, default, scalar_first):
    tl.set_default_dtype(default)
    scalar_dtype = np.asarray(scalar).dtype
    if refused(op, dtype, scalar_dtype):
        return
    x = tensor_of(dtype, requires_grad=True)
    out = binary(op, scalar, x) if scalar_first else binary(op, x, scalar)
    assert out.dtype == after_op(op, expected_with_scalar(dtype, scalar)), (op, dtype, scalar)
    check_value(out, op, *((scalar, x) if scalar_first else (x, scalar)))


@given(
    op=st.sampled_from(FLOAT_VALUED + KEEPS_DTYPE),
    dtype=st.sampled_from(TENSOR_DTYPES),
    default=st.sampled_from([np.float32, np.float64]),
)
def test_one_tensor(op, dtype, default):
    tl.set_default_dtype(default)
    x = tensor_of(dtype)
    if op in ("relu", "sign") and np.dtype(dtype).kind == "b":
        return  # no ReLU of booleans in PyTorch either; NumPy has no sign of booleans
    args = {"logsumexp": (None,), "flip": (0,)}.get(op, ())
    out = getattr(x, op)(*args)
    assert out.dtype == after_op(op, np.dtype(dtype)), (op, dtype)


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda: Tensor.arange(3) * 0.1, np.float32),
        (lambda: Tensor([1, 2]).exp(), np.float32),
        (lambda: Tensor([5]) / Tensor([2]), np.float32),
        (lambda: Tensor([1.0]) * Tensor([1]), np.float32),
        (lambda: Tensor([1.0], dtype=np.float64) * Tensor([1]), np.float64),
        (lambda: Tensor([1, 2]).mean(), np.float32),
        (lambda: Tensor([1.0]) * np.array(0.5), np.float32),
        (lambda: Tensor([1, 2]).clip(0, 1), np.int64),
        (lambda: Tensor([1, 2]).clip(0.5, 1.5), np.float32),
        (lambda: Tensor([1.0]) @ Tensor([2]), np.float32),
        (lambda: Tensor([3]) ** 2, np.int64),
        (lambda: F.linear(Tensor([[1, 2]]), Tensor.ones(2, 3), Tensor.zeros(3)), np.float32),
    ],
)  # fmt: skip
def test_the_examples_issue_15_reported(make, dtype):
    """Each gave float64 before: an integer mask or label tensor turned a float32 net float64."""
    assert make().dtype == dtype


@given(
    dtypes=st.lists(st.sampled_from(TENSOR_DTYPES), min_size=1, max_size=4),
    join=st.sampled_from([tl.cat, tl.stack]),
)
def test_cat_and_stack_join_in_the_dtype_the_pairwise_rule_gives(dtypes, join):
    expected = np.dtype(dtypes[0])
    for d in dtypes[1:]:
        expected = expected_tensor_pair(expected, d)
    tensors = [tensor_of(d, requires_grad=True) for d in dtypes]
    out = join(tensors)
    assert out.dtype == expected, dtypes
    if out.requires_grad:
        (out * 1.0).sum().backward()
        for t in tensors:
            assert t.grad is None or t.grad.dtype == t.dtype


def test_an_integer_mask_keeps_a_float32_network_float32():
    w = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    x = Tensor(np.ones((4, 3), np.float32))
    mask = Tensor(np.array([1, 0, 1, 1]))  # int64
    loss = ((x @ w) * mask.reshape(-1, 1)).mean()
    assert loss.dtype == np.float32
    loss.backward()
    assert w.grad.dtype == np.float32


def test_integer_targets_fed_to_a_static_graph_are_converted_on_every_replay():
    """The conversion of an integer tensor met by a float tensor that requires grad is a
    recorded Cast node, so a StaticGraph replays it on the integers it is fed."""
    model = tl.nn.Linear(4, 3)
    x = np.ones((2, 4), np.float32)
    step = tl.StaticGraph(lambda xb, t: F.mse_loss(model(xb), t), x, np.zeros((2, 3), np.int64))
    for target in (np.zeros((2, 3), np.int64), np.full((2, 3), 5, np.int64)):
        expected = F.mse_loss(model(Tensor(x)), Tensor(target))
        loss = step.run(x, target, backward=False)
        assert loss.dtype == np.float32
        assert loss.item() == pytest.approx(expected.item())


def test_the_drawing_shows_where_an_integer_mask_enters():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    mask = Tensor([1, 0], name="mask")
    y = (w * mask).sum()
    (product,) = y.grad_fn.inputs
    converted = product.grad_fn.inputs[1]
    assert converted.grad_fn.name == "Cast"
    assert converted.grad_fn.inputs == (mask,)
    assert not converted.requires_grad  # integers have no gradient: backward never goes there
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 0.0])
    with tl.no_grad():  # nothing recorded, no Cast node either
        assert (w * mask).grad_fn is None
