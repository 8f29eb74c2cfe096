"""Losses: values against formulas written out here, gradients against float64 central
differences (both label forms, both reductions), stability, and clear errors."""

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn
from tinygrad_lite.nn import functional as F

# ---------------------------------------------------------------- strategies and references

values = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)


@st.composite
def scores_and_labels(draw, form="indices"):
    """Float64 scores (N, C) with labels as indices (N,), one-hot rows or probability rows."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    scores = draw(hnp.arrays(np.float64, (n, c), elements=values))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, c - 1)))
    if form == "indices":
        return scores, y
    if form == "one-hot":
        return scores, np.eye(c)[y]
    weights = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(0.01, 1.0)))
    return scores, weights / weights.sum(axis=1, keepdims=True)


def reference_cross_entropy(scores, target, reduction):
    """-sum(t * log softmax(s)) per row, written with NumPy."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    per_sample = -(target * log_probs).sum(axis=1)
    return per_sample.mean() if reduction == "mean" else per_sample.sum()


def reference_multi_margin(x, y, margin, reduction):
    """PyTorch's MultiMarginLoss (p=1, no weight), one sample at a time:
    loss(x, y) = sum_{i != y} max(0, margin - x[y] + x[i]) / x.size(0)."""
    losses = []
    for row, label in zip(x, y, strict=True):
        total = sum(max(0.0, margin - row[label] + row[i]) for i in range(len(row)) if i != label)
        losses.append(total / len(row))
    return np.mean(losses) if reduction == "mean" else np.sum(losses)


def one_hot(y, c):
    return np.eye(c)[y]


LABEL_FORMS = ["indices", "one-hot", "probabilities"]
REDUCTIONS = ["mean", "sum"]

# ---------------------------------------------------------------- cross-entropy


@pytest.mark.parametrize("form", LABEL_FORMS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=40)
@given(data=st.data())
def test_cross_entropy_value_and_gradient(data, form, reduction):
    scores, labels = data.draw(scores_and_labels(form))
    target = labels if labels.ndim == 2 else one_hot(labels, scores.shape[1])
    loss = F.cross_entropy(Tensor(scores), labels, reduction=reduction)
    expected = reference_cross_entropy(scores, target, reduction)
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12, atol=1e-12)
    assert tl.gradcheck(lambda s: F.cross_entropy(s, labels, reduction=reduction), scores)


def test_cross_entropy_is_one_fused_node():
    scores = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(scores, np.array([1]))
    assert loss.grad_fn.name == "CrossEntropy"
    assert loss.grad_fn.inputs[0] is scores
    labels = loss.grad_fn.inputs[1]  # a constant input: where the labels enter the graph
    assert not labels.requires_grad
    np.testing.assert_array_equal(labels.data, [1])
    assert loss.grad_fn.scope == ("CrossEntropyLoss",)
    assert "softmax" in loss.grad_fn.describe_local()


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    scores = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    s = Tensor(scores, requires_grad=True)
    F.cross_entropy(s, np.array([2, 0])).backward()
    softmax = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(s.grad.data, (softmax - one_hot([2, 0], 3)) / 2, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_for_huge_scores(dtype):
    # Overflow in exp would warn, and the test configuration turns warnings into errors.
    s = Tensor(np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], dtype=dtype), requires_grad=True)
    loss = F.cross_entropy(s, np.array([1, 2]), reduction="sum")
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss.item(), 1e4 + math.log(2), rtol=1e-6)
    loss.backward()
    expected = np.array([[1.0, -1.0, 0.0], [0.0, 0.5, -0.5]])
    np.testing.assert_allclose(s.grad.data, expected, atol=1e-6)


@pytest.mark.parametrize("form", LABEL_FORMS)
@settings(max_examples=20)
@given(data=st.data())
def test_cross_entropy_scaled_upstream_gradient(data, form):
    # The index form writes (softmax - onehot) * grad / N without a one-hot array: an
    # upstream gradient other than 1 must scale every entry, the label's included.
    scores, labels = data.draw(scores_and_labels(form))
    assert tl.gradcheck(lambda s: -2.5 * F.cross_entropy(s, labels), scores)


