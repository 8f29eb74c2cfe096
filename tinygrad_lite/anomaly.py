"""Find the first op that produces NaN or Inf: ``with tl.detect_anomaly(): ...``.

A NaN spreads: once one value is NaN, every op that touches it returns NaN, and by the time
the loss prints ``nan`` the op that started it is long gone. Inside ``detect_anomaly()``
every op checks its result as soon as it has one:

- forward: the output of each op (``Log`` of a 0 gives ``-inf``, ``Exp`` of 100 overflows
  float32);
- backward: the gradient each op sends to each of its inputs (``d sqrt(x)/dx`` at 0 is
  infinite even though ``sqrt(0)`` is fine).

The first op whose result holds NaN or Inf raises :class:`AnomalyError`, naming the op, its
local derivative, the shapes, the first bad element, where the op was created (the file and
line of your code, and the module it ran in) and what usually fixes it::

    >>> import numpy as np, tinygrad_lite as tl
    >>> x = tl.Tensor([1.0, 0.0], requires_grad=True, name="x")
    >>> with tl.detect_anomaly(), np.errstate(divide="ignore"):  # doctest: +ELLIPSIS
    ...     y = x.sqrt().sum()      # sqrt(0) = 0 is fine ...
    ...     y.backward()            # ... but d sqrt(x)/dx = 1 / (2 sqrt(x)) is not
    Traceback (most recent call last):
    ...
    tinygrad_lite.anomaly.AnomalyError: backward of Sqrt sent inf to input 0
      local derivative: d sqrt(x)/dx = 1 / (2 sqrt(x)) = 1 / (2 out)
      created at: ...

Checking costs time (one pass over every array, and one look at the call stack per op), so
the mode is off unless asked for, and only for the thread that asked: the engine's only cost
when it is off is one check of a per-thread setting per op. Record the graph *and* run
``backward()`` inside the block; a graph recorded outside has no creation sites to report.
NumPy's own ``RuntimeWarning`` ("divide by zero encountered in log") is left as NumPy shows
it; the AnomalyError follows it with the op that caused it.
"""

from __future__ import annotations

import contextlib
import linecache
import sys
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_lite import ops
from tinygrad_lite.autograd import Function, _state, current_scope
from tinygrad_lite.trace import describe_local

__all__ = ["AnomalyError", "detect_anomaly"]

_PACKAGE = str(Path(__file__).resolve().parent)

# What usually fixes a NaN or Inf from each op (the default: values that grew too large).
_FIXES = {
    "Log": "log needs x > 0 and log(0) = -inf: add a small constant (x + 1e-8) or clip "
    "(x.clip(1e-8, None)); for the log of a softmax use log_softmax or cross_entropy, "
    "which never take log(0)",
    "Div": "a denominator is 0 (or so small the quotient overflows): add a small constant "
    "to it, e.g. x / (y + 1e-8)",
    "Sqrt": "sqrt needs x >= 0, and its derivative 1 / (2 sqrt(x)) is infinite at x = 0: "
    "use (x + 1e-12).sqrt() where x can reach 0",
    "Pow": "x ** y is NaN for x < 0 with a non-integer y, and its derivative y x**(y-1) is "
    "infinite at x = 0 when y < 1: keep x positive (x.abs() + 1e-12)",
    "Exp": "exp overflows above about 88 in float32 (709 in float64): subtract the maximum "
    "first, or use softmax / log_softmax / cross_entropy, which do",
}
_DEFAULT_FIX = (
    "values grew too large: if this happens during training, the learning rate is probably "
    "too high (the run diverged); try a smaller lr, or check the inputs for huge values"
)


