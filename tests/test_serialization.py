"""tl.save / tl.load: .npz round trips, atomic writes, and refusal of anything that needs pickle."""

import contextlib
import io
import os
import signal
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_lite.serialization import load, save
from tinygrad_lite.tensor import Tensor

SAVABLE_DTYPES = st.one_of(
    hnp.boolean_dtypes(),
    hnp.integer_dtypes(),
    hnp.unsigned_integer_dtypes(),
    hnp.floating_dtypes(),
    hnp.complex_number_dtypes(),
)


class HasData:
    """An object with a `.data` attribute, as save() looks for the array behind a Tensor."""

    def __init__(self, data):
        self.data = data


def assert_same_arrays(actual, expected):
    """Same keys in the same order, and bit for bit the same dtype, shape and contents."""
    assert list(actual) == list(expected)
    for key, want in expected.items():
        got = actual[key]
        assert isinstance(got, np.ndarray), key
        assert got.dtype == want.dtype, key
        assert got.shape == want.shape, key
        assert got.tobytes() == want.tobytes(), key


def test_round_trip_keeps_dtypes_shapes_and_dotted_keys(tmp_path):
    state = {
        "fc1.weight": np.arange(12, dtype=np.float32).reshape(3, 4),
        "fc1.bias": np.zeros(4, dtype=np.float32),
        "layers.0/scale": np.array(2.5, dtype=np.float64),
        "mask": np.array([[True, False], [False, True]]),
        "labels": np.array([2, 0, 1], dtype=np.int64),
        "empty": np.zeros((0, 3), dtype=np.float16),
        "transposed": np.arange(6, dtype=np.int8).reshape(2, 3).T,
        "big_endian": np.array([1.5, -2.0], dtype=">f8"),
    }
    path = tmp_path / "model.npz"
    save(state, path)
    assert_same_arrays(load(path), state)


@given(
    arrays=st.dictionaries(
        keys=st.text(
            alphabet=st.characters(codec="ascii", exclude_characters="\x00"),
            min_size=1,
            max_size=12,
        ).filter(lambda key: key not in {"file", "allow_pickle"}),
        values=hnp.arrays(SAVABLE_DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
        max_size=4,
    )
)
def test_round_trip_of_any_numeric_arrays(arrays):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.npz"
        save(arrays, path)
        assert_same_arrays(load(path), arrays)


def test_tensors_and_numbers_are_saved_as_arrays(tmp_path):
    weight = np.ones((2, 2), dtype=np.float32)
    path = tmp_path / "state.npz"
    save(
        {"weight": Tensor(weight, requires_grad=True), "step": 3, "lr": 0.5, "nesterov": True},
        str(path),
    )
    loaded = load(str(path))
    assert_same_arrays(
        loaded,
        {
            "weight": weight,
            "step": np.array(3),
            "lr": np.array(0.5),
            "nesterov": np.array(True),
        },
    )


def test_loaded_arrays_are_writable_copies(tmp_path):
    path = tmp_path / "state.npz"
    save({"w": np.zeros(3)}, path)
    loaded = load(path)
    loaded["w"][0] = 7.0
    np.testing.assert_array_equal(load(path)["w"], np.zeros(3))


def test_empty_state_round_trips(tmp_path):
    path = tmp_path / "empty.npz"
    save({}, path)
    assert load(path) == {}


def test_saving_again_replaces_the_whole_file(tmp_path):
    path = tmp_path / "state.npz"
    save({"old": np.ones(2), "kept": np.ones(1)}, path)
    save({"kept": np.full(1, 5.0)}, path)
    assert_same_arrays(load(path), {"kept": np.full(1, 5.0)})


@contextlib.contextmanager
def umask(mask):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, mask, mode):
    path = tmp_path / "state.npz"
    with umask(mask):
        save({"w": np.ones(2)}, path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_saving_over_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "state.npz"
    save({"w": np.ones(2)}, path)
    path.chmod(0o600)  # a private checkpoint stays private
    with umask(0o022):
        save({"w": np.zeros(2)}, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert_same_arrays(load(path), {"w": np.zeros(2)})


def test_swapped_arguments_are_named(tmp_path):
    with pytest.raises(TypeError, match=r"got the path '.*m.npz'; the state comes first"):
        save(str(tmp_path / "m.npz"), {"w": np.ones(2)})
    with pytest.raises(TypeError, match=r"got the path .*; the state comes first"):
        save(tmp_path / "m.npz", {"w": np.ones(2)})
    assert files_in(tmp_path) == []


# A child process that saves over an existing file and stops in the middle of writing,
# so that the test can signal it there. Its np.savez writes half a zip, then waits.
SLOW_SAVE = """
import sys, time
import numpy as np
from tinygrad_lite.serialization import save

path = sys.argv[1]
save({"w": np.arange(5.0)}, path)

def savez_slowly(fh, *args, **kwargs):
    fh.write(b"PK\x03\x04" + bytes(1000))
    fh.flush()
    print("writing", flush=True)
    time.sleep(60)

np.savez = savez_slowly
save({"w": np.zeros(5)}, path)
"""


def start_slow_save(path):
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline() == "writing\n"
    return child


def wait_for(child):
    """The child's exit code once it has ended (negative: the signal that ended it)."""
    code = child.wait(timeout=30)
    child.stdout.close()
    return code


def temp_files(folder):
    return [name for name in files_in(folder) if ".tmp-" in name]


def test_sigterm_mid_save_removes_the_temp_file_and_ends_the_process(tmp_path):
    path = tmp_path / "model.npz"
    child = start_slow_save(path)
    assert len(temp_files(tmp_path)) == 1  # the half-written file is there
    child.send_signal(signal.SIGTERM)
    assert wait_for(child) == -signal.SIGTERM  # ended by SIGTERM, as before
    assert files_in(tmp_path) == ["model.npz"]
    assert_same_arrays(load(path), {"w": np.arange(5.0)})


def test_the_next_save_removes_what_a_sigkilled_save_left(tmp_path):
    path = tmp_path / "model.npz"
    child = start_slow_save(path)
    child.kill()  # SIGKILL cannot be caught: the temporary file stays
    assert wait_for(child) == -signal.SIGKILL
    (left,) = temp_files(tmp_path)
    assert left.startswith(f".model.npz.tmp-{child.pid}-")
    other = tmp_path / f".other.npz.tmp-{child.pid}-x.npz"  # another target's: not ours
    other.write_bytes(b"")
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a save still running in a live process keeps its file
        live = tmp_path / f".model.npz.tmp-{running.pid}-y.npz"
        live.write_bytes(b"")
        save({"w": np.ones(5)}, path)
        assert temp_files(tmp_path) == sorted([live.name, other.name])
    finally:
        running.kill()
        running.wait()
    assert_same_arrays(load(path), {"w": np.ones(5)})


def files_in(folder):
    return sorted(path.name for path in folder.iterdir())


def _savez_that_fails_halfway(error):
    """A stand-in for np.savez that writes a partial zip and then fails (a full disk, Ctrl-C)."""

    def savez(fh, *args, **kwargs):
        fh.write(b"PK\x03\x04" + b"\x00" * 100)
        raise error

    return savez


@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()])
def test_interrupted_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch, error):
    path = tmp_path / "model.npz"
    old = {"w": np.arange(5.0)}
    save(old, path)
    monkeypatch.setattr(np, "savez", _savez_that_fails_halfway(error))
    with pytest.raises(type(error)):
        save({"w": np.zeros(5)}, path)
    monkeypatch.undo()
    assert files_in(tmp_path) == ["model.npz"]
    assert_same_arrays(load(path), old)


