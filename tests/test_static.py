"""StaticGraph: a graph recorded once and replayed on new values gives what building it anew
(eager) gives: the loss, every parameter's gradient, and training over many steps."""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import programs, run, values

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn, optim
from tinygrad_lite.data import DataLoader
from tinygrad_lite.nn import functional as F


def _inputs_reaching_the_loss(n_inputs, steps, weights):
    """The inputs a program's loss depends on, found backwards from the weighted results."""
    reached = set(weights)
    for k in reversed(range(len(steps))):
        if n_inputs + k in reached:
            reached |= set(steps[k][1])
    return sorted(i for i in reached if i < n_inputs)


@given(program=programs(), data=st.data())
def test_a_replay_gives_the_loss_and_gradients_of_the_graph_built_anew(program, data):
    # One input the loss depends on is fed on every run; the others are parameters.
    inputs, steps, weights = program
    k = data.draw(st.sampled_from(_inputs_reaching_the_loss(len(inputs), steps, weights)))
    params = [Tensor(a, requires_grad=True) for i, a in enumerate(inputs) if i != k]

    def loss_of(x):
        return run(steps, weights, *params[:k], x, *params[k:])

    step = tl.StaticGraph(loss_of, inputs[k])
    new_x = data.draw(hnp.arrays(np.float64, inputs[k].shape, elements=values), label="new x")

    replayed = step.run(new_x)
    replayed_grads = [None if p.grad is None else p.grad.data.copy() for p in params]
    for p in params:
        p.grad = None
    eager = loss_of(Tensor(new_x))
    if eager.requires_grad:
        eager.backward()

    np.testing.assert_allclose(replayed.data, eager.data, rtol=1e-12, atol=1e-12)
    assert replayed.grad_fn is None
    for p, g in zip(params, replayed_grads, strict=True):
        if p.grad is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, p.grad.data, rtol=1e-12, atol=1e-12)


def _two_twins(seed=0):
    tl.manual_seed(seed)
    model = nn.MLP([4, 8, 3])
    twin = nn.MLP([4, 8, 3])
    twin.load_state_dict(model.state_dict())
    return model, twin


def test_training_with_a_static_graph_follows_eager_training_step_for_step():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    model, twin = _two_twins()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    twin_opt = optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(x, y, batch_size=8, shuffle=False, drop_last=True)
    step = tl.StaticGraph(lambda xb, yb: F.cross_entropy(model(xb), yb), x[:8], y[:8])
    for _ in range(3):
        for xb, yb in loader:
            opt.zero_grad()
            loss = step.run(xb, yb)
            opt.step()
            twin_opt.zero_grad()
            twin_loss = F.cross_entropy(twin(xb), yb)  # the loader gives Tensors
            twin_loss.backward()
            twin_opt.step()
            np.testing.assert_allclose(loss.item(), twin_loss.item(), rtol=1e-5)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.data, q.data, rtol=1e-5, atol=1e-6)


def test_labels_and_targets_are_fed_on_every_run():
    model, _ = _two_twins()
    scores_of = model  # 4 features -> 3 classes
    x = np.ones((2, 4), np.float32)
    step = tl.StaticGraph(lambda xb, yb: F.cross_entropy(scores_of(xb), yb), x, np.array([0, 0]))
    for labels in ([1, 2], [2, 0]):
        expected = F.cross_entropy(scores_of(Tensor(x)), np.array(labels)).item()
        assert step.run(x, np.array(labels), backward=False).item() == pytest.approx(expected)

    one_hot = tl.StaticGraph(
        lambda xb, yb: F.cross_entropy(scores_of(xb), yb), x, np.eye(3, dtype=int)[[0, 0]]
    )
    expected = F.cross_entropy(scores_of(Tensor(x)), np.array([2, 1])).item()
    assert one_hot.run(x, np.eye(3, dtype=int)[[2, 1]]).item() == pytest.approx(expected)

    target = np.zeros((2, 3), np.float32)
    mse = tl.StaticGraph(lambda xb, t: F.mse_loss(scores_of(xb), t), x, target)
    new_target = np.full((2, 3), 5.0, np.float32)
    expected = F.mse_loss(scores_of(Tensor(x)), new_target).item()
    assert mse.run(x, new_target, backward=False).item() == pytest.approx(expected)


def test_gradients_accumulate_as_with_backward_and_backward_false_leaves_them():
    w = Tensor([1.0, -2.0], requires_grad=True)
    step = tl.StaticGraph(lambda x: (w * x).sum(), np.array([3.0, 4.0]))
    step.run(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])
    step.run(np.array([1.0, 1.0]))  # no zero_grad in between: the gradients add up
    np.testing.assert_array_equal(w.grad.data, [4.0, 5.0])
    assert step.run(np.array([2.0, 2.0]), backward=False).item() == -2.0
    np.testing.assert_array_equal(w.grad.data, [4.0, 5.0])


def test_parameter_updates_and_new_parameter_arrays_are_seen():
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = tl.StaticGraph(lambda x: (w * w * x).sum(), np.ones(2))
    w.data -= 1.0  # in place, as an optimizer does
    assert step.run(np.ones(2), backward=False).item() == 1.0
    w.data = np.array([3.0, 0.0])  # a new array
    assert step.run(np.ones(2)).item() == 9.0
    np.testing.assert_array_equal(w.grad.data, [6.0, 0.0])


def test_ops_on_an_input_alone_are_recorded_and_replayed():
    w = Tensor(np.ones((3, 1)), requires_grad=True)
    step = tl.StaticGraph(lambda x: ((x / 255.0).reshape(2, 3) @ w).sum(), np.zeros(6))
    x = np.arange(6.0) * 255
    assert step.run(x).item() == pytest.approx(15.0)
    np.testing.assert_allclose(w.grad.data, [[3.0], [5.0], [7.0]])


