"""trace_backward: the chain rule step by step, checked on the golden examples."""

import numpy as np
import pytest
from helpers import graph_tensors, leaf, micrograd
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite.autograd import Function
from tinygrad_lite.tensor import apply
from tinygrad_lite.trace import trace_backward


def apples():
    """2 apples at 100 each, tax 1.1."""
    apple, count, tax = leaf(100.0, "apple"), leaf(2.0, "count"), leaf(1.1, "tax")
    total = apple * count
    total.name = "apples_total"
    price = total * tax
    price.name = "price"
    return apple, count, tax, price


def test_micrograd_golden_numbers():
    a, b, g = micrograd()
    trace = trace_backward(g)
    assert g.item() == pytest.approx(24.7041, abs=5e-5)
    assert a.grad.item() == pytest.approx(138.8338, abs=5e-5)
    assert b.grad.item() == pytest.approx(645.5773, abs=5e-5)
    assert dict(trace.leaf_gradients()) == pytest.approx({"a": 138.8338, "b": 645.5773}, abs=5e-5)
    text = str(trace)
    assert "Backward pass of g = 24.7041" in text
    assert "dg/da = 138.8338" in text
    assert "dg/db = 645.5773" in text


def test_micrograd_every_step_is_upstream_times_local():
    *_, g = micrograd()
    trace = trace_backward(g)
    ops = [t for t in graph_tensors(g) if t.grad_fn is not None]
    assert len(trace) == len(ops)
    assert trace[0].fn is g.grad_fn  # the backward pass starts at the root's op
    assert trace[0].upstream == 1.0
    checked = 0
    for step in trace:
        assert step.upstream == pytest.approx(step.output_tensor.grad.data)
        for g_in in step.inputs:
            if g_in.local is not None:
                assert g_in.gradient == pytest.approx(step.upstream * g_in.local)
                checked += 1
    assert checked > 20  # every op here is elementwise on scalars


def test_apples_and_tax():
    apple, count, tax, price = apples()
    trace = trace_backward(price)
    assert price.item() == pytest.approx(220.0)
    assert apple.grad.item() == pytest.approx(2.2)
    assert count.grad.item() == pytest.approx(110.0)
    assert tax.grad.item() == pytest.approx(200.0)
    assert [step.op for step in trace] == ["Mul", "Mul"]
    first, second = trace
    assert (first.output, [g.label for g in first.inputs]) == ("price", ["apples_total", "tax"])
    assert [g.gradient.item() for g in first.inputs] == pytest.approx([1.1, 200.0])
    assert [g.local.item() for g in second.inputs] == pytest.approx([2.0, 100.0])
    text = str(trace)
    assert "Backward pass of price = 220, from dprice/dprice = 1." in text
    assert "dprice/dapples_total = 1 * 1.1 = 1.1" in text
    assert "dprice/dapple = 1.1 * 2 = 2.2" in text
    assert "dprice/dcount = 1.1 * 100 = 110" in text
    assert "dprice/dtax = 200" in text


def test_intermediates_keep_grad_and_totals_match_it():
    *_, g = micrograd()
    trace = trace_backward(g)
    totals = trace.gradients()
    for t in graph_tensors(g):
        if t.requires_grad:
            assert t.grad is not None, trace.labels(t)
            assert totals[id(t)] == pytest.approx(t.grad.data)
        else:
            assert id(t) not in totals


def test_accumulation_is_marked_where_a_second_consumer_adds_gradient():
    x = leaf(3.0, "x")
    y = x * x  # x feeds the same op twice
    y.name = "y"
    z = y + x  # ... and a second op
    z.name = "z"
    trace = trace_backward(z)
    add, mul = trace
    assert [(g.label, g.accumulated) for g in add.inputs] == [("y", False), ("x", False)]
    assert [(g.label, g.accumulated) for g in mul.inputs] == [("x", True), ("x", True)]
    assert [g.total.item() for g in mul.inputs] == [4.0, 7.0]  # 1, then + 3, then + 3
    assert x.grad.item() == 7.0
    assert "accumulates: x feeds more than one op; total so far 7" in str(trace)


def test_constants_get_no_gradient_and_are_named_by_value():
    x = leaf(2.0, "x")
    y = x * 3
    trace = trace_backward(y)
    assert [(g.label, g.gradient) for g in trace[0].inputs][1] == ("3", None)
    assert "to 3: no gradient" in str(trace)


