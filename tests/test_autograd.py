"""The backward pass: golden numbers, accumulation, retain_graph, freeing, depth, second order."""

import gc
import threading
import weakref

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor


def scalar(v: float) -> Tensor:
    return Tensor(v, dtype=np.float64, requires_grad=True)


# ---------------------------------------------------------------- golden numbers


def test_micrograd_readme_expression():
    a, b = scalar(-4.0), scalar(2.0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    assert g.item() == pytest.approx(24.7041, abs=1e-4)
    assert a.grad.item() == pytest.approx(138.8338, abs=1e-4)
    assert b.grad.item() == pytest.approx(645.5773, abs=1e-4)


def test_apples_and_tax():
    apple, count, tax = scalar(100.0), scalar(2.0), scalar(1.1)
    price = apple * count * tax
    price.backward()
    assert price.item() == pytest.approx(220.0)
    assert apple.grad.item() == pytest.approx(2.2)
    assert count.grad.item() == pytest.approx(110.0)
    assert tax.grad.item() == pytest.approx(200.0)


def test_second_derivative_golden():
    x = scalar(2.0)
    y = x * x
    y.backward(create_graph=True)
    dy_dx = x.grad
    assert dy_dx.requires_grad
    x.zero_grad()
    z = dy_dx**3 + y
    z.backward()
    assert x.grad.item() == pytest.approx(100.0)  # d/dx ((2x)^3 + x^2) = 24 x^2 + 2x


def test_second_derivative_of_tanh_matches_formula():
    x = scalar(0.7)
    x.tanh().backward(create_graph=True)
    first = x.grad
    x.zero_grad()
    first.backward()
    t = np.tanh(0.7)
    assert x.grad.item() == pytest.approx(-2 * t * (1 - t**2))


# ---------------------------------------------------------------- topological order, accumulation


def test_reused_tensor_gets_the_sum_of_all_paths():
    a = scalar(3.0)
    b = a + a
    c = b + b  # c = 4a: a naive order that visits a before b is done would give 2
    c.backward()
    assert a.grad.item() == 4.0


def test_diamond_graph():
    x = scalar(2.0)
    y = x * 3
    z = x.exp()
    out = y * z  # d/dx (3x e^x) = 3 e^x + 3x e^x
    out.backward()
    assert x.grad.item() == pytest.approx(3 * np.exp(2) * 3)


def test_gradients_accumulate_across_backward_calls_until_zero_grad():
    x = scalar(1.0)
    (x * 3).backward()
    (x * 4).backward()
    assert x.grad.item() == 7.0
    x.zero_grad()
    assert x.grad is None


def test_intermediate_grads_only_with_retain_grad():
    x = scalar(2.0)
    y = x * 3
    z = y * y
    y.retain_grad()
    w = z * 1
    w.backward()
    assert y.grad.item() == pytest.approx(12.0)  # dz/dy = 2y
    assert z.grad is None
    assert z.grad_fn.name == "Mul"
    assert x.is_leaf
    assert not y.is_leaf


def test_grads_do_not_share_memory():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()  # Add sends the very same array to both inputs
    assert not np.shares_memory(x.grad.data, y.grad.data)
    x.grad.data[0] = 100.0
    assert y.grad.data[0] == 1.0


def test_leaves_without_requires_grad_get_nothing():
    x = scalar(1.0)
    c = Tensor(5.0, dtype=np.float64)
    (x * c).backward()
    assert c.grad is None


def test_branch_that_needs_no_grad_is_skipped():
    x = scalar(2.0)
    data = Tensor([1.0, 2.0], dtype=np.float64)
    (data * 3 + x).sum().backward()
    assert x.grad.item() == 2.0


# ---------------------------------------------------------------- retain_graph and freeing


def test_second_backward_through_a_freed_graph_is_a_clear_error():
    x = scalar(2.0)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = scalar(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_structure_stays_readable_after_backward():
    x = scalar(2.0)
    w = scalar(-3.0)
    y = (x * w).relu()
    y.backward()
    assert y.grad_fn.name == "ReLU"
    (product,) = y.grad_fn.inputs
    assert product.grad_fn.name == "Mul"
    assert product.grad_fn.inputs[0] is x
    assert product.item() == -6.0


def test_failed_second_backward_changes_nothing():
    x = scalar(2.0)
    y = x * 3
    z = y * y
    z.backward()
    before = x.grad.item()
    with pytest.raises(RuntimeError):
        z.backward()
    assert x.grad.item() == before


class _FailingBackward(tl.autograd.Function):
    """An op whose backward raises, to stop a backward pass half way."""

    def forward(self, x):
        return x * 1.0

    def backward(self, grad, x, out):
        raise ArithmeticError("backward stopped on purpose")


def test_a_backward_that_stops_with_an_error_leaves_later_backwards_exact():
    # Each tensor counts its consumers during backward; an error half way must not leave
    # stale counts that would make the next backward skip or misroute gradients.
    x = scalar(3.0)
    shared = x * x  # used by both graphs below
    broken = tl.tensor.apply(_FailingBackward(), shared * 2.0) + shared
    with pytest.raises(ArithmeticError, match="on purpose"):
        broken.backward(retain_graph=True)
    # shared had received its gradient through "+ shared" when the error came: that partial
    # sum is dropped too, not kept alive on the tensor.
    assert shared._grad_sum is None
    x.zero_grad()
    (shared * 5.0).backward()
    assert x.grad.item() == 30.0  # d(5 x^2)/dx at 3
    nodes = [x, shared]
    assert all(t._consumers_left == 0 for t in nodes)


class _StopsOnce(tl.autograd.Function):
    """2 * x, whose first backward stops with ``error`` (an exception or KeyboardInterrupt)."""

    def __init__(self, error):
        self.error = error

    def forward(self, x):
        return x * 2.0

    def backward(self, grad, x, out):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return grad * 2.0


@pytest.mark.parametrize("error", [ArithmeticError("stopped on purpose"), KeyboardInterrupt()])
@pytest.mark.parametrize(
    "options",
    [{}, {"retain_graph": True}, {"create_graph": True}],
    ids=["plain", "retain_graph", "create_graph"],
)
def test_a_backward_that_stops_half_way_changes_no_grad_and_frees_nothing(error, options):
    """Nothing half-done: a pass that stops leaves every .grad as it was (the leaf ``a``,
    whose gradient was complete before the failing op ran, included) and the graph unfreed,
    so the retry counts each gradient once."""
    a, b = scalar(3.0), scalar(5.0)
    a.grad = Tensor(10.0, dtype=np.float64)  # from an earlier step: must stay exactly this
    kept = a * 4.0
    kept.retain_grad()
    loss = tl.tensor.apply(_StopsOnce(error), b * b) + kept  # backward meets `kept` first
    with pytest.raises(type(error)):
        loss.backward(**options)
    assert a.grad.item() == 10.0
    assert b.grad is None
    assert kept.grad is None
    loss.backward()  # no retain_graph needed: the failed pass freed nothing
    assert a.grad.item() == 14.0
    assert b.grad.item() == 20.0  # d(2 b^2)/db at 5
    assert kept.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="freed when an earlier backward pass through it"):
        loss.backward()


class _OneGradientForTwoInputs(tl.autograd.Function):
    """x * y whose backward forgets the second input's gradient."""

    def forward(self, x, y):
        return x * y

    def backward(self, grad, x, y, out):
        return (grad * y,)


@pytest.mark.parametrize("watched", [False, True])
def test_a_backward_with_too_few_gradients_is_an_error_not_a_silent_gap(watched):
    # Without the check, y would simply never receive its gradient. Both backward loops
    # (plain loss.backward(), and tl.grad's) refuse.
    x, y = scalar(2.0), scalar(3.0)
    out = tl.tensor.apply(_OneGradientForTwoInputs(), x, y)
    message = r"_OneGradientForTwoInputs.backward returned 1 gradient\(s\) for 2 input\(s\); "
    with pytest.raises(ValueError, match=message + "return one gradient per input"):
        tl.grad(out, [x, y]) if watched else out.backward()
    assert x.grad is None
    assert y.grad is None
    assert (x._consumers_left, y._consumers_left) == (0, 0)


class _NoGradientToTheFirstInput(tl.autograd.Function):
    """x * y whose backward sends nothing to x (as an op that is constant in one input may)."""

    def forward(self, x, y):
        return x * y

    def backward(self, grad, x, y, out):
        return None, grad * x


@pytest.mark.parametrize("watched", [False, True])
def test_a_tensor_that_receives_no_gradient_still_lets_its_inputs_finish(watched):
    # a -> u = a * 2 -> v = op(u, b) where op sends u nothing: u's own op must still count
    # as done for a, which then gets only its gradient through the other path.
    a, b = scalar(3.0), scalar(5.0)
    u = a * 2.0
    v = tl.tensor.apply(_NoGradientToTheFirstInput(), u, b)
    loss = v + a * 7.0
    if watched:
        ga, gb = tl.grad(loss, [a, b])
        assert (ga.item(), gb.item()) == (7.0, 6.0)
    else:
        loss.backward()
        assert (a.grad.item(), b.grad.item()) == (7.0, 6.0)
    assert (a._consumers_left, b._consumers_left, u._consumers_left) == (0, 0, 0)


class _GradientOfTheWrongShape(tl.autograd.Function):
    """Identity whose backward returns a gradient of shape ``self.shape``."""

    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.copy()

    def backward(self, grad, x, out):
        return np.ones(self.shape)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((3,), (r"returned a gradient of shape \(3,\) for an input of shape \(2, 3\); a "
                r"gradient must have the input's shape or a broadcast of it")),
        ((2, 4), (r"returned a gradient of shape \(2, 4\), which does not reduce to its "
                  r"input's shape \(2, 3\)")),
    ],
)  # fmt: skip
def test_a_backward_that_returns_the_wrong_shape_is_named(shape, message):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    out = tl.tensor.apply(_GradientOfTheWrongShape(shape), x)
    with pytest.raises(ValueError, match="_GradientOfTheWrongShape.backward " + message):
        out.sum().backward()
    assert x.grad is None
    assert x._consumers_left == 0


