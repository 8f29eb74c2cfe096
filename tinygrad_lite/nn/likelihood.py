"""Losses that are negative log-likelihoods: binary cross-entropy, from probabilities or from
logits, and the NLL loss of log-probabilities. Used as `F.binary_cross_entropy(...)`.

For a yes/no target t in [0, 1] and a predicted probability p of "yes", the binary
cross-entropy is `-(t log p + (1 - t) log(1 - p))`. A network that ends in a sigmoid can give
p directly (`binary_cross_entropy`), or stop one step earlier and give the logit z with
p = sigmoid(z) (`binary_cross_entropy_with_logits`, the stable choice: see `BCEWithLogits`).

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> round(F.binary_cross_entropy_with_logits(Tensor([0.0]), np.array([1.0])).item(), 4)
    0.6931
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite.autograd import Function
from tinygrad_lite.nn.loss_checks import _check_reduction, _check_tensor, _class_indices, _reduce
from tinygrad_lite.tensor import Tensor, apply

LOG_FLOOR = -100.0  # log p is never taken below this (as PyTorch): log 0 would give inf


class BinaryCrossEntropy(Function):
    """Binary cross-entropy from probabilities p, fused with its reduction:
        loss = -(t log p + (1 - t) log(1 - p))          each log at least -100
        d(loss)/dp = (p - t) / (p (1 - p))              the denominator at least 1e-12
    times `scale` (1/n for "mean") or, for reduction "none", times each element's own
    upstream gradient. The target is the second input, a constant with no gradient.
    """

    __slots__ = ("reduce", "scale")
    returns_new_arrays = True

    def __init__(self, scale: float, reduce: bool) -> None:
        self.scale = scale
        self.reduce = reduce  # False: one loss per element, no sum

    def forward(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # log 0 = -inf, then raised to the floor
            log_p = np.maximum(np.log(p), LOG_FLOOR)
            log_1mp = np.maximum(np.log1p(-p), LOG_FLOOR)
        losses = -(t * log_p + (1 - t) * log_1mp)
        loss = losses.sum() * self.scale if self.reduce else losses
        return np.asarray(loss, dtype=p.dtype)

    def backward(self, grad: Any, p: Any, t: Any, _out: Any) -> Any:
        if isinstance(p, Tensor):  # create_graph: the same formula with Tensor ops (no floor)
            return grad * self.scale * (p - t) / (p * (1 - p)), None
        d_p = (p - t) / np.maximum(p * (1 - p), 1e-12)
        return (grad * self.scale * d_p).astype(p.dtype, copy=False), None

    def describe_local(self) -> str:
        return "d(BCE)/dp = (p - t) / (p (1 - p))"


class BCEWithLogits(Function):
    """Binary cross-entropy from logits z (p = sigmoid(z)), fused with its reduction:
        loss = max(z, 0) - z t + log(1 + exp(-|z|))
        d(loss)/dz = sigmoid(z) - t
    The loss is `-(t log sigmoid(z) + (1 - t) log(1 - sigmoid(z)))` rewritten so that exp
    only ever sees -|z| <= 0: no overflow for any z, and no log of a rounded-off 0. The
    gradient is as simple as softmax cross-entropy's, probability minus target.
    """

    __slots__ = ("probs", "reduce", "scale")
    returns_new_arrays = True

    def __init__(self, scale: float, reduce: bool) -> None:
        self.scale = scale
        self.reduce = reduce  # False: one loss per element, no sum

    def forward(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        self.probs = np.where(z >= 0, 1 / (1 + e), e / (1 + e))  # sigmoid(z), saved
        losses = np.maximum(z, 0) - z * t + np.log1p(e)
        loss = losses.sum() * self.scale if self.reduce else losses
        return np.asarray(loss, dtype=z.dtype)

    def backward(self, grad: Any, z: Any, t: Any, _out: Any) -> Any:
        if isinstance(z, Tensor):  # create_graph: recomputed with Tensor ops
            return grad * self.scale * (z.sigmoid() - t), None
        return (grad * self.scale * (self.probs - t)).astype(z.dtype, copy=False), None

    def release(self) -> None:
        self.probs = None
        super().release()

    def describe_local(self) -> str:
        return "d(BCE)/dlogits = sigmoid(logits) - targets"


def _binary_targets(targets: Any, like: Tensor, fn: str) -> Tensor:
    """The targets as a constant Tensor of `like`'s shape and dtype, checked to lie in [0, 1]."""
    if isinstance(targets, Tensor):
        if targets.requires_grad:
            raise ValueError(f"{fn}: targets are constants and get no gradient; pass .detach()")
        targets = targets.data
    array = np.asarray(targets)
    if array.dtype.kind not in "iufb":
        raise TypeError(f"{fn}: targets must be numbers, got dtype {array.dtype}")
    if array.shape != like.shape:
        raise ValueError(
            f"{fn}: targets have shape {array.shape} but the input has shape {like.shape}; "
            "they must match exactly (for an (N, 1) output, pass targets.reshape(-1, 1))"
        )
    if array.size and not ((array >= 0).all() and (array <= 1).all()):
        raise ValueError(
            f"{fn}: targets must lie in [0, 1] (0 = no, 1 = yes), got values from "
            f"{array.min()} to {array.max()}; for class indices of more than two classes use "
            "cross_entropy"
        )
    target = Tensor._from_array(array.astype(like.dtype))  # a copy: the caller may refill theirs
    target.name = "targets"
    return target


