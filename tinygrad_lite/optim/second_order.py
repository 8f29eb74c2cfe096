"""Second order (Newton) and "1.5 order" (L-BFGS): steps shaped by curvature.

Gradient descent moves along ``-g`` with one step size for every direction, so it crawls
along flat valleys and zig-zags across steep ones. Newton's method fits a quadratic using
the Hessian ``H`` (all second derivatives) and jumps to its minimum, ``d = H^-1 g``. L-BFGS
never forms ``H``: it estimates ``H^-1 g`` from the last few steps ``s`` and how much the
gradient changed along them, ``y``, and picks the step length with a line search.

Both are driven by a closure that zeroes the grads, computes the loss, calls backward and
returns the loss, because they need to evaluate the loss more than once or record more
than the gradient::

    def closure():
        opt.zero_grad()
        loss = f(w)
        loss.backward(create_graph=True)   # Newton; plain loss.backward() for L-BFGS
        return loss

    opt.step(closure)

All the arithmetic runs in float64 on one flat vector holding every parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_lite.higher_order import MAX_HESSIAN_SIZE, grad
from tinygrad_lite.optim.optimizer import Optimizer, check_number, loss_value, require_closure

if TYPE_CHECKING:
    from tinygrad_lite.tensor import Tensor


CLOSURE_DOES = "zeroes the grads, computes the loss, calls backward and returns the loss"


class Newton(Optimizer):
    """Newton's method for small problems: solve ``H d = g``, then ``W -= lr * d``.

    The closure must call ``loss.backward(create_graph=True)``: each ``p.grad`` is then a
    recorded graph, and row ``i`` of the Hessian is the gradient of gradient element ``i``.
    That takes one backward pass per parameter element, so at most ``MAX_HESSIAN_SIZE``
    elements in total.

    Far from a minimum ``H`` may not be positive definite, and then ``d`` can point uphill
    (towards a maximum or a saddle). The step is then damped, Levenberg style:
    ``(H + tau I) d = g``. The smallest eigenvalue ``lambda_min`` of ``H + tau I`` is
    ``lambda_min(H) + tau``, so any ``tau > -lambda_min(H)`` makes it positive definite; we
    take ``tau = max(2 |lambda_min(H)|, 1e-3)``, which keeps the damped matrix as far from
    singular as ``H`` was from positive definite (a ``tau`` just above ``-lambda_min`` would
    make a nearly singular system and a huge step). A large ``tau`` turns the step into a
    short gradient-descent step ``g / tau``. ``self.damping`` holds the last ``tau`` (0 when
    ``H`` was positive definite).

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite import optim
    >>> x = tl.Tensor([2.0], requires_grad=True, dtype="float64")
    >>> opt = optim.Newton([x])
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (x**4 - 2 * x**2).sum()
    ...     loss.backward(create_graph=True)
    ...     return loss
    >>> _ = opt.step(closure); round(x.item(), 4)     # 2 - 24/44
    1.4545
    """

    min_damping = 1e-3

    def __init__(self, params: Iterable[Tensor], lr: float = 1.0) -> None:
        super().__init__(params, lr)
        self.damping = 0.0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Evaluate ``closure()`` (loss and recorded gradients), take one Newton step."""
        require_closure("Newton", closure, CLOSURE_DOES)
        loss = closure()
        params = [p for p in self.params if p.grad is not None]
        if not params:
            return loss
        grads = [p.grad for p in params]
        size = sum(p.size for p in params)
        if size > MAX_HESSIAN_SIZE:
            raise ValueError(
                f"Newton: {size} parameter elements would need a {size}x{size} Hessian; it is "
                f"meant for at most {MAX_HESSIAN_SIZE}. Use LBFGS for larger problems"
            )
        if not any(g.requires_grad for g in grads):
            raise RuntimeError(
                "Newton.step: the gradients carry no graph, so the Hessian cannot be built; "
                "the closure must call loss.backward(create_graph=True)"
            )
        g = np.concatenate([gr.data.reshape(-1) for gr in grads]).astype(np.float64)
        d = self._solve(self._hessian(params, grads), g)
        offset = 0
        for p in params:
            n = p.size
            p.data -= (self.lr * d[offset : offset + n]).reshape(p.shape).astype(p.dtype)
            offset += n
        return loss

    def _hessian(self, params: list[Tensor], grads: list[Tensor]) -> np.ndarray:
        """Row by row: the row of gradient element ``g[k]`` is ``d g[k] / d(every parameter)``."""
        n = sum(p.size for p in params)
        rows = []
        for g in grads:
            for k in range(g.size):
                if not g.requires_grad:  # this gradient is a constant: its rows are zero
                    rows.append(np.zeros(n))
                    continue
                unit = np.zeros(g.size, dtype=g.dtype)
                unit[k] = 1.0
                row = grad(g, params, unit.reshape(g.shape), retain_graph=True, allow_unused=True)
                rows.append(
                    np.concatenate(
                        [
                            np.zeros(p.size) if h is None else h.data.reshape(-1)
                            for p, h in zip(params, row, strict=True)
                        ]
                    )
                )
        hess = np.array(rows, dtype=np.float64)
        return (hess + hess.T) / 2  # exact in theory; averaging removes rounding asymmetry

    def _solve(self, hess: np.ndarray, g: np.ndarray) -> np.ndarray:
        """``d`` with ``(H + tau I) d = g``; tau = 0 if H is positive definite (see class doc)."""
        lowest = float(np.linalg.eigvalsh(hess)[0])
        self.damping = 0.0 if lowest > 0 else max(2 * abs(lowest), self.min_damping)
        return np.linalg.solve(hess + self.damping * np.eye(len(g)), g)