@pytest.mark.parametrize("labels", [np.array([2, 0]), np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])])
def test_cross_entropy_keeps_its_own_copy_of_the_labels(labels):
    # A training loop may refill one label buffer per batch before calling backward.
    s = Tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True)
    F.cross_entropy(s, labels).backward()
    expected = s.grad.data.copy()
    s.zero_grad()
    loss = F.cross_entropy(s, labels)
    labels[...] = labels[::-1].copy()
    loss.backward()
    np.testing.assert_array_equal(s.grad.data, expected)


@settings(max_examples=60)
@given(
    dtype=st.sampled_from([np.float32, np.float64]),
    n=st.integers(1, 80),
    c=st.integers(1, 80),
    data=st.data(),
)
def test_row_max_and_row_sum_equal_numpys_reductions(dtype, n, c, data):
    # cross_entropy's forward takes these routes to the row max and row sums for speed
    # (a transposed copy for tall narrow scores, BLAS for the sums): same max, same sums up
    # to rounding, on both sides of every shape threshold.
    a = data.draw(hnp.arrays(dtype, (n, c), elements=st.floats(-1e3, 1e3, width=32)))
    np.testing.assert_array_equal(F._row_max(a), a.max(axis=1, keepdims=True))
    sums = F._row_sum(a)
    assert sums.shape == (n, 1)
    assert sums.dtype == dtype
    # Two summations of c numbers in different orders differ by at most the rounding of
    # each: 2 * c * eps * sum |a| per row.
    bound = 2 * c * np.finfo(dtype).eps * np.abs(a).sum(axis=1, keepdims=True)
    assert np.all(np.abs(sums - a.sum(axis=1, keepdims=True)) <= bound)


def test_row_max_keeps_nan_and_infinity():
    a = np.array([[1.0, np.nan, 0.0], [np.inf, 1.0, 2.0], [-np.inf, -np.inf, -1.0], [0, 0, 0]])
    np.testing.assert_array_equal(F._row_max(a), a.max(axis=1, keepdims=True))


@pytest.mark.parametrize("shape", [(64, 40), (3, 40), (100, 10), (1, 7), (7, 7)])
def test_cross_entropy_value_for_tall_wide_and_square_scores(shape):
    rng = np.random.default_rng(0)
    scores = rng.standard_normal(shape) * 3
    labels = rng.integers(0, shape[1], shape[0])
    loss = F.cross_entropy(Tensor(scores), labels)
    expected = reference_cross_entropy(scores, one_hot(labels, shape[1]), "mean")
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)


def test_cross_entropy_of_uniform_scores_is_ln_c():
    for c in (2, 3, 10):
        loss = F.cross_entropy(Tensor(np.zeros((4, c))), np.arange(4) % c)
        np.testing.assert_allclose(loss.item(), math.log(c), rtol=1e-12)


def test_cross_entropy_second_derivative():
    # Hessian of the mean loss with respect to row i of the scores: (diag(p_i) - p_i p_i^T) / N.
    rng = np.random.default_rng(0)
    scores, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    s = Tensor(scores, requires_grad=True)
    F.cross_entropy(s, np.array([0, 3, 1])).backward(create_graph=True)
    grad = s.grad
    s.grad = None
    (grad * Tensor(v)).sum().backward()
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    hvp = [(np.diag(pi) - np.outer(pi, pi)) @ vi / 3 for pi, vi in zip(p, v, strict=True)]
    np.testing.assert_allclose(s.grad.data, np.array(hvp), rtol=1e-10, atol=1e-12)


