"""Optimizers: each update rule against the rule written out by hand, state, errors, behaviour.

The hand-written rules below are the formulas of API.md, in NumPy, with their own state.
"""

import itertools
import math

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import nn, optim
from tinygrad_lite.data import DataLoader

# ------------------------------------------------------------------ the rules, by hand


def sgd_rule(lr, weight_decay=0.0):
    def step(w, g, s):
        g = g + weight_decay * w
        return w - lr * g

    return step


def momentum_rule(lr, momentum):
    def step(w, g, s):
        v = s.get("v", np.zeros_like(w))
        s["v"] = momentum * v - lr * g
        return w + s["v"]

    return step


def nesterov_rule(lr, momentum, weight_decay=0.0):
    def step(w, g, s):
        g = g + weight_decay * w
        v = s.get("v", np.zeros_like(w))
        v_new = momentum * v - lr * g
        s["v"] = v_new
        return w + (-momentum * v + (1 + momentum) * v_new)

    return step


def adagrad_rule(lr, eps):
    def step(w, g, s):
        s["h"] = s.get("h", np.zeros_like(w)) + g * g
        return w - lr * g / (np.sqrt(s["h"]) + eps)

    return step


def rmsprop_rule(lr, alpha, eps):
    def step(w, g, s):
        s["h"] = alpha * s.get("h", np.zeros_like(w)) + (1 - alpha) * g * g
        return w - lr * g / (np.sqrt(s["h"]) + eps)

    return step


def adam_rule(lr, b1, b2, eps):
    def step(w, g, s):
        s["t"] = s.get("t", 0) + 1
        s["m"] = b1 * s.get("m", np.zeros_like(w)) + (1 - b1) * g
        s["v"] = b2 * s.get("v", np.zeros_like(w)) + (1 - b2) * g * g
        m_hat = s["m"] / (1 - b1 ** s["t"])
        v_hat = s["v"] / (1 - b2 ** s["t"])
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)

    return step


def adamw_rule(lr, b1, b2, eps, weight_decay):
    """PyTorch's AdamW order: decay the weights by lr * weight_decay first, then Adam."""
    adam = adam_rule(lr, b1, b2, eps)

    def step(w, g, s):
        return adam(w - lr * weight_decay * w, g, s)

    return step


CASES = {
    "sgd": (lambda p: optim.SGD(p, lr=0.1), sgd_rule(0.1)),
    "sgd-weight-decay": (lambda p: optim.SGD(p, lr=0.1, weight_decay=0.01), sgd_rule(0.1, 0.01)),
    "sgd-momentum": (lambda p: optim.SGD(p, lr=0.05, momentum=0.9), momentum_rule(0.05, 0.9)),
    "sgd-nesterov-wd": (
        lambda p: optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
        nesterov_rule(0.05, 0.8, 0.1),
    ),
    "momentum": (lambda p: optim.Momentum(p, lr=0.05), momentum_rule(0.05, 0.9)),
    "nesterov": (lambda p: optim.Nesterov(p, lr=0.05), nesterov_rule(0.05, 0.9)),
    "adagrad": (lambda p: optim.AdaGrad(p, lr=0.5), adagrad_rule(0.5, 1e-7)),
    "rmsprop": (lambda p: optim.RMSProp(p, lr=0.01, alpha=0.9), rmsprop_rule(0.01, 0.9, 1e-8)),
    "adam": (lambda p: optim.Adam(p, lr=0.01), adam_rule(0.01, 0.9, 0.999, 1e-8)),
    "adam-betas": (
        lambda p: optim.Adam(p, lr=0.1, betas=(0.5, 0.9), eps=1e-6),
        adam_rule(0.1, 0.5, 0.9, 1e-6),
    ),
    "adamw": (lambda p: optim.AdamW(p, lr=0.01), adamw_rule(0.01, 0.9, 0.999, 1e-8, 0.01)),
    "adamw-strong-decay": (
        lambda p: optim.AdamW(p, lr=0.1, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.3),
        adamw_rule(0.1, 0.5, 0.9, 1e-6, 0.3),
    ),
}
GRADIENT_OPTIMIZERS = [
    optim.SGD,
    optim.Momentum,
    optim.Nesterov,
    optim.AdaGrad,
    optim.RMSProp,
    optim.Adam,
    optim.AdamW,
]
SHAPES = [(3, 4), (5,), ()]


