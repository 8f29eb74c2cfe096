"""The same network in PyTorch: to_torch, from_torch, the state dicts and compare.

Needs PyTorch (the ``[torch]`` extra); skips without it, except under ``CI=true``.
"""

from collections import OrderedDict

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings
from interop_helpers import require

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn
from tinygrad_lite.interop import (
    compare,
    from_torch,
    load_torch_state_dict,
    to_torch,
    torch_state_dict,
)

torch = require("torch", 'the [torch] extra: pip install "tinygrad-lite[torch]"')

ACTIVATIONS = ["relu", "sigmoid", "tanh", "identity"]


def every_layer() -> nn.Sequential:
    """A Sequential with every layer the table maps (and a Linear without bias)."""
    return nn.Sequential(
        nn.Linear(3, 5),
        nn.ReLU(),
        nn.Linear(5, 4),
        nn.Sigmoid(),
        nn.Linear(4, 4, bias=False),
        nn.Tanh(),
        nn.Linear(4, 3),
        nn.Identity(),
        nn.Linear(3, 3),
        nn.Softmax(axis=-1),
    )


def forward_and_grads(model: nn.Module, x: np.ndarray, upstream: np.ndarray):
    """Our output and every parameter's gradient for the upstream gradient ``upstream``."""
    model.zero_grad()
    out = model(Tensor(x))
    out.backward(Tensor(upstream))
    return out.data, {name: p.grad.data.copy() for name, p in model.named_parameters()}


def torch_forward_and_grads(module, x: np.ndarray, upstream: np.ndarray):
    module.zero_grad()
    out = module(torch.tensor(x))
    out.backward(torch.tensor(upstream))
    return out.detach().numpy(), {n: p.grad.numpy().copy() for n, p in module.named_parameters()}


def assert_float32_close(actual, expected, err_msg=""):
    """Equal up to float32 rounding: sums of many terms round differently in two libraries,
    so the tolerance scales with the largest value (a small entry can come from cancelling
    large ones)."""
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * scale, err_msg=err_msg)


def batch(n: int, features: int, seed: int = 0, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, features)).astype(dtype)


# ---------------------------------------------------------------- round trips


@settings(max_examples=25)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    activation=st.sampled_from(ACTIVATIONS),
    n=st.integers(1, 7),
    seed=st.integers(0, 2**16),
)
def test_an_mlp_goes_to_pytorch_and_back_with_identical_outputs_and_gradients(
    sizes, activation, n, seed
):
    tl.manual_seed(seed)
    net = nn.MLP(sizes, activation=activation)
    x, upstream = batch(n, sizes[0], seed), batch(n, sizes[-1], seed + 1)
    out, grads = forward_and_grads(net, x, upstream)

    torch_net = to_torch(net)
    torch_out, torch_grads = torch_forward_and_grads(torch_net, x, upstream)
    assert_float32_close(torch_out, out)
    for name, g in grads.items():  # PyTorch's Linear weight is our weight transposed
        mine = g.T if name.endswith("weight") else g
        assert_float32_close(torch_grads[name], mine, err_msg=name)

    back = from_torch(torch_net)
    assert type(back) is nn.MLP
    assert [name for name, _ in back.named_parameters()] == list(grads)
    back_out, back_grads = forward_and_grads(back, x, upstream)
    assert np.array_equal(back_out, out)  # the same numbers, bit for bit
    for name, g in grads.items():
        assert np.array_equal(back_grads[name], g), name


def test_a_two_layer_net_becomes_a_named_pytorch_sequential_and_comes_back_as_one():
    net = nn.TwoLayerNet(2, 8, 3, activation="tanh")
    torch_net = to_torch(net)
    assert isinstance(torch_net, torch.nn.Sequential)
    assert [name for name, _ in torch_net.named_children()] == ["fc1", "act", "fc2"]
    assert isinstance(torch_net.act, torch.nn.Tanh)
    assert tuple(torch_net.fc1.weight.shape) == (8, 2)  # (out, in)
    assert np.array_equal(torch_net.fc1.weight.detach().numpy(), net.fc1.weight.data.T)
    back = from_torch(torch_net)
    assert type(back) is nn.TwoLayerNet
    assert isinstance(back.act, nn.Tanh)
    for name, p in net.named_parameters():
        assert np.array_equal(back.state_dict()[name], p.data)
        assert dict(back.named_parameters())[name].name == name