class AnomalyError(RuntimeError):
    """An op produced NaN or Inf inside ``detect_anomaly()``.

    Attributes: ``op`` (the op's name, e.g. ``"Log"``), ``stage`` (``"forward"`` or
    ``"backward"``) and ``created_at`` (``"file:line in function"`` of the code that
    recorded the op, or ``None`` when it is not known).

    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor([1.0, 0.0], requires_grad=True)
    >>> with np.errstate(divide="ignore"), tl.detect_anomaly():
    ...     try:
    ...         x.log()
    ...     except tl.AnomalyError as error:
    ...         print(error.op, error.stage)
    Log forward
    """

    def __init__(self, message: str, op: str, stage: str, created_at: str | None) -> None:
        super().__init__(message)
        self.op = op
        self.stage = stage
        self.created_at = created_at


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first op whose output or gradient holds NaN or Inf.

    Affects only the current thread; blocks may nest. Also usable as a decorator.

    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor([4.0, 0.0], requires_grad=True)
    >>> with np.errstate(divide="ignore"), tl.detect_anomaly():
    ...     x.sqrt().sum().backward()
    Traceback (most recent call last):
    ...
    tinygrad_lite.anomaly.AnomalyError: backward of Sqrt sent inf to input 0...
    """
    previous = _state.settings.anomaly
    _state.settings.anomaly = _checker
    try:
        yield
    finally:
        _state.settings.anomaly = previous


# ---------------------------------------------------------------- where an op was created

# id(output tensor) -> (weak reference to it, creation site). The entry goes away with the
# tensor, so a long run under detect_anomaly keeps no graph alive.
_sites: dict[int, tuple[weakref.ref, tuple[str, int, str]]] = {}


def _call_site() -> tuple[str, int, str]:
    """File, line and function of the innermost caller outside the tinygrad_lite package.

    ``nn.Linear`` calls ``x @ weight`` inside the package; the site reported is the line of
    your code that called the model. When every frame is inside the package (the CLI), the
    outermost package frame is used.
    """
    frame = sys._getframe(1)
    last = frame
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        last = frame
        frame = frame.f_back
    chosen = frame if frame is not None else last
    return chosen.f_code.co_filename, chosen.f_lineno, chosen.f_code.co_name


def _remember_site(out: Any) -> None:
    key = id(out)
    _sites[key] = (weakref.ref(out, lambda _, key=key: _sites.pop(key, None)), _call_site())


def _site_of(out: Any) -> tuple[str, int, str] | None:
    entry = _sites.get(id(out))
    if entry is None or entry[0]() is not out:
        return None
    return entry[1]


def _format_site(site: tuple[str, int, str] | None) -> str:
    if site is None:
        return "unknown (the op was recorded outside detect_anomaly(); record it inside)"
    filename, lineno, function = site
    code = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno} in {function}" + (f"\n      {code}" if code else "")


# ---------------------------------------------------------------- the checks


def _first_bad(array: np.ndarray) -> tuple[int, str] | None:
    """How many values are NaN or Inf, and a description of the first; None if all finite."""
    if array.dtype.kind not in "fc":
        return None
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return int(bad.sum()), f"{array[index]} at index {index}"


def _kinds(array: np.ndarray) -> str:
    """``"NaN"``, ``"inf"``, ``"-inf"`` or several of them, for the message's first line."""
    found = []
    if np.isnan(array).any():
        found.append("NaN")
    if np.isposinf(array).any():
        found.append("inf")
    if np.isneginf(array).any():
        found.append("-inf")
    return "/".join(found)


def _describe(name: str, array: np.ndarray) -> str:
    bad = _first_bad(array)
    if bad is None:
        return f"{name}: shape {array.shape}, {array.dtype}, all finite"
    count, first = bad
    return (
        f"{name}: shape {array.shape}, {array.dtype}, {count} of {array.size} not finite ({first})"
    )


class _Checker:
    """The object ``detect_anomaly`` installs in the per-thread state; the engine calls it."""

    def after_forward(self, fn: Function, inputs: Sequence[Any], out: Any) -> None:
        """Called by ``apply`` after every op: remember the site, check the output."""
        if out.grad_fn is fn:
            _remember_site(out)
        if _first_bad(out.data) is None:
            return
        site = _call_site()
        lines = [f"forward of {fn.name} produced {_kinds(out.data)} in its output"]
        lines += _details(fn, site, current_scope())  # (an op not recorded has no fn.scope)
        lines += [f"  {_describe(f'input {i}', t.data)}" for i, t in enumerate(inputs)]
        lines.append(f"  {_describe('output', out.data)}")
        lines.append(_cause(fn, [t.data for t in inputs], "forward"))
        raise AnomalyError("\n".join(lines), fn.name, "forward", _site_text(site))

    def after_backward(
        self, out: Any, fn: Function, upstream: Any, input_grads: Sequence[Any]
    ) -> None:
        """Called by ``run_backward`` after every op's backward: check each input gradient."""
        for i, g in enumerate(input_grads):
            if g is None or _first_bad(ops.value(g)) is None:
                continue
            grad = ops.value(g)
            site = _site_of(out)
            lines = [f"backward of {fn.name} sent {_kinds(grad)} to input {i}"]
            lines += _details(fn, site, fn.scope)
            lines += [f"  {_describe(f'input {j}', t.data)}" for j, t in enumerate(fn.inputs)]
            lines.append(f"  {_describe('upstream gradient', ops.value(upstream))}")
            lines.append(f"  {_describe(f'gradient for input {i}', grad)}")
            lines.append(_cause(fn, [ops.value(upstream)], "backward"))
            raise AnomalyError("\n".join(lines), fn.name, "backward", _site_text(site))


def _site_text(site: tuple[str, int, str] | None) -> str | None:
    return None if site is None else f"{site[0]}:{site[1]} in {site[2]}"


def _details(fn: Function, site: tuple[str, int, str] | None, scope: tuple[str, ...]) -> list:
    formula = describe_local(fn) or fn.name
    lines = [f"  local derivative: {formula}", f"  created at: {_format_site(site)}"]
    if scope:
        lines.append(f"  inside module: {' > '.join(scope)}")
    return lines


def _cause(fn: Function, arrays: list[np.ndarray], stage: str) -> str:
    """The likely fix: the op's own, or where the NaN/Inf came from if it was already there."""
    if not any(_first_bad(a) is not None for a in arrays):
        return f"  fix: {_FIXES.get(fn.name, _DEFAULT_FIX)}"
    if stage == "forward":
        return (
            f"  cause: an input already held NaN or Inf, and {fn.name} passed it on. It comes "
            "from the data or a parameter (check np.isfinite(X).all()), or from an op run "
            "outside detect_anomaly()"
        )
    return (
        f"  cause: the upstream gradient already held NaN or Inf, and {fn.name} passed it on. "
        "It comes from gradient= given to backward(), or from the gradients of several uses "
        "of one tensor, which overflowed when added up"
    )


_checker = _Checker()
