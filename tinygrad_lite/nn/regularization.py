"""Layers that act differently in training and in evaluation: `Dropout` and `BatchNorm1d`.

`model.train()` and `model.eval()` switch them (and every other layer of the model) between
the two modes; `tl.train.fit` does so itself for training batches and for validation.

>>> import tinygrad_lite as tl
>>> from tinygrad_lite import nn
>>> net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5))
>>> net(tl.Tensor.randn(16, 4)).shape
(16, 8)
>>> [name for name, _ in net.named_buffers()]
['1.running_mean', '1.running_var', '1.num_batches_tracked']
"""

from __future__ import annotations

import numpy as np

from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn.module import Module
from tinygrad_lite.tensor import Tensor


class Dropout(Module):
    """Inverted dropout with drop probability `p`: in training each element is zeroed with
    probability p and the others are scaled by 1 / (1 - p); in evaluation (`.eval()`) the
    layer passes its input through unchanged. See `nn.functional.dropout`.

    Dropping random units makes the network unable to rely on any single one, which works
    against memorising the training set; the scaling keeps the expected activation the same
    in both modes, so nothing needs rescaling at evaluation time.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite import Tensor, nn
    >>> _ = tl.manual_seed(0)
    >>> drop = nn.Dropout(p=0.5)
    >>> sorted(set(drop(Tensor.ones(1000)).tolist()))  # zeroed, or scaled by 1 / (1 - p)
    [0.0, 2.0]
    >>> drop.eval()(Tensor([1.0, 2.0])).tolist()  # evaluation: unchanged
    [1.0, 2.0]
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        F._check_probability(p, "Dropout")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Batch normalization of the `num_features` columns of an `(N, num_features)` batch.

    Training: each column is normalized with the mean and the (biased) variance of this
    batch, then scaled and shifted by the learned `weight` (gamma, starts at 1) and `bias`
    (beta, starts at 0)::

        mu = mean(x, axis=0);   var = mean((x - mu)**2, axis=0)
        y  = (x - mu) / sqrt(var + eps) * weight + bias

    and the running statistics move towards the batch's, as PyTorch keeps them (the running
    variance takes the unbiased batch variance, var * N / (N - 1))::

        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * var * N / (N - 1)

    Evaluation (`.eval()`): the running statistics replace mu and var, so a sample's output
    no longer depends on the rest of its batch. The running statistics and the batch count
    `num_batches_tracked` are buffers: in `state_dict()` and checkpoints, not in
    `parameters()`. The forward is written with Tensor ops (mean, subtract, square, sqrt,
    divide), so the graph shows each step and backward needs no formula of its own.

    >>> from tinygrad_lite import Tensor, nn
    >>> bn = nn.BatchNorm1d(2)
    >>> y = bn(Tensor([[1.0, 10.0], [3.0, 30.0]]))  # each column to mean 0, variance 1
    >>> [[round(v, 3) for v in row] for row in y.tolist()]
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> [round(v, 4) for v in bn.running_mean.tolist()]  # 0.9 * 0 + 0.1 * batch mean
    [0.2, 2.0]
    """

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True
    ) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int):
            raise TypeError(
                f"BatchNorm1d: num_features must be an int, got {num_features!r}; pass the "
                "number of columns of its input, e.g. BatchNorm1d(100) after Linear(2, 100)"
            )
        if num_features < 1:
            raise ValueError(
                f"BatchNorm1d: num_features must be at least 1, got {num_features}; pass the "
                "number of columns of its input, e.g. BatchNorm1d(100) after Linear(2, 100)"
            )
        self.num_features = num_features
        self.eps = _number("eps", eps, "> 0 (it keeps sqrt(var + eps) away from 0), e.g. 1e-5")
        if not self.eps > 0:
            raise ValueError(f"BatchNorm1d: eps must be > 0, got {eps}; e.g. eps=1e-5")
        self.momentum = _number("momentum", momentum, "in [0, 1], e.g. 0.1")
        if not 0 <= self.momentum <= 1:
            raise ValueError(
                f"BatchNorm1d: momentum must be in [0, 1] (the weight of the newest batch in "
                f"the running statistics), got {momentum}; e.g. momentum=0.1"
            )
        self.affine = affine
        self.weight = Tensor.ones(num_features, requires_grad=True) if affine else None
        self.bias = Tensor.zeros(num_features, requires_grad=True) if affine else None
        self.register_buffer("running_mean", Tensor.zeros(num_features))
        self.register_buffer("running_var", Tensor.ones(num_features))
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{self._label()} expected a Tensor, got {type(x).__name__}; wrap it: Tensor(x)"
            )
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"{self._label()} expected input of shape (N, {self.num_features}), got shape "
                f"{x.shape}; place it after a layer with {self.num_features} outputs"
            )
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    f"{self._label()} needs at least 2 samples per batch in training to compute "
                    f"a variance, got a batch of {n}; use a larger batch, or call model.eval() "
                    "to use the running statistics"
                )
            mean = x.mean(axis=0)
            centered = x - mean
            var = (centered * centered).mean(axis=0)  # biased: divides by N
            x_hat = centered / (var + self.eps).sqrt()
            self._update_running_stats(mean.data, var.data, n)
        else:
            x_hat = (x - self.running_mean) / (self.running_var + self.eps).sqrt()
        return x_hat * self.weight + self.bias if self.affine else x_hat

    def _update_running_stats(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        m = self.momentum
        unbiased_var = var * (n / (n - 1))
        self.running_mean.data[...] = (1 - m) * self.running_mean.data + m * mean
        self.running_var.data[...] = (1 - m) * self.running_var.data + m * unbiased_var
        self.num_batches_tracked.data[...] += 1

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"
        )


def _number(name: str, value: object, wanted: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"BatchNorm1d: {name} must be a number {wanted}, got {value!r}")
    return float(value)
