"""Two-dimensional test functions for watching optimizers move.

Each function is written with Tensor operations, so its gradient comes from
``backward()`` like any loss's; an optimizer sees the point ``p = (x, y)`` as one
parameter of shape ``(2,)`` and never learns that it is not a neural network.

- ``anisotropic``: ``f(x, y) = x**2 / 20 + y**2``, a bowl twenty times steeper along y
  than along x. From (-7, 2), plain SGD zig-zags across the valley; momentum and the
  adaptive methods do better.
- ``saddle``: ``f(x, y) = x**2 + y**4 / 4 - y**2 / 2``, a saddle point at the origin
  between two minima at (0, -1) and (0, 1), where ``f = -1/4``. Started just off the
  ridge, at (-1.5, 0.001), every method first slides into the saddle; the gradient
  there is tiny, and methods that rescale it (AdaGrad, RMSProp, Adam) escape first.
- ``rosenbrock``: ``f(x, y) = (1 - x)**2 + 100 (y - x**2)**2``, a curved, narrow valley
  with its minimum at (1, 1). Easy to find the valley, slow to follow it.
- ``double_well``: ``f(x, y) = tanh(g / 4)`` with
  ``g = x**4 - x**3/3 - 2 x**2 + x + 5/3 + y**2``, a tilted double well: the global minimum
  at (-1, 0) (f = 0), a shallower local minimum at (1, 0) (f = tanh(1/3) ~ 0.32), the ridge
  between them at x = 1/4, and all around them a plateau where tanh saturates near 1 and
  the gradient is almost 0 (about 0.006 at (2.3, 0)). Gradient descent ends in whichever
  basin it starts in, and from the plateau it takes many steps before the loss moves.

>>> from tinygrad_lite import optim, testfunctions
>>> f = testfunctions.get("anisotropic")
>>> path = testfunctions.optimize_path(f, lambda params: optim.SGD(params, lr=0.95), steps=30)
>>> path.shape, path[0].tolist()
((31, 2), [-7.0, 2.0])
>>> round(f.value(*path[-1]), 4)
0.0133
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from tinygrad_lite import optim
from tinygrad_lite.autograd import no_grad
from tinygrad_lite.tensor import Tensor

__all__ = [
    "OBJECTIVES",
    "OPTIMIZERS",
    "Objective",
    "anisotropic",
    "compare_optimizers",
    "double_well",
    "get",
    "optimize_path",
    "rosenbrock",
    "saddle",
]

OPTIMIZERS: dict[str, Callable[..., optim.Optimizer]] = {
    "SGD": optim.SGD,
    "Momentum": optim.Momentum,
    "Nesterov": optim.Nesterov,
    "AdaGrad": optim.AdaGrad,
    "RMSProp": optim.RMSProp,
    "Adam": optim.Adam,
}
"""The six first-order optimizers, by the names the figures use (momentum 0.9,
Adam's betas (0.9, 0.999): each class's defaults)."""


@dataclass(frozen=True)
class Objective:
    """A function of two variables to minimize, with what it takes to draw and run it.

    ``fn(x, y)`` works on Tensors of any (equal) shape, elementwise: on scalars it is the
    loss, on a grid of points it gives the heights for a contour plot. ``lrs`` holds a
    learning rate per optimizer name that shows each method at its typical behaviour
    in ``steps`` steps from ``start``. ``minima`` are the global minima (``f = min_value``);
    ``local_minima`` the others, where gradient descent can stop too.

    The four built-in ones are objectives too (``anisotropic``, ``saddle``, ``rosenbrock``,
    ``double_well``); a new one needs a name, a formula, ``fn`` and where to look:

    >>> from tinygrad_lite.testfunctions import Objective, anisotropic, double_well, rosenbrock, saddle
    >>> bowl = Objective(name="bowl", formula="x² + y²", fn=lambda x, y: x**2 + y**2,
    ...                  start=(1.0, 1.0), minima=((0.0, 0.0),), min_value=0.0,
    ...                  xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), steps=10)
    >>> bowl.value(1.0, 2.0)
    5.0
    >>> anisotropic.value(-7.0, 2.0), saddle.value(0.0, 1.0), rosenbrock.value(1.0, 1.0)
    (6.45, -0.25, 0.0)
    >>> round(double_well.value(-1.0, 0.0), 4), round(double_well.value(1.0, 0.0), 4)
    (0.0, 0.3215)
    """

    name: str
    formula: str
    fn: Callable[[Tensor, Tensor], Tensor]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    min_value: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    steps: int
    lrs: Mapping[str, float] = field(default_factory=dict)
    local_minima: tuple[tuple[float, float], ...] = ()

    def __call__(self, x: Tensor, y: Tensor) -> Tensor:
        return self.fn(x, y)

    def value(self, x: float, y: float) -> float:
        """``f(x, y)`` as a Python float (computed in float64, no graph recorded)."""
        with no_grad():
            out = self.fn(Tensor(float(x), dtype=np.float64), Tensor(float(y), dtype=np.float64))
        return float(out.item())

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X, Y, Z`` of shape ``(n, n)`` over ``xlim`` x ``ylim``, with ``Z = f(X, Y)``."""
        xs = np.linspace(*self.xlim, n)
        ys = np.linspace(*self.ylim, n)
        X, Y = np.meshgrid(xs, ys)
        with no_grad():
            Z = self.fn(Tensor(X, dtype=np.float64), Tensor(Y, dtype=np.float64)).numpy()
        return X, Y, Z


