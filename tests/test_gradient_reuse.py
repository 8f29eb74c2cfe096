"""The backward pass reuses gradient arrays only it holds; nothing anyone else holds changes.

run_backward adds into its own gradient buffers in place, lets ReLU write its gradient into
an upstream array only the loop holds, and keeps such an array as a leaf's .grad without a
copy. These tests pin down that no .grad, no tensor kept by retain_grad() and no gradient
returned by tl.grad is ever written over or shared.
"""

import numpy as np

import tinygrad_lite as tl


def test_relu_in_place_leaves_retained_gradients_alone():
    rng = np.random.default_rng(0)
    w = tl.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    h = tl.Tensor(rng.standard_normal((2, 3))) @ w
    h.retain_grad()
    r = h.relu()
    r.retain_grad()
    (r * 2.0).sum().backward()
    np.testing.assert_array_equal(r.grad.data, np.full((2, 4), 2.0))
    np.testing.assert_array_equal(h.grad.data, 2.0 * (h.data > 0))
    assert not np.shares_memory(h.grad.data, r.grad.data)


def test_gradients_returned_by_grad_are_not_written_over():
    u = tl.Tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True)
    v = u * 3.0
    gv, gu = tl.grad(v.relu().sum(), [v, u])
    np.testing.assert_array_equal(gv.data, [1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(gu.data, [3.0, 0.0, 3.0, 3.0])
    assert not np.shares_memory(gv.data, gu.data)


def test_fan_out_sums_in_place_and_leaves_get_unshared_arrays():
    a = tl.Tensor([0.5, -1.0, 2.0], requires_grad=True)
    b = tl.Tensor([1.5, 2.0, -0.5], requires_grad=True)
    y = (a * a).exp() + (a * b).relu() + a.relu()  # a feeds four ops
    y.sum().backward()
    expected_a = 2 * a.data * np.exp(a.data**2) + b.data * (a.data * b.data > 0) + (a.data > 0)
    np.testing.assert_allclose(a.grad.data, expected_a, rtol=1e-6)
    np.testing.assert_allclose(b.grad.data, a.data * (a.data * b.data > 0), rtol=1e-6)
    assert not np.shares_memory(a.grad.data, b.grad.data)


def test_a_second_backward_adds_to_grad_without_touching_the_first_array():
    w = tl.Tensor([[1.0, -1.0], [2.0, 0.5]], requires_grad=True)
    x = tl.Tensor([[1.0, 2.0]])
    (x @ w).relu().sum().backward()
    first = w.grad.data
    kept = first.copy()
    (x @ w).relu().sum().backward()
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_array_equal(w.grad.data, 2 * kept)


def test_broadcast_gradients_never_alias_the_gradient_handed_to_the_other_input():
    # Add hands one upstream array to both inputs. A bias broadcast over a batch of one gets
    # that array summed over a length-1 axis; the result must be an array of its own, or a
    # later in-place fan-in sum into the bias gradient would change the other input's too.
    # (b * x) comes first in the sum so that the backward reaches the Add before it, and b
    # comes first in the product so that its in-place sum happens before x adds its part.
    rng = np.random.default_rng(0)
    for batch in (1, 3):
        x_values = rng.standard_normal((batch, 3))
        b_values = np.array([0.5, -1.0, 2.0])
        x = tl.Tensor(x_values, requires_grad=True)
        b = tl.Tensor(b_values, requires_grad=True)
        y = x + b
        loss = (b * x).sum() + (y * y).sum()
        loss.backward()
        np.testing.assert_allclose(x.grad.data, b_values + 2 * (x_values + b_values))
        expected_b = (x_values + 2 * (x_values + b_values)).sum(axis=0)
        np.testing.assert_allclose(b.grad.data, expected_b)
        assert not np.shares_memory(x.grad.data, b.grad.data)
