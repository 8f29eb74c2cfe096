"""The README's course map: every row links to a lesson section that exists.

A link is ``notebooks/NN_name.ipynb#Heading-text``: Jupyter's anchor for a markdown heading is
its text with spaces turned into hyphens (other characters percent-encoded in the link).
"""

import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\((notebooks/[^)#]+\.ipynb)#([^)]+)\)")


def course_map_rows() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Course map", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and "](" in line]


def anchors(notebook: Path) -> set[str]:
    """The anchor of every markdown heading in `notebook`."""
    found = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            heading = re.match(r"#{1,6} (.+)", line)
            if heading:
                found.add(heading.group(1).strip().replace(" ", "-"))
    return found


def test_the_map_covers_the_course_in_rows_that_each_link_a_section():
    rows = course_map_rows()
    assert len(rows) >= 25
    for row in rows:
        assert LINK.search(row), row
    topics = [row.split("|")[1].strip() for row in rows]
    # the notes' order: scores and losses first, initialization near the end
    assert topics.index("Softmax and multiclass SVM losses") < topics.index(
        "Adam and its bias correction"
    )
    assert topics.index("Adam and its bias correction") < topics.index("Sigmoid saturation")


@pytest.mark.parametrize(
    ("path", "anchor"),
    [match for row in course_map_rows() for match in LINK.findall(row)],
)
def test_every_linked_heading_exists_in_its_notebook(path, anchor):
    notebook = ROOT / path
    assert notebook.exists(), f"{path} does not exist"
    assert unquote(anchor) in anchors(notebook), f"no heading for #{anchor} in {path}"


def test_anchors_are_heading_texts_with_hyphens():
    found = anchors(ROOT / "notebooks" / "05_optimizers.ipynb")
    assert "Adam's-bias-correction" in found
    assert "Adam's bias correction" not in found
    assert "No-such-heading" not in found
