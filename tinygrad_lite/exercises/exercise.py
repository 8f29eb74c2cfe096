"""``Exercise``: the task, its hints and solution, and ``check(fn) -> Verdict``."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_lite.exercises.core import (
    FINE,
    SEED,
    SUSPICIOUS,
    BadReturn,
    Mistake,
    Outcome,
    Raised,
    agree,
    call,
    call_example,
    component,
    copy,
    relative_error,
    tolerance,
    unchanged,
)
from tinygrad_lite.exercises.messages import text
from tinygrad_lite.exercises.verdict import Counterexample, Verdict, show


@dataclass(eq=False)
class Exercise:
    """One exercise: write ``name(*params) -> outputs`` in NumPy.

    ``reference`` computes the right outputs (with tinygrad_lite's backward or optimizer);
    ``solution_fn`` is the NumPy answer that ``solution()`` shows; ``draw(rng)`` gives the
    inputs to check on, smallest first; ``mistakes`` is the catalogue of wrong variants.

    >>> from tinygrad_lite import exercises as ex
    >>> e = ex.get("tanh_backward")
    >>> e.check(lambda x, upstream: upstream * (1 - np.tanh(x) ** 2)).passed
    True
    """

    name: str
    params: tuple[str, ...]
    outputs: tuple[str, ...]
    reference: Callable[..., Any]
    solution_fn: Callable[..., Any]
    draw: Callable[[np.random.Generator], list[tuple[Any, ...]]]
    mistakes: tuple[Mistake, ...]
    example: tuple[Any, ...]
    last_passed: bool | None = field(default=None, repr=False)

    @property
    def summary(self) -> str:
        """One line: what the exercise asks."""
        return text(f"{self.name}.summary")

    @property
    def prompt(self) -> str:
        """The task, the math to derive, the signature and an example with its answer."""
        expected = self._outputs(self.reference, self.example)
        answer = "\n".join(
            f"{name} = {show(value)}" for name, value in zip(self.outputs, expected, strict=True)
        )
        return "\n".join(
            [
                text(f"{self.name}.prompt"),
                "",
                f"{text('prompt.signature')}: {self._signature()}",
                f"{text('prompt.example')}:",
                call_example(self.name, self.example),
                answer,
            ]
        )

    @property
    def template(self) -> str:
        """Code to paste and fill in: the function, whose body raises NotImplementedError."""
        todo = text(f"{self.name}.todo").replace('"', "'")  # in double quotes, as ruff writes
        body = f'    raise NotImplementedError("{todo}")'
        return f"import numpy as np\n\n\n{self._signature()}:\n{body}\n"

    def hint(self, level: int = 1) -> str:
        """Hint 1, 2 or 3, each more concrete; the third is the formula (never code)."""
        if level not in (1, 2, 3):
            raise ValueError(text("error.hint_level", name=self.name, level=repr(level)))
        return text(f"{self.name}.hint{level}")

    def solution(self) -> str:
        """The NumPy answer, as code (run it with exec, or paste it)."""
        source = textwrap.dedent(inspect.getsource(self.solution_fn))
        return f"import numpy as np\n\n\n{source}"

    def check(self, fn: Callable[..., Any]) -> Verdict:
        """Run ``fn`` on the drawn inputs and judge it; never raises for a wrong ``fn``."""
        verdict = self._judge(fn)
        self.last_passed = verdict.passed
        return verdict

    def __repr__(self) -> str:
        return f"<Exercise {self.name}: {self.summary}>"

    # ------------------------------------------------------------ checking

    def _signature(self) -> str:
        return f"def {self.name}({', '.join(self.params)})"

    def _outputs(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[np.ndarray, ...]:
        outcome = call(fn, [copy(a) for a in args], self.outputs)
        if not isinstance(outcome, tuple):  # our own reference failed: a bug, not a bad type
            raise RuntimeError(  # noqa: TRY004
                f"exercise {self.name}: the reference failed: {outcome}"
            )
        return outcome

    def _verdict(self, status: str, message: str, **more: Any) -> Verdict:
        return Verdict(self.name, status, message, **more)

    def _judge(self, fn: Callable[..., Any]) -> Verdict:
        if not callable(fn):
            return self._verdict("failed", text("verdict.not_callable", got=type(fn).__name__))
        cases = self.draw(np.random.default_rng(SEED))
        expected = [self._outputs(self.reference, case) for case in cases]
        received: list[Outcome] = []
        for case in cases:
            args = [copy(a) for a in case]
            outcome = call(fn, args, self.outputs)
            if isinstance(outcome, Raised) and outcome.kind == "NotImplementedError":
                return self._verdict("not_attempted", text("verdict.not_attempted"))
            changed = [
                n for n, a, b in zip(self.params, case, args, strict=True) if not unchanged(a, b)
            ]
            if changed:
                message = text("verdict.mutated", name=self.name, input=changed[0])
                return self._verdict("failed", message, counterexample=self._counter(case, None))
            received.append(outcome)
        return self._compare(cases, expected, received)

    def _compare(
        self, cases: list[tuple[Any, ...]], expected: list[tuple], received: list[Outcome]
    ) -> Verdict:
        checked = text("verdict.checked", count=len(cases), name=self.name)
        problems: dict[str, str] = {}  # why outputs could not be compared: the first of each kind
        first_bad, worst, compared = None, 0.0, 0
        for i, (want, got) in enumerate(zip(expected, received, strict=True)):
            issue = self._problem(want, got)
            if issue is None:
                error = max(relative_error(a, b) for a, b in zip(got, want, strict=True))
                compared, worst = compared + 1, max(worst, error)
                failed = error >= tolerance(got)
            else:
                failed = True
                problems.setdefault(issue[0], issue[1])
            if failed and first_bad is None:
                first_bad = i
        lines = [checked, *problems.values()]
        if compared:
            band = "fine" if worst < FINE else "suspicious" if worst < SUSPICIOUS else "wrong"
            where = "" if compared == len(cases) else text("verdict.error_some", count=compared)
            lines.append(
                text("verdict.error", error=f"{worst:.1e}", band=text(f"band.{band}"), on=where)
            )
        if first_bad is None:
            return self._verdict("passed", " ".join(lines))
        found, unexplained = self._diagnose(cases, expected, received)
        counter = self._counter(cases[first_bad], received[first_bad], expected[first_bad])
        if found and not unexplained and all(m.convention for m, _ in found):
            lines.append(text("verdict.convention_only"))
            status = "passed"
        else:
            status = "failed"
        diagnosis = self._diagnosis_text(found, unexplained)
        ids = tuple(m.id for m, _ in found)
        return self._verdict(
            status, " ".join(lines), diagnosis=diagnosis, counterexample=counter, mistakes=ids
        )

    def _problem(self, want: tuple, got: Outcome) -> tuple[str, str] | None:
        """Why this outcome cannot be compared with the expected one, as (kind, sentence);
        None if it can."""
        if isinstance(got, Raised):
            return "raised", text("verdict.raised", name=self.name, error=got.description)
        if isinstance(got, BadReturn):
            return "returned", got.description
        for name, mine, theirs in zip(self.outputs, got, want, strict=True):
            if mine.shape != theirs.shape:
                like = [p for p in self.params if f"d{p}" == name]
                of = text("verdict.shape_of", input=like[0]) if like else ""
                return "shape", text(
                    "verdict.shape", output=name, got=mine.shape, want=theirs.shape, of=of
                )
            if mine.dtype.kind != "f":
                return "dtype", text("verdict.dtype", output=name, got=mine.dtype)
        return None

    def _diagnose(
        self, cases: list[tuple[Any, ...]], expected: list[tuple], received: list[Outcome]
    ) -> tuple[list[tuple[Mistake, list[str]]], list[str]]:
        """The catalogued mistakes that reproduce the learner's wrong outputs, each with the
        outputs it explains (the first match per output, in catalogue order), and the wrong
        outputs that no mistake explains."""
        failing = [
            k
            for k in range(len(self.outputs))
            if not all(
                agree(component(got, k), want[k], tolerance(got))
                for want, got in zip(expected, received, strict=True)
            )
        ]
        variants: dict[str, list[Outcome]] = {}
        found: dict[str, tuple[Mistake, list[str]]] = {}
        unexplained = []
        for k in failing:
            # A mistake that already explains one output may explain this one too: a call
            # that raised fails every output at once.
            known = [m for m, _ in found.values()]
            for mistake in [*known, *(m for m in self.mistakes if m not in known)]:
                if mistake.id not in variants:
                    variants[mistake.id] = [
                        call(mistake.wrong, [copy(a) for a in case], self.outputs) for case in cases
                    ]
                variant = variants[mistake.id]
                differs = any(
                    not agree(component(v, k), want[k], FINE)
                    for v, want in zip(variant, expected, strict=True)
                )
                same = all(
                    agree(component(got, k), component(v, k), 10 * tolerance(got))
                    for got, v in zip(received, variant, strict=True)
                )
                if differs and same:
                    outputs = found.setdefault(mistake.id, (mistake, []))[1]
                    if any(  # name the outputs that came out wrong, not only raised
                        isinstance(got, tuple) and not agree(got[k], want[k], tolerance(got))
                        for got, want in zip(received, expected, strict=True)
                    ):
                        outputs.append(self.outputs[k])
                    break
            else:
                unexplained.append(self.outputs[k])
        return list(found.values()), unexplained

    def _diagnosis_text(
        self, found: list[tuple[Mistake, list[str]]], unexplained: list[str]
    ) -> str | None:
        if not found:
            return None
        parts = []
        for mistake, outputs in found:
            where = f"{', '.join(outputs)}: " if len(self.outputs) > 1 else ""
            parts.append(where + mistake.explanation(self.name))
        if unexplained:
            parts.append(text("verdict.unexplained", outputs=", ".join(unexplained)))
        return " ".join(parts)

    def _counter(
        self, case: tuple[Any, ...], got: Outcome | None, want: tuple | None = None
    ) -> Counterexample:
        inputs = dict(zip(self.params, case, strict=True))
        expected = dict(zip(self.outputs, want, strict=True)) if want is not None else {}
        if got is None:
            received: dict[str, Any] | str = {}
        elif isinstance(got, tuple):
            received = dict(zip(self.outputs, got, strict=True))
        else:
            received = got.description
        return Counterexample(inputs, expected, received)
