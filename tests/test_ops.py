"""Every op's forward against NumPy and its backward against float64 central differences.

One table-driven factory builds a Hypothesis test per op: shapes that broadcast, values kept
inside the op's domain and away from kinks and ties, a random upstream gradient (an all-ones
gradient would hide a backward that permutes or transposes), and checks that backward mutates
nothing and hands out gradients that share memory with nothing.
"""

from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import example, given, settings

import tinygrad_lite as tl
from tinygrad_lite import Tensor, ops
from tinygrad_lite.nn import functional as F


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def away_from(points: tuple[float, ...], lo: float = -3, hi: float = 3, gap: float = 1e-3):
    """Values in [lo, hi] at least ``gap`` from each kink (far beyond the 1e-6 difference step)."""
    return floats(lo, hi).filter(lambda v: all(abs(v - p) > gap for p in points))


SPACED = st.integers(-60, 60).map(lambda i: i / 10)  # distinct values are >= 0.1 apart
NONZERO = st.one_of(floats(0.5, 3), floats(-3, -0.5))


def no_params(draw, x_shape, *other_shapes):
    return {}


@dataclass
class Case:
    """One op under test: how to call it, its NumPy twin, and where its inputs may live."""

    op: Any  # (params, *tensors) -> Tensor
    reference: Any  # (params, *arrays) -> ndarray
    elements: tuple = (floats(-3, 3),)  # one strategy per input
    broadcast: bool = False  # inputs drawn with mutually broadcastable shapes
    unique: bool = False  # distinct values (no ties for max/min)
    min_dims: int = 0
    draw_params: Any = no_params  # (draw, *shapes) -> dict: axis, index, permutation...
    shapes: Any = None  # a strategy for the input shapes, when they must fit together (cat)


def _axis_params(draw, shape):
    ndim = len(shape)
    axis = None
    if ndim:
        axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim)))
    return {"axis": axis, "keepdims": draw(st.booleans())}


ANY = floats(-3, 3)


def reduction(name: str, np_fn, elements=(ANY,), unique=False) -> Case:
    return Case(
        op=lambda p, x: getattr(x, name)(axis=p["axis"], keepdims=p["keepdims"]),
        reference=lambda p, x: np_fn(x, axis=p["axis"], keepdims=p["keepdims"]),
        elements=elements,
        unique=unique,
        draw_params=_axis_params,
    )


def _one_axis(draw, shape):
    return {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


def _np_softmax(p, x):
    e = np.exp(x - x.max(axis=p["axis"], keepdims=True))
    return e / e.sum(axis=p["axis"], keepdims=True)


def _reshape_params(draw, shape):
    size = int(np.prod(shape))
    return {"shape": draw(st.sampled_from([(-1,), (size, 1), (1, -1), shape[::-1]]))}


def _broadcast_params(draw, shape):
    other = draw(hnp.broadcastable_shapes(shape, max_side=3))
    return {"shape": np.broadcast_shapes(shape, other)}


CASES: dict[str, Case] = {
    "add": Case(lambda p, x, y: x + y, lambda p, x, y: x + y, (floats(-3, 3),) * 2, True),
    "sub": Case(lambda p, x, y: x - y, lambda p, x, y: x - y, (floats(-3, 3),) * 2, True),
    "mul": Case(lambda p, x, y: x * y, lambda p, x, y: x * y, (floats(-3, 3),) * 2, True),
    "div": Case(lambda p, x, y: x / y, lambda p, x, y: x / y, (floats(-3, 3), NONZERO), True),
    "pow": Case(lambda p, x, y: x**y, lambda p, x, y: x**y, (floats(0.5, 3), floats(-2, 2)), True),
    "neg": Case(lambda p, x: -x, lambda p, x: -x),
    "exp": Case(lambda p, x: x.exp(), lambda p, x: np.exp(x), (floats(-5, 5),)),
    "log": Case(lambda p, x: x.log(), lambda p, x: np.log(x), (floats(0.1, 5),)),
    "sqrt": Case(lambda p, x: x.sqrt(), lambda p, x: np.sqrt(x), (floats(0.1, 5),)),
    "abs": Case(lambda p, x: x.abs(), lambda p, x: np.abs(x), (away_from((0,)),)),
    "relu": Case(lambda p, x: x.relu(), lambda p, x: np.maximum(x, 0), (away_from((0,)),)),
    "identity": Case(lambda p, x: x.identity(), lambda p, x: x),
    "sigmoid": Case(lambda p, x: x.sigmoid(), lambda p, x: 1 / (1 + np.exp(-x)), (floats(-8, 8),)),
    "tanh": Case(lambda p, x: x.tanh(), lambda p, x: np.tanh(x)),
    "clip": Case(
        lambda p, x: x.clip(-0.5, 1.0),
        lambda p, x: np.clip(x, -0.5, 1.0),
        (away_from((-0.5, 1.0)),),
    ),
    "sum": reduction("sum", np.sum),
    "mean": reduction("mean", np.mean),
    "max": reduction("max", np.max, (SPACED,), unique=True),
    "min": reduction("min", np.min, (SPACED,), unique=True),
    "reshape": Case(
        lambda p, x: x.reshape(*p["shape"]),
        lambda p, x: x.reshape(p["shape"]),
        draw_params=_reshape_params,
    ),
    "flatten": Case(lambda p, x: x.flatten(), lambda p, x: x.reshape(-1)),
    "transpose": Case(
        lambda p, x: x.transpose(*p["axes"]),
        lambda p, x: x.transpose(p["axes"]),
        draw_params=lambda draw, shape: {"axes": tuple(draw(st.permutations(range(len(shape)))))},
    ),
    "T": Case(lambda p, x: x.T, lambda p, x: x.T),
    "getitem_basic": Case(
        lambda p, x: x[p["index"]],
        lambda p, x: x[p["index"]],
        min_dims=1,
        draw_params=lambda draw, shape: {
            "index": draw(hnp.basic_indices(shape, allow_ellipsis=True))
        },
    ),
    "getitem_array": Case(
        lambda p, x: x[p["index"]],
        lambda p, x: x[p["index"]],
        min_dims=1,
        draw_params=lambda draw, shape: {
            "index": draw(
                hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_side=3))
            )
        },
    ),
    "broadcast_to": Case(
        lambda p, x: x.broadcast_to(p["shape"]),
        lambda p, x: np.broadcast_to(x, p["shape"]),
        draw_params=_broadcast_params,
    ),
    "softmax": Case(
        lambda p, x: x.softmax(axis=p["axis"]),
        _np_softmax,
        (floats(-5, 5),),
        min_dims=1,
        draw_params=_one_axis,
    ),
    "log_softmax": Case(
        lambda p, x: x.log_softmax(axis=p["axis"]),
        lambda p, x: np.log(_np_softmax(p, x)),
        (floats(-5, 5),),
        min_dims=1,
        draw_params=_one_axis,
    ),
}


