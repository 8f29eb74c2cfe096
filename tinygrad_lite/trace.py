"""The backward pass as a transcript of the chain rule.

`trace_backward(root)` runs backprop and records every step: which op ran, the
upstream gradient it received, its local derivative, and the gradient it sent to
each input. `print(trace)` reads as the chain rule with numbers:

    gradient sent to an input = upstream gradient * local derivative

This module also holds the pieces `graph.py` shares with it: the walk over a
recorded graph (iterative, so any depth works), the labels of its tensors, and
the formatting of values.

>>> import numpy as np
>>> import tinygrad_lite as tl
>>> a = tl.Tensor(2.0, requires_grad=True, dtype=np.float64, name="a")
>>> b = tl.Tensor(3.0, requires_grad=True, dtype=np.float64, name="b")
>>> c = a * b
>>> c.name = "c"
>>> trace = tl.trace_backward(c)
>>> len(trace), trace[0].op
(1, 'Mul')
>>> [(g.label, float(g.gradient)) for g in trace[0].inputs]
[('a', 3.0), ('b', 2.0)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_lite.autograd import run_backward
from tinygrad_lite.tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_lite.autograd import Function

__all__ = ["InputGradient", "Step", "Trace", "trace_backward"]

SMALL = 16
"""Tensors with at most this many elements are shown in full; larger ones as a summary."""

# ---------------------------------------------------------------- formatting values


def format_number(x: Any) -> str:
    """Up to 4 decimals, trailing zeros dropped (``220``, ``2.2``, ``24.7041``)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x) + 0.0  # no "-0"
    if not np.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        return np.format_float_scientific(x, precision=3, trim="-")
    return np.format_float_positional(x, precision=4, unique=True, trim="-")


def summarize(a: np.ndarray) -> str:
    """``min … mean … max …`` of an array too large to show in full."""
    if a.size == 0:
        return "empty"
    with np.errstate(all="ignore"):
        stats = (a.min(), a.mean(), a.max())
    return "min {} mean {} max {}".format(*map(format_number, stats))


def format_array(a: Any) -> str:
    """A scalar as a number, a small array in full on one line, a large one summarized."""
    a = np.asarray(a)
    if a.ndim == 0:
        return format_number(a)
    if a.size > SMALL:
        return f"shape {a.shape}: {summarize(a)}"
    text = np.array2string(
        a, separator=", ", formatter={"all": format_number}, max_line_width=10**6
    )
    return " ".join(text.split())


