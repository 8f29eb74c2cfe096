"""Numerical gradients by central differences, and ``gradcheck`` that compares them with backward.

The central difference ``(f(x + h) - f(x - h)) / 2h`` approximates df/dx with an error of
order h**2, so in float64 with h = 1e-6 it agrees with a correct analytic gradient to about
1e-9: far tighter than any real bug. That is why every check runs in float64.

Where f has a kink (ReLU at 0, ``abs``, ``clip``, a tie in ``max``), x - h and x + h can land
on different sides of it; the central difference then averages two slopes and matches
neither side's derivative. Such elements are reported as *inconclusive*, not failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_lite import ops, ops_elementwise, ops_reduce
from tinygrad_lite.arguments import a_or_an
from tinygrad_lite.tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic gradient (backward) disagrees with the numerical one.

    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    >>> wrong = lambda t: (t * t.detach()).sum()   # hides half of d(t*t)/dt = 2t
    >>> tl.gradcheck(wrong, x)
    Traceback (most recent call last):
    ...
    tinygrad_lite.gradcheck.GradcheckError: ...
    """


def _as_float64(x: Any) -> np.ndarray:
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if data.dtype.kind not in "fiub":
        raise TypeError(
            f"gradcheck inputs must be numeric arrays or Tensors, got dtype {data.dtype}; pass "
            "float arrays such as np.array([1.0, 2.0])"
        )
    return np.array(data, dtype=np.float64)


def scalar_output(f: Callable[..., Any], args: Sequence[Tensor], name: str) -> Tensor:
    """``f(*args)``, checked to be a one-element Tensor (the scalar every check differentiates);
    ``name`` is the function that asks, for the error message."""
    out = f(*args)
    if not isinstance(out, Tensor) or out.data.size != 1:
        got = f"shape {out.shape}" if isinstance(out, Tensor) else f"{a_or_an(type(out).__name__)}"
        raise ValueError(
            f"{name}: f must return a one-element Tensor (a scalar Tensor, e.g. a loss), got "
            f"{got}; reduce it first, e.g. lambda x: (x * x).sum()"
        )
    return out


def _scalar(f: Callable[..., Any], arrays: list[np.ndarray]) -> float:
    out = scalar_output(f, [Tensor(a, dtype=np.float64) for a in arrays], "numerical_grad")
    return float(out.data.reshape(()))


def numerical_grad(
    f: Callable[..., Any], *inputs: Any, eps: float = 1e-6
) -> tuple[np.ndarray, ...]:
    """Central differences ``(f(x+h) - f(x-h)) / 2h`` of a scalar-valued ``f``, one array per input.

    >>> import numpy as np, tinygrad_lite as tl
    >>> (g,) = tl.numerical_grad(lambda x: (x * x).sum(), np.array([1.0, -2.0]))
    >>> np.round(g, 6).tolist()
    [2.0, -4.0]
    """
    arrays = [_as_float64(x) for x in inputs]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)  # views: writing flat[i] changes a
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            up = _scalar(f, arrays)
            flat[i] = original - eps
            down = _scalar(f, arrays)
            flat[i] = original
            gflat[i] = (up - down) / (2 * eps)
        grads.append(g)
    return tuple(grads)


def analytic_grad(f: Callable[..., Any], *inputs: Any) -> tuple[np.ndarray, ...]:
    """The gradients that ``backward()`` computes for ``f`` at ``inputs`` (in float64)."""
    tensors = [Tensor(_as_float64(x), dtype=np.float64, requires_grad=True) for x in inputs]
    out = scalar_output(f, tensors, "gradcheck")
    if out.requires_grad:
        out.backward()
    return tuple(
        np.zeros_like(t.data) if t.grad is None else np.array(t.grad.data) for t in tensors
    )


# ---------------------------------------------------------------- kinks: where no check can decide


def _decision(fn: Any, x: np.ndarray, out: np.ndarray) -> np.ndarray | None:
    """The branch a non-smooth op took, as an array (None for smooth ops).

    ReLU, Abs, LeakyReLU, ELU and Sign look at the sign of their input, Clip at whether it
    clipped, Max and Min (and the two-input Maximum and Minimum) at which elements won.
    """
    signs = (
        ops.ReLU,
        ops.Abs,
        ops_elementwise.LeakyReLU,
        ops_elementwise.ELU,
        ops_elementwise.Sign,
    )
    if isinstance(fn, signs):
        return np.sign(x)
    if isinstance(fn, ops_elementwise.Maximum):  # Minimum is a Maximum with another forward
        return x == out
    if isinstance(fn, ops.Clip):
        return x != out
    if isinstance(fn, ops_reduce.Max):  # Min is a Max with the other comparison
        return x == out.reshape(ops.keepdims_shape(x.shape, fn.axis))
    return None


