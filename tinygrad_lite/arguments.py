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
    """One axis (softmax, argmax, argmin) as a valid non-negative int; None for a 0-d tensor.

    The twin of :func:`one_axis` for ops that are defined on a single value: softmax,
    argmax and argmin of a 0-d tensor take axis 0 or -1, as in PyTorch, and None tells them to work on
    the one value. :func:`one_axis` serves ops that index ``shape[axis]`` (cumsum, split,
    flatten, cat) and so refuses a 0-d tensor. They stay two functions so that each caller's
    result type says which it gets (``int | None`` here, ``int`` there).
    """
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
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


def one_axis(axis: Any, ndim: int, op: str) -> int:
    """A single existing axis (negative allowed) as an int from 0 to ndim - 1.

    A 0-d tensor has no axis to name, so this is an error naming ``op``; for ops that make
    sense on a single value (softmax, argmax) use :func:`single_axis` instead.
    """
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: axis must be one int, got {axis!r}; e.g. axis=0 or axis=-1")
    if ndim == 0:
        raise ValueError(f"{op}: a 0-d tensor has no axes; reshape it first, e.g. x.reshape(1)")
    (result,) = normalize_axis(axis, ndim, op)  # type: ignore[misc]
    return result


def new_axis(axis: Any, ndim: int, op: str) -> int:
    """The position of an axis to insert (unsqueeze, stack): from -ndim-1 to ndim."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: axis must be one int, got {axis!r}; e.g. axis=0 or axis=-1")
    if not -ndim - 1 <= axis <= ndim:
        raise ValueError(
            f"{op}: axis {axis} is out of range for a result with {ndim + 1} dims; a new axis "
            f"goes at a position from {-ndim - 1} to {ndim}"
        )
    return int(axis) % (ndim + 1)


def real_number(value: Any, name: str, op: str, example: str) -> float:
    """A setting such as a slope or a fill value, as a Python float (a NumPy float64 would
    turn a float32 tensor into float64)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{op}: {name} must be a real number, got {type(value).__name__} {value!r}; "
            f"e.g. {name}={example}"
        )
    return float(value)


def pad_widths(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """NumPy's ``pad_width`` forms as one ``(before, after)`` pair per axis: ``n`` (every
    side), ``(before, after)`` (every axis) or ``((before_0, after_0), ...)`` (one per axis)."""
    example = "pad(1), pad((0, 2)) or pad(((0, 0), (1, 1)))"
    if ndim == 0:
        raise ValueError("pad: a 0-d tensor has no axes to pad; reshape it first: x.reshape(1)")
    try:
        widths = np.asarray(pad_width)
    except ValueError:  # ragged nesting
        widths = np.asarray(None)
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be ints, got {pad_width!r}; e.g. {example}")
    try:
        widths = np.broadcast_to(widths, (ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a tensor with {ndim} dims; give n, "
            f"(before, after), or {ndim} pairs (before, after), one per axis: {example}"
        ) from None
    if (widths < 0).any():
        raise ValueError(
            f"pad: pad_width must be >= 0, got {pad_width!r}; to cut a border away, slice "
            "instead (x[1:-1])"
        )
    return tuple((int(before), int(after)) for before, after in widths)


def split_sizes(split: Any, length: int) -> list[int]:
    """The piece sizes of ``Tensor.split``: an int is the size of each piece (the last may be
    shorter), a list gives every piece's size and must add up to ``length``."""
    if isinstance(split, numbers.Integral) and not isinstance(split, bool):
        if split < 1:
            raise ValueError(
                f"split: a piece size must be >= 1, got {split}; give the size of each piece, "
                "or a list of sizes"
            )
        split = int(split)
        return [split] * (length // split) + ([length % split] if length % split else []) or [0]
    if not isinstance(split, Sequence) or not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0 for n in split
    ):
        raise TypeError(
            f"split: expected a piece size (int) or a list of sizes (ints >= 0), got {split!r}; "
            "e.g. x.split(2) or x.split([1, 3])"
        )
    if sum(split) != length:
        raise ValueError(
            f"split: the sizes {list(split)} add up to {sum(split)}, but the axis has length "
            f"{length}; make them add up to {length}"
        )
    return [int(n) for n in split]
