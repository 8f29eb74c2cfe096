"""Shared test configuration: Hypothesis profiles, the Graphviz skip rule, global-state reset.

Hypothesis profiles (pick one with ``pytest --hypothesis-profile=NAME``):
- ``default``: Hypothesis' defaults without the 200 ms deadline (first calls can be slow).
- ``dev``: 20 examples per test, for a quick local loop.
- ``thorough``: 2000 examples per test, to run before a release.
With ``CI`` set, Hypothesis loads its built-in ``ci`` profile (derandomized, no deadline).
"""

import os
import shutil

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("default", settings.get_profile("default"), deadline=None)
settings.register_profile("dev", settings.get_profile("default"), max_examples=20)
settings.register_profile("thorough", settings.get_profile("default"), max_examples=2000)

HAVE_DOT = shutil.which("dot") is not None

# The tests expect the exercises in English: a learner's TINYGRAD_LITE_LANG=ko must not change
# that (the Korean tests set the language, or the variable of a child process, themselves).
os.environ.pop("TINYGRAD_LITE_LANG", None)


def pytest_collection_modifyitems(config, items):
    """Skip tests that render graphs when ``dot`` is missing, except in CI, where it must exist."""
    if HAVE_DOT or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="Graphviz 'dot' not on PATH (apt-get install graphviz)")
    for item in items:
        if item.get_closest_marker("graphviz") or item.path.suffix == ".ipynb":
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _reset_global_state():
    """After each test: default dtype back to float32, and fail if grad mode was left off."""
    yield
    import tinygrad_lite as tl  # noqa: PLC0415 (lazy: the engine may not be importable yet)

    if hasattr(tl, "set_default_dtype"):
        tl.set_default_dtype(np.float32)
    is_grad_enabled = getattr(tl, "is_grad_enabled", None) or getattr(
        getattr(tl, "autograd", None), "is_grad_enabled", None
    )
    if is_grad_enabled is not None and not is_grad_enabled():
        pytest.fail("the test left grad mode disabled: exit every no_grad() block")
