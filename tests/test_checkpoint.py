"""Checkpoints: stop a run, resume it in a fresh setting, and land on the very same bits."""

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import nn, optim
from tinygrad_lite.checkpoint import HEADER
from tinygrad_lite.data import DataLoader
from tinygrad_lite.optim import lr_scheduler

X, Y = tl.datasets.spiral(n_per_class=20)

SETUPS = {
    "Adam + StepLR": (
        lambda p: optim.Adam(p, lr=0.01),
        lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    ),
    "Nesterov SGD + ExponentialLR": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
        lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
    ),
    "RMSProp, no scheduler": (lambda p: optim.RMSProp(p, lr=0.01), lambda o: None),
}


def build(setup, seed):
    """A fresh run: seed, model, optimizer, scheduler, and a loader that shuffles."""
    make_optimizer, make_scheduler = SETUPS[setup]
    tl.manual_seed(seed)
    model = nn.TwoLayerNet(2, 16, 3)
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer)
    loader = DataLoader(X, Y, batch_size=16)  # seed=None: the library generator shuffles
    return model, optimizer, scheduler, loader


def train(model, optimizer, scheduler, loader, epochs):
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        if scheduler is not None:
            scheduler.step()
    return losses


def assert_same_run(a, b):
    (model_a, opt_a, _, _), (model_b, opt_b, _, _) = a, b
    for (name, p), (_, q) in zip(
        model_a.named_parameters(), model_b.named_parameters(), strict=True
    ):
        assert np.array_equal(p.data, q.data), name
    state_a, state_b = opt_a.state_dict(), opt_b.state_dict()
    assert state_a.keys() == state_b.keys()
    for key, value in state_a.items():
        assert np.array_equal(value, state_b[key]), key


@pytest.mark.parametrize("setup", SETUPS)
def test_resumed_run_is_bit_for_bit_the_uninterrupted_run(setup, tmp_path):
    whole = build(setup, seed=0)
    whole_losses = train(*whole, epochs=6)
    whole_rng = tl.random.get_rng_state()

    first = build(setup, seed=0)
    first_losses = train(*first, epochs=3)
    tl.save_checkpoint(tmp_path / "run.npz", *first[:3], epoch=3, losses=first_losses)

    resumed = build(setup, seed=12345)  # a different seed: everything must come from the file
    info = tl.load_checkpoint(tmp_path / "run.npz", *resumed[:3])
    assert info == {"epoch": 3, "losses": first_losses}
    resumed_losses = train(*resumed, epochs=3)

    assert first_losses + resumed_losses == whole_losses  # exact float equality, every step
    assert_same_run(whole, resumed)
    if whole[2] is not None:
        assert whole[2].state_dict() == resumed[2].state_dict()
    assert whole[1].lr == resumed[1].lr
    assert tl.random.get_rng_state() == whole_rng  # the next shuffle would match too


def test_loader_made_before_manual_seed_follows_it():
    loader = DataLoader(X, Y, batch_size=len(X))
    tl.manual_seed(7)
    first = next(iter(loader))[1].data
    tl.manual_seed(7)
    again = next(iter(loader))[1].data
    np.testing.assert_array_equal(first, again)


def test_the_file_is_a_plain_npz_with_a_json_header(tmp_path):
    model, optimizer, scheduler, loader = build("Adam + StepLR", seed=1)
    train(model, optimizer, scheduler, loader, epochs=1)
    path = tmp_path / "run.npz"
    tl.save_checkpoint(path, model, optimizer, scheduler, note="first epoch")
    with np.load(path, allow_pickle=False) as npz:  # no pickle needed to read any of it
        names = set(npz.files)
        header = json.loads(npz[HEADER].tobytes())
    assert {"model.fc1.weight", "optimizer.state.0.m", "optimizer.state.3.v"} <= names
    assert header["format"] == "tinygrad_lite checkpoint"
    assert header["model"] == "TwoLayerNet"
    assert header["optimizer"]["class"] == "Adam"
    assert header["optimizer"]["numbers"]["state.0.step"] == len(loader)
    assert header["scheduler"] == {"class": "StepLR", "numbers": {"base_lr": 0.01, "last_epoch": 1}}
    assert header["rng"] == tl.random.get_rng_state()
    assert header["extra"] == {"note": "first epoch"}
    assert path.stat().st_mode & 0o777 == 0o644


