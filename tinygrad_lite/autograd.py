"""The graph machinery: the Function base class, the recording switch, and the backward pass.

Every op (``ops.py``) is a small :class:`Function` with a ``forward`` on NumPy arrays and a
``backward`` that maps the gradient of the output to one gradient per input: the chain rule,
one local derivative at a time. :func:`run_backward` visits the recorded ops in reverse
topological order, without recursion, so a graph may be as deep as memory allows.

This module knows nothing about ``Tensor``: it only reads the attributes every tensor has
(``data``, ``grad``, ``grad_fn``, ``_requires_grad``, ``retains_grad``), keeps a count in
``_consumers_left`` during a backward pass, and asks the caller for a function that wraps
arrays as tensors when the backward pass must itself be recorded.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

# ---------------------------------------------------------------- recording switch


class _Settings:
    """One thread's recording settings, read by every op (``apply``)."""

    __slots__ = ("anomaly", "grad_enabled", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()
        self.anomaly: Any = None  # the checker tl.detect_anomaly() installs (anomaly.py)


class _ThreadState(threading.local):
    """Per-thread settings: ``no_grad`` in one thread never switches off recording in another.

    They sit in a plain object (``_state.settings``) rather than on this thread-local one:
    each attribute read on a thread-local object looks up the thread's own dict first (26
    ns, against 5 on a plain object), and ``apply`` reads three settings per op. The
    properties read them for code that only looks (``_state.anomaly``).
    """

    def __init__(self) -> None:
        self.settings = _Settings()

    @property
    def grad_enabled(self) -> bool:
        return self.settings.grad_enabled

    @property
    def scope(self) -> tuple[str, ...]:
        return self.settings.scope

    @property
    def anomaly(self) -> Any:
        return self.settings.anomaly


_state = _ThreadState()


def is_grad_enabled() -> bool:
    """True when new ops are recorded into the graph (the default).

    >>> import tinygrad_lite as tl
    >>> with tl.no_grad():
    ...     print(tl.is_grad_enabled())
    False
    >>> tl.is_grad_enabled()
    True
    """
    return _state.settings.grad_enabled


@contextlib.contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    previous = _state.settings.grad_enabled
    _state.settings.grad_enabled = enabled
    try:
        yield
    finally:
        _state.settings.grad_enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Nothing computed inside ``with tl.no_grad():`` is recorded (evaluation, optimizer steps).

    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor([1.0, 2.0], requires_grad=True)
    >>> with tl.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """
    return _grad_mode(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Turn recording back on inside a ``no_grad`` block.

    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor(1.0, requires_grad=True)
    >>> with tl.no_grad():
    ...     with tl.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """
    return _grad_mode(True)


class module_scope:
    """Tag every op recorded inside with ``label`` (``nn.Module`` uses it: ``"fc1: Linear"``).

    ``draw_graph`` groups the ops of one module call into a labelled cluster. A small class
    rather than a generator: every module call enters it, and this is three times cheaper.
    """

    __slots__ = ("label", "previous")

    def __init__(self, label: str) -> None:
        self.label = label
        self.previous: tuple[str, ...] = ()

    def __enter__(self) -> None:
        self.previous = _state.settings.scope
        _state.settings.scope = (*self.previous, self.label)

    def __exit__(self, *exc_info: object) -> None:
        _state.settings.scope = self.previous


def current_scope() -> tuple[str, ...]:
    """The labels of the module calls active right now, outermost first."""
    return _state.settings.scope


# ---------------------------------------------------------------- the op base class


class Function:
    """One recorded op: its inputs and what its backward needs.

    Subclasses define::

        forward(self, *arrays) -> ndarray
        backward(self, grad, *inputs, out) -> one gradient per input

    ``backward`` receives the upstream gradient ``grad`` (dLoss/dout), the input values and the
    output value. Normally these are NumPy arrays; when the backward pass is recorded
    (``create_graph=True``) they are Tensors, so the same formula builds a graph that can be
    differentiated again. A one-input op returns one gradient, others a tuple (``None`` for an
    input that needs none). Gradients may keep a broadcast shape: the engine sums them back
    to each input's shape.

    ``elementwise = True`` marks an op whose output at i depends on its inputs at i alone.
    On single numbers (0-d values) such an op is handed NumPy scalars instead of 0-d arrays,
    forward and backward: NumPy computes on scalars several times faster, and a graph of
    single numbers (micrograd's examples) is made of these ops. Its ``forward`` and
    ``backward`` must take both (NumPy's operators and ufuncs do); the engine turns a scalar
    result back into an array for ``.data``.

    ``returns_new_arrays = True`` promises that ``backward`` always returns freshly computed
    arrays that nothing else holds, a different one per input (``grad * y``, not ``grad``
    itself or a view of it). The engine may then keep such an array as a ``.grad`` or add
    into it in place instead of copying. The default, False, is always safe.

    A one-input op may also define ``backward_in_place(grad, x, out)``: the same formula,
    written into ``grad`` and returning it. The engine calls it instead of ``backward`` when
    nothing but the backward pass holds ``grad``, which saves one gradient-sized array.

    An op whose inputs need checks the shapes alone cannot give (class labels in range) may
    define ``check_inputs(*arrays)``, raising a clear error. The function that records the
    op checks them up front; a ``StaticGraph`` replay, which calls no such function, calls
    ``check_inputs`` before each ``forward``.

    The graph fields ``inputs`` (the input Tensors), ``scope`` (the module labels) and
    ``freed`` are set when ``apply`` records the op. There is no ``__init__`` to set them
    earlier: an op object is made for every operation, recorded or not, and an ``__init__``
    call (with a subclass's ``super().__init__()``) cost 0.03 to 0.1 us per op, 3% of the
    small-net training step in the benchmarks. An op with settings of its own (an axis) stores
    them in its ``__init__``.
    """

    __slots__ = ("freed", "inputs", "scope")
    elementwise = False  # True: out[i] depends on the inputs' elements at i alone (broadcast)
    returns_new_arrays = False
    backward_in_place: Callable[..., Any] | None = None
    check_inputs: Callable[..., None] | None = None
    inputs: tuple[Any, ...]  # set by apply() when it records the op, with scope and freed
    scope: tuple[str, ...]
    freed: bool

    @property
    def name(self) -> str:
        """The op's name as graphs show it, e.g. ``"MatMul"``."""
        return type(self).__name__

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{self.name} must define forward(self, *arrays)")

    def backward(self, grad: Any, *values: Any) -> Any:
        raise NotImplementedError(f"{self.name} must define backward(self, grad, *inputs, out)")

    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (lets backward skip work nobody reads)."""
        return self.inputs[i]._requires_grad

    def release(self) -> None:
        """Drop what forward saved for backward; the inputs stay, so the graph can be drawn.

        Ops that save extra arrays on ``self`` extend this to free them.
        """
        self.freed = True

    def __repr__(self) -> str:
        return f"<{self.name}>"


# ---------------------------------------------------------------- the backward pass


def sum_to_shape(grad: Any, shape: tuple[int, ...], op_name: str) -> Any:
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched.

    If ``x`` of shape (3,) was broadcast to (2, 3), every element of ``x`` was used twice, so
    its gradient is the sum over the new leading axis.
    """
    gshape = grad.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise ValueError(
            f"{op_name}.backward returned a gradient of shape {gshape} for an input of shape "
            f"{shape}; a gradient must have the input's shape or a broadcast of it"
        )
    if 1 not in shape:  # only leading axes were added (a bias): one sum, nothing to reshape
        grad = grad.sum(axis=tuple(range(lead)))
    else:
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1
        )
        if axes:
            grad = grad.sum(axis=axes, keepdims=True)
        if lead:
            grad = grad.reshape(shape)
    if grad.shape != shape:
        raise ValueError(
            f"{op_name}.backward returned a gradient of shape {gshape}, which does not reduce "
            f"to its input's shape {shape}"
        )
    return grad