# ---------------------------------------------------------------- walking the graph


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor that `root` was computed from, inputs before the tensors made from them.

    An explicit stack instead of recursion, so a graph of any depth works: a tensor
    stays on the stack while its inputs are placed, then is placed itself.
    """
    order: list[Tensor] = []
    expanded: set[int] = set()
    placed: set[int] = set()
    stack = [root]
    while stack:
        tensor = stack[-1]
        key = id(tensor)
        if key in expanded:
            stack.pop()
            if key not in placed:
                placed.add(key)
                order.append(tensor)
            continue
        expanded.add(key)
        if tensor.grad_fn is not None:
            stack.extend(x for x in reversed(tensor.grad_fn.inputs) if id(x) not in expanded)
    return order


class Labels:
    """How the trace and the drawing name each tensor: its ``.name``; an unnamed scalar
    constant shows its value; any other unnamed tensor gets ``t1``, ``t2``, … in the
    order the forward pass made them. ``labels(tensor)`` returns the label."""

    def __init__(self, order: list[Tensor]):
        taken = {t.name for t in order if t.name}
        self._names: dict[int, str] = {}
        counter = 0
        for t in order:
            if t.name:
                self._names[id(t)] = str(t.name)
            elif t.grad_fn is not None or t.requires_grad or t.data.size != 1:
                counter += 1
                while f"t{counter}" in taken:
                    counter += 1
                self._names[id(t)] = f"t{counter}"

    def __call__(self, tensor: Tensor) -> str:
        name = self._names.get(id(tensor))
        return name if name is not None else format_number(tensor.data.reshape(()))


def describe_local(fn: Function, labels: Labels | None = None) -> str | None:
    """The op's local-derivative formula, written with its operands' names.

    The formula is ``fn.describe_local()`` or the first line of the op's docstring, which
    calls the inputs ``x`` and ``y`` (``Linear``: ``x``, ``W``, ``b``). For a recorded op
    they become the real operands' names, so ``w * x`` reads ``d(w*x)/dw = x``. An unnamed
    operand keeps the trace's label for it (``t1``) when ``labels`` is given, else it, like
    a constant, is called ``a``, ``b``, ... (never a name another operand has).
    """
    describe = getattr(fn, "describe_local", None)
    text = describe() if callable(describe) else None
    if not text:
        doc = type(fn).__doc__ or ""
        text = doc.strip().splitlines()[0].strip() if doc.strip() else None
    inputs = getattr(fn, "inputs", None)  # set only once the op is recorded
    if not text or not inputs:
        return text
    placeholders = _PLACEHOLDERS.get(fn.name, ("x", "y"))[: len(inputs)]
    names = dict(zip(placeholders, _operand_names(inputs, labels), strict=False))
    # A placeholder alone, or after the d of a derivative (dx, dx_i), never inside a word
    # (exp, max, index) or before a call's bracket.
    pattern = r"(?<![\w.])(d?)(" + "|".join(placeholders) + r")(?![A-Za-z0-9(])"

    def named(m: re.Match) -> str:
        name = names[m.group(2)]
        # in brackets where it could be misread, e.g. d(x*w+b)/d(x*w), but not as the sole
        # argument of a call (tanh(x*w + b), not tanh((x*w + b)))
        alone = text[m.start() - 1 : m.start()] == "(" and text[m.end() : m.end() + 1] in ",)"
        if m.group(1):
            return "d" + (name if name.isidentifier() else f"({name})")
        return name if alone or re.fullmatch(r"[\w.]+", name) else f"({name})"

    return re.sub(pattern, named, text)


# The names the formulas give the inputs of ops that do not call them x and y.
_PLACEHOLDERS = {"Linear": ("x", "W", "b"), "CrossEntropy": ("scores", "labels")}


def _operand_names(inputs: tuple[Tensor, ...], labels: Labels | None) -> list[str]:
    """Each input's name; for an unnamed one its trace label (``t1``, not for a constant
    shown by value) or the first free letter of ``a``, ``b``, ``c``..."""
    names: list[str | None] = []
    for t in inputs:
        label = labels._names.get(id(t)) if labels is not None else None
        names.append(str(t.name) if t.name else label)
    free = (c for c in "abcdefghijklmnopqrsuvwz" if c not in names)
    return [name if name else next(free) for name in names]


# ---------------------------------------------------------------- the trace


@dataclass(frozen=True)
class InputGradient:
    """What one backward step sent to one input of its op."""

    label: str
    gradient: np.ndarray | None
    """The gradient sent along this edge (``None``: no gradient flows, e.g. a constant)."""
    local: np.ndarray | None
    """The local derivative d(output)/d(input) as numbers, for elementwise ops on small
    tensors (so that ``upstream * local == gradient``); ``None`` where it is not cheap."""
    accumulated: bool
    """True when this input already had gradient from another consumer: the chain
    rule adds the contributions (``+=``)."""
    total: np.ndarray | None
    """The input's gradient so far, this contribution included."""
    tensor: Tensor = field(repr=False, compare=False)


@dataclass(frozen=True)
class Step:
    """One op's share of the backward pass."""

    op: str
    output: str
    upstream: np.ndarray
    formula: str | None
    inputs: tuple[InputGradient, ...]
    fn: Function = field(repr=False, compare=False)
    output_tensor: Tensor = field(repr=False, compare=False)


