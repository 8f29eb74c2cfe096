"""The committed lesson notebooks: executed, free of errors, clean, small, linked from the README.

Running them is nbmake's job (``pytest notebooks``); these tests check what is committed.
"""

import runpy
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CLEAN = runpy.run_path(str(ROOT / "tools" / "clean_notebooks.py"))["clean"]

# The lessons of the optimization course, in order.
LESSONS = [
    "01_computational_graph",
    "02_numerical_vs_analytic",
    "03_score_and_loss_functions",
    "04_two_layer_network",
    "05_optimizers",
    "06_weight_initialization",
    "07_first_15_second_order",
    "09_regularization",
]


def read(name):
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", LESSONS)
def test_committed_with_every_cell_executed_and_no_errors(name):
    nb = read(name)
    assert nb.metadata.kernelspec.name == "python3"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = [output for cell in code for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    images = [o for o in outputs if {"image/png", "image/svg+xml"} & set(o.get("data", {}))]
    assert images, "a lesson shows at least one figure or graph"


@pytest.mark.parametrize("name", LESSONS)
def test_committed_clean_and_small(name):
    nb = read(name)
    assert nbformat.writes(CLEAN(read(name))) == nbformat.writes(nb), (
        "run `make notebooks` (or python tools/clean_notebooks.py) to strip timestamps"
    )
    assert (ROOT / "notebooks" / f"{name}.ipynb").stat().st_size < 1_000_000


def test_clean_drops_timing_addresses_and_joins_streams():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('a'); print('b'); graph")
    cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output(
            "execute_result",
            data={"image/svg+xml": "<svg/>", "text/plain": "<graphviz.Digraph at 0x7f00ab>"},
            execution_count=1,
        ),
        nbformat.v4.new_output("stream", name="stdout", text="c\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "<object at 0x1>"}),
    ]
    nb.cells = [cell]
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    CLEAN(nb)
    assert nb.metadata == {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    assert "execution" not in cell.metadata
    assert [o.get("text") for o in cell.outputs] == ["a\nb\n", None, "c\n", None]
    assert cell.outputs[1].data == {"image/svg+xml": "<svg/>"}  # the address is gone
    assert cell.outputs[3].data == {"text/plain": "<object at 0x1>"}  # the only form: kept


def test_readme_links_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"(notebooks/{path.name})" in readme, path.name
