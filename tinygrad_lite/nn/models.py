"""Ready-made networks: `TwoLayerNet` (the seeds' workhorse) and `MLP` (any depth).

>>> import tinygrad_lite as tl
>>> from tinygrad_lite import nn
>>> net = nn.TwoLayerNet(2, 100, 3)          # spiral: 2 features, 3 classes
>>> net(tl.Tensor.zeros(5, 2)).shape          # raw class scores
(5, 3)
>>> nn.MLP([784, 100, 100, 10], activation="tanh").fc3
Linear(100, 10)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

from tinygrad_lite.nn import layers
from tinygrad_lite.nn.layers import Linear
from tinygrad_lite.nn.module import Module
from tinygrad_lite.tensor import Tensor

Init = str | Callable[[Tensor], object]


class TwoLayerNet(Module):
    """`scores = act(x @ W1 + b1) @ W2 + b2`: `fc1` (Linear) -> `act` -> `fc2` (Linear).

    The output is left as raw scores (identity output): pair it with `CrossEntropyLoss`
    (or `SVMLoss`) for classification and with `MSELoss` for regression.

    >>> from tinygrad_lite import Tensor, nn
    >>> net = nn.TwoLayerNet(2, 100, 3)
    >>> net(Tensor.zeros(5, 2)).shape
    (5, 3)
    >>> net.fc1.weight.shape
    (2, 100)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        activation: str = "relu",
        init: Init = "he",
    ) -> None:
        super().__init__()
        self.fc1 = Linear(input_size, hidden_size, init=init)
        self.act = layers.activation(activation, "TwoLayerNet")
        self.fc2 = Linear(hidden_size, output_size, init=init)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class MLP(Module):
    """A stack of Linear layers with an activation between each pair and none after the
    last: `MLP([784, 100, 100, 10])` is fc1 -> act1 -> fc2 -> act2 -> fc3.

    >>> from tinygrad_lite import Tensor, nn
    >>> net = nn.MLP([2, 16, 16, 3])
    >>> net(Tensor.zeros(5, 2)).shape
    (5, 3)
    >>> [name for name, _ in net.named_parameters()][:2]
    ['fc1.weight', 'fc1.bias']
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", init: Init = "he") -> None:
        super().__init__()
        if isinstance(sizes, numbers.Integral):  # MLP(2, 64, 2), as TwoLayerNet(2, 100, 3)
            given = [sizes] + [a for a in (activation, init) if isinstance(a, numbers.Integral)]
            got = ", ".join(map(str, given))
            fix = given if len(given) >= 2 else [sizes, 64, 10]
            raise TypeError(
                f"MLP takes a list of sizes, input first and output last: MLP({fix}), not "
                f"MLP({got})"
            )
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes}")
        n_layers = len(sizes) - 1
        for i in range(1, n_layers + 1):
            setattr(self, f"fc{i}", Linear(sizes[i - 1], sizes[i], init=init))
            if i < n_layers:
                setattr(self, f"act{i}", layers.activation(activation, "MLP"))

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.children():
            x = layer(x)
        return x
