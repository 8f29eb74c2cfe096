"""The README's Python examples run as written and print what their comments say."""

import contextlib
import importlib
import inspect
import io
import re
from pathlib import Path

import pytest
from helpers import PUBLIC_NAMESPACES

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.graphviz  # the first example renders its graph with dot
def test_the_readme_examples_run_in_order_and_print_what_they_say(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the first example writes docs/neuron.svg
    # The interop example needs the optional extras: test_interop_readme.py runs it.
    blocks = [block for block in python_blocks() if "tinygrad_lite.interop" not in block]
    assert len(blocks) >= 3
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:  # later examples use what earlier ones defined (model, X, y)
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 (our own README)
    assert (tmp_path / "docs" / "neuron.svg").exists()
    assert "window.tlExplorer" in (tmp_path / "explorer.html").read_text(encoding="utf-8")
    output = printed.getvalue()
    assert "0.8399" in f"{namespace['w'].grad.item():.4f}"
    assert "loss 0.050, accuracy 0.99" in output
    assert "(2,) -1.0" in output
    assert "moons accuracy 0.97" in output  # the small net with BatchNorm1d and Dropout
    assert namespace["net"].training is False
    # the StaticGraph example trained on: its last loss came from a replay, and the model
    # still classifies the spiral
    step, loss, model = namespace["step"], namespace["loss"], namespace["model"]
    assert type(step).__name__ == "StaticGraph"
    assert loss.grad_fn is None
    assert 0 <= loss.item() < 0.5
    X, y, Tensor = namespace["X"], namespace["y"], namespace["Tensor"]
    assert (model(Tensor(X)).argmax(axis=1).numpy() == y).mean() >= 0.95


def public_names(module) -> list[str]:
    """`__all__` without the submodules, or else what the module itself defines."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
        ]
    return [n for n in names if not inspect.ismodule(getattr(module, n))]


def api_at_a_glance() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("\n## API at a glance\n")[1].split("\n## ")[0]


@pytest.mark.parametrize("module_name", PUBLIC_NAMESPACES)
def test_api_at_a_glance_names_every_public_name(module_name):
    section = api_at_a_glance()
    module = importlib.import_module(module_name)
    missing = [
        name
        for name in public_names(module)
        if not re.search(rf"`(\w+\.)*{re.escape(name)}[`(,]", section)
    ]
    assert missing == [], f"README's API at a glance lacks {module_name}: {missing}"


def test_the_readme_has_one_api_at_a_glance():
    text = README.read_text(encoding="utf-8")
    headings = re.findall(r"^#+ API at a glance.*$", text, flags=re.MULTILINE)
    assert headings == ["## API at a glance"]


# a name in a table's first column: a code span that links to its entry in the built site
# (tools/check_site.py checks after `make docs` that every such page and anchor exists)
REFERENCE_LINK = re.compile(
    r"\[`[^`]+`\]\(site/reference/[\w-]+\.html#(?:tinygrad_lite(?:\.\w+)*|[\w-]+)\)"
)


def test_every_name_in_api_at_a_glance_links_to_its_reference_entry():
    rows = [line for line in api_at_a_glance().splitlines() if line.startswith("| ")]
    rows = [row for row in rows if not row.startswith(("| Name ", "| --- "))]
    assert len(rows) >= 80
    unlinked = []
    for row in rows:
        first_cell = re.split(r"(?<!\\)\|", row)[1]
        if "`" not in first_cell or "`" in REFERENCE_LINK.sub("", first_cell):
            unlinked.append(first_cell.strip())
    assert unlinked == [], f"names without a reference link: {unlinked}"