class Trace:
    """The steps of one backward pass, in the order they ran.

    ``len(trace)``, ``trace[i]`` and iteration give the `Step`\\ s; ``str(trace)``
    is the chain rule written out with the numbers of this pass.
    """

    def __init__(
        self,
        root: Tensor,
        seed: np.ndarray,
        steps: list[Step],
        order: list[Tensor],
        labels: Labels,
        accumulated: bool = True,
    ):
        self.root = root
        self.accumulated = accumulated
        """True when the pass added its gradients into ``.grad`` (``trace_backward``)."""
        self.seed = seed
        self.steps = steps
        self.order = order
        """Every tensor of the graph, in the order the forward pass made them."""
        self.labels = labels
        self.root_label = labels(root)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]

    def __repr__(self) -> str:
        return f"<Trace of {self.root_label}: {len(self.steps)} steps>"

    def gradients(self) -> dict[int, np.ndarray]:
        """The gradient each tensor received in this pass, keyed by ``id(tensor)``."""
        totals = {id(self.root): self.seed}
        for step in self.steps:
            totals.update((id(g.tensor), g.total) for g in step.inputs if g.total is not None)
        return totals

    def leaf_gradients(self) -> list[tuple[str, np.ndarray]]:
        """``(label, gradient)`` of every leaf that received gradient, in creation order."""
        totals = self.gradients()
        return [
            (self.labels(t), totals[id(t)])
            for t in self.order
            if t.grad_fn is None and id(t) in totals and t is not self.root
        ]

    def __str__(self) -> str:
        d = _derivative_notation(self.root_label)
        value, seed = format_array(self.root.data), format_array(self.seed)
        lines = [
            f"Backward pass of {self.root_label} = {value}, from {d(self.root_label)} = {seed}.",
            "At each op, the chain rule: gradient to an input = upstream gradient * local derivative.",
        ]
        for number, step in enumerate(self.steps, 1):
            lines += ["", f"[{number}] {step.op} -> {step.output}"]
            lines.append(f"    upstream  {d(step.output)} = {format_array(step.upstream)}")
            if step.formula:
                lines.append(f"    local     {step.formula}")
            lines += [f"    to {g.label}: {_describe_input(g, step, d)}" for g in step.inputs]
        leaves = self.leaf_gradients()
        if leaves:
            lines += ["", "Gradients of the leaves:"]
            lines += [f"    {d(label)} = {format_array(grad)}" for label, grad in leaves]
        if self.accumulated:
            root = self.root_label if self.root_label.isidentifier() else "the root"
            lines += [
                "",
                (
                    "This was the backward pass: the gradients above were added into .grad, "
                    f"as {root}.backward() does."
                ),
                (
                    f"Calling {root}.backward() as well would add them a second time "
                    "(doubled); call zero_grad() first to start over."
                ),
            ]
        return "\n".join(lines)


def _derivative_notation(root_label: str):
    """``d(label)`` → ``dg/da``; labels that are not plain names are bracketed."""

    def wrap(label: str) -> str:
        return label if label.isidentifier() else f"({label})"

    top = wrap(root_label)
    return lambda label: f"d{top}/d{wrap(label)}"


def _factor(a: np.ndarray) -> str:
    """A value as a factor of a product: negative numbers in brackets."""
    text = format_array(a)
    return f"({text})" if text.startswith("-") else text


def _describe_input(g: InputGradient, step: Step, d) -> str:
    if g.gradient is None:
        return "no gradient (it does not require grad)"
    sent = format_array(g.gradient)
    if g.local is not None:
        text = f"{d(g.label)} = {_factor(step.upstream)} * {_factor(g.local)} = {sent}"
    else:
        text = f"{d(g.label)} = {sent}"
    if g.accumulated:
        text += f"   (accumulates: {g.label} feeds more than one op; total so far "
        text += f"{format_array(g.total)})"
    return text


