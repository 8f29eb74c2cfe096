"""Shared helpers for the benchmarks: BLAS threads, timing, memory, checks, rows, running alone.

Every workload times a hand-written NumPy version (the floor: the same network with its
backward derived by hand) next to the engine, in the same process, interleaved round by
round, with the garbage collector frozen and disabled while the clock runs. The number that
matters is the ratio engine / NumPy, not the absolute time: a shared machine is noisy, but
both sides see the same noise. ``median_times(..., gc_on=True)`` times with Python's default
collector instead, for the informational rows that show what a learner's program sees.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_blas_threads() -> str:
    """Run BLAS on one thread and say how that was done (threadpoolctl, or the environment).

    The environment variables only work when set before NumPy is imported (``make bench``
    sets them); threadpoolctl can change the thread count of an already loaded BLAS.
    """
    for var in _THREAD_VARS:  # inherited by the fresh processes some workloads start
        os.environ.setdefault(var, "1")
    if importlib.util.find_spec("threadpoolctl") is not None:
        from threadpoolctl import threadpool_info, threadpool_limits  # noqa: PLC0415

        threadpool_limits(limits=1)
        libs = ", ".join(
            f"{i['internal_api']} {i['version']}: {i['num_threads']} thread"
            for i in threadpool_info()
        )
        return f"BLAS threads pinned to 1 with threadpoolctl ({libs})"
    found = ", ".join(f"{v}={os.environ[v]}" for v in _THREAD_VARS if v in os.environ)
    return f"BLAS threads set by the environment before NumPy was imported ({found})"


# ---------------------------------------------------------------- optional PyTorch


def load_torch():
    """PyTorch if ``import torch`` works (never required), pinned to one thread; else None."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch  # noqa: PLC0415

    torch.set_num_threads(1)
    return torch


def load_micrograd():
    """micrograd's ``Value`` if ``import micrograd`` works (never required; the scalar
    workloads compare with micrograd 0.1.0, ``pip install micrograd==0.1.0``); else None."""
    if importlib.util.find_spec("micrograd") is None:
        return None
    from micrograd.engine import Value  # noqa: PLC0415

    return Value


def have_nn() -> bool:
    """True once the ``nn`` and ``optim`` packages offer what the ``nn`` variants use."""
    try:
        from tinygrad_lite import nn, optim  # noqa: PLC0415
        from tinygrad_lite.nn import functional as F  # noqa: PLC0415
    except ImportError:
        return False
    return all(hasattr(nn, n) for n in ("Linear", "ReLU", "Sequential")) and all(
        (hasattr(F, "cross_entropy"), hasattr(optim, "SGD"))
    )


# ---------------------------------------------------------------- timing


@contextmanager
def collector_off() -> Iterator[None]:
    """Collect once, then freeze what exists and keep the garbage collector off inside."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


@contextmanager
def collector_on() -> Iterator[None]:
    """Python's defaults inside: the garbage collector enabled, nothing frozen."""
    if gc.get_freeze_count():
        raise RuntimeError(
            f"median_times(gc_on=True): {gc.get_freeze_count()} objects are frozen by "
            "gc.freeze(), which Python's defaults never do; call gc.unfreeze() first"
        )
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


# A row timed with median_times(..., gc_on=True) has its case text end with this.
GC_ON = ", Python's default gc on"


