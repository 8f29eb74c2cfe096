"""Plot helpers: what each figure contains (panels, lines, labels, titles), headless."""

import io
import sys

import numpy as np
import pytest

from tinygrad_lite import Tensor, datasets, nn, optim, plots, testfunctions
from tinygrad_lite.testfunctions import anisotropic, double_well, saddle

pytest.importorskip("matplotlib", reason="the plot tests need the [plot] extra (matplotlib)")
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def png_bytes(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    return buffer.getvalue()


# ---------------------------------------------------------------- curves


def test_curves_draw_one_line_per_run_with_labels():
    fig = plots.plot_curves(
        {"SGD": [2.0, 1.0, 0.5], "Adam": [2.0, 0.4, 0.1], "RMSProp": [2.0, 0.8, 0.3]},
        ylabel="cross-entropy",
        title="spiral",
        logy=True,
    )
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["SGD", "Adam", "RMSProp"]
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [2.0, 0.4, 0.1])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "epoch",
        "cross-entropy",
        "spiral",
    )
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam", "RMSProp"]
    assert png_bytes(fig).startswith(b"\x89PNG")


def test_curves_take_x_values_per_run_and_draw_into_a_given_axes():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    out = plots.plot_curves(
        {"batch": [1.0, 0.5], "SGD": [0.9, 0.2]},
        x={"SGD": [300, 600]},
        xlabel="updates",
        ax=right,
    )
    assert out is fig
    assert not left.lines
    assert right.get_xlabel() == "updates"
    np.testing.assert_array_equal(right.lines[0].get_xdata(), [1, 2])
    np.testing.assert_array_equal(right.lines[1].get_xdata(), [300, 600])


def test_one_curve_has_no_legend_and_a_linear_scale():
    ax = plots.plot_curves({"loss": [3.0, 2.0]}).axes[0]
    assert ax.get_legend() is None
    assert ax.get_yscale() == "linear"
    assert ax.get_title() == ""


def test_curves_refuse_x_of_another_length():
    with pytest.raises(ValueError, match="'a' has \\(2,\\) values but \\(3,\\) x values"):
        plots.plot_curves({"a": [1, 2]}, x={"a": [1, 2, 3]})


# ---------------------------------------------------------------- optimizer paths


def test_optimizer_paths_one_panel_per_optimizer():
    paths = testfunctions.compare_optimizers(anisotropic)
    fig = plots.plot_optimizer_paths(anisotropic, paths)
    axes = visible_axes(fig)
    assert len(axes) == 6
    assert fig.get_suptitle() == "anisotropic: f(x, y) = x²/20 + y²"
    for ax, (name, path) in zip(axes, paths.items(), strict=True):
        assert ax.get_title().startswith(f"{name} (lr={anisotropic.lrs[name]:g}, f=")
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
        assert ax.get_xlim() == anisotropic.xlim
        assert len(ax.lines) == 3  # the path, the start, one minimum
        np.testing.assert_array_equal(ax.lines[0].get_xydata(), path)
        assert ax.lines[1].get_xydata().tolist() == [[-7.0, 2.0]]
        assert any(type(c).__name__ == "QuadContourSet" for c in ax.get_children())
    final = anisotropic.value(*paths["SGD"][-1])
    assert axes[0].get_title() == f"SGD (lr=0.95, f={final:.3g})\n30 steps"


def test_optimizer_paths_give_each_path_its_own_step_count_on_equal_scales():
    short = testfunctions.optimize_path(anisotropic, lambda ps: optim.SGD(ps, lr=0.9), steps=5)
    long = testfunctions.optimize_path(anisotropic, lambda ps: optim.SGD(ps, lr=0.1), steps=40)
    fig = plots.plot_optimizer_paths(anisotropic, {"short": short, "long": long})
    titles = [ax.get_title() for ax in visible_axes(fig)]
    assert titles[0].endswith("\n5 steps")
    assert titles[1].endswith("\n40 steps")
    assert "steps" not in fig.get_suptitle()
    for ax in visible_axes(fig):
        assert ax.get_aspect() == 1.0  # one unit of x as long as one unit of y
    width, height = fig.get_size_inches()
    assert width > 2 * height  # the 20 x 10 window of the bowl, two panels side by side


def test_optimizer_paths_take_wider_limits_and_mark_local_minima():
    path = testfunctions.optimize_path(double_well, lambda ps: optim.SGD(ps, lr=0.1), steps=3)
    fig = plots.plot_optimizer_paths(double_well, {"SGD": path}, xlim=(-4, 4), ylim=(-3, 3))
    (ax,) = visible_axes(fig)
    assert (ax.get_xlim(), ax.get_ylim()) == ((-4, 4), (-3, 3))
    assert len(ax.lines) == 4  # the path, the start, the global and the local minimum
    assert ax.lines[3].get_xydata().tolist() == [[1.0, 0.0]]