def _decisions(arrays: list[np.ndarray], f: Callable[..., Any]) -> tuple[float, list]:
    """Run ``f`` recording its graph; return its value and the decisions of its kinked ops."""
    out = f(*[Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays])
    found = []
    seen: set[int] = set()
    stack = [out]
    while stack:  # the same walk order for the same graph, so two runs line up
        tensor = stack.pop()
        fn = tensor.grad_fn
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        decision = _decision(fn, fn.inputs[0].data, tensor.data)
        if decision is not None:
            found.append((fn.name, fn.scope, decision))
        stack.extend(fn.inputs)
    return float(out.data.reshape(())), found


def _flipped(before: list, after: list) -> str | None:
    """Name the first non-smooth op whose decision differs between two runs, if any.

    An op recorded inside a loss function or a module is named with it ("the ReLU inside
    svm_loss"): there the ReLU is the hinge max(0, margin), not a layer's activation.
    """
    if [name for name, _, _ in before] != [name for name, _, _ in after]:
        return "the graph itself changes between x-h and x+h"
    for (name, scope, a), (_, _, b) in zip(before, after, strict=True):
        if a.shape != b.shape or not np.array_equal(a, b):
            inside = f" (the {name} inside {' > '.join(scope)})" if scope else ""
            return f"the {name} decision flips between x-h and x+h{inside}"
    return None


def _kink_reason(
    f: Callable[..., Any],
    arrays: list[np.ndarray],
    which: int,
    flat_index: int,
    analytic: float,
    center: float,
    eps: float,
    atol: float,
    rtol: float,
) -> str | None:
    """Why element ``flat_index`` of input ``which`` cannot be judged, or None if it can.

    Either a kinked op (ReLU, Abs, Clip, Max, Min) decides differently at x-h and x+h, or the
    one-sided differences ``(f(x+h) - f(x)) / h`` and ``(f(x) - f(x-h)) / h`` disagree while
    backward matches one of the two sides: f bends sharply inside [x-h, x+h].
    """
    flat = arrays[which].reshape(-1)
    original = flat[flat_index]
    flat[flat_index] = original + eps
    up, up_decisions = _decisions(arrays, f)
    flat[flat_index] = original - eps
    down, down_decisions = _decisions(arrays, f)
    flat[flat_index] = original
    reason = _flipped(down_decisions, up_decisions)
    if reason is not None:
        return reason
    forward, backward = (up - center) / eps, (center - down) / eps
    tolerance = atol + rtol * max(abs(forward), abs(backward))
    between = min(forward, backward) - tolerance <= analytic <= max(forward, backward) + tolerance
    if abs(forward - backward) > tolerance and between:
        return (
            f"one-sided differences disagree (forward {forward:.6g}, backward {backward:.6g}): "
            "f is not smooth within h of this point"
        )
    return None


# ---------------------------------------------------------------- the report and the check


@dataclass
class InputCheck:
    """The comparison for one input: both gradients, the CS231n relative error, the verdicts.

    ``relative_error = |a - n| / max(|a|, |n|)`` (0 where both are 0). An element fails when
    ``|a - n| > atol + rtol * |n|`` and no kink explains it; ``inconclusive`` maps the index
    of each element that sits on a kink to the reason.
    """

    index: int
    analytic: np.ndarray
    numerical: np.ndarray
    relative_error: np.ndarray
    failed: np.ndarray
    inconclusive: dict[tuple[int, ...], str] = field(default_factory=dict)

    @property
    def max_relative_error(self) -> float:
        """The largest relative error over the elements that could be judged."""
        judged = np.ones(self.analytic.shape, dtype=bool)
        for idx in self.inconclusive:
            judged[idx] = False
        return float(self.relative_error[judged].max()) if judged.any() else 0.0


