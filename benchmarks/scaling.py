"""Workload 4, scaling: the MLP step (``mlp.py``) at hidden x batch over a grid of sizes.

784 -> hidden -> 10 with hidden in {10, 100, 1000, 4096} and batch in {1, 32, 256, 2048}.
Small cells show the engine's fixed cost per op; large cells show whether it adds work
(copies, extra passes over big arrays) on top of NumPy's own. Every cell is checked
(same loss, gradients and updated weights as the hand-written step) before it is timed.

Run alone: ``python benchmarks/scaling.py [--quick]``.
"""

from __future__ import annotations

from common import Row, run_alone
from mlp import check, make_problem, time_steps

HIDDEN = (10, 100, 1000, 4096)
BATCH = (1, 32, 256, 2048)
QUICK_HIDDEN = (10, 100)
QUICK_BATCH = (1, 32)


def run(quick: bool = False, torch=None) -> list[Row]:
    rows = []
    for hidden in QUICK_HIDDEN if quick else HIDDEN:
        for batch in QUICK_BATCH if quick else BATCH:
            problem = make_problem(784, hidden, 10, batch)
            check(problem, torch, label=f"scaling {hidden}x{batch}")
            # fewer rounds where one step takes long: the noise is relatively smaller there
            rounds = 3 if quick else (11 if hidden * batch >= 1000 * 256 else 21)
            t = time_steps(problem, rounds, torch)
            case = f"hidden {hidden}, batch {batch}"
            rows.append(Row.from_versions("scaling", case, "ms/step", t, 1.3, scale=1e3))
    return rows


def check_quick() -> None:
    """The correctness check of the small cells, batch 1 included (the test suite runs this)."""
    for hidden in QUICK_HIDDEN:
        for batch in QUICK_BATCH:
            check(make_problem(784, hidden, 10, batch), label=f"scaling {hidden}x{batch}")


if __name__ == "__main__":
    run_alone(__doc__, run)
