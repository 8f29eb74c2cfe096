"""reduction="none" on every loss, and the negative log-likelihood losses: binary cross-entropy
(from probabilities and from logits) and NLL. Values against formulas written out here,
gradients against float64 central differences with a random upstream gradient, second order
where smooth, stability, float32 kept float32, and clear errors."""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn
from tinygrad_lite.nn import functional as F

values = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@st.composite
def scores_and_indices(draw):
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    scores = draw(hnp.arrays(np.float64, (n, c), elements=values))
    return scores, draw(hnp.arrays(np.int64, n, elements=st.integers(0, c - 1)))


def upstream(shape, seed=0):
    """A random upstream gradient: an all-ones one would hide a backward that permutes."""
    return Tensor(np.random.default_rng(seed).normal(size=shape))


def reduce(per_sample, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](per_sample)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---------------------------------------------------------------- reduction="none"


@settings(max_examples=30)
@given(case=scores_and_indices())
def test_cross_entropy_none_gives_each_samples_loss_and_its_gradient(case):
    scores, y = case
    log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    losses = F.cross_entropy(Tensor(scores), y, reduction="none")
    assert losses.grad_fn is None or losses.grad_fn.name == "CrossEntropy"
    np.testing.assert_allclose(losses.data, -log_p[np.arange(len(y)), y], rtol=1e-12)
    g = upstream(len(y))
    assert tl.gradcheck(lambda s: (F.cross_entropy(s, y, reduction="none") * g).sum(), scores)
    rows = np.eye(scores.shape[1])[y]  # the same through the one-hot path
    assert tl.gradcheck(lambda s: (F.cross_entropy(s, rows, reduction="none") * g).sum(), scores)


def test_cross_entropy_none_is_still_one_fused_node_with_a_second_derivative():
    rng = np.random.default_rng(3)
    scores, y, g = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2]), upstream(4, seed=3)
    loss = F.cross_entropy(Tensor(scores, requires_grad=True), y, reduction="none")
    assert loss.grad_fn.name == "CrossEntropy"
    assert tl.gradgradcheck(lambda s: (F.cross_entropy(s, y, reduction="none") * g).sum(), scores)


@pytest.mark.parametrize("loss", [F.svm_loss, F.multi_margin_loss, F.cross_entropy])
def test_none_sums_and_averages_to_the_other_reductions(loss):
    rng = np.random.default_rng(1)
    scores, y = Tensor(rng.normal(size=(5, 4))), rng.integers(0, 4, 5)
    per_sample = loss(scores, y, reduction="none")
    assert per_sample.shape == (5,)
    np.testing.assert_allclose(per_sample.data.sum(), loss(scores, y, reduction="sum").item())
    np.testing.assert_allclose(per_sample.data.mean(), loss(scores, y).item())


@settings(max_examples=30)
@given(data=st.data(), shape=shapes)
def test_mse_none_keeps_every_squared_error(data, shape):
    pred = data.draw(hnp.arrays(np.float64, shape, elements=values))
    target = data.draw(hnp.arrays(np.float64, shape, elements=values))
    out = F.mse_loss(Tensor(pred), target, reduction="none")
    np.testing.assert_allclose(out.data, (pred - target) ** 2, rtol=1e-12)
    g = upstream(shape)
    assert tl.gradcheck(lambda p: (F.mse_loss(p, target, reduction="none") * g).sum(), pred)


@pytest.mark.parametrize(
    "module", [nn.MSELoss, nn.CrossEntropyLoss, nn.SVMLoss, nn.MultiMarginLoss, nn.BCELoss,
               nn.BCEWithLogitsLoss, nn.NLLLoss],
)  # fmt: skip
def test_every_loss_module_takes_reduction_none(module):
    assert repr(module(reduction="none")).endswith("reduction='none')")


# ---------------------------------------------------------------- BCE with logits


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@settings(max_examples=30)
@given(data=st.data(), shape=shapes)
def test_bce_with_logits_value_and_gradient(data, shape, reduction):
    z = data.draw(hnp.arrays(np.float64, shape, elements=values))
    t = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0)))
    p = sigmoid(z)
    expected = reduce(-(t * np.log(p) + (1 - t) * np.log(1 - p)), reduction)
    out = F.binary_cross_entropy_with_logits(Tensor(z), t, reduction=reduction)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    g = upstream(out.shape)
    f = lambda x: (F.binary_cross_entropy_with_logits(x, t, reduction=reduction) * g).sum()
    assert tl.gradcheck(f, z)
    assert tl.gradgradcheck(f, z)


