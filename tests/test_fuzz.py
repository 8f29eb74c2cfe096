"""Random programs: expression graphs built from the op set, checked against central differences;
and random (often wrong) calls, which may only raise the library's documented errors.

A program is a list of steps over a pool of tensors that starts with 1-3 inputs of mutually
broadcastable shapes. Each step applies one op to tensors picked from the pool (so
intermediates are reused and fan out) and appends the result. Values are kept inside each
op's domain by construction (``log(x*x + 1)``, ``a / (b*b + 1)``); kinks (ReLU, abs, clip,
max, min) are allowed, and ``gradcheck`` reports elements that sit on one as inconclusive.
The loss weights the last result and one earlier one by fixed random arrays, so the upstream
gradient is never all ones.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_lite as tl
from tinygrad_lite import Tensor

values = st.floats(-2.0, 2.0, allow_subnormal=False)


ELEMENTWISE = {
    "neg": lambda x: -x,
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 1).log(),
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
    "pow": lambda x: (x * x + 0.5) ** 1.5,
    "rdiv": lambda x: 1.0 / (x * x + 1),
    "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "clip": lambda x: x.clip(-1.0, 1.5),
    "identity": lambda x: x.identity(),
    "flatten": lambda x: x.flatten(),
    "T": lambda x: x.T,
    "broadcast": lambda x: x.broadcast_to((2, *x.shape)),
    "reverse": lambda x: x[::-1],  # needs an axis
}
REDUCTIONS = ("sum", "mean", "max", "min")
NEEDS_AN_AXIS = {"reverse", "softmax", "log_softmax", "gather", *REDUCTIONS}
UNARY = sorted([*ELEMENTWISE, "scale", "softmax", "log_softmax", "gather", *REDUCTIONS])


def unary_step(data, name, t):
    """The op ``name`` as a function of one tensor, its parameters drawn now (``t`` is the
    tensor it will be applied to)."""
    if name in ELEMENTWISE:
        return ELEMENTWISE[name]
    if name == "scale":
        c = data.draw(values, label="scale")
        return lambda x: x * c + 0.5
    if name == "gather":  # integer-array indexing, repeats allowed
        n = t.shape[0]
        index = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4), label="index")
        return lambda x: x[index]
    axis = data.draw(st.integers(-t.ndim, t.ndim - 1), label="axis")
    if name in REDUCTIONS:
        keepdims = data.draw(st.booleans(), label="keepdims")
        return lambda x: getattr(x, name)(axis=axis, keepdims=keepdims)
    return lambda x: getattr(x, name)(axis=axis)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "tensor_pow": lambda a, b: (a * a + 1) ** b.tanh(),
    "matmul": lambda a, b: a @ b,
}


def fits(name, a, b):
    """Whether the binary op ``name`` accepts tensors of these shapes."""
    if name != "matmul":
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return False
        return True
    if a.ndim == 0 or b.ndim == 0:
        return False
    try:  # zeros, not np.empty: uninitialised values can overflow, and warnings are errors here
        np.zeros(a.shape) @ np.zeros(b.shape)
    except ValueError:
        return False
    return True


@st.composite
def programs(draw):
    """Input arrays and a list of steps ``(function, operand indices)`` over the pool."""
    shapes = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=draw(st.integers(1, 3)), max_dims=3, max_side=3
        )
    ).input_shapes
    inputs = [draw(hnp.arrays(np.float64, s, elements=values)) for s in shapes]
    pool = [Tensor(a) for a in inputs]  # evaluated while drawing, to know every shape
    steps = []
    data = draw(st.data())
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(UNARY + sorted(BINARY)))
        if name in BINARY:
            pairs = [
                (i, j)
                for i in range(len(pool))
                for j in range(len(pool))
                if fits(name, pool[i], pool[j])
            ]
            if pairs:
                i, j = draw(st.sampled_from(pairs))
                steps.append((BINARY[name], (i, j)))
                pool.append(BINARY[name](pool[i], pool[j]))
                continue
            name = "tanh"
        candidates = [i for i, t in enumerate(pool) if t.ndim or name not in NEEDS_AN_AXIS]
        if not candidates:  # e.g. a reduction when every tensor is 0-d
            name, candidates = "tanh", list(range(len(pool)))
        i = draw(st.sampled_from(candidates))
        step = unary_step(data, name, pool[i])
        steps.append((step, (i,)))
        pool.append(step(pool[i]))
    other = draw(st.integers(0, len(pool) - 2)) if len(pool) > 1 else 0
    weights = {
        k: draw(hnp.arrays(np.float64, pool[k].shape, elements=st.floats(-1, 1)))
        for k in {len(pool) - 1, other}
    }
    return inputs, steps, weights  # fmt: skip


def run(steps, weights, *inputs):
    pool = list(inputs)
    for step, operands in steps:
        pool.append(step(*(pool[i] for i in operands)))
    return sum((pool[k] * w).sum() for k, w in weights.items())


@given(programs())
def test_random_graphs_backprop_like_central_differences(program):
    inputs, steps, weights = program
    assert tl.gradcheck(lambda *xs: run(steps, weights, *xs), *inputs)


@given(programs())
def test_random_graphs_free_themselves_and_refuse_a_second_backward(program):
    inputs, steps, weights = program
    leaves = [Tensor(a, requires_grad=True) for a in inputs]
    loss = run(steps, weights, *leaves)
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


@given(programs())
def test_the_plain_and_the_watched_backward_loops_agree_exactly(program):
    # loss.backward() runs the plain loop, which adds into its own gradient buffers in place;
    # tl.grad runs the loop that can report every step and reuses nothing. Same numbers.
    inputs, steps, weights = program
    leaves = [Tensor(a, requires_grad=True) for a in inputs]
    loss = run(steps, weights, *leaves)
    watched = tl.grad(loss, leaves, retain_graph=True, allow_unused=True)
    loss.backward()
    for leaf, g in zip(leaves, watched, strict=True):
        if g is None:
            assert leaf.grad is None
        else:
            np.testing.assert_array_equal(leaf.grad.data, g.data)


# ---------------------------------------------------------------- random wrong calls

DOCUMENTED = (ValueError, TypeError, IndexError, RuntimeError)

small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
axes = st.one_of(
    st.none(), st.integers(-4, 4), st.tuples(st.integers(-4, 4), st.integers(-4, 4)), st.floats()
)
anything = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(), st.text(max_size=3),
    st.lists(st.integers(-3, 3), max_size=3), st.tuples(st.integers(-3, 3)), st.just(Ellipsis),
    st.builds(slice, st.integers(-4, 4), st.integers(-4, 4)), st.dictionaries(st.text(), st.integers()),
)  # fmt: skip
CALLS = {
    "add": lambda d, x: x + d.draw(st.one_of(anything, tensors())),
    "matmul": lambda d, x: x @ d.draw(tensors()),
    "rpow": lambda d, x: d.draw(anything) ** x,
    "sum": lambda d, x: x.sum(axis=d.draw(axes), keepdims=d.draw(st.booleans())),
    "max": lambda d, x: x.max(axis=d.draw(axes)),
    "mean": lambda d, x: x.mean(axis=d.draw(axes)),
    "softmax": lambda d, x: x.softmax(axis=d.draw(axes)),
    "argmax": lambda d, x: x.argmax(axis=d.draw(axes)),
    "reshape": lambda d, x: x.reshape(*d.draw(st.lists(st.integers(-2, 6), max_size=3))),
    "transpose": lambda d, x: x.transpose(*d.draw(st.lists(st.integers(-3, 3), max_size=3))),
    "swapaxes": lambda d, x: x.swapaxes(d.draw(st.integers(-4, 4)), d.draw(st.integers(-4, 4))),
    "broadcast_to": lambda d, x: x.broadcast_to(d.draw(small_shapes)),
    "getitem": lambda d, x: x[d.draw(anything)],
    "clip": lambda d, x: x.clip(d.draw(st.one_of(st.none(), values)), d.draw(st.one_of(st.none(), values))),
    "item": lambda d, x: x.item(),
    "len": lambda d, x: len(x),
    "bool": lambda d, x: bool(x),
    "backward": lambda d, x: (x * 1).backward(d.draw(st.one_of(st.none(), hnp.arrays(np.float64, small_shapes)))),
    "tensor": lambda d, x: Tensor(d.draw(anything), requires_grad=d.draw(st.booleans())),
    "zeros": lambda d, x: Tensor.zeros(*d.draw(st.lists(st.one_of(st.integers(-2, 3), st.floats()), max_size=3))),
    "cross_entropy": lambda d, x: tl.nn.functional.cross_entropy(x, d.draw(anything)),
    "linear": lambda d, x: tl.nn.Linear(d.draw(st.integers(-1, 3)), 2)(x),
}  # fmt: skip


@st.composite
def tensors(draw):
    shape = draw(small_shapes)
    return Tensor(draw(hnp.arrays(np.float64, shape, elements=values)), requires_grad=True)


@given(st.sampled_from(sorted(CALLS)), tensors(), st.data())
def test_wrong_calls_raise_only_documented_errors_with_a_message(name, x, data):
    try:
        with np.errstate(all="ignore"):  # NaN from a valid call is not an API error
            CALLS[name](data, x)
    except DOCUMENTED as error:
        message = str(error)
    else:
        return
    assert message, f"{name} raised an error without a message"
