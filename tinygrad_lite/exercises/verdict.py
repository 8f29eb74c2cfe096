"""What ``Exercise.check`` returns: a ``Verdict``, printable as text or as HTML in a notebook."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_lite.exercises.messages import get_language, text


def show(value: Any) -> str:
    """A value as a learner reads it: arrays with 4 significant digits, on one line if short."""
    if isinstance(value, str):
        return value
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        return repr(value)
    return np.array2string(array, precision=4, separator=", ", threshold=40, max_line_width=88)


@dataclass(frozen=True)
class Counterexample:
    """The smallest drawn input on which the function failed, with both outputs.

    ``received`` maps each output name to the learner's value, or holds one string when the
    function did not return values (it raised, or returned None).

    >>> from tinygrad_lite import exercises as ex
    >>> v = ex.get("relu_backward").check(lambda x, upstream: -upstream * (x > 0))
    >>> sorted(v.counterexample.inputs), sorted(v.counterexample.expected)
    (['upstream', 'x'], ['dx'])
    """

    inputs: dict[str, Any]
    expected: dict[str, Any]
    received: dict[str, Any] | str

    def lines(self, language: str | None = None) -> list[str]:
        expected = text("counterexample.expected", language=language)
        received = text("counterexample.received", language=language)
        out = [f"  {name} = {show(value)}" for name, value in self.inputs.items()]
        for name, value in self.expected.items():
            out.append(f"  {expected} {name} = {show(value)}")
        if isinstance(self.received, str):
            out.append(f"  {received}: {self.received}")
        else:
            for name, value in self.received.items():
                out.append(f"  {received} {name} = {show(value)}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass(frozen=True, repr=False)
class Verdict:
    """The result of checking one function against one exercise.

    ``status`` is ``"passed"``, ``"failed"`` or ``"not_attempted"``; ``passed`` is True only
    for the first. ``message`` says what was checked and how close the function came;
    ``diagnosis`` names the mistake it makes (or a convention it follows), when one in the
    exercise's catalogue reproduces its output; ``mistakes`` holds those mistakes' ids.
    ``language`` is the one the check ran in: the headings are shown in it too, so a verdict
    never mixes two languages.

    >>> from tinygrad_lite import exercises as ex
    >>> v = ex.get("relu_backward").check(lambda x, upstream: upstream * (x > 0))
    >>> v.passed, v.diagnosis
    (True, None)
    """

    exercise: str
    status: str
    message: str
    diagnosis: str | None = None
    counterexample: Counterexample | None = None
    mistakes: tuple[str, ...] = field(default_factory=tuple)
    language: str = field(default_factory=get_language)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def _label(self, message_id: str) -> str:
        """A heading; a check that passes with a note has a note, not a mistake."""
        return text(f"{message_id}.passed" if self.passed else message_id, language=self.language)

    def _status(self) -> str:
        return text(f"status.{self.status}", language=self.language)

    def __str__(self) -> str:
        lines = [f"{self.exercise}: {self._status()}", self.message]
        if self.diagnosis:
            lines.append(f"{self._label('verdict.diagnosis')}: {self.diagnosis}")
        if self.counterexample is not None:
            lines.append(f"{self._label('counterexample.title')}:")
            lines += self.counterexample.lines(self.language)
        return "\n".join(lines)

    __repr__ = __str__  # a verdict typed at the prompt shows itself in full

    def _repr_html_(self) -> str:
        colour = {"passed": "#1a7f37", "failed": "#cf222e"}.get(self.status, "#6e7781")
        style = f"border-left: 4px solid {colour}; padding-left: 8px"
        if self.language == "ko":  # break Korean lines between words, not inside them
            style += "; word-break: keep-all"
        parts = [
            f'<div style="{style}">',
            (
                f'<b style="color: {colour}">'
                f"{html.escape(self.exercise)}: {html.escape(self._status())}</b>"
            ),
            f"<p>{html.escape(self.message)}</p>",
        ]
        if self.diagnosis:
            parts.append(
                f"<p><b>{html.escape(self._label('verdict.diagnosis'))}:</b> "
                f"{html.escape(self.diagnosis)}</p>"
            )
        if self.counterexample is not None:
            body = html.escape("\n".join(self.counterexample.lines(self.language)))
            parts.append(
                f"<p><b>{html.escape(self._label('counterexample.title'))}:</b></p><pre>{body}</pre>"
            )
        parts.append("</div>")
        return "\n".join(parts)