def test_counts_are_zero_after_backward_and_after_a_freed_graph_error():
    x = scalar(2.0)
    y = x * x
    z = y + y
    z.backward()
    assert (x._consumers_left, y._consumers_left, z._consumers_left) == (0, 0, 0)
    assert (x._grad_sum, y._grad_sum, z._grad_sum) == (None, None, None)  # no array kept
    w = x * 4.0 + (x * x).exp()
    w.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (w + x).backward()  # reaches the freed part only after counting x
    x.zero_grad()
    (x * 4.0).backward()
    assert x.grad.item() == 4.0
    assert x._consumers_left == 0


def test_backward_passes_in_two_threads_over_a_shared_parameter_both_count():
    # Each graph is long enough that the interpreter switches threads inside a backward pass.
    w = scalar(1.0)
    roots = []
    for _ in range(2):
        h = w * 1.0
        for _ in range(60_000):
            h = h + 0.0
        roots.append(h)
    workers = [threading.Thread(target=root.backward) for root in roots]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert w.grad.item() == 2.0
    assert w._consumers_left == 0


def test_dropping_the_root_frees_the_graph_without_the_garbage_collector():
    gc.disable()
    try:
        x = Tensor(np.ones(3), requires_grad=True)
        h = x * 2
        refs = [weakref.ref(h)]
        for _ in range(50):
            h = (h * 1.5).tanh() + h
            refs.append(weakref.ref(h))
        h.sum().backward()
        del h
        assert all(r() is None for r in refs), "a reference cycle keeps the graph alive"
    finally:
        gc.enable()


