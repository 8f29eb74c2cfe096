"""Stateless functions behind the layers and losses: `F.relu(x)`, `F.cross_entropy(s, y)`.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> scores = Tensor([[2.0, 1.0, 0.1]], requires_grad=True)
    >>> round(F.cross_entropy(scores, np.array([0])).item(), 4)
    0.417

Losses take raw scores of shape `(N, C)` and `reduction="mean"` (average over the N samples)
or `"sum"`. Class labels are integer indices of shape `(N,)` or rows of shape `(N, C)`:
one-hot rows for every loss, and probability rows for `cross_entropy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite import ops
from tinygrad_lite.autograd import Function
from tinygrad_lite.tensor import Tensor, apply

REDUCTIONS = ("mean", "sum")

# ---------------------------------------------------------------- activations and linear


def relu(x: Tensor) -> Tensor:
    """`max(0, x)` elementwise.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.relu(Tensor([-2.0, 0.0, 3.0])).tolist()
    [0.0, 0.0, 3.0]
    """
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """`1 / (1 + exp(-x))` elementwise.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.sigmoid(Tensor([0.0])).tolist()
    [0.5]
    """
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """`tanh(x)` elementwise.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.tanh(Tensor([0.0])).tolist()
    [0.0]
    """
    return x.tanh()


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """`exp(x_i) / sum_j exp(x_j)` along `axis`.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.softmax(Tensor([[1000.0, 1000.0]])).tolist()   # no overflow
    [[0.5, 0.5]]
    """
    return x.softmax(axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """`x_i - log(sum_j exp(x_j))` along `axis`.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.log_softmax(Tensor([[0.0, 0.0]])).numpy().round(4)   # log(1/2)
    array([[-0.6931, -0.6931]], dtype=float32)
    """
    return x.log_softmax(axis=axis)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """`x @ weight + bias`, with `weight` of shape `(in_features, out_features)`.

    A batch `x` of shape `(N, in_features)` with a bias of shape `(out_features,)` makes one
    graph node, the fused op `Linear` (one backward for all three gradients: fewer nodes to
    record and to walk back). Any other case is recorded as `MatMul`, then `Add`.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> x = Tensor([[1.0, 2.0]])
    >>> W = Tensor([[1.0], [1.0]], requires_grad=True)
    >>> b = Tensor([0.5], requires_grad=True)
    >>> y = F.linear(x, W, b)        # x @ W + b, one op
    >>> y.tolist(), y.grad_fn.name
    ([[3.5]], 'Linear')
    """
    if isinstance(x, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor):
        x_shape, w_shape = x.data.shape, weight.data.shape
        fits = len(x_shape) == 2 and len(w_shape) == 2 and x_shape[1] == w_shape[0]
        if fits and bias.data.shape == (w_shape[1],):  # x (N, in), weight (in, out), bias (out,)
            return apply(ops.Linear(), x, weight, bias)
    out = x @ weight  # other shapes, and shapes that do not fit: MatMul's rules and errors
    return out if bias is None else out + bias


# ---------------------------------------------------------------- label checking


def _check_reduction(reduction: str, fn: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _check_tensor(value: Any, what: str, fn: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{fn}: {what} must be a Tensor, got {type(value).__name__}; pass the model's "
            f"output, or wrap an array: Tensor({what})"
        )


def _check_scores(scores: Any, fn: str) -> None:
    _check_tensor(scores, "scores", fn)
    shape = scores.data.shape
    if len(shape) != 2 or shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"{fn}: scores must have shape (N, C) with N, C >= 1, got shape {shape}")


def _label_array(labels: Any, shape: tuple[int, ...], fn: str) -> np.ndarray:
    """The labels as an ndarray, after checking their type, shape and (for indices) range
    against scores of shape ``shape`` (N, C)."""
    if isinstance(labels, Tensor):
        if labels.requires_grad:
            raise ValueError(
                f"{fn}: labels are constants and get no gradient; pass labels.detach()"
            )
        labels = labels.data
    labels = np.asarray(labels)
    n, c = shape
    kind = labels.dtype.kind  # "i"/"u": integers, "f": floats ("b" bool is no label)
    if kind not in "iuf":
        raise TypeError(f"{fn}: labels must be numbers, got dtype {labels.dtype}")
    if labels.shape == (n,):
        if kind == "f":
            raise TypeError(
                f"{fn}: labels of shape ({n},) must be integer class indices, got dtype "
                f"{labels.dtype}; convert them with labels.astype(np.int64)"
            )
        if labels.size <= 32:  # a few labels: Python's min/max of a list beat NumPy's (1.6 us)
            as_list = labels.tolist()
            low, high = min(as_list), max(as_list)
        else:
            low, high = labels.min(), labels.max()
        if low < 0 or high >= c:
            bad = (labels < 0) | (labels >= c)
            raise ValueError(
                f"{fn}: class index {labels[bad][0]} out of range for {c} classes "
                f"(scores of shape {shape}); labels must lie in [0, {c - 1}]"
            )
        return labels
    if labels.shape == (n, c):
        rows_ok = np.allclose(labels.sum(axis=1), 1.0, atol=1e-4) and (labels >= 0).all()
        if not rows_ok:
            raise ValueError(
                f"{fn}: label rows of shape ({n}, {c}) must be one-hot or probabilities "
                "(non-negative, each row summing to 1)"
            )
        return labels
    raise ValueError(
        f"{fn}: labels must have shape ({n},) (class indices) or ({n}, {c}) (one-hot rows) "
        f"for scores of shape {shape}, got shape {labels.shape}"
    )


def _class_indices(labels: Any, scores: Tensor, fn: str) -> np.ndarray:
    """Integer class indices of shape (N,), from indices or from one-hot rows."""
    labels = _label_array(labels, scores.data.shape, fn)
    if labels.ndim == 1:
        return labels
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"{fn}: label rows must be one-hot (zeros and a single 1)")
    return labels.argmax(axis=1)


def _reduce(per_sample: Tensor, reduction: str) -> Tensor:
    return per_sample.mean() if reduction == "mean" else per_sample.sum()


# ---------------------------------------------------------------- losses


def mse_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error `mean((pred - target)^2)` over all elements (`"sum"`: the sum).

    `target` must have exactly the shape of `pred`: a `(N, 1)` prediction against a `(N,)`
    target would broadcast to `(N, N)` and silently compute the wrong thing.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.mse_loss(Tensor([1.0, 2.0]), Tensor([0.0, 4.0])).item()
    2.5
    """
    _check_reduction(reduction, "mse_loss")
    _check_tensor(pred, "pred", "mse_loss")
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target), dtype=pred.dtype)
    if target.shape != pred.shape:
        raise ValueError(
            f"mse_loss: pred has shape {pred.shape} but target has shape {target.shape}; "
            "they must match exactly (reshape one of them, e.g. target.reshape(-1, 1))"
        )
    return _reduce((pred - target) ** 2, reduction)


