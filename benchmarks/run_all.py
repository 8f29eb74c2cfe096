"""Run every benchmark workload and print one table: ``make bench`` (or ``--quick``).

    python benchmarks/run_all.py            # the full suite, a few minutes
    python benchmarks/run_all.py --quick    # a smoke run: small sizes, few rounds
    python benchmarks/run_all.py --only mlp per_op --markdown out.md

Each workload first checks that the engine gives the hand-written NumPy version's loss and
gradients, then times both in the same process. The table's "engine / NumPy" column is the
number the targets are about. The training-step workloads also time the engine version
recorded once as a ``tl.StaticGraph`` and replayed ("StaticGraph"). PyTorch's column appears
when ``import torch`` works, micrograd's (the scalar workloads) when ``import micrograd`` does.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np
from common import GC_ON, Row, fmt, load_torch, pin_blas_threads

WORKLOADS = (
    "mlp", "per_op", "small_net", "scaling", "deep_chain", "memory", "scalar_expr", "scalar_mlp",
)  # fmt: skip


def machine() -> list[str]:
    """What the numbers were measured on."""
    cpu = "unknown CPU"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        cpu = next(line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                   if line.startswith("Model name"))  # fmt: skip
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return [
        f"CPU: {cpu}, {os.cpu_count()} logical cores; {platform.system()} {platform.machine()}",
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"BLAS {blas.get('name', '?')} {blas.get('version', '')}".rstrip(),
    ]


def ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x" if floor else "-"


def table(rows: list[Row], with_torch: bool, with_micrograd: bool = False) -> str:
    """The results as a Markdown table."""
    head = ["workload", "case", "unit", "NumPy (floor)", "engine", "engine / NumPy", "target",
            "met", "StaticGraph", "StaticGraph / NumPy", "nn", "nn / NumPy"]  # fmt: skip
    if with_torch:
        head += ["PyTorch", "PyTorch / NumPy"]
    if with_micrograd:
        head += ["micrograd", "micrograd / NumPy"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r.workload, r.case, r.unit, fmt(r.numpy), fmt(r.engine), ratio(r.engine, r.numpy),
                 r.goal(), r.met()]  # fmt: skip
        names = ("static", "nn") + ("torch",) * with_torch + ("micrograd",) * with_micrograd
        for name in names:
            value = r.others.get(name)
            if value is None:
                cells += ["-", "-"]
            else:
                cells += [fmt(value), ratio(value, r.numpy)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, help="run just these workloads")
    parser.add_argument("--markdown", metavar="FILE", help="also write the report to FILE")
    args = parser.parse_args()

    header = [*machine(), pin_blas_threads()]
    torch = load_torch()
    header.append(f"PyTorch {torch.__version__} (1 thread)" if torch else "PyTorch: not installed")
    try:
        header.append(f"micrograd {importlib.metadata.version('micrograd')}")
    except importlib.metadata.PackageNotFoundError:
        header.append("micrograd: not installed")
    header.append("Times are medians of interleaved rounds, garbage collector off while timing.")
    header.append(f"Rows ending '{GC_ON[2:]}': collector on, as in a learner's program; no target.")
    print("\n".join(header), flush=True)

    rows: list[Row] = []
    for name in args.only or WORKLOADS:
        start = time.perf_counter()
        new = importlib.import_module(name).run(quick=args.quick, torch=torch)
        rows += new
        for r in new:
            print(f"  {r.workload:<15} {r.case:<48} {fmt(r.engine):>8} {r.unit:<8} "
                  f"engine/NumPy {ratio(r.engine, r.numpy):>7}  {r.goal()} {r.met()}",
                  flush=True)  # fmt: skip
        print(f"[{name}: checked and timed in {time.perf_counter() - start:.0f} s]", flush=True)

    with_micrograd = any("micrograd" in r.others for r in rows)
    report = "\n".join(header) + "\n\n" + table(rows, torch is not None, with_micrograd) + "\n"
    print("\n" + report)
    if args.markdown:
        Path(args.markdown).write_text(report)


if __name__ == "__main__":
    main()