def test_model_alone_can_be_loaded_for_inference(tmp_path):
    model, optimizer, scheduler, _ = build("Adam + StepLR", seed=1)
    tl.save_checkpoint(tmp_path / "run.npz", model, optimizer, scheduler)
    fresh = nn.TwoLayerNet(2, 16, 3)
    assert tl.load_checkpoint(tmp_path / "run.npz", fresh) == {}
    for a, b in zip(model.parameters(), fresh.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def snapshot(model, optimizer, scheduler):
    return (
        model.state_dict(),
        optimizer.state_dict(),
        scheduler.state_dict(),
        tl.random.get_rng_state(),
    )


def assert_unchanged(before, after):
    for part_before, part_after in zip(before, after, strict=True):
        assert part_before.keys() == part_after.keys()
        for key, value in part_before.items():
            assert (
                np.array_equal(value, part_after[key])
                if isinstance(value, np.ndarray)
                else (value == part_after[key])
            ), key


def saved_run(tmp_path, **extra):
    model, optimizer, scheduler, loader = build("Adam + StepLR", seed=2)
    train(model, optimizer, scheduler, loader, epochs=1)
    path = tmp_path / "run.npz"
    tl.save_checkpoint(path, model, optimizer, scheduler, **extra)
    return path


def other_run():
    """A run in progress, with state of its own, that a failed load must leave alone."""
    model, optimizer, scheduler, loader = build("Adam + StepLR", seed=3)
    train(model, optimizer, scheduler, loader, epochs=2)
    return model, optimizer, scheduler


def test_a_checkpoint_of_another_model_changes_nothing(tmp_path):
    path = saved_run(tmp_path)
    model = nn.TwoLayerNet(2, 8, 3)  # another hidden size
    optimizer = optim.Adam(model.parameters(), lr=0.5)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1)
    before = snapshot(model, optimizer, scheduler)
    with pytest.raises(ValueError, match=r"fc1\.weight: shape \(2, 16\) in the state, \(2, 8\)"):
        tl.load_checkpoint(path, model, optimizer, scheduler)
    assert_unchanged(before, snapshot(model, optimizer, scheduler))


def test_a_failure_after_the_model_loaded_rolls_everything_back(tmp_path):
    path = saved_run(tmp_path)
    arrays = tl.load(path)
    header = json.loads(arrays[HEADER].tobytes())
    header["scheduler"]["numbers"]["last_epoch"] = -1  # the scheduler part is loaded last
    arrays[HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    tl.save(arrays, path)

    model, optimizer, scheduler = other_run()
    before = snapshot(model, optimizer, scheduler)
    with pytest.raises(ValueError, match="last_epoch must be a non-negative integer"):
        tl.load_checkpoint(path, model, optimizer, scheduler)
    assert_unchanged(before, snapshot(model, optimizer, scheduler))


def test_another_optimizer_class_is_named(tmp_path):
    path = saved_run(tmp_path)
    model = nn.TwoLayerNet(2, 16, 3)
    with pytest.raises(
        ValueError, match=r"state of an Adam optimizer, not of an SGD; create an Adam"
    ):
        tl.load_checkpoint(path, model, optim.SGD(model.parameters()))


def test_missing_parts_are_named(tmp_path):
    model = nn.TwoLayerNet(2, 16, 3)
    tl.save_checkpoint(tmp_path / "model_only.npz", model)
    optimizer = optim.Adam(model.parameters())
    with pytest.raises(ValueError, match="holds no optimizer state; pass optimizer=None"):
        tl.load_checkpoint(tmp_path / "model_only.npz", model, optimizer)


def test_a_plain_saved_file_is_not_a_checkpoint(tmp_path):
    model = nn.TwoLayerNet(2, 16, 3)
    tl.save(model.state_dict(), tmp_path / "weights.npz")
    with pytest.raises(
        ValueError, match=r"is not a checkpoint .*Read plain saved arrays with tl\.load"
    ):
        tl.load_checkpoint(tmp_path / "weights.npz", model)


def _header(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ({HEADER: np.frombuffer(b"\xff\xfe{", dtype=np.uint8)}, f"has a corrupt {HEADER}"),
        ({HEADER: _header("{not json")}, f"has a corrupt {HEADER}"),
        ({HEADER: _header('["a list"]')}, "is not a tinygrad_lite checkpoint"),
        ({HEADER: _header('{"format": "other"}')}, "is not a tinygrad_lite checkpoint"),
        (
            {HEADER: _header('{"format": "tinygrad_lite checkpoint", "version": 99}')},
            "is a version 99 checkpoint; this tinygrad_lite reads version 1",
        ),
        ({"notes.text": np.zeros(3)}, "holds an unknown entry 'notes.text'"),
    ],
)
def test_a_damaged_checkpoint_is_refused_and_changes_nothing(tmp_path, damage, message):
    tl.manual_seed(0)
    model = nn.TwoLayerNet(2, 16, 3)
    tl.save_checkpoint(tmp_path / "run.npz", model)
    arrays = tl.load(tmp_path / "run.npz")
    arrays.update(damage)
    tl.save(arrays, tmp_path / "damaged.npz")
    other = nn.TwoLayerNet(2, 16, 3)
    before = {k: v.copy() for k, v in other.state_dict().items()}
    rng_before = tl.random.get_rng_state()
    with pytest.raises(ValueError, match=f"load_checkpoint: '.*damaged.npz' {message}"):
        tl.load_checkpoint(tmp_path / "damaged.npz", other)
    for key, value in other.state_dict().items():
        assert np.array_equal(value, before[key]), key
    assert tl.random.get_rng_state() == rng_before


