"""Every sentence a learner reads, looked up by message id.

The exercises' logic never holds English: prompts, hints, diagnoses and verdict texts live in
one table per language (``text_en.MESSAGES``), keyed by ids such as
``"sigmoid_backward.hint2"`` or ``"verdict.shape"``. A second language is a second table with
the same ids.

>>> from tinygrad_lite.exercises.messages import text
>>> text("band.fine")
'< 1e-7: fine'
"""

from __future__ import annotations

from typing import Any

from tinygrad_lite.exercises.text_en import MESSAGES as ENGLISH

LANGUAGES: dict[str, dict[str, str]] = {"en": ENGLISH}
LANGUAGE = "en"


def text(message_id: str, **fields: Any) -> str:
    """The message ``message_id`` in the current language, with ``{fields}`` filled in."""
    template = LANGUAGES[LANGUAGE].get(message_id)
    if template is None:  # a missing translation falls back to English
        template = ENGLISH[message_id]
    return template.format(**fields) if fields else template
