"""``python -m tinygrad_lite``: the ``tinygrad-lite`` command (see ``tinygrad_lite.cli``)."""

import sys

from tinygrad_lite.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
