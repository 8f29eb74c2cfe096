"""Graded exercises: write a backward pass (or an update rule) in NumPy, and a checker says
whether it is right and, when it is not, which mistake it makes.

``check`` runs the function on drawn inputs against tinygrad_lite's own result and compares
the output with each known wrong variant on the same inputs: a match names the mistake.

>>> import numpy as np
>>> from tinygrad_lite import exercises as ex
>>> e = ex.get("sigmoid_backward")
>>> def sigmoid_backward(x, upstream):
...     s = 1 / (1 + np.exp(-x))
...     return upstream * x * (1 - x)
>>> verdict = e.check(sigmoid_backward)
>>> verdict.passed, verdict.mistakes
(False, ('in_terms_of_input',))
>>> exec(e.solution())
>>> e.check(sigmoid_backward).passed
True

Prompts, hints and verdicts are in English, or in Korean after ``ex.set_language("ko")`` (or
with the environment variable ``TINYGRAD_LITE_LANG=ko`` set before the first import;
``set_language`` wins over the variable).
"""

from __future__ import annotations

import builtins

from tinygrad_lite.exercises import activations, layers, losses, training
from tinygrad_lite.exercises.core import Mistake, relative_error
from tinygrad_lite.exercises.exercise import Exercise
from tinygrad_lite.exercises.messages import get_language, set_language, text
from tinygrad_lite.exercises.verdict import Counterexample, Verdict

__all__ = [
    "EXERCISES",
    "Counterexample",
    "Exercise",
    "Mistake",
    "Verdict",
    "get",
    "get_language",
    "list",
    "relative_error",
    "set_language",
]

EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (*activations.EXERCISES, *layers.EXERCISES, *losses.EXERCISES, *training.EXERCISES)
}
"""Every exercise by name, in teaching order."""


def get(name: str) -> Exercise:
    """The exercise called ``name`` (see ``list()``).

    >>> get("relu_backward").hint(3)
    'dx = upstream * 1[x > 0]: ...'
    """
    try:
        return EXERCISES[name]
    except (KeyError, TypeError):
        raise KeyError(text("error.unknown", name=repr(name), names=", ".join(EXERCISES))) from None


def list(show: bool = True) -> builtins.list[Exercise]:
    """Print (unless ``show=False``) and return the exercises in teaching order, each with its
    one-line summary and whether its last check in this process passed.

    >>> from tinygrad_lite import exercises as ex
    >>> exercises = ex.list(show=False)
    >>> len(exercises), exercises[0].name
    (13, 'chain_rule_scalar')
    """
    rows = []
    width = max(len(name) for name in EXERCISES)
    for number, e in enumerate(EXERCISES.values(), start=1):
        status = {True: "passed", False: "failed", None: "unchecked"}[e.last_passed]
        rows.append(f"{number:2d}. {e.name:<{width}}  [{text('list.' + status)}]  {e.summary}")
    if show:
        print("\n".join(rows))  # noqa: T201 - printing is what list() is for
    return [*EXERCISES.values()]
