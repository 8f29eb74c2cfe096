"""Check every op's backward against central differences: ``tinygrad-lite gradcheck``.

Each row of :data:`CHECKS` names an op, how to call it, the input shapes (broadcasting ones
where the op broadcasts) and where its inputs may lie (inside its domain, away from kinks and
ties). :func:`run_checks` draws inputs from the library generator, weights the output with a
random upstream gradient (so a backward that permutes or transposes cannot pass by luck),
and compares first derivatives (:func:`tl.gradcheck_report`) and, for smooth ops, second
derivatives (:func:`tl.gradgradcheck`) with central differences in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tinygrad_lite import random as tl_random
from tinygrad_lite.functions import cat, maximum, minimum, stack, where
from tinygrad_lite.gradcheck import GradcheckError, gradcheck_report
from tinygrad_lite.higher_order import gradgradcheck
from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn.regularization import BatchNorm1d
from tinygrad_lite.tensor import Tensor

LABELS = np.array([0, 2, 1, 2])  # class indices for the loss rows (4 samples, 3 classes)
MASK = np.array([True, False, False, True])  # where's condition, broadcast over the rows
TARGETS = np.array(
    [[1.0, 0.0, 0.3], [0.0, 1.0, 1.0], [0.5, 0.0, 1.0], [1.0, 0.8, 0.0]]
)  # in [0, 1]


def _batch_norm(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """A training-mode ``nn.BatchNorm1d`` with the given weight and bias."""
    layer = BatchNorm1d(x.shape[1])
    layer.weight, layer.bias = weight, bias
    return layer(x)


@dataclass(frozen=True)
class OpCheck:
    """One op to check: ``fn`` takes float64 Tensors of ``shapes`` and returns a Tensor."""

    name: str
    fn: Callable[..., Tensor]
    shapes: tuple[tuple[int, ...], ...]
    # "any", "positive", "probability", "nonzero", "away_from_kinks", "distinct" or
    # "zero_in_each_row" (a 0 in the second column: prod's gradient without division)
    domain: str = "any"
    smooth: bool = True  # has a second derivative worth checking


CHECKS: tuple[OpCheck, ...] = (
    OpCheck("add", lambda x, y: x + y, ((3, 4), (4,))),
    OpCheck("sub", lambda x, y: x - y, ((3, 1), (1, 4))),
    OpCheck("mul", lambda x, y: x * y, ((2, 3, 4), (3, 1))),
    OpCheck("div", lambda x, y: x / y, ((3, 4), (4,)), domain="nonzero"),
    OpCheck("pow", lambda x, y: x**y, ((3, 4), (4,)), domain="positive"),
    OpCheck("neg", lambda x: -x, ((3, 4),)),
    OpCheck("matmul", lambda x, y: x @ y, ((3, 4), (4, 2))),
    OpCheck("matmul (batched)", lambda x, y: x @ y, ((2, 3, 4), (4, 2))),
    OpCheck("matmul (vector)", lambda x, y: x @ y, ((4,), (4, 3))),
    OpCheck("linear", F.linear, ((4, 3), (3, 2), (2,))),
    OpCheck("linear (one sample)", F.linear, ((1, 3), (3, 2), (2,))),
    OpCheck("exp", lambda x: x.exp(), ((3, 4),)),
    OpCheck("log", lambda x: x.log(), ((3, 4),), domain="positive"),
    OpCheck("sqrt", lambda x: x.sqrt(), ((3, 4),), domain="positive"),
    OpCheck("abs", lambda x: x.abs(), ((3, 4),), domain="away_from_kinks", smooth=False),
    OpCheck("relu", lambda x: x.relu(), ((3, 4),), domain="away_from_kinks", smooth=False),
    OpCheck("identity", lambda x: x.identity(), ((3, 4),)),
    OpCheck("sigmoid", lambda x: x.sigmoid(), ((3, 4),)),
    OpCheck("tanh", lambda x: x.tanh(), ((3, 4),)),
    OpCheck("clip", lambda x: x.clip(-0.5, 0.5), ((3, 4),), domain="away_from_kinks", smooth=False),
    OpCheck("sum", lambda x: x.sum(axis=1), ((3, 4),)),
    OpCheck("mean", lambda x: x.mean(axis=(0, 2), keepdims=True), ((2, 3, 4),)),
    OpCheck("max", lambda x: x.max(axis=0), ((3, 4),), domain="distinct", smooth=False),
    OpCheck("min", lambda x: x.min(), ((3, 4),), domain="distinct", smooth=False),
    OpCheck("reshape", lambda x: x.reshape(4, -1), ((2, 3, 2),)),
    OpCheck("flatten", lambda x: x.flatten(), ((3, 4),)),
    OpCheck("transpose", lambda x: x.transpose(2, 0, 1), ((2, 3, 4),)),
    OpCheck("T", lambda x: x.T, ((3, 4),)),
    OpCheck("getitem (slice)", lambda x: x[1:, ::2], ((3, 4),)),
    OpCheck("getitem (repeated indices)", lambda x: x[[0, 2, 0]], ((3, 4),)),
    OpCheck("broadcast_to", lambda x: x.broadcast_to((2, 3, 4)), ((3, 1),)),
    OpCheck("softmax", lambda x: x.softmax(axis=1), ((3, 4),)),
    OpCheck("log_softmax", lambda x: x.log_softmax(axis=0), ((3, 4),)),
    OpCheck("cross_entropy", lambda s: F.cross_entropy(s, LABELS), ((4, 3),)),
    OpCheck("mse_loss", F.mse_loss, ((4, 3), (4, 3))),
    OpCheck("l2_penalty", lambda x, y: F.l2_penalty([x, y], alpha=0.3), ((3, 4), (4,))),
    OpCheck(
        "svm_loss", lambda s: F.svm_loss(s, LABELS), ((4, 3),), domain="distinct", smooth=False
    ),
    # the ops for building small nets
    OpCheck("sin", lambda x: x.sin(), ((3, 4),)),
    OpCheck("cos", lambda x: x.cos(), ((3, 4),)),
    OpCheck("log1p", lambda x: x.log1p(), ((3, 4),), domain="positive"),
    OpCheck("expm1", lambda x: x.expm1(), ((3, 4),)),
    OpCheck("sign", lambda x: x.sign(), ((3, 4),), domain="away_from_kinks", smooth=False),
    OpCheck("leaky_relu", F.leaky_relu, ((3, 4),), domain="away_from_kinks", smooth=False),
    OpCheck("elu", F.elu, ((3, 4),), domain="nonzero"),
    OpCheck("softplus", F.softplus, ((3, 4),)),
    OpCheck("silu", F.silu, ((3, 4),)),
    OpCheck("gelu", F.gelu, ((3, 4),)),
    OpCheck("maximum", maximum, ((3, 4), (4,)), domain="distinct", smooth=False),
    OpCheck("minimum", minimum, ((3, 1), (1, 4)), domain="distinct", smooth=False),
    OpCheck("where", lambda x, y: where(MASK, x, y), ((3, 4), (4,))),
    OpCheck("var", lambda x: x.var(axis=1), ((3, 4),)),
    OpCheck("std", lambda x: x.std(axis=0, correction=0), ((3, 4),), domain="distinct"),
    OpCheck("logsumexp", lambda x: x.logsumexp(axis=1), ((3, 4),)),
    OpCheck("prod", lambda x: x.prod(axis=0), ((3, 4),)),
    OpCheck("prod (with zeros)", lambda x: x.prod(axis=1), ((3, 4),), domain="zero_in_each_row"),
    OpCheck("cumsum", lambda x: x.cumsum(axis=1), ((3, 4),)),
    OpCheck("cat", lambda x, y: cat([x, y], axis=1), ((3, 2), (3, 4))),
    OpCheck("stack", lambda x, y: stack([x, y], axis=1), ((3, 4), (3, 4))),
    OpCheck("split", lambda x: x.split([1, 3], axis=1)[1] * x.split(2)[0].sum(), ((3, 4),)),
    OpCheck("unsqueeze", lambda x: x.unsqueeze(1), ((3, 4),)),
    OpCheck("squeeze", lambda x: x.squeeze(), ((3, 1, 4),)),
    OpCheck("flatten (axes)", lambda x: x.flatten(1), ((2, 3, 4),)),
    OpCheck("permute", lambda x: x.permute(1, 2, 0), ((2, 3, 4),)),
    OpCheck("expand", lambda x: x.expand(2, -1, 4), ((3, 1),)),
    OpCheck("view", lambda x: x.view(4, 3), ((3, 4),)),
    OpCheck("flip", lambda x: x.flip(1), ((3, 4),)),
    OpCheck("pad", lambda x: x.pad(((1, 0), (0, 2)), value=0.5), ((3, 4),)),
    OpCheck("cross_entropy (none)", lambda s: F.cross_entropy(s, LABELS, "none"), ((4, 3),)),
    OpCheck("bce_with_logits", lambda z: F.binary_cross_entropy_with_logits(z, TARGETS), ((4, 3),)),
    OpCheck(
        "binary_cross_entropy",
        lambda p: F.binary_cross_entropy(p, TARGETS, "none"),
        ((4, 3),),
        domain="probability",
    ),
    OpCheck("nll_loss", lambda lp: F.nll_loss(lp, LABELS, "sum"), ((4, 3),)),
    OpCheck("batchnorm1d (training)", _batch_norm, ((6, 3), (3,), (3,))),
)


def draw_input(shape: tuple[int, ...], domain: str, rng: np.random.Generator) -> np.ndarray:
    """Values for one input, inside the op's domain and at least 0.1 from kinks and ties."""
    if domain == "distinct":  # spaced 0.3 apart: no ties in max/min, no margin exactly hit
        size = int(np.prod(shape))
        return (rng.permutation(size) * 0.3 - 0.15 * size + 0.05).reshape(shape)
    if domain == "zero_in_each_row":
        values = rng.uniform(-2.0, 2.0, shape)
        values[..., 1] = 0.0
        return values
    magnitude = rng.uniform(0.5, 2.0, shape)
    if domain == "positive":
        return magnitude
    if domain == "probability":  # inside (0, 1), away from both ends
        return rng.uniform(0.1, 0.9, shape)
    sign = rng.choice([-1.0, 1.0], shape)
    if domain == "nonzero":
        return sign * magnitude
    if domain == "away_from_kinks":  # kinks at 0 (relu, abs) and +-0.5 (clip)
        near, far = rng.uniform(0.1, 0.4, shape), rng.uniform(0.6, 2.0, shape)
        return sign * np.where(rng.random(shape) < 0.5, near, far)
    return rng.uniform(-2.0, 2.0, shape)