def make_params(rng, dtype):
    return [tl.Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]


def set_grads(params, rng):
    for p in params:
        p.grad = tl.Tensor(rng.standard_normal(p.shape).astype(p.dtype))


# ------------------------------------------------------------------ update rules


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(CASES))
def test_update_rule_matches_the_formula(case, dtype):
    make, rule = CASES[case]
    rng = np.random.default_rng(0)
    params = make_params(rng, dtype)
    expected = [p.data.astype(np.float64) for p in params]
    hand_states = [{} for _ in params]
    data_ids = [id(p.data) for p in params]
    opt = make(params)
    for _ in range(6):
        set_grads(params, rng)
        grads = [p.grad.data.astype(np.float64) for p in params]
        opt.step()
        expected = [rule(w, g, s) for w, g, s in zip(expected, grads, hand_states, strict=True)]
        tight = (
            {"rtol": 1e-12, "atol": 1e-14} if dtype == np.float64 else {"rtol": 2e-5, "atol": 2e-6}
        )
        for p, w in zip(params, expected, strict=True):
            np.testing.assert_allclose(p.data, w, **tight)
    for p, data_id in zip(params, data_ids, strict=True):
        assert p.data.dtype == dtype, "float32 must stay float32"
        assert id(p.data) == data_id, "the update must be in place"
    for value in opt.state_dict().values():
        if isinstance(value, np.ndarray):
            assert value.dtype == dtype


@pytest.mark.parametrize("case", list(CASES))
def test_step_neither_changes_nor_keeps_the_gradient(case):
    make, _ = CASES[case]
    rng = np.random.default_rng(1)
    params = make_params(rng, np.float32)
    opt = make(params)
    for _ in range(2):
        set_grads(params, rng)
        before = [p.grad.data.copy() for p in params]
        opt.step()
        for p, g in zip(params, before, strict=True):
            np.testing.assert_array_equal(p.grad.data, g)
    for state in opt.state:
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert not any(np.shares_memory(value, p.grad.data) for p in params)
                assert not any(np.shares_memory(value, p.data) for p in params)


@pytest.mark.parametrize("case", list(CASES))
def test_parameters_without_grad_are_skipped(case):
    make, rule = CASES[case]
    rng = np.random.default_rng(2)
    a, b = (tl.Tensor(rng.standard_normal(4), requires_grad=True) for _ in range(2))
    a_start, b_start = a.data.copy(), b.data.copy()
    opt = make([a, b])
    hand_state = {}
    expected = b_start.astype(np.float64)
    for _ in range(3):
        g = rng.standard_normal(4).astype(np.float32)
        b.grad = tl.Tensor(g)
        opt.step()
        expected = rule(expected, g.astype(np.float64), hand_state)
    np.testing.assert_array_equal(a.data, a_start)
    assert opt.state[0] == {}
    assert not any(key.startswith("state.0.") for key in opt.state_dict())
    np.testing.assert_allclose(b.data, expected, rtol=2e-5, atol=2e-6)


def test_adam_counts_steps_per_parameter():
    a, b = tl.Tensor([1.0], requires_grad=True), tl.Tensor([1.0], requires_grad=True)
    opt = optim.Adam([a, b])
    a.grad = tl.Tensor([1.0])
    opt.step()
    b.grad = tl.Tensor([1.0])
    opt.step()
    state = opt.state_dict()
    assert state["state.0.step"] == 2
    assert state["state.1.step"] == 1