def test_every_layer_has_its_pytorch_counterpart_with_the_same_numbers():
    tl.manual_seed(1)
    model = every_layer()
    torch_model = to_torch(model)
    kinds = [type(m).__name__ for m in torch_model]
    assert kinds == [type(m).__name__ for m in model]
    assert torch_model[4].bias is None
    assert torch_model[9].dim == -1
    x, upstream = batch(6, 3), batch(6, 3, 1)
    out, grads = forward_and_grads(model, x, upstream)
    torch_out, torch_grads = torch_forward_and_grads(torch_model, x, upstream)
    assert_float32_close(torch_out, out)
    assert torch_grads.keys() == grads.keys()

    back = from_torch(torch_model)
    assert type(back) is nn.Sequential
    assert [type(m) for m in back] == [type(m) for m in model]
    assert back[9].axis == -1
    assert back[4].bias is None
    back_out, back_grads = forward_and_grads(back, x, upstream)
    assert np.array_equal(back_out, out)
    assert all(np.array_equal(back_grads[k], g) for k, g in grads.items())


def test_a_pytorch_model_built_by_hand_comes_over():
    torch.manual_seed(0)
    plain = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    net = from_torch(plain)
    assert type(net) is nn.Sequential  # its children are named 0, 1, 2, not fc1, act, fc2
    x = batch(5, 4)
    assert_float32_close(net(Tensor(x)).data, plain(torch.tensor(x)).detach().numpy())

    layers = [("fc1", torch.nn.Linear(4, 6)), ("act1", torch.nn.Sigmoid())]
    layers += [("fc2", torch.nn.Linear(6, 6)), ("act2", torch.nn.Sigmoid())]
    named = torch.nn.Sequential(OrderedDict([*layers, ("fc3", torch.nn.Linear(6, 2))]))
    mlp = from_torch(named)
    assert type(mlp) is nn.MLP
    assert isinstance(mlp.act2, nn.Sigmoid)
    assert_float32_close(mlp(Tensor(x)).data, named(torch.tensor(x)).detach().numpy())


def test_mixed_activations_or_other_names_stay_a_sequential():
    mixed = torch.nn.Sequential(
        OrderedDict(
            [
                ("fc1", torch.nn.Linear(2, 3)),
                ("act", torch.nn.ReLU()),
                ("fc2", torch.nn.Linear(3, 1)),
            ]
        )
    )
    assert type(from_torch(mixed)) is nn.TwoLayerNet
    mixed.act = torch.nn.Softmax(dim=-1)  # not an activation TwoLayerNet is built with
    assert type(from_torch(mixed)) is nn.Sequential


def test_train_and_eval_modes_carry_over_module_by_module():
    net = nn.TwoLayerNet(2, 4, 3)
    net.eval()
    net.fc2.train()
    torch_net = to_torch(net)
    assert [m.training for m in torch_net.modules()] == [False, False, False, True]
    back = from_torch(torch_net)
    assert [m.training for _, m in back.named_modules()] == [False, False, False, True]


def test_dtype_and_requires_grad_carry_over():
    tl.set_default_dtype(np.float64)
    net = nn.TwoLayerNet(2, 4, 3)
    net.fc1.bias.requires_grad = False
    torch_net = to_torch(net)
    assert torch_net.fc1.weight.dtype == torch.float64
    assert not torch_net.fc1.bias.requires_grad
    assert torch_net.fc2.bias.requires_grad
    tl.set_default_dtype(np.float32)
    back = from_torch(torch_net)
    assert back.fc1.weight.dtype == np.float64
    assert not back.fc1.bias.requires_grad


