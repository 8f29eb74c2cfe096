"""nn: Module bookkeeping, layers, TwoLayerNet and MLP; gradients against central differences;
the behaviour the seeds describe (ln 3 at the start, the symmetry problem, fitting data)."""

import math
import re

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite import Tensor, datasets, nn
from tinygrad_lite.nn import functional as F

# ---------------------------------------------------------------- helpers


def _assign(model, dotted, tensor):
    """Replace the parameter at `dotted` (e.g. "fc1.weight") by `tensor`."""
    owner_path, _, attr = dotted.rpartition(".")
    owner = model
    for part in owner_path.split(".") if owner_path else []:
        owner = getattr(owner, part)
    setattr(owner, attr, tensor)


def assert_grads_match(model, x, loss_of_output):
    """The `.grad` that backward leaves on the input and on every parameter equals float64
    central differences of the loss (each parameter perturbed through the model itself)."""
    named = list(model.named_parameters())
    originals = [p for _, p in named]

    def f(x_t, *params):
        for (name, _), p in zip(named, params, strict=True):
            _assign(model, name, p)
        return loss_of_output(model(x_t))

    try:
        numeric = tl.numerical_grad(f, x, *[p.data for p in originals])
    finally:
        for (name, _), p in zip(named, originals, strict=True):
            _assign(model, name, p)

    x_t = Tensor(x, requires_grad=True)
    model.zero_grad()
    loss_of_output(model(x_t)).backward()
    names = ["input", *(name for name, _ in named)]
    grads = [x_t.grad, *(p.grad for p in originals)]
    for name, g, n in zip(names, grads, numeric, strict=True):
        assert g is not None, f"{name} got no gradient"
        np.testing.assert_allclose(g.data, n, rtol=1e-4, atol=1e-7, err_msg=name)


def projection(upstream):
    """A loss `sum(out * upstream)`: backward starts from a random upstream gradient."""
    return lambda out: (out * Tensor(upstream)).sum()


values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def batch_and_upstream(draw, n_features, n_out):
    n = draw(st.integers(1, 4))
    x = draw(hnp.arrays(np.float64, (n, n_features), elements=values))
    upstream = draw(hnp.arrays(np.float64, (n, n_out), elements=values))
    return x, upstream


def randomize(model, seed):
    """Random weights and (non-zero) biases, so no test depends on a special init."""
    tl.manual_seed(seed)
    for p in model.parameters():
        nn.init.normal_(p, std=0.7)


class Affine(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = Tensor.ones(2, requires_grad=True)
        self.inner = nn.Linear(2, 2)
        self.b = Tensor.zeros(2, requires_grad=True)


# ---------------------------------------------------------------- Module bookkeeping


def test_parameters_in_definition_order_with_dotted_names():
    net = nn.TwoLayerNet(2, 5, 3)
    names = [name for name, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [p.shape for p in net.parameters()] == [(2, 5), (5,), (5, 3), (3,)]
    assert [p.name for p in net.parameters()] == names
    mixed = Affine()
    assert [n for n, _ in mixed.named_parameters()] == ["w", "inner.weight", "inner.bias", "b"]


def test_names_are_reprefixed_when_a_module_is_attached_to_a_parent():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))

    seq_names = [name for name, _ in nn.Sequential(nn.Linear(2, 3)).named_parameters()]
    assert seq_names == ["0.weight", "0.bias"]
    outer = Outer()
    expected = ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"]
    assert [name for name, _ in outer.named_parameters()] == expected
    assert [p.name for p in outer.parameters()] == expected
    assert [name for name, _ in outer.named_modules()] == ["", "body", "body.0", "body.1", "body.2"]


def test_reassigning_and_deleting_attributes_updates_the_parameters():
    layer = nn.Linear(3, 2)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    new_weight = Tensor.zeros(3, 2, requires_grad=True)
    layer.weight = new_weight
    assert layer.parameters() == [new_weight]
    assert new_weight.name == "weight"
    del layer.weight
    assert layer.parameters() == []


def test_a_shared_parameter_is_listed_once():
    net = nn.TwoLayerNet(3, 3, 3)
    net.fc2.weight = net.fc1.weight
    assert len(net.parameters()) == 3


