"""The benchmark workloads compute what they claim: engine and hand-written NumPy agree.

Only the correctness half of each workload runs here (same loss, same gradients, same
weights after SGD steps); the timings run with ``make bench`` and are never asserted. The
timing harness is checked for how it runs the collector, and the scalar workloads' quick
runs for the rows they report, never for their numbers.
"""

import gc
import importlib
import weakref
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
WORKLOADS = [
    "mlp", "per_op", "small_net", "scaling", "deep_chain", "memory", "scalar_expr", "scalar_mlp",
]  # fmt: skip


@pytest.mark.parametrize("workload", WORKLOADS)
def test_engine_matches_hand_written_numpy(workload, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the scripts import each other by name
    importlib.import_module(workload).check_quick()


@pytest.fixture
def common(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("common")


class _Node:
    """A small object in a reference cycle: only the cyclic collector frees it."""


def _record_collector(common, gc_on: bool) -> dict[str, list]:
    """Time two variants that each leave a reference cycle behind; what the second saw at
    each of its calls, its 2 warm-up calls left out: the collector's state, whether the
    first variant's last cycle was still waiting, and whether its own previous one was."""
    last_cycle = {}
    seen: dict[str, list] = {"state": [], "other's garbage": [], "own garbage": []}

    def leave_cycle(name: str) -> None:
        node = _Node()
        node.itself = node
        last_cycle[name] = weakref.ref(node)

    def waiting(name: str) -> bool:
        return name in last_cycle and last_cycle[name]() is not None

    def look():
        seen["state"].append((gc.isenabled(), gc.get_freeze_count()))
        seen["other's garbage"].append(waiting("cycles"))
        seen["own garbage"].append(waiting("look"))
        leave_cycle("look")

    variants = {"cycles": lambda: leave_cycle("cycles"), "look": look}
    common.median_times(variants, rounds=4, min_sample=0.0, gc_on=gc_on)
    return {key: values[2:] for key, values in seen.items()}


def test_median_times_gc_on_times_with_the_collector_on_and_no_garbage_of_another(common):
    seen = _record_collector(common, gc_on=True)
    assert seen["state"] == [(True, 0)] * 8  # enabled, nothing frozen; 4 rounds of 2 calls
    assert not any(seen["other's garbage"]), "a variant ran with another's garbage waiting"
    # each sample: collect, one untimed call, then the timed call (min_sample=0: one call),
    # which finds its own previous garbage waiting, as a step inside a training loop does
    assert seen["own garbage"] == [False, True] * 4
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_median_times_gc_on_turns_a_disabled_collector_on_while_timing_then_back_off(common):
    gc.disable()
    try:
        seen = _record_collector(common, gc_on=True)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert seen["state"] == [(True, 0)] * 8


def test_median_times_default_times_with_the_collector_frozen_and_off_and_no_old_garbage(common):
    """The targeted rows: collector off while the clock runs, and the cycles earlier samples
    left (micrograd makes one per op) freed before each sample, so they cannot pile up."""
    seen = _record_collector(common, gc_on=False)
    assert len(seen["state"]) == 4  # one timed call per round, nothing untimed
    assert all(not enabled and frozen > 0 for enabled, frozen in seen["state"])
    assert not any(seen["other's garbage"])
    assert not any(seen["own garbage"])
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_median_times_gc_on_refuses_frozen_objects(common):
    calls = []
    gc.freeze()
    try:
        with pytest.raises(RuntimeError, match=r"median_times\(gc_on=True\).*gc\.unfreeze"):
            common.median_times({"x": lambda: calls.append(gc.isenabled())}, 1, gc_on=True)
    finally:
        gc.unfreeze()
    assert len(calls) == 2  # the warm-up ran; no sample was timed


@pytest.mark.parametrize("workload", ["scalar_expr", "scalar_mlp"])
def test_scalar_workloads_add_a_row_with_the_collector_on_and_no_target(workload, common):
    run_all = importlib.import_module("run_all")
    rows = importlib.import_module(workload).run(quick=True)
    assert len(rows) == 2
    timed, with_gc = rows
    assert (with_gc.workload, with_gc.unit) == (timed.workload, timed.unit)
    assert with_gc.case == timed.case + ", Python's default gc on" == timed.case + common.GC_ON
    assert (with_gc.target, with_gc.limit) == (None, None)
    assert (with_gc.goal(), with_gc.met()) == ("", "")
    assert timed.target == 1.0  # the targeted row is unchanged
    assert with_gc.others.keys() == timed.others.keys()
    assert ("micrograd" in with_gc.others) == (common.load_micrograd() is not None)

    lines = run_all.table(rows, with_torch=False, with_micrograd=True).splitlines()
    cells = [cell.strip() for cell in lines[-1].strip("|").split("|")]
    assert cells[1] == with_gc.case
    assert cells[6:8] == ["", ""]  # the target and met columns
    micrograd = with_gc.others.get("micrograd")
    assert cells[-2] == ("-" if micrograd is None else common.fmt(micrograd))