# ---------------------------------------------------------------- the ops for building small nets


def _count(shape, axis):
    """How many elements each result of a reduction over ``axis`` combines."""
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


def _var_params(draw, shape):
    params = _axis_params(draw, shape)
    params["correction"] = draw(st.sampled_from([0, 1])) if _count(shape, params["axis"]) > 1 else 0
    return params


def _std_params(draw, shape):
    params = _var_params(draw, shape)
    if _count(shape, params["axis"]) < 2:  # one element: std 0, where sqrt has no derivative
        params["axis"], params["correction"] = None, 0
    return params


def _gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def _squeeze_reference(p, x):
    axes = range(x.ndim) if p["axis"] is None else [a % x.ndim for a in p["axis"]]
    return np.squeeze(x, axis=tuple(a for a in axes if x.shape[a] == 1))


def _flatten_params(draw, shape):
    start = draw(st.integers(0, len(shape) - 1))
    end = draw(st.integers(start, len(shape) - 1))
    negative = draw(st.booleans())  # the same axes counted from the end
    return {"start": start - len(shape) if negative else start, "end": end - len(shape)}


def _flatten_reference(p, x):
    start, end = p["start"] % x.ndim, p["end"] % x.ndim
    return x.reshape(*x.shape[:start], int(np.prod(x.shape[start : end + 1])), *x.shape[end + 1 :])


def _expand_params(draw, shape):
    target = _broadcast_params(draw, shape)["shape"]
    lead = len(target) - len(shape)
    keep = [
        i >= lead and target[i] == shape[i - lead] and draw(st.booleans())
        for i in range(len(target))
    ]
    return {
        "sizes": tuple(-1 if k else n for k, n in zip(keep, target, strict=True)),
        "shape": target,
    }


def _pad_params(draw, shape):
    per_axis = st.tuples(st.integers(0, 2), st.integers(0, 2))
    width = draw(st.one_of(st.integers(0, 2), per_axis, st.tuples(*[per_axis] * len(shape))))
    return {"width": width, "value": draw(floats(-3, 3))}


@st.composite
def _join_shapes(draw, same: bool):
    """Three shapes that `stack` (same=True) or `cat` along some axis can join."""
    shape = draw(hnp.array_shapes(min_dims=0 if same else 1, max_dims=3, max_side=3))
    if same:
        return [shape] * 3
    axis = draw(st.integers(0, len(shape) - 1))
    lengths = draw(st.lists(st.integers(1, 3), min_size=3, max_size=3))
    return [(*shape[:axis], n, *shape[axis + 1 :]) for n in lengths]


def _cat_params(draw, *shapes):
    def fits(a):  # the shapes agree on every other axis
        return all(
            len(s) == len(shapes[0]) and s[:a] + s[a + 1 :] == shapes[0][:a] + shapes[0][a + 1 :]
            for s in shapes
        )

    candidates = [a for a in range(len(shapes[0])) if fits(a)] or [0]
    return {"axis": draw(st.sampled_from(candidates))}


