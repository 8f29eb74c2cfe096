"""A small training loop: ``fit`` runs epochs of mini-batch updates and returns a ``History``.

One training step is the four lines every framework shares::

    optimizer.zero_grad()             # forget the previous step's gradients
    loss = loss_fn(model(X), y)       # forward: record the graph
    loss.backward()                   # backward: fill every parameter's .grad
    optimizer.step()                  # update the parameters from their .grad

With ``diagnostics=True``, ``fit`` also records, per epoch, the numbers that tell why a run
goes wrong (CS231n, "Babysitting the learning process"):

- ``grad_norm[name]``: the mean over the epoch's steps of the L2 norm of the parameter's
  gradient (vanishing or exploding gradients);
- ``update_ratio[name]``: the size of the updates relative to the weights,
  ``sum ||W_after - W_before|| / sum ||W_before||`` over the epoch's steps. About ``1e-3``
  is healthy; much larger means the learning rate is too high, much smaller too low.
  It is NaN if the parameter was all zeros before every step of the epoch (e.g. a
  zero-initialized bias when the epoch is a single step);
- ``dead_relu``: the fraction of ReLU units that never fired (output > 0) on any training
  sample of the epoch. ReLUs are found in the graph the model records: every ``ReLU`` op
  between the input and the model's output (whether from ``nn.ReLU``, an ``act`` layer,
  ``F.relu`` or ``x.relu()``) is one layer of units, with axis 0 as the batch. It is
  ``None`` when the model has no ReLU.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_lite import ops
from tinygrad_lite.autograd import no_grad

if TYPE_CHECKING:
    from tinygrad_lite.nn import Module
    from tinygrad_lite.optim import Optimizer
    from tinygrad_lite.tensor import Tensor

__all__ = ["History", "count_correct", "evaluate", "fit", "relu_inputs"]

Loader = Iterable[tuple["Tensor", "Tensor"]]


@dataclass
class History:
    """Per-epoch results of ``fit``: one list entry per epoch.

    ``accuracy`` (and ``val_accuracy``) is the fraction of samples whose highest score is the
    label; it is ``None`` when the labels are not integer class indices of shape ``(N,)``
    (e.g. a regression target for ``MSELoss``, or one-hot rows). The training ``loss`` and
    ``accuracy`` are averages over the epoch's batches as they were trained (weighted by
    batch size); ``val_loss`` and ``val_accuracy`` are measured after the epoch, in
    ``eval()`` mode without a graph. Diagnostics are described in the module docstring.

    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.data import DataLoader
    >>> from tinygrad_lite.train import fit
    >>> X, y = tl.datasets.spiral(n_per_class=20)
    >>> model = tl.nn.TwoLayerNet(2, 16, 3)
    >>> opt = tl.optim.Adam(model.parameters(), lr=0.01)
    >>> history = fit(model, tl.nn.CrossEntropyLoss(), opt, DataLoader(X, y, batch_size=60),
    ...               epochs=3, progress=False)
    >>> history.epochs, len(history.loss), len(history.accuracy)
    (3, 3, 3)
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    grad_norm: dict[str, list[float]] = field(default_factory=dict)
    update_ratio: dict[str, list[float]] = field(default_factory=dict)
    dead_relu: list[float | None] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return len(self.loss)


def count_correct(scores: Tensor, labels: Tensor | np.ndarray) -> int | None:
    """How many rows of ``scores`` (N, C) have their highest score at ``labels`` (N,).

    ``None`` when ``labels`` are not integer class indices matching the scores.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor
    >>> from tinygrad_lite.train import count_correct
    >>> count_correct(Tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1]))
    2
    """
    s, y = ops.value(scores), np.asarray(ops.value(labels))
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or s.ndim != 2 or len(s) != len(y):
        return None
    return int((s.argmax(axis=1) == y).sum())


@dataclass
class _Totals:
    """Loss and correct predictions summed over an epoch's batches, weighted by batch size."""

    loss: float = 0.0
    correct: int | None = 0  # None once a batch has labels that are not class indices
    n: int = 0

    def add(self, loss: float, scores: Tensor, labels: Tensor, batch_size: int) -> None:
        self.loss += loss * batch_size
        hits = count_correct(scores, labels)
        self.correct = None if hits is None or self.correct is None else self.correct + hits
        self.n += batch_size

    def means(self, fn: str, loader: str) -> tuple[float, float | None]:
        """Mean loss and accuracy per sample (accuracy None when it cannot be counted)."""
        if self.n == 0:
            raise ValueError(
                f"{fn}: the {loader} yielded no batches; give it at least one sample (with "
                "drop_last=True, at least batch_size samples)"
            )
        return self.loss / self.n, None if self.correct is None else self.correct / self.n


def evaluate(
    model: Module, loss_fn: Callable[..., Tensor], loader: Loader
) -> tuple[float, float | None]:
    """Mean loss and accuracy of ``model`` over ``loader``, in ``eval()`` mode, recording no graph.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.data import DataLoader
    >>> from tinygrad_lite.train import evaluate
    >>> X, y = tl.datasets.spiral(n_per_class=20)
    >>> model = tl.nn.TwoLayerNet(2, 16, 3)
    >>> loss, accuracy = evaluate(model, tl.nn.CrossEntropyLoss(), DataLoader(X, y, batch_size=60))
    >>> 0.0 <= accuracy <= 1.0
    True
    """
    was_training = model.training
    model.eval()
    totals = _Totals()
    try:
        with no_grad():
            for X, y in loader:
                scores = model(X)
                totals.add(loss_fn(scores, y).item(), scores, y, len(X))
    finally:
        model.train(was_training)
    return totals.means("evaluate", "loader")


def relu_inputs(output: Tensor) -> list[np.ndarray]:
    """The input array of every ``ReLU`` op in the graph that produced ``output``.

    The graph is walked with an explicit stack (no recursion), from ``output`` back to the
    leaves, always in the same order for the same model, so the k-th array of one batch
    belongs to the same layer as the k-th array of the next.

    >>> from tinygrad_lite import Tensor, nn
    >>> from tinygrad_lite.train import relu_inputs
    >>> net = nn.MLP([2, 8, 8, 1])
    >>> [a.shape for a in relu_inputs(net(Tensor.zeros(5, 2)))]
    [(5, 8), (5, 8)]
    """
    found = []
    seen: set[int] = set()
    stack = [output.grad_fn] if output.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if isinstance(fn, ops.ReLU):
            found.append(fn.inputs[0].data)
        stack.extend(t.grad_fn for t in fn.inputs if t.grad_fn is not None)
    return found


class _EpochDiagnostics:
    """Collects gradient norms, update sizes and ReLU firing over one epoch's steps."""

    def __init__(self, named_params: list[tuple[str, Tensor]]) -> None:
        self.named_params = named_params
        self.grad_norms: dict[str, list[float]] = {name: [] for name, _ in named_params}
        self.update_sums = dict.fromkeys(self.grad_norms, 0.0)
        self.weight_sums = dict.fromkeys(self.grad_norms, 0.0)
        self.fired: dict[tuple[int, int], np.ndarray] = {}
        self.before: list[np.ndarray] = []

    def record_relus(self, scores: Tensor) -> None:
        for k, pre in enumerate(relu_inputs(scores)):
            units = pre.reshape(len(pre), -1) if pre.ndim >= 2 else pre.reshape(1, -1)
            fired = (units > 0).any(axis=0)
            key = (k, fired.size)
            self.fired[key] = self.fired[key] | fired if key in self.fired else fired

    def before_step(self) -> None:
        for name, p in self.named_params:
            if p.grad is not None:
                self.grad_norms[name].append(float(np.linalg.norm(p.grad.data)))
        self.before = [p.data.copy() for _, p in self.named_params]

    def after_step(self) -> None:
        for (name, p), w in zip(self.named_params, self.before, strict=True):
            self.update_sums[name] += float(np.linalg.norm(p.data - w))
            self.weight_sums[name] += float(np.linalg.norm(w))

    def write_to(self, history: History) -> None:
        for name in self.grad_norms:
            norms, weights = self.grad_norms[name], self.weight_sums[name]
            mean_norm = sum(norms) / len(norms) if norms else math.nan
            ratio = self.update_sums[name] / weights if weights > 0 else math.nan
            history.grad_norm.setdefault(name, []).append(mean_norm)
            history.update_ratio.setdefault(name, []).append(ratio)
        total = sum(f.size for f in self.fired.values())
        dead = sum(int((~f).sum()) for f in self.fired.values())
        history.dead_relu.append(dead / total if total else None)