def test_interrupted_first_save_creates_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(np, "savez", _savez_that_fails_halfway(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.zeros(5)}, tmp_path / "model.npz")
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    ("state", "error", "match"),
    [
        ([("w", np.ones(2))], TypeError, "dict of arrays"),
        ({3: np.ones(2)}, TypeError, "must be a str"),
        ({"": np.ones(2)}, ValueError, "non-empty"),
        ({"allow_pickle": np.ones(2)}, ValueError, "reserved"),
        ({"file": np.ones(2)}, ValueError, "reserved"),
        ({"w": np.array([{"a": 1}], dtype=object)}, TypeError, "pickle"),
        ({"w": np.array(["a", "b"])}, TypeError, "not numeric"),
        ({"w": [1.0, 2.0]}, TypeError, "np.asarray"),
        ({"w": None}, TypeError, "NoneType"),
        ({"ok": np.ones(2), "w": HasData([1, 2])}, TypeError, "HasData"),
    ],
)
def test_invalid_state_is_refused_before_anything_is_written(tmp_path, state, error, match):
    with pytest.raises(error, match=match):
        save(state, tmp_path / "state.npz")
    assert files_in(tmp_path) == []


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({"w": np.ones(2)}, tmp_path / "no_such_folder" / "state.npz")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"weights = [1, 2, 3]\n", "not an .npz file"),
        (b"", "not an .npz file"),
        (b"\x80\x04\x95" + b"\x00" * 40, "not an .npz file"),  # the start of a pickle
    ],
)
def test_file_that_is_not_npz_is_refused(tmp_path, content, match):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        load(path)
    assert str(path) in str(info.value)


def test_single_array_npy_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match=r"single-array \.npy file.*np\.load"):
        load(path)


def test_zip_without_npy_members_is_refused(tmp_path):
    path = tmp_path / "notes.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "not an array")
    with pytest.raises(ValueError, match=r"not a \.npy array"):
        load(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, -1])
def test_truncated_file_is_refused(tmp_path, keep):
    path = tmp_path / "model.npz"
    save({"w": np.arange(100.0), "b": np.ones(10)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)] if keep > 0 else data[:keep])
    with pytest.raises(ValueError, match="truncated or corrupt") as info:
        load(path)
    assert str(path) in str(info.value)


def test_corrupted_array_data_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    save({"w": np.zeros(100)}, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the stored array bytes, so the CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load(path)


class Payload:
    """Unpickling this object calls os.mkdir(marker): proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


def test_pickled_object_array_is_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "payload_ran"
    path = tmp_path / "evil.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    np.savez(path, weight=np.ones(2), evil=evil, allow_pickle=True)

    with pytest.raises(ValueError, match=r"'evil'.*never unpickles") as info:
        load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()

    # The payload is live: NumPy with pickling allowed does run it.
    with np.load(path, allow_pickle=True) as npz:
        npz["evil"]
    assert marker.is_dir()


def test_read_errors_say_what_is_wrong_not_pickle(tmp_path):
    path = tmp_path / "short.npz"
    buffer = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": (100,)}
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w.npy", buffer.getvalue() + bytes(80))  # 10 of the 100 floats
    with pytest.raises(
        ValueError, match=r"'w' .* truncated .* needs 800 bytes, the file holds 80"
    ) as info:
        load(path)
    assert "pickle" not in str(info.value)