@pytest.mark.slow
def test_a_million_op_chain_backprops_without_recursion():
    x = Tensor(0.5, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing a deep chain must not recurse either


# ---------------------------------------------------------------- root gradient


def test_non_scalar_root_needs_a_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2,\).*gradient="):
        (x * 2).backward()


def test_gradient_of_the_wrong_shape():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(3))


def test_explicit_gradient_weights_the_outputs():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(np.array([1.0, 10.0], dtype=np.float32))
    np.testing.assert_array_equal(x.grad.data, [2.0, 40.0])


def test_backward_on_a_tensor_without_a_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(1.0).backward()


# ---------------------------------------------------------------- no_grad, detach


def test_no_grad_records_nothing():
    x = scalar(1.0)
    with tl.no_grad():
        y = x * 2
        assert not tl.is_grad_enabled()
    assert tl.is_grad_enabled()
    assert y.grad_fn is None
    assert not y.requires_grad


def test_enable_grad_inside_no_grad():
    x = scalar(1.0)
    with tl.no_grad(), tl.enable_grad():
        y = x * 2
    assert y.requires_grad


def test_no_grad_is_per_thread():
    x = scalar(1.0)
    inside = threading.Event()
    release = threading.Event()

    def other_thread():
        with tl.no_grad():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_thread)
    worker.start()
    inside.wait(5)
    y = x * 2  # this thread still records while the other sits inside no_grad
    release.set()
    worker.join()
    assert y.requires_grad


