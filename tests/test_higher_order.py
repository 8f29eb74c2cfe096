"""Second derivatives of every smooth op, and tl.grad / tl.hvp / tl.hessian / tl.gradgradcheck.

Each smooth op is checked by ``tl.gradgradcheck``: the gradient of the gradient along a random
direction (double backward, with the op's backward recorded under ``create_graph=True``)
against central differences of the first gradient, in float64, on Hypothesis-drawn shapes
and values. The loss ``sum(w1 * y + w2 * y * y)`` of the op's output ``y`` with random
weights makes the second derivative depend on both the op's first and second derivatives.
"""

from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import tinygrad_lite as tl
from tinygrad_lite import Tensor, ops
from tinygrad_lite.nn import functional as F
from tinygrad_lite.tensor import apply


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@dataclass
class Smooth:
    """A smooth op: how to call it, where its inputs live, and how their shapes relate."""

    op: Any  # (params, *tensors) -> Tensor
    elements: tuple  # one strategy per input
    shapes: Any = None  # (draw) -> (params, shapes); default: one shape, broadcast if several


def _same_or_broadcast(n_inputs: int):
    def draw_shapes(draw):
        if n_inputs == 1:
            return {}, [draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))]
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=n_inputs, max_side=3))
        return {}, list(shapes.input_shapes)

    return draw_shapes


def _matmul_shapes(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    return {}, [(n, k), (k, m)]


def _linear_shapes(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    return {}, [(n, k), (k, m), (m,)]


def _axis_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return {"axis": axis}, [shape]


def _reduce_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(st.one_of(st.none(), hnp.valid_tuple_axes(len(shape), min_size=1)))
    return {"axis": axis, "keepdims": draw(st.booleans())}, [shape]


def _reshape_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    size = int(np.prod(shape))
    return {"shape": draw(st.sampled_from([(-1,), (size, 1), (1, -1), shape[::-1]]))}, [shape]


def _transpose_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    return {"axes": tuple(draw(st.permutations(range(len(shape)))))}, [shape]


def _getitem_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=4))
    rows = draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=5))  # repeats too
    index = draw(st.sampled_from([np.array(rows), slice(1, None), (slice(None, None, -1),)]))
    return {"index": index}, [shape]


ANY = floats(-2, 2)
POSITIVE = floats(0.2, 3)

SMOOTH: dict[str, Smooth] = {
    "exp": Smooth(lambda p, x: x.exp(), (ANY,), _same_or_broadcast(1)),
    "log": Smooth(lambda p, x: x.log(), (POSITIVE,), _same_or_broadcast(1)),
    "sqrt": Smooth(lambda p, x: x.sqrt(), (POSITIVE,), _same_or_broadcast(1)),
    "sigmoid": Smooth(lambda p, x: x.sigmoid(), (floats(-5, 5),), _same_or_broadcast(1)),
    "tanh": Smooth(lambda p, x: x.tanh(), (ANY,), _same_or_broadcast(1)),
    "mul": Smooth(lambda p, x, y: x * y, (ANY, ANY), _same_or_broadcast(2)),
    "div": Smooth(lambda p, x, y: x / y, (ANY, POSITIVE), _same_or_broadcast(2)),
    "pow": Smooth(lambda p, x, y: x**y, (POSITIVE, ANY), _same_or_broadcast(2)),
    "pow_const": Smooth(lambda p, x: x**3, (ANY,), _same_or_broadcast(1)),
    "matmul": Smooth(lambda p, x, y: x @ y, (ANY, ANY), _matmul_shapes),
    "linear": Smooth(lambda p, x, w, b: F.linear(x, w, b), (ANY, ANY, ANY), _linear_shapes),
    "l2_penalty": Smooth(
        lambda p, x, y: F.l2_penalty([x, y], alpha=0.7), (ANY, ANY), _same_or_broadcast(2)
    ),
    "softmax": Smooth(lambda p, x: x.softmax(p["axis"]), (floats(-4, 4),), _axis_shapes),
    "log_softmax": Smooth(lambda p, x: x.log_softmax(p["axis"]), (floats(-4, 4),), _axis_shapes),
    "sum": Smooth(lambda p, x: x.sum(p["axis"], p["keepdims"]).tanh(), (ANY,), _reduce_shapes),
    "mean": Smooth(lambda p, x: x.mean(p["axis"], p["keepdims"]).exp(), (ANY,), _reduce_shapes),
    "reshape": Smooth(lambda p, x: x.reshape(*p["shape"]).tanh(), (ANY,), _reshape_shapes),
    "transpose": Smooth(lambda p, x: x.transpose(*p["axes"]).sigmoid(), (ANY,), _transpose_shapes),
    "getitem": Smooth(lambda p, x: x[p["index"]].exp(), (ANY,), _getitem_shapes),
}


