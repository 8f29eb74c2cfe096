"""Figures for the lessons: training curves, optimizer paths, decision boundaries, loss
slices, activation histograms and finite-difference errors.

matplotlib is an optional extra (``pip install "tinygrad-lite[plot]"``); it is imported
only when a function here runs. Every function builds a `matplotlib.figure.Figure` with
the object API (no pyplot: no global state, no window, works headless) and returns it.
In Jupyter a returned figure displays inline; elsewhere save it::

    fig = plot_curves({"SGD": losses_sgd, "Adam": losses_adam}, ylabel="loss")
    fig.savefig("loss.png", dpi=100)

Functions that draw one panel also take ``ax=``: they then draw into that existing
Axes (one panel of a larger figure) and return its figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_lite.autograd import no_grad
from tinygrad_lite.tensor import Tensor

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import ArrayLike

    from tinygrad_lite.testfunctions import Objective

__all__ = [
    "plot_activation_histograms",
    "plot_curves",
    "plot_decision_boundary",
    "plot_gradient_error",
    "plot_loss_slice_1d",
    "plot_loss_slice_2d",
    "plot_optimizer_paths",
]

INSTALL_HINT = 'tinygrad_lite.plots needs matplotlib: pip install "tinygrad-lite[plot]"'


def _figure(width: float, height: float) -> Figure:
    """A new, empty figure (inches), laid out so that labels never overlap."""
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return Figure(figsize=(width, height), layout="constrained")


def _axes(ax: Axes | None, width: float = 6.0, height: float = 4.0) -> Axes:
    """`ax` itself, or the single Axes of a new figure."""
    return ax if ax is not None else _figure(width, height).subplots()


def _as_float(value: Any) -> float:
    """A loss as a Python float, whether it is a Tensor, an array or a number."""
    return float(value.item() if hasattr(value, "item") else value)


# ---------------------------------------------------------------- training curves


def plot_curves(
    runs: Mapping[str, ArrayLike],
    *,
    x: Mapping[str, ArrayLike] | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str | None = None,
    logy: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Several runs on one axes: one line per entry of ``runs`` (label → values).

    The values are plotted against 1, 2, 3, … unless ``x`` gives the x values of a run
    (``x[label]``, the same length as ``runs[label]``), e.g. the number of updates done
    at the end of each epoch. ``logy=True`` uses a log scale for the values (losses that
    fall over several orders of magnitude).

    >>> from tinygrad_lite.plots import plot_curves
    >>> fig = plot_curves({"SGD": [1.0, 0.6, 0.4], "Adam": [1.0, 0.3, 0.1]}, logy=True)
    >>> [line.get_label() for line in fig.axes[0].get_lines()], fig.axes[0].get_yscale()
    (['SGD', 'Adam'], 'log')
    """
    ax = _axes(ax)
    for label, values in runs.items():
        ys = np.asarray(values, dtype=float)
        xs = np.asarray(x[label], dtype=float) if x and label in x else np.arange(1, len(ys) + 1)
        if xs.shape != ys.shape:
            raise ValueError(
                f"plot_curves: run {label!r} has {ys.shape} values but {xs.shape} x values"
            )
        ax.plot(xs, ys, label=label)
    if logy:
        ax.set_yscale("log")
    if not x:
        ax.xaxis.get_major_locator().set_params(integer=True)  # epochs are whole numbers
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "")
    ax.grid(alpha=0.3)
    if len(runs) > 1:
        ax.legend()
    return ax.figure


# ---------------------------------------------------------------- optimizer paths


def _contour_levels(Z: np.ndarray, n: int = 15) -> np.ndarray:
    """Log-spaced levels for a function that is >= 0 (a bowl, Rosenbrock's valley), so the
    bottom is drawn as finely as the walls; evenly spaced levels otherwise."""
    low, high = float(Z.min()), float(Z.max())
    if low >= 0:
        return np.geomspace(max(low, high * 1e-5, 1e-12), high, n)
    return np.linspace(low, high, n)