def test_assigning_before_super_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgetful()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(Tensor([1.0]))


def test_zero_grad_clears_every_parameter():
    net = nn.TwoLayerNet(2, 3, 2)
    net(Tensor.ones(4, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_reach_every_module():
    net = nn.MLP([2, 3, 3, 1])
    assert net.eval() is net
    assert not any(m.training for _, m in net.named_modules())
    net.train()
    assert all(m.training for _, m in net.named_modules())


def test_module_call_records_the_module_scope():
    net = nn.TwoLayerNet(2, 3, 2)
    out = net(Tensor.ones(1, 2, requires_grad=True))
    fc2 = out.grad_fn  # x @ W + b, the fused op
    assert fc2.name == "Linear"
    assert fc2.scope == ("TwoLayerNet", "fc2: Linear")
    relu_out = fc2.inputs[0]
    assert relu_out.grad_fn.name == "ReLU"
    assert relu_out.grad_fn.scope == ("TwoLayerNet", "act: ReLU")
    assert nn.Linear(2, 2)(Tensor.ones(1, 2)).grad_fn.scope == ("Linear",)
    assert tl.autograd.current_scope() == ()


def test_repr_shows_the_structure():
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(2, 3, bias=False)"
    assert repr(nn.TwoLayerNet(2, 4, 3)) == (
        "TwoLayerNet(\n  (fc1): Linear(2, 4)\n  (act): ReLU()\n  (fc2): Linear(4, 3)\n)"
    )


# ---------------------------------------------------------------- state dicts


def test_state_dict_holds_copies():
    net = nn.TwoLayerNet(2, 3, 2)
    state = net.state_dict()
    assert list(state) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    state["fc1.weight"] += 1
    assert not np.array_equal(state["fc1.weight"], net.fc1.weight.data)


def test_load_state_dict_round_trip_copies_in_place():
    source, target = nn.TwoLayerNet(2, 3, 2), nn.TwoLayerNet(2, 3, 2)
    weight_array = target.fc1.weight.data
    target.load_state_dict(source.state_dict())
    for (_, p), (_, q) in zip(source.named_parameters(), target.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    assert target.fc1.weight.data is weight_array  # optimizers keep their references


def test_failed_load_lists_every_problem_and_changes_nothing():
    net = nn.TwoLayerNet(2, 3, 2)
    before = {name: p.data.copy() for name, p in net.named_parameters()}
    state = nn.TwoLayerNet(2, 3, 2).state_dict()  # fc1.weight would load fine
    del state["fc2.bias"]
    state["extra"] = np.zeros(1, np.float32)
    state["fc1.bias"] = np.zeros(4, np.float32)
    state["fc2.weight"] = state["fc2.weight"].astype(np.float64)
    with pytest.raises(ValueError, match="nothing was loaded") as info:
        net.load_state_dict(state)
    message = str(info.value)
    for part in ("missing keys: fc2.bias", "unexpected keys: extra", "fc1.bias: shape (4,)"):
        assert part in message
    assert "fc2.weight: dtype float64" in message
    for name, p in net.named_parameters():
        assert p.data.tobytes() == before[name].tobytes(), name


def test_non_strict_load_ignores_key_differences_but_not_shapes():
    net = nn.TwoLayerNet(2, 3, 2)
    new = np.full((2, 3), 0.5, np.float32)
    net.load_state_dict({"fc1.weight": new, "unknown": np.zeros(2)}, strict=False)
    np.testing.assert_array_equal(net.fc1.weight.data, new)
    before = net.fc2.bias.data.copy()
    with pytest.raises(ValueError, match=r"fc1.weight: shape \(3, 2\)"):
        net.load_state_dict(
            {"fc2.bias": np.ones(2, np.float32), "fc1.weight": new.T.copy()}, strict=False
        )
    np.testing.assert_array_equal(net.fc2.bias.data, before)


def test_load_state_dict_rejects_non_arrays():
    net = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="weight: expected a NumPy array, got list"):
        net.load_state_dict({"weight": [[1.0]], "bias": np.zeros(1, np.float32)})


# ---------------------------------------------------------------- Linear


def test_linear_computes_x_at_w_plus_b():
    layer = nn.Linear(3, 2)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    layer.bias.data[...] = [1.0, -1.0]
    expected = x @ layer.weight.data + layer.bias.data
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-6)
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_names_itself_when_the_feature_count_is_wrong():
    net = nn.TwoLayerNet(2, 100, 3)
    message = "fc1: Linear(2, 100) expected input with 2 features, got shape (5, 3)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}; .*in_features"):
        net(Tensor.zeros(5, 3))
    assert nn.Linear(4, 1)(Tensor.zeros(4)).shape == (1,)  # one sample without a batch axis
    with pytest.raises(ValueError, match=r"^Linear\(4, 1\) expected input with 4 features"):
        nn.Linear(4, 1)(Tensor.zeros(3))
    with pytest.raises(TypeError, match="wrap it: Tensor"):
        nn.Linear(2, 1)(np.zeros((1, 2)))


