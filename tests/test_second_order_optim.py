"""Newton and L-BFGS: golden numbers, update rules written out by hand, Rosenbrock counts."""

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor, optim


def rosenbrock(p: Tensor) -> Tensor:
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def make_closure(opt, f, params, create_graph=False):
    def closure():
        opt.zero_grad()
        loss = f(*params)
        loss.backward(create_graph=create_graph)
        return loss

    return closure


# ---------------------------------------------------------------- Newton


def test_newton_golden_numbers_on_quartic():
    x = Tensor([2.0], requires_grad=True, dtype=np.float64)
    opt = optim.Newton([x])
    closure = make_closure(opt, lambda t: (t**4 - 2 * t**2).sum(), [x], create_graph=True)
    path = []
    for _ in range(5):
        opt.step(closure)
        path.append(x.item())
    np.testing.assert_allclose(path, [1.4545, 1.1510, 1.0253, 1.0009, 1.0000012], atol=5e-5)
    assert path[-1] == pytest.approx(1.0000012, abs=1e-7)
    assert opt.damping == 0.0


def test_newton_step_is_the_solution_of_h_d_equals_g_over_two_parameters():
    tl.manual_seed(3)
    a = Tensor.randn(2, 2, requires_grad=True, dtype=np.float64)
    b = Tensor.randn(3, requires_grad=True, dtype=np.float64)
    a0, b0 = a.data.copy(), b.data.copy()

    def f(a, b):
        return (a.exp().sum() * (b * b).sum()) + (a.reshape(-1)[:3] * b).sum() ** 2

    theta0 = np.concatenate([a0.reshape(-1), b0])

    def flat(theta):
        return f(theta[:4].reshape(2, 2), theta[4:])

    hess = tl.hessian(flat, theta0).data
    (g,) = tl.numerical_grad(flat, theta0)
    lowest = np.linalg.eigvalsh(hess)[0]
    tau = 0.0 if lowest > 0 else max(2 * abs(lowest), 1e-3)
    expected = theta0 - 0.5 * np.linalg.solve(hess + tau * np.eye(7), g)

    opt = optim.Newton([a, b], lr=0.5)
    loss = opt.step(make_closure(opt, f, [a, b], create_graph=True))
    assert loss.item() == pytest.approx(flat(Tensor(theta0)).item())
    np.testing.assert_allclose(np.concatenate([a.data.reshape(-1), b.data]), expected, rtol=1e-6)
    assert opt.damping == tau


def test_newton_solves_a_quadratic_in_one_step():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([1.0, -1.0])
    x = Tensor([5.0, 5.0], requires_grad=True, dtype=np.float64)
    opt = optim.Newton([x])
    opt.step(
        make_closure(opt, lambda t: 0.5 * (t * (Tensor(A) @ t)).sum() - (t * c).sum(), [x], True)
    )
    np.testing.assert_allclose(x.data, np.linalg.solve(A, c), atol=1e-12)


def test_newton_damps_when_the_hessian_is_not_positive_definite():
    x = Tensor([0.3], requires_grad=True, dtype=np.float64)  # f'' = 12 x^2 - 4 < 0 here
    opt = optim.Newton([x])

    def quartic(t):
        return (t**4 - 2 * t**2).sum()

    closure = make_closure(opt, quartic, [x], create_graph=True)
    before = quartic(x).item()
    opt.step(closure)
    assert opt.damping == pytest.approx(2 * 2.92)
    # (H + tau) d = g with H + tau = |H|: the step goes downhill, towards the minimum at 1
    assert x.item() == pytest.approx(0.3 - (4 * 0.3**3 - 4 * 0.3) / 2.92)
    assert quartic(x).item() < before
    for _ in range(10):
        opt.step(closure)
    assert x.item() == pytest.approx(1.0, abs=1e-9)


def test_newton_gives_a_parameter_whose_gradient_is_constant_zero_curvature():
    # f = (a - 2)^2 + 3 b: b's gradient is the constant 3 (no graph), so its Hessian row and
    # column are 0; H = [[2, 0], [0, 0]] is singular, so the step is damped by min_damping.
    a = Tensor([0.0], requires_grad=True, dtype=np.float64)
    b = Tensor([1.0], requires_grad=True, dtype=np.float64)
    opt = optim.Newton([a, b])
    opt.step(make_closure(opt, lambda s, t: ((s - 2) ** 2 + t * 3.0).sum(), [a, b], True))
    tau = opt.min_damping
    assert opt.damping == tau
    assert a.item() == pytest.approx(0.0 - (-4.0) / (2 + tau))  # (H + tau I) d = g, row a
    assert b.item() == pytest.approx(1.0 - 3.0 / tau)  # row b: tau d = 3


def test_newton_without_gradients_changes_nothing():
    x = Tensor([0.5], requires_grad=True, dtype=np.float64)
    opt = optim.Newton([x])

    def closure():  # never calls backward
        return (x * x).sum()

    loss = opt.step(closure)
    assert loss.item() == 0.25
    assert x.item() == 0.5