def plot_optimizer_paths(
    objective: Objective,
    paths: Mapping[str, np.ndarray],
    *,
    lrs: Mapping[str, float] | None = None,
    ncols: int = 3,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """One panel per optimizer: the contours of ``objective`` with the path it took.

    ``paths`` maps an optimizer name to an array of points of shape ``(steps + 1, 2)``, as
    `testfunctions.optimize_path` returns. Each panel marks the start (a black square), the
    global minima (green stars) and any local minima (orange stars); the path has a dot per
    step when it has at most 100 steps. The title gives the learning rate (from ``lrs``, else
    ``objective.lrs``), the value of f at the last point and that path's number of steps.
    x and y share one scale, so an elongated bowl looks elongated; ``xlim`` and ``ylim``
    replace the objective's own limits (to show a path that leaves them).

    >>> from tinygrad_lite import plots, testfunctions
    >>> f = testfunctions.anisotropic
    >>> fig = plots.plot_optimizer_paths(f, testfunctions.compare_optimizers(f, ["SGD"]))
    >>> print(fig.axes[0].get_title())
    SGD (lr=0.95, f=0.0133)
    30 steps
    """
    if not paths:
        raise ValueError("plot_optimizer_paths: got no paths to draw")
    lrs = {**objective.lrs, **(lrs or {})}
    xlim, ylim = xlim or objective.xlim, ylim or objective.ylim
    ncols = min(ncols, len(paths))
    nrows = math.ceil(len(paths) / ncols)
    # equal scales on x and y: a panel's axes are about 2.3 inches wide, plus room for labels
    axes_height = 2.3 * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    fig = _figure(3.0 * ncols, (axes_height + 1.0) * nrows + 0.3)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    xs, ys = np.linspace(*xlim, 200), np.linspace(*ylim, 200)
    X, Y = np.meshgrid(xs, ys)
    with no_grad():
        Z = objective(Tensor(X, dtype=np.float64), Tensor(Y, dtype=np.float64)).numpy()
    levels = _contour_levels(Z)
    for ax, (name, points) in zip(axes, paths.items(), strict=False):
        path = np.asarray(points, dtype=float)
        ax.contour(X, Y, Z, levels=levels, colors="#9a9a9a", linewidths=0.6)
        dots = "o-" if len(path) <= 100 else "-"  # a dot per step, unless they would merge
        ax.plot(path[:, 0], path[:, 1], dots, color="C3", markersize=2.5, linewidth=1.2)
        ax.plot(*objective.start, "ks", markersize=5)
        for minimum in objective.minima:
            ax.plot(*minimum, "*", color="C2", markersize=11)
        for minimum in objective.local_minima:
            ax.plot(*minimum, "*", color="C1", markersize=9)
        ax.set(xlim=xlim, ylim=ylim, xlabel="x", ylabel="y")
        ax.set_aspect("equal")
        lr = f"lr={lrs[name]:g}, " if name in lrs else ""
        final = objective.value(*path[-1])
        ax.set_title(f"{name} ({lr}f={final:.3g})\n{len(path) - 1} steps", fontsize=9)
    for ax in axes[len(paths) :]:
        ax.set_visible(False)
    fig.suptitle(f"{objective.name}: f(x, y) = {objective.formula}")
    return fig


# ---------------------------------------------------------------- classifiers and losses


def plot_decision_boundary(
    model: Callable[[Tensor], Tensor],
    X: ArrayLike,
    y: ArrayLike,
    *,
    resolution: int = 200,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The class a 2-D classifier predicts at every point of the plane, under the data.

    ``model`` maps a Tensor of points, shape ``(N, 2)``, to class scores ``(N, C)``; the
    predicted class is the highest score (for a single score column: score > 0). The
    background shows the predicted class, the dots the samples ``X`` coloured by label ``y``.

    >>> import numpy as np
    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.plots import plot_decision_boundary
    >>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32), np.array([1, 0])
    >>> fig = plot_decision_boundary(nn.Linear(2, 2), X, y, resolution=50, title="untrained")
    >>> len(fig.axes), fig.axes[0].get_title()
    (1, 'untrained')
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (N, 2), got {X.shape}")
    span = X.max(axis=0) - X.min(axis=0)
    pad = np.where(span > 0, 0.1 * span, 0.5)  # a margin around the data, never zero
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(X.dtype, copy=False)
    with no_grad():
        scores = np.asarray(model(Tensor(points)).data)
    if scores.ndim == 2 and scores.shape[1] > 1:
        predicted = scores.argmax(axis=1)
    else:
        predicted = (scores.reshape(-1) > 0).astype(np.int64)
    n_classes = int(max(predicted.max(), y.max())) + 1
    colours = [f"C{k % 10}" for k in range(n_classes)]
    ax = _axes(ax, 5.0, 4.5)
    ax.contourf(xx, yy, predicted.reshape(xx.shape), levels=np.arange(n_classes + 1) - 0.5,
                colors=colours, alpha=0.25)  # fmt: skip
    ax.scatter(X[:, 0], X[:, 1], c=[colours[k] for k in y], s=12, edgecolors="k", linewidths=0.3)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x₁", ylabel="x₂", title=title or "")
    return ax.figure


def plot_loss_slice_1d(
    loss: Callable[[np.ndarray], Any],
    W: ArrayLike,
    W1: ArrayLike,
    *,
    span: float = 1.0,
    n: int = 101,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The loss along one direction through the weights: ``a ↦ L(W + a W1)``, a in ±span.

    ``loss`` takes a weight array shaped like ``W`` and returns the loss (a Tensor or a
    number). A high-dimensional loss cannot be drawn, but a line through it can.

    >>> import numpy as np
    >>> from tinygrad_lite.plots import plot_loss_slice_1d
    >>> fig = plot_loss_slice_1d(lambda w: (w**2).sum(), np.zeros(3), np.ones(3), n=5)
    >>> fig.axes[0].get_lines()[0].get_ydata().tolist()  # 3 a² at a = -1, -0.5, 0, 0.5, 1
    [3.0, 0.75, 0.0, 0.75, 3.0]
    """
    W, W1 = np.asarray(W), np.asarray(W1, dtype=np.asarray(W).dtype)
    alphas = np.linspace(-span, span, n)
    values = [_as_float(loss(W + a * W1)) for a in alphas]
    ax = _axes(ax, 5.0, 3.5)
    ax.plot(alphas, values)
    ax.axvline(0.0, color="k", linewidth=0.6, linestyle=":")
    ax.set(xlabel="a", ylabel="L(W + a W₁)", title=title or "")
    ax.grid(alpha=0.3)
    return ax.figure


def plot_loss_slice_2d(
    loss: Callable[[np.ndarray], Any],
    W: ArrayLike,
    W1: ArrayLike,
    W2: ArrayLike,
    *,
    span: float = 1.0,
    n: int = 41,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The loss over a plane through the weights: ``(a, b) ↦ L(W + a W1 + b W2)``, as a
    heat map with a colour bar (viridis: dark low, yellow high, evenly bright in between);
    the centre, marked with a white cross, is ``W`` itself.

    >>> import numpy as np
    >>> from tinygrad_lite.plots import plot_loss_slice_2d
    >>> fig = plot_loss_slice_2d(lambda w: (w**2).sum(), np.zeros(2), [1.0, 0.0], [0.0, 1.0], n=5)
    >>> len(fig.axes)  # the heat map and its colour bar
    2
    >>> float(fig.axes[0].get_images()[0].get_array().max())  # a² + b² at a corner: a, b = ±1
    2.0
    """
    W = np.asarray(W)
    W1, W2 = np.asarray(W1, dtype=W.dtype), np.asarray(W2, dtype=W.dtype)
    steps = np.linspace(-span, span, n)
    values = np.array([[_as_float(loss(W + a * W1 + b * W2)) for a in steps] for b in steps])
    ax = _axes(ax, 5.0, 4.0)
    # viridis, not jet: its brightness rises evenly with the loss, so no false edges appear
    image = ax.imshow(values, origin="lower", extent=(-span, span, -span, span), cmap="viridis",
                      aspect="equal")  # fmt: skip
    ax.plot(0.0, 0.0, "x", color="white", markersize=9, markeredgewidth=2, label="W")
    ax.figure.colorbar(image, ax=ax, label="L(W + a W₁ + b W₂)")
    ax.set(xlabel="a", ylabel="b", title=title or "")
    return ax.figure


# ---------------------------------------------------------------- inside the network


def plot_activation_histograms(
    activations: Sequence[ArrayLike] | Mapping[str, Sequence[ArrayLike]],
    *,
    bins: int = 30,
    exclude_zeros: bool = False,
    title: str | None = None,
) -> Figure:
    """Histograms of each layer's activations, one panel per layer.

    ``activations`` is a list with one array per layer (one row of panels), or a mapping
    from a label (say, an initialization) to such a list: one row per label, labelled
    on the left. Within a row all panels share the x range, so layers compare at a glance;
    each panel's y axis counts the activations in a bar.
    ``exclude_zeros=True`` leaves out exact zeros (a ReLU's inactive units, whose spike
    would flatten the rest) and writes their fraction in each panel instead.

    >>> import numpy as np
    >>> from tinygrad_lite.plots import plot_activation_histograms
    >>> rng = np.random.default_rng(0)
    >>> layers = [rng.normal(size=100), np.maximum(rng.normal(size=100), 0)]
    >>> fig = plot_activation_histograms({"before": layers, "after": layers})
    >>> len(fig.axes), fig.axes[1].get_title()  # 2 rows of 2 layers
    (4, 'layer 2')
    """
    rows = dict(activations) if isinstance(activations, Mapping) else {"": activations}
    if not rows or not all(len(layers) for layers in rows.values()):
        raise ValueError("plot_activation_histograms: got no activations to draw")
    ncols = max(len(layers) for layers in rows.values())
    fig = _figure(1.9 * ncols + 0.6, 1.6 * len(rows) + 0.6)
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    for r, (label, layers) in enumerate(rows.items()):
        arrays = [np.asarray(a, dtype=float).ravel() for a in layers]
        zeros = [float(np.mean(a == 0)) for a in arrays]
        if exclude_zeros:
            arrays = [a[a != 0] for a in arrays]
        shown = np.concatenate(arrays)
        low, high = (shown.min(), shown.max()) if shown.size else (0.0, 0.0)
        value_range = (low, high) if high > low else (low - 0.5, high + 0.5)
        for c, ax in enumerate(axes[r]):
            if c >= len(arrays):
                ax.set_visible(False)
                continue
            ax.hist(arrays[c], bins=bins, range=value_range, color="C0")
            if exclude_zeros:
                ax.text(0.97, 0.88, f"{zeros[c]:.0%} zeros", transform=ax.transAxes,
                        ha="right", fontsize=7)  # fmt: skip
            ax.locator_params(axis="x", nbins=4)
            ax.locator_params(axis="y", nbins=3)  # counts: how many activations per bar
            ax.tick_params(labelsize=7)
            if r == 0:
                ax.set_title(f"layer {c + 1}", fontsize=9)
            if c == 0 and label:
                ax.set_ylabel(label, fontsize=9)
    fig.supylabel("count", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------- gradient checking


def plot_gradient_error(
    hs: ArrayLike,
    errors: Mapping[str, ArrayLike],
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Error of finite-difference derivatives against the step size h, on log-log axes.

    ``errors`` maps a label (e.g. "central, float64") to the absolute error at each h. As
    h shrinks the truncation error falls (∝ h for forward, ∝ h² for central differences)
    until rounding error, ∝ 1/h, takes over: the V shape this plot shows.

    >>> from tinygrad_lite.plots import plot_gradient_error
    >>> hs = [1e-1, 1e-2, 1e-3]
    >>> fig = plot_gradient_error(hs, {"forward": [5e-2, 5e-3, 5e-4], "central": [2e-3, 2e-5, 2e-7]})
    >>> ax = fig.axes[0]
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.get_lines())
    ('log', 'log', 2)
    """
    hs = np.asarray(hs, dtype=float)
    ax = _axes(ax, 5.5, 4.0)
    for label, values in errors.items():
        err = np.asarray(values, dtype=float)
        if err.shape != hs.shape:
            raise ValueError(
                f"plot_gradient_error: {label!r} has {err.shape} errors for {hs.shape} values of h"
            )
        # an exact zero (a lucky cancellation) cannot be drawn on a log axis
        ax.loglog(hs, np.where(err > 0, err, np.nan), "o-", markersize=3, label=label)
    ax.set(xlabel="step size h", ylabel="|numerical - analytic|", title=title or "")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return ax.figure
