"""Stateless functions behind the layers and losses: `F.relu(x)`, `F.cross_entropy(s, y)`.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> scores = Tensor([[2.0, 1.0, 0.1]], requires_grad=True)
    >>> round(F.cross_entropy(scores, np.array([0])).item(), 4)
    0.417

Losses take raw scores of shape `(N, C)` and `reduction="mean"` (average over the N samples),
`"sum"` or `"none"` (one loss per sample, shape `(N,)`). Class labels are integer indices of shape `(N,)` or rows of shape `(N, C)`:
one-hot rows for every loss, and probability rows for `cross_entropy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite import ops
from tinygrad_lite.arguments import a_or_an
from tinygrad_lite.autograd import Function, module_scope
from tinygrad_lite.nn.likelihood import (  # noqa: F401 - part of F: F.nll_loss, ...
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    nll_loss,
)
from tinygrad_lite.nn.loss_checks import (
    _check_reduction,
    _check_scores,
    _check_tensor,
    _class_indices,
    _label_array,
    _reduce,
)
from tinygrad_lite.random import generator
from tinygrad_lite.tensor import Tensor, apply

# ---------------------------------------------------------------- activations and linear


def relu(x: Tensor) -> Tensor:
    """`max(0, x)` elementwise.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.relu(Tensor([-2.0, 0.0, 3.0])).tolist()
    [0.0, 0.0, 3.0]
    """
    _check_tensor(x, "x", "relu")
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """`1 / (1 + exp(-x))` elementwise.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.sigmoid(Tensor([0.0])).tolist()
    [0.5]
    """
    _check_tensor(x, "x", "sigmoid")
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """`tanh(x)` elementwise.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.tanh(Tensor([0.0])).tolist()
    [0.0]
    """
    _check_tensor(x, "x", "tanh")
    return x.tanh()


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """`exp(x_i) / sum_j exp(x_j)` along `axis`.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.softmax(Tensor([[1000.0, 1000.0]])).tolist()   # no overflow
    [[0.5, 0.5]]
    """
    _check_tensor(x, "x", "softmax")
    return x.softmax(axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """`x_i - log(sum_j exp(x_j))` along `axis`.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.log_softmax(Tensor([[0.0, 0.0]])).numpy().round(4)   # log(1/2)
    array([[-0.6931, -0.6931]], dtype=float32)
    """
    _check_tensor(x, "x", "log_softmax")
    return x.log_softmax(axis=axis)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """`x` where x > 0, else `negative_slope * x`.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> F.leaky_relu(Tensor([-2.0, 0.5]), negative_slope=0.5).tolist()
    [-1.0, 0.5]
    """
    return x.leaky_relu(negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """`x` where x > 0, else `alpha * (exp(x) - 1)`.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> [round(v, 4) for v in F.elu(Tensor([-2.0, 0.5])).tolist()]  # exp(-2) - 1 = -0.8647
    [-0.8647, 0.5]
    """
    return x.elu(alpha)


def softplus(x: Tensor) -> Tensor:
    """`log(1 + exp(x))`, a smooth relu.

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> [round(v, 4) for v in F.softplus(Tensor([0.0])).tolist()]  # log 2
    [0.6931]
    """
    return x.softplus()


def silu(x: Tensor) -> Tensor:
    """`x * sigmoid(x)` (swish).

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> [round(v, 4) for v in F.silu(Tensor([0.0, 1.0])).tolist()]
    [0.0, 0.7311]
    """
    return x.silu()


def gelu(x: Tensor, approximate: str = "tanh") -> Tensor:
    """GELU in its tanh form (the only one: the exact form needs erf, which NumPy lacks).

    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.nn import functional as F
    >>> [round(v, 4) for v in F.gelu(Tensor([0.0, 1.0])).tolist()]
    [0.0, 0.8412]
    """
    return x.gelu(approximate)


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
            if x.data.dtype.kind != "f" and weight.data.dtype.kind == "f":
                x = x.to(weight.data.dtype)  # integer features: the weight's dtype, as x @ weight
            return apply(ops.Linear(), x, weight, bias)
    out = x @ weight  # other shapes, and shapes that do not fit: MatMul's rules and errors
    return out if bias is None else out + bias


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: in training, zero each element with probability `p` and scale the
    survivors by `1 / (1 - p)`, so the expected value of every element stays `x`; outside
    training (`training=False`) return `x` unchanged.

    The random keep-mask is drawn from the library generator (`tl.manual_seed` repeats it)
    and enters the graph as a constant input of a `Mul`, named "dropout mask": the gradient
    is the upstream gradient times the same mask (0 for a dropped element, 1 / (1 - p) for
    a kept one).

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import functional as F
    >>> _ = tl.manual_seed(0)
    >>> F.dropout(tl.Tensor.ones(6), p=0.5).data
    array([2., 0., 0., 0., 2., 2.], dtype=float32)
    """
    _check_tensor(x, "x", "dropout")
    _check_probability(p, "dropout")
    if not training or p == 0.0:
        return x
    keep = generator().random(x.shape) >= p  # True with probability 1 - p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)  # p = 1 drops everything
    mask = Tensor._from_array(keep.astype(x.dtype) * np.asarray(scale, dtype=x.dtype))
    mask.name = "dropout mask"
    return x * mask