# ---------------------------------------------------------------- the ops for building small nets


def _away_from_zero(lo: float, hi: float):
    """Values whose |x| >= 0.05: elu's second derivative jumps at 0."""
    return floats(lo, hi).filter(lambda v: abs(v) >= 0.05)


def _var_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    axis = draw(st.one_of(st.none(), hnp.valid_tuple_axes(len(shape), min_size=1)))
    return {
        "axis": axis,
        "keepdims": draw(st.booleans()),
        "correction": draw(st.sampled_from([0, 1])),
    }, [shape]


def _join_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    axis = draw(st.integers(0, len(shape) - 1))
    other = (*shape[:axis], draw(st.integers(1, 3)), *shape[axis + 1 :])
    return {"axis": axis}, [shape, other]


def _stack_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    return {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}, [shape, shape]


def _split_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=4))
    axis = draw(st.integers(0, len(shape) - 1))
    return {"axis": axis, "size": draw(st.integers(1, shape[axis]))}, [shape]


def _pad_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    return {"width": tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)}, [
        shape
    ]


def _where_shapes(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_side=3)).input_shapes
    return {"condition": draw(hnp.arrays(np.bool_, shapes[0]))}, list(shapes[1:])


SMOOTH.update(
    {
        "sin": Smooth(lambda p, x: x.sin(), (ANY,), _same_or_broadcast(1)),
        "cos": Smooth(lambda p, x: x.cos(), (ANY,), _same_or_broadcast(1)),
        "log1p": Smooth(lambda p, x: x.log1p(), (floats(-0.8, 3),), _same_or_broadcast(1)),
        "expm1": Smooth(lambda p, x: x.expm1(), (ANY,), _same_or_broadcast(1)),
        "elu": Smooth(lambda p, x: x.elu(0.7), (_away_from_zero(-2, 2),), _same_or_broadcast(1)),
        "softplus": Smooth(lambda p, x: x.softplus(), (floats(-5, 5),), _same_or_broadcast(1)),
        "silu": Smooth(lambda p, x: x.silu(), (floats(-5, 5),), _same_or_broadcast(1)),
        "gelu": Smooth(lambda p, x: x.gelu(), (floats(-3, 3),), _same_or_broadcast(1)),
        "where": Smooth(
            lambda p, x, y: tl.where(p["condition"], x, y).exp(), (ANY, ANY), _where_shapes
        ),
        "var": Smooth(
            lambda p, x: x.var(p["axis"], p["keepdims"], p["correction"]), (ANY,), _var_shapes
        ),
        "std": Smooth(
            # a spread of 1 between neighbours: no group of equal values, whose std of 0 has
            # no derivative
            lambda p, x: (x * 0.1 + np.arange(x.size).reshape(x.shape)).std(
                p["axis"], p["keepdims"], p["correction"]
            ),
            (ANY,),
            _var_shapes,
        ),
        "logsumexp": Smooth(
            lambda p, x: x.logsumexp(p["axis"], p["keepdims"]), (ANY,), _reduce_shapes
        ),
        "prod": Smooth(
            lambda p, x: x.prod(p["axis"], p["keepdims"]), (floats(-1.5, 1.5),), _reduce_shapes
        ),
        "cumsum": Smooth(lambda p, x: x.cumsum(p["axis"]).tanh(), (ANY,), _axis_shapes),
        "cat": Smooth(
            lambda p, x, y: tl.cat([x, y], p["axis"]).sigmoid(), (ANY, ANY), _join_shapes
        ),
        "stack": Smooth(
            lambda p, x, y: tl.stack([x, y], p["axis"]).tanh(), (ANY, ANY), _stack_shapes
        ),
        "split": Smooth(
            lambda p, x: sum(
                (piece * (i + 1)).tanh().sum()
                for i, piece in enumerate(x.split(p["size"], p["axis"]))
            ),
            (ANY,),
            _split_shapes,
        ),
        "flip": Smooth(
            lambda p, x: x.flip(p["axis"]).tanh() * np.arange(x.size).reshape(x.shape),
            (ANY,),
            _axis_shapes,
        ),
        "pad": Smooth(lambda p, x: x.pad(p["width"], 0.5).sigmoid(), (ANY,), _pad_shapes),
    }
)


