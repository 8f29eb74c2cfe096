"""The README's Python examples run as written and print what their comments say."""

import contextlib
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
    blocks = python_blocks()
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