def test_zero_grad_sets_grads_to_none():
    w = tl.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w])
    (w * w).sum().backward()
    assert w.grad is not None
    opt.zero_grad()
    assert w.grad is None


def test_step_with_closure_returns_its_loss():
    w = tl.Tensor([3.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    assert w.data[0] == pytest.approx(3.0 - 0.25 * 6.0)


def test_parameters_from_a_model_generator():
    model = nn.TwoLayerNet(2, 5, 3)
    opt = optim.Adam(model.parameters())
    assert len(opt.params) == len(list(model.parameters()))


# ------------------------------------------------------------------ saving and resuming


def run_steps(opt, params, grads):
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = tl.Tensor(g)
        opt.step()


@pytest.mark.parametrize("case", list(CASES))
def test_resume_from_state_dict_is_bit_for_bit(case, tmp_path):
    make, _ = CASES[case]
    rng = np.random.default_rng(3)
    start = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(10)]

    straight = [tl.Tensor(w, requires_grad=True) for w in start]
    run_steps(make(straight), straight, grads)

    first = [tl.Tensor(w, requires_grad=True) for w in start]
    opt = make(first)
    run_steps(opt, first, grads[:5])
    tl.save(opt.state_dict(), tmp_path / "optim.npz")
    saved_weights = [p.data.copy() for p in first]
    run_steps(opt, first, grads[5:7])  # keeps going: the saved state must not change

    resumed = [tl.Tensor(w, requires_grad=True) for w in saved_weights]
    opt2 = make(resumed)
    opt2.load_state_dict(tl.load(tmp_path / "optim.npz"))
    run_steps(opt2, resumed, grads[5:])
    for p, q in zip(straight, resumed, strict=True):
        assert np.array_equal(p.data, q.data)


def test_state_dict_holds_plain_copies():
    w = tl.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = tl.Tensor([1.0, 1.0])
    opt.step()
    state = opt.state_dict()
    assert set(state) == {"lr", "state.0.m", "state.0.v", "state.0.step"}
    assert isinstance(state["lr"], float)
    assert isinstance(state["state.0.step"], int)
    m = state["state.0.m"].copy()
    opt.step()
    np.testing.assert_array_equal(state["state.0.m"], m)


def test_load_state_dict_restores_lr():
    w = tl.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    opt.load_state_dict({"lr": 0.025})
    assert opt.lr == 0.025


BAD_STATES = {
    "missing lr": {"state.0.m": np.zeros(2, np.float32)},
    "negative lr": {"lr": -1.0},
    "unknown key": {"lr": 0.1, "momentum_buffer": np.zeros(2, np.float32)},
    "unknown state name": {"lr": 0.1, "state.0.velocity": np.zeros(2, np.float32)},
    "index out of range": {
        "lr": 0.1,
        "state.1.m": np.zeros(2, np.float32),
        "state.1.v": np.zeros(2, np.float32),
        "state.1.step": 1,
    },
    "wrong shape": {
        "lr": 0.1,
        "state.0.m": np.zeros(3, np.float32),
        "state.0.v": np.zeros(2, np.float32),
        "state.0.step": 1,
    },
    "wrong dtype": {
        "lr": 0.1,
        "state.0.m": np.zeros(2, np.float64),
        "state.0.v": np.zeros(2, np.float32),
        "state.0.step": 1,
    },
    "incomplete": {"lr": 0.1, "state.0.m": np.zeros(2, np.float32)},
    "negative step": {
        "lr": 0.1,
        "state.0.m": np.zeros(2, np.float32),
        "state.0.v": np.zeros(2, np.float32),
        "state.0.step": -1,
    },
}


@pytest.mark.parametrize("bad", list(BAD_STATES))
def test_bad_state_dict_is_refused_and_changes_nothing(bad):
    w = tl.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([w], lr=0.5)
    w.grad = tl.Tensor([1.0, -1.0])
    opt.step()
    before = opt.state_dict()
    with pytest.raises(ValueError, match=r"Adam\.load_state_dict"):
        opt.load_state_dict(BAD_STATES[bad])
    after = opt.state_dict()
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert np.array_equal(after[key], value)


def test_load_state_dict_needs_a_dict():
    opt = optim.SGD([tl.Tensor([1.0], requires_grad=True)])
    with pytest.raises(TypeError, match="expected a dict"):
        opt.load_state_dict([("lr", 0.1)])


# ------------------------------------------------------------------ bad arguments


@pytest.mark.parametrize("cls", GRADIENT_OPTIMIZERS)
def test_empty_parameter_list_is_an_error(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([])


@pytest.mark.parametrize("cls", GRADIENT_OPTIMIZERS)
def test_negative_lr_is_an_error(cls):
    with pytest.raises(ValueError, match=r"lr must be in \[0\.0, inf\], got -0\.1"):
        cls([tl.Tensor([1.0], requires_grad=True)], lr=-0.1)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (optim.SGD, TypeError, "one Tensor"),
        (lambda w: optim.SGD([w, w]), ValueError, "more than once"),
        (lambda w: optim.SGD([w.data]), TypeError, "not a Tensor"),
        (lambda w: optim.SGD([tl.Tensor([1, 2])]), TypeError, "int64"),
        (lambda w: optim.SGD([w], lr="0.1"), TypeError, "lr must be a real number"),
        (lambda w: optim.SGD([w], lr=math.nan), ValueError, "lr must be"),
        (lambda w: optim.SGD([w], momentum=-0.5), ValueError, "momentum"),
        (lambda w: optim.SGD([w], weight_decay=-1.0), ValueError, "weight_decay"),
        (lambda w: optim.SGD([w], nesterov=True), ValueError, "nesterov=True needs a momentum"),
        (lambda w: optim.SGD([w], momentum=0.9, nesterov=1), TypeError, "nesterov"),
        (lambda w: optim.Adam([w], betas=(0.9, 1.0)), ValueError, "betas must be below 1"),
        (lambda w: optim.Adam([w], betas=0.9), TypeError, "betas must be a pair"),
        (lambda w: optim.Adam([w], eps=-1e-8), ValueError, "eps"),
        (lambda w: optim.RMSProp([w], alpha=1.5), ValueError, "alpha"),
        (lambda w: optim.AdaGrad([w], eps=-1.0), ValueError, "eps"),
        (lambda w: optim.AdamW([w], weight_decay=-0.01), ValueError, "weight_decay"),
        (lambda w: optim.AdamW([w], betas=(1.0, 0.9)), ValueError, "betas must be below 1"),
    ],
)
def test_bad_arguments_are_clear_errors(make, error, match):
    w = tl.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match=match):
        make(w)


