"""Dtype rules: which NumPy dtype a new tensor gets, and the library-wide default.

Python floats (and lists of them) become the default float dtype, ``float32`` unless
``set_default_dtype`` changed it; Python ints become ``int64``; NumPy arrays keep their dtype;
an explicit ``dtype=`` wins over all of these.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype of new float tensors and new layer parameters (float32 at start).

    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> tl.set_default_dtype(np.float64)
    >>> tl.Tensor(1.5).dtype
    dtype('float64')
    >>> tl.set_default_dtype(np.float32)   # back to the default
    """
    global _default_dtype  # noqa: PLW0603 - the library-wide default, as in NumPy/PyTorch
    d = parse_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype needs a float dtype (np.float32, np.float64), got {d}")
    _default_dtype = d


def get_default_dtype() -> np.dtype:
    """The dtype that Python floats become (``float32`` unless changed).

    >>> import tinygrad_lite as tl
    >>> tl.get_default_dtype()
    dtype('float32')
    """
    return _default_dtype


def parse_dtype(dtype: Any) -> np.dtype:
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"unknown dtype {dtype!r}; use a NumPy dtype such as np.float32, np.float64 or np.int64"
        ) from None
    if d.kind not in "fiub":
        raise TypeError(
            f"unsupported dtype {d}: tensors hold floats, integers or booleans; use np.float32, "
            "np.float64, np.int64 or np.bool_"
        )
    return d


def to_array(data: Any, dtype: Any) -> np.ndarray:
    """Python floats become the default dtype, Python ints int64, arrays keep their dtype."""
    if dtype is not None:
        dtype = parse_dtype(dtype)
    if isinstance(data, np.ndarray | np.generic):
        array = np.array(data, dtype=dtype)
    else:
        try:
            array = np.array(data)
        except ValueError as error:  # ragged nested lists
            raise ValueError(
                "Tensor: data must be rectangular: give every row of a nested list the same "
                f"length (NumPy says: {error})"
            ) from None
        if array.dtype.kind == "f":
            array = array.astype(dtype or _default_dtype, copy=False)
        elif array.dtype.kind in "iu":
            array = array.astype(dtype or np.int64, copy=False)
        elif array.dtype.kind == "b" or (array.size == 0 and array.dtype.kind == "f"):
            array = array.astype(dtype or array.dtype, copy=False)
        else:
            raise TypeError(
                f"Tensor: cannot make a tensor from {type(data).__name__} "
                f"(NumPy sees dtype {array.dtype}); pass numbers, nested lists or an array"
            )
    if array.dtype.kind not in "fiub":
        raise TypeError(f"Tensor: unsupported dtype {array.dtype}; use float, int or bool data")
    return array