def _split_params(draw, shape):
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    length = shape[axis]
    cuts = sorted(draw(st.lists(st.integers(0, length), max_size=3)))
    sections = [b - a for a, b in zip([0, *cuts], [*cuts, length], strict=True)]
    return {
        "axis": axis,
        "split": draw(st.one_of(st.integers(1, max(length, 1)), st.just(sections))),
    }


def _split_reference(p, x):
    """np.split, with each piece scaled by its position (as the op does, to tell them apart)."""
    length, split = x.shape[p["axis"]], p["split"]
    sizes = [split] * (length // split) + [length % split] if isinstance(split, int) else split
    pieces = np.split(x, np.cumsum(sizes)[:-1], axis=p["axis"])
    return np.concatenate([piece * (i + 1) for i, piece in enumerate(pieces)], axis=p["axis"])


# maximum and minimum: x on a grid of tenths, y halfway between, so no two values tie
TENTHS = st.integers(-30, 30).map(lambda i: i / 10)
HALF_TENTHS = st.integers(-30, 30).map(lambda i: (i + 0.5) / 10)

CASES.update(
    {
        "sin": Case(lambda p, x: x.sin(), lambda p, x: np.sin(x)),
        "cos": Case(lambda p, x: x.cos(), lambda p, x: np.cos(x)),
        "log1p": Case(lambda p, x: x.log1p(), lambda p, x: np.log1p(x), (floats(-0.9, 5),)),
        "expm1": Case(lambda p, x: x.expm1(), lambda p, x: np.expm1(x)),
        "sign": Case(lambda p, x: x.sign(), lambda p, x: np.sign(x), (away_from((0,)),)),
        "leaky_relu": Case(
            lambda p, x: x.leaky_relu(0.1),
            lambda p, x: np.where(x > 0, x, 0.1 * x),
            (away_from((0,)),),
        ),
        "elu": Case(
            lambda p, x: x.elu(0.7),
            lambda p, x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)),
            (away_from((0,)),),
        ),
        "softplus": Case(
            lambda p, x: x.softplus(), lambda p, x: np.log1p(np.exp(x)), (floats(-8, 8),)
        ),
        "silu": Case(lambda p, x: x.silu(), lambda p, x: x / (1 + np.exp(-x)), (floats(-8, 8),)),
        "gelu": Case(lambda p, x: x.gelu(), lambda p, x: _gelu(x)),
        "maximum": Case(
            lambda p, x, y: tl.maximum(x, y),
            lambda p, x, y: np.maximum(x, y),
            (TENTHS, HALF_TENTHS),
            True,
        ),
        "minimum": Case(
            lambda p, x, y: tl.minimum(x, y),
            lambda p, x, y: np.minimum(x, y),
            (HALF_TENTHS, TENTHS),
            True,
        ),
        "where": Case(
            lambda p, x, y: tl.where(p["condition"], x, y),
            lambda p, x, y: np.where(p["condition"], x, y),
            (ANY, ANY),
            True,
            draw_params=lambda draw, x_shape, y_shape: {
                "condition": draw(
                    hnp.arrays(np.bool_, x_shape[draw(st.integers(0, len(x_shape))) :])
                )
            },
        ),
        "var": Case(
            lambda p, x: x.var(p["axis"], p["keepdims"], p["correction"]),
            lambda p, x: np.var(x, axis=p["axis"], keepdims=p["keepdims"], ddof=p["correction"]),
            draw_params=_var_params,
        ),
        "std": Case(
            lambda p, x: x.std(p["axis"], p["keepdims"], p["correction"]),
            lambda p, x: np.std(x, axis=p["axis"], keepdims=p["keepdims"], ddof=p["correction"]),
            (SPACED,),  # distinct values: no group with std 0, where sqrt has no derivative
            unique=True,
            draw_params=_std_params,
            shapes=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4).map(
                lambda shape: [shape]  # at least 2 elements to spread
            ),
        ),
        "logsumexp": Case(
            lambda p, x: x.logsumexp(p["axis"], p["keepdims"]),
            lambda p, x: np.log(np.exp(x).sum(axis=p["axis"], keepdims=p["keepdims"])),
            draw_params=_axis_params,
        ),
        "prod": reduction("prod", np.prod, (floats(-1.5, 1.5),)),
        "cumsum": Case(
            lambda p, x: x.cumsum(p["axis"]),
            lambda p, x: np.cumsum(x, axis=p["axis"]),
            min_dims=1,
            draw_params=_one_axis,
        ),
        "unsqueeze": Case(
            lambda p, x: x.unsqueeze(p["axis"]),
            lambda p, x: np.expand_dims(x, p["axis"]),
            draw_params=lambda draw, shape: {
                "axis": draw(st.integers(-len(shape) - 1, len(shape)))
            },
        ),
        "squeeze": Case(
            lambda p, x: x.squeeze(p["axis"]),
            _squeeze_reference,
            draw_params=lambda draw, shape: {
                "axis": draw(st.one_of(st.none(), hnp.valid_tuple_axes(len(shape))))
            },
        ),
        "flatten_axes": Case(
            lambda p, x: x.flatten(p["start"], p["end"]),
            _flatten_reference,
            min_dims=1,
            draw_params=_flatten_params,
        ),
        "permute": Case(
            lambda p, x: x.permute(*p["axes"]),
            lambda p, x: x.transpose(p["axes"]),
            draw_params=lambda draw, shape: {
                "axes": tuple(draw(st.permutations(range(len(shape)))))
            },
        ),
        "expand": Case(
            lambda p, x: x.expand(*p["sizes"]),
            lambda p, x: np.broadcast_to(x, p["shape"]),
            draw_params=_expand_params,
        ),
        "view": Case(
            lambda p, x: x.view(*p["shape"]),
            lambda p, x: x.reshape(p["shape"]),
            draw_params=_reshape_params,
        ),
        "flip": Case(
            lambda p, x: x.flip(p["axis"]),
            lambda p, x: np.flip(x, p["axis"]),
            draw_params=_axis_params,
        ),
        "pad": Case(
            lambda p, x: x.pad(p["width"], p["value"]),
            lambda p, x: np.pad(x, p["width"], constant_values=p["value"]),
            min_dims=1,
            draw_params=_pad_params,
        ),
        "cat": Case(
            lambda p, *xs: tl.cat(list(xs), axis=p["axis"]),
            lambda p, *xs: np.concatenate(xs, axis=p["axis"]),
            (ANY,) * 3,
            shapes=_join_shapes(same=False),
            draw_params=_cat_params,
        ),
        "stack": Case(
            lambda p, *xs: tl.stack(list(xs), axis=p["axis"]),
            lambda p, *xs: np.stack(xs, axis=p["axis"]),
            (ANY,) * 3,
            shapes=_join_shapes(same=True),
            draw_params=lambda draw, *shapes: {
                "axis": draw(st.integers(-len(shapes[0]) - 1, len(shapes[0])))
            },
        ),
        "split": Case(
            lambda p, x: tl.cat(
                [piece * (i + 1) for i, piece in enumerate(x.split(p["split"], p["axis"]))],
                axis=p["axis"],
            ),
            _split_reference,
            min_dims=1,
            draw_params=_split_params,
        ),
    }
)


