"""The Korean lessons (notebooks/ko/) against the English ones they translate.

A Korean notebook is the English notebook with its Markdown cells in Korean: the same cells in
the same order, every code cell byte for byte the same, every Markdown cell with the same
headings. So a change to the code of a lesson in one language fails here until the other
follows. nbmake executes notebooks/ko/ with the others (``pytest notebooks``); these tests
check what is committed.
"""

import os
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from korean_helpers import HANGUL, other_spellings, plain_style_endings

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "notebooks"
KOREAN = ENGLISH / "ko"
CLEAN = runpy.run_path(str(ROOT / "tools" / "clean_notebooks.py"))["clean"]

# English lessons with no Korean edition yet, named here so the gap is visible: each is
# translated once its English text is final (issue 22). A new English notebook fails
# test_every_english_lesson_is_translated_or_listed until it is translated or added here.
NOT_YET_TRANSLATED: set[str] = set()

HEADING = re.compile(r"^(#{1,6})\s")


def stems(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.ipynb")}


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def headings(markdown: str) -> list[int]:
    """The level of each Markdown heading, in order (lines in fenced code blocks are code)."""
    levels, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            levels.append(len(match.group(1)))
    return levels


def prose(markdown: str) -> str:
    """The words of a Markdown cell: without math, inline code and code blocks."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL)
    text = re.sub(r"\$[^$]*\$", " ", text)
    return re.sub(r"`[^`]*`", " ", text)


KOREAN_LESSONS = sorted(stems(KOREAN))


def test_every_english_lesson_is_translated_or_listed():
    missing = stems(ENGLISH) - stems(KOREAN)
    assert missing == NOT_YET_TRANSLATED, (
        f"English lessons without a Korean edition: {sorted(missing)}; translate them into "
        f"notebooks/ko/ or list them in NOT_YET_TRANSLATED (listed now: "
        f"{sorted(NOT_YET_TRANSLATED)})"
    )


def test_every_korean_lesson_translates_an_english_one():
    assert KOREAN_LESSONS, "no Korean lesson in notebooks/ko/"
    assert stems(KOREAN) <= stems(ENGLISH), "a Korean notebook whose English lesson is gone"


def differences(english: list, korean: list) -> list[str]:
    """How a Korean notebook's cells depart from the English: cell types, code, headings."""
    if [c.cell_type for c in korean] != [c.cell_type for c in english]:
        return ["the cells (Markdown or code, in order) differ from the English notebook's"]
    problems = []
    for number, (en, ko) in enumerate(zip(english, korean, strict=True)):
        if en.cell_type == "code" and ko.source != en.source:
            problems.append(f"code cell {number} differs from the English one: copy it over")
        if en.cell_type == "markdown" and headings(ko.source) != headings(en.source):
            problems.append(
                f"Markdown cell {number} has headings of levels {headings(ko.source)}, "
                f"the English one {headings(en.source)}"
            )
    return problems


@pytest.mark.parametrize("name", KOREAN_LESSONS)
def test_same_cells_identical_code_and_same_sections(name):
    english = read(ENGLISH / f"{name}.ipynb").cells
    korean = read(KOREAN / f"{name}.ipynb").cells
    assert differences(english, korean) == [], name


@pytest.mark.parametrize("name", KOREAN_LESSONS)
def test_markdown_is_korean_in_the_polite_style_with_the_glossarys_terms(name):
    for number, cell in enumerate(read(KOREAN / f"{name}.ipynb").cells):
        if cell.cell_type != "markdown":
            continue
        text = prose(cell.source)
        assert HANGUL.search(text), f"{name}: Markdown cell {number} is not translated"
        assert plain_style_endings(text) == [], f"{name}: cell {number} is not in 합니다체"
        assert other_spellings(text) == [], f"{name}: cell {number}"


@pytest.mark.parametrize("name", KOREAN_LESSONS)
def test_committed_executed_clean_and_small(name):
    path = KOREAN / f"{name}.ipynb"
    nb = read(path)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = [output for cell in code for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert nbformat.writes(CLEAN(read(path))) == nbformat.writes(nb), (
        "run `make notebooks` (or python tools/clean_notebooks.py notebooks/ko/*.ipynb)"
    )
    assert path.stat().st_size < 1_000_000


def test_the_checks_catch_a_changed_code_cell_and_a_lost_heading():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    english = [md("# 1. The graph\n\ntext\n## Part"), code("x = 1"), md("## Summary")]
    korean = [md("# 1. 그래프\n\n본문\n## 부분"), code("x = 1"), md("## 요약")]
    assert differences(english, korean) == []
    assert differences(english, [korean[0], code("x = 2"), korean[2]]) == [
        "code cell 1 differs from the English one: copy it over"
    ]
    assert differences(english, [md("# 1. 그래프\n\n## 부분"), korean[1], md("요약")]) == [
        "Markdown cell 2 has headings of levels [], the English one [2]"
    ]
    assert differences(english, korean[:2]) != []
    assert headings("# 제목\n```\n# a comment, not a heading\n```\n## 요약") == [1, 2]
    assert plain_style_endings("값을 계산한다. 단계마다\n값을 계산합니다.\n그래프를 그렸다") == [
        "계산한다",
        "그렸다",
    ]
    assert plain_style_endings("기울기입니다: $x$가 아닙니다. 확인해 봅시다:") == []
    assert other_spellings("하이퍼파라미터와 그래디언트") == ["그래디언트 (use 기울기)"]


def test_the_docs_site_has_a_korean_section_with_the_glossary_and_every_korean_lesson():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- 용어집 (glossary): ko/glossary.md\n" in nav
    for name in KOREAN_LESSONS:
        assert f"- lessons-ko/{name}.ipynb\n" in nav, f"mkdocs.yml's nav lacks ko/{name}"
    assert (ROOT / "docs" / "lessons-ko").resolve() == KOREAN.resolve()


@pytest.mark.parametrize("name", KOREAN_LESSONS)
def test_links_inside_a_lesson_lead_to_its_headings(name):
    markdown = [c.source for c in read(KOREAN / f"{name}.ipynb").cells if c.cell_type == "markdown"]
    anchors = {
        match.group(1).strip().replace(" ", "-")
        for source in markdown
        for match in re.finditer(r"^#{1,6} (.+)$", source, flags=re.MULTILINE)
    }
    for source in markdown:
        for anchor in re.findall(r"\]\(#([^)]+)\)", source):
            assert anchor in anchors, f"{name}: no heading for the link #{anchor}"


def printed(cell: nbformat.NotebookNode) -> str:
    """What a code cell shows: its printed text and the text of its results."""
    return "".join(
        o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs
    )


def test_korean_lesson_8_shows_the_checkers_words_in_korean():
    """notebooks/ko/conftest.py runs the Korean lessons with TINYGRAD_LITE_LANG=ko, so the
    committed lesson 8 (unsolved) lists the exercises and answers every check in Korean, with
    the code cells of the English lesson, which stays English."""
    from tinygrad_lite.exercises import text_en, text_ko  # noqa: PLC0415

    for folder, words, other in ((KOREAN, text_ko, text_en), (ENGLISH, text_en, text_ko)):
        code = [c for c in read(folder / "08_exercises.ipynb").cells if c.cell_type == "code"]
        listing = printed(code[0])
        assert f"[{words.MESSAGES['list.unchecked']}]" in listing, folder
        assert f"[{other.MESSAGES['list.unchecked']}]" not in listing, folder
        checks = [printed(c) for c in code if ".check(" in c.source]
        assert len(checks) == 13, folder
        for shown in checks:
            assert words.MESSAGES["status.not_attempted"] in shown, (folder, shown)
            assert other.MESSAGES["status.not_attempted"] not in shown, (folder, shown)


def test_only_the_korean_lessons_kernels_start_with_the_korean_checker(monkeypatch):
    """notebooks/ko/conftest.py sets TINYGRAD_LITE_LANG=ko before a Korean lesson's kernel
    starts and removes it afterwards; an English lesson's environment is left alone."""
    monkeypatch.delenv("TINYGRAD_LITE_LANG", raising=False)
    hooks = runpy.run_path(str(KOREAN / "conftest.py"))
    korean = SimpleNamespace(path=KOREAN / "08_exercises.ipynb")
    english = SimpleNamespace(path=ENGLISH / "08_exercises.ipynb")

    hooks["pytest_runtest_setup"](english)
    assert "TINYGRAD_LITE_LANG" not in os.environ
    hooks["pytest_runtest_setup"](korean)
    assert os.environ["TINYGRAD_LITE_LANG"] == "ko"
    hooks["pytest_runtest_teardown"](korean)
    assert "TINYGRAD_LITE_LANG" not in os.environ  # the next (English) notebook prints English