def test_cross_entropy_frees_its_saved_softmax_after_backward():
    s = Tensor([[1.0, 2.0]], requires_grad=True)
    loss = F.cross_entropy(s, np.array([0]))
    loss.backward()
    assert loss.grad_fn.probs is None
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_cross_entropy_accepts_label_tensors_and_integer_one_hot():
    s = Tensor([[0.5, 1.5], [2.0, -1.0]])
    expected = F.cross_entropy(s, np.array([1, 0])).item()
    assert F.cross_entropy(s, Tensor([1, 0])).item() == expected
    assert F.cross_entropy(s, [1, 0]).item() == expected
    assert F.cross_entropy(s, np.array([[0, 1], [1, 0]])).item() == pytest.approx(expected)


def test_cross_entropy_copies_label_arrays_and_takes_label_tensors_as_inputs():
    s = Tensor([[0.5, 1.5], [2.0, -1.0]], requires_grad=True)
    labels = np.array([1, 0])
    loss = F.cross_entropy(s, labels)
    labels[:] = [0, 0]  # refilled for the next batch before backward: the loss kept its copy
    loss.backward()
    reference = Tensor(s.data, requires_grad=True)
    F.cross_entropy(reference, np.array([1, 0])).backward()
    np.testing.assert_array_equal(s.grad.data, reference.grad.data)

    y = Tensor([1, 0])
    assert F.cross_entropy(s, y).grad_fn.inputs[1] is y  # the Tensor itself is the input
    rows = Tensor(np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32))
    loss32 = F.cross_entropy(Tensor(s.data.astype(np.float32), requires_grad=True), rows)
    assert loss32.grad_fn.inputs[1] is rows
    for other in (np.float64, np.int64):  # rows of another dtype: float32 stays float32
        rows = Tensor(np.array([[0, 1], [1, 0]], dtype=other))
        scores32 = Tensor(s.data.astype(np.float32), requires_grad=True)
        loss32 = F.cross_entropy(scores32, rows)
        assert loss32.grad_fn.inputs[1] is rows
        assert loss32.dtype == np.float32
        loss32.backward()
        assert scores32.grad.dtype == np.float32
        assert loss32.item() == pytest.approx(F.cross_entropy(s, np.array([1, 0])).item())


# ---------------------------------------------------------------- SVM and multi-margin


def test_svm_loss_by_hand():
    # CS231n's example: scores of three images (rows) for cat, car, frog (columns).
    scores = Tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]], requires_grad=True)
    labels = np.array([0, 1, 2])
    # cat: max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9
    # car: max(0, 1.3 - 4.9 + 1) + max(0, 2.0 - 4.9 + 1) = 0
    # frog: max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6 = 12.9
    assert F.svm_loss(scores, labels, reduction="sum").item() == pytest.approx(15.8, rel=1e-6)
    loss = nn.SVMLoss()(scores, labels)
    assert loss.item() == pytest.approx(15.8 / 3, rel=1e-6)
    loss.backward()
    # d/ds_j = 1 for each j with a positive margin, d/ds_y = -(their count); then / 3.
    expected = np.array([[-1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -2.0]]) / 3
    np.testing.assert_allclose(scores.grad.data, expected, rtol=1e-6)


def test_svm_margin_is_a_parameter():
    scores = Tensor([[0.0, 0.5]])
    assert F.svm_loss(scores, np.array([0]), margin=0.0).item() == pytest.approx(0.5)
    assert nn.SVMLoss(margin=2.0)(scores, np.array([0])).item() == pytest.approx(2.5)


def _away_from_hinge(scores, labels, margin):
    """True when no margin s_j - s_y + margin lies within 1e-4 of the hinge."""
    y = labels if labels.ndim == 1 else labels.argmax(axis=1)
    margins = scores - scores[np.arange(len(y)), y][:, None] + margin
    margins[np.arange(len(y)), y] = 1.0
    return np.abs(margins).min() > 1e-4


