"""Workload 6, memory: peak RSS of 20 training steps at 784 -> 4096 -> 10, batch 1024.

Each version of the MLP step (``mlp.py``) runs in a fresh Python process, so that one
version's freed memory cannot hide another's. Reported: the process's peak resident memory
(VmHWM) over the whole run, which includes the interpreter and imported libraries, and the
part of it above the resident memory just before the first step (the data and weights
already made), which is what the steps themselves add.

Run alone: ``python benchmarks/memory.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from common import (
    Row,
    can_measure_memory,
    load_torch,
    peak_rss_bytes,
    pin_blas_threads,
    rss_bytes,
)

SIZE = {"hidden": 4096, "batch": 1024, "steps": 20}
QUICK_SIZE = {"hidden": 256, "batch": 64, "steps": 3}
MB = 2**20


def child(version: str, hidden: int, batch: int, steps: int) -> None:
    """In a fresh process: make the problem, run the steps, print the RSS figures as JSON."""
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
    print(json.dumps({"peak": peak_rss_bytes(), "before": before}))


def measure(version: str, size: dict) -> dict[str, int]:
    command = [sys.executable, __file__, "--child", version]
    command += [str(size[k]) for k in ("hidden", "batch", "steps")]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def check(size: dict | None = None) -> None:
    """The steps whose memory is measured give the floor's loss and gradients."""
    from mlp import check as check_mlp  # noqa: PLC0415
    from mlp import make_problem  # noqa: PLC0415

    size = size or QUICK_SIZE
    check_mlp(make_problem(784, size["hidden"], 10, size["batch"]), label="memory workload")


def run(quick: bool = False, torch=None) -> list[Row]:
    from common import have_nn  # noqa: PLC0415

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
        Row("memory", case + ": peak RSS", "MB", peak["numpy"], peak["engine"], 1.2,
            {k: v for k, v in peak.items() if k in ("nn", "torch")}),
        Row("memory", case + ": added by the steps", "MB", added["numpy"], added["engine"],
            None, {k: v for k, v in added.items() if k in ("nn", "torch")}),
    ]  # fmt: skip


def check_quick() -> None:
    """The correctness check alone, at a small size (the test suite runs this)."""
    check(QUICK_SIZE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], *map(int, args.child[1:]))
        return
    print(pin_blas_threads())
    for row in run(args.quick, load_torch()):
        print(row)


if __name__ == "__main__":
    main()