@dataclass
class GradcheckReport:
    """What :func:`gradcheck_report` found, one :class:`InputCheck` per input; ``print`` it."""

    inputs: list[InputCheck]
    eps: float
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        """True when no element failed (inconclusive elements do not count as failures)."""
        return not any(c.failed.any() for c in self.inputs)

    def __str__(self) -> str:
        n_unsure = sum(len(c.inconclusive) for c in self.inputs)
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"gradcheck (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}): {verdict}"
            + (f", {n_unsure} element(s) inconclusive at kinks" if n_unsure else "")
        ]
        for c in self.inputs:
            n_failed, n_unsure = int(c.failed.sum()), len(c.inconclusive)
            lines.append(
                f"  input {c.index} shape {c.analytic.shape}: max relative error "
                f"{c.max_relative_error:.3g}, {c.analytic.size - n_failed - n_unsure} passed, "
                f"{n_failed} failed, {n_unsure} inconclusive"
            )
            failed = map(tuple, np.argwhere(c.failed))
            lines.extend(f"    failed {_where(c, idx)}" for idx in failed)
            lines.extend(
                f"    inconclusive {_where(c, idx)}: {reason}"
                for idx, reason in c.inconclusive.items()
            )
        return "\n".join(lines)


def _where(c: InputCheck, idx: tuple[int, ...]) -> str:
    return (
        f"at {tuple(map(int, idx))}: backward {c.analytic[idx]:.8g}, central differences "
        f"{c.numerical[idx]:.8g}, relative error {c.relative_error[idx]:.3g}"
    )


def gradcheck_report(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare ``backward()`` with central differences in float64, element by element.

    Elements that disagree are looked at again: if x-h and x+h fall on different sides of a
    kink (a ReLU, Abs, Clip, Max or Min decision flips, or the one-sided differences
    disagree), the element is inconclusive rather than failed — no finite difference can
    judge a derivative there.

    >>> import numpy as np, tinygrad_lite as tl
    >>> report = tl.gradcheck_report(lambda x: x.relu().sum(), np.array([1.0, 3e-7]))
    >>> report.passed, list(report.inputs[0].inconclusive)
    (True, [(1,)])
    """
    arrays = [_as_float64(x) for x in inputs]
    analytic = analytic_grad(f, *arrays)
    numeric = numerical_grad(f, *arrays, eps=eps)
    center: float | None = None
    checks = []
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        scale = np.maximum(np.abs(a), np.abs(n))
        relative = np.divide(np.abs(a - n), scale, out=np.zeros_like(scale), where=scale > 0)
        failed = np.array(np.abs(a - n) > atol + rtol * np.abs(n))  # an array even for 0-d
        check = InputCheck(i, a, n, relative, failed)
        for idx in map(tuple, np.argwhere(failed)):
            if center is None:
                center = _scalar(f, arrays)
            flat_index = int(np.ravel_multi_index(idx, a.shape)) if a.ndim else 0
            reason = _kink_reason(f, arrays, i, flat_index, a[idx], center, eps, atol, rtol)
            if reason is not None:
                failed[idx] = False
                check.inconclusive[tuple(map(int, idx))] = reason
        checks.append(check)
    return GradcheckReport(checks, eps, atol, rtol)


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare ``backward()`` with central differences in float64; True, or ``GradcheckError``.

    An element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``. Elements
    on a kink are inconclusive, not failures (see :func:`gradcheck_report`, which returns the
    whole comparison instead of raising).

    >>> import numpy as np, tinygrad_lite as tl
    >>> tl.gradcheck(lambda x: x.tanh().sum(), np.array([0.5, -1.0]))
    True
    """
    report = gradcheck_report(f, *inputs, eps=eps, atol=atol, rtol=rtol)
    for c in report.inputs:
        a, n = c.analytic, c.numerical
        if c.failed.any():
            excess = np.where(c.failed, np.abs(a - n) - (atol + rtol * np.abs(n)), -np.inf)
            worst = np.unravel_index(int(np.argmax(excess)), a.shape)
            unsure = f"; {len(c.inconclusive)} more inconclusive at kinks" if c.inconclusive else ""
            raise GradcheckError(
                f"gradient of input {c.index} (shape {a.shape}) is wrong at index "
                f"{tuple(map(int, worst))}: backward gives {a[worst]:.8g}, central differences "
                f"give {n[worst]:.8g} (|difference| {abs(a[worst] - n[worst]):.3g} > atol {atol} "
                f"+ rtol {rtol} * |numerical|); {int(c.failed.sum())} of {a.size} elements "
                f"disagree (relative error {c.relative_error[worst]:.3g}){unsure}"
            )
    return True
