"""Write your own op: ``forward`` on arrays, ``backward`` on Tensors, checked when registered.

A new op needs two things: its value and its local derivative. Write them as a small class
and decorate it with :func:`custom_op`::

    import numpy as np
    import tinygrad_lite as tl

    @tl.custom_op
    class Softplus:
        '''d softplus(x)/dx = sigmoid(x)'''

        def forward(self, x):                 # NumPy arrays in, an array out
            return np.logaddexp(0.0, x)       # log(1 + exp(x)) without overflow

        def backward(self, grad, x, out):     # Tensors in: write it with Tensor operations
            return grad * x.sigmoid()

    y = Softplus.apply(x)                     # a Tensor; the graph shows a "Softplus" node

``backward`` receives the upstream gradient, the inputs and the output as Tensors and
returns one gradient per input (a tuple for several inputs, ``None`` for one that needs
none). Because it uses Tensor operations, ``create_graph=True`` records it like any other
computation, so second derivatives of the new op work too.

Registering checks the op: on a few random inputs (from the library generator) it compares
``backward`` with central differences (``gradcheck``, first order) and the derivative of
``backward`` with differences of the gradient (``gradgradcheck``, second order), and raises
``GradcheckError`` saying which order, which input, the worst element and both values.
A backward that computes with ``x.data`` (NumPy) passes the first check and fails the
second: the recorded graph cannot see through arrays.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Function, no_grad
from tinygrad_lite.gradcheck import GradcheckError, gradcheck
from tinygrad_lite.higher_order import gradgradcheck
from tinygrad_lite.random import generator
from tinygrad_lite.tensor import Tensor, apply


class CustomFunction(Function):
    """Connects a user's op class to the engine: arrays to ``forward``, Tensors to ``backward``."""

    __slots__ = ("op",)

    def __init__(self, op: Any) -> None:
        self.op = op

    @property
    def name(self) -> str:
        return type(self.op).__name__

    def describe_local(self) -> str:
        """The first line of the op class's docstring (its local derivative, by convention)."""
        return (type(self.op).__doc__ or self.name).strip().splitlines()[0]

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        out = np.asarray(self.op.forward(*arrays))
        floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
        if floats and out.dtype.kind == "f":
            out = out.astype(np.result_type(*floats), copy=False)  # no float64 leaking in
        return out

    def backward(self, grad: Any, *values: Any) -> Any:
        if isinstance(grad, Tensor):  # create_graph=True: the Tensors are part of the graph
            return self._checked(self.op.backward(grad, *values))
        with no_grad():  # the usual fast path: wrap the arrays, record nothing
            result = self._checked(
                self.op.backward(*[Tensor._from_array(v) for v in (grad, *values)])
            )
        if len(self.inputs) == 1:
            return _array_or_none(result)
        return tuple(_array_or_none(g) for g in result)

    def _checked(self, result: Any) -> Any:
        n = len(self.inputs)
        count = len(result) if isinstance(result, tuple | list) else 1
        if count != n:
            raise ValueError(
                f"{self.name}.backward returned {count} gradient(s) for {n} input(s); return "
                "one gradient per input (a tuple when there are several, None for an input "
                "that needs none)"
            )
        return result


def _array_or_none(g: Any) -> np.ndarray | None:
    if g is None:
        return None
    return g.data if isinstance(g, Tensor) else np.asarray(g)


def _input_names(cls: type) -> list[str]:
    forward = getattr(cls, "forward", None)
    backward = getattr(cls, "backward", None)
    if not callable(forward) or not callable(backward):
        raise TypeError(
            f"custom_op: {cls.__name__} must define forward(self, *arrays) and "
            "backward(self, grad, *inputs, out)"
        )
    params = list(inspect.signature(forward).parameters.values())[1:]  # drop self
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        return []
    return [p.name for p in params]


def custom_op(
    cls: type | None = None,
    *,
    shapes: Sequence[tuple[int, ...]] | None = None,
    low: float = -2.0,
    high: float = 2.0,
    n_checks: int = 3,
    check: bool = True,
) -> Any:
    """Register an op class (``forward`` and ``backward``) and check its derivatives.

    Adds ``cls.apply(*inputs, **params)``, which builds ``cls(**params)`` and records it in
    the graph. Unless ``check=False``, first runs ``n_checks`` rounds of ``gradcheck`` and
    ``gradgradcheck`` on inputs drawn uniformly from ``[low, high)`` with the given
    ``shapes`` (default ``(2, 3)`` for every input of ``forward``), with a random upstream
    gradient; a wrong backward raises ``GradcheckError``. The check builds ``cls()``, so give
    constructor parameters defaults. Use as ``@custom_op`` or ``@custom_op(low=0.1, ...)``.

    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> @tl.custom_op
    ... class Cube(tl.autograd.Function):
    ...     '''d(x**3)/dx = 3 x**2'''
    ...     def forward(self, x):
    ...         return x**3
    ...     def backward(self, grad, x, out):
    ...         return grad * 3 * x * x
    >>> x = tl.Tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad.item()
    12.0
    """
    if cls is None:
        return lambda c: custom_op(
            c, shapes=shapes, low=low, high=high, n_checks=n_checks, check=check
        )
    names = _input_names(cls)
    if shapes is None:
        if not names:
            raise TypeError(
                f"custom_op: {cls.__name__}.forward takes *args, so the number of inputs is "
                "unknown; pass shapes=[...] with one shape per input"
            )
        shapes = [(2, 3)] * len(names)
    if not low < high:
        raise ValueError(f"custom_op: needs low < high, got low={low}, high={high}")

    def apply_op(*inputs: Any, **params: Any) -> Tensor:
        tensors = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        return apply(CustomFunction(cls(**params)), *tensors)

    apply_op.__doc__ = f"Apply the custom op {cls.__name__} to Tensors (see custom_op)."
    cls.apply = staticmethod(apply_op)
    if check:
        names = names or [f"input {i}" for i in range(len(shapes))]
        for draw in range(n_checks):
            _check_once(cls.__name__, apply_op, [tuple(s) for s in shapes], low, high, names, draw)
    return cls


def _check_once(
    name: str,
    op: Callable[..., Tensor],
    shapes: list[tuple[int, ...]],
    low: float,
    high: float,
    names: list[str],
    draw: int,
) -> None:
    """gradcheck and gradgradcheck of ``sum(w * op(inputs))`` on one random draw."""
    arrays = [generator().uniform(low, high, shape) for shape in shapes]
    out_shape = op(*[Tensor(a, dtype=np.float64) for a in arrays]).shape
    upstream = generator().standard_normal(out_shape)  # all-ones would hide permuted gradients

    def loss(*xs: Tensor) -> Tensor:
        return (op(*xs) * upstream).sum()

    for order, checker in (("first", gradcheck), ("second", gradgradcheck)):
        try:
            checker(loss, *arrays)
        except GradcheckError as error:
            drawn = "; ".join(
                f"input {i} ({n}) = {np.round(a, 4).tolist()}"
                for i, (n, a) in enumerate(zip(names, arrays, strict=True))
            )
            raise GradcheckError(
                f"custom op {name}: backward is wrong at {order} order (check {draw + 1}, "
                f"inputs drawn uniformly from [{low}, {high})).\n  {error}\n  Inputs: {drawn}"
                + (
                    "\n  Hint: first order passed, so backward computes the right values but "
                    "not as a graph: use Tensor operations on x, grad and out, not .data or "
                    "NumPy functions, so create_graph=True can differentiate them."
                    if order == "second"
                    else ""
                )
            ) from None
