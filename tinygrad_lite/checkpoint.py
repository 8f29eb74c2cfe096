"""Checkpoints: a whole training run in one ``.npz`` file, to stop and resume bit for bit.

::

    tl.save_checkpoint("run.npz", model, optimizer, scheduler, epoch=epoch)
    ...                                        # later, maybe in a new process:
    info = tl.load_checkpoint("run.npz", model, optimizer, scheduler)
    start = info["epoch"] + 1                  # the keyword values given to save_checkpoint

A resumed run continues exactly as if it had never stopped, because the file holds every
number the next step depends on:

- the model's parameters (``model.<name>``),
- the optimizer's state (``optimizer.<key>``: ``lr``, velocities, Adam's moments and step
  counts) and the scheduler's (``base_lr``, ``last_epoch``),
- the state of the library's random generator (``tinygrad_lite.random.get_rng_state``), which
  every ``DataLoader`` created with ``seed=None`` shuffles with. (A loader with its own
  ``seed=`` starts its sequence of shuffles again; use ``tl.manual_seed`` and ``seed=None``
  for a run you want to resume.)

The arrays are stored as they are; the numbers, the generator state and your keyword values
go into a JSON text stored as bytes under ``checkpoint.json`` (JSON keeps Python ints of any
size and floats exactly). The file is written with ``tl.save`` (atomic: an interrupted save
leaves the previous checkpoint intact) and read with ``tl.load`` (never unpickles).

``load_checkpoint`` is all or nothing: if any part does not fit (another model, another
optimizer class, a missing key), everything it had already restored is put back, so the
model, optimizer, scheduler and generator are exactly as they were before the call.
"""

from __future__ import annotations

import json
import os
from typing import Any, NoReturn

import numpy as np

from tinygrad_lite import random as tl_random
from tinygrad_lite.arguments import a_or_an
from tinygrad_lite.serialization import load, save

__all__ = ["load_checkpoint", "save_checkpoint"]

FORMAT = "tinygrad_lite checkpoint"
VERSION = 1
HEADER = "checkpoint.json"
_PARTS = ("optimizer", "scheduler")


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    **extra: Any,
) -> None:
    """Write the model, optimizer, scheduler, random state and ``extra`` values to ``path``.

    ``extra`` values must be JSON data: numbers, strings, booleans, None, and lists or
    dicts of those (e.g. ``epoch=5, losses=history.loss``).

    >>> import os, tempfile
    >>> import tinygrad_lite as tl
    >>> model = tl.nn.Linear(2, 1)
    >>> opt = tl.optim.Adam(model.parameters(), lr=0.01)
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> tl.save_checkpoint(path, model, opt, epoch=3)
    >>> tl.load_checkpoint(path, model, opt)
    {'epoch': 3}
    """
    _check_path_first("save_checkpoint", path)
    arrays: dict[str, np.ndarray] = {f"model.{k}": v for k, v in model.state_dict().items()}
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "model": type(model).__name__,
        "rng": tl_random.get_rng_state(),
        "extra": extra,
    }
    for part, owner in zip(_PARTS, (optimizer, scheduler), strict=True):
        if owner is None:
            continue
        numbers = {}
        for key, value in owner.state_dict().items():
            if isinstance(value, np.ndarray):
                arrays[f"{part}.{key}"] = value
            elif isinstance(value, bool | int | float | np.number):
                numbers[key] = value.item() if isinstance(value, np.generic) else value
            else:
                raise TypeError(
                    f"save_checkpoint: the {part} state {key!r} is "
                    f"{a_or_an(type(value).__name__)}; only arrays and numbers can be stored"
                )
        header[part] = {"class": type(owner).__name__, "numbers": numbers}
    try:
        text = json.dumps(header)
    except TypeError as error:
        raise TypeError(
            f"save_checkpoint: {error}; extra values must be JSON data (numbers, strings, "
            "booleans, None, lists and dicts of them); save arrays with tl.save instead"
        ) from None
    arrays[HEADER] = np.frombuffer(text.encode(), dtype=np.uint8)
    save(arrays, path)


