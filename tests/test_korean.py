"""The Korean edition: the glossary covers the course's terms, and the error messages it explains
are ones the library really prints."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "ko" / "glossary.md"

# The terms the course uses that a Korean learner must be able to look up (the list).
# fmt: off
COURSE_TERMS = [
    "손실 함수", "경사 하강법", "확률적 경사 하강법", "미니배치", "에폭", "학습률", "모멘텀",
    "네스테로프 가속 경사", "지수이동평균", "편향 보정", "수치 미분", "해석적 기울기", "역전파",
    "연쇄 법칙", "가중치 초기화", "지역 최솟값", "전역 최솟값", "평탄한 영역", "안장점",
    "비등방성 함수", "훈련 데이터", "검증 데이터", "테스트 데이터", "1차 방법", "1.5차 방법",
    "2차 방법", "무작위 탐색", "무작위 국소 탐색",
]
# fmt: on
# Where the course spells one idea several ways, every spelling is listed.
SPELLINGS = [("매개변수", "파라미터", "파라메터"), ("기울기", "그래디언트"), ("에폭", "에포크")]


def glossary_text() -> str:
    return GLOSSARY.read_text(encoding="utf-8")


def table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]


@pytest.mark.parametrize("term", COURSE_TERMS)
def test_the_glossary_has_a_row_for_every_course_term(term):
    korean_cells = [row[0] for row in table_rows(glossary_text())]
    assert any(term in cell for cell in korean_cells), f"no glossary row for {term!r}"


@pytest.mark.parametrize("spellings", SPELLINGS)
def test_every_spelling_of_a_term_stands_in_one_row(spellings):
    korean_cells = [row[0] for row in table_rows(glossary_text())]
    assert any(all(s in cell for s in spellings) for cell in korean_cells), spellings


def test_every_row_gives_the_english_term_and_the_library_name():
    rows = table_rows(glossary_text())
    body = [row for row in rows if row[0] != "한국어 (다른 표기)"]
    assert len(body) >= 60
    for row in body:
        assert len(row) == 3, row
        korean, english, library = row
        assert korean, row
        assert english, row
        assert library, row
        assert re.search(r"[a-z]", english), f"no English term in {row}"


def test_the_glossary_says_where_the_course_calls_lecun_xavier():
    text = glossary_text()
    assert "LeCun Initialization (Xavier Initialization)" in text
    assert 'init="lecun"' in text
    assert 'init="xavier"' in text


def quoted_error_fragments() -> list[str]:
    section = glossary_text().split("## 자주 만나는 오류 메시지", 1)[1]
    items = re.findall(r"^\d+\. (.*)$", section, flags=re.MULTILINE)
    fragments = []
    for item in items:
        for code in re.findall(r"\*\*`([^`]+)`\*\*", item):
            fragments.extend(part for part in code.split(" ... ") if part)
    return fragments


def library_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tinygrad_lite").rglob("*.py"))


def test_the_glossary_explains_ten_errors():
    section = glossary_text().split("## 자주 만나는 오류 메시지", 1)[1]
    assert len(re.findall(r"^\d+\. \*\*", section, flags=re.MULTILINE)) == 10


@pytest.mark.parametrize("fragment", quoted_error_fragments())
def test_every_error_the_glossary_quotes_is_printed_by_the_library(fragment):
    # A message reworded in the code must be reworded here too, or learners search in vain.
    assert fragment in library_source(), f"{fragment!r} is not in any message of tinygrad_lite"