def _scale(n: int, reduction: str) -> float:
    return 1.0 / n if reduction == "mean" and n else 1.0


def binary_cross_entropy(probs: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """`-(t log p + (1 - t) log(1 - p))`, averaged over all elements (`"sum"`: summed,
    `"none"`: one loss per element), for probabilities `probs` in [0, 1] (a sigmoid's output)
    and `targets` of the same shape in [0, 1].

    Each log is floored at -100, as PyTorch does, so p = 0 or 1 gives a large finite loss.
    One fused op, "BinaryCrossEntropy"; `binary_cross_entropy_with_logits` on the sigmoid's
    input is the more accurate choice.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> round(F.binary_cross_entropy(Tensor([0.5, 0.9]), np.array([1.0, 1.0])).item(), 4)
    0.3993
    """
    fn = "binary_cross_entropy"
    _check_reduction(reduction, fn)
    _check_tensor(probs, "probs", fn)
    p = probs.data
    if p.size and not ((p >= 0).all() and (p <= 1).all()):  # also refuses nan
        raise ValueError(
            f"{fn}: probs must lie in [0, 1], got values from {np.nanmin(p)} to {np.nanmax(p)}; "
            "for raw scores (logits) use binary_cross_entropy_with_logits"
        )
    target = _binary_targets(targets, probs, fn)
    op = BinaryCrossEntropy(_scale(p.size, reduction), reduce=reduction != "none")
    return apply(op, probs, target)


def binary_cross_entropy_with_logits(
    logits: Tensor, targets: Any, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of `sigmoid(logits)` against `targets` in [0, 1], computed from the
    logits directly: stable for logits of any size (see `BCEWithLogits`). Averaged over all
    elements (`"sum"`: summed, `"none"`: one loss per element). One fused op.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.binary_cross_entropy_with_logits(Tensor([1000.0, -1000.0]), np.array([0, 1])).item()
    1000.0
    """
    fn = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, fn)
    _check_tensor(logits, "logits", fn)
    target = _binary_targets(targets, logits, fn)
    op = BCEWithLogits(_scale(logits.data.size, reduction), reduce=reduction != "none")
    return apply(op, logits, target)


def nll_loss(log_probs: Tensor, labels: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: `-log_probs[i, y_i]`, averaged over the N samples (`"sum"`:
    summed, `"none"`: the N values), for `log_probs` of shape (N, C), usually a
    `log_softmax`, and class indices `labels` of shape (N,) (or one-hot rows).

    `nll_loss(log_softmax(s), y)` equals `cross_entropy(s, y)`; here the two steps are two
    ops, so the graph shows each. The gradient is -1 at [i, y_i] (times 1/N for "mean") and
    0 everywhere else.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.nll_loss(Tensor([[-1.0, -2.0], [-3.0, -4.0]]), np.array([0, 1])).item()
    2.5
    """
    fn = "nll_loss"
    _check_reduction(reduction, fn)
    _check_tensor(log_probs, "log_probs", fn)
    shape = log_probs.data.shape
    if len(shape) != 2 or shape[0] == 0 or shape[1] == 0:
        raise ValueError(
            f"{fn}: log_probs must have shape (N, C) with N, C >= 1, got shape {shape}; "
            "pass log_softmax(scores, axis=1) of a batch"
        )
    y = _class_indices(labels, log_probs, fn)
    picked = log_probs[np.arange(shape[0]), y]  # log p_i[y_i], shape (N,)
    return _reduce(-picked, reduction)