def fit(
    model: Module,
    loss_fn: Callable[..., Tensor],
    optimizer: Optimizer,
    train_loader: Loader,
    epochs: int = 1,
    val_loader: Loader | None = None,
    progress: bool = True,
    diagnostics: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the ``History``.

    Each epoch calls ``model.train()`` before its training batches, then, with a
    ``val_loader``, runs the validation batches in ``model.eval()`` mode under ``no_grad()``
    (see ``evaluate``): layers such as ``nn.Dropout`` and ``nn.BatchNorm1d`` train with
    their random masks and batch statistics, and are validated without the masks and with
    the running statistics. The model is left in training mode.

    ``loss_fn(scores, labels)`` must return a scalar mean loss. The progress bar (tqdm, on
    stderr) shows only when stderr is a terminal, so logs and tests stay clean;
    ``progress=False`` turns it off everywhere. If the loss becomes NaN or infinite,
    training stops after that epoch with a ``RuntimeWarning`` (a sign that the learning
    rate is too large).

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.data import DataLoader
    >>> from tinygrad_lite.train import fit
    >>> _ = tl.manual_seed(0)
    >>> X, y = tl.datasets.spiral()
    >>> model = tl.nn.TwoLayerNet(2, 100, 3)
    >>> opt = tl.optim.Adam(model.parameters(), lr=0.01)
    >>> history = fit(model, tl.nn.CrossEntropyLoss(), opt, DataLoader(X, y, batch_size=300),
    ...               epochs=50, progress=False)
    >>> history.loss[-1] < history.loss[0]
    True
    """
    from tqdm import tqdm  # noqa: PLC0415 - only fit needs it

    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be an int >= 1, got {epochs!r}")
    history = History()
    named_params = list(model.named_parameters())
    bar = tqdm(
        range(epochs),
        desc="training",
        unit="epoch",
        disable=None if progress else True,
        file=sys.stderr,
    )
    for epoch in bar:
        tracker = _EpochDiagnostics(named_params) if diagnostics else None
        loss, accuracy = _train_one_epoch(model, loss_fn, optimizer, train_loader, tracker)
        history.loss.append(loss)
        history.accuracy.append(accuracy)
        if tracker is not None:
            tracker.write_to(history)
        postfix = {"loss": f"{loss:.4f}"}
        if val_loader is not None:
            val_loss, val_accuracy = evaluate(model, loss_fn, val_loader)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_accuracy)
            postfix["val_loss"] = f"{val_loss:.4f}"
        bar.set_postfix(postfix, refresh=False)
        if not math.isfinite(loss):
            warnings.warn(
                f"fit: the training loss became {loss} in epoch {epoch + 1}; training stopped "
                "(try a smaller learning rate)",
                RuntimeWarning,
                stacklevel=2,
            )
            break
    bar.close()
    return history


def _train_one_epoch(
    model: Module,
    loss_fn: Callable[..., Tensor],
    optimizer: Optimizer,
    loader: Loader,
    tracker: _EpochDiagnostics | None,
) -> tuple[float, float | None]:
    model.train()
    totals = _Totals()
    for X, y in loader:
        optimizer.zero_grad()
        scores = model(X)
        loss = loss_fn(scores, y)
        if tracker is not None:
            tracker.record_relus(scores)
        loss.backward()
        if tracker is not None:
            tracker.before_step()
        optimizer.step()
        if tracker is not None:
            tracker.after_step()
        totals.add(loss.item(), scores, y, len(X))
    return totals.means("fit", "training loader")
