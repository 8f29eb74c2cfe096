"""The documentation site: its reference covers every module, its pages' examples run, the
CLI page follows the parser, public names have examples, and a real strict build passes the
checks CI runs (tools/check_site.py), which fail when an entry or a lesson is missing or a
page would load from a CDN."""

import contextlib
import importlib
import importlib.util
import inspect
import io
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PUBLIC_NAMESPACES

import tinygrad_lite
from tinygrad_lite.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# Modules with no reference block of their own, and why.
NOT_IN_REFERENCE = {
    "tinygrad_lite": "the package: its names are documented where they are defined",
    "tinygrad_lite.nn": "re-exports nn.module, nn.layers, nn.losses, nn.models",
    "tinygrad_lite.optim": "re-exports the optimizer modules",
    "tinygrad_lite.cli": "the command line page is generated from its parser",
    "tinygrad_lite.arguments": "argument checks shared by the ops; not called by users",
    "tinygrad_lite.nn.loss_checks": "argument checks shared by the losses; not called by users",
    "tinygrad_lite.exercises.core": "the checker's machinery (relative error, safe calls)",
    "tinygrad_lite.exercises.grade": "the child process that `tinygrad-lite exercises check` runs",
    "tinygrad_lite.exercises.text_en": "the English message table (data)",
    "tinygrad_lite.exercises.text_ko": "the Korean message table (data)",
}


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _docs_package(module: str):
    """Import a package of the docs group; skip outside CI when it is missing."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(
        module, reason=f"{module} is not installed (pip install --group docs, or make docs)"
    )


@pytest.fixture(scope="module")
def hooks():
    _docs_package("mkdocs")
    return _load("docs_hooks", ROOT / "tools" / "docs_hooks.py")


check_site = _load("check_site", ROOT / "tools" / "check_site.py")


# ---------------------------------------------------------------- what the reference covers


def _reference_targets() -> list[str]:
    return [
        line.split(":::", 1)[1].strip()
        for page in sorted((DOCS / "reference").glob("*.md"))
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith(":::")
    ]


def test_every_module_has_a_reference_block():
    package_modules = {
        info.name
        for info in pkgutil.walk_packages(tinygrad_lite.__path__, "tinygrad_lite.")
        if not info.name.endswith("__main__")
    } | {"tinygrad_lite"}
    documented = set(_reference_targets())
    missing = sorted(package_modules - documented - set(NOT_IN_REFERENCE))
    assert not missing, (
        f"modules with no `::: module` line in docs/reference/*.md: {missing}; "
        "add one to the page of its group (or to NOT_IN_REFERENCE, with the reason)"
    )


def test_every_reference_block_names_a_module_that_exists():
    for target in _reference_targets():
        importlib.import_module(target)


def test_every_notebook_is_a_lesson_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"- lessons/{notebook.name}\n" in nav, f"mkdocs.yml's nav lacks {notebook.name}"


# ---------------------------------------------------------------- docstrings


def _public_objects():
    for namespace in PUBLIC_NAMESPACES:
        module = importlib.import_module(namespace)
        names = getattr(module, "__all__", None) or [
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == namespace
        ]
        for name in names:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value) or callable(value):
                yield f"{namespace}.{name}", value


def test_every_public_name_has_a_docstring_with_an_example():
    objects = dict(_public_objects())
    assert len(objects) > 60
    lacking = [name for name, value in objects.items() if ">>>" not in (value.__doc__ or "")]
    assert not lacking, f"public names whose docstring has no >>> example: {lacking}"


# ---------------------------------------------------------------- the hooks


def test_the_cli_page_has_every_subcommand_and_option(hooks):
    parser = build_parser()
    page = hooks.cli_markdown(parser)
    subcommands = hooks._subcommands(parser)
    assert {"demo", "graph", "compare-optimizers", "gradcheck"} <= set(subcommands)
    for name, sub in subcommands.items():
        assert f"\n## {name}\n" in page
        assert sub.format_usage().strip() in page
        for action in sub._actions:
            for option in action.option_strings:
                if option not in {"-h", "--help"}:
                    assert f"`{option}`" in page, f"{name} {option} is missing from the page"


def test_doctest_lines_become_a_code_block_and_fenced_code_is_left_alone(hooks):
    lines = ["Text::", "", "    >>> x = 1", "    >>> x + 1", "    2", "", "```", ">>> kept", "```"]
    assert hooks.doctests_as_code(lines) == [
        "Text:",
        "",
        "",
        "```pycon",
        ">>> x = 1",
        ">>> x + 1",
        "2",
        "```",
        "",
        "```",
        ">>> kept",
        "```",
    ]


def test_an_example_at_the_end_is_closed_and_sphinx_roles_become_code(hooks):
    assert hooks.doctests_as_code(["See :func:`save` and the `Step`\\ s.", ">>> 1"]) == [
        "See `save` and the `Step`s.",
        "",
        "```pycon",
        ">>> 1",
        "```",
    ]


def test_the_two_cdn_scripts_are_removed_and_nothing_else(hooks):
    page = (
        '<head><script src="https://unpkg.com/iframe-worker/shim"></script>'
        '<script src="assets/bundle.js"></script></head><body><script type="module">'
        'const d = document.querySelectorAll(".jp-Mermaid > pre");'
        "await import('https://cdnjs.cloudflare.com/mermaid.mjs');</script>"
        '<script type="module">local()</script></body>'
    )
    assert hooks.without_cdn_scripts(page) == (
        '<head><script src="assets/bundle.js"></script></head><body>'
        '<script type="module">local()</script></body>'
    )


# ---------------------------------------------------------------- the pages' own examples


def _blocks(page: Path) -> list[tuple[str, str, bool]]:
    """The page's fenced blocks in order: (language, text, whether it follows the previous
    block with nothing but blank lines between)."""
    text = page.read_text(encoding="utf-8")
    blocks, end = [], None
    for match in re.finditer(r"^```(\w*)\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE):
        adjacent = end is not None and not text[end : match.start()].strip()
        blocks.append((match.group(1), match.group(2), adjacent))
        end = match.end()
    return blocks


PAGES_WITH_CODE = sorted(
    page.name for page in DOCS.glob("*.md") if any(b[0] == "python" for b in _blocks(page))
)


@pytest.mark.parametrize("name", PAGES_WITH_CODE)
def test_the_pages_examples_run_and_print_what_the_page_shows(name, tmp_path, monkeypatch):
    """Python blocks run in order (later ones use earlier names); a text block directly
    after a Python block is what that block prints."""
    monkeypatch.chdir(tmp_path)  # the saving page writes files
    namespace: dict = {}
    previous_kind, printed = "", ""
    for kind, text, adjacent in _blocks(DOCS / name):
        if kind == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(text, f"docs/{name}", "exec"), namespace)  # noqa: S102 (our page)
            printed = out.getvalue()
        elif kind == "text" and adjacent and previous_kind == "python":
            for line in text.strip().splitlines():
                assert line.strip() in printed, f"docs/{name} shows {line!r}; it printed {printed}"
        previous_kind = kind


# ---------------------------------------------------------------- a real build


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    _docs_package("mkdocs")
    _docs_package("material")
    _docs_package("mkdocstrings_handlers.python")
    _docs_package("mkdocs_jupyter")
    _docs_package("jupyter_server_mathjax")
    site = tmp_path_factory.mktemp("site")
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return site


def test_the_strict_build_passes_the_site_checks(built_site):
    assert check_site.main([str(built_site)]) == 0
    assert (built_site / "reference" / "cli.html").is_file()
    assert (built_site / "assets" / "mathjax" / "MathJax.js").is_file()
    assert (built_site / "assets" / "mathjax" / "config" / "tinygrad_lite.js").is_file()


def test_the_checks_fail_on_a_missing_entry_a_missing_lesson_or_a_cdn(built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    nn_page = site / "reference" / "nn.html"
    nn_page.write_text(
        nn_page.read_text(encoding="utf-8").replace(
            'id="tinygrad_lite.nn.layers.Linear"', 'id="gone"'
        ),
        encoding="utf-8",
    )
    next(iter(sorted((site / "lessons").glob("*.html")))).unlink()
    index = site / "index.html"
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "</head>", '<link rel="stylesheet" href="https://fonts.googleapis.com/css"></head>'
        ),
        encoding="utf-8",
    )
    problems = [
        *check_site.check_entries(site),
        *check_site.check_lessons(site),
        *check_site.check_no_network(site),
    ]
    assert any(p.startswith("nn.Linear: ") for p in problems)
    assert any("no lesson page" in p for p in problems)
    assert any(p.startswith("index.html: mentions Google Fonts") for p in problems)
    assert any(p.startswith("index.html: loads") for p in problems)
    assert check_site.main([str(site)]) == 1