def test_module_scope_is_per_thread():
    # apply reads the scope from this thread's settings: another thread's scope stays out
    x = scalar(1.0)
    inside = threading.Event()
    release = threading.Event()
    seen = []

    def other_thread():
        with tl.autograd.module_scope("fc1: Linear"):
            seen.append((x * 3).grad_fn.scope)
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_thread)
    worker.start()
    inside.wait(5)
    y = x * 2
    release.set()
    worker.join()
    assert y.grad_fn.scope == ()
    assert seen == [("fc1: Linear",)]


def test_detach_cuts_the_graph_and_shares_memory():
    x = scalar(3.0)
    y = (x * 2).detach()
    assert y.grad_fn is None
    assert not y.requires_grad
    z = x * y
    z.backward()
    assert x.grad.item() == 6.0


# ---------------------------------------------------------------- create_graph


def test_create_graph_gradient_is_differentiable_for_broadcast_ops():
    w = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    b = Tensor(np.array([0.1, -0.2]), requires_grad=True)
    x = Tensor(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]))
    loss = ((x @ w + b).tanh() ** 2).sum()
    loss.backward(create_graph=True)
    grad_norm = (w.grad * w.grad).sum() + (b.grad * b.grad).sum()
    w_grad_first = w.grad.data.copy()
    w.zero_grad()
    b.zero_grad()
    grad_norm.backward()

    def norm_of_grad(wv, bv):
        wt, bt = Tensor(wv, requires_grad=True), Tensor(bv, requires_grad=True)
        ((x @ wt + bt).tanh() ** 2).sum().backward()
        return float((wt.grad.data**2).sum() + (bt.grad.data**2).sum())

    eps = 1e-6
    numeric = np.zeros_like(w.data)
    for idx in np.ndindex(w.shape):
        up, down = w.data.copy(), w.data.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (norm_of_grad(up, b.data) - norm_of_grad(down, b.data)) / (2 * eps)
    np.testing.assert_allclose(w.grad.data, numeric, rtol=1e-5, atol=1e-7)
    assert not np.allclose(w_grad_first, w.grad.data)


def test_grad_keeps_the_leaf_dtype_when_a_second_backward_adds_to_it():
    x = Tensor([1.0, 2.0], requires_grad=True)  # float32
    w = Tensor(np.array([3.0, 4.0]))  # float64: x * w is float64, and so is x's gradient
    (x * w).sum().backward()
    assert x.grad.dtype == np.float32
    (x * w).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [6.0, 8.0])


def test_a_float64_gradient_tensor_under_create_graph_leaves_float32_grads():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(Tensor(np.array([1.0, 0.5])), create_graph=True)
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_create_graph_grads_are_not_shared_between_tensors():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0], requires_grad=True)
    seed = Tensor([1.0, 1.0])
    (x * x + y).backward(seed, create_graph=True)  # Add sends one gradient to both sides
    assert y.grad is not seed
    assert not np.shares_memory(y.grad.data, seed.data)
    assert not np.shares_memory(x.grad.data, y.grad.data)
    (second,) = tl.grad(x.grad.sum(), x)  # x.grad = 2x stays differentiable
    np.testing.assert_array_equal(second.data, [2.0, 2.0])


def test_create_graph_gives_both_inputs_of_an_add_their_own_grad():
    x = Tensor(1.0, requires_grad=True)
    y = Tensor(2.0, requires_grad=True)
    (x + y).backward(create_graph=True)
    assert x.grad is not y.grad
    assert not np.shares_memory(x.grad.data, y.grad.data)


def test_backward_of_a_leaf_gives_it_a_gradient_of_one():
    # The root may itself be a leaf: d x / d x = 1, and a second call adds another 1.
    x = Tensor(np.array([[3.0]], dtype=np.float32), requires_grad=True)
    x.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [[1.0]])
    x.backward()
    np.testing.assert_array_equal(x.grad.data, [[2.0]])
    assert x._consumers_left == 0
