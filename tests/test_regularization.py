"""Buffers, train/eval mode, Dropout and BatchNorm1d.

Dropout: reproducible under manual_seed, inverted scaling, identity in eval, the mask drawn as
a constant input. BatchNorm1d: the running statistics against the formulas written out here
in NumPy, batch statistics in training and running ones in eval, gradients (first and second
order) against float64 central differences, buffers in state dicts and in checkpoints.
"""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn
from tinygrad_lite.nn import functional as F


class Counter(nn.Module):
    """A module with one parameter and one buffer."""

    def __init__(self):
        super().__init__()
        self.scale = Tensor.ones(2, requires_grad=True)
        self.register_buffer("seen", Tensor.zeros(2))

    def forward(self, x):
        self.seen.data[...] += 1
        return x * self.scale


# ---------------------------------------------------------------- buffers


def test_buffers_are_in_the_state_dict_but_not_in_the_parameters():
    net = nn.Sequential(nn.Linear(2, 2), Counter())
    assert [name for name, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.scale"]
    assert [name for name, _ in net.named_buffers()] == ["1.seen"]
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.scale", "1.seen"]
    assert net[1].seen.name == "1.seen"
    assert not net[1].seen.requires_grad


def test_reassigning_a_buffer_keeps_it_a_buffer():
    m = Counter()
    m.seen = Tensor([5.0, 6.0])
    assert [name for name, _ in m.named_parameters()] == ["scale"]
    np.testing.assert_array_equal(m.state_dict()["seen"], [5.0, 6.0])
    m.seen = None  # a buffer set to None is left out of the state
    assert "seen" not in m.state_dict()


def test_load_state_dict_restores_buffers_and_checks_them_all_or_nothing():
    a, b = Counter(), Counter()
    a(Tensor.ones(2))
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.seen.data, [1.0, 1.0])
    state = a.state_dict()
    state["seen"] = np.zeros(3, np.float32)
    state["scale"] = np.full(2, 7.0, np.float32)
    with pytest.raises(ValueError, match=r"nothing was loaded.*seen: shape \(3,\) in the state, "):
        b.load_state_dict(state)
    np.testing.assert_array_equal(b.scale.data, [1.0, 1.0])  # the good key was not loaded
    del state["seen"]
    with pytest.raises(ValueError, match="missing keys: seen"):
        b.load_state_dict(state)


@pytest.mark.parametrize(
    ("name", "value", "error", "match"),
    [
        ("forward", Tensor.zeros(1), KeyError, "'forward' is already an attribute"),
        ("scale", Tensor.zeros(1), KeyError, "'scale' is already an attribute"),
        ("a.b", Tensor.zeros(1), ValueError, r"name must be a Python identifier \(no dots"),
        (3, Tensor.zeros(1), TypeError, "name must be a str"),
        (
            "extra",
            np.zeros(2),
            TypeError,
            r"buffer .extra. must be a Tensor or None, got ndarray; .*Tensor\(",
        ),
        (
            "extra",
            Tensor.zeros(2, requires_grad=True),
            ValueError,
            r"buffer .extra. requires grad.*detach",
        ),
    ],
)
def test_bad_buffers_get_clear_errors(name, value, error, match):
    m = Counter()
    with pytest.raises(error, match=f"Counter.register_buffer: {match}"):
        m.register_buffer(name, value)