def median_times(
    variants: dict[str, Callable[[], object]],
    rounds: int,
    min_sample: float = 0.02,
    *,
    gc_on: bool = False,
) -> dict[str, float]:
    """Median seconds per call of each variant, measured round-robin in one process.

    Each variant is warmed up, then called ``n`` times per sample (``n`` chosen so a sample
    lasts about ``min_sample`` seconds). Round ``r`` visits the variants in rotated order, so
    no variant always runs first. The collector is frozen and disabled while timing: that
    isolates what each call costs itself. Before each sample, outside the clock, one
    ``gc.collect()`` frees the garbage the samples before it left.

    With ``gc_on=True`` the collector runs as in a learner's program (enabled, nothing
    frozen). That collection before each sample means no variant pays for another's garbage,
    and one untimed call then leaves this variant's own garbage waiting, as the previous
    step's does inside a training loop. The full collections come every few calls, so give
    these samples a longer ``min_sample`` (:func:`median_times_gc_on` does).
    """
    calls = {}
    for name, fn in variants.items():
        fn()
        start = time.perf_counter()
        fn()
        once = time.perf_counter() - start
        calls[name] = max(1, math.ceil(min_sample / max(once, 1e-9)))

    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    with collector_on() if gc_on else collector_off():
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                fn, n = variants[name], calls[name]
                # Outside the clock: free the reference cycles earlier samples left (micrograd
                # makes one per op). With the collector off they would otherwise pile up, tens
                # of MB over a run, and slow down whichever variant allocates next.
                gc.collect()
                if gc_on:
                    fn()
                start = time.perf_counter()
                for _ in range(n):
                    fn()
                samples[name].append((time.perf_counter() - start) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


def median_times_gc_on(variants: dict[str, Callable[[], object]], quick: bool) -> dict[str, float]:
    """:func:`median_times` with Python's default collector on, for the informational rows:
    samples of 0.5 s (several calls) take in the full collections that come every call or few,
    instead of catching or missing one."""
    if quick:
        return median_times(variants, rounds=2, min_sample=0.05, gc_on=True)
    return median_times(variants, rounds=7, min_sample=0.5, gc_on=True)


# ---------------------------------------------------------------- memory (Linux /proc)


def _status_bytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def can_measure_memory() -> bool:
    """RSS figures come from Linux's /proc; elsewhere the memory rows are left out."""
    return Path("/proc/self/clear_refs").exists()


def rss_bytes() -> int:
    """Resident memory of this process now."""
    return _status_bytes("VmRSS")


def peak_rss_bytes() -> int:
    """The largest resident memory of this process so far (since ``reset_peak_rss``)."""
    return _status_bytes("VmHWM")


def reset_peak_rss() -> None:
    """Start the peak over from the current RSS (writing 5 to clear_refs resets VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


def in_fresh_process(script: str, **arguments: object) -> dict:
    """Run ``child(**arguments)`` of a workload ``script`` in a new Python process; its result.

    A fresh process starts with nothing that this one allocated, so its memory figures are its
    own. The arguments go in as JSON (``--child JSON``, see ``run_alone``), the dict the child
    returns comes back as JSON on stdout.
    """
    command = [sys.executable, script, "--child", json.dumps(arguments)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


# ---------------------------------------------------------------- the engine's op chain


def tensor_chain(x, n_ops: int, factor: float, shift: float):
    """``n_ops`` ops on an engine (or PyTorch) tensor: ``x * factor``, ``x + shift``, ``relu(x)``,
    ``x * factor``, ... (the hand-written NumPy chains spell out the same loop with its masks).
    """
    for i in range(n_ops):
        if i % 3 == 0:
            x = x * factor
        elif i % 3 == 1:
            x = x + shift
        else:
            x = x.relu()
    return x


# ---------------------------------------------------------------- correctness


def assert_close(name: str, other: np.ndarray, floor: np.ndarray, version: str = "engine") -> None:
    """A version's loss or gradient must match the hand-written NumPy one, dtype included.

    The engine runs the same NumPy calls, so it agrees to a few float32 ulps. PyTorch has its
    own GEMM, which rounds differently: a pre-activation within rounding of 0 can then land
    on the other side of a ReLU and change a few gradient entries by more than that, so
    PyTorch gets a looser absolute tolerance (1% of the largest entry).
    """
    other, floor = np.asarray(other), np.asarray(floor)
    if other.dtype != floor.dtype:
        raise AssertionError(f"{name}: {version} gives {other.dtype}, NumPy gives {floor.dtype}")
    rtol, scale = (1e-3, 1e-2) if version == "torch" else (2e-4, 2e-4)
    atol = scale * max(float(np.abs(floor).max(initial=0.0)), 1e-6)
    np.testing.assert_allclose(other, floor, rtol=rtol, atol=atol, err_msg=name)


# ---------------------------------------------------------------- results


@dataclass
class Row:
    """One line of the results table: a workload, its case, and what was measured."""

    workload: str
    case: str
    unit: str  # what the numbers are, e.g. "ms/step" or "us/op" or "MB"
    numpy: float
    engine: float
    target: float | None  # the engine/NumPy ratio to stay under (None: no ratio target)
    others: dict[str, float] = field(default_factory=dict)  # "nn", "torch": same unit
    limit: float | None = None  # an absolute bound on the engine's number, in ``unit``
    note: str = ""
    versus: str = "numpy"  # the version ``target`` is a ratio to ("micrograd": engine / it)

    @classmethod
    def from_versions(
        cls,
        workload: str,
        case: str,
        unit: str,
        values: dict[str, float],
        target: float | None,
        *,
        scale: float = 1.0,
        limit: float | None = None,
        note: str = "",
        versus: str = "numpy",
    ) -> Row:
        """A row from one number per version ("numpy", "engine", maybe "nn", "torch" and
        "micrograd"), each multiplied by ``scale`` (e.g. 1e3 for seconds to ms)."""
        scaled = {k: v * scale for k, v in values.items()}
        others = {k: v for k, v in scaled.items() if k not in ("numpy", "engine")}
        numpy, engine = scaled["numpy"], scaled["engine"]
        return cls(
            workload, case, unit, numpy, engine, target, others, limit=limit, note=note,
            versus=versus,
        )  # fmt: skip

    @property
    def ratio(self) -> float:
        return self.engine / self.numpy if self.numpy else math.nan

    def goal(self) -> str:
        if self.target is not None:
            return f"<= {self.target}x" + ("" if self.versus == "numpy" else f" {self.versus}")
        if self.limit is not None:
            return f"engine <= {self.limit:g} {self.unit}"
        return ""

    def met(self) -> str:
        if self.target is not None and self.versus != "numpy":
            baseline = self.others.get(self.versus)
            if not baseline:
                return f"({self.versus} not installed)"
            ok = self.engine / baseline <= self.target
        elif self.target is not None:
            ok = self.ratio <= self.target
        elif self.limit is not None:
            ok = self.engine <= self.limit
        else:
            return ""
        return "yes" if ok else "NO"


def fmt(x: float) -> str:
    """A number with three significant digits, no scientific notation for usual sizes."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:.{digits}f}"


# ---------------------------------------------------------------- run alone


def run_alone(
    doc: str, run: Callable[..., list[Row]], child: Callable[..., dict] | None = None
) -> None:
    """A workload's own command line: ``python benchmarks/<name>.py [--quick]`` prints its rows.

    A workload that measures memory in fresh processes passes its ``child``: called as
    ``--child JSON`` (by ``in_fresh_process``), it runs ``child(**arguments)`` and prints the
    dict it returns as JSON.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    if child is not None:
        parser.add_argument("--child", metavar="JSON", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if child is not None and args.child is not None:
        print(json.dumps(child(**json.loads(args.child))))
        return
    print(pin_blas_threads())
    for row in run(args.quick, load_torch()):
        print(row)