def test_optimizer_paths_hide_unused_panels_and_mark_every_minimum():
    paths = testfunctions.compare_optimizers(saddle, ["SGD", "Adam", "AdaGrad", "RMSProp"])
    fig = plots.plot_optimizer_paths(saddle, paths, lrs={"Adam": 0.5}, ncols=3)
    assert len(fig.axes) == 6
    axes = visible_axes(fig)
    assert len(axes) == 4
    assert axes[1].get_title().startswith("Adam (lr=0.5, ")  # lrs= overrides the stored one
    assert len(axes[0].lines) == 4  # the path, the start, two minima
    assert png_bytes(fig).startswith(b"\x89PNG")


def test_optimizer_paths_need_a_path():
    with pytest.raises(ValueError, match="no paths"):
        plots.plot_optimizer_paths(anisotropic, {})


# ---------------------------------------------------------------- decision boundary


def test_decision_boundary_shades_the_predicted_class():
    X = np.array([[-1.0, 0.0], [1.0, 0.5], [2.0, -1.0]], dtype=np.float32)
    y = np.array([0, 1, 1])

    def model(points):  # class 1 right of x = 0
        return Tensor(np.stack([-points.data[:, 0], points.data[:, 0]], axis=1))

    fig = plots.plot_decision_boundary(model, X, y, resolution=50, title="halves")
    (ax,) = fig.axes
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x₁", "x₂", "halves")
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_array_equal(points.get_offsets(), X)
    (regions,) = [c for c in ax.get_children() if type(c).__name__ == "QuadContourSet"]
    assert regions.filled
    np.testing.assert_array_equal(regions.levels, [-0.5, 0.5, 1.5])
    x0, x1 = ax.get_xlim()
    assert x0 < -1.0
    assert x1 > 2.0


def test_decision_boundary_of_a_single_score_and_of_a_real_network():
    X, y = np.array([[0.0, -1.0], [0.0, 1.0]]), np.array([0, 1])
    fig = plots.plot_decision_boundary(lambda t: t[:, 1:2], X, y, resolution=20)
    (regions,) = [c for c in fig.axes[0].get_children() if type(c).__name__ == "QuadContourSet"]
    np.testing.assert_array_equal(regions.levels, [-0.5, 0.5, 1.5])  # score > 0 is class 1
    assert fig.axes[0].get_xlim() == (-0.5, 0.5)  # all x equal: a margin of 0.5
    Xs, ys = datasets.spiral(n_per_class=10)
    net = nn.TwoLayerNet(2, 8, 3)
    ax = plots.plot_decision_boundary(net, Xs, ys, resolution=30).axes[0]
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points.get_offsets()) == 30
    assert png_bytes(ax.figure).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        plots.plot_decision_boundary(lambda t: t, np.zeros((4, 3)), np.zeros(4, int))


# ---------------------------------------------------------------- loss slices


def linear_svm_loss(X, y):
    from tinygrad_lite.nn import functional as F  # noqa: PLC0415

    return lambda w: F.svm_loss(Tensor(X) @ Tensor(w), y)


def test_loss_slice_1d_plots_the_loss_along_the_direction():
    rng = np.random.default_rng(0)
    X, y, W, W1 = rng.normal(size=(20, 4)), rng.integers(0, 3, 20), *rng.normal(size=(2, 4, 3))
    loss = linear_svm_loss(X, y)
    fig = plots.plot_loss_slice_1d(loss, W, W1, span=2.0, n=9, title="one example")
    ax = fig.axes[0]
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), np.linspace(-2, 2, 9))
    expected = [loss(W + a * W1).item() for a in np.linspace(-2, 2, 9)]
    np.testing.assert_allclose(line.get_ydata(), expected)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("a", "L(W + a W₁)", "one example")


def test_loss_slice_2d_is_an_image_centred_on_w_with_a_colour_bar():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    W, W1, W2 = rng.normal(size=(3, 4, 3))
    loss = linear_svm_loss(X, y)
    fig = plots.plot_loss_slice_2d(loss, W, W1, W2, span=1.0, n=5)
    assert len(fig.axes) == 2  # the slice and its colour bar
    ax = fig.axes[0]
    (image,) = [c for c in ax.get_children() if isinstance(c, AxesImage)]
    values = image.get_array()
    assert values.shape == (5, 5)
    assert values[2, 2] == pytest.approx(loss(W).item())
    assert values[4, 0] == pytest.approx(loss(W - W1 + W2).item())  # row b = +1, column a = -1
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")
    assert fig.axes[1].get_ylabel() == "L(W + a W₁ + b W₂)"
    assert image.get_cmap().name == "viridis"  # perceptually uniform, not jet
    (marker,) = ax.lines  # W itself, at the centre
    assert marker.get_xydata().tolist() == [[0.0, 0.0]]
    assert marker.get_label() == "W"