def _count_consumers(root: Any) -> None:
    """Count, for every tensor that needs a gradient, how many ops of the graph consume it.

    The count goes on the tensor itself (``tensor._consumers_left``, 0 outside a backward
    pass): a tensor is ready for its own backward once all its consumers have sent their
    gradient (Kahn's topological order). An explicit stack replaces recursion.
    """
    stack = [root]
    while stack:
        fn = stack.pop().grad_fn
        if fn is None:
            continue
        if fn.freed:
            raise RuntimeError(
                f"backward through the graph a second time: the values {fn.name} saved for "
                "backward were freed when an earlier backward pass through it finished. Pass "
                "retain_graph=True to the first backward() if you need to run backward twice."
            )
        for parent in fn.inputs:
            if parent._requires_grad:
                if parent._consumers_left == 0:  # first time seen
                    parent._grad_sum = None  # the plain loop sums its gradients here
                    parent._owns_grad_sum = False
                    if parent.grad_fn is not None:  # walk on through it (a leaf ends the path)
                        stack.append(parent)
                parent._consumers_left += 1


def _reset_counts(root: Any) -> None:
    """Set every count back to 0 after a backward pass that stopped with an error."""
    seen = {root}
    stack = [root]
    while stack:
        tensor = stack.pop()
        tensor._consumers_left = 0
        tensor._grad_sum = None
        if tensor.grad_fn is not None:
            for parent in tensor.grad_fn.inputs:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)