def test_extra_values_must_be_json_and_nothing_is_written_otherwise(tmp_path):
    model = nn.TwoLayerNet(2, 16, 3)
    with pytest.raises(TypeError, match=r"not JSON serializable.*save arrays with tl\.save"):
        tl.save_checkpoint(tmp_path / "run.npz", model, weights=np.ones(3))
    assert list(tmp_path.iterdir()) == []


def test_interrupted_checkpoint_keeps_the_previous_one(tmp_path, monkeypatch):
    path = saved_run(tmp_path, epoch=1)
    previous = path.read_bytes()

    def savez_that_fails(fh, *args, **kwargs):
        fh.write(b"PK\x03\x04" + b"\x00" * 64)
        raise KeyboardInterrupt  # Ctrl-C halfway through the write

    model, optimizer, scheduler = other_run()
    monkeypatch.setattr(np, "savez", savez_that_fails)
    with pytest.raises(KeyboardInterrupt):
        tl.save_checkpoint(path, model, optimizer, scheduler, epoch=2)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]  # no temporary file
    assert path.read_bytes() == previous
    fresh = build("Adam + StepLR", seed=9)
    assert tl.load_checkpoint(path, *fresh[:3]) == {"epoch": 1}


@pytest.mark.parametrize("step", ["fsync", "rename"])
def test_save_failing_after_the_data_was_written_keeps_the_old_file(tmp_path, monkeypatch, step):
    """tl.save's own interruption tests stop the write; these stop the two steps after it."""
    path = saved_run(tmp_path, epoch=1)
    previous = path.read_bytes()

    def fail(*args):
        raise OSError(f"{step} failed")

    if step == "fsync":
        monkeypatch.setattr(os, "fsync", fail)
    else:
        monkeypatch.setattr(Path, "replace", fail)
    model, optimizer, scheduler = other_run()
    with pytest.raises(OSError, match=f"{step} failed"):
        tl.save_checkpoint(path, model, optimizer, scheduler, epoch=2)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
    assert path.read_bytes() == previous


def test_checkpoint_helpers_are_exported():
    assert tl.save_checkpoint.__module__ == "tinygrad_lite.checkpoint"
    assert tl.load_checkpoint.__module__ == "tinygrad_lite.checkpoint"
    assert Path(tl.checkpoint.__file__).name == "checkpoint.py"


def _with_header(path, change):
    """Rewrite the checkpoint at `path` with `change(header)` applied to its JSON header."""
    arrays = tl.load(path)
    header = json.loads(arrays[HEADER].tobytes())
    change(header)
    arrays[HEADER] = _header(json.dumps(header))
    tl.save(arrays, path)


