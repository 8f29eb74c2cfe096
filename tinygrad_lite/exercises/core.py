"""An exercise and its checker.

``Exercise.check(fn)`` calls the learner's ``fn`` on inputs drawn from a fixed seed (smallest
first), compares every output with the reference (tinygrad_lite's own backward or update rule)
by the CS231n relative error ``|a - b| / max(|a|, |b|)``, and, when they disagree, calls each
*known wrong variant* of the exercise on the same inputs: a variant that reproduces the
learner's output names the mistake. The checker never reads the learner's code, so a correct
answer in any algebraic form, or computed in float32, passes.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite.exercises.messages import text
from tinygrad_lite.tensor import Tensor

SEED = 0
FINE = 1e-7  # CS231n's bands for the relative error: below FINE the result is right,
SUSPICIOUS = 1e-4  # below SUSPICIOUS it is right only at a kink or in float32 arithmetic.


@dataclass(frozen=True)
class Mistake:
    """A mistake learners make, as the function they write when they make it.

    Its explanation is the message ``"<exercise>.<id>"``, or ``"<topic>.<id>"`` for mistakes
    that several exercises share (``"common"``: a flipped sign or a factor of 2). A
    ``convention`` is a valid alternative, such as the value of a derivative at a kink: it is
    named, but the check still passes.

    >>> from tinygrad_lite import exercises as ex
    >>> sign = [m for m in ex.get("relu_backward").mistakes if m.id == "sign"][0]
    >>> sign.topic, sign.convention
    ('common', False)
    """

    id: str
    wrong: Callable[..., Any]
    convention: bool = False
    topic: str | None = None

    def explanation(self, exercise: str) -> str:
        return text(f"{self.topic or exercise}.{self.id}")


@dataclass(frozen=True)
class Raised:
    """The call raised: the exception's class name and a one-line description."""

    kind: str
    description: str


@dataclass(frozen=True)
class BadReturn:
    """The call returned something that is not the expected outputs (None, wrong count...)."""

    description: str


Outcome = tuple[np.ndarray, ...] | Raised | BadReturn


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """The largest elementwise ``|a - b| / max(|a|, |b|)`` (0 where both are equal, NaN included;
    infinity where only one is NaN).

    >>> relative_error(np.array([1.0, 0.0]), np.array([1.1, 0.0]))
    0.0909...
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        equal = (a == b) | (np.isnan(a) & np.isnan(b))
        error = np.where(equal, 0.0, np.abs(a - b) / np.maximum(np.abs(a), np.abs(b)))
    return float(np.nan_to_num(error, nan=np.inf).max())


def _where(err: BaseException) -> str:
    """``line N of f``: the deepest frame of the traceback outside NumPy (the learner's line)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)[1:] if "numpy" not in f.filename]
    return text("verdict.where", line=frames[-1].lineno, function=frames[-1].name) if frames else ""


def _as_outputs(result: Any, names: Sequence[str]) -> Outcome:
    """The returned value(s) as a tuple of arrays, or why they are not outputs."""
    if result is None:
        return BadReturn(text("verdict.returned_none"))
    many = isinstance(result, (tuple, list))
    if len(names) > 1 and (not many or len(result) != len(names)):
        kind = type(result).__name__
        if many:
            got = text("verdict.values", kind=kind, count=len(result))
        else:
            got = text("verdict.one_value", kind=kind)
        return BadReturn(text("verdict.count", got=got, count=len(names), names=", ".join(names)))
    values = tuple(result) if len(names) > 1 else (result,)
    arrays = []
    for name, value in zip(names, values, strict=True):
        try:
            array = np.asarray(value)
        except Exception:  # noqa: BLE001 - a ragged list, an object without an array form
            array = np.asarray(None)
        if array.dtype.kind not in "fiub":
            return BadReturn(text("verdict.not_numeric", output=name, got=type(value).__name__))
        arrays.append(array)
    return tuple(arrays)


def call(fn: Callable[..., Any], args: Sequence[Any], names: Sequence[str]) -> Outcome:
    """``fn(*args)`` as an outcome; never raises (but lets Ctrl-C through)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _as_outputs(fn(*args), names)
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - the learner's code may raise anything
        message = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
        description = f"{type(err).__name__}: {message}" if message else type(err).__name__
        return Raised(type(err).__name__, f"{description} {_where(err)}".strip())


def component(outcome: Outcome, k: int) -> Any:
    return outcome[k] if isinstance(outcome, tuple) else outcome


def tolerance(outcome: Outcome) -> float:
    """How close counts as equal: float32 arrays carry about 7 digits."""
    float32 = isinstance(outcome, tuple) and any(a.dtype.itemsize < 8 for a in outcome)
    return SUSPICIOUS if float32 else FINE


def agree(mine: Any, theirs: Any, tolerance: float) -> bool:
    if isinstance(mine, np.ndarray) and isinstance(theirs, np.ndarray):
        return mine.shape == theirs.shape and relative_error(mine, theirs) < tolerance
    return isinstance(mine, Raised) and isinstance(theirs, Raised) and mine.kind == theirs.kind


def copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def unchanged(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=True)
    return True  # numbers cannot be changed in place


def call_example(name: str, args: Sequence[Any]) -> str:
    def literal(value: Any) -> str:
        if isinstance(value, np.ndarray):
            return f"np.array({value.tolist()})"
        return repr(value.item() if isinstance(value, np.generic) else value)

    return f">>> {name}({', '.join(literal(a) for a in args)})"


def scaled(solution: Callable[..., Any], factor: float) -> Callable[..., Any]:
    """``solution`` with every output multiplied by ``factor`` (a sign or constant slip)."""

    def wrong(*args: Any) -> Any:
        out = solution(*args)
        return tuple(factor * o for o in out) if isinstance(out, tuple) else factor * out

    return wrong


def common_mistakes(solution: Callable[..., Any], *ids: str) -> tuple[Mistake, ...]:
    """The slips any gradient can have: ``"sign"`` flipped, ``"double"``, ``"half"``."""
    factors = {"sign": -1.0, "double": 2.0, "half": 0.5}
    return tuple(Mistake(i, scaled(solution, factors[i]), topic="common") for i in ids)


def backward_of(build: Callable[..., Tensor], *arrays: Any, upstream: Any = None) -> tuple:
    """The gradients tinygrad_lite computes for ``build(*arrays)``, one array per input,
    from the upstream gradient ``upstream`` (ones for a scalar output)."""
    tensors = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    build(*tensors).backward(upstream)
    return tuple(t.grad.data for t in tensors)