def test_formula_comes_from_the_docstring_and_local_value_only_where_cheap():
    a = tl.Tensor(np.eye(2), requires_grad=True, dtype=np.float64, name="A")
    b = tl.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=np.float64, name="B")
    loss = (a @ b).sum()
    trace = trace_backward(loss)
    total, matmul = trace
    assert (
        matmul.formula
        == "d(A@B)/dA = grad @ B.T, d(A@B)/dB = A.T @ grad (a 1-D A is a row, a 1-D B a column)"
    )
    assert all(g.local is None for g in matmul.inputs)  # not elementwise: no single number
    assert all(g.local is None for g in total.inputs)  # a reduction on 4 elements
    assert matmul.inputs[0].gradient == pytest.approx(np.ones((2, 2)) @ b.data.T)


def test_local_derivatives_use_the_operands_names_not_x_and_y():
    """y = tanh(x*w + b) printed d(x+y)/dx and d(x*y)/dx = y, clashing with the user's own
    x and y (issue 15): the formulas now name the real operands."""
    x, w, b = leaf(2.0, "x", requires_grad=False), leaf(-3.0, "w"), leaf(7.0, "b")
    y = (w * x + b).tanh()
    y.name = "y"
    tanh, add, mul = trace_backward(y)
    assert mul.formula == "d(w*x)/dw = x, d(w*x)/dx = w"
    assert add.formula == "d(t1+b)/dt1 = 1, d(t1+b)/db = 1"  # w*x has no name: its label
    assert tanh.formula == "d tanh(t2)/dt2 = 1 - out**2"
    text = str(trace_backward(y))
    assert "d(x*y)" not in text
    assert "d(x+y)" not in text
    # outside a trace (graph edges, anomaly messages) an unnamed operand is a, b, ...
    assert tl.trace.describe_local(add.fn) == "d(a+b)/da = 1, d(a+b)/db = 1"
    unnamed = tl.Tensor(1.0, requires_grad=True) * leaf(2.0, "a")
    assert tl.trace.describe_local(unnamed.grad_fn) == "d(b*a)/db = a, d(b*a)/da = b"


@pytest.mark.parametrize(
    ("make", "formula"),
    [
        (lambda x, w: x @ w, "d(x@W1)/dx = grad @ W1.T, d(x@W1)/dW1 = x.T @ grad (a 1-D x"),
        (lambda x, w: tl.nn.functional.linear(x, w, leaf(np.zeros(2), "fc.bias")),
         ("d(x@W1+fc.bias)/dx = grad @ W1.T, d(x@W1+fc.bias)/dW1 = x.T @ grad, "
          "d(x@W1+fc.bias)/d(fc.bias) = sum of the rows of grad")),
        (lambda x, w: (x.sum() ** w.sum()),
         "d(a**b)/da = b * a**(b-1) (0 where b = 0), d(a**b)/db"),
    ],
)  # fmt: skip
def test_formulas_of_other_ops_name_their_operands(make, formula):
    x = leaf(np.ones((3, 2)), "x")
    w = leaf(np.ones((2, 2)), "W1")
    out = make(x, w)
    assert tl.trace.describe_local(out.grad_fn).startswith(formula)


def test_names_that_are_expressions_are_bracketed_only_where_they_could_be_misread():
    """The graph command names each tensor by its sub-expression, e.g. "x * w + b"."""
    z = leaf(1.0, "x * w + b")
    assert tl.trace.describe_local(z.tanh().grad_fn) == (
        "d tanh(x * w + b)/d(x * w + b) = 1 - out**2"
    )
    assert tl.trace.describe_local((z * leaf(2.0, "k")).grad_fn) == (
        "d((x * w + b)*k)/d(x * w + b) = k, d((x * w + b)*k)/dk = (x * w + b)"
    )


def test_the_printout_says_the_trace_was_the_backward_pass_and_a_second_one_doubles():
    """trace_backward(y) then y.backward() counts every gradient twice (API.md: the trace
    accumulates and keeps the graph, as backward(retain_graph=True)); the printout says so
    where the student reads the result, and the numbers show it."""
    x = leaf(3.0, "x")
    y = x * x
    y.name = "y"
    text = str(trace_backward(y))
    assert text.endswith(
        "This was the backward pass: the gradients above were added into .grad, as "
        "y.backward() does.\nCalling y.backward() as well would add them a second time "
        "(doubled); call zero_grad() first to start over."
    )
    assert x.grad.item() == 6.0
    y.backward(retain_graph=True)
    assert x.grad.item() == 12.0  # what the printout warned about
    x.zero_grad()
    y.backward()  # the graph was kept: after zero_grad the usual backward gives 6 again
    assert x.grad.item() == 6.0