@pytest.mark.parametrize("bad", [0, -1])
def test_linear_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        nn.Linear(bad, 2)


@pytest.mark.parametrize("bad", [2.0, True, "3"])
def test_linear_rejects_sizes_that_are_not_ints(bad):
    with pytest.raises(TypeError, match="in_features must be an int"):
        nn.Linear(bad, 2)


def test_linear_init_choices():
    assert np.all(nn.Linear(3, 4, init="zeros").weight.data == 0)
    assert np.all(nn.Linear(3, 4).bias.data == 0)
    seen = []
    layer = nn.Linear(3, 4, init=lambda w: seen.append(w) or nn.init.normal_(w, mean=5.0))
    assert seen == [layer.weight]
    assert layer.weight.data.mean() > 4
    with pytest.raises(ValueError, match="lecun, xavier, he, zeros"):
        nn.Linear(2, 2, init="kaiming")
    with pytest.raises(TypeError, match="init must be a name or a function"):
        nn.Linear(2, 2, init=3)


def test_parameters_follow_the_default_dtype():
    assert nn.Linear(2, 2).weight.dtype == np.float32
    tl.set_default_dtype(np.float64)
    net = nn.TwoLayerNet(2, 3, 2)
    assert {p.dtype for p in net.parameters()} == {np.dtype(np.float64)}
    assert all(p.requires_grad for p in net.parameters())


# ---------------------------------------------------------------- Sequential and activations


def test_sequential_is_indexable():
    layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3
    assert seq[0] is layers[0]
    assert seq[-1] is layers[2]
    assert list(seq) == layers
    x = Tensor.ones(4, 2)
    expected = layers[2](layers[1](layers[0](x)))
    np.testing.assert_array_equal(seq(x).data, expected.data)
    with pytest.raises(IndexError, match="index 3 out of range for 3 layers"):
        seq[3]
    with pytest.raises(TypeError, match="Sequential: layer 1 is a function"):
        nn.Sequential(nn.ReLU(), lambda x: x)


@pytest.mark.parametrize(
    ("layer", "reference"),
    [
        (nn.ReLU(), lambda x: np.maximum(x, 0)),
        (nn.Identity(), lambda x: x),
        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (nn.Tanh(), np.tanh),
        (nn.Softmax(), lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)),
        (nn.Softmax(axis=0), lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)),
    ],
)
def test_activation_layers_match_numpy(layer, reference):
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    np.testing.assert_allclose(layer(Tensor(x)).data, reference(x), rtol=1e-12)


@pytest.mark.parametrize("make", [lambda a: nn.TwoLayerNet(2, 3, 1, activation=a), nn.MLP])
def test_unknown_activation_lists_the_choices(make):
    with pytest.raises(ValueError, match="'gelu'; choose one of relu, sigmoid, tanh, identity"):
        make("gelu") if make is not nn.MLP else nn.MLP([2, 3, 1], activation="gelu")


