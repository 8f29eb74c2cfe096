"""Reading the arguments of Tensor methods: axes, shapes and indices, checked with clear errors,
and the hints that ``apply`` adds to NumPy's own error messages."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

# What to do about NumPy's most common complaints; apply() adds it to NumPy's message.
_FIXES = {
    "could not be broadcast": "shapes broadcast when, comparing axes from the right, each pair "
    "is equal or one of them is 1; reshape an operand (e.g. b.reshape(-1, 1)) or check which "
    "tensor has the wrong shape",
    "remapp": "broadcast_to can only add leading axes and stretch axes of size 1",
    "out of bounds for axis": "an axis of size n takes indices from -n to n-1",
    "out of bounds for array of dimension 0": "a 0-d tensor has no axes: use axis=None",
    "too many indices": "use at most one index per axis of the tensor",
    "cannot reshape": "the new shape must hold as many elements as the old one; write -1 for "
    "one axis to have its size computed",
    "one unknown dimension": "use -1 for at most one axis",
}


def a_or_an(word: str) -> str:
    """The word with its article as it is read aloud: "an Adam", "an SGD", "a Linear".

    An acronym (two capitals first) whose first letter is read with a vowel sound ("ess",
    "em") takes "an", as does "ndarray" ("en-dee-array").
    """
    word = str(word)
    acronym = word[:2].isupper()
    vowel_sound = (
        word[:1].lower() in "aeiou" or (acronym and word[0] in "FHLMNRSX") or word == "ndarray"
    )
    return f"{'an' if vowel_sound else 'a'} {word}"


def with_fix(error: Exception) -> str:
    text = str(error).strip()
    for problem, fix in _FIXES.items():
        if problem in text:
            return f"{text}; {fix}"
    return text


def normalize_axis(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """An int or tuple of axes (negative allowed) as a sorted tuple of valid axes.

    A 0-d tensor takes axis 0 or -1 as PyTorch does, meaning its one value: the result is
    None (all axes), which the ops handle on 0-d arrays, where NumPy refuses axis 0.
    """
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:  # the usual single axis, e.g. axis=1
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, numbers.Integral) else axis
    if not isinstance(axes, tuple | list) or not all(isinstance(a, numbers.Integral) for a in axes):
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
    size = max(ndim, 1)  # a 0-d tensor counts as one axis: 0 and -1 name it
    result = []
    for a in axes:
        if not -size <= a < size:
            fix = f"use an axis from {-size} to {size - 1} or axis=None"
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims; {fix}")
        result.append(int(a) % size)
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: repeated axis in {axis!r}; list each axis once")
    return None if ndim == 0 else tuple(sorted(result))


def single_axis(axis: Any, ndim: int, op: str) -> int | None:
    """One axis (softmax, argmax) as a valid non-negative int; None for a 0-d tensor."""
    if not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: axis must be one int, got {axis!r}; e.g. axis=-1")
    axes = normalize_axis(axis, ndim, op)
    return None if axes is None else axes[0]


def shape_args(shape: tuple[Any, ...], op: str = "shape") -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{op}: sizes must be ints, got {n!r}; e.g. {op}(2, 3)")
    return tuple(int(n) for n in shape)


def sizes(shape: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """The shape of a new tensor: ints >= 0."""
    sizes = shape_args(shape, op)
    if any(n < 0 for n in sizes):
        raise ValueError(f"{op}: sizes must be >= 0, got {sizes}")
    return sizes


def count(value: Any, name: str, fn: str, minimum: int = 1) -> int:
    """A number of things (a batch size, points per class): an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{fn}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)