def test_converting_copies_the_weights():
    net = nn.TwoLayerNet(2, 4, 3)
    torch_net = to_torch(net)
    before = net.fc1.weight.data.copy()
    with torch.no_grad():
        torch_net.fc1.weight.add_(1.0)
    assert np.array_equal(net.fc1.weight.data, before)
    back = from_torch(torch_net)
    back.fc1.weight.data += 1.0
    assert np.array_equal(torch_net.fc1.weight.detach().numpy(), before.T + 1.0)


# ---------------------------------------------------------------- errors


class Doubler(nn.Module):
    def forward(self, x):
        return x * 2


def test_a_layer_without_a_counterpart_is_named_and_nothing_is_built():
    with pytest.raises(TypeError, match=r"to_torch: Doubler \(at '1'\) has no PyTorch counterpart"):
        to_torch(nn.Sequential(nn.Linear(2, 2), Doubler()))
    with pytest.raises(TypeError, match=r"torch_state_dict: Doubler has no PyTorch counterpart"):
        torch_state_dict(Doubler())
    with pytest.raises(TypeError, match=r"from_torch: PyTorch's Conv1d \(at '1'\) has no"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Conv1d(1, 1, 1)))
    with pytest.raises(TypeError, match=r"to_torch: expected a tinygrad_lite nn.Module, got int"):
        to_torch(3)
    with pytest.raises(TypeError, match=r"from_torch: expected a torch.nn.Module"):
        from_torch(nn.Linear(2, 2))


