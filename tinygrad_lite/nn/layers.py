"""Layers: the affine layer `Linear`, the activation layers and `Flatten`.

>>> import tinygrad_lite as tl
>>> from tinygrad_lite import nn
>>> layer = nn.Linear(2, 3)
>>> layer.weight.shape, layer.bias.shape
((2, 3), (3,))
>>> layer(tl.Tensor.ones(5, 2)).shape
(5, 3)
"""

from __future__ import annotations

from collections.abc import Callable

from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn.init import INITIALIZERS
from tinygrad_lite.nn.module import Module
from tinygrad_lite.tensor import Tensor


class Linear(Module):
    """Affine layer `y = x @ W + b`, with `W` of shape `(in_features, out_features)` and
    `b` of shape `(out_features,)` (PyTorch stores the transpose of W).

    `init` sets W: "he" (default, for ReLU nets), "xavier", "lecun", "zeros", or a
    function called on the weight Tensor that fills it in place (see `nn.init`). The bias
    starts at zero. Parameters are created in `tinygrad_lite.get_default_dtype()`.

    Gradients, for an upstream gradient G = dL/dy: dL/dW = x^T G, dL/db = sum of G over
    the batch, dL/dx = G W^T.

    >>> from tinygrad_lite import Tensor, nn
    >>> layer = nn.Linear(3, 2)
    >>> layer.weight.shape, layer.bias.shape
    ((3, 2), (2,))
    >>> layer(Tensor.ones(4, 3)).shape
    (4, 2)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str | Callable[[Tensor], object] = "he",
    ) -> None:
        super().__init__()
        for what, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int) or isinstance(n, bool):
                raise TypeError(f"Linear: {what} must be an int, got {n!r}; e.g. Linear(2, 100)")
            if n < 1:
                raise ValueError(f"Linear: {what} must be a positive int, got {n}")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Tensor.zeros(in_features, out_features, requires_grad=True)
        _initializer(init)(self.weight)
        self.bias = Tensor.zeros(out_features, requires_grad=True) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{self._label()} expected a Tensor, got {type(x).__name__}; wrap it: Tensor(x)"
            )
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self._label()} expected input with {self.in_features} features, "
                f"got shape {x.shape}; the last axis holds the features: feed shape "
                f"(N, {self.in_features}), or change the layer's in_features to match the data"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}" + (
            "" if self.bias is not None else ", bias=False"
        )


def _initializer(init: str | Callable[[Tensor], object]) -> Callable[[Tensor], object]:
    if callable(init):
        return init
    if not isinstance(init, str):
        raise TypeError(f"Linear: init must be a name or a function, got {type(init).__name__}")
    if init not in INITIALIZERS:
        raise ValueError(
            f"Linear: unknown init {init!r}; choose one of {', '.join(INITIALIZERS)} "
            "or pass a function that fills the weight in place"
        )
    return INITIALIZERS[init]


class ReLU(Module):
    """`max(0, x)` elementwise; gradient 1 where x > 0, else 0.

    >>> from tinygrad_lite import Tensor, nn
    >>> nn.ReLU()(Tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Identity(Module):
    """Returns its input (recorded as an op, so it shows in the graph); gradient 1.

    >>> from tinygrad_lite import Tensor, nn
    >>> nn.Identity()(Tensor([-1.0, 2.0])).tolist()
    [-1.0, 2.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return x.identity()


class Sigmoid(Module):
    """`1 / (1 + exp(-x))` elementwise; gradient `y (1 - y)`.

    >>> from tinygrad_lite import Tensor, nn
    >>> nn.Sigmoid()(Tensor([0.0])).tolist()
    [0.5]
    """

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    """`tanh(x)` elementwise; gradient `1 - y^2`.

    >>> from tinygrad_lite import Tensor, nn
    >>> nn.Tanh()(Tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Softmax(Module):
    """`exp(x_i) / sum_j exp(x_j)` along `axis` (default the last).

    >>> from tinygrad_lite import Tensor, nn
    >>> nn.Softmax()(Tensor([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LeakyReLU(Module):
    """`x` where x > 0, else `negative_slope * x`; gradient 1 or `negative_slope`, so a unit
    that is switched off still passes a little gradient. See `nn.functional.leaky_relu`.

    >>> from tinygrad_lite import Tensor, nn
    >>> [round(v, 4) for v in nn.LeakyReLU(0.1)(Tensor([-2.0, 3.0])).tolist()]
    [-0.2, 3.0]
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """`x` where x > 0, else `alpha * (exp(x) - 1)`; gradient 1, or `alpha * exp(x)`: smooth
    for alpha = 1, and negative outputs pull the mean activation towards 0.
    See `nn.functional.elu`.

    >>> from tinygrad_lite import Tensor, nn
    >>> [round(v, 4) for v in nn.ELU()(Tensor([-1.0, 2.0])).tolist()]  # exp(-1) - 1
    [-0.6321, 2.0]
    """

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """`log(1 + exp(x))`, a smooth ReLU; gradient `sigmoid(x)`. See `nn.functional.softplus`.

    >>> from tinygrad_lite import Tensor, nn
    >>> [round(v, 4) for v in nn.Softplus()(Tensor([0.0, 10.0])).tolist()]  # log 2; about x
    [0.6931, 10.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x)


class SiLU(Module):
    """`x * sigmoid(x)` (also called swish); gradient `s + x s (1 - s)` with s = sigmoid(x).
    See `nn.functional.silu`.

    >>> from tinygrad_lite import Tensor, nn
    >>> [round(v, 4) for v in nn.SiLU()(Tensor([-1.0, 0.0, 1.0])).tolist()]
    [-0.2689, 0.0, 0.7311]
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class GELU(Module):
    """`x * Phi(x)`, Phi the standard normal CDF, in its tanh approximation
    `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, the only form offered (the exact one
    needs erf, which NumPy lacks). See `nn.functional.gelu`.

    >>> from tinygrad_lite import Tensor, nn
    >>> [round(v, 4) for v in nn.GELU()(Tensor([-1.0, 0.0, 1.0])).tolist()]
    [-0.1588, 0.0, 0.8412]
    """

    def __init__(self, approximate: str = "tanh") -> None:
        super().__init__()
        if approximate != "tanh":
            raise ValueError(
                f"GELU: approximate={approximate!r} is not available; only the tanh form is "
                "(the exact GELU needs erf, which NumPy does not have): use GELU() or "
                'GELU(approximate="tanh")'
            )
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Flatten(Module):
    """Merges the axes `start_axis` to `end_axis` (both included) into one: with the defaults,
    a batch `(N, d1, d2, ...)` becomes `(N, d1 * d2 * ...)`, ready for a `Linear`. Gradient:
    the upstream gradient reshaped back.

    >>> from tinygrad_lite import Tensor, nn
    >>> nn.Flatten()(Tensor.zeros(8, 2, 3)).shape
    (8, 6)
    """

    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        for what, axis in (("start_axis", start_axis), ("end_axis", end_axis)):
            if isinstance(axis, bool) or not isinstance(axis, int):
                raise TypeError(f"Flatten: {what} must be an int, got {axis!r}; e.g. Flatten(1)")
        self.start_axis = start_axis
        self.end_axis = end_axis

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_axis, self.end_axis)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "identity": Identity,
}
"""The activation names `TwoLayerNet` and `MLP` accept."""


def activation(name: str, owner: str = "nn.layers.activation") -> Module:
    """A new activation layer from its name: "relu", "sigmoid", "tanh" or "identity";
    `owner` (the model being built) is named in the error for an unknown name."""
    if name not in ACTIVATIONS:
        raise ValueError(
            f"{owner}: unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    return ACTIVATIONS[name]()
