"""Notebook 08: committed unsolved and clean, one template and one check per exercise in
teaching order; its check cells pass the solutions and name each catalogued mistake."""

import runpy
from pathlib import Path

import nbformat
import pytest

from tinygrad_lite import exercises as ex

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_exercises.ipynb"
CLEAN = runpy.run_path(str(ROOT / "tools" / "clean_notebooks.py"))["clean"]


def code_cells():
    return [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]


def pairs():
    """(template cell, check cell) per exercise, after the set-up cell."""
    cells = code_cells()[1:]
    return list(zip(cells[0::2], cells[1::2], strict=True))


def test_committed_executed_clean_and_unsolved():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nbformat.writes(CLEAN(nbformat.read(NOTEBOOK, as_version=4))) == nbformat.writes(nb)
    cells = code_cells()
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    outputs = [o for c in cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    for _, check in pairs():
        (result,) = check.outputs
        assert "not attempted yet" in result.data["text/plain"]
        assert "not attempted yet</b>" in result.data["text/html"]


def test_one_template_and_one_check_per_exercise_in_teaching_order():
    assert len(pairs()) == len(ex.EXERCISES)
    for (template, check), (name, e) in zip(pairs(), ex.EXERCISES.items(), strict=True):
        assert e.template == f"import numpy as np\n\n\n{template.source}\n"
        assert check.source == f'ex.get("{name}").check({name})'


def run_check(check, namespace):
    return eval(check.source, namespace)  # the committed notebook's own cell


@pytest.mark.parametrize("name", list(ex.EXERCISES))
def test_the_check_cells_pass_the_solution_and_name_each_mistake(name):
    setup = code_cells()[0]
    namespace = {}
    exec(setup.source.replace("ex.list();", ""), namespace)  # noqa: S102 - the notebook's cell
    template, check = pairs()[list(ex.EXERCISES).index(name)]
    exec(template.source, namespace)  # noqa: S102
    assert run_check(check, namespace).status == "not_attempted"
    exec(ex.get(name).solution(), namespace)  # noqa: S102 - the package's own solution
    assert run_check(check, namespace).passed
    for mistake in ex.get(name).mistakes:
        namespace[name] = mistake.wrong
        assert run_check(check, namespace).mistakes == (mistake.id,)