def run_backward(
    root: Any,
    gradient: Any,
    *,
    retain_graph: bool,
    create_graph: bool,
    wrap: Callable[[np.ndarray], Any],
    inputs: Sequence[Any] | None = None,
    on_step: Callable[[Any, Function, Any, tuple[Any, ...]], None] | None = None,
    keep_all_grads: bool = False,
) -> tuple[Any, ...] | None:
    """Apply the chain rule from ``root`` back to every tensor that requires grad.

    ``gradient`` is dRoot/dRoot (an array, or a Tensor when ``create_graph``). ``wrap`` turns
    an array into a Tensor (used to store ``.grad``). With ``inputs`` the gradients of those
    tensors are returned and no ``.grad`` is touched; otherwise gradients accumulate into the
    ``.grad`` of leaves (and of tensors that called ``retain_grad()``). ``on_step`` sees every
    op as it runs: ``on_step(out, fn, upstream, input_grads)``.

    The algorithm, without the bookkeeping that makes it fast::

        grads = {root: gradient}
        for tensor in reverse topological order:   # a tensor comes after all its consumers
            grad = grads.pop(tensor)
            if tensor is a leaf:
                tensor.grad += grad                # (done once the whole pass has run)
            else:                                  # the chain rule, one op at a time
                fn = tensor.grad_fn
                for parent, g in zip(fn.inputs, fn.backward(grad, *fn.inputs, tensor)):
                    grads[parent] += sum_to_shape(g, parent.shape)   # fan-in adds up
    """
    # The usual loss.backward(): nothing watches the steps, nothing is recorded.
    plain = (
        inputs is None
        and on_step is None
        and _state.settings.anomaly is None
        and not create_graph
        and not keep_all_grads
    )
    wanted = {t: i for i, t in enumerate(inputs)} if inputs is not None else None
    found: list[Any] = [None] * len(inputs) if inputs is not None else []
    # What the pass leaves behind, done only once it has run to the end: the gradients to add
    # into .grad, as (tensor, gradient, owned), and the ops whose saved values are released.
    # A pass that stops half-way (an op's backward raises, Ctrl-C) then changes nothing: no
    # partial gradient that a retry would count twice, no graph freed by a pass that failed.
    into_grad: list[tuple[Any, Any, bool]] = []
    ran: list[Function] = []
    # as `with _grad_mode(create_graph):`, minus its cost
    previous_mode = _state.settings.grad_enabled
    _state.settings.grad_enabled = create_graph
    try:
        # One backward pass at a time: two threads whose graphs share a tensor (a parameter)
        # would otherwise mix their counts on it and lose a gradient.
        with _backward_lock:
            try:
                _count_consumers(root)
                if plain:
                    _plain_backward_loop(root, gradient, into_grad, ran)
                else:
                    _backward_loop(
                        root, gradient, create_graph, wanted, found, on_step, keep_all_grads,
                        into_grad, ran,
                    )  # fmt: skip
            except BaseException:
                _reset_counts(root)  # a later backward must not see half-used counts
                raise
            for tensor, grad, owned in into_grad:
                _accumulate_into(tensor, grad, create_graph, wrap, owned)
            if not retain_graph:
                for fn in ran:
                    fn.release()
    finally:
        _state.settings.grad_enabled = previous_mode
    return tuple(found) if inputs is not None else None


# Reentrant: an op's backward may itself run a backward pass in the same thread (tl.grad).
_backward_lock = threading.RLock()


