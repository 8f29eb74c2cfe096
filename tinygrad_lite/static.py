"""Record a graph once, then replay it on new values: ``StaticGraph``, define-and-run.

The engine is define-by-run: every ``loss = ...`` builds a fresh graph (an op object and a
Tensor per op) and ``loss.backward()`` works out the order to walk it in. When a training
loop runs the same ops on batches of the same shape step after step, all of that comes out
the same every time. A ``StaticGraph`` does it once: it calls your function on example
inputs, records the graph, and from then on only runs the recorded ops' own ``forward`` and
``backward`` on arrays, in the order it worked out. That is define-and-run, the way Theano
and TensorFlow 1 worked: the same ops and the same numbers, minus the bookkeeping, which is
a large part of a step for a small network (see ``benchmarks/``).

    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite import nn
    >>> model = nn.Linear(3, 2)
    >>> step = tl.StaticGraph(lambda x, y: nn.functional.cross_entropy(model(x), y),
    ...                       np.zeros((4, 3), np.float32), np.array([0, 1, 0, 1]))
    >>> loss = step.run(np.ones((4, 3), np.float32), np.array([1, 1, 0, 0]))
    >>> model.weight.grad.shape     # backward ran too: every parameter has its gradient
    (3, 2)

What a replay sees anew: the values you pass to ``run`` (one per argument of your
function), and the current ``.data`` of every parameter and constant. What the recording
fixed: everything else. Shapes, Python numbers, which branch an ``if`` took, which
parameters get a gradient, and values read outside the graph (``svm_loss`` turns labels
into indices when it is called, so its labels cannot be fed; ``cross_entropy`` and
``mse_loss`` take them as graph inputs and can; give ``cross_entropy`` class indices or
integer one-hot rows: float inputs are recorded as if they needed a gradient, which labels
may not).

A replay runs no ``Tensor`` code: ``tl.detect_anomaly``, ``trace_backward`` and
``retain_grad`` do not see it (record and debug the loss the usual way first), and one
``StaticGraph`` is run by one thread at a time (ops such as ``CrossEntropy`` keep what
their backward needs between the two).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_lite.autograd import _accumulate_into, _wrong_count, enable_grad, sum_to_shape
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.trace import topological_order


class StaticGraph:
    """The graph of ``build(*inputs)``, recorded once from example inputs, run by ``run``.

    ``build`` takes Tensors and returns a loss with one value; ``example_inputs`` are one
    array per argument, of the shapes and dtypes every later ``run`` will pass (float inputs
    are recorded as if they required grad, so that ops applied to them alone are recorded
    too). ``run(*values)`` computes the loss for new values and, like ``loss.backward()``,
    adds each parameter's gradient into its ``.grad``. ``loss`` is the recorded graph
    (``tl.draw_graph(step.loss)`` draws it).

    >>> import numpy as np
    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0, 2.0], requires_grad=True)
    >>> step = tl.StaticGraph(lambda x: (x * w).sum(), np.zeros(2, np.float32))
    >>> loss = step.run(np.array([3.0, 4.0], np.float32))
    >>> loss.item(), w.grad.tolist()
    (11.0, [3.0, 4.0])
    """

    def __init__(self, build: Callable[..., Tensor], *example_inputs: Any) -> None:
        if not callable(build):
            raise TypeError(
                f"StaticGraph: build must be a function of the inputs that returns the loss, "
                f"got {type(build).__name__}; e.g. StaticGraph(lambda x, y: "
                "F.cross_entropy(model(x), y), x_example, y_example)"
            )
        if not example_inputs:
            raise ValueError(
                "StaticGraph: no example inputs; pass one example array per argument of "
                "build, of the shape and dtype every run will have"
            )
        self.inputs = [_placeholder(value) for value in example_inputs]
        with enable_grad():
            loss = build(*self.inputs)
        if not isinstance(loss, Tensor) or loss.data.size != 1:
            what = f"shape {loss.shape}" if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(
                f"StaticGraph: build must return the loss, a Tensor with one value; got {what} "
                "(reduce it first, e.g. with .mean())"
            )
        if loss.grad_fn is None:
            raise ValueError(
                "StaticGraph: the loss records no op: it is a constant; compute it from the "
                "inputs and the parameters with Tensor operations inside build"
            )
        self.loss = loss
        order = topological_order(loss)  # inputs before the tensors made from them
        position = {t: i for i, t in enumerate(order)}  # a Tensor hashes by identity
        for k, t in enumerate(self.inputs):
            if t not in position:
                raise ValueError(
                    f"StaticGraph: input {k} does not reach the loss through any recorded op: "
                    "build does not use it, or reads its values only when the graph is "
                    "recorded (svm_loss, for one, turns labels into indices then), so a "
                    "replay could not change them; use a loss that takes it as a graph input "
                    "(cross_entropy, mse_loss)"
                )

        # Only a tensor that leads back to a parameter needs a gradient. Each op's
        # needs_grad() reads its inputs' flags, so they are set to say exactly that.
        placeholders = set(self.inputs)
        needs = []
        for t in order:
            if t.grad_fn is None:
                need = t._requires_grad and t not in placeholders
            else:
                need = any(needs[position[p]] for p in t.grad_fn.inputs)
            needs.append(need)
            t._requires_grad = need

        self._size = len(order)
        self._root = position[loss]
        self._fed = [(position[t], t.data.shape, t.data.dtype) for t in self.inputs]
        self._leaves = [
            (i, t) for i, t in enumerate(order) if t.grad_fn is None and t not in placeholders
        ]
        self._params = [(i, t) for i, t in self._leaves if needs[i]]
        # (output position, op, input positions, input check) with every input first
        self._ops = [
            (i, t.grad_fn, tuple(position[p] for p in t.grad_fn.inputs), t.grad_fn.check_inputs)
            for i, t in enumerate(order)
            if t.grad_fn is not None
        ]
        self._backward_ops = [
            (i, fn, inputs, tuple(needs[j] for j in inputs))
            for i, fn, inputs, _ in self._ops
            if needs[i]
        ]

    def run(self, *values: Any, backward: bool = True) -> Tensor:
        """The loss for these input values (a Tensor with no graph); with ``backward`` (the
        default) each parameter's gradient is also added into its ``.grad``."""
        if len(values) != len(self._fed):
            raise TypeError(
                f"StaticGraph.run: expected {len(self._fed)} value(s), one per argument of "
                f"build, got {len(values)}"
            )
        v: list[Any] = [None] * self._size  # the value of every tensor of the graph
        for k, (value, (i, shape, dtype)) in enumerate(zip(values, self._fed, strict=True)):
            v[i] = _fed_array(value, shape, dtype, k)
        for i, t in self._leaves:  # parameters and constants: their values right now
            v[i] = t.data
        for i, fn, inputs, check_inputs in self._ops:
            arrays = [v[j] for j in inputs]
            if check_inputs is not None:  # e.g. fed class labels in range
                check_inputs(*arrays)
            out = fn.forward(*arrays)
            v[i] = out if type(out) is np.ndarray else np.asarray(out)
        loss = v[self._root]
        if backward:
            self._backward(v)
        return Tensor._from_array(loss)

    def _backward(self, v: list[Any]) -> None:
        """The chain rule over the recorded ops, last op first, as ``loss.backward()``."""
        grads: list[Any] = [None] * self._size
        fresh = [False] * self._size  # True: nothing else holds grads[i] (it may become .grad)
        grads[self._root] = np.ones_like(v[self._root])
        for i, fn, inputs, needs in reversed(self._backward_ops):
            grad = grads[i]
            if grad is None:  # no path from the loss sent it anything
                continue
            input_grads = fn.backward(grad, *[v[j] for j in inputs], v[i])
            if len(inputs) == 1:
                input_grads = (input_grads,)
            if len(input_grads) != len(inputs):
                _wrong_count(fn, input_grads)
            for k, j in enumerate(inputs):  # (not zip(..., strict=False): see run_backward)
                g = input_grads[k]
                if not needs[k] or g is None:
                    continue
                new = fn.returns_new_arrays
                if g.shape != v[j].shape:
                    g = sum_to_shape(g, v[j].shape, fn.name)
                    new = True
                if grads[j] is None:
                    grads[j], fresh[j] = g, new
                else:  # fan-in adds up (into a new array: never change one handed out)
                    grads[j], fresh[j] = grads[j] + g, True
            grads[i] = v[i] = None  # every op that reads them has run its backward
        for i, param in self._params:
            if grads[i] is not None:
                _accumulate_into(param, grads[i], False, Tensor._from_array, fresh[i])

    def __repr__(self) -> str:
        counts = (len(self._ops), "op"), (len(self._fed), "input"), (len(self._params), "parameter")
        return "StaticGraph(" + ", ".join(f"{n} {w}{'s' * (n != 1)}" for n, w in counts) + ")"


def _placeholder(value: Any) -> Tensor:
    """A Tensor standing for one input while the graph is recorded."""
    t = Tensor(value)  # a copy of an array or of a Tensor's values
    t.requires_grad = t.data.dtype.kind == "f"  # records every op on it, even alone
    return t


def _fed_array(value: Any, shape: tuple[int, ...], dtype: np.dtype, k: int) -> np.ndarray:
    """``value`` as an array of the recorded shape and dtype, or a clear error."""
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.shape != shape:
        raise ValueError(
            f"StaticGraph.run: input {k} has shape {array.shape}, but the graph was recorded "
            f"for shape {shape}; record another StaticGraph for this shape (for a smaller "
            "last batch, or skip it: DataLoader(..., drop_last=True))"
        )
    if array.dtype != dtype:
        if not np.can_cast(array.dtype, dtype, "same_kind"):
            raise TypeError(
                f"StaticGraph.run: input {k} has dtype {array.dtype}, but the graph was "
                f"recorded with {dtype}; convert it, e.g. value.astype(np.{dtype})"
            )
        array = array.astype(dtype)  # e.g. a float64 batch into a float32 graph
    return array