def test_batchnorm_running_stats_survive_a_checkpoint_file(tmp_path):
    tl.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    for _ in range(3):
        net(Tensor.randn(8, 3))
    tl.save_checkpoint(tmp_path / "bn.npz", net)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    tl.load_checkpoint(tmp_path / "bn.npz", fresh)
    for (name, a), b in zip(net.state_dict().items(), fresh.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert int(fresh[1].num_batches_tracked.data) == 3
    x = Tensor.randn(5, 3)
    np.testing.assert_array_equal(net.eval()(x).data, fresh.eval()(x).data)


# ---------------------------------------------------------------- train / eval


def test_train_and_eval_return_the_module_and_reach_nested_layers():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert net.eval() is net
    assert not net[1][0].training
    assert not net[1][1].training
    assert net.train() is net
    assert net[1][1].training


# ---------------------------------------------------------------- Dropout


def test_dropout_is_reproducible_under_manual_seed():
    x = Tensor.ones(50, 20)
    tl.manual_seed(3)
    a = nn.Dropout(0.3)(x).data
    tl.manual_seed(3)
    b = nn.Dropout(0.3)(x).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, nn.Dropout(0.3)(x).data)  # the next draw differs


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_drops_a_fraction_p_and_scales_the_rest(p):
    tl.manual_seed(0)
    x = Tensor(np.full((200, 100), 2.0, np.float32))
    y = F.dropout(x, p)
    assert y.dtype == np.float32
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 2.0 / (1 - p), rtol=1e-6)
    assert abs((1 - kept.mean()) - p) < 0.02  # 20000 draws: the std of the fraction is < 0.004
    assert abs(y.data.mean() - 2.0) < 0.1  # inverted dropout keeps the expected value


def test_dropout_in_eval_mode_and_at_p_0_passes_the_input_through():
    x = Tensor.randn(4, 3)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_with_p_1_drops_everything():
    x = Tensor.randn(4, 3, requires_grad=True)
    F.dropout(x, 1.0).sum().backward()
    assert not F.dropout(x, 1.0).data.any()
    assert not x.grad.data.any()


@settings(max_examples=30)
@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=st.floats(-3, 3)),
    p=st.sampled_from([0.2, 0.5, 0.7]),
    seed=st.integers(0, 1000),
)
def test_dropout_gradient_is_the_upstream_gradient_times_the_mask(x, p, seed):
    g = Tensor(np.random.default_rng(seed).normal(size=x.shape))

    def f(t):
        tl.manual_seed(seed)  # the same mask on every evaluation
        return (F.dropout(t, p) * g).sum()

    assert tl.gradcheck(f, x)


def test_the_dropout_mask_is_a_constant_input_in_the_graph():
    x = Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    y = F.dropout(x, 0.5)
    assert y.grad_fn.name == "Mul"
    mask = y.grad_fn.inputs[1]
    assert mask.name == "dropout mask"
    assert not mask.requires_grad
    source = tl.draw_graph(y.sum()).source
    assert "dropout mask" in source


@pytest.mark.parametrize(
    ("p", "error", "match"),
    [
        (1.5, ValueError, r"is the probability .* must be in \[0, 1\], got 1.5"),
        ("0.5", TypeError, "must be a number"),
    ],
)
def test_bad_dropout_probability_is_a_clear_error(p, error, match):
    with pytest.raises(error, match=f"Dropout: p {match}"):
        nn.Dropout(p)
    with pytest.raises(error, match=f"dropout: p {match}"):
        F.dropout(Tensor.ones(2), p)


# ---------------------------------------------------------------- BatchNorm1d


def batchnorm_by_hand(batches, momentum=0.1, eps=1e-5):
    """The outputs in training and the running statistics, with NumPy, as PyTorch defines them."""
    c = batches[0].shape[1]
    running_mean, running_var, outputs = np.zeros(c), np.ones(c), []
    for x in batches:
        n = len(x)
        mean, var = x.mean(axis=0), x.var(axis=0)  # biased variance normalizes the batch
        outputs.append((x - mean) / np.sqrt(var + eps))
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)  # unbiased
    return outputs, running_mean, running_var


