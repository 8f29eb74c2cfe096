"""tl.save / tl.load: .npz round trips, atomic writes, and refusal of anything that needs pickle."""

import os
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


def test_saved_file_is_readable_by_everyone(tmp_path):
    path = tmp_path / "state.npz"
    save({"w": np.ones(2)}, path)
    assert path.stat().st_mode & 0o777 == 0o644


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