@pytest.mark.parametrize("form", ["indices", "one-hot"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=40)
@given(data=st.data(), margin=st.sampled_from([0.5, 1.0, 2.0]))
def test_hinge_losses_value_and_gradient(data, form, reduction, margin):
    scores, labels = data.draw(scores_and_labels(form))
    assume(_away_from_hinge(scores, labels, margin))
    y = labels if labels.ndim == 1 else labels.argmax(axis=1)
    expected = reference_multi_margin(scores, y, margin, reduction)
    c = scores.shape[1]
    multi = F.multi_margin_loss(Tensor(scores), labels, margin=margin, reduction=reduction)
    svm = F.svm_loss(Tensor(scores), labels, margin=margin, reduction=reduction)
    np.testing.assert_allclose(multi.item(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(svm.item(), expected * c, rtol=1e-12, atol=1e-12)
    for fn in (F.svm_loss, F.multi_margin_loss):
        assert tl.gradcheck(lambda s, fn=fn: fn(s, labels, margin, reduction), scores)


def test_loss_modules_equal_the_functions():
    rng = np.random.default_rng(1)
    scores, labels = Tensor(rng.normal(size=(6, 4))), rng.integers(0, 4, 6)
    pairs = [
        (nn.CrossEntropyLoss(reduction="sum"), F.cross_entropy(scores, labels, "sum")),
        (nn.SVMLoss(), F.svm_loss(scores, labels)),
        (nn.MultiMarginLoss(margin=0.5), F.multi_margin_loss(scores, labels, margin=0.5)),
    ]
    for module, value in pairs:
        assert module(scores, labels).item() == value.item()
    target = rng.normal(size=(6, 4))
    assert nn.MSELoss()(scores, target).item() == F.mse_loss(scores, target).item()
    assert repr(nn.MultiMarginLoss()) == "MultiMarginLoss(margin=1.0, reduction='mean')"


# ---------------------------------------------------------------- MSE


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=40)
@given(
    shapes=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    data=st.data(),
)
def test_mse_value_and_gradient_for_both_arguments(shapes, data, reduction):
    pred = data.draw(hnp.arrays(np.float64, shapes, elements=values))
    target = data.draw(hnp.arrays(np.float64, shapes, elements=values))
    squared = (pred - target) ** 2
    expected = squared.mean() if reduction == "mean" else squared.sum()
    np.testing.assert_allclose(
        F.mse_loss(Tensor(pred), target, reduction).item(), expected, rtol=1e-12, atol=1e-12
    )
    assert tl.gradcheck(lambda p, t: F.mse_loss(p, t, reduction), pred, target)


def test_mse_takes_the_prediction_dtype_for_an_array_target():
    pred = Tensor([[1.0], [2.0]])
    loss = F.mse_loss(pred, np.array([[0.0], [0.0]]))  # a float64 target
    assert loss.dtype == np.float32
    assert loss.item() == pytest.approx(2.5)


def test_mse_refuses_to_broadcast():
    with pytest.raises(ValueError, match=r"pred has shape \(3, 1\) but target has shape \(3,\)"):
        F.mse_loss(Tensor.zeros(3, 1), np.zeros(3))


# ---------------------------------------------------------------- the L2 penalty


@given(
    shapes=st.lists(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), min_size=1,
                    max_size=3),
    alpha=st.floats(0.0, 5.0),
    upstream=values,
    data=st.data(),
)  # fmt: skip
def test_l2_penalty_value_and_gradient_match_the_written_out_form(shapes, alpha, upstream, data):
    arrays = [data.draw(hnp.arrays(np.float64, shape, elements=values)) for shape in shapes]
    wants = [data.draw(st.booleans()) for _ in arrays]
    wants[0] = True  # at least one input needs a gradient, so the op is recorded
    params = [Tensor(a, requires_grad=want) for a, want in zip(arrays, wants, strict=True)]
    penalty = F.l2_penalty(params, alpha=alpha)
    assert penalty.grad_fn.name == "L2Penalty"
    assert penalty.shape == ()
    np.testing.assert_allclose(penalty.item(), alpha * sum((a * a).sum() for a in arrays),
                               rtol=1e-12, atol=1e-12)  # fmt: skip
    penalty.backward(np.array(upstream))
    expected = tl.numerical_grad(
        lambda *ps: upstream * alpha * sum((p * p).sum() for p in ps), *arrays
    )
    for p, want, g in zip(params, wants, expected, strict=True):
        if want:
            np.testing.assert_allclose(p.grad.data, g, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(p.grad.data, 2 * alpha * upstream * p.data, rtol=1e-12)
        else:
            assert p.grad is None


def test_l2_penalty_is_one_node_with_the_gradients_of_the_written_out_sum():
    model = nn.MLP([3, 4, 2])
    params = model.parameters()
    F.l2_penalty(params, alpha=0.01).backward()
    fused = [p.grad.data.copy() for p in params]
    model.zero_grad()
    (0.01 * sum((p * p).sum() for p in params)).backward()
    for g, p in zip(fused, params, strict=True):
        np.testing.assert_allclose(g, p.grad.data, rtol=1e-6)


def test_l2_penalty_keeps_float32_and_counts_a_repeated_tensor_twice():
    p = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    penalty = F.l2_penalty([p, p], alpha=0.5)  # as writing (p*p).sum() twice
    assert "2 * alpha * p" in str(tl.trace_backward(penalty))
    p.grad = None
    assert penalty.dtype == np.float32
    assert penalty.item() == 5.0
    penalty.backward()
    assert p.grad.dtype == np.float32
    np.testing.assert_array_equal(p.grad.data, [2.0, -4.0])  # 2 * (2 * 0.5 * p)


# ---------------------------------------------------------------- errors

SCORE_LOSSES = [F.cross_entropy, F.svm_loss, F.multi_margin_loss]


@pytest.mark.parametrize("loss", SCORE_LOSSES)
@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array([0, 3]), ValueError, r"class index 3 out of range for 3 classes"),
        (np.array([-1, 0]), ValueError, r"class index -1 out of range"),
        (np.array([0.0, 1.0]), TypeError, r"must be integer class indices, got dtype float64"),
        (np.array([True, False]), TypeError, r"labels must be numbers, got dtype bool"),
        (np.array([0, 1, 2]), ValueError, r"labels must have shape \(2,\) .* got shape \(3,\)"),
        (np.array([[0.5, 0.2, 0.2]] * 2), ValueError, r"each row summing to 1"),
        (np.array([["a", "b"]]), TypeError, r"labels must be numbers"),
    ],
)
def test_bad_labels_get_clear_errors(loss, labels, error, message):
    with pytest.raises(error, match=message):
        loss(Tensor.zeros(2, 3), labels)