def _anisotropic(x: Tensor, y: Tensor) -> Tensor:
    return x**2 / 20 + y**2


def _saddle(x: Tensor, y: Tensor) -> Tensor:
    return x**2 + y**4 / 4 - y**2 / 2


def _rosenbrock(x: Tensor, y: Tensor) -> Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _double_well(x: Tensor, y: Tensor) -> Tensor:
    # dg/dx = 4 (x + 1)(x - 1/4)(x - 1): minima at x = -1 and 1, the ridge at x = 1/4;
    # g(-1, 0) = 0 and g(1, 0) = 4/3. tanh flattens everything where g is large: the plateau.
    g = x**4 - x**3 / 3 - 2 * x**2 + x + 5 / 3 + y**2
    return (g / 4).tanh()


anisotropic = Objective(
    name="anisotropic",
    formula="x²/20 + y²",
    fn=_anisotropic,
    start=(-7.0, 2.0),
    minima=((0.0, 0.0),),
    min_value=0.0,
    xlim=(-10.0, 10.0),
    ylim=(-5.0, 5.0),
    steps=30,
    lrs={"SGD": 0.95, "Momentum": 0.1, "Nesterov": 0.1, "AdaGrad": 1.5, "RMSProp": 0.1,
         "Adam": 0.3},
)  # fmt: skip

saddle = Objective(
    name="saddle",
    formula="x² + y⁴/4 - y²/2",
    fn=_saddle,
    start=(-1.5, 1e-3),
    minima=((0.0, -1.0), (0.0, 1.0)),
    min_value=-0.25,
    xlim=(-2.0, 2.0),
    ylim=(-1.6, 1.6),
    steps=60,
    lrs={"SGD": 0.1, "Momentum": 0.03, "Nesterov": 0.03, "AdaGrad": 0.3, "RMSProp": 0.03,
         "Adam": 0.1},
)  # fmt: skip

rosenbrock = Objective(
    name="rosenbrock",
    formula="(1 - x)² + 100 (y - x²)²",
    fn=_rosenbrock,
    start=(-1.5, 2.0),
    minima=((1.0, 1.0),),
    min_value=0.0,
    xlim=(-2.0, 2.0),
    ylim=(-1.0, 3.0),
    steps=1000,
    lrs={"SGD": 1e-3, "Momentum": 1e-3, "Nesterov": 1e-3, "AdaGrad": 0.5, "RMSProp": 0.01,
         "Adam": 0.1},
)  # fmt: skip

