"""Small builders shared by several test files (imported as ``from helpers import ...``).

pytest puts this folder on ``sys.path`` (rootdir-based imports, no ``__init__.py``), so the
test files import this module by its bare name.
"""

import subprocess
import sys

import numpy as np

import tinygrad_lite as tl

# The namespaces users import from: every public name in them has a docstring with an example
# (tests/test_docs.py) and a line in README's "API at a glance" (tests/test_readme.py).
PUBLIC_NAMESPACES = [
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
    "tinygrad_lite.exercises",
    "tinygrad_lite.interop",
]


def leaf(value, name, requires_grad=True):
    """A named float64 leaf tensor (float64 so the golden numbers hold to every digit)."""
    return tl.Tensor(value, requires_grad=requires_grad, dtype=np.float64, name=name)


def micrograd():
    """``a = -4``, ``b = 2`` and ``g``, the expression of micrograd's README.

    Expected: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773.
    """
    a, b = leaf(-4.0, "a"), leaf(2.0, "b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.name = "g"
    return a, b, g


def graph_tensors(root):
    """Every tensor of the graph (a plain stack walk, independent of the code under test)."""
    seen, stack = {id(root): root}, [root]
    while stack:
        fn = stack.pop().grad_fn
        for x in fn.inputs if fn is not None else ():
            if id(x) not in seen:
                seen[id(x)] = x
                stack.append(x)
    return list(seen.values())


def run_module(*args, cwd=None, timeout=120):
    """``python -m tinygrad_lite ARGS...`` in a fresh process; stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_lite", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )
