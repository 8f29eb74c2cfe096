"""Save and load named arrays (a model's ``state_dict``) as a NumPy ``.npz`` file.

``save(state, path)`` writes every array of ``state`` under its key into one ``.npz`` (a zip of
``.npy`` files) and ``load(path)`` reads them back into a ``dict`` of NumPy arrays::

    tl.save(model.state_dict(), "model.npz")
    model.load_state_dict(tl.load("model.npz"))

Two safety properties:

- **Atomic write.** The file is first written to a temporary file in the destination folder,
  flushed to disk, then renamed over ``path`` in one step (``os.replace``). A crash or an error
  halfway leaves the previous file untouched and no temporary file behind.
- **No pickle.** Arrays of Python objects would need ``pickle``, and unpickling a file can run
  arbitrary code. ``save`` refuses such arrays and ``load`` never unpickles anything.
"""

from __future__ import annotations

import numbers
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

if TYPE_CHECKING:
    from tinygrad_lite.tensor import Tensor

__all__ = ["load", "save"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members / an empty zip
_NPY_MAGIC = b"\x93NUMPY"
_NUMERIC_KINDS = "biufc"  # bool, signed int, unsigned int, float, complex
_RESERVED_KEYS = ("file", "allow_pickle")  # parameter names of np.savez


def _as_array(key: str, value: object) -> np.ndarray:
    """The numeric or boolean array to store under ``key`` (a Tensor gives its ``.data``)."""
    if not isinstance(value, np.ndarray | np.generic):
        data = getattr(value, "data", None)  # a Tensor, by duck typing
        if isinstance(data, np.ndarray):
            value = data
        elif isinstance(value, numbers.Number):
            value = np.asarray(value)
        else:
            msg = (
                f"save: the value under key {key!r} is a {type(value).__name__}; "
                "expected a NumPy array, a Tensor or a number (convert lists with np.asarray)"
            )
            raise TypeError(msg)
    array = np.asarray(value)
    if array.dtype.kind not in _NUMERIC_KINDS:
        reason = "would need pickle to store" if array.dtype.hasobject else "is not numeric"
        msg = (
            f"save: the array under key {key!r} has dtype {array.dtype}, which {reason}; "
            "only numeric and boolean arrays can be saved (convert it with .astype(...))"
        )
        raise TypeError(msg)
    return array


def _validated(state: Mapping[str, object]) -> dict[str, np.ndarray]:
    """Check every key and value of ``state`` before anything is written."""
    if not isinstance(state, Mapping):
        msg = f"save: state must be a dict of arrays, got {type(state).__name__}"
        raise TypeError(msg)
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str):
            msg = f"save: every key must be a str, got {key!r} ({type(key).__name__})"
            raise TypeError(msg)
        if not key:
            msg = "save: keys must be non-empty strings, got ''"
            raise ValueError(msg)
        if key in _RESERVED_KEYS:
            msg = f"save: the key {key!r} is reserved by np.savez; rename it"
            raise ValueError(msg)
        arrays[key] = _as_array(key, value)
    return arrays


def save(state: Mapping[str, np.ndarray | Tensor], path: str | os.PathLike[str]) -> None:
    """Write the arrays of ``state`` to the ``.npz`` file ``path``, atomically.

    Parameters
    ----------
    state : dict[str, np.ndarray | Tensor]
        Names to arrays, e.g. ``model.state_dict()``. Keys are non-empty strings (dots and
        slashes are fine: ``"fc1.weight"``); values are numeric or boolean arrays, Tensors (their
        ``.data`` is saved) or numbers.
    path : str or os.PathLike
        The file to write, used as given (no ``.npz`` is appended). Its folder must exist. An
        existing file is replaced only once the new one is complete.

    Raises
    ------
    TypeError
        If ``state`` is not a dict, a key is not a string, or a value is not numeric (object
        arrays are refused because they would need pickle).
    ValueError
        If a key is empty or is ``"file"`` or ``"allow_pickle"`` (np.savez's own parameters).
    FileNotFoundError
        If the folder of ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.npz")
    >>> tl.save({"w": tl.Tensor([1.0, 2.0]), "step": np.array(3)}, path)
    >>> tl.load(path)["w"]
    array([1., 2.], dtype=float32)
    """
    arrays = _validated(state)
    target = Path(path)
    folder = target.absolute().parent
    if not folder.is_dir():
        msg = f"save: the folder '{folder}' does not exist; create it first"
        raise FileNotFoundError(msg)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o644)  # mkstemp creates the file readable by its owner only
        tmp.replace(target)  # atomic when both are on the same filesystem
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Flush the folder entry of the renamed file to disk, so the rename survives a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_signature(fh: BinaryIO, path: Path) -> None:
    """Refuse, with a clear message, a file that does not start like a zip (an ``.npz``)."""
    head = fh.read(len(_NPY_MAGIC))
    fh.seek(0)
    if head.startswith(_ZIP_MAGIC):
        return
    if head == _NPY_MAGIC:
        msg = (
            f"load: '{path}' is a single-array .npy file, not an .npz; "
            "read it with np.load(path) or save a dict of arrays with tl.save"
        )
    else:
        msg = (
            f"load: '{path}' is not an .npz file (it does not start with a zip signature); "
            "tl.load reads files written by tl.save or np.savez"
        )
    raise ValueError(msg)


def _read_member(npz: np.lib.npyio.NpzFile, key: str, path: Path) -> np.ndarray:
    """Read the array ``key`` of an open ``.npz`` without ever unpickling."""
    try:
        array = npz[key]
    except ValueError as exc:  # e.g. "Object arrays cannot be loaded when allow_pickle=False"
        msg = (
            f"load: could not read the array {key!r} in '{path}': {exc}. "
            "tl.load never unpickles (unpickling can run arbitrary code), so arrays of Python "
            "objects cannot be loaded; save numeric arrays with tl.save instead"
        )
        raise ValueError(msg) from exc
    if isinstance(array, np.ndarray):
        return array
    msg = (  # np.load returns the raw bytes of a zip member that is not a .npy file
        f"load: '{path}' holds {key!r}, which is not a .npy array; "
        "tl.load reads files written by tl.save or np.savez"
    )
    raise ValueError(msg)


def load(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read the arrays of an ``.npz`` file written by :func:`save` (or ``np.savez``).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.

    Returns
    -------
    dict[str, np.ndarray]
        Every array under its key, with its dtype and shape, in the order it was saved.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not an ``.npz``, is truncated or corrupt, or holds an array of Python
        objects (which would need pickle; nothing is ever unpickled).

    Examples
    --------
    >>> import os, tempfile
    >>> import tinygrad_lite as tl
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.npz")
    >>> tl.save(tl.nn.Linear(2, 3).state_dict(), path)
    >>> {key: array.shape for key, array in tl.load(path).items()}
    {'weight': (2, 3), 'bias': (3,)}
    """
    file = Path(path)
    # Open the file here rather than in np.load, which leaks its handle when the zip is broken.
    try:
        fh = file.open("rb")
    except FileNotFoundError:
        msg = (
            f"load: '{file}' does not exist; check the path (relative paths start in {Path.cwd()})"
        )
        raise FileNotFoundError(msg) from None
    with fh:
        _check_signature(fh, file)
        try:
            with np.load(fh, allow_pickle=False) as npz:
                return {key: _read_member(npz, key, file) for key in npz.files}
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            msg = (
                f"load: '{file}' is truncated or corrupt ({exc}); "
                "save it again with tl.save, which never leaves a half-written file"
            )
            raise ValueError(msg) from exc