def _check_probability(p: Any, fn: str) -> None:
    if isinstance(p, bool) or not isinstance(p, int | float | np.floating):
        raise TypeError(f"{fn}: p must be a number in [0, 1], got {p!r}; e.g. p=0.5")
    if not 0.0 <= p <= 1.0:  # also refuses nan
        raise ValueError(
            f"{fn}: p is the probability of dropping an element and must be in [0, 1], got "
            f"{p}; e.g. p=0.5 drops half of them"
        )


# ---------------------------------------------------------------- losses


def mse_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error `mean((pred - target)^2)` over all elements (`"sum"`: the sum,
    `"none"`: the squared errors, shaped like `pred`).

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
    With `reduce=False` (reduction "none") the output is the N per-row losses and row i's
    gradient is (softmax(s_i) - t_i) times the upstream gradient of loss i.

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

    __slots__ = ("probs", "reduce", "rows", "scale")
    returns_new_arrays = True

    def __init__(self, scale: float, reduce: bool = True) -> None:
        self.scale = scale
        self.reduce = reduce  # False: one loss per row, no sum

    def forward(self, scores: np.ndarray, target: np.ndarray) -> np.ndarray:
        shifted = scores - _row_max(scores)  # scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = _row_sum(exp)  # exp.sum(axis=1, keepdims=True)
        self.probs = exp / sum_exp  # softmax, saved for backward
        if target.ndim == 1:  # log p_i[y_i] = shifted_i[y_i] - log sum_exp_i
            self.rows = rows = np.arange(len(target))  # 0..N-1, saved for backward
            picked = shifted[rows, target] - np.log(sum_exp[:, 0])
        else:  # target rows t, in the scores' dtype (integer one-hot rows too)
            t = target.astype(scores.dtype, copy=False)
            t_log_p = t * (shifted - np.log(sum_exp))
            picked = t_log_p.sum() if self.reduce else t_log_p.sum(axis=1)  # per row: sum over j
        loss = -picked.sum() * self.scale if self.reduce else -picked
        return np.asarray(loss, dtype=scores.dtype)

    def backward(self, grad: Any, scores: Any, target: Any, _out: Any) -> Any:
        if not self.reduce:  # grad holds one number per row: make it a column
            grad = grad.reshape(-1, 1)
        if isinstance(scores, Tensor):
            # create_graph: softmax is recomputed with Tensor ops so that the gradient itself
            # can be differentiated again.
            rows = Tensor(_target_rows(target.data, scores.shape), dtype=scores.dtype)
            return grad * (scores.softmax(axis=1) - rows) * self.scale, None
        if target.ndim == 1:  # (probs - onehot) * scale * grad, without the one-hot
            scaled = grad * self.scale
            d_scores = self.probs * scaled
            d_scores[self.rows, target] -= scaled if self.reduce else scaled[:, 0]
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
    as an array or a Tensor; `reduction="none"` gives the N losses. Stable for huge scores (1e4 and beyond). One fused op, drawn as
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
    return apply(CrossEntropy(scale, reduce=reduction != "none"), scores, target)


def svm_loss(scores: Tensor, labels: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """Multiclass SVM (hinge) loss: per sample `sum_{j != y} max(0, s_j - s_y + margin)`.

    Composed from Tensor ops, so the graph shows every step: pick the correct-class score
    `s_y` of each row, subtract it from every score, add the margin, clip at zero with
    ReLU, drop the j = y term, sum over classes (`reduction="none"` stops here: N losses).
    The gradient is then
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
    others = np.ones((n, c), dtype=scores.dtype)
    others[np.arange(n), y] = 0
    # recorded under the loss's name, so graphs draw these ops in one box and gradcheck says
    # "the ReLU inside svm_loss" for a margin on its kink
    with module_scope(fn):
        correct = scores[np.arange(n), y].reshape(n, 1)
        margins = (scores - correct + margin).relu()
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
                f"l2_penalty: params[{i}] is {a_or_an(type(p).__name__)}, not a Tensor; pass "
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