def test_gradient_of_the_wrong_shape_is_an_error():
    w = tl.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w])
    w.grad = tl.Tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(2,\) but its grad has shape \(3,\)"):
        opt.step()


# ------------------------------------------------------------------ behaviour from the seeds


def f_xy(x, y):
    """The seeds' test function: a long, flat valley along x, minimum at (0, 0)."""
    return x * x / 20.0 + y * y


def run_on_f(make_optimizer, steps=30):
    """The path (steps + 1 points) of an optimizer on f from the seeds' start (-7, 2)."""
    xy = tl.Tensor([-7.0, 2.0], requires_grad=True, dtype=np.float64)
    opt = make_optimizer([xy])
    path = [xy.data.copy()]
    for _ in range(steps):
        opt.zero_grad()
        f_xy(xy[0], xy[1]).backward()
        opt.step()
        path.append(xy.data.copy())
    return np.array(path)


SEED_OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.95),
    "Momentum": lambda p: optim.Momentum(p, lr=0.1),
    "Nesterov": lambda p: optim.Nesterov(p, lr=0.1),
    "AdaGrad": lambda p: optim.AdaGrad(p, lr=1.5),
    "RMSProp": lambda p: optim.RMSProp(p, lr=0.1),
    "Adam": lambda p: optim.Adam(p, lr=0.3),
    "AdamW": lambda p: optim.AdamW(p, lr=0.3),
}


