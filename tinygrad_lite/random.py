"""The one random number generator behind everything random in the library.

Initializers, shuffling, random factories and random search all draw from :func:`generator`,
so ``tl.manual_seed(n)`` makes a whole run repeatable, bit for bit. NumPy's global
``np.random`` state is never touched: seeding the library does not change the user's stream.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed all library randomness; the same seed gives the same bits.

    >>> import tinygrad_lite as tl
    >>> _ = tl.manual_seed(0); a = tl.Tensor.randn(3)
    >>> _ = tl.manual_seed(0); b = tl.Tensor.randn(3)
    >>> bool((a.data == b.data).all())
    True
    """
    global _generator  # noqa: PLW0603 - one library-wide generator, replaced by seeding
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed expects a non-negative int, got {seed}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator() -> np.random.Generator:
    """The library's current generator (replaced by every ``manual_seed`` call)."""
    return _generator


def get_rng_state() -> dict:
    """The generator's state as plain data, for checkpoints (see :func:`set_rng_state`)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state from :func:`get_rng_state`, so a resumed run draws the same numbers."""
    _generator.bit_generator.state = state