def _loss(case: Smooth, params: dict, w1: np.ndarray, w2: np.ndarray):
    def loss(*xs: Tensor) -> Tensor:
        y = case.op(params, *xs)
        return (y * w1 + y * y * w2).sum()

    return loss


@pytest.mark.parametrize("name", sorted(SMOOTH))
@given(data=st.data())
def test_second_derivative_matches_differences_of_the_gradient(name, data):
    case = SMOOTH[name]
    params, shapes = case.shapes(data.draw)
    arrays = [
        data.draw(hnp.arrays(np.float64, shape, elements=elements))
        for shape, elements in zip(shapes, case.elements, strict=True)
    ]
    out_shape = case.op(params, *[Tensor(a) for a in arrays]).shape
    tl.manual_seed(data.draw(st.integers(0, 2**16)))
    w1 = tl.random.generator().standard_normal(out_shape)
    w2 = tl.random.generator().standard_normal(out_shape)
    loss = _loss(case, params, w1, w2)
    assert tl.gradcheck(loss, *arrays)
    assert tl.gradgradcheck(loss, *arrays)


def test_gradgradcheck_catches_a_backward_that_is_right_only_at_first_order():
    class DetachedExp(ops.Exp):
        """d exp(x)/dx = out, but computed from the array: the recorded graph loses it"""

        def backward(self, grad, x, out):
            return grad * ops.value(out)

    def loss(x):
        return apply(DetachedExp(), x).sum()

    x = np.array([0.5, -1.0, 2.0])
    assert tl.gradcheck(loss, x)
    with pytest.raises(
        tl.GradcheckError, match=r"second derivative .* input 0 .* double backward gives 0"
    ):
        tl.gradgradcheck(loss, x)


# ---------------------------------------------------------------- golden numbers


def test_golden_z_equals_cube_of_dy_plus_y():
    x = Tensor(2.0, requires_grad=True, dtype=np.float64)
    y = x * x
    (dy,) = tl.grad(y, x, create_graph=True)
    z = dy**3 + y
    (dz,) = tl.grad(z, x)
    assert dy.item() == 4.0
    assert dz.item() == 100.0  # 3 (2x)^2 * 2 + 2x at x = 2
    assert x.grad is None


def test_third_derivative_by_repeated_grad():
    x = Tensor(0.7, requires_grad=True, dtype=np.float64)
    y = x.tanh()
    (d1,) = tl.grad(y, x, create_graph=True)
    (d2,) = tl.grad(d1, x, create_graph=True)
    (d3,) = tl.grad(d2, x)
    t = np.tanh(0.7)
    assert d1.item() == pytest.approx(1 - t**2)
    assert d2.item() == pytest.approx(-2 * t * (1 - t**2))
    assert d3.item() == pytest.approx(-2 * (1 - t**2) ** 2 + 4 * t**2 * (1 - t**2))


# ---------------------------------------------------------------- tl.grad


def test_grad_returns_tensors_and_touches_no_grad():
    a = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    b = Tensor(3.0, requires_grad=True, dtype=np.float64)
    hidden = a * b
    hidden.retain_grad()
    ga, gb = tl.grad((hidden * hidden).sum(), [a, b])
    np.testing.assert_allclose(ga.data, 2 * a.data * b.data**2)
    assert gb.item() == pytest.approx(2 * b.item() * (a.data**2).sum())
    assert a.grad is None
    assert b.grad is None
    assert hidden.grad is None
    assert not ga.requires_grad
    assert ga.grad_fn is None


def test_grad_of_an_intermediate_tensor():
    x = Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    h = x * 3
    (gh,) = tl.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.data, 2 * h.data)


def test_grad_sums_over_several_outputs():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = x * x
    (g,) = tl.grad([y.sum(), (y * x).sum()], x)
    np.testing.assert_allclose(g.data, 2 * x.data + 3 * x.data**2)


def test_grad_with_grad_outputs_is_a_vector_jacobian_product():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64)
    v = np.array([1.0, -1.0, 0.5])
    (g,) = tl.grad(x.exp(), x, grad_outputs=v)
    np.testing.assert_allclose(g.data, v * np.exp(x.data))
    (g2,) = tl.grad([x.exp()], [x], grad_outputs=[Tensor(v)])
    np.testing.assert_allclose(g2.data, g.data)