@dataclass
class CheckResult:
    """How one op did: max relative errors, and an error message when a check failed."""

    check: OpCheck
    first_order_error: float
    first_order_ok: bool
    second_order_ok: bool | None  # None: not smooth, nothing to check
    message: str = ""


def run_check(check: OpCheck) -> CheckResult:
    """Compare one op's backward (and double backward) with central differences."""
    rng = tl_random.generator()
    arrays = [draw_input(s, check.domain, rng) for s in check.shapes]
    out_shape = check.fn(*[Tensor(a) for a in arrays]).shape
    upstream = Tensor(rng.standard_normal(out_shape))

    def weighted(*xs: Tensor) -> Tensor:
        return (check.fn(*xs) * upstream).sum()

    report = gradcheck_report(weighted, *arrays)
    error = max((c.max_relative_error for c in report.inputs), default=0.0)
    result = CheckResult(check, error, report.passed, None, "" if report.passed else str(report))
    if check.smooth:
        try:
            result.second_order_ok = gradgradcheck(weighted, *arrays)
        except GradcheckError as failure:
            result.second_order_ok = False
            result.message += f"second order: {failure}"
    return result


def op_key(name: str) -> str:
    """How op names are matched: in any case, with or without underscores (``Linear``,
    ``linear``, ``LogSoftmax`` and ``log_softmax`` all name a row)."""
    return name.lower().replace("_", "")