def test_a_container_with_a_tensor_of_its_own_is_refused():
    model = nn.Sequential(nn.Linear(2, 2))
    model.scale = Tensor([2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"Sequential '' holds a tensor of its own, 'scale'"):
        to_torch(model)


def test_nested_sequentials_keep_their_structure():
    inner = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    model = nn.Sequential(inner, nn.Linear(4, 2))
    torch_model = to_torch(model)
    assert isinstance(torch_model[0], torch.nn.Sequential)
    assert list(torch_state_dict(model)) == ["0.0.weight", "0.0.bias", "1.weight", "1.bias"]
    back = from_torch(torch_model)
    x = batch(3, 3)
    assert np.array_equal(back(Tensor(x)).data, model(Tensor(x)).data)
    assert list(back.state_dict()) == list(model.state_dict())


def test_a_subclass_of_a_container_is_not_taken_for_one():
    class Residual(nn.Sequential):
        def forward(self, x):
            return x + super().forward(x)

    with pytest.raises(TypeError, match="Residual has no PyTorch counterpart"):
        to_torch(Residual(nn.Linear(2, 2)))


# ---------------------------------------------------------------- state dicts


def test_torch_state_dict_is_what_pytorch_itself_holds():
    net = nn.MLP([3, 5, 4, 2], activation="sigmoid")
    state = torch_state_dict(net)
    expected = to_torch(net).state_dict()
    assert list(state) == list(expected)
    for key, value in expected.items():
        assert isinstance(state[key], np.ndarray)
        assert np.array_equal(state[key], value.numpy()), key
    state["fc1.weight"][...] = 0  # a copy: the model keeps its weights
    assert np.any(net.fc1.weight.data != 0)


def test_load_torch_state_dict_takes_pytorch_tensors_and_arrays():
    torch.manual_seed(0)
    torch_net = to_torch(nn.TwoLayerNet(3, 4, 2))
    for layer in (torch_net.fc1, torch_net.fc2):
        torch.nn.init.normal_(layer.weight)
        torch.nn.init.normal_(layer.bias)
    net = nn.TwoLayerNet(3, 4, 2)
    load_torch_state_dict(net, torch_net.state_dict())
    x = batch(4, 3)
    assert_float32_close(net(Tensor(x)).data, torch_net(torch.tensor(x)).detach().numpy())

    other = nn.TwoLayerNet(3, 4, 2)
    load_torch_state_dict(other, torch_state_dict(net))  # NumPy arrays in PyTorch's layout
    assert all(np.array_equal(other.state_dict()[k], v) for k, v in net.state_dict().items())


def test_load_torch_state_dict_checks_every_key_and_changes_nothing_on_failure():
    net = nn.TwoLayerNet(3, 4, 2)
    before = net.state_dict()
    state = torch_state_dict(net)
    state["fc1.weight"] = state["fc1.weight"].T  # our layout, not PyTorch's
    state["fc2.bias"] = state["fc2.bias"].astype(np.float64)
    del state["fc1.bias"]
    state["fc3.weight"] = np.zeros((2, 2), np.float32)
    with pytest.raises(ValueError, match="nothing was loaded") as err:
        load_torch_state_dict(net, {k: v * 0 for k, v in state.items()})
    message = str(err.value)
    assert "missing keys: fc1.bias" in message
    assert "unexpected keys: fc3.weight" in message
    assert "fc1.weight: shape (3, 4) in the state, (4, 3) expected" in message
    assert "fc2.bias: dtype float64 in the state, float32 in the model" in message
    assert "Linear weights of shape (out, in)" in message
    assert all(np.array_equal(net.state_dict()[k], v) for k, v in before.items())


# ---------------------------------------------------------------- compare


def test_compare_finds_no_difference_between_a_model_and_its_pytorch_twin():
    tl.set_default_dtype(np.float64)  # float64: the only differences are rounding's
    net = nn.MLP([2, 16, 16, 3], activation="tanh")
    x = batch(10, 2, dtype=np.float64)
    result = compare(net, to_torch(net), x)
    assert set(result.gradients) == {name for name, _ in net.named_parameters()}
    assert result.scale["output"] == pytest.approx(np.abs(net(Tensor(x)).data).max(), rel=1e-12)
    assert result.scale.keys() == {"output", *result.gradients}
    assert result.largest < 1e-12
    assert net.fc1.weight.grad is None  # compare leaves every .grad as it was
    text = str(result)
    assert "largest |difference|  largest |value|" in text
    assert "gradient of fc3.bias" in text


def test_compare_shows_where_two_models_differ():
    net = nn.TwoLayerNet(2, 5, 3)
    torch_net = to_torch(net)
    with torch.no_grad():
        torch_net.fc2.weight[0, 1] += 0.5  # one weight of the output layer
    result = compare(net, torch_net, batch(8, 2))
    assert result.output > 0.01
    assert result.gradients["fc2.weight"] < 1e-6  # dL/dW2 = h^T G does not read W2
    assert result.gradients["fc1.weight"] > 1e-3  # dL/dh = G W2^T does
    assert result.largest == max(result.output, *result.gradients.values())


def test_compare_needs_the_same_parameter_names():
    net = nn.TwoLayerNet(2, 5, 3)
    plain = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    with pytest.raises(ValueError, match=r"only here \['fc1.bias'.*only in PyTorch \['0.bias'"):
        compare(net, plain, batch(3, 2))


def test_compare_matches_parameters_by_name_not_by_order():
    class OutputFirst(torch.nn.Module):  # PyTorch lists fc2's parameters before fc1's
        def __init__(self):
            super().__init__()
            self.fc2 = torch.nn.Linear(5, 3)
            self.fc1 = torch.nn.Linear(2, 5)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))

    net = nn.TwoLayerNet(2, 5, 3)
    twin = OutputFirst()
    twin.load_state_dict({k: torch.tensor(v) for k, v in torch_state_dict(net).items()})
    assert next(iter(dict(twin.named_parameters()))) == "fc2.weight"
    assert compare(net, twin, batch(4, 2)).largest < 1e-5


# ---------------------------------------------------------------- layers with settings, buffers