def test_grad_keeps_the_input_dtype_and_hands_out_unshared_arrays():
    x = Tensor([1.0, 2.0], requires_grad=True)  # float32
    y = Tensor([3.0, 4.0], requires_grad=True)
    gx, gy = tl.grad((x + y).sum(), [x, y])
    assert gx.dtype == np.float32
    assert gy.dtype == np.float32
    assert not np.shares_memory(gx.data, gy.data)


def test_grad_of_a_non_scalar_output_without_grad_outputs_is_a_value_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"outputs\[0\] has shape \(2,\).*grad_outputs"):
        tl.grad(x * 2, x)


def test_grad_outputs_of_the_wrong_shape_or_count_are_value_errors():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="grad_outputs"):
        tl.grad(x * 2, x, grad_outputs=np.ones(3))
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        tl.grad([x * 2, x * 3], x, grad_outputs=[np.ones(2)])


def test_unused_input_is_an_error_unless_allow_unused():
    x = Tensor(1.0, requires_grad=True)
    unused = Tensor(2.0, requires_grad=True)
    frozen = Tensor(3.0)
    with pytest.raises(ValueError, match=r"inputs\[1\].*allow_unused=True"):
        tl.grad(x * 2, [x, unused])
    gx, gu, gf = tl.grad(x * frozen, [x, unused, frozen], allow_unused=True)
    assert gx.item() == 3.0
    assert gu is None
    assert gf is None


def test_output_without_graph_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tl.grad(Tensor(1.0) * 2, Tensor(1.0, requires_grad=True))


def test_bad_types_are_type_errors():
    x = Tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match="inputs"):
        tl.grad(x * 2, [np.ones(1)])


def test_graph_is_freed_unless_retained():
    x = Tensor(2.0, requires_grad=True)
    y = x.exp()
    tl.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        tl.grad(y, x)
    z = x.exp()
    tl.grad(z, x, retain_graph=True)
    (g,) = tl.grad(z, x)
    assert g.item() == pytest.approx(np.exp(2.0))


def test_create_graph_result_can_be_differentiated_and_backward_still_accumulates():
    x = Tensor([0.5, 1.5], requires_grad=True, dtype=np.float64)
    (g,) = tl.grad((x**3).sum(), x, create_graph=True)
    assert g.requires_grad
    (g * g).sum().backward()  # d/dx sum((3x^2)^2) = 36 x^3
    np.testing.assert_allclose(x.grad.data, 36 * x.data**3)


def test_grad_inside_no_grad_with_create_graph_still_records():
    x = Tensor(1.5, requires_grad=True, dtype=np.float64)
    y = x**4
    with tl.no_grad():
        (g,) = tl.grad(y, x, create_graph=True)
    (g2,) = tl.grad(g, x)
    assert g2.item() == pytest.approx(12 * 1.5**2)


# ---------------------------------------------------------------- hvp and hessian


def _tiny_net_loss(shapes=((3, 4), (4,), (4, 2))):
    tl.manual_seed(0)
    X = tl.random.generator().standard_normal((5, 3))
    labels = np.array([0, 1, 1, 0, 1])
    sizes = [int(np.prod(s)) for s in shapes]

    def loss(theta: Tensor) -> Tensor:
        parts, offset = [], 0
        for shape, n in zip(shapes, sizes, strict=True):
            parts.append(theta[offset : offset + n].reshape(*shape))
            offset += n
        w1, b1, w2 = parts
        logits = (Tensor(X) @ w1 + b1).tanh() @ w2
        return -logits.log_softmax(-1)[np.arange(5), labels].mean()

    return loss, sum(sizes)


def test_hessian_matches_central_differences_of_the_gradient():
    loss, n = _tiny_net_loss()
    theta = tl.random.generator().standard_normal(n) * 0.5
    hess = tl.hessian(loss, theta)
    assert hess.shape == (n, n)
    eps = 1e-5
    numeric = np.zeros((n, n))
    for i in range(n):
        step = np.zeros(n)
        step[i] = eps
        (up,) = tl.numerical_grad(loss, theta + step, eps=1e-5)
        (down,) = tl.numerical_grad(loss, theta - step, eps=1e-5)
        numeric[i] = (up - down) / (2 * eps)
    np.testing.assert_allclose(hess.data, hess.data.T, atol=1e-12)
    np.testing.assert_allclose(hess.data, numeric, atol=1e-4)


