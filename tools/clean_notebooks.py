"""Remove from executed notebooks what changes on every run, so that a re-run's diff shows
only real changes. ``make notebooks`` runs it after executing the notebooks in place::

    python tools/clean_notebooks.py notebooks/*.ipynb

It drops the executor's per-cell timing metadata and every notebook-level metadata field
but the kernel spec (``language_info`` records the Python version), drops the text form of
an output when it is only a memory address (``<graphviz.Digraph at 0x7f…>``, shown next to
its SVG), and joins consecutive pieces of one output stream (how ``print`` output is split
into pieces depends on timing). Outputs and execution counts stay.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ADDRESS = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]+>")
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clean `nb` in place and return it."""
    nb.metadata = nbformat.from_dict(
        {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    )
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        outputs: list = []
        for output in cell.outputs:
            data = output.get("data", {})
            if len(data) > 1 and ADDRESS.fullmatch(data.get("text/plain", "")):
                del data["text/plain"]
            previous = outputs[-1] if outputs else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and previous.name == output.name
            ):
                previous.text += output.text
            else:
                outputs.append(output)
        cell.outputs = outputs
    return nb


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        after = nbformat.writes(clean(nb))
        if after != before:
            nbformat.write(nb, path)
            sys.stdout.write(f"cleaned {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