def _plain_backward_loop(
    root: Any, gradient: Any, into_grad: list[tuple[Any, Any, bool]], ran: list[Function]
) -> None:
    """The body of :func:`run_backward` for the usual ``loss.backward()``.

    Kahn's order: a tensor is popped from ``ready`` once every op that consumes it has sent
    its gradient (the counts were set by :func:`_count_consumers`). The gradients sent so far
    are summed on the tensor itself, in ``tensor._grad_sum`` (the ``grads`` dict of the plain
    algorithm above, without a dict lookup per edge), and dropped once it is popped.

    Gradient arrays that only this loop holds ("owned", ``tensor._owns_grad_sum``: an op's
    fresh result, or a sum made here) are reused: added into in place, written over by a
    one-input op's ``backward_in_place``, and kept as a leaf's ``.grad`` without a copy.

    The loop writes no ``.grad`` and frees nothing: it lists the gradients for ``.grad`` in
    ``into_grad`` and the ops it ran in ``ran``, for :func:`run_backward` to finish with.
    """
    root._grad_sum = gradient
    root._owns_grad_sum = False  # the seed may be the caller's array: never add into it
    ready = [root]
    while ready:
        tensor = ready.pop()
        grad, mine = tensor._grad_sum, tensor._owns_grad_sum
        tensor._grad_sum = None
        fn = tensor.grad_fn
        if grad is None:  # no path from the root sent it anything (e.g. only via a mask)
            if fn is not None:
                _release_parents(fn, ready)
            continue
        if fn is None:  # a leaf: every gradient it will get has arrived
            into_grad.append((tensor, grad, mine))
            continue
        if tensor.retains_grad:
            into_grad.append((tensor, grad, mine))
            mine = False  # it may become that tensor's .grad: never write into it

        # the chain rule: fn.backward(grad, *input arrays, output array)
        parents = fn.inputs
        n_inputs = len(parents)
        out = tensor.data
        scalars = not out.ndim and fn.elementwise
        if scalars:
            # Single numbers (a 0-d output, so 0-d inputs) go in as NumPy scalars, as in apply:
            # NumPy computes on them several times faster than on 0-d arrays.
            if n_inputs == 2:
                input_grads = fn.backward(grad, parents[0].data[()], parents[1].data[()], out[()])
            elif n_inputs == 1:
                input_grads = (fn.backward(grad, parents[0].data[()], out[()]),)
            else:
                input_grads = fn.backward(grad, *[t.data[()] for t in parents], out[()])
        elif n_inputs == 2:  # the usual ops are called without building a list
            input_grads = fn.backward(grad, parents[0].data, parents[1].data, out)
        elif n_inputs == 1:
            if mine and fn.backward_in_place is not None:
                input_grads = (fn.backward_in_place(grad, parents[0].data, out),)
            else:
                input_grads = (fn.backward(grad, parents[0].data, out),)
        elif n_inputs == 3:  # Linear: x, weight, bias
            x, weight, bias = parents
            input_grads = fn.backward(grad, x.data, weight.data, bias.data, out)
        else:
            input_grads = fn.backward(grad, *[t.data for t in parents], out)
        if len(input_grads) != n_inputs:
            _wrong_count(fn, input_grads)
        ran.append(fn)

        fresh = fn.returns_new_arrays
        # Indexing rather than zip(parents, input_grads, strict=False): zip called with a
        # keyword builds a dict each time, 0.1 us per op here (the count was checked above).
        for i, parent in enumerate(parents):
            if not parent._requires_grad:
                continue
            g = input_grads[i]
            if g is not None and scalars:  # a number for a number: nothing to reduce or reuse
                pending = parent._grad_sum
                parent._grad_sum = g if pending is None else pending + g
                parent._owns_grad_sum = False
            elif g is not None:
                new = fresh
                if g.shape != parent.data.shape:
                    g = sum_to_shape(g, parent.data.shape, fn.name)
                    new = True  # the sum is a new array
                pending = parent._grad_sum
                if pending is None:
                    parent._grad_sum = g  # owned if fresh (a NumPy scalar cannot be added into)
                    parent._owns_grad_sum = new and type(g) is np.ndarray
                elif parent._owns_grad_sum and g.dtype == pending.dtype:
                    pending += g  # in place: only this loop holds that array
                else:
                    total = pending + g  # a new array: never mutate a gradient handed out
                    parent._grad_sum = total
                    parent._owns_grad_sum = type(total) is np.ndarray
            parent._consumers_left -= 1
            if parent._consumers_left == 0:
                ready.append(parent)


def _backward_loop(
    root: Any,
    gradient: Any,
    create_graph: bool,
    wanted: dict[Any, int] | None,
    found: list[Any],
    on_step: Callable[[Any, Function, Any, tuple[Any, ...]], None] | None,
    keep_all_grads: bool,
    into_grad: list[tuple[Any, Any, bool]],
    ran: list[Function],
) -> None:
    """The body of :func:`run_backward` when something asks for more than ``.grad`` of leaves.

    The same order and the same sums as :func:`_plain_backward_loop`, plus: the gradients of
    ``wanted`` tensors are returned (``tl.grad``), ``on_step`` sees every op (``trace_backward``),
    the anomaly checker sees every gradient, and under ``create_graph`` the gradients are
    Tensors and every op's backward is itself recorded. Nothing here reuses an array in place.
    """
    grads: dict[Any, Any] = {root: gradient}
    ready = [root]
    anomaly = _state.settings.anomaly
    while ready:
        tensor = ready.pop()
        grad = grads.pop(tensor, None)
        fn = tensor.grad_fn
        if grad is None:
            if fn is not None:
                _release_parents(fn, ready)
            continue
        if wanted is not None:
            if tensor in wanted:
                found[wanted[tensor]] = grad
        elif fn is None or tensor.retains_grad or keep_all_grads:
            into_grad.append((tensor, grad, False))
        if fn is None:
            continue

        parents = fn.inputs  # Tensors under create_graph (the backward is recorded), else arrays
        if create_graph:
            input_grads = fn.backward(grad, *parents, tensor)
        else:
            input_grads = fn.backward(grad, *[t.data for t in parents], tensor.data)
        if len(parents) == 1:
            input_grads = (input_grads,)
        if len(input_grads) != len(parents):
            _wrong_count(fn, input_grads)
        if anomaly is not None:
            anomaly.after_backward(tensor, fn, grad, input_grads)
        ran.append(fn)

        reduced = []  # the input gradients, summed to each input's shape (what on_step sees)
        for parent, g in zip(parents, input_grads, strict=False):  # counted above
            if not parent._requires_grad:
                reduced.append(None)
                continue
            if g is not None:
                if g.shape != parent.data.shape:
                    g = sum_to_shape(g, parent.data.shape, fn.name)  # noqa: PLW2901
                grads[parent] = g if parent not in grads else grads[parent] + g
            reduced.append(g)
            parent._consumers_left -= 1
            if parent._consumers_left == 0:
                ready.append(parent)
        if on_step is not None:
            on_step(tensor, fn, grad, tuple(reduced))


def _wrong_count(fn: Function, input_grads: Any) -> None:
    raise ValueError(
        f"{fn.name}.backward returned {len(input_grads)} gradient(s) for {len(fn.inputs)} "
        "input(s); return one gradient per input (a tuple when there are several, None for an "
        "input that needs none)"
    )


def _release_parents(fn: Function, ready: list[Any]) -> None:
    """A tensor that received no gradient still counts as done for each of its parents."""
    for parent in fn.inputs:
        if parent._requires_grad:
            parent._consumers_left -= 1
            if parent._consumers_left == 0:
                ready.append(parent)


def _accumulate_into(
    tensor: Any, grad: Any, create_graph: bool, wrap: Callable, owned: bool = False
) -> None:
    """``tensor.grad += grad``, keeping ``.grad`` arrays unshared with anything else.

    ``owned``: nothing but the backward loop holds ``grad``, so it can be kept as it is.
    """
    if create_graph:
        # grad.identity() is a copy, recorded like any op: Add hands one gradient Tensor to both
        # of its inputs, and two tensors must not share one .grad.
        tensor.grad = grad.identity() if tensor.grad is None else tensor.grad + grad
        return
    if tensor.grad is None:
        if owned and grad.dtype == tensor.data.dtype:
            tensor.grad = wrap(grad)
            return
        # Copy: the same array may be handed to two inputs (Add sends grad to both sides).
        tensor.grad = wrap(np.array(grad, dtype=tensor.data.dtype))
    else:  # the sum keeps the tensor's dtype (a float64 gradient adds into a float32 .grad)
        total = (tensor.grad.data + grad).astype(tensor.data.dtype, copy=False)
        # NumPy gives a scalar for the sum of 0-d values: .grad.data must stay an array
        tensor.grad = wrap(total if type(total) is np.ndarray else np.asarray(total))
