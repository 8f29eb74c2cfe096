"""Check a built documentation site (run by `make docs` after `mkdocs build --strict`).

    python tools/check_site.py [SITE_DIR]

Fails (exit code 1, one line per problem) unless:
- the reference has an entry for each name in REQUIRED_ENTRIES,
- every notebook in notebooks/ (and notebooks/ko/) has a lesson page that shows its saved
  outputs,
- every `site/...#anchor` link in README.md points at a page and anchor that exist,
- no page loads anything from another host (script, stylesheet, font, image, frame), and
  no file mentions Google Fonts.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name users look for -> (reference page, anchor mkdocstrings gives it)
REQUIRED_ENTRIES = {
    "Tensor": ("reference/tensor.html", "tinygrad_lite.tensor.Tensor"),
    "nn.Linear": ("reference/nn.html", "tinygrad_lite.nn.layers.Linear"),
    "optim.Adam": ("reference/optim.html", "tinygrad_lite.optim.adaptive.Adam"),
    "tl.trace_backward": ("reference/graphs.html", "tinygrad_lite.trace.trace_backward"),
}

_EXTERNAL_LOAD = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//",
    flags=re.IGNORECASE,
)
_EXTERNAL_CSS = re.compile(r"(?:@import|url\()\s*[\"']?(?:https?:)?//", flags=re.IGNORECASE)


def _ids(html_file: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html_file.read_text(encoding="utf-8")))


def check_entries(site: Path) -> list[str]:
    problems = []
    for name, (page, anchor) in REQUIRED_ENTRIES.items():
        file = site / page
        if not file.is_file():
            problems.append(f"{name}: no reference page {page}")
        elif anchor not in _ids(file):
            problems.append(f"{name}: {page} has no entry #{anchor}")
    return problems


def check_lessons(site: Path) -> list[str]:
    problems = []
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        problems.append("no notebooks found in notebooks/")
    korean = sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))  # docs/lessons-ko links there
    for notebook in notebooks + korean:
        folder = "lessons-ko" if notebook in korean else "lessons"
        page = site / folder / f"{notebook.stem}.html"
        if not page.is_file():
            problems.append(f"{notebook.name}: no lesson page {page.relative_to(site)}")
            continue
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        has_outputs = any(cell.get("outputs") for cell in cells)
        if has_outputs and "jp-OutputArea-output" not in page.read_text(encoding="utf-8"):
            problems.append(f"{notebook.name}: its lesson page shows none of its saved outputs")
    return problems


def check_readme_links(site: Path) -> list[str]:
    problems = []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page, anchor in re.findall(r"\]\(site/([^)#\s]+)#([^)\s]+)\)", readme):
        file = site / page
        if not file.is_file():
            problems.append(f"README links to site/{page}, which the build did not make")
        elif anchor not in _ids(file):
            problems.append(f"README links to site/{page}#{anchor}, which has no such entry")
    return problems


def check_no_network(site: Path) -> list[str]:
    problems = []
    for file in sorted(site.rglob("*")):
        if file.suffix not in {".html", ".css", ".js"}:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        where = file.relative_to(site)
        if "fonts.googleapis" in text or "fonts.gstatic" in text:
            problems.append(f"{where}: mentions Google Fonts (theme.font must stay false)")
        if file.suffix == ".html" and _EXTERNAL_LOAD.search(text):
            problems.append(f"{where}: loads {_EXTERNAL_LOAD.search(text).group(0)!r}...")
        if file.suffix == ".css" and _EXTERNAL_CSS.search(text):
            problems.append(f"{where}: the stylesheet loads from another host")
    return problems


def main(argv: list[str]) -> int:
    site = Path(argv[0]) if argv else ROOT / "site"
    if not (site / "index.html").is_file():
        sys.stderr.write(f"check_site: no built site in {site}; run `make docs` first\n")
        return 1
    checks = [check_entries, check_lessons, check_readme_links, check_no_network]
    problems = [problem for check in checks for problem in check(site)]
    for problem in problems:
        sys.stderr.write(f"check_site: {problem}\n")
    if problems:
        return 1
    pages = len(list(site.rglob("*.html")))
    sys.stdout.write(
        f"check_site: {pages} pages; reference entries, lessons, links present; no CDN\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