double_well = Objective(
    name="double_well",
    formula="tanh((x⁴ - x³/3 - 2x² + x + 5/3 + y²) / 4)",
    fn=_double_well,
    start=(2.3, 0.5),
    minima=((-1.0, 0.0),),
    min_value=0.0,
    xlim=(-2.5, 2.5),
    ylim=(-2.0, 2.0),
    steps=200,
    lrs={"SGD": 0.1, "Momentum": 0.02, "Nesterov": 0.02, "AdaGrad": 0.3, "RMSProp": 0.01,
         "Adam": 0.05},
    local_minima=((1.0, 0.0),),
)  # fmt: skip

OBJECTIVES: dict[str, Objective] = {
    f.name: f for f in (anisotropic, saddle, rosenbrock, double_well)
}
"""The test functions by name, as ``compare-optimizers --function`` takes them."""


def get(name: str) -> Objective:
    """The test function called `name`: "anisotropic", "saddle", "rosenbrock" or "double_well".

    >>> from tinygrad_lite import testfunctions
    >>> testfunctions.get("rosenbrock").minima
    ((1.0, 1.0),)
    """
    if name not in OBJECTIVES:
        raise ValueError(
            f"testfunctions.get: unknown function {name!r}; choose one of {', '.join(OBJECTIVES)}"
        )
    return OBJECTIVES[name]


def optimize_path(
    objective: Objective | Callable[[Tensor, Tensor], Tensor],
    make_optimizer: Callable[[list[Tensor]], optim.Optimizer],
    steps: int | None = None,
    start: tuple[float, float] | None = None,
) -> np.ndarray:
    """Run an optimizer on a 2-D function and return the points it visited.

    ``make_optimizer(params)`` builds the optimizer for the parameter list ``[p]``, where
    ``p`` is the float64 Tensor ``(x, y)``, e.g. ``lambda ps: optim.Adam(ps, lr=0.3)``.
    Each step is the usual ``zero_grad(); f(x, y).backward(); step()``. `steps` and
    `start` default to the objective's own (a bare function needs both).
    Returns an array of shape ``(steps + 1, 2)``: the start, then the point after each step.

    >>> from tinygrad_lite import optim
    >>> from tinygrad_lite.testfunctions import optimize_path, saddle
    >>> path = optimize_path(saddle, lambda ps: optim.Adam(ps, lr=0.1), steps=5)
    >>> path.shape, path[0].tolist()
    ((6, 2), [-1.5, 0.001])
    """
    steps = getattr(objective, "steps", None) if steps is None else steps
    start = getattr(objective, "start", None) if start is None else start
    if steps is None or start is None:
        raise ValueError("optimize_path: pass steps= and start= for a function without defaults")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"optimize_path: steps must be an int >= 0, got {steps!r}")
    p = Tensor(np.asarray(start, dtype=np.float64), requires_grad=True, name="p")
    if p.shape != (2,):
        raise ValueError(f"optimize_path: start must be a point (x, y), got shape {p.shape}")
    optimizer = make_optimizer([p])
    path = [p.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        objective(p[0], p[1]).backward()
        optimizer.step()
        path.append(p.data.copy())
    return np.array(path)


def compare_optimizers(
    objective: Objective,
    names: Iterable[str] = tuple(OPTIMIZERS),
    lrs: Mapping[str, float] | None = None,
    steps: int | None = None,
) -> dict[str, np.ndarray]:
    """The path of each optimizer in `names` on `objective`, as ``{name: path}``.

    Learning rates come from `lrs`, else from ``objective.lrs``; every other
    hyperparameter is the optimizer's default.

    >>> from tinygrad_lite.testfunctions import anisotropic, compare_optimizers
    >>> paths = compare_optimizers(anisotropic, ["SGD", "Adam"])
    >>> {name: path.shape for name, path in paths.items()}
    {'SGD': (31, 2), 'Adam': (31, 2)}
    """
    chosen = {**objective.lrs, **(lrs or {})}
    paths = {}
    for name in names:
        if name not in OPTIMIZERS:
            raise ValueError(
                f"compare_optimizers: unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}"
            )
        if name not in chosen:
            raise ValueError(f"compare_optimizers: no learning rate for {name}; pass lrs={{...}}")
        cls, lr = OPTIMIZERS[name], chosen[name]
        paths[name] = optimize_path(objective, lambda ps, cls=cls, lr=lr: cls(ps, lr=lr), steps)
    return paths