@st.composite
def case_inputs(draw, case: Case):
    """Shapes (broadcastable for binary ops), then float64 arrays inside the op's domain."""
    n = len(case.elements)
    if case.shapes is not None:
        shapes = draw(case.shapes)
    elif case.broadcast:
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=3, max_side=3))
        shapes = shapes.input_shapes
    else:
        shapes = (draw(hnp.array_shapes(min_dims=case.min_dims, max_dims=3, max_side=4)),)
    return [
        draw(hnp.arrays(np.float64, s, elements=e, unique=case.unique))
        for s, e in zip(shapes, case.elements, strict=True)
    ]


def _assert_no_shared_memory(arrays: list[np.ndarray], labels: list[str]) -> None:
    for i, a in enumerate(arrays):
        for b, label in zip(arrays[i + 1 :], labels[i + 1 :], strict=True):
            assert not np.shares_memory(a, b), f"{labels[i]} shares memory with {label}"


@pytest.mark.parametrize("name", list(CASES))
@given(data=st.data())
def test_forward_matches_numpy_and_backward_matches_central_differences(name, data):
    case = CASES[name]
    arrays = data.draw(case_inputs(case), label="inputs")
    originals = [a.copy() for a in arrays]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]

    params = case.draw_params(data.draw, *(a.shape for a in arrays))
    out = case.op(params, *tensors)
    np.testing.assert_allclose(out.data, case.reference(params, *arrays), rtol=1e-12, atol=1e-12)
    assert out.dtype == np.float64

    upstream = data.draw(hnp.arrays(np.float64, out.shape, elements=floats(-2, 2)), label="grad")
    upstream_copy = upstream.copy()
    out.backward(upstream)

    def weighted(*xs):  # the scalar whose gradient backward(upstream) computes
        return (case.op(params, *xs) * upstream).sum()

    numeric = tl.numerical_grad(weighted, *arrays)
    # Central differences of a sum lose about 2e-16 * |sum of the terms| / h to rounding.
    atol = 1e-7 + 1e-9 * float(np.abs(out.data * upstream).sum())
    for i, (t, n) in enumerate(zip(tensors, numeric, strict=True)):
        assert t.grad is not None, f"{name}: input {i} got no gradient"
        assert t.grad.shape == t.shape, f"{name}: grad shape {t.grad.shape} != input {t.shape}"
        np.testing.assert_allclose(
            t.grad.data, n, rtol=1e-5, atol=atol, err_msg=f"{name} input {i}"
        )
    for t, original in zip(tensors, originals, strict=True):  # Tensor() copied `arrays`
        np.testing.assert_array_equal(t.data, original, err_msg="an op mutated its input")
    np.testing.assert_array_equal(upstream, upstream_copy, err_msg="backward mutated the grad")
    grads = [t.grad.data for t in tensors]
    _assert_no_shared_memory(
        [*grads, upstream, *[t.data for t in tensors]],
        [
            *(f"grad {i}" for i in range(len(grads))),
            "upstream",
            *(f"x{i}" for i in range(len(grads))),
        ],
    )


