"""The README's Python examples run as written and print what their comments say."""

import contextlib
import importlib
import inspect
import io
import re
from pathlib import Path

import pytest

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
    # the StaticGraph example trained on: its last loss came from a replay, and the model
    # still classifies the spiral
    step, loss, model = namespace["step"], namespace["loss"], namespace["model"]
    assert type(step).__name__ == "StaticGraph"
    assert loss.grad_fn is None
    assert 0 <= loss.item() < 0.5
    X, y, Tensor = namespace["X"], namespace["y"], namespace["Tensor"]
    assert (model(Tensor(X)).argmax(axis=1).numpy() == y).mean() >= 0.95


GLANCE_MODULES = [
    "tinygrad_lite",
    "tinygrad_lite.nn",
    "tinygrad_lite.nn.functional",
    "tinygrad_lite.nn.init",
    "tinygrad_lite.optim",
    "tinygrad_lite.optim.lr_scheduler",
    "tinygrad_lite.data",
    "tinygrad_lite.datasets",
    "tinygrad_lite.train",
    "tinygrad_lite.plots",
    "tinygrad_lite.testfunctions",
]


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


@pytest.mark.parametrize("module_name", GLANCE_MODULES)
def test_api_at_a_glance_names_every_public_name(module_name):
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## API at a glance\n")[1].split("\n## ")[0]
    module = importlib.import_module(module_name)
    missing = [
        name
        for name in public_names(module)
        if not re.search(rf"`(\w+\.)*{re.escape(name)}[`(,]", section)
    ]
    assert missing == [], f"README's API at a glance lacks {module_name}: {missing}"
