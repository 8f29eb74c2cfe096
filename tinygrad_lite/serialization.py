"""Save and load named arrays (a model's ``state_dict``) as a NumPy ``.npz`` file.

``save(state, path)`` writes every array of ``state`` under its key into one ``.npz`` (a zip of
``.npy`` files) and ``load(path)`` reads them back into a ``dict`` of NumPy arrays::

    tl.save(model.state_dict(), "model.npz")
    model.load_state_dict(tl.load("model.npz"))

Two safety properties:

- **Atomic write.** The file is first written to a temporary file in the destination folder
  (``.<name>.tmp-<pid>-<random>``), flushed to disk, then renamed over ``path`` in one step
  (``os.replace``). An error, Ctrl-C or SIGTERM halfway leaves the previous file untouched and
  no temporary file behind. A SIGKILL or a power cut cannot be caught: it may leave the
  temporary file, which the next save to the same ``path`` removes. The new file gets the
  mode the umask gives (``0o666 & ~umask``); replacing a file keeps that file's mode.
- **No pickle.** Arrays of Python objects would need ``pickle``, and unpickling a file can run
  arbitrary code. ``save`` refuses such arrays and ``load`` never unpickles anything.
"""

from __future__ import annotations

import contextlib
import glob
import math
import numbers
import os
import signal
import stat
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from tinygrad_lite.arguments import a_or_an

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
                f"save: the value under key {key!r} is {a_or_an(type(value).__name__)}; "
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
        hint = ""
        if hasattr(state, "state_dict"):
            hint = f"; pass the model's arrays: tl.save({type(state).__name__.lower()}.state_dict(), path)"
        msg = f"save: state must be a dict of arrays, got {type(state).__name__}{hint}"
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
        existing file is replaced only once the new one is complete, and keeps its mode.

    Raises
    ------
    TypeError
        If ``state`` is not a dict (or is the path: the arguments were swapped), a key is not
        a string, or a value is not numeric (object arrays are refused because they would
        need pickle).
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
    if isinstance(state, str | os.PathLike):  # tl.save_checkpoint takes the path first
        msg = (
            f"save: the first argument is the state to save, got the path {str(state)!r}; "
            "the state comes first, then the path: tl.save(model.state_dict(), 'model.npz')"
        )
        raise TypeError(msg)
    arrays = _validated(state)
    target = Path(path)
    folder = target.absolute().parent
    if not folder.is_dir():
        msg = f"save: the folder '{folder}' does not exist; create it first"
        raise FileNotFoundError(msg)
    prefix = _temp_prefix(target)
    _remove_stale_temp_files(folder, prefix)
    mode = _mode_for(target)
    with _sigterm_cleans_up():
        tmp = None
        try:
            fd, name = tempfile.mkstemp(dir=folder, prefix=f"{prefix}{os.getpid()}-", suffix=".npz")
            tmp = Path(name)
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), mode)  # mkstemp creates the file readable by its owner only
                np.savez(fh, allow_pickle=False, **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(target)  # atomic when both are on the same filesystem
        except BaseException:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            raise
    _fsync_folder(folder)


class _Terminated(BaseException):
    """SIGTERM arrived during a save (raised so the temporary file is removed)."""


@contextlib.contextmanager
def _sigterm_cleans_up() -> Iterator[None]:
    """During a save, let SIGTERM (what job schedulers and ``kill`` send) remove the temporary
    file, then end the process by SIGTERM as it would have ended. Only where Python allows
    it: in the main thread, and when the program has no SIGTERM handler of its own."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def terminate(_signum: int, _frame: object) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except _Terminated:  # the temporary file is gone: now end as SIGTERM ends a process
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _temp_prefix(target: Path) -> str:
    """The start of the name of every temporary file that saves to `target` make."""
    return f".{target.name[:100]}.tmp-"


def _remove_stale_temp_files(folder: Path, prefix: str) -> None:
    """Remove the temporary files a killed save to the same target left (SIGKILL cannot be
    caught). A file is stale when the process named in it is gone; a save still running in
    another process keeps its file."""
    for leftover in folder.glob(f"{glob.escape(prefix)}*.npz"):
        pid = leftover.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_exists(int(pid)):
            leftover.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _mode_for(target: Path) -> int:
    """The permission bits for the saved file: an existing file's own, else what the umask
    gives a new file (``0o666 & ~umask``), as ``open(path, "w")`` would."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # reading the umask means setting it: put it straight back
        os.umask(umask)
        return 0o666 & ~umask


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


def _check_npy_header(npz: np.lib.npyio.NpzFile, key: str, path: Path) -> None:
    """Read the ``.npy`` header of ``key`` and refuse, before any array is allocated, an
    array of Python objects or a shape that needs more bytes than the member holds (a
    damaged header claiming 10**12 elements must not end in MemoryError)."""
    member = f"{key}.npy"
    if member not in npz.zip.namelist():
        return  # not a .npy member: np.load returns its bytes, refused by _read_member
    with npz.zip.open(member) as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        except ValueError as exc:
            msg = f"load: the array {key!r} in '{path}' has a damaged .npy header ({exc})"
            raise ValueError(msg) from None
        held = npz.zip.getinfo(member).file_size - fh.tell()
    if dtype.hasobject:
        msg = (
            f"load: could not read the array {key!r} in '{path}': Object arrays (dtype "
            f"{dtype}) need pickle. tl.load never unpickles (unpickling can run arbitrary "
            "code), so arrays of Python objects cannot be loaded; save numeric arrays with "
            "tl.save instead"
        )
        raise ValueError(msg)
    needed = math.prod(shape) * dtype.itemsize
    if needed > held:
        msg = (
            f"load: the array {key!r} in '{path}' is truncated or its header is damaged: "
            f"shape {shape} of {dtype} needs {needed:,} bytes, the file holds {held:,}"
        )
        raise ValueError(msg)


def _read_member(npz: np.lib.npyio.NpzFile, key: str, path: Path) -> np.ndarray:
    """Read the array ``key`` of an open ``.npz`` without ever unpickling."""
    _check_npy_header(npz, key, path)
    try:
        array = npz[key]
    except ValueError as exc:
        msg = f"load: could not read the array {key!r} in '{path}': {exc}; the file is damaged"
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