class CrossEntropy(Function):
    """Softmax cross-entropy, fused: d(loss)/d(scores) = (softmax(scores) - target) / N.

    Forward, for scores `s` of shape (N, C) and target rows `t` (one-hot or probabilities):
        log p = s - max(s) - log(sum_j exp(s_j - max(s)))   (log-softmax; the max keeps exp
                                                             from overflowing)
        loss  = -(1/N) sum_i sum_j t_ij log p_ij             ("mean"; "sum" drops the 1/N)
    Backward: d(loss)/d(s) = (softmax(s) - t) / N, because each row of t sums to 1.

    With class indices `y` as the target, t is one-hot: the loss needs only log p_i[y_i] and
    the backward subtracts 1 at [i, y_i], so no (N, C) one-hot array is ever built.

    The target is the op's second input, a constant that gets no gradient: the graph shows
    where the labels enter, and a `StaticGraph` can feed new labels on every run.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.cross_entropy(Tensor([[2.0, 0.0]], requires_grad=True), np.array([0])).grad_fn.name
    'CrossEntropy'
    """

    __slots__ = ("probs", "rows", "scale")
    returns_new_arrays = True

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def forward(self, scores: np.ndarray, target: np.ndarray) -> np.ndarray:
        shifted = scores - _row_max(scores)  # scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = _row_sum(exp)  # exp.sum(axis=1, keepdims=True)
        self.probs = exp / sum_exp  # softmax, saved for backward
        if target.ndim == 1:  # log p_i[y_i] = shifted_i[y_i] - log sum_exp_i
            self.rows = rows = np.arange(len(target))  # 0..N-1, saved for backward
            picked = shifted[rows, target] - np.log(sum_exp[:, 0])
            loss = -picked.sum() * self.scale
        else:  # target rows t, in the scores' dtype (integer one-hot rows too)
            t = target.astype(scores.dtype, copy=False)
            loss = -(t * (shifted - np.log(sum_exp))).sum() * self.scale
        return np.asarray(loss, dtype=scores.dtype)

    def backward(self, grad: Any, scores: Any, target: Any, _out: Any) -> Any:
        if isinstance(scores, Tensor):
            # create_graph: softmax is recomputed with Tensor ops so that the gradient itself
            # can be differentiated again.
            rows = Tensor(_target_rows(target.data, scores.shape), dtype=scores.dtype)
            return grad * (scores.softmax(axis=1) - rows) * self.scale, None
        if target.ndim == 1:  # (probs - onehot) * scale * grad, without the one-hot
            scaled = grad * self.scale
            d_scores = self.probs * scaled
            d_scores[self.rows, target] -= scaled
            return d_scores, None
        return grad * (self.probs - target.astype(scores.dtype, copy=False)) * self.scale, None

    def check_inputs(self, scores: np.ndarray, target: np.ndarray) -> None:
        """Labels fed to a ``StaticGraph`` replay get the checks ``cross_entropy`` makes."""
        _label_array(target, scores.shape, "cross_entropy")

    def release(self) -> None:
        self.probs = self.rows = None
        super().release()

    def describe_local(self) -> str:
        return "d(CE)/dscores = (softmax(scores) - onehot(labels)) / N"


