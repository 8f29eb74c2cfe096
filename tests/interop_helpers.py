"""What the interop tests share: importing an optional package, or skipping (failing in CI)."""

import importlib
import os

import pytest


def require(module: str, what: str):
    """Import ``module``; without it, skip the test file with a message naming ``what`` to
    install, except under ``CI=true``, where every interop test must run and this fails."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the interop tests, but {module} is missing: {what}")
        pytest.skip(f"needs {module}: {what}", allow_module_level=True)
