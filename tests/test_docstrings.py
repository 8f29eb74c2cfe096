"""Every example in the package's docstrings runs and prints what it claims (doctest)."""

import doctest
import importlib
import os
import pkgutil

import pytest

import tinygrad_lite

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(tinygrad_lite.__path__, "tinygrad_lite.")
    if not info.name.endswith("__main__")
)

# Modules whose examples need an optional extra: (the package they import, the extra).
NEEDS_EXTRA = {
    "tinygrad_lite.plots": ("matplotlib", "plot"),
    "tinygrad_lite.interop.compare": ("torch", "torch"),
    "tinygrad_lite.interop.onnx": ("onnx", "onnx"),
    "tinygrad_lite.interop.torch": ("torch", "torch"),
}


@pytest.mark.parametrize("name", ["tinygrad_lite", *MODULES])
def test_docstring_examples(name):
    if name in NEEDS_EXTRA and not os.environ.get("CI"):  # in CI every extra is installed
        package, extra = NEEDS_EXTRA[name]
        pytest.importorskip(
            package,
            reason=f"{name}'s examples need {package}: pip install -e '.[{extra}]'",
        )
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) in {name} failed"


def test_the_examples_exist():
    finder = doctest.DocTestFinder()
    examples = sum(
        len(test.examples)
        for name in ["tinygrad_lite", *MODULES]
        for test in finder.find(importlib.import_module(name))
    )
    assert examples > 50