def test_mlp_has_no_activation_after_the_last_layer():
    mlp = nn.MLP([4, 8, 8, 2], activation="tanh")
    names = [name for name, _ in mlp.named_modules()][1:]
    assert names == ["fc1", "act1", "fc2", "act2", "fc3"]
    assert isinstance(mlp.act1, nn.Tanh)
    x = Tensor.randn(3, 4)
    expected = mlp.fc3(mlp.fc2(mlp.fc1(x).tanh()).tanh())
    np.testing.assert_allclose(mlp(x).data, expected.data, rtol=1e-6)
    with pytest.raises(ValueError, match="at least an input and an output size"):
        nn.MLP([3])


def test_functional_matches_the_tensor_methods():
    x = Tensor(np.linspace(-2, 2, 6).reshape(2, 3))
    w, b = Tensor.ones(3, 2), Tensor([1.0, 2.0])
    np.testing.assert_allclose(F.linear(x, w, b).data, x.data @ w.data + b.data)
    np.testing.assert_allclose(F.linear(x, w).data, x.data @ w.data)
    for fn, method in [(F.relu, "relu"), (F.sigmoid, "sigmoid"), (F.tanh, "tanh")]:
        np.testing.assert_array_equal(fn(x).data, getattr(x, method)().data)
    np.testing.assert_array_equal(F.softmax(x, axis=0).data, x.softmax(axis=0).data)
    np.testing.assert_array_equal(F.log_softmax(x).data, x.log_softmax().data)


# ---------------------------------------------------------------- gradients (float64)


@settings(max_examples=40)
@given(data=st.data(), n_in=st.integers(1, 4), n_out=st.integers(1, 4), bias=st.booleans())
def test_linear_gradients(data, n_in, n_out, bias):
    tl.set_default_dtype(np.float64)  # conftest resets it after the test
    layer = nn.Linear(n_in, n_out, bias=bias)
    randomize(layer, data.draw(st.integers(0, 2**16)))
    x, upstream = data.draw(batch_and_upstream(n_in, n_out))
    assert_grads_match(layer, x, projection(upstream))


@settings(max_examples=40)
@given(
    data=st.data(),
    layer=st.sampled_from(
        [nn.ReLU(), nn.Identity(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(), nn.Softmax(axis=0)]
    ),
)
def test_activation_layer_gradients(data, layer):
    tl.set_default_dtype(np.float64)  # conftest resets it after the test
    x, upstream = data.draw(batch_and_upstream(3, 3))
    assume(np.abs(x).min() > 1e-3)  # away from ReLU's kink
    assert_grads_match(layer, x, projection(upstream))


def test_sequential_gradients():
    tl.set_default_dtype(np.float64)
    seq = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))
    randomize(seq, 0)
    rng = np.random.default_rng(0)
    assert_grads_match(seq, rng.normal(size=(5, 3)), projection(rng.normal(size=(5, 2))))


def _away_from_relu_kinks(model, x):
    """True when no ReLU input is within 1e-4 of zero (central differences would straddle it)."""
    pre = Tensor(x)
    for layer in model.children():
        if isinstance(layer, nn.ReLU) and np.abs(pre.data).min() < 1e-4:
            return False
        pre = layer(pre)
    return True


@settings(max_examples=25)
@given(
    data=st.data(),
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(2, 4)),
    activation=st.sampled_from(["relu", "sigmoid", "tanh", "identity"]),
    loss=st.sampled_from(["cross_entropy", "mse"]),
)
def test_whole_two_layer_net_gradients(data, sizes, activation, loss):
    tl.set_default_dtype(np.float64)  # conftest resets it after the test
    d_in, hidden, n_classes = sizes
    net = nn.TwoLayerNet(d_in, hidden, n_classes, activation=activation)
    randomize(net, data.draw(st.integers(0, 2**16)))
    x, target = data.draw(batch_and_upstream(d_in, n_classes))
    assume(_away_from_relu_kinks(net, x))
    if loss == "mse":
        assert_grads_match(net, x, lambda out: F.mse_loss(out, target))
    else:
        labels = data.draw(hnp.arrays(np.int64, len(x), elements=st.integers(0, n_classes - 1)))
        assert_grads_match(net, x, lambda out: F.cross_entropy(out, labels))