def test_newton_on_rosenbrock_and_float32():
    p = Tensor([-1.5, 2.0], requires_grad=True, dtype=np.float64)
    opt = optim.Newton([p])
    closure = make_closure(opt, rosenbrock, [p], create_graph=True)
    for _ in range(10):
        opt.step(closure)
    np.testing.assert_allclose(p.data, [1.0, 1.0], atol=1e-10)
    q = Tensor([-1.5, 2.0], requires_grad=True)
    opt32 = optim.Newton([q])
    for _ in range(10):
        opt32.step(make_closure(opt32, rosenbrock, [q], create_graph=True))
    assert q.dtype == np.float32
    np.testing.assert_allclose(q.data, [1.0, 1.0], atol=1e-3)


def test_newton_needs_create_graph_a_closure_and_a_small_problem():
    x = Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Newton([x])
    with pytest.raises(RuntimeError, match=r"backward\(create_graph=True\)"):
        opt.step(make_closure(opt, lambda t: (t**3).sum(), [x]))
    with pytest.raises(TypeError, match="closure"):
        opt.step()
    big = Tensor.zeros(1001, requires_grad=True)
    opt_big = optim.Newton([big])
    with pytest.raises(ValueError, match="LBFGS"):
        opt_big.step(make_closure(opt_big, lambda t: (t * t).sum(), [big], True))


def test_newton_state_dict_is_the_lr():
    opt = optim.Newton([Tensor([1.0], requires_grad=True)], lr=0.5)
    assert opt.state_dict() == {"lr": 0.5}
    opt.load_state_dict({"lr": 0.25})
    assert opt.lr == 0.25


# ---------------------------------------------------------------- L-BFGS update rule


def _inverse_bfgs(pairs, n):
    """The inverse-Hessian estimate built explicitly by the BFGS update, from H0 = gamma I."""
    s, y = pairs[-1]
    h = (s @ y) / (y @ y) * np.eye(n)
    for s, y in pairs:
        rho = 1 / (y @ s)
        left = np.eye(n) - rho * np.outer(s, y)
        h = left @ h @ left.T + rho * np.outer(s, s)
    return h


def test_lbfgs_fixed_steps_follow_the_two_loop_recursion_written_out():
    p = Tensor([-1.5, 2.0], requires_grad=True, dtype=np.float64)
    opt = optim.LBFGS([p], lr=0.1, history_size=3, line_search=None)
    closure = make_closure(opt, rosenbrock, [p])
    x = p.data.copy()
    pairs = []
    g = rosenbrock_grad(x)
    for k in range(8):
        loss = opt.step(closure)
        assert loss.item() == pytest.approx(rosenbrock(Tensor(x)).item())
        if k == 0:
            step = -0.1 * min(1.0, 1 / np.abs(g).sum()) * g
        else:
            step = -0.1 * _inverse_bfgs(pairs[-3:], 2) @ g
        x_new = x + step
        np.testing.assert_allclose(p.data, x_new, rtol=1e-10)
        g_new = rosenbrock_grad(x_new)
        if step @ (g_new - g) > 1e-10:
            pairs.append((step, g_new - g))
        x, g = x_new, g_new
    assert opt.n_evals == 9  # one evaluation per step, plus the starting point
    assert opt.n_iters == 8
    assert len(opt.history) == 3


def test_lbfgs_steps_satisfy_the_strong_wolfe_conditions():
    p = Tensor([-1.5, 2.0], requires_grad=True, dtype=np.float64)
    opt = optim.LBFGS([p])
    closure = make_closure(opt, rosenbrock, [p])
    for _ in range(15):
        x = p.data.copy()
        f0, g0 = rosenbrock(Tensor(x)).item(), rosenbrock_grad(x)
        opt.step(closure)
        step = p.data - x
        f1, g1 = rosenbrock(Tensor(p.data)).item(), rosenbrock_grad(p.data)
        assert f1 <= f0 + opt.c1 * (g0 @ step) + 1e-12  # enough decrease
        assert abs(g1 @ step) <= opt.c2 * abs(g0 @ step) + 1e-12  # flatter slope


def test_lbfgs_beats_gradient_descent_on_rosenbrock_by_far():
    p = Tensor([-1.5, 2.0], requires_grad=True, dtype=np.float64)
    opt = optim.LBFGS([p], history_size=10)
    closure = make_closure(opt, rosenbrock, [p])
    while np.abs(p.data - 1).max() > 1e-6:
        opt.step(closure)
        assert opt.n_iters <= 100
    lbfgs_evals = opt.n_evals
    assert lbfgs_evals <= 80  # 51 at the time of writing

    q = Tensor([-1.5, 2.0], requires_grad=True, dtype=np.float64)
    sgd = optim.SGD([q], lr=1.5e-3)  # about the largest rate that still converges
    gd_evals = 0
    while np.abs(q.data - 1).max() > 1e-6 and gd_evals < 100 * lbfgs_evals:
        sgd.zero_grad()
        rosenbrock(q).backward()
        sgd.step()
        gd_evals += 1
    assert np.abs(q.data - 1).max() > 1e-6  # gradient descent needs ~23,000 evaluations
    assert gd_evals == 100 * lbfgs_evals