@dataclass
class _Point:
    """One trial point of a line search: step t, loss f, slope along d, gradient, loss value."""

    t: float
    f: float
    slope: float
    g: np.ndarray
    loss: Any


def _cubic_step(a: _Point, b: _Point) -> float:
    """The minimizer of the cubic matching f and slope at a and b, kept inside [a.t, b.t].

    (Nocedal & Wright, eq. 3.59.) Falls back to the midpoint when the cubic has no minimum
    there; stays 10% away from both ends so every trial shrinks the interval.
    """
    low, high = min(a.t, b.t), max(a.t, b.t)
    d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.t - b.t)
    disc = d1 * d1 - a.slope * b.slope
    if math.isfinite(disc) and disc >= 0:
        d2 = math.copysign(math.sqrt(disc), b.t - a.t)
        denominator = b.slope - a.slope + 2 * d2
        if denominator != 0:
            t = b.t - (b.t - a.t) * (b.slope + d2 - d1) / denominator
            if math.isfinite(t):
                margin = 0.1 * (high - low)
                return min(max(t, low + margin), high - margin)
    return (low + high) / 2


class LBFGS(Optimizer):
    """Limited-memory BFGS: quasi-Newton directions from the last ``history_size`` steps.

    Each ``step(closure)`` is one iteration (PyTorch's LBFGS runs up to 20 per call):

    1. direction ``d = -H_approx^-1 g`` by the two-loop recursion over the stored pairs
       ``s = x_new - x``, ``y = g_new - g`` (with ``H_0^-1 = (s.y / y.y) I`` from the newest
       pair; plain ``-g`` when there is no history yet);
    2. a step length ``t``: ``line_search="strong_wolfe"`` starts at ``lr`` (``lr * min(1, 1/|g|_1)``
       while there is no history, as the direction is then the unscaled ``-g``) and looks for a ``t`` with enough decrease,
       ``f(x + t d) <= f + c1 t g.d``, and a flatter slope, ``|g(x + t d).d| <= c2 |g.d|``
       (``c1 = 1e-4``, ``c2 = 0.9``), by bracketing and cubic-interpolation zoom (Nocedal &
       Wright, Algorithms 3.5 and 3.6); ``line_search=None`` takes ``t`` as it is;
    3. ``x += t d`` and the new pair ``(s, y)`` joins the history if ``s.y > 0``.

    ``n_evals`` counts closure calls (loss and gradient evaluations), ``n_iters`` steps.
    ``step`` returns the loss at the parameters it started from.

    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor([3.0, -2.0], requires_grad=True, dtype="float64")
    >>> opt = tl.optim.LBFGS([x])
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (x * x).sum()
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(5):
    ...     _ = opt.step(closure)
    >>> bool(abs(x.data).max() < 1e-6)
    True
    """

    c1 = 1e-4
    c2 = 0.9
    max_line_search_evals = 25

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1.0,
        history_size: int = 10,
        line_search: str | None = "strong_wolfe",
    ) -> None:
        super().__init__(params, lr)
        if isinstance(history_size, bool) or not isinstance(history_size, int | np.integer):
            raise TypeError(f"LBFGS: history_size must be an int, got {history_size!r}")
        if history_size < 1:
            raise ValueError(f"LBFGS: history_size must be at least 1, got {history_size}")
        if line_search not in ("strong_wolfe", None):
            raise ValueError(
                f"LBFGS: line_search must be 'strong_wolfe' or None, got {line_search!r}"
            )
        self.history_size = int(history_size)
        self.line_search = line_search
        self.history: list[tuple[np.ndarray, np.ndarray]] = []  # (s, y) pairs, oldest first
        self.n_evals = 0
        self.n_iters = 0
        self._last: tuple[np.ndarray, _Point] | None = None  # the last evaluated x and its point

    # ---------------------------------------------------------------- flat views

    def _get_x(self) -> np.ndarray:
        return np.concatenate([p.data.reshape(-1) for p in self.params]).astype(np.float64)

    def _set_x(self, x: np.ndarray) -> None:
        offset = 0
        for p in self.params:
            p.data[...] = x[offset : offset + p.size].reshape(p.shape)
            offset += p.size

    def _evaluate(self, closure: Callable[[], Any], x: np.ndarray, t: float) -> _Point:
        """Set the parameters to ``x``, run the closure, read loss and flat gradient."""
        self._set_x(x)
        loss = closure()
        self.n_evals += 1
        g = np.concatenate(
            [np.zeros(p.size) if p.grad is None else p.grad.data.reshape(-1) for p in self.params]
        ).astype(np.float64)
        f = loss_value(loss)
        self._last = (self._get_x(), _Point(t, f, 0.0, g, loss))
        return self._last[1]

    # ---------------------------------------------------------------- one iteration

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One L-BFGS iteration: direction, step length, history update. Returns the loss."""
        require_closure("LBFGS", closure, CLOSURE_DOES)
        x = self._get_x()
        if self._last is not None and np.array_equal(self._last[0], x):
            start = self._last[1]  # evaluated at the end of the previous step's line search
        else:
            start = self._evaluate(closure, x, 0.0)
        g = start.g
        if not np.any(g):
            return start.loss  # a stationary point: nowhere to go
        d = self._direction(g)
        if g @ d >= 0:  # not downhill (cannot happen with s.y > 0, but be safe): restart
            self.history.clear()
            d = -g
        t = self.lr * min(1.0, 1.0 / np.abs(g).sum()) if not self.history else self.lr
        origin = _Point(0.0, start.f, float(g @ d), g, start.loss)
        if self.line_search is None:
            new = self._evaluate(closure, x + t * d, t)
        else:
            new = self._strong_wolfe(closure, x, d, origin, t)
        if new.t == 0.0:  # the line search found no decrease: start over from -g next time
            self.history.clear()
            self._set_x(x)
            return start.loss
        self._set_x(x + new.t * d)
        self._last = (self._get_x(), new)
        s, y = new.t * d, new.g - g
        if s @ y > 1e-10:
            self.history.append((s, y))
            del self.history[: -self.history_size]
        self.n_iters += 1
        return start.loss

    def _direction(self, g: np.ndarray) -> np.ndarray:
        """``-H_approx^-1 g`` by the two-loop recursion (Nocedal & Wright, Algorithm 7.4)."""
        q = g.copy()
        alphas = []
        for s, y in reversed(self.history):
            alpha = (s @ q) / (y @ s)
            q -= alpha * y
            alphas.append(alpha)
        if self.history:
            s, y = self.history[-1]
            q *= (s @ y) / (y @ y)
        for (s, y), alpha in zip(self.history, reversed(alphas), strict=True):
            beta = (y @ q) / (y @ s)
            q += (alpha - beta) * s
        return -q

    # ---------------------------------------------------------------- strong Wolfe search

    def _strong_wolfe(
        self, closure: Callable[[], Any], x: np.ndarray, d: np.ndarray, origin: _Point, t: float
    ) -> _Point:
        """A step satisfying the strong Wolfe conditions: bracket, then zoom (N&W Alg. 3.5)."""

        def trial(t: float) -> _Point:
            point = self._evaluate(closure, x + t * d, t)
            point.slope = float(point.g @ d)
            return point

        previous = origin
        for i in range(self.max_line_search_evals):
            current = trial(t)
            if self._too_high(current, origin) or (i > 0 and current.f >= previous.f):
                return self._zoom(trial, previous, current, origin)
            if abs(current.slope) <= -self.c2 * origin.slope:
                return current
            if current.slope >= 0:  # went past a minimum along d
                return self._zoom(trial, current, previous, origin)
            previous, t = current, 2 * t  # still going downhill steeply: try further
        return previous

    def _too_high(self, point: _Point, origin: _Point) -> bool:
        """Not enough decrease (the Armijo condition fails), or the loss overflowed."""
        return not math.isfinite(point.f) or point.f > origin.f + self.c1 * point.t * origin.slope

    def _zoom(
        self, trial: Callable[[float], _Point], low: _Point, high: _Point, origin: _Point
    ) -> _Point:
        """Shrink [low, high] around a strong Wolfe step (N&W Alg. 3.6).

        ``low`` is the best point so far (enough decrease); the interval holds a step that
        satisfies both conditions. Gives up after ``max_line_search_evals`` trials and returns
        ``low`` (``t = 0`` if no trial decreased the loss).
        """
        for _ in range(self.max_line_search_evals):
            current = trial(
                _cubic_step(low, high) if math.isfinite(high.f) else (low.t + high.t) / 2
            )
            if self._too_high(current, origin) or current.f >= low.f:
                high = current
            else:
                if abs(current.slope) <= -self.c2 * origin.slope:
                    return current
                if current.slope * (high.t - low.t) >= 0:
                    high = low
                low = current
            if abs(high.t - low.t) * np.abs(origin.g).max() < 1e-15:
                break
        return low

    # ---------------------------------------------------------------- saving and resuming

    def state_dict(self) -> dict[str, Any]:
        """``lr``, the counters and the history as two ``(k, n)`` arrays ``history.s``/``.y``."""
        n = sum(p.size for p in self.params)
        return {
            "lr": self.lr,
            "n_evals": self.n_evals,
            "n_iters": self.n_iters,
            "history.s": np.array([s for s, _ in self.history]).reshape(-1, n),
            "history.y": np.array([y for _, y in self.history]).reshape(-1, n),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a ``state_dict()``; keys and shapes are checked before anything changes."""
        expected = {"lr", "n_evals", "n_iters", "history.s", "history.y"}
        if not isinstance(state_dict, Mapping) or set(state_dict) != expected:
            got = sorted(state_dict) if isinstance(state_dict, Mapping) else type(state_dict)
            raise ValueError(f"LBFGS.load_state_dict: expected keys {sorted(expected)}, got {got}")
        n = sum(p.size for p in self.params)
        s, y = np.asarray(state_dict["history.s"]), np.asarray(state_dict["history.y"])
        if s.ndim != 2 or s.shape != y.shape or s.shape[1] != n or len(s) > self.history_size:
            raise ValueError(
                f"LBFGS.load_state_dict: history.s and history.y must both have shape (k, {n}) "
                f"with k <= {self.history_size}, got {s.shape} and {y.shape}"
            )
        numbers = {}
        for key in ("lr", "n_evals", "n_iters"):
            value = state_dict[key]
            if isinstance(value, np.ndarray) and value.shape == ():
                value = value.item()  # tl.load gives 0-d arrays
            numbers[key] = check_number("LBFGS.load_state_dict", key, value)
        self.lr = numbers["lr"]
        self.n_evals, self.n_iters = int(numbers["n_evals"]), int(numbers["n_iters"])
        self.history = [
            (a.astype(np.float64), b.astype(np.float64)) for a, b in zip(s, y, strict=True)
        ]
        self._last = None