# ---------------------------------------------------------------- activation histograms


def test_activation_histograms_one_panel_per_layer_and_row():
    rng = np.random.default_rng(2)
    rows = {
        "std 1": [rng.random((8, 10)) for _ in range(5)],
        "Xavier": [rng.random((8, 10)) for _ in range(5)],
    }
    fig = plots.plot_activation_histograms(rows, bins=12, title="sigmoid")
    assert len(fig.axes) == 10
    assert fig.get_suptitle() == "sigmoid"
    assert [ax.get_title() for ax in fig.axes[:5]] == [f"layer {i}" for i in range(1, 6)]
    assert [ax.get_ylabel() for ax in fig.axes[::5]] == ["std 1", "Xavier"]
    for ax in fig.axes:
        assert not ax.texts  # zeros are counted like any value unless exclude_zeros=True
        assert len(ax.patches) == 12  # one bar per bin
        assert sum(p.get_height() for p in ax.patches) == 80  # every activation counted


def test_activation_histograms_have_count_axes():
    rng = np.random.default_rng(3)
    fig = plots.plot_activation_histograms([rng.random(500) for _ in range(3)], bins=10)
    assert fig.get_supylabel() == "count"
    for ax in fig.axes:
        counts = [p.get_height() for p in ax.patches]
        ticks = ax.get_yticks()
        assert len(ticks) >= 2  # a count axis, readable against the bars
        assert ticks.min() <= 0
        assert ticks.max() >= max(counts) * 0.5
        assert any(label.get_text() for label in ax.get_yticklabels())


def test_activation_histograms_can_leave_out_the_zeros_of_relu():
    relu_like = [np.array([0.0, 0.0, 0.0, 1.0]), np.array([0.0, 2.0, 3.0, 4.0])]
    fig = plots.plot_activation_histograms(relu_like, bins=4, exclude_zeros=True)
    first, second = fig.axes
    assert [t.get_text() for t in first.texts] == ["75% zeros"]
    assert [t.get_text() for t in second.texts] == ["25% zeros"]
    assert sum(p.get_height() for p in first.patches) == 1  # only the nonzero value
    assert sum(p.get_height() for p in second.patches) == 3
    assert first.patches[0].get_x() == 1.0  # the shared range starts at the smallest nonzero
    dead = plots.plot_activation_histograms([np.zeros(5)], exclude_zeros=True)
    assert [t.get_text() for t in dead.axes[0].texts] == ["100% zeros"]
    assert sum(p.get_height() for p in dead.axes[0].patches) == 0


def test_activation_histograms_of_one_list_and_of_a_constant_layer():
    fig = plots.plot_activation_histograms([np.zeros(6), np.ones(6), np.arange(6.0)])
    assert len(visible_axes(fig)) == 3
    assert fig.get_suptitle() == ""
    assert [ax.get_ylabel() for ax in fig.axes] == ["", "", ""]
    with pytest.raises(ValueError, match="no activations"):
        plots.plot_activation_histograms([])
    ragged = plots.plot_activation_histograms({"a": [np.zeros(3)], "b": [np.ones(3)] * 2})
    assert len(visible_axes(ragged)) == 3


# ---------------------------------------------------------------- finite differences


def test_gradient_error_plot_is_log_log_with_one_line_per_method():
    hs = np.logspace(-10, -1, 10)
    fig = plots.plot_gradient_error(
        hs, {"forward": hs, "central": hs**2, "exact": np.zeros(10)}, title="d/dx sin"
    )
    (ax,) = fig.axes
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert [line.get_label() for line in ax.lines] == ["forward", "central", "exact"]
    assert np.isnan(ax.lines[2].get_ydata()).all()  # zeros cannot sit on a log axis
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "step size h",
        "|numerical - analytic|",
        "d/dx sin",
    )
    with pytest.raises(ValueError, match="'bad' has"):
        plots.plot_gradient_error(hs, {"bad": hs[:3]})


# ---------------------------------------------------------------- without matplotlib


def test_a_clear_error_names_the_extra_when_matplotlib_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'pip install "tinygrad-lite\[plot\]"'):
        plots.plot_curves({"a": [1.0]})


def test_sgd_figure_end_to_end_from_an_optimizer_run():
    w = Tensor([3.0, -1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    ax = plots.plot_curves({"SGD": losses}).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 10 * 0.64 ** np.arange(5), rtol=1e-5)
