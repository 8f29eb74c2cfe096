"""pytest settings for the Korean lessons: the exercise checker answers them in Korean.

A Korean lesson's code cells are the English lesson's, byte for byte (tests/test_notebooks_ko.py
compares them), so lesson 8 cannot call ``ex.set_language("ko")`` itself. Instead the kernel
of each notebook in this folder starts with ``TINYGRAD_LITE_LANG=ko`` in its environment: the
exercises read it when they are first imported. The variable is removed after the notebook,
so English notebooks executed in the same pytest session (``make notebooks``) stay English.
"""

import os
from pathlib import Path

import pytest

KOREAN_LESSONS = Path(__file__).resolve().parent
LANGUAGE_VARIABLE = "TINYGRAD_LITE_LANG"


def is_korean_lesson(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb" and item.path.resolve().parent == KOREAN_LESSONS


# tryfirst: set before any other setup, and so before nbmake starts the kernel, a child
# process that copies os.environ when it starts.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if is_korean_lesson(item):
        os.environ[LANGUAGE_VARIABLE] = "ko"


def pytest_runtest_teardown(item: pytest.Item) -> None:
    if is_korean_lesson(item):
        os.environ.pop(LANGUAGE_VARIABLE, None)