@pytest.mark.parametrize("name", list(CASES))
@given(data=st.data())
def test_float32_in_float32_out(name, data):
    case = CASES[name]
    arrays = [a.astype(np.float32) for a in data.draw(case_inputs(case), label="inputs")]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = case.op(case.draw_params(data.draw, *(a.shape for a in arrays)), *tensors)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert all(t.grad.dtype == np.float32 for t in tensors)


# ---------------------------------------------------------------- matmul


@st.composite
def matmul_shapes(draw):
    n, k, m, b = (draw(st.integers(1, 4)) for _ in range(4))
    return draw(
        st.sampled_from(
            [
                ((n, k), (k, m)),
                ((b, n, k), (k, m)),
                ((n, k), (b, k, m)),
                ((b, n, k), (b, k, m)),
                ((1, n, k), (b, k, m)),
                ((k,), (k, m)),
                ((n, k), (k,)),
                ((k,), (k,)),
                ((b, n, k), (k,)),
            ]
        )
    )


@given(shapes=matmul_shapes(), data=st.data())
def test_matmul_forward_and_backward(shapes, data):
    a, b = (data.draw(hnp.arrays(np.float64, s, elements=floats(-3, 3))) for s in shapes)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = x @ y
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12)
    upstream = data.draw(hnp.arrays(np.float64, out.shape, elements=floats(-2, 2)))
    out.backward(upstream)
    # The loss is linear in each input, so central differences have no truncation error at any
    # step; a larger step keeps their rounding error (about 1e-16 * |loss| / eps) far below atol.
    ga, gb = tl.numerical_grad(lambda p, q: ((p @ q) * upstream).sum(), a, b, eps=1e-3)
    np.testing.assert_allclose(x.grad.data, ga, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(y.grad.data, gb, rtol=1e-5, atol=1e-7)


@given(shapes=matmul_shapes(), data=st.data())
def test_matmul_with_a_vector_is_one_node_with_second_derivatives(shapes, data):
    """M @ v records a single MatMul whose inputs are M and v (no Reshape around it), and its
    backward, recorded under create_graph, differentiates again."""
    a, b = (data.draw(hnp.arrays(np.float64, s, elements=floats(-3, 3))) for s in shapes)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = x @ y
    assert out.grad_fn.name == "MatMul"
    assert out.grad_fn.inputs == (x, y)
    assert tl.gradgradcheck(lambda p, q: ((p @ q) ** 2).sum(), a, b)


def test_mean_relu_of_a_matrix_vector_product_draws_one_matmul():
    m = Tensor(np.arange(6.0).reshape(2, 3) - 2, requires_grad=True, name="M")
    v = Tensor([1.0, -1.0, 0.5], requires_grad=True, name="v")
    source = tl.draw_graph((m @ v).relu().mean()).source
    assert source.count("MatMul") == 1
    assert "Reshape" not in source


# ---------------------------------------------------------------- linear (x @ W + b, one op)


@given(
    n=st.integers(0, 4),  # 0: an empty batch; 1: the outer-product form of x.T @ grad
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
    x_needs_grad=st.booleans(),
    data=st.data(),
)
def test_linear_is_one_op_with_the_gradients_of_matmul_then_add(n, n_in, n_out, x_needs_grad, data):
    def draw(shape):
        return data.draw(hnp.arrays(np.float64, shape, elements=floats(-3, 3)))

    a, w, b = draw((n, n_in)), draw((n_in, n_out)), draw((n_out,))
    x = Tensor(a, requires_grad=x_needs_grad)
    weight, bias = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    out = F.linear(x, weight, bias)
    assert out.grad_fn.name == "Linear"
    assert out.grad_fn.inputs == (x, weight, bias)
    np.testing.assert_allclose(out.data, a @ w + b, rtol=1e-12, atol=1e-12)
    upstream = draw(out.shape)
    out.backward(upstream)
    ga, gw, gb = tl.numerical_grad(lambda p, q, r: ((p @ q + r) * upstream).sum(), a, w, b)
    np.testing.assert_allclose(weight.grad.data, gw, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bias.grad.data, gb, rtol=1e-5, atol=1e-7)
    if x_needs_grad:
        np.testing.assert_allclose(x.grad.data, ga, rtol=1e-5, atol=1e-7)
    else:
        assert x.grad is None

    # the same numbers as the two ops it fuses
    x2, w2, b2 = (Tensor(v, requires_grad=True) for v in (a, w, b))
    raw = x2 @ w2 + b2
    assert raw.grad_fn.name == "Add"
    raw.backward(upstream)
    np.testing.assert_allclose(weight.grad.data, w2.grad.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bias.grad.data, b2.grad.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [1, 5])
def test_linear_keeps_float32_float32(n):
    rng = np.random.default_rng(n)
    x, weight, bias = (
        Tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
        for shape in ((n, 3), (3, 2), (2,))
    )
    out = F.linear(x, weight, bias)
    assert out.grad_fn.name == "Linear"
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(t.grad.dtype == np.float32 for t in (x, weight, bias))


@pytest.mark.parametrize(
    ("x_shape", "bias_shape"),
    [
        ((3,), (2,)),  # one sample as a vector
        ((2, 4, 3), (2,)),  # extra leading axes
        ((4, 3), None),  # no bias: just the MatMul
        ((4, 3), (1,)),  # a bias that only broadcasts
    ],
)
def test_linear_on_other_shapes_records_matmul_then_add(x_shape, bias_shape):
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal(x_shape), rng.standard_normal((3, 2))
    x, weight = Tensor(a, requires_grad=True), Tensor(w, requires_grad=True)
    bias = (
        None if bias_shape is None else Tensor(rng.standard_normal(bias_shape), requires_grad=True)
    )
    out = F.linear(x, weight, bias)
    assert out.grad_fn.name == ("MatMul" if bias is None else "Add")
    expected = a @ w if bias is None else a @ w + bias.data
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert tl.gradcheck(lambda p, q: F.linear(p, q, bias).sum(), a, w)


def test_linear_with_shapes_that_do_not_fit_names_them():
    x, weight = Tensor(np.ones((4, 3))), Tensor(np.ones((2, 5)), requires_grad=True)
    with pytest.raises(ValueError, match=r"MatMul: shapes \(4, 3\) @ \(2, 5\) do not fit"):
        F.linear(x, weight, Tensor(np.zeros(5)))
    with pytest.raises(ValueError, match=r"Add.*\(4, 2\) and \(3,\)"):
        F.linear(Tensor(np.ones((4, 2))), weight[:, :2], Tensor(np.zeros(3)))


# ---------------------------------------------------------------- boundary values, exactly


def _grad_of(f, values, dtype=np.float64):
    x = Tensor(values, dtype=dtype, requires_grad=True)
    f(x).sum().backward()
    return x.grad.data


def test_relu_and_abs_have_zero_gradient_at_zero():
    np.testing.assert_array_equal(_grad_of(Tensor.relu, [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(_grad_of(Tensor.abs, [-1.0, 0.0, 2.0]), [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_relu_keeps_dtype_nan_and_the_sign_of_zero_in_every_dtype(dtype, shape):
    """ReLU compares a float array with a 0 of its own dtype (quicker than Python's 0): the
    values, the dtype, a NaN and -0.0 come out exactly as np.maximum(x, 0) gives them, and
    the gradient is 1 exactly where x > 0, forward and backward, arrays and single numbers."""
    base = [-1.5, -0.0, 0.0, 2.0, np.nan, 3.0] if np.dtype(dtype).kind == "f" else [-2, 0, 5, 1]
    values = np.resize(np.array(base, dtype=dtype), shape)
    expected = np.maximum(values, 0)
    out = Tensor(values).relu()
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, expected)  # NaN where NaN
    np.testing.assert_array_equal(np.signbit(out.data), np.signbit(expected))
    if np.dtype(dtype).kind == "f":
        x = Tensor(values, requires_grad=True)
        x.relu().sum().backward()
        np.testing.assert_array_equal(x.grad.data, (values > 0).astype(dtype))
        # both backward forms, on the array and (for 0-d) on the NumPy scalar it holds
        for v in (values, values[()]) if values.ndim == 0 else (values,):
            upstream = np.full(np.shape(v), 3, dtype=dtype)
            expected_grad = upstream * (v > 0)
            got = ops.ReLU().backward(upstream, v, None)
            np.testing.assert_array_equal(got, expected_grad)
            assert np.result_type(got) == dtype
        if values.ndim:
            in_place = ops.ReLU().backward_in_place(np.full(shape, 3, dtype=dtype), values, None)
            np.testing.assert_array_equal(in_place, 3 * (values > 0).astype(dtype))


def test_clip_passes_gradient_on_the_closed_interval():
    grad = _grad_of(lambda x: x.clip(-1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(grad, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_with_one_open_end():
    np.testing.assert_array_equal(
        _grad_of(lambda x: x.clip(0.0, None), [-1.0, 0.0, 3.0]), [0, 1, 1]
    )


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_split_the_gradient_evenly_among_ties(name):
    values = [[3.0, 1.0, 3.0], [1.0, 1.0, 1.0]] if name == "max" else [[1.0, 3.0, 1.0], [2.0] * 3]
    grad = _grad_of(lambda x: getattr(x, name)(axis=1), values)
    np.testing.assert_allclose(grad, [[0.5, 0.0, 0.5], [1 / 3] * 3])
    whole = _grad_of(lambda x: getattr(x, name)(), [2.0, 2.0, 0.0 if name == "max" else 5.0])
    np.testing.assert_allclose(whole, [0.5, 0.5, 0.0])


def test_repeated_indices_accumulate_gradient():
    grad = _grad_of(lambda x: x[[0, 2, 0, 0]], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(grad, [3.0, 0.0, 1.0])


def test_integer_tensor_index():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = Tensor([1, 1])
    x[rows, Tensor([0, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0], [1.0, 1.0]])


@example(logits=[1000.0, 0.0, -1000.0])
@given(logits=st.lists(floats(-1e4, 1e4), min_size=1, max_size=6))
def test_softmax_and_log_softmax_stay_finite_for_huge_logits(logits):
    x = Tensor(logits, dtype=np.float64, requires_grad=True)
    p = x.softmax()
    assert np.isfinite(p.data).all()
    np.testing.assert_allclose(p.data.sum(), 1.0)
    logp = x.log_softmax()
    assert np.isfinite(logp.data).all()
    logp.sum().backward()
    assert np.isfinite(x.grad.data).all()


def test_sigmoid_is_finite_and_exact_at_extremes():
    x = Tensor([-1e4, 0.0, 1e4], dtype=np.float32)
    np.testing.assert_array_equal(x.sigmoid().data, [0.0, 0.5, 1.0])


# ---------------------------------------------------------------- reflected operators


@pytest.mark.parametrize(
    ("expression", "expected_value", "expected_grad"),
    [
        (lambda x: 2 * x, 6.0, 2.0),
        (lambda x: 1 - x, -2.0, -1.0),
        (lambda x: 6 / x, 2.0, -6 / 9),
        (lambda x: 2**x, 8.0, 8 * np.log(2)),
        (lambda x: x**2, 9.0, 6.0),
        (lambda x: 1 + x, 4.0, 1.0),
        (lambda x: np.float64(2.0) * x, 6.0, 2.0),
    ],
)
def test_reflected_operators(expression, expected_value, expected_grad):
    x = Tensor(3.0, dtype=np.float64, requires_grad=True)
    y = expression(x)
    assert isinstance(y, Tensor)
    y.backward()
    assert y.item() == pytest.approx(expected_value)
    assert x.grad.item() == pytest.approx(expected_grad)


def test_ndarray_on_the_left_gives_a_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for result in (np.array([2.0, 3.0]) * x, np.ones(2) + x, np.ones((2, 2)) @ x):
        assert isinstance(result, Tensor)
        assert result.requires_grad


def test_tensor_exponent_gets_a_gradient():
    x = Tensor(2.0, dtype=np.float64, requires_grad=True)
    y = Tensor(3.0, dtype=np.float64, requires_grad=True)
    (x**y).backward()
    assert x.grad.item() == pytest.approx(12.0)  # y x**(y-1)
    assert y.grad.item() == pytest.approx(8 * np.log(2))  # x**y log x


def test_exponent_gradient_at_base_zero_is_zero_not_nan():
    base = Tensor([0.0, 2.0], dtype=np.float64, requires_grad=True)
    exponent = Tensor([2.0, 3.0], dtype=np.float64, requires_grad=True)
    (base**exponent).sum().backward()
    np.testing.assert_allclose(exponent.grad.data, [0.0, 8 * np.log(2)])
    np.testing.assert_allclose(base.grad.data, [0.0, 12.0])


@given(
    base=hnp.arrays(np.float64, st.integers(1, 4), elements=st.sampled_from([0.0, 0.5, -1.5, 2.0])),
    power=st.sampled_from([0, 0.0, 1, 2.0, 3]),
    as_tensor=st.booleans(),
)
@example(base=np.array([0.0]), power=0, as_tensor=False)  # the case issue 15 reported
def test_power_gradient_at_base_zero_and_exponent_zero_is_zero_not_nan(base, power, as_tensor):
    """d(x**y)/dx = y * x**(y-1) where y != 0, and 0 where y == 0 (x**0 is 1 for every x);
    written naively it is 0 * 0**-1 = 0 * inf = NaN at x = 0."""
    x = Tensor(base, requires_grad=True)
    exponent = Tensor(np.full(base.shape, float(power))) if as_tensor else power
    (x**exponent).sum().backward()
    (numeric,) = tl.numerical_grad(lambda b: (b**power).sum(), base)
    np.testing.assert_allclose(x.grad.data, numeric, atol=1e-6)
    assert np.isfinite(x.grad.data).all()


def test_power_second_derivative_wrt_exponent_keeps_its_value_where_the_base_is_not_zero():
    """The fix for 0 * inf at x = y = 0 changes nothing elsewhere: d/dy (dx**y/dx) at y = 0 is
    1/x (from y * x**(y-1)), which a mask on y alone would turn into 1."""
    x = Tensor(2.0, dtype=np.float64, requires_grad=True)
    y = Tensor(0.0, dtype=np.float64, requires_grad=True)
    (gx,) = tl.grad(x**y, [x], create_graph=True)
    assert gx.item() == 0.0
    gx.backward()
    assert y.grad.item() == pytest.approx(0.5)


@pytest.mark.parametrize("axis", [0, -1, (0,), (-1,), None])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions_of_a_0d_tensor_take_axis_0_and_minus_1_as_pytorch(name, axis):
    x = Tensor(2.5, requires_grad=True)
    out = getattr(x, name)(axis=axis)
    assert out.shape == ()
    assert out.item() == 2.5
    out.backward()
    assert x.grad.item() == 1.0


@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_family_and_argmax_of_a_0d_tensor(axis):
    """Tensor(2.0).softmax() gives 1 on the default axis as with axis=0 (one value, one class)."""
    x = Tensor(2.0, requires_grad=True)
    assert x.softmax().item() == 1.0
    assert x.softmax(axis=axis).item() == 1.0
    assert x.log_softmax(axis=axis).item() == 0.0
    assert x.argmax(axis=axis).item() == 0
    assert x.argmin(axis=axis).item() == 0  # as argmax, and as PyTorch
    x.softmax(axis=axis).backward()
    assert x.grad.item() == 0.0  # softmax of one value is 1 whatever the value


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "argmax", "argmin", "cumsum"])
def test_a_bool_is_not_taken_for_an_axis(op):
    """True == 1 in Python, but x.softmax(True) is a mistake, not axis 1."""
    with pytest.raises(TypeError, match=rf"{op}: axis must be one int, got True"):
        getattr(Tensor(np.ones((2, 3))), op)(True)


def test_comparisons_give_boolean_tensors_outside_the_graph():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [
        (x < 2, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x > 2, [False, False, True]),
        (x >= 2, [False, True, True]),
        (x == 2, [False, True, False]),
        (x != 2, [True, False, True]),
    ]:
        assert result.dtype == np.bool_
        assert not result.requires_grad
        assert result.grad_fn is None
        np.testing.assert_array_equal(result.data, expected)


def test_argmax_returns_an_integer_tensor():
    x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]], requires_grad=True)
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    assert x.argmax().item() == 3
    assert x.argmax(axis=-1).dtype == np.int64
    assert not x.argmax().requires_grad


@st.composite
def empty_case_inputs(draw, case: Case):
    """Zeros of shapes with at least one axis of length 0; a second input of a binary op
    has the same shape, or that shape with some axes of length 1, or a trailing part of it."""
    shape = list(draw(hnp.array_shapes(min_dims=max(case.min_dims, 1), max_dims=3, max_side=3)))
    shape[draw(st.integers(0, len(shape) - 1))] = 0
    shapes = [tuple(shape)]
    for _ in case.elements[1:]:
        ones = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
        other = [1 if one else n for one, n in zip(ones, shape, strict=True)]
        shapes.append(tuple(other[draw(st.integers(0, len(other))) :]))
    if draw(st.booleans()):
        shapes.reverse()  # the empty shape on either side
    return [np.zeros(s) for s in shapes]


# Hypothesis' index-array and broadcast-shape strategies refuse shapes with a 0 side, so these
# two ops get parameters written for empty inputs: an index array along axis 0 (empty when
# that axis is, else a repeated index), and one new leading axis.
EMPTY_PARAMS = {
    "getitem_array": lambda shape: {
        "index": np.array([], dtype=np.int64) if shape[0] == 0 else np.array([0, 0])
    },
    "broadcast_to": lambda shape: {"shape": (2, *shape)},
    "expand": lambda shape: {"sizes": (2, *[-1] * len(shape)), "shape": (2, *shape)},
}


@pytest.mark.parametrize("name", list(CASES))
@settings(max_examples=30)
@given(data=st.data())
def test_empty_inputs_behave_as_numpy(name, data):
    # Tensors with an axis of length 0 (an empty batch): the op gives NumPy's result and
    # empty gradients of the inputs' shapes, or refuses as NumPy does (NumPy's "mean of an
    # empty slice" is a RuntimeWarning; the engine raises a ValueError for it).
    case = CASES[name]
    arrays = data.draw(empty_case_inputs(case), label="inputs")
    if name in EMPTY_PARAMS:
        params = EMPTY_PARAMS[name](arrays[0].shape)
    else:
        params = case.draw_params(data.draw, *(a.shape for a in arrays))
    try:
        expected = case.reference(params, *arrays)
    except (ValueError, IndexError, RuntimeWarning) as error:
        refusal = ValueError if isinstance(error, RuntimeWarning) else type(error)
        with pytest.raises(refusal):
            case.op(params, *[Tensor(a, requires_grad=True) for a in arrays])
        return
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = case.op(params, *tensors)
    np.testing.assert_array_equal(out.data, expected)
    out.backward(np.ones(out.shape))
    for t in tensors:
        assert t.grad.shape == t.shape