@given(
    theta=hnp.arrays(np.float64, 12, elements=floats(-1, 1)),
    v=hnp.arrays(np.float64, 12, elements=floats(-1, 1)),
)
def test_hvp_equals_hessian_times_v(theta, v):
    loss, n = _tiny_net_loss(((3, 2), (2,), (2, 2)))
    assert n == 12
    hv = tl.hvp(loss, theta, v)
    np.testing.assert_allclose(hv.data, tl.hessian(loss, theta).data @ v, atol=1e-10)
    assert isinstance(hv, Tensor)
    assert hv.shape == (12,)


def test_hessian_of_a_shaped_input_has_shape_s_plus_s():
    def f(x):
        return (x * x * x).sum() + (x[0] * x[1]).sum()

    x = np.arange(6.0).reshape(2, 3) / 10
    hess = tl.hessian(f, x)
    assert hess.shape == (2, 3, 2, 3)
    flat = hess.data.reshape(6, 6)
    expected = np.diag(6 * x.reshape(-1))
    for j in range(3):
        expected[j, 3 + j] = expected[3 + j, j] = 1.0
    np.testing.assert_allclose(flat, expected)


def test_hessian_and_hvp_of_functions_without_curvature_are_zero():
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(tl.hessian(lambda t: (t * 3).sum(), x).data, np.zeros((2, 2)))
    np.testing.assert_array_equal(tl.hvp(lambda t: (t * 3).sum(), x, x).data, np.zeros(2))
    np.testing.assert_array_equal(tl.hvp(lambda t: Tensor(1.0), x, x).data, np.zeros(2))


def test_hvp_accepts_tensors_and_keeps_float32():
    x = Tensor([1.0, 2.0])
    hv = tl.hvp(lambda t: (t**3).sum(), x, Tensor([1.0, 1.0]))
    assert hv.dtype == np.float32
    np.testing.assert_allclose(hv.data, [6.0, 12.0])
    assert x.grad is None
    assert not x.requires_grad


def test_hessian_refuses_large_inputs_and_non_scalar_functions():
    with pytest.raises(ValueError, match=r"1001 elements.*tl.hvp"):
        tl.hessian(lambda t: t.sum(), np.zeros(1001))
    with pytest.raises(ValueError, match="one-element Tensor"):
        tl.hessian(lambda t: t * 2, np.zeros(3))
    with pytest.raises(ValueError, match=r"v has shape \(3,\)"):
        tl.hvp(lambda t: t.sum(), np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="floats"):
        tl.hvp(lambda t: t.sum(), np.zeros(2, dtype=np.int64), np.zeros(2))


@pytest.mark.parametrize(
    "loss",
    [
        pytest.param(lambda z: tl.nn.functional.cross_entropy(z, Tensor([0, 2, 1])), id="ce"),
        pytest.param(
            lambda z: tl.nn.functional.mse_loss(z.tanh(), Tensor(np.ones((3, 3)))), id="mse"
        ),
        pytest.param(lambda z: tl.nn.functional.svm_loss(z * z, Tensor([0, 2, 1])), id="svm"),
    ],
)
def test_losses_have_second_derivatives(loss):
    """Newton's method on a network differentiates the loss's backward: it must be recorded."""
    z = np.array([[0.3, -1.2, 0.8], [1.1, 0.2, -0.4], [-0.7, 0.5, 1.6]])
    assert tl.gradcheck(loss, z)
    assert tl.gradgradcheck(loss, z)


def test_a_grad_outputs_tensor_stays_in_the_graph_under_create_graph():
    # J^T v with v a Tensor: differentiating the result with respect to v gives back J
    # (the "double backward" way to get a Jacobian-vector product from reverse mode).
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64)
    v = Tensor([0.5, -1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = x * x  # J = diag(2x)
    (jtv,) = tl.grad(y, [x], grad_outputs=v, create_graph=True)
    np.testing.assert_allclose(jtv.data, 2 * x.data * v.data)
    u = np.array([1.0, 1.0, -1.0])
    (ju,) = tl.grad(jtv, [v], grad_outputs=u)  # d(u . J^T v)/dv = J u
    np.testing.assert_allclose(ju.data, 2 * x.data * u)


def test_gradgradcheck_of_a_function_without_a_graph_is_trivially_true():
    assert tl.gradgradcheck(lambda x: Tensor(np.ones(2)).sum(), np.array([1.0, 2.0]))