def every_other_layer() -> nn.Sequential:
    """The layers beyond Linear and the four activations, with settings that are not the
    defaults, so that a setting lost on the way shows."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(6, 8),
        nn.BatchNorm1d(8, eps=1e-3, momentum=0.3),
        nn.LeakyReLU(0.2),
        nn.Dropout(0.25),
        nn.Linear(8, 8),
        nn.ELU(alpha=0.7),
        nn.Linear(8, 8),
        nn.Softplus(),
        nn.Linear(8, 8),
        nn.SiLU(),
        nn.Linear(8, 8),
        nn.GELU(),
        nn.BatchNorm1d(8, affine=False),
        nn.Linear(8, 2),
    )


def test_the_other_layers_keep_their_settings_and_numbers_both_ways():
    tl.manual_seed(3)
    model = every_other_layer()
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    model(Tensor(x))  # one step in training mode: the running statistics move off 0 and 1
    model.eval()
    torch_model = to_torch(model)
    assert [type(m).__name__ for m in torch_model] == [type(m).__name__ for m in model]
    assert torch_model[0].start_dim == 1
    assert torch_model[0].end_dim == -1
    assert (torch_model[2].eps, torch_model[2].momentum) == (1e-3, 0.3)
    assert torch_model[3].negative_slope == 0.2
    assert torch_model[4].p == 0.25
    assert torch_model[6].alpha == 0.7
    assert torch_model[12].approximate == "tanh"
    assert torch_model[13].weight is None
    assert not torch_model.training
    assert list(torch_state_dict(model)) == list(torch_model.state_dict())
    for key, value in torch_model.state_dict().items():  # parameters and running statistics
        assert np.array_equal(value.numpy(), torch_state_dict(model)[key]), key
    upstream = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)
    out, grads = forward_and_grads(model, x, upstream)
    torch_out, torch_grads = torch_forward_and_grads(torch_model, x, upstream)
    assert_float32_close(torch_out, out)
    for name, g in grads.items():
        mine = g.T if name.endswith("weight") and g.ndim == 2 else g
        assert_float32_close(torch_grads[name], mine, err_msg=name)

    back = from_torch(torch_model)
    assert [type(m) for m in back] == [type(m) for m in model]
    assert (back[2].eps, back[2].momentum, back[13].affine) == (1e-3, 0.3, False)
    assert back.state_dict().keys() == model.state_dict().keys()
    for key, value in model.state_dict().items():
        assert np.array_equal(back.state_dict()[key], value), key
        assert back.state_dict()[key].dtype == value.dtype, key
    assert np.array_equal(forward_and_grads(back, x, upstream)[0], out)


def test_batchnorm_in_training_mode_moves_its_statistics_as_pytorch_does():
    tl.manual_seed(4)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.2), nn.Tanh())
    torch_model = to_torch(model)
    assert torch_model[1].training
    for step in range(3):
        x = batch(6, 3, seed=step)
        assert_float32_close(torch_model(torch.tensor(x)).detach().numpy(), model(Tensor(x)).data)
    for name, b in model.named_buffers():
        assert_float32_close(torch_model.state_dict()[name].numpy(), b.data)
    assert model[1].num_batches_tracked.item() == torch_model[1].num_batches_tracked.item() == 3


def test_compare_puts_the_running_statistics_back():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    torch_model = to_torch(model)
    result = compare(model, torch_model, batch(8, 3))
    assert result.largest < 1e-5
    assert model[1].num_batches_tracked.item() == 0
    assert np.array_equal(model[1].running_mean.data, np.zeros(4, np.float32))
    assert torch_model[1].num_batches_tracked.item() == 0
    assert torch.equal(torch_model[1].running_var, torch.ones(4))


def test_compare_refuses_dropout_in_training_mode():
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5))
    torch_model = to_torch(model)
    with pytest.raises(ValueError, match=r"compare: Dropout '1' here is in training mode"):
        compare(model, torch_model, batch(4, 3))
    model.eval()
    with pytest.raises(ValueError, match=r"Dropout '1' in PyTorch is in training mode"):
        compare(model, torch_model, batch(4, 3))
    assert compare(model, torch_model.eval(), batch(4, 3)).largest < 1e-5


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (lambda: torch.nn.Softplus(beta=2.0), r"Softplus\(beta=2.0\) has no counterpart"),
        (torch.nn.GELU, r"GELU: approximate='none' is not available"),
        (
            lambda: torch.nn.BatchNorm1d(3, track_running_stats=False),
            "BatchNorm1d without running statistics",
        ),
        (lambda: torch.nn.BatchNorm1d(3, momentum=None), "momentum=None"),
    ],
    ids=["softplus-beta", "gelu-exact", "batchnorm-no-stats", "batchnorm-cumulative"],
)
def test_pytorch_settings_without_a_counterpart_are_refused(layer, message):
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(torch.nn.Linear(3, 3), layer()))