def _row_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=1, keepdims=True)`` for an (N, C) array, by the faster route for its shape.

    NumPy reduces along a short last axis one row at a time: the max of each of 2048 rows of
    10 scores takes 84 us. For a tall array with few columns, the max down the columns of its
    transposed copy is the same numbers (a max does not depend on the order) in 8 us.
    """
    n, c = a.shape
    if n > c and c <= 32:
        return np.ascontiguousarray(a.T).max(axis=0)[:, None]
    return a.max(axis=1, keepdims=True)


def _row_sum(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1, keepdims=True)`` for an (N, C) array, as ``a @ ones`` when N > 1.

    The matrix-vector product goes to BLAS: 2048 rows of 10 in 4 us instead of NumPy's 30 us
    for the row sums (the same sums, added in another order: they may differ in the last bit).
    """
    if len(a) == 1:  # one row: NumPy's sum is quicker than building the ones
        return a.sum(axis=1, keepdims=True)
    return np.dot(a, np.ones(a.shape[1], a.dtype))[:, None]


def _target_rows(target: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The target as (N, C) rows: one-hot rows built from class indices."""
    if target.ndim == 2:
        return target
    rows = np.zeros(shape)
    rows[np.arange(shape[0]), target] = 1
    return rows


def cross_entropy(scores: Tensor, labels: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from raw scores: `-mean_i log softmax(s_i)[y_i]`.

    `labels` are class indices of shape (N,) or one-hot / probability rows of shape (N, C),
    as an array or a Tensor. Stable for huge scores (1e4 and beyond). One fused op, drawn as
    a "CrossEntropy" node with the scores and the labels as its inputs; see `CrossEntropy`
    for the formulas.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> scores = Tensor([[0.0, 0.0, 0.0]], requires_grad=True)
    >>> loss = F.cross_entropy(scores, np.array([1]))
    >>> round(loss.item(), 4)        # ln 3
    1.0986
    >>> loss.backward()
    >>> scores.grad.numpy().round(4) # softmax - one-hot
    array([[ 0.3333, -0.6667,  0.3333]], dtype=float32)
    """
    _check_reduction(reduction, "cross_entropy")
    _check_scores(scores, "cross_entropy")
    checked = _label_array(labels, scores.data.shape, "cross_entropy")
    scale = 1.0 / len(checked) if reduction == "mean" else 1.0
    if isinstance(labels, Tensor):
        target = labels  # an input like any other: backward reads its array then
    else:
        # A copy (indices as they are, rows in the scores' dtype): backward reads the target
        # again, after the caller may have refilled its label array for the next batch.
        copied = checked.copy() if checked.ndim == 1 else checked.astype(scores.dtype)
        target = Tensor._from_array(copied)
        target.name = "labels"  # as graph drawings show it
    return apply(CrossEntropy(scale), scores, target)


def svm_loss(scores: Tensor, labels: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """Multiclass SVM (hinge) loss: per sample `sum_{j != y} max(0, s_j - s_y + margin)`.

    Composed from Tensor ops, so the graph shows every step: pick the correct-class score
    `s_y` of each row, subtract it from every score, add the margin, clip at zero with
    ReLU, drop the j = y term, sum over classes. The gradient is then
    d/ds_j = 1[s_j - s_y + margin > 0] for j != y, and d/ds_y = -(number of such j).

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> round(F.svm_loss(Tensor([[3.2, 5.1, -1.7]]), np.array([0])).item(), 2)
    2.9
    """
    _check_reduction(reduction, "svm_loss")
    return _reduce(_hinge_per_sample(scores, labels, margin, "svm_loss"), reduction)


def multi_margin_loss(
    scores: Tensor, labels: Any, margin: float = 1.0, reduction: str = "mean"
) -> Tensor:
    """PyTorch's MultiMarginLoss: per sample `sum_{j != y} max(0, margin - s_y + s_j) / C`,
    that is `svm_loss` divided by the number of classes C.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> round(F.multi_margin_loss(Tensor([[3.2, 5.1, -1.7]]), np.array([0])).item(), 4)
    0.9667
    """
    _check_reduction(reduction, "multi_margin_loss")
    per_sample = _hinge_per_sample(scores, labels, margin, "multi_margin_loss")
    return _reduce(per_sample / scores.shape[1], reduction)


def _hinge_per_sample(scores: Tensor, labels: Any, margin: float, fn: str) -> Tensor:
    """`sum_{j != y} max(0, s_j - s_y + margin)` for each row, shape (N,)."""
    _check_scores(scores, fn)
    y = _class_indices(labels, scores, fn)
    n, c = scores.shape
    correct = scores[np.arange(n), y].reshape(n, 1)
    margins = (scores - correct + margin).relu()
    others = np.ones((n, c), dtype=scores.dtype)
    others[np.arange(n), y] = 0
    return (margins * Tensor(others)).sum(axis=1)


# ---------------------------------------------------------------- regularization


class L2Penalty(Function):
    """The L2 penalty, fused: d(alpha * sum_p sum(p**2))/dp = 2 * alpha * p.

    Written out, `alpha * ((W1 * W1).sum() + (W2 * W2).sum() + ...)` records three ops per
    parameter (a product, a sum, an add) on top of the two that scale and add the total;
    this op computes the same number and the same gradients as one graph node, as a
    hand-written training loop would (`dW += 2 * alpha * W`).

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.l2_penalty([Tensor([1.0], requires_grad=True)], alpha=0.5).grad_fn.name
    'L2Penalty'
    """

    __slots__ = ("alpha",)
    returns_new_arrays = True

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, *params: np.ndarray) -> np.ndarray:
        # np.vdot(p, p) is the sum of p's squared elements, (p * p).sum() in one BLAS call
        total = sum(np.vdot(p, p) for p in params)
        # the parameters' float dtype (1.0: integer tensors give a float penalty)
        return np.asarray(self.alpha * total, dtype=np.result_type(*params, 1.0))

    def backward(self, grad: Any, *values: Any) -> Any:
        params = values[:-1]  # the last value is the output
        scaled = grad * (2 * self.alpha)
        grads = tuple(scaled * p if self.needs_grad(i) else None for i, p in enumerate(params))
        return grads[0] if len(grads) == 1 else grads  # a one-input op returns one gradient

    def describe_local(self) -> str:
        return "d(alpha * sum p**2)/dp = 2 * alpha * p"


def l2_penalty(params: Any, alpha: float = 1.0) -> Tensor:
    """`alpha * sum of p**2 over every element of every tensor in params`, one graph node.

    The regularization term of a loss: `loss = data_loss + F.l2_penalty(model.parameters(),
    1e-4)`. Each parameter's gradient gets `2 * alpha * p`, exactly what writing the squares
    out gives (see `L2Penalty`); `optim.SGD(weight_decay=2 * alpha)` adds the same gradient
    without the term appearing in the loss.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> W1 = Tensor([1.0, 2.0], requires_grad=True)
    >>> W2 = Tensor([3.0], requires_grad=True)
    >>> penalty = F.l2_penalty([W1, W2], alpha=0.1)   # 0.1 * (1 + 4 + 9)
    >>> round(penalty.item(), 4)
    1.4
    >>> penalty.backward()
    >>> W1.grad.numpy().round(4)                      # 2 * alpha * W1
    array([0.2, 0.4], dtype=float32)
    """
    params = list(params)
    if not params:
        raise ValueError("l2_penalty: params is empty; pass the tensors to penalize, e.g. "
                         "model.parameters()")  # fmt: skip
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(
                f"l2_penalty: params[{i}] is a {type(p).__name__}, not a Tensor; pass "
                "model.parameters() or a list of Tensors"
            )
    if isinstance(alpha, bool) or not isinstance(alpha, int | float):
        raise TypeError(f"l2_penalty: alpha must be a number, got {alpha!r}; e.g. alpha=1e-4")
    if not alpha >= 0:  # also refuses nan
        raise ValueError(
            f"l2_penalty: alpha must be >= 0 (the penalty's strength), got {alpha}; e.g. "
            "alpha=1e-4, or leave the penalty out for none"
        )
    return apply(L2Penalty(float(alpha)), *params)