def _local_value(fn: Function, x: Tensor, out: Tensor, upstream, sent) -> np.ndarray | None:
    """d(out)/d(x) as numbers, where cheap and meaningful: ``sent / upstream`` for an
    elementwise op on a small tensor of the output's shape (or any op on scalars)."""
    if sent is None or out.data.size > SMALL:
        return None
    scalars = out.data.size == 1 and x.data.size == 1
    # Elementwise ops: out[i] depends on x[i] alone, so upstream * local = sent holds
    # element by element and the local derivative is a plain array of the output's shape.
    same_shape = x.shape == out.shape and fn.elementwise
    upstream = np.asarray(upstream)
    if not (scalars or same_shape) or not np.all(upstream != 0):
        return None
    local = np.asarray(sent) / upstream.reshape(np.shape(sent))
    return local.astype(x.data.dtype, copy=False)


class _Recorder:
    """The ``on_step`` callback: turns each backward step into a `Step`."""

    def __init__(self, labels: Labels):
        self.labels = labels
        self.totals: dict[int, np.ndarray] = {}
        self.steps: list[Step] = []

    def __call__(self, out: Tensor, fn: Function, upstream, input_grads) -> None:
        upstream = np.array(upstream, copy=True)
        inputs = []
        for x, raw in zip(fn.inputs, input_grads, strict=True):
            sent = None if raw is None else np.array(raw, copy=True)
            accumulated = False
            if sent is not None:
                accumulated = id(x) in self.totals
                previous = self.totals.get(id(x))
                self.totals[id(x)] = sent if previous is None else previous + sent
            inputs.append(
                InputGradient(
                    label=self.labels(x),
                    gradient=sent,
                    local=_local_value(fn, x, out, upstream, sent),
                    accumulated=accumulated,
                    total=self.totals.get(id(x)),
                    tensor=x,
                )
            )
        self.steps.append(
            Step(
                op=fn.name,
                output=self.labels(out),
                upstream=upstream,
                formula=describe_local(fn, self.labels),
                inputs=tuple(inputs),
                fn=fn,
                output_tensor=out,
            )
        )


def record_backward(root: Tensor, gradient=None, *, accumulate: bool = True) -> Trace:
    """Run the backward pass of `root` with the graph kept, recording each step.

    With ``accumulate=True`` this is `trace_backward`. With ``accumulate=False`` no
    ``.grad`` anywhere is touched (the gradients live only in the returned trace);
    `backward_frames` uses that.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace_backward: root must be a Tensor, got {type(root).__name__}")
    seed = root._seed_gradient(gradient, create_graph=False)
    order = topological_order(root)
    labels = Labels(order)
    recorder = _Recorder(labels)
    options = {"retain_graph": True, "create_graph": False, "wrap": Tensor._from_array}
    if accumulate:
        run_backward(root, seed, on_step=recorder, keep_all_grads=True, **options)
    else:
        wanted = [t for t in order if t.requires_grad and t is not root]
        run_backward(root, seed, inputs=wanted, on_step=recorder, **options)
    return Trace(root, np.array(seed, copy=True), recorder.steps, order, labels, accumulate)


def trace_backward(root: Tensor, gradient=None) -> Trace:
    """Run ``root``'s backward pass and return its steps, in the order they ran.

    This *is* the backward pass: do not call ``root.backward()`` after it, or every
    gradient is added a second time (doubled); ``print(trace)`` says so too. Gradients
    accumulate into the leaves as with ``root.backward(gradient)``; the
    graph is kept (``retain_graph=True``) and every intermediate tensor that requires
    grad is left with its ``.grad`` too, so `draw_graph(root)` afterwards shows a
    gradient on every node. Each `Step` holds the op, the upstream gradient, the
    local derivative (formula and, for elementwise ops on small tensors, its value)
    and the gradient sent to each input; an input that already had gradient from
    another consumer is marked ``accumulated``. ``print(trace)`` shows it all.

    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor(3.0, requires_grad=True, name="x")
    >>> y = x * x
    >>> y.name = "y"
    >>> trace = tl.trace_backward(y)
    >>> [step.op for step in trace], x.grad.item()
    (['Mul'], 6.0)
    >>> print(trace)
    Backward pass of y = 9, from dy/dy = 1.
    ...
        dy/dx = 6
    <BLANKLINE>
    This was the backward pass: ...
    """
    return record_backward(root, gradient, accumulate=True)