def test_frames_are_not_the_backward_pass_and_do_not_say_so():
    x = leaf(3.0, "x")
    y = x * x
    frames_trace = tl.trace.record_backward(y, accumulate=False)
    assert "This was the backward pass" not in str(frames_trace)
    assert x.grad is None


def test_zero_upstream_shows_no_local_value():
    x = leaf(-1.0, "x")
    y = (x * 2).relu()  # relu is off: Mul receives 0 upstream
    trace = trace_backward(y)
    relu, mul = trace
    assert relu.inputs[0].local.item() == 0.0
    assert mul.upstream == 0.0
    assert mul.inputs[0].local is None


class Cube(Function):
    """d(x**3)/dx = 3 x**2"""

    def describe_local(self):
        return "d cube(x)/dx = 3 x^2"

    def forward(self, x):
        return x**3

    def backward(self, grad, x, out):
        return grad * 3 * x**2


def test_describe_local_is_preferred_to_the_docstring():
    x = leaf(2.0, "x")
    trace = trace_backward(apply(Cube(), x))
    assert trace[0].formula == "d cube(x)/dx = 3 x^2"
    assert trace[0].inputs[0].local.item() == 12.0


def test_sequence_protocol_and_repr():
    *_, price = apples()
    trace = trace_backward(price)
    assert len(trace) == 2
    assert list(trace) == [trace[0], trace[1]]
    assert trace[-1] is trace[1]
    assert repr(trace) == "<Trace of price: 2 steps>"


def test_accumulates_into_leaves_and_keeps_the_graph():
    apple, _count, _tax, price = apples()
    trace_backward(price)
    trace_backward(price)  # the graph was kept: no "freed" error
    assert apple.grad.item() == pytest.approx(4.4)


def test_gradient_argument_for_a_non_scalar_root():
    x = tl.Tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64, name="x")
    y = x * x
    with pytest.raises(ValueError, match="not a single value"):
        trace_backward(y)
    trace = trace_backward(y, gradient=np.array([1.0, 0.5, 2.0]))
    assert x.grad.data == pytest.approx([2.0, 2.0, 12.0])
    assert trace.seed == pytest.approx([1.0, 0.5, 2.0])
    assert trace[0].inputs[0].local == pytest.approx([1.0, 2.0, 3.0])


def test_unnamed_tensors_are_numbered_in_forward_order():
    x = leaf(1.0, "x")
    y = (x + 1) * 2
    trace = trace_backward(y)
    assert [s.output for s in trace] == ["t2", "t1"]


@given(
    a=st.floats(-5, 5, allow_nan=False).filter(lambda v: abs(v) > 0.1),
    b=st.floats(-5, 5, allow_nan=False).filter(lambda v: abs(v) > 0.1),
)
def test_trace_leaf_gradients_match_central_differences(a, b):
    assume(abs(a - b) > 0.1)  # away from the relu kink
    x, y = leaf(a, "a"), leaf(b, "b")
    out = (x * y + y**3).tanh() * x - (y - x).relu()
    trace = trace_backward(out)
    numeric = tl.numerical_grad(lambda p, q: (p * q + q**3).tanh() * p - (q - p).relu(), a, b)
    got = dict(trace.leaf_gradients())
    assert [got["a"], got["b"]] == pytest.approx([n.item() for n in numeric], rel=1e-5, abs=1e-7)


def test_numbers_and_summaries_are_formatted_for_reading():
    from tinygrad_lite.trace import format_number, summarize  # noqa: PLC0415

    assert format_number(np.bool_(True)) == "True"
    assert format_number(np.int64(3)) == "3"
    assert format_number(-0.0) == "0"
    assert format_number(float("-inf")) == "-inf"
    assert format_number(24.70413) == "24.7041"
    assert format_number(1.5e-7) == "1.5e-07"
    assert summarize(np.zeros((0, 3))) == "empty"
    assert summarize(np.array([1.0, 2.0, 6.0])) == "min 1 mean 3 max 6"


def test_generated_names_skip_the_names_the_user_gave():
    x = leaf(2.0, "t1")  # a user name that looks like a generated one
    y = x * 3.0
    z = y + 1.0
    text = str(trace_backward(z))
    assert "Backward pass of t3 = 7" in text  # y is t2 (t1 is taken), z is t3
    assert "dt3/dt1 = 3" in text
