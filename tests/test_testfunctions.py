"""The 2-D test functions: gradients from backward, minima, and optimizer paths."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite import Tensor, optim, testfunctions
from tinygrad_lite.testfunctions import (
    OBJECTIVES,
    OPTIMIZERS,
    anisotropic,
    double_well,
    rosenbrock,
    saddle,
)

coordinate = st.floats(-3.0, 3.0, allow_nan=False)


def hand_gradient(name, x, y):
    """Each function's gradient, derived by hand."""
    if name == "anisotropic":
        return np.array([x / 10, 2 * y])
    if name == "saddle":
        return np.array([2 * x, y**3 - y])
    if name == "double_well":
        g = x**4 - x**3 / 3 - 2 * x**2 + x + 5 / 3 + y**2
        outer = (1 - np.tanh(g / 4) ** 2) / 4  # d tanh(g/4)/dg
        return outer * np.array([4 * x**3 - x**2 - 4 * x + 1, 2 * y])
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


@pytest.mark.parametrize("name", list(OBJECTIVES))
@given(x=coordinate, y=coordinate)
def test_backward_matches_central_differences(name, x, y):
    f = OBJECTIVES[name]
    assert tl.gradcheck(lambda p: f(p[0], p[1]), np.array([x, y]))


@pytest.mark.parametrize("name", list(OBJECTIVES))
@given(x=coordinate, y=coordinate)
def test_backward_matches_the_hand_derived_gradient(name, x, y):
    p = Tensor(np.array([x, y]), requires_grad=True)
    OBJECTIVES[name](p[0], p[1]).backward()
    np.testing.assert_allclose(p.grad.data, hand_gradient(name, x, y), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_minima_have_the_stated_value_and_zero_gradient(name):
    f = OBJECTIVES[name]
    for x, y in f.minima:
        assert f.value(x, y) == pytest.approx(f.min_value, abs=1e-15)
        np.testing.assert_array_equal(hand_gradient(name, x, y), 0.0)
    _, _, Z = f.grid(101)
    assert Z.min() >= f.min_value
    assert Z.min() < f.min_value + 0.05  # the grid reaches close to a minimum


def test_known_values():
    assert anisotropic.value(-7, 2) == pytest.approx(49 / 20 + 4)
    assert rosenbrock.value(-1.5, 2) == pytest.approx(2.5**2 + 100 * 0.25**2)
    assert saddle.value(0, 0) == 0.0
    assert rosenbrock.value(1, 1) == 0.0


def test_saddle_is_a_saddle_point_at_the_origin():
    H = tl.hessian(lambda p: saddle(p[0], p[1]), np.array([0.0, 0.0])).numpy()
    np.testing.assert_allclose(H, [[2.0, 0.0], [0.0, -1.0]])  # one direction up, one down
    np.testing.assert_array_equal(hand_gradient("saddle", 0.0, 0.0), 0.0)


def test_grid_evaluates_the_function_elementwise():
    X, Y, Z = rosenbrock.grid(7)
    assert X.shape == Y.shape == Z.shape == (7, 7)
    assert (X[0, 0], Y[0, 0], X[-1, -1], Y[-1, -1]) == (-2.0, -1.0, 2.0, 3.0)
    np.testing.assert_allclose(Z, (1 - X) ** 2 + 100 * (Y - X**2) ** 2)


def test_sgd_path_follows_the_update_rule_by_hand():
    # On x^2/20 + y^2, one SGD step multiplies x by (1 - lr/10) and y by (1 - 2 lr).
    lr, steps = 0.95, 30
    path = testfunctions.optimize_path(anisotropic, lambda ps: optim.SGD(ps, lr=lr))
    t = np.arange(steps + 1)
    expected = np.stack([-7 * (1 - lr / 10) ** t, 2 * (1 - 2 * lr) ** t], axis=1)
    assert path.shape == (steps + 1, 2)
    assert path.dtype == np.float64
    np.testing.assert_allclose(path, expected, rtol=1e-12)


def test_optimize_path_takes_a_bare_function_with_start_and_steps():
    path = testfunctions.optimize_path(
        lambda x, y: x * x + y * y, lambda ps: optim.SGD(ps, lr=0.25), steps=2, start=(4.0, -2.0)
    )
    np.testing.assert_allclose(path, [[4, -2], [2, -1], [1, -0.5]])
    with pytest.raises(ValueError, match="steps= and start="):
        testfunctions.optimize_path(lambda x, y: x * y, optim.SGD)


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_optimize_path_refuses_bad_steps(bad):
    with pytest.raises(ValueError, match="steps"):
        testfunctions.optimize_path(anisotropic, optim.SGD, steps=bad)


def test_optimize_path_refuses_a_start_that_is_not_a_point():
    with pytest.raises(ValueError, match="shape"):
        testfunctions.optimize_path(anisotropic, optim.SGD, start=(1.0, 2.0, 3.0))


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_every_optimizer_improves_on_the_start_with_the_stored_learning_rates(name):
    f = OBJECTIVES[name]
    paths = testfunctions.compare_optimizers(f)
    assert list(paths) == list(OPTIMIZERS)
    start = f.value(*f.start)
    for opt_name, path in paths.items():
        assert path.shape == (f.steps + 1, 2)
        assert np.isfinite(path).all(), opt_name
        assert f.value(*path[-1]) < start, opt_name


def test_the_lessons_the_figures_teach():
    aniso = testfunctions.compare_optimizers(anisotropic)
    # SGD zig-zags: y changes sign at every step (1 - 2 * 0.95 = -0.9)
    assert (np.diff(np.sign(aniso["SGD"][:, 1])) != 0).all()
    sad = testfunctions.compare_optimizers(saddle)
    # the adaptive methods escape the saddle and reach a minimum; plain SGD is still near it
    for name in ("AdaGrad", "RMSProp", "Adam"):
        assert saddle.value(*sad[name][-1]) < -0.24, name
    assert saddle.value(*sad["SGD"][-1]) > -0.1
    rosen = testfunctions.compare_optimizers(rosenbrock)
    assert rosenbrock.value(*rosen["Adam"][-1]) < 1e-4
    assert rosenbrock.value(*rosen["SGD"][-1]) > 1.0  # crawling along the valley


def test_compare_optimizers_overrides_and_errors():
    paths = testfunctions.compare_optimizers(anisotropic, ["Adam"], lrs={"Adam": 0.0}, steps=3)
    np.testing.assert_array_equal(paths["Adam"], [[-7, 2]] * 4)  # lr 0: no move
    with pytest.raises(ValueError, match="unknown optimizer 'LBFGS'"):
        testfunctions.compare_optimizers(anisotropic, ["LBFGS"])
    bare = testfunctions.Objective(
        "plane", "x", lambda x, y: x + 0 * y, (0.0, 0.0), (), -math.inf, (-1, 1), (-1, 1), 2
    )
    with pytest.raises(ValueError, match="no learning rate for SGD"):
        testfunctions.compare_optimizers(bare, ["SGD"])


def test_get():
    assert testfunctions.get("rosenbrock") is rosenbrock
    with pytest.raises(ValueError, match="anisotropic, saddle, rosenbrock"):
        testfunctions.get("himmelblau")


def test_double_well_has_a_global_and_a_local_minimum_and_a_ridge_between():
    assert double_well.value(-1, 0) == 0.0
    assert double_well.value(1, 0) == pytest.approx(math.tanh(1 / 3), rel=1e-15)
    assert double_well.local_minima == ((1.0, 0.0),)
    for x, y in (*double_well.minima, *double_well.local_minima, (0.25, 0.0)):
        np.testing.assert_array_equal(hand_gradient("double_well", x, y), 0.0)

    def f(p):
        return double_well(p[0], p[1])

    for point in ((-1.0, 0.0), (1.0, 0.0)):  # both minima: curved up in every direction
        assert (np.linalg.eigvalsh(tl.hessian(f, np.array(point)).numpy()) > 0).all()
    ridge = np.linalg.eigvalsh(tl.hessian(f, np.array([0.25, 0.0])).numpy())
    assert ridge[0] < 0 < ridge[1]  # the ridge point is a saddle: down along x, up along y


@pytest.mark.parametrize(("start", "end"), [((0.6, 1.5), (1.0, 0.0)), ((-0.1, -1.5), (-1.0, 0.0))])
def test_double_well_gradient_descent_ends_in_the_basin_it_starts_in(start, end):
    path = testfunctions.optimize_path(
        double_well, lambda ps: optim.SGD(ps, lr=0.1), steps=500, start=start
    )
    np.testing.assert_allclose(path[-1], end, atol=1e-3)


def test_double_well_plateau_barely_moves_then_drops():
    x, y = 2.3, 0.0
    assert np.linalg.norm(hand_gradient("double_well", x, y)) < 0.01
    path = testfunctions.optimize_path(
        double_well, lambda ps: optim.SGD(ps, lr=0.1), steps=300, start=(x, y)
    )
    losses = [double_well.value(*p) for p in path]
    assert losses[0] - losses[50] < 0.01  # fifty steps on the plateau: the loss hardly changes
    assert losses[-1] == pytest.approx(math.tanh(1 / 3), abs=1e-6)  # then the local minimum
