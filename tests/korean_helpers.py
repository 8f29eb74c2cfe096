"""Checks the Korean edition's tests share (imported as ``from korean_helpers import ...``)."""

import re

HANGUL = re.compile(r"[\uac00-\ud7a3]")
"""One Hangul syllable: a text with none is not translated."""

# Spellings the course uses that the Korean edition writes one way: the first-listed term of
# docs/ko/glossary.md (right) in place of another spelling (left).
PREFERRED = {
    "파라미터": "매개변수",
    "파라메터": "매개변수",
    "그래디언트": "기울기",
    "에포크": "에폭",
    "오차역전파": "역전파",
    "연쇄법칙": "연쇄 법칙",
    "국소적 미분": "국소 미분",
    "해석적 미분": "해석적 기울기",
    "경사하강법": "경사 하강법",
}


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


def other_spellings(text: str) -> list[str]:
    """The spellings in `text` that the Korean edition replaces by the glossary's first term
    (하이퍼파라미터 is itself a first term, so its 파라미터 is not one)."""
    text = text.replace("하이퍼파라미터", "")
    return [f"{other} (use {preferred})" for other, preferred in PREFERRED.items() if other in text]