def test_float64_values_fed_to_a_float32_graph_keep_it_float32():
    layer = nn.Linear(3, 2)
    step = tl.StaticGraph(lambda x: layer(x).sum(), np.zeros((2, 3), np.float32))
    loss = step.run(np.ones((2, 3)))  # float64
    assert loss.dtype == np.float32
    assert layer.weight.grad.dtype == np.float32


def test_control_flow_is_frozen_at_recording():
    # As documented: a replay runs the recorded ops, whichever branch the values would take.
    w = Tensor(1.0, requires_grad=True)
    step = tl.StaticGraph(lambda x: w * x if x.item() > 0 else w - x, np.array(2.0))
    assert step.run(np.array(-3.0)).item() == -3.0  # w * x, not w - x


def test_a_graph_per_shape_and_the_recorded_graph_can_be_drawn(tmp_path):
    layer = nn.Linear(3, 2)
    full = tl.StaticGraph(lambda x: layer(x).sum(), np.zeros((4, 3), np.float32))
    last = tl.StaticGraph(lambda x: layer(x).sum(), np.zeros((1, 3), np.float32))
    full.run(np.ones((4, 3), np.float32))
    last.run(np.ones((1, 3), np.float32))
    np.testing.assert_allclose(layer.bias.grad.data, [5.0, 5.0])
    assert repr(full) == "StaticGraph(2 ops, 1 input, 2 parameters)"
    source = tl.draw_graph(full.loss).source
    assert "Linear" in source


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda s: s.run(np.ones((3, 4), np.float32), np.array([0, 1])), ValueError,
         r"input 0 has shape \(3, 4\), but the graph was recorded for shape \(2, 4\); record"),
        (lambda s: s.run(np.ones((2, 4)), np.array([0.0, 1.0])), TypeError,
         r"input 1 has dtype float64, but the graph was recorded with int64; convert it"),
        (lambda s: s.run(np.ones((2, 4))), TypeError, r"expected 2 value\(s\), one per argument"),
        (lambda s: s.run(np.ones((2, 4)), np.array([0, 3])), ValueError,
         r"class index 3 out of range for 3 classes"),
        (lambda s: s.run(np.ones((2, 4)), np.array([-1, 0])), ValueError,
         r"class index -1 out of range"),
    ],
)  # fmt: skip
def test_bad_values_for_a_run_get_clear_errors(make, error, message):
    model, _ = _two_twins()
    step = tl.StaticGraph(
        lambda x, y: F.cross_entropy(model(x), y), np.zeros((2, 4), np.float32), np.array([0, 1])
    )
    with pytest.raises(error, match=message):
        make(step)


def test_bad_recordings_get_clear_errors():
    model, _ = _two_twins()
    x, y = np.zeros((2, 4), np.float32), np.array([0, 1])
    with pytest.raises(ValueError, match=r"input 1 does not reach the loss.*svm_loss"):
        tl.StaticGraph(lambda xb, yb: F.svm_loss(model(xb), yb), x, y)
    with pytest.raises(ValueError, match=r"a Tensor with one value; got shape \(2, 3\)"):
        tl.StaticGraph(model, x)  # a module is a function of x
    with pytest.raises(ValueError, match=r"records no op: it is a constant"):
        tl.StaticGraph(lambda yb: Tensor(1.0), y)
    with pytest.raises(ValueError, match=r"no example inputs"):
        tl.StaticGraph(lambda: model(Tensor(x)).sum())
    with pytest.raises(TypeError, match=r"build must be a function"):
        tl.StaticGraph(model(Tensor(x)).sum(), x)


class _NoGradientToTheFirstInput(tl.autograd.Function):
    """x * y whose backward sends nothing to x (as an op that is constant in one input may)."""

    def forward(self, x, y):
        return x * y

    def backward(self, grad, x, y, out):
        return None, grad * x


class _OneGradientForTwoInputs(_NoGradientToTheFirstInput):
    def backward(self, grad, x, y, out):
        return (grad * y,)


def test_an_op_that_sends_nothing_to_an_input_and_one_that_sends_too_little():
    a, b = Tensor(3.0, requires_grad=True), Tensor(5.0, requires_grad=True)
    apply = tl.tensor.apply
    # u = a * x gets no gradient; a still gets its gradient through the other path
    step = tl.StaticGraph(
        lambda x: apply(_NoGradientToTheFirstInput(), a * x, b) + a * 7.0, np.array(2.0)
    )
    assert step.run(np.array(2.0)).item() == 51.0  # 3 * 2 * 5 + 3 * 7
    assert (a.grad.item(), b.grad.item()) == (7.0, 6.0)
    broken = tl.StaticGraph(lambda x: apply(_OneGradientForTwoInputs(), a * x, b), np.array(2.0))
    with pytest.raises(ValueError, match=r"returned 1 gradient\(s\) for 2 input\(s\)"):
        broken.run(np.array(2.0))


def test_a_broadcast_parameter_gets_its_gradient_summed_back_to_its_shape():
    b = Tensor(np.zeros((1, 3)), requires_grad=True)  # broadcast over the 4 rows of x
    step = tl.StaticGraph(lambda x: ((x + b) * x).sum(), np.zeros((4, 3)))
    x = np.arange(12.0).reshape(4, 3)
    step.run(x)
    np.testing.assert_array_equal(b.grad.data, x.sum(axis=0, keepdims=True))