@pytest.mark.parametrize("name", list(SEED_OPTIMIZERS))
def test_every_optimizer_reduces_f(name):
    x, y = run_on_f(SEED_OPTIMIZERS[name])[-1]
    assert f_xy(x, y) < 0.05 * f_xy(-7.0, 2.0)


def test_sgd_zigzags_across_the_valley():
    """With lr 0.95 each step multiplies y by 1 - 2 * 0.95 = -0.9: y flips sign every step."""
    y = run_on_f(SEED_OPTIMIZERS["SGD"])[:, 1]
    assert np.all(np.sign(y[1:]) == -np.sign(y[:-1]))


@pytest.mark.parametrize("name", ["Momentum", "AdaGrad", "Adam"])
def test_momentum_adagrad_adam_get_closer_than_sgd(name):
    """Closest approach to the minimum (0, 0) within 30 steps, compared with SGD's.

    SGD creeps monotonically along x, so its closest point is its last (distance ~0.36).
    Momentum rolls through the valley: it passes at ~0.15 but has overshot to ~0.90 by
    step 30, so comparing only the last points would say the opposite for it.
    """
    sgd_closest = np.linalg.norm(run_on_f(SEED_OPTIMIZERS["SGD"]), axis=1).min()
    closest = np.linalg.norm(run_on_f(SEED_OPTIMIZERS[name]), axis=1).min()
    assert closest < sgd_closest


def test_too_large_a_learning_rate_diverges():
    # Along y, one SGD step multiplies y by (1 - 2 lr): |1 - 2.2| > 1 grows without bound.
    x, y = run_on_f(lambda p: optim.SGD(p, lr=1.1))[-1]
    assert abs(y) > 100 * 2.0
    assert f_xy(x, y) > 1e3 * f_xy(-7.0, 2.0)


# ------------------------------------------------------------------ batch, mini-batch, stochastic