@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batchnorm_running_statistics_follow_the_formulas(momentum):
    rng = np.random.default_rng(0)
    batches = [rng.normal(3.0, 2.0, size=(n, 4)) for n in (8, 5, 16)]
    bn = nn.BatchNorm1d(4, momentum=momentum)
    bn.running_mean.data = bn.running_mean.data.astype(np.float64)
    bn.running_var.data = bn.running_var.data.astype(np.float64)
    outputs = [bn(Tensor(x)).data for x in batches]
    expected, running_mean, running_var = batchnorm_by_hand(batches, momentum)
    for out, exp in zip(outputs, expected, strict=True):
        np.testing.assert_allclose(out, exp, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean.data, running_mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, running_var, rtol=1e-12)
    assert int(bn.num_batches_tracked.data) == 3


def test_batchnorm_in_eval_uses_the_running_statistics_and_changes_none():
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(3)
    bn(Tensor(rng.normal(size=(10, 3)).astype(np.float32)))
    bn.weight.data[...] = [1.0, 2.0, 3.0]
    bn.bias.data[...] = [0.0, -1.0, 1.0]
    before = bn.state_dict()
    x = rng.normal(size=(1, 3)).astype(np.float32)  # a batch of one is fine in eval
    y = bn.eval()(Tensor(x))
    rm, rv = before["running_mean"], before["running_var"]
    expected = (x - rm) / np.sqrt(rv + 1e-5) * [1.0, 2.0, 3.0] + [0.0, -1.0, 1.0]
    np.testing.assert_allclose(y.data, expected, rtol=1e-5)
    assert y.dtype == np.float32
    for key, value in bn.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_batchnorm_in_training_normalizes_each_column():
    tl.manual_seed(0)
    x = Tensor(np.random.default_rng(2).normal(5.0, 3.0, size=(64, 6)).astype(np.float32))
    y = nn.BatchNorm1d(6)(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.data.std(axis=0), 1.0, rtol=1e-3)


def test_batchnorm_state_holds_parameters_and_buffers():
    bn = nn.BatchNorm1d(5)
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    assert list(bn.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked",
    ]  # fmt: skip
    assert nn.BatchNorm1d(5, affine=False).parameters() == []
    assert repr(bn) == "BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=True)"


@st.composite
def batches(draw):
    n, c = draw(st.integers(2, 6)), draw(st.integers(1, 4))
    x = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(-3, 3)))
    assume((x.var(axis=0) > 0.1).all())  # a column of near-equal values has a huge gradient
    w = draw(hnp.arrays(np.float64, c, elements=st.floats(-2, 2)))
    b = draw(hnp.arrays(np.float64, c, elements=st.floats(-2, 2)))
    return x, w, b


@settings(max_examples=40)
@given(case=batches(), seed=st.integers(0, 100))
def test_batchnorm_gradients_match_central_differences(case, seed):
    x, w, b = case
    g = Tensor(np.random.default_rng(seed).normal(size=x.shape))
    bn = nn.BatchNorm1d(x.shape[1])

    def f(x, w, b):
        bn.weight, bn.bias = w, b
        return (bn(x) * g).sum()

    assert tl.gradcheck(f, x, w, b)
    assert tl.gradgradcheck(f, x, w, b)
    bn.eval()
    assert tl.gradcheck(f, x, w, b)  # running statistics: a fixed affine map of x


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: nn.BatchNorm1d(0), ValueError, "num_features must be at least 1, got 0"),
        (lambda: nn.BatchNorm1d(2.0), TypeError, r"num_features must be an int, got 2\.0"),
        (lambda: nn.BatchNorm1d(2, momentum=1.5), ValueError, r"momentum must be in \[0, 1\]"),
        (lambda: nn.BatchNorm1d(2, eps=0), ValueError, "eps must be > 0"),
        (lambda: nn.BatchNorm1d(2)(Tensor.ones(4, 3)), ValueError,
         r"expected input of shape \(N, 2\), got shape \(4, 3\)"),
        (lambda: nn.BatchNorm1d(2)(Tensor.ones(1, 2)), ValueError,
         r"at least 2 samples per batch in training.*model\.eval\(\)"),
    ],
)  # fmt: skip
def test_bad_batchnorm_use_gets_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()
