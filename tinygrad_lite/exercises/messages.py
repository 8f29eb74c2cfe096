"""Every sentence a learner reads, looked up by message id.

The exercises' logic never holds English: prompts, hints, diagnoses and verdict texts live in
one table per language (``text_en.MESSAGES``, ``text_ko.MESSAGES``), keyed by ids such as
``"sigmoid_backward.hint2"`` or ``"verdict.shape"``, the same ids in both.

The language is English unless the environment variable ``TINYGRAD_LITE_LANG`` (``en`` or
``ko``) says otherwise when the exercises are first imported; ``set_language`` changes it for
the rest of the process and so wins over the variable. Raised errors (``error.*``) have no
Korean entry: they stay English, so that they can be searched for on the web.

>>> from tinygrad_lite.exercises.messages import text
>>> text("band.fine")
'< 1e-7: fine'
>>> text("band.fine", language="ko")
'< 1e-7: 정상'
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from tinygrad_lite.exercises.text_en import MESSAGES as ENGLISH
from tinygrad_lite.exercises.text_ko import MESSAGES as KOREAN

LANGUAGES: dict[str, dict[str, str]] = {"en": ENGLISH, "ko": KOREAN}
ENVIRONMENT_VARIABLE = "TINYGRAD_LITE_LANG"


def _checked(language: Any, where: str) -> str:
    """``language`` as a key of LANGUAGES, or a ValueError that says what to use instead."""
    key = language.strip().lower() if isinstance(language, str) else language
    if key not in LANGUAGES:
        choices = " or ".join(repr(k) for k in LANGUAGES)
        raise ValueError(f"{where}: unknown language {language!r}; use {choices}")
    return key


def _from_environment() -> str:
    """The language the environment variable asks for; English if it is unset or unknown."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return "en"
    try:
        return _checked(value, ENVIRONMENT_VARIABLE)
    except ValueError as err:  # a stray variable must not stop the import: say so, use English
        warnings.warn(f"{err}; the exercises use English", stacklevel=2)
        return "en"


LANGUAGE = _from_environment()


def set_language(language: str) -> None:
    """Write prompts, hints and verdicts in ``language`` from now on: ``"en"`` or ``"ko"``.

    It wins over the environment variable ``TINYGRAD_LITE_LANG``, which only sets the
    language the exercises start in.

    >>> from tinygrad_lite import exercises as ex
    >>> ex.set_language("ko")
    >>> ex.get("relu_backward").summary
    'y = relu(x) = max(0, x)의 역전파'
    >>> ex.set_language("en")
    """
    global LANGUAGE  # noqa: PLW0603 - one setting for the whole process, as the variable is
    LANGUAGE = _checked(language, "exercises.set_language")


def get_language() -> str:
    """The language prompts, hints and verdicts are written in now: ``"en"`` or ``"ko"``.

    >>> from tinygrad_lite import exercises as ex
    >>> ex.get_language()
    'en'
    """
    return LANGUAGE


def text(message_id: str, *, language: str | None = None, **fields: Any) -> str:
    """The message ``message_id`` in ``language`` (default: the current one), with
    ``{fields}`` filled in."""
    template = LANGUAGES[language or LANGUAGE].get(message_id)
    if template is None:  # no translation (the errors, ``error.*``, have none): English
        template = ENGLISH[message_id]
    return template.format(**fields) if fields else template