@settings(max_examples=25)
@given(
    data=st.data(),
    sizes=st.lists(st.integers(1, 4), min_size=4, max_size=4),
    activation=st.sampled_from(["relu", "sigmoid", "tanh"]),
)
def test_whole_three_layer_mlp_gradients(data, sizes, activation):
    tl.set_default_dtype(np.float64)  # conftest resets it after the test
    mlp = nn.MLP(sizes, activation=activation)
    randomize(mlp, data.draw(st.integers(0, 2**16)))
    x, upstream = data.draw(batch_and_upstream(sizes[0], sizes[-1]))
    assume(_away_from_relu_kinks(mlp, x))
    assert_grads_match(mlp, x, projection(upstream))


# ---------------------------------------------------------------- behaviour from the seeds


def sgd_step(model, lr):
    for p in model.parameters():
        p.data -= lr * p.grad.data


def train_full_batch(model, loss_fn, X, y, lr, steps):
    x = Tensor(X)
    for _ in range(steps):
        model.zero_grad()
        loss_fn(model(x), y).backward()
        sgd_step(model, lr)


def test_fresh_classifier_starts_at_ln_3():
    # With weights ~ N(0, 0.01^2) (CS231n's init), every score is below ~1e-3 in size, so
    # softmax is uniform up to ~1e-3 and the loss is ln 3 up to ~1e-3.
    tl.manual_seed(0)
    X, y = datasets.spiral()
    net = nn.TwoLayerNet(2, 100, 3, init=lambda w: nn.init.normal_(w, std=0.01))
    loss = F.cross_entropy(net(Tensor(X)), y)
    assert abs(loss.item() - math.log(3)) < 1e-3


def test_zero_init_keeps_hidden_units_identical_and_he_init_does_not():
    # Drop half of class 2: with balanced classes the zero net's gradient is exactly zero.
    X, y = datasets.spiral()
    X, y = X[:250], y[:250]

    def hidden_unit_spread(init):
        tl.manual_seed(0)
        net = nn.TwoLayerNet(2, 10, 3, activation="sigmoid", init=init)
        train_full_batch(net, F.cross_entropy, X, y, lr=1.0, steps=50)
        w1, b1, w2 = net.fc1.weight.data, net.fc1.bias.data, net.fc2.weight.data
        assert np.abs(w2).max() > 0.01  # the weights did move
        # Unit j is column j of W1, entry j of b1 and row j of W2.
        return max(np.ptp(w1, axis=1).max(), np.ptp(b1), np.ptp(w2, axis=0).max())

    assert hidden_unit_spread("zeros") == 0.0
    assert hidden_unit_spread("he") > 0.1


def test_two_layer_net_learns_the_spiral():
    tl.manual_seed(0)
    X, y = datasets.spiral()
    net = nn.TwoLayerNet(2, 100, 3)
    train_full_batch(net, F.cross_entropy, X, y, lr=1.0, steps=1000)
    accuracy = (net(Tensor(X)).data.argmax(axis=1) == y).mean()
    assert accuracy >= 0.95


def test_two_layer_regression_net_fits_a_noisy_sine():
    tl.manual_seed(0)
    x = np.linspace(-1, 1, 200, dtype=np.float32).reshape(-1, 1)
    clean = np.sin(np.pi * x)
    noisy = (clean + np.random.default_rng(0).normal(0, 0.1, x.shape)).astype(np.float32)
    net = nn.TwoLayerNet(1, 50, 1)  # ReLU hidden, identity output
    train_full_batch(net, F.mse_loss, x, noisy, lr=0.1, steps=2000)
    # sin(pi x) has variance 0.5 on [-1, 1]: 0.01 means the net explains 98% of it.
    assert np.mean((net(Tensor(x)).data - clean) ** 2) < 0.01


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2, 64, 2), r"MLP takes a list of sizes, input first and output last: MLP\(\[2, 64, 2\]\), not MLP\(2, 64, 2\)"),
        ((784, 10), r"MLP\(\[784, 10\]\), not MLP\(784, 10\)"),
        ((3,), r"MLP\(\[3, 64, 10\]\), not MLP\(3\)"),
    ],
)  # fmt: skip
def test_mlp_with_sizes_as_separate_ints_says_to_pass_a_list(args, message):
    with pytest.raises(TypeError, match=message):
        nn.MLP(*args)