def run_checks(names: list[str] | None = None) -> list[CheckResult]:
    """Run the checks (all of them, or those named in ``names``, matched by :func:`op_key`)."""
    wanted = None if names is None else {op_key(n) for n in names}
    chosen = [c for c in CHECKS if wanted is None or op_key(c.name) in wanted]
    return [run_check(c) for c in chosen]


def format_table(results: list[CheckResult]) -> str:
    """The results as a text table, one op per row, with a summary line."""
    header = f"{'op':<28}{'input shapes':<24}{'1st order':<11}{'max rel. error':<16}2nd order"
    rows = [header, "-" * len(header)]
    for r in results:
        shapes = " ".join(str(s).replace(" ", "") for s in r.check.shapes)
        second = {True: "ok", False: "FAILED", None: "-"}[r.second_order_ok]
        first = "ok" if r.first_order_ok else "FAILED"
        rows.append(
            f"{r.check.name:<28}{shapes:<24}{first:<11}{r.first_order_error:<16.2e}{second}"
        )
    n_first = sum(r.first_order_ok for r in results)
    smooth = [r for r in results if r.second_order_ok is not None]
    n_second = sum(bool(r.second_order_ok) for r in smooth)
    rows.append(
        f"{len(results)} ops: {n_first} passed first order; {n_second} of {len(smooth)} smooth "
        "ops passed second order (kinked ops have no second derivative to check)"
    )
    rows.extend(f"\n{r.check.name}:\n{r.message}" for r in results if r.message)
    return "\n".join(rows)