def _set(part, key, value):
    def change(header):
        (header if part is None else header[part])[key] = value

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda h: h.pop("extra"), "extra"),
        (_set(None, "extra", [1, 2]), "extra"),
        (_set(None, "version", "1"), "version"),
        (_set(None, "version", True), "version"),
        (_set(None, "model", None), "model"),
        (lambda h: h.pop("rng"), "rng"),
        (_set(None, "rng", 5), "rng"),
        (_set(None, "rng", {"bit_generator": "PCG64", "state": "x"}), "rng"),
        (_set("rng", "bit_generator", "MT19937"), "rng"),
        (_set(None, "optimizer", []), "optimizer"),
        (lambda h: h["scheduler"].pop("class"), "scheduler"),
        (_set("optimizer", "numbers", "fast"), "optimizer.numbers"),
        (_set("optimizer", "numbers", {"lr": "fast"}), "optimizer.numbers"),
        (lambda h: h["scheduler"].pop("numbers"), "scheduler.numbers"),
    ],
)
def test_every_malformed_header_field_is_named_and_nothing_changes(tmp_path, change, field):
    path = saved_run(tmp_path, epoch=1)
    _with_header(path, change)
    model, optimizer, scheduler = other_run()
    before = snapshot(model, optimizer, scheduler)
    with pytest.raises(ValueError, match=rf"malformed {HEADER}: the field '{field}' must be"):
        tl.load_checkpoint(path, model, optimizer, scheduler)
    assert_unchanged(before, snapshot(model, optimizer, scheduler))


def test_deeply_nested_json_is_a_value_error_and_nothing_changes(tmp_path):
    path = saved_run(tmp_path)
    arrays = tl.load(path)
    text = arrays[HEADER].tobytes().decode()
    deep = "[" * 100_000 + "]" * 100_000
    arrays[HEADER] = _header(text.replace('"extra": {}', f'"extra": {{"deep": {deep}}}'))
    assert len(arrays[HEADER]) > 200_000
    tl.save(arrays, path)
    model, optimizer, scheduler = other_run()
    before = snapshot(model, optimizer, scheduler)
    with pytest.raises(ValueError, match="its JSON is nested too deeply"):
        tl.load_checkpoint(path, model, optimizer, scheduler)
    assert_unchanged(before, snapshot(model, optimizer, scheduler))


def test_an_array_header_claiming_10_to_the_12_elements_is_a_value_error(tmp_path):
    path = saved_run(tmp_path)
    arrays = tl.load(path)
    with zipfile.ZipFile(path, "a") as archive:  # one more member, with a lying header
        archive.writestr("model.extra.npy", npy_bytes((10**6, 10**6), b"\0" * 64))
    model, optimizer, scheduler = other_run()
    before = snapshot(model, optimizer, scheduler)
    with pytest.raises(ValueError, match=r"'model.extra' .* needs 8,000,000,000,000 bytes"):
        tl.load_checkpoint(path, model, optimizer, scheduler)
    assert_unchanged(before, snapshot(model, optimizer, scheduler))
    assert set(arrays) < set(np.load(path).files)


def npy_bytes(shape, data, descr="<f8"):
    """A .npy file: the magic, a version 1.0 header for `shape`, then `data`."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def test_swapped_checkpoint_arguments_are_named(tmp_path):
    model = nn.TwoLayerNet(2, 16, 3)
    with pytest.raises(TypeError, match=r"save_checkpoint: the first argument is the file path, "
                       r"got a TwoLayerNet; the path comes first"):  # fmt: skip
        tl.save_checkpoint(model, tmp_path / "run.npz")
    tl.save_checkpoint(tmp_path / "run.npz", model)
    with pytest.raises(TypeError, match=r"load_checkpoint: .* got a TwoLayerNet; the path"):
        tl.load_checkpoint(model, tmp_path / "run.npz")
    with pytest.raises(TypeError, match=r"the state comes first, then the path"):
        tl.save(str(tmp_path / "w.npz"), model.state_dict())
    with pytest.raises(TypeError, match=r"tl.save\(twolayernet.state_dict\(\), path\)"):
        tl.save(model, tmp_path / "w.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
