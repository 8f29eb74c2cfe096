"""Checks the Korean edition's tests share (imported as ``from korean_helpers import ...``)."""

import re

HANGUL = re.compile(r"[\uac00-\ud7a3]")
"""One Hangul syllable: a text with none is not translated."""


def plain_style_endings(text: str) -> list[str]:
    """Sentences ending in the plain style (했다. / 한다.) instead of 합니다체 (했습니다. /
    합니다. / 봅시다.): the words ending in 다 before a full stop, colon or the end, but not
    in 니다 or 시다."""
    text = " ".join(text.split())  # a line break inside a sentence ends nothing (단계마다)
    return [
        match.group(0)
        for match in re.finditer(r"\S*[\uac00-\ud7a3]다(?=[.!?:]|$)", text)
        if not match.group(0).endswith(("니다", "시다"))
    ]