def test_lbfgs_on_a_small_net_with_several_parameters():
    tl.manual_seed(0)
    X, y = tl.datasets.spiral(n_per_class=20, n_classes=2, seed=0)
    model = tl.nn.TwoLayerNet(2, 8, 2, activation="tanh")
    loss_fn = tl.nn.CrossEntropyLoss()
    opt = optim.LBFGS(model.parameters())

    def closure():
        opt.zero_grad()
        loss = loss_fn(model(Tensor(X)), Tensor(y))
        loss.backward()
        return loss

    first = opt.step(closure).item()
    for _ in range(30):
        last = opt.step(closure).item()
    assert last < 0.5 * first
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_lbfgs_extends_a_first_step_that_is_too_short():
    # f = (x - 100)^2 / 1000 from 0: the first trial step (0.2) leaves the slope almost as
    # steep as at the start, so the search doubles the step until the slope flattens.
    x = Tensor([0.0], requires_grad=True, dtype=np.float64)
    opt = optim.LBFGS([x])
    opt.step(make_closure(opt, lambda t: ((t - 100) ** 2 / 1000).sum(), [x]))
    slope0, step = -0.2 * 0.2, x.item()  # g . d at the start, with d = -g = 0.2
    assert step > 2 * 0.2  # beyond the first doubling
    slope1 = (2 * (step - 100) / 1000) * 0.2
    assert abs(slope1) <= opt.c2 * abs(slope0)  # the strong Wolfe curvature condition
    assert opt.n_evals >= 4  # the start, then 0.2, 0.4, 0.8, ...


class _SquareWithUphillGradient(tl.autograd.Function):
    """x**2 whose backward points the wrong way (-2x): every step "downhill" goes up."""

    def forward(self, x):
        return x * x

    def backward(self, grad, x, out):
        return -2 * x * grad


def test_lbfgs_line_search_that_finds_no_decrease_keeps_x_and_drops_the_history():
    x = Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    opt = optim.LBFGS([x])
    opt.history.append((np.ones(2), np.ones(2)))  # as if an earlier step had been taken

    def f(t):
        return tl.tensor.apply(_SquareWithUphillGradient(), t).sum()

    loss = opt.step(make_closure(opt, f, [x]))
    assert loss.item() == 5.0
    np.testing.assert_array_equal(x.data, [1.0, -2.0])
    assert opt.history == []
    assert opt.n_iters == 0
    assert opt.n_evals > 2  # it did search


def test_lbfgs_stops_at_a_stationary_point():
    x = Tensor([0.0, 0.0], requires_grad=True, dtype=np.float64)
    opt = optim.LBFGS([x])
    loss = opt.step(make_closure(opt, lambda t: (t * t).sum(), [x]))
    assert loss.item() == 0.0
    np.testing.assert_array_equal(x.data, [0.0, 0.0])
    assert opt.n_iters == 0


def test_lbfgs_resume_from_state_dict(tmp_path):
    def run(opt, p, steps):
        closure = make_closure(opt, rosenbrock, [p])
        for _ in range(steps):
            opt.step(closure)

    p = Tensor([-1.5, 2.0], requires_grad=True, dtype=np.float64)
    opt = optim.LBFGS([p], history_size=4)
    run(opt, p, 6)
    tl.save({**opt.state_dict(), "p": p.data}, tmp_path / "lbfgs.npz")
    run(opt, p, 4)

    saved = tl.load(tmp_path / "lbfgs.npz")
    q = Tensor(saved.pop("p"), requires_grad=True)
    resumed = optim.LBFGS([q], history_size=4)
    resumed.load_state_dict(saved)
    run(resumed, q, 4)
    np.testing.assert_array_equal(q.data, p.data)
    assert resumed.n_iters == opt.n_iters
    assert resumed.n_evals == opt.n_evals + 1  # the resumed run re-evaluates its start once


def test_lbfgs_bad_arguments_and_state():
    p = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="line_search"):
        optim.LBFGS([p], line_search="armijo")
    with pytest.raises(ValueError, match="history_size"):
        optim.LBFGS([p], history_size=0)
    with pytest.raises(TypeError, match="history_size"):
        optim.LBFGS([p], history_size=2.5)
    opt = optim.LBFGS([p], history_size=2)
    with pytest.raises(TypeError, match="closure"):
        opt.step()
    good = opt.state_dict()
    with pytest.raises(ValueError, match="expected keys"):
        opt.load_state_dict({"lr": 1.0})
    with pytest.raises(ValueError, match=r"shape \(k, 1\)"):
        opt.load_state_dict({**good, "history.s": np.zeros((3, 1)), "history.y": np.zeros((3, 1))})
    with pytest.raises(ValueError, match="lr"):
        opt.load_state_dict({**good, "lr": -1.0})
    assert opt.lr == 1.0