@pytest.mark.parametrize("loss", SCORE_LOSSES)
def test_bad_scores_and_reductions_get_clear_errors(loss):
    name = loss.__name__
    with pytest.raises(ValueError, match=rf"{name}: scores must have shape \(N, C\)"):
        loss(Tensor.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match=rf"{name}: scores must be a Tensor, got ndarray"):
        loss(np.zeros((1, 2)), np.array([0]))
    with pytest.raises(ValueError, match=rf"{name}: reduction must be 'mean', 'sum' or 'none'"):
        loss(Tensor.zeros(1, 2), np.array([0]), reduction="average")
    with pytest.raises(ValueError, match="labels are constants"):
        loss(Tensor.zeros(1, 2), Tensor([[0.0, 1.0]], requires_grad=True))


def test_hinge_losses_want_one_hot_rows_not_probabilities():
    with pytest.raises(ValueError, match="svm_loss: label rows must be one-hot"):
        F.svm_loss(Tensor.zeros(1, 2), np.array([[0.5, 0.5]]))


@pytest.mark.parametrize("module", [nn.MSELoss, nn.CrossEntropyLoss, nn.SVMLoss])
def test_loss_modules_check_the_reduction_when_built(module):
    with pytest.raises(ValueError, match=rf"{module.__name__}: reduction must be"):
        module(reduction="average")