def load_checkpoint(
    path: str | os.PathLike[str],
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
) -> dict[str, Any]:
    """Restore what :func:`save_checkpoint` wrote into ``model``, ``optimizer``, ``scheduler``
    and the library's random generator; return the ``extra`` values.

    An ``optimizer`` or ``scheduler`` left as None is not restored (load a model alone for
    inference). Everything is checked, and on any error nothing has changed.

    >>> import os, tempfile
    >>> import tinygrad_lite as tl
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> tl.save_checkpoint(path, tl.nn.Linear(2, 1), losses=[0.9, 0.5])
    >>> fresh = tl.nn.Linear(2, 1)
    >>> tl.load_checkpoint(path, fresh)["losses"]
    [0.9, 0.5]
    """
    _check_path_first("load_checkpoint", path)
    arrays = load(path)
    header = _read_header(arrays, path)
    parts: dict[str, dict[str, Any]] = {"model": {}, "optimizer": {}, "scheduler": {}}
    for key, value in arrays.items():
        part, _, name = key.partition(".")
        if part not in parts:
            raise ValueError(f"load_checkpoint: '{path}' holds an unknown entry {key!r}")
        parts[part][name] = value
    owners = {"optimizer": optimizer, "scheduler": scheduler}
    for part, owner in owners.items():
        if owner is None:
            continue
        saved = header.get(part)
        if saved is None:
            raise ValueError(
                f"load_checkpoint: '{path}' holds no {part} state; pass {part}=None or save "
                f"the checkpoint with the {part}"
            )
        if saved["class"] != type(owner).__name__:
            raise ValueError(
                f"load_checkpoint: '{path}' holds the state of {a_or_an(saved['class'])} "
                f"{part}, not of {a_or_an(type(owner).__name__)}; create "
                f"{a_or_an(saved['class'])} to resume this run"
            )
        parts[part].update(saved["numbers"])

    before = _snapshot(model, optimizer, scheduler)
    try:
        model.load_state_dict(parts["model"])
        for part, owner in owners.items():
            if owner is not None:
                owner.load_state_dict(parts[part])
        tl_random.set_rng_state(header["rng"])
    except BaseException:
        _restore(before, model, optimizer, scheduler)
        raise
    return header["extra"]


def _check_path_first(fn: str, path: Any) -> None:
    """Refuse a `path` that is not one (``tl.save`` takes the state first, checkpoints the
    path first, so the two get swapped)."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"{fn}: the first argument is the file path, got a {type(path).__name__}; the path "
            f"comes first, then the model: tl.{fn}('run.npz', model, optimizer, scheduler)"
        )


def _read_header(arrays: dict[str, np.ndarray], path: Any) -> dict[str, Any]:
    """The checkpoint's JSON header, every field checked (before anything is restored)."""
    raw = arrays.pop(HEADER, None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError(
            f"load_checkpoint: '{path}' is not a checkpoint (no {HEADER} entry); it was not "
            "written by tl.save_checkpoint. Read plain saved arrays with tl.load"
        )
    try:
        header = json.loads(raw.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"load_checkpoint: '{path}' has a corrupt {HEADER}: {error}") from None
    except RecursionError:
        raise ValueError(
            f"load_checkpoint: '{path}' has a corrupt {HEADER}: its JSON is nested too deeply"
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: '{path}' is not a {FORMAT}")
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        _malformed(path, "version", "an integer", version)
    if version != VERSION:
        raise ValueError(
            f"load_checkpoint: '{path}' is a version {version} checkpoint; this "
            f"tinygrad_lite reads version {VERSION}"
        )
    if not isinstance(header.get("model"), str):
        _malformed(path, "model", "the model's class name", header.get("model"))
    if not isinstance(header.get("extra"), dict):
        _malformed(path, "extra", "a dict of the keyword values", header.get("extra"))
    probe = type(tl_random.generator().bit_generator)()  # a scratch generator to try it on
    try:
        probe.state = header.get("rng")
    except (TypeError, ValueError, KeyError, OverflowError):
        _malformed(path, "rng", "a random generator state", header.get("rng"))
    for part in _PARTS:
        saved = header.get(part)
        if saved is None:
            continue
        if not isinstance(saved, dict) or not isinstance(saved.get("class"), str):
            _malformed(path, part, 'a dict with the "class" name and "numbers"', saved)
        numbers = saved.get("numbers")
        if not isinstance(numbers, dict) or not all(
            isinstance(v, int | float) for v in numbers.values()
        ):
            _malformed(path, f"{part}.numbers", "a dict of numbers", numbers)
    return header


def _malformed(path: Any, field: str, expected: str, got: Any) -> NoReturn:
    try:
        shown = repr(got)
    except RecursionError:  # deeply nested JSON
        shown = f"a deeply nested {type(got).__name__}"
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise ValueError(
        f"load_checkpoint: '{path}' has a malformed {HEADER}: the field {field!r} must be "
        f"{expected}, got {shown}; the file was damaged or not written by tl.save_checkpoint"
    )


def _snapshot(model: Any, optimizer: Any, scheduler: Any) -> tuple[Any, ...]:
    return (
        model.state_dict(),
        None if optimizer is None else optimizer.state_dict(),
        None if scheduler is None else scheduler.state_dict(),
        tl_random.get_rng_state(),
    )


def _restore(before: tuple[Any, ...], model: Any, optimizer: Any, scheduler: Any) -> None:
    model_state, optimizer_state, scheduler_state, rng_state = before
    model.load_state_dict(model_state)
    if optimizer is not None:
        optimizer.load_state_dict(optimizer_state)
    if scheduler is not None:
        scheduler.load_state_dict(scheduler_state)
    tl_random.set_rng_state(rng_state)
