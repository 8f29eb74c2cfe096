"""The benchmark workloads compute what they claim: engine and hand-written NumPy agree.

Only the correctness half of each workload runs here (same loss, same gradients, same
weights after SGD steps); the timings run with ``make bench`` and are never asserted.
"""

import importlib
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