@pytest.mark.parametrize(("batch_size", "updates"), [(64, 1), (16, 4), (1, 64)])
def test_batch_minibatch_stochastic_gd_are_one_sgd(batch_size, updates):
    """Batch GD: batch_size = N; mini-batch: B; stochastic: 1. Same SGD, N / B updates per epoch."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((64, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    tl.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.MSELoss()
    loader = DataLoader(X, y, batch_size=batch_size, seed=0)

    def full_loss():
        with tl.no_grad():
            return loss_fn(model(tl.Tensor(X)), tl.Tensor(y)).item()

    start = full_loss()
    for _ in range(3):
        n_updates = 0
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
            n_updates += 1
        assert n_updates == updates
    assert full_loss() < 0.5 * start


# ------------------------------------------------------------------ gradient-free search


def quadratic_closure(w):
    def closure():
        return ((w - 3.0) ** 2).sum()

    return closure


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.RandomSearch(p, scale=3.0),
        lambda p: optim.RandomLocalSearch(p, step_size=0.3),
    ],
)
def test_random_search_keeps_the_best(make):
    tl.manual_seed(0)
    w = tl.Tensor(np.zeros(3, np.float32), requires_grad=True)
    opt = make([w])
    closure = quadratic_closure(w)
    start = closure().item()
    best = [start]
    for _ in range(200):
        opt.step(closure)
        assert opt.best_loss == pytest.approx(closure().item(), rel=1e-6)
        best.append(opt.best_loss)
    assert all(b2 <= b1 for b1, b2 in itertools.pairwise(best))
    assert best[-1] < 0.5 * start
    assert w.data.dtype == np.float32


def test_random_local_search_is_repeatable_with_manual_seed():
    results = []
    for _ in range(2):
        tl.manual_seed(7)
        w = tl.Tensor(np.zeros(4, np.float32))
        opt = optim.RandomLocalSearch([w], step_size=0.1)
        for _ in range(20):
            opt.step(quadratic_closure(w))
        results.append(w.data.copy())
    assert np.array_equal(results[0], results[1])


def test_random_local_search_moves_by_step_size():
    tl.manual_seed(1)
    w = tl.Tensor(np.zeros(1000))
    opt = optim.RandomLocalSearch([w], step_size=1e-3)
    losses = iter([1.0, 0.0])  # the start, then a better proposal, which is kept
    opt.step(lambda: next(losses))
    assert np.std(w.data) == pytest.approx(1e-3, rel=0.1)


def test_random_search_needs_a_closure():
    opt = optim.RandomSearch([tl.Tensor([1.0])])
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step()


def test_random_search_state_dict_round_trip():
    tl.manual_seed(0)
    w = tl.Tensor(np.zeros(2))
    opt = optim.RandomSearch([w], scale=2.0)
    opt.step(quadratic_closure(w))
    state = opt.state_dict()
    assert set(state) == {"lr", "best_loss"}
    other = optim.RandomSearch([tl.Tensor(np.zeros(2))])
    other.load_state_dict(state)
    assert other.scale == 2.0
    assert other.best_loss == opt.best_loss


def test_base_classes_name_the_method_a_subclass_must_write():
    from tinygrad_lite.optim.lr_scheduler import LRScheduler  # noqa: PLC0415
    from tinygrad_lite.optim.optimizer import Optimizer  # noqa: PLC0415
    from tinygrad_lite.optim.search import _Search  # noqa: PLC0415

    class NoUpdate(Optimizer):
        pass

    class NoProposal(_Search):
        pass

    class NoSchedule(LRScheduler):
        pass

    w = tl.Tensor([1.0], requires_grad=True)
    w.grad = tl.Tensor([0.5])
    with pytest.raises(NotImplementedError, match=r"NoUpdate must implement update\(i, w, g\)"):
        NoUpdate([w], lr=0.1).step()
    with pytest.raises(NotImplementedError, match=r"NoProposal must implement propose\(w\)"):
        NoProposal([w], lr=0.1).step(lambda: w.sum())  # noqa: PLW0108 (a closure)
    with pytest.raises(NotImplementedError, match=r"NoSchedule must implement lr_at\(epoch\)"):
        NoSchedule(optim.SGD([w], lr=0.1)).step()


@pytest.mark.parametrize("cls", GRADIENT_OPTIMIZERS)
@pytest.mark.parametrize("lr", [math.inf, -math.inf, math.nan, np.float32("inf")])
def test_a_non_finite_lr_is_refused_by_the_constructor_and_load_state_dict(cls, lr):
    w = tl.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: lr must be a finite number"):
        cls([w], lr=lr)
    opt = cls([w], lr=0.1)
    state = opt.state_dict()
    state["lr"] = lr
    with pytest.raises(ValueError, match=rf"{cls.__name__}.load_state_dict: lr must be a finite"):
        opt.load_state_dict(state)
    assert opt.lr == 0.1


def test_a_checkpoint_with_an_infinite_lr_changes_nothing(tmp_path):
    model = nn.TwoLayerNet(2, 4, 3)
    opt = optim.Adam(model.parameters(), lr=0.01)
    tl.save_checkpoint(tmp_path / "run.npz", model, opt)
    arrays = tl.load(tmp_path / "run.npz")
    text = arrays["checkpoint.json"].tobytes().decode().replace('"lr": 0.01', '"lr": Infinity')
    arrays["checkpoint.json"] = np.frombuffer(text.encode(), dtype=np.uint8)
    tl.save(arrays, tmp_path / "run.npz")
    with pytest.raises(ValueError, match="lr must be a finite number, got inf"):
        tl.load_checkpoint(tmp_path / "run.npz", model, opt)
    assert opt.lr == 0.01
