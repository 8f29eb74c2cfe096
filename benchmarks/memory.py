"""Workload 6, memory: peak RSS of 20 training steps at 784 -> 4096 -> 10, batch 1024.

Each version of the MLP step (``mlp.py``) runs in a fresh Python process, so that one
version's freed memory cannot hide another's. Reported: the process's peak resident memory
(VmHWM) over the whole run, which includes the interpreter and imported libraries, and the
part of it above the resident memory just before the first step (the data and weights
already made), which is what the steps themselves add.

Run alone: ``python benchmarks/memory.py [--quick]``.
"""

from __future__ import annotations

from common import (
    Row,
    can_measure_memory,
    have_nn,
    in_fresh_process,
    load_torch,
    peak_rss_bytes,
    pin_blas_threads,
    rss_bytes,
    run_alone,
)

SIZE = {"hidden": 4096, "batch": 1024, "steps": 20}
QUICK_SIZE = {"hidden": 256, "batch": 64, "steps": 3}
MB = 2**20


def child(version: str, hidden: int, batch: int, steps: int) -> dict[str, int]:
    """In a fresh process: make the problem, run the steps, return the RSS figures."""
    pin_blas_threads()
    from mlp import NNMLP, EngineMLP, NumpyMLP, TorchMLP, make_problem  # noqa: PLC0415

    problem = make_problem(784, hidden, 10, batch)
    if version == "torch":
        impl = TorchMLP(problem, load_torch())
    else:
        impl = {"numpy": NumpyMLP, "engine": EngineMLP, "nn": NNMLP}[version](problem)
    before = rss_bytes()
    for _ in range(steps):
        impl.step()
    return {"peak": peak_rss_bytes(), "before": before}


def measure(version: str, size: dict) -> dict[str, int]:
    return in_fresh_process(__file__, version=version, **size)


def check(size: dict | None = None) -> None:
    """The steps whose memory is measured give the floor's loss and gradients."""
    from mlp import check as check_mlp  # noqa: PLC0415
    from mlp import make_problem  # noqa: PLC0415

    size = size or QUICK_SIZE
    check_mlp(make_problem(784, size["hidden"], 10, size["batch"]), label="memory workload")


def run(quick: bool = False, torch=None) -> list[Row]:
    size = QUICK_SIZE if quick else SIZE
    check(size)
    if not can_measure_memory():
        print("memory: no /proc on this system, so no RSS figures (Linux only)")
        return []
    versions = ["numpy", "engine"] + ["nn"] * have_nn() + ["torch"] * (torch is not None)
    found = {v: measure(v, size) for v in versions}
    peak = {v: r["peak"] / MB for v, r in found.items()}
    added = {v: (r["peak"] - r["before"]) / MB for v, r in found.items()}
    case = f"784-{size['hidden']}-10, batch {size['batch']}, {size['steps']} steps"
    return [
        Row.from_versions("memory", case + ": peak RSS", "MB", peak, 1.2),
        Row.from_versions("memory", case + ": added by the steps", "MB", added, None),
    ]


def check_quick() -> None:
    """The correctness check alone, at a small size (the test suite runs this)."""
    check(QUICK_SIZE)


if __name__ == "__main__":
    run_alone(__doc__, run, child)
