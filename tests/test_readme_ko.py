"""README.ko.md, the Korean README: the English README's code and printed output unchanged,
the same sections, links that lead somewhere, and Korean in the polite style with the
glossary's terms. (tests/test_readme.py runs the English README's examples; the Korean one
holds the same blocks, so they run there.)"""

import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
from korean_helpers import HANGUL, other_spellings, plain_style_endings

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "README.md"
KOREAN = ROOT / "README.ko.md"
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    return FENCED.findall(markdown)


def heading_levels(markdown: str) -> list[int]:
    outside_code = FENCED.sub("", markdown)
    return [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", outside_code, flags=re.MULTILINE)]


def prose(markdown: str) -> str:
    """The Korean README without code blocks, inline code, links' targets and table rows."""
    words = FENCED.sub(" ", markdown)
    words = re.sub(r"`[^`]*`", " ", words)
    words = re.sub(r"\]\([^)]*\)", "]", words)
    return "\n".join(line for line in words.splitlines() if not line.startswith("|"))


def test_each_readme_links_the_other_at_the_top():
    assert "[한국어](README.ko.md)" in text(ENGLISH).split("\n## ", 1)[0]
    assert "[English](README.md)" in text(KOREAN).split("\n## ", 1)[0]


def test_code_commands_and_printed_output_are_the_english_readmes():
    korean, english = code_blocks(text(KOREAN)), code_blocks(text(ENGLISH))
    assert len(korean) >= 8
    assert korean == english, (
        "README.ko.md's code blocks (in order) differ from README.md's: copy the changed block"
    )


def test_same_sections():
    assert heading_levels(text(KOREAN)) == heading_levels(text(ENGLISH))


def test_korean_in_the_polite_style_with_the_glossarys_terms():
    words = prose(text(KOREAN))
    assert len(HANGUL.findall(words)) > 3000
    assert plain_style_endings(words) == []
    assert other_spellings(words) == []


def test_every_local_link_leads_to_a_file():
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text(KOREAN)):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target


def test_every_lesson_is_linked_in_korean_where_it_is_translated():
    korean = text(KOREAN)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        translated = ROOT / "notebooks" / "ko" / notebook.name
        folder = "notebooks/ko" if translated.exists() else "notebooks"
        assert f"({folder}/{notebook.name})" in korean, notebook.name


def notebook_anchors(notebook: Path) -> set[str]:
    """Jupyter's anchor of every Markdown heading: its text with spaces turned into hyphens."""
    return {
        match.group(1).strip().replace(" ", "-")
        for cell in nbformat.read(notebook, as_version=4).cells
        if cell.cell_type == "markdown"
        for match in re.finditer(r"^#{1,6} (.+)$", cell.source, flags=re.MULTILINE)
    }


def test_every_lesson_section_linked_exists():
    links = re.findall(r"\]\((notebooks/[^)#]+\.ipynb)#([^)]+)\)", text(KOREAN))
    assert len(links) >= 30  # the course map
    assert any(path.startswith("notebooks/ko/") for path, _ in links)
    for path, anchor in links:
        assert unquote(anchor) in notebook_anchors(ROOT / path), f"no heading #{anchor} in {path}"
