"""Loss modules: thin wrappers that keep the settings and call `nn.functional`.

>>> import numpy as np
>>> from tinygrad_lite import Tensor, nn
>>> loss_fn = nn.CrossEntropyLoss()
>>> round(loss_fn(Tensor([[0.0, 0.0, 0.0]]), np.array([2])).item(), 4)  # ln 3
1.0986
"""

from __future__ import annotations

from typing import Any

from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn.module import Module
from tinygrad_lite.tensor import Tensor


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error over all elements; see `nn.functional.mse_loss`.

    >>> from tinygrad_lite import Tensor, nn
    >>> nn.MSELoss()(Tensor([1.0, 2.0]), Tensor([0.0, 4.0])).item()   # (1 + 4) / 2
    2.5
    """

    def forward(self, pred: Tensor, target: Any) -> Tensor:
        return F.mse_loss(pred, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from raw scores; see `nn.functional.cross_entropy`.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor, nn
    >>> scores = Tensor(np.zeros((4, 3), np.float32))   # every class equally likely
    >>> round(nn.CrossEntropyLoss()(scores, np.array([0, 1, 2, 0])).item(), 4)   # ln 3
    1.0986
    """

    def forward(self, scores: Tensor, labels: Any) -> Tensor:
        return F.cross_entropy(scores, labels, self.reduction)


class _MarginLoss(_Loss):
    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def extra_repr(self) -> str:
        return f"margin={self.margin}, reduction={self.reduction!r}"


class SVMLoss(_MarginLoss):
    """Multiclass SVM loss, per sample `sum_{j != y} max(0, s_j - s_y + margin)`;
    see `nn.functional.svm_loss`.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor, nn
    >>> scores = Tensor([[3.2, 5.1, -1.7]])   # the correct class is 0
    >>> round(nn.SVMLoss()(scores, np.array([0])).item(), 2)   # max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1)
    2.9
    """

    def forward(self, scores: Tensor, labels: Any) -> Tensor:
        return F.svm_loss(scores, labels, self.margin, self.reduction)


class MultiMarginLoss(_MarginLoss):
    """PyTorch's multi-class hinge loss: the SVM loss divided by the number of classes;
    see `nn.functional.multi_margin_loss`.

    >>> import numpy as np
    >>> from tinygrad_lite import Tensor, nn
    >>> scores = Tensor([[3.2, 5.1, -1.7]])
    >>> round(nn.MultiMarginLoss()(scores, np.array([0])).item(), 4)   # the SVM loss / 3 classes
    0.9667
    """

    def forward(self, scores: Tensor, labels: Any) -> Tensor:
        return F.multi_margin_loss(scores, labels, self.margin, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (a sigmoid's output) against 0/1 targets of the
    same shape; see `nn.functional.binary_cross_entropy`.

    >>> from tinygrad_lite import Tensor, nn
    >>> loss = nn.BCELoss()(Tensor([0.5, 0.5]), [1.0, 0.0])  # -log(0.5) for each
    >>> round(loss.item(), 4)
    0.6931
    """

    def forward(self, probs: Tensor, targets: Any) -> Tensor:
        return F.binary_cross_entropy(probs, targets, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of `sigmoid(logits)`, computed stably from the logits; see
    `nn.functional.binary_cross_entropy_with_logits`.

    >>> from tinygrad_lite import Tensor, nn
    >>> logits = Tensor([0.0, 0.0], requires_grad=True)
    >>> loss = nn.BCEWithLogitsLoss()(logits, [1.0, 0.0])
    >>> round(loss.item(), 4)
    0.6931
    >>> loss.backward()
    >>> logits.grad.tolist()  # (sigmoid(z) - t) / N
    [-0.25, 0.25]
    """

    def forward(self, logits: Tensor, targets: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(logits, targets, self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices under log-probabilities (a `log_softmax`);
    see `nn.functional.nll_loss`.

    >>> from tinygrad_lite import Tensor, nn
    >>> log_probs = Tensor([[-0.1, -2.0], [-3.0, -0.05]])
    >>> round(nn.NLLLoss()(log_probs, [0, 1]).item(), 4)  # (0.1 + 0.05) / 2
    0.075
    """

    def forward(self, log_probs: Tensor, labels: Any) -> Tensor:
        return F.nll_loss(log_probs, labels, self.reduction)