def test_bce_with_logits_is_one_node_whose_gradient_is_sigmoid_minus_target():
    z = Tensor([[2.0, -1.0], [0.5, 3.0]], requires_grad=True)
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss = nn.BCEWithLogitsLoss()(z, t)
    assert loss.grad_fn.name == "BCEWithLogits"
    assert loss.grad_fn.inputs[0] is z
    loss.backward()
    np.testing.assert_allclose(z.grad.data, (sigmoid(z.data) - t) / 4, rtol=1e-12)
    assert loss.grad_fn.probs is None  # the saved sigmoid is freed with the graph


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_stable_for_huge_logits(dtype):
    z = Tensor(np.array([1e4, -1e4, 800.0, -800.0], dtype=dtype), requires_grad=True)
    t = np.array([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    # wrong side by 1e4 costs 1e4; right side by 800 costs log(1 + e^-800), 0 in floating point
    np.testing.assert_array_equal(loss.data, np.array([1e4, 1e4, 0.0, 0.0], dtype=dtype))
    assert loss.dtype == dtype
    (loss * Tensor(np.ones(4, dtype))).sum().backward()
    np.testing.assert_array_equal(z.grad.data, [1.0, -1.0, 0.0, 0.0])
    assert z.grad.dtype == dtype


# ---------------------------------------------------------------- BCE from probabilities


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@settings(max_examples=30)
@given(data=st.data(), shape=shapes)
def test_bce_value_and_gradient(data, shape, reduction):
    p = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.05, 0.95)))
    t = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0)))
    expected = reduce(-(t * np.log(p) + (1 - t) * np.log(1 - p)), reduction)
    out = F.binary_cross_entropy(Tensor(p), t, reduction=reduction)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    g = upstream(out.shape)
    f = lambda x: (F.binary_cross_entropy(x, t, reduction=reduction) * g).sum()
    assert tl.gradcheck(f, p)
    assert tl.gradgradcheck(f, p)


def test_bce_floors_each_log_at_minus_100_as_pytorch():
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0], np.float32), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([1, 0, 0, 1]), reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    assert loss.dtype == np.float32
    loss.sum().backward()
    assert np.isfinite(p.grad.data).all()


def test_bce_of_sigmoid_equals_bce_with_logits():
    z = np.random.default_rng(2).normal(size=(6, 1))
    t = (z > 0.3).astype(np.float64)
    a = F.binary_cross_entropy(Tensor(z).sigmoid(), t).item()
    b = F.binary_cross_entropy_with_logits(Tensor(z), t).item()
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert nn.BCELoss(reduction="sum")(Tensor(z).sigmoid(), t).item() == pytest.approx(b * 6)


def test_binary_targets_are_copied_constants():
    t = np.array([1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(Tensor([0.5, -0.5], requires_grad=True), t)
    target = loss.grad_fn.inputs[1]
    assert target.name == "targets"
    assert not target.requires_grad
    t[:] = 0.5  # refilling the caller's array does not change what backward reads
    np.testing.assert_array_equal(target.data, [1.0, 0.0])


@pytest.mark.parametrize(
    "loss", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits]
)  # fmt: skip
@pytest.mark.parametrize(
    ("targets", "error", "message"),
    [
        (np.array([1.0, 0.0, 1.0]), ValueError, r"targets have shape \(3,\) .* shape \(2,\)"),
        (np.array([2.0, 0.0]), ValueError, r"targets must lie in \[0, 1\] .* from 0\.0 to 2\.0"),
        (np.array(["a", "b"]), TypeError, r"targets must be numbers"),
        (Tensor([1.0, 0.0], requires_grad=True), ValueError, r"targets are constants"),
    ],
)  # fmt: skip
def test_bad_binary_targets_get_clear_errors(loss, targets, error, message):
    with pytest.raises(error, match=rf"{loss.__name__}: {message}"):
        loss(Tensor([0.5, 0.5]), targets)


def test_bce_refuses_values_that_are_not_probabilities():
    with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\], got values from -1\.0 "
                                         r"to 0\.5; .*binary_cross_entropy_with_logits"):  # fmt: skip
        F.binary_cross_entropy(Tensor([-1.0, 0.5]), np.array([0.0, 1.0]))


# ---------------------------------------------------------------- NLL


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@settings(max_examples=30)
@given(case=scores_and_indices())
def test_nll_of_log_softmax_is_cross_entropy(case, reduction):
    scores, y = case
    nll = F.nll_loss(Tensor(scores).log_softmax(axis=1), y, reduction=reduction)
    ce = F.cross_entropy(Tensor(scores), y, reduction=reduction)
    np.testing.assert_allclose(nll.data, ce.data, rtol=1e-10, atol=1e-12)
    g = upstream(nll.shape)
    assert tl.gradcheck(lambda lp: (F.nll_loss(lp, y, reduction=reduction) * g).sum(), scores)


def test_nll_gradient_is_minus_one_over_n_at_the_labels():
    lp = Tensor(np.zeros((2, 3)), requires_grad=True)
    nn.NLLLoss()(lp, np.array([2, 0])).backward()
    np.testing.assert_array_equal(lp.grad.data, [[0, 0, -0.5], [-0.5, 0, 0]])


def test_nll_errors_name_the_function_and_the_shape():
    with pytest.raises(ValueError, match=r"nll_loss: log_probs must have shape \(N, C\) .* "
                                         r"got shape \(3,\); pass log_softmax"):  # fmt: skip
        F.nll_loss(Tensor.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"nll_loss: class index 5 out of range for 3 classes"):
        F.nll_loss(Tensor.zeros(1, 3), np.array([5]))
