"""Gradients as values: ``grad``, Hessian-vector products and small Hessians.

``loss.backward()`` stores gradients in ``.grad``. Sometimes a gradient is an ingredient of a
bigger computation instead: a gradient penalty, Newton's method, a Hessian. :func:`grad`
returns the gradients as Tensors and touches no ``.grad``; with ``create_graph=True`` the
backward pass is recorded, so the gradient can be differentiated again.

Second derivatives follow from that alone. For a scalar ``f`` with gradient ``g(x)``, the
Hessian-vector product is a first derivative of ``g . v``::

    H v = d/dx ( g(x) . v )            (v held constant)

and the Hessian is ``H v`` for each unit vector ``v``, one row at a time.

>>> import tinygrad_lite as tl
>>> x = tl.Tensor(2.0, requires_grad=True)
>>> y = x * x
>>> (dy,) = tl.grad(y, x, create_graph=True)   # dy/dx = 2x = 4, itself a graph
>>> z = dy**3 + y
>>> (dz,) = tl.grad(z, x)                       # 3 (2x)^2 * 2 + 2x = 100
>>> dz.item()
100.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_lite.arguments import a_or_an
from tinygrad_lite.autograd import run_backward
from tinygrad_lite.gradcheck import GradcheckError, _as_float64, scalar_output
from tinygrad_lite.random import generator
from tinygrad_lite.tensor import Tensor

#: ``hessian`` refuses inputs with more elements than this (n backward passes, n*n numbers).
MAX_HESSIAN_SIZE = 1000


def _as_tensor_list(value: Any, what: str) -> list[Tensor]:
    items = [value] if isinstance(value, Tensor) else list(value)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: {what}[{i}] is {a_or_an(type(t).__name__)}, not a Tensor")
    return items


def _seed(output: Tensor, grad_output: Any, index: int, create_graph: bool) -> Any:
    """dOutput/dOutput: ones for a one-element output, else the given ``grad_output``."""
    if grad_output is None:
        if output.size != 1:
            raise ValueError(
                f"grad: outputs[{index}] has shape {output.shape}, not a single value; pass "
                "grad_outputs= with a tensor of that shape (the vector in the vector-Jacobian "
                "product) or reduce the output first (e.g. .sum())"
            )
        seed = np.ones_like(output.data)
    else:
        seed = grad_output.data if isinstance(grad_output, Tensor) else np.asarray(grad_output)
        if seed.shape != output.shape:
            raise ValueError(
                f"grad: grad_outputs[{index}] has shape {seed.shape} but outputs[{index}] has "
                f"shape {output.shape}; they must match"
            )
        if isinstance(grad_output, Tensor) and create_graph:
            return grad_output  # keep its graph: the result may be differentiated w.r.t. it
        seed = seed.astype(output.dtype, copy=False)
    return Tensor._from_array(seed) if create_graph else seed


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple of Tensors.

    Works like ``torch.autograd.grad``: nothing is written to any ``.grad``. For several
    outputs the result is the sum of their gradients. A non-scalar output needs a
    ``grad_outputs`` entry of its shape (the result is then ``sum(grad_outputs * d output /
    d input)``). ``create_graph=True`` records the backward pass, so the returned gradients
    can be differentiated again; ``retain_graph`` defaults to ``create_graph``. An input that
    no output depends on is an error, or ``None`` in the result when ``allow_unused=True``.

    >>> import tinygrad_lite as tl
    >>> a = tl.Tensor([1.0, 2.0], requires_grad=True)
    >>> b = tl.Tensor(3.0, requires_grad=True)
    >>> ga, gb = tl.grad((a * b).sum(), [a, b])
    >>> ga.tolist(), gb.item(), a.grad is None
    ([3.0, 3.0], 3.0, True)
    """
    outs = _as_tensor_list(outputs, "outputs")
    ins = _as_tensor_list(inputs, "inputs")
    if not outs or not ins:
        raise ValueError(
            f"grad: needs at least one output and one input, got {len(outs)} output(s) and "
            f"{len(ins)} input(s); e.g. tl.grad(loss, [w, b])"
        )
    if len(outs) == 1 and (grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray)):
        grad_outs = [grad_outputs]
    elif grad_outputs is None:
        grad_outs = [None] * len(outs)
    else:
        grad_outs = list(grad_outputs)
        if len(grad_outs) != len(outs):
            raise ValueError(
                f"grad: {len(outs)} outputs but {len(grad_outs)} grad_outputs; give a list with "
                "one Tensor or array per output (None for a one-element output)"
            )
    for i, out in enumerate(outs):
        if not out.requires_grad:
            raise RuntimeError(
                f"grad: outputs[{i}] does not require grad, so no input can reach it; create "
                "the inputs with requires_grad=True (and not inside no_grad)"
            )
    if retain_graph is None:
        retain_graph = create_graph

    totals: list[Any] = [None] * len(ins)
    for i, (out, grad_out) in enumerate(zip(outs, grad_outs, strict=True)):
        found = run_backward(
            out,
            _seed(out, grad_out, i, create_graph),
            retain_graph=retain_graph or i < len(outs) - 1,  # later outputs may share the graph
            create_graph=create_graph,
            wrap=Tensor._from_array,
            inputs=ins,
        )
        for j, g in enumerate(found):
            if g is not None:
                totals[j] = g if totals[j] is None else totals[j] + g

    result: list[Tensor | None] = []
    for j, (t, g) in enumerate(zip(ins, totals, strict=True)):
        if g is None:
            if not allow_unused:
                raise ValueError(
                    f"grad: inputs[{j}] (shape {t.shape}) is not used to compute the outputs, "
                    "so it has no gradient; pass allow_unused=True to get None for it"
                )
            result.append(None)
        elif create_graph:
            result.append(g)
        else:
            result.append(Tensor._from_array(np.array(g, dtype=t.dtype)))  # own, unshared copy
    return tuple(result)


def _leaf(x: Any, name: str) -> Tensor:
    """A fresh float leaf with requires_grad, holding a copy of ``x``'s values."""
    data = x.data if isinstance(x, Tensor) else x
    t = Tensor(data)
    if t.dtype.kind != "f":
        raise TypeError(f"{name}: x must hold floats, got dtype {t.dtype}")
    return t.requires_grad_()


def hvp(f: Callable[[Tensor], Tensor], x: Any, v: Any) -> Tensor:
    """The Hessian of scalar ``f`` at ``x`` times ``v``, by differentiating twice.

    One backward gives ``g = df/dx`` as a graph; a second backward of ``g`` with ``v`` as its
    upstream gradient gives ``sum_j v_j dg_j/dx = H v`` (the Hessian is symmetric). The
    Hessian itself is never formed. ``x`` and ``v`` may be Tensors or arrays of one shape.

    >>> import numpy as np, tinygrad_lite as tl
    >>> f = lambda x: (x[0] ** 2 * x[1]).sum()          # H = [[2 x1, 2 x0], [2 x0, 0]]
    >>> tl.hvp(f, np.array([1.0, 3.0]), np.array([1.0, 0.0])).tolist()
    [6.0, 2.0]
    """
    xt = _leaf(x, "hvp")
    vt = Tensor(v.data if isinstance(v, Tensor) else v, dtype=xt.dtype)
    if vt.shape != xt.shape:
        raise ValueError(f"hvp: v has shape {vt.shape} but x has shape {xt.shape}; they must match")
    out = scalar_output(f, [xt], "hvp")
    if not out.requires_grad:  # f does not depend on x at all
        return Tensor.zeros(*xt.shape, dtype=xt.dtype)
    (g,) = grad(out, xt, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:  # f is constant or linear in x: H = 0
        return Tensor.zeros(*xt.shape, dtype=xt.dtype)
    (hv,) = grad(g, xt, grad_outputs=vt.data, allow_unused=True)
    return Tensor.zeros(*xt.shape, dtype=xt.dtype) if hv is None else hv


def hessian(f: Callable[[Tensor], Tensor], x: Any) -> Tensor:
    """The Hessian of scalar ``f`` at ``x``: shape ``S + S`` for ``x`` of shape ``S``.

    ``H[i, j] = d^2 f / dx_i dx_j``, built one row at a time: row ``i`` is the gradient of
    ``g_i = df/dx_i``, one backward pass through the recorded gradient per element of ``x``.
    Meant for small inputs (at most ``MAX_HESSIAN_SIZE`` elements).

    >>> import numpy as np, tinygrad_lite as tl
    >>> tl.hessian(lambda x: (x[0] ** 2 * x[1]).sum(), np.array([1.0, 3.0])).tolist()
    [[6.0, 2.0], [2.0, 0.0]]
    """
    xt = _leaf(x, "hessian")
    n = xt.size
    if n > MAX_HESSIAN_SIZE:
        raise ValueError(
            f"hessian: x has {n} elements, so the Hessian would have {n * n} entries and need "
            f"{n} backward passes; it is limited to {MAX_HESSIAN_SIZE} elements. Use "
            "tl.hvp(f, x, v) for Hessian-vector products instead"
        )
    rows = np.zeros((n, n), dtype=xt.dtype)
    out = scalar_output(f, [xt], "hessian")
    g = grad(out, xt, create_graph=True, allow_unused=True)[0] if out.requires_grad else None
    if g is not None and g.requires_grad:
        for i in range(n):
            unit = np.zeros(n, dtype=xt.dtype)
            unit[i] = 1.0
            (row,) = grad(
                g, xt, grad_outputs=unit.reshape(xt.shape), retain_graph=True, allow_unused=True
            )
            if row is not None:
                rows[i] = row.data.reshape(-1)
    return Tensor._from_array(rows.reshape(xt.shape + xt.shape))


def _first_grads(f: Callable[..., Tensor], arrays: list[np.ndarray]) -> list[np.ndarray]:
    """df/dx for each input by one ordinary backward (zeros where f does not depend on it)."""
    leaves = [Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    out = scalar_output(f, leaves, "gradgradcheck")
    if not out.requires_grad:
        return [np.zeros_like(a) for a in arrays]
    found = grad(out, leaves, allow_unused=True)
    return [np.zeros_like(a) if g is None else g.data for a, g in zip(arrays, found, strict=True)]


def gradgradcheck(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-5,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check second derivatives (double backward) against differences of first derivatives.

    For random directions ``v`` (one per input, from the library generator), in float64::

        double backward:      d/dx_j  sum_i g_i(x) . v_i          = sum_i H_ji v_i
        central differences:  (g_j(x + eps v) - g_j(x - eps v)) / (2 eps)

    where ``g_i = df/dx_i`` comes from an ordinary (first-order) backward. They agree when the
    ops' backward formulas are themselves differentiated correctly under ``create_graph``.
    Returns True or raises ``GradcheckError`` naming the input, the worst element and both
    values. ``f`` must return a scalar Tensor; check the first order with ``tl.gradcheck``.

    >>> import numpy as np, tinygrad_lite as tl
    >>> tl.gradgradcheck(lambda x: x.tanh().sum(), np.array([0.5, -1.0]))
    True
    """
    arrays = [_as_float64(x) for x in inputs]
    directions = [generator().standard_normal(a.shape) for a in arrays]

    leaves = [Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    out = scalar_output(f, leaves, "gradgradcheck")
    analytic = [np.zeros_like(a) for a in arrays]
    if out.requires_grad:
        firsts = grad(out, leaves, create_graph=True, allow_unused=True)
        terms = [(g * v).sum() for g, v in zip(firsts, directions, strict=True) if g is not None]
        recorded = [t for t in terms if t.requires_grad]
        if recorded:
            total = recorded[0]
            for t in recorded[1:]:
                total = total + t
            found = grad(total, leaves, allow_unused=True)
            analytic = [
                np.zeros_like(a) if g is None else g.data
                for a, g in zip(arrays, found, strict=True)
            ]

    up = _first_grads(f, [a + eps * v for a, v in zip(arrays, directions, strict=True)])
    down = _first_grads(f, [a - eps * v for a, v in zip(arrays, directions, strict=True)])
    for j, (a, u, d) in enumerate(zip(analytic, up, down, strict=True)):
        n = (u - d) / (2 * eps)
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if a.size and excess.max() > 0:
            worst = np.unravel_index(int(np.argmax(excess)), a.shape)
            raise GradcheckError(
                f"second derivative (Hessian times a random direction) of input {j} (shape "
                f"{a.shape}) is wrong at index {tuple(map(int, worst))}: double backward gives "
                f"{a[worst]:.8g}, central differences of the first gradient give {n[worst]:.8g} "
                f"(|difference| {abs(a[worst] - n[worst]):.3g} > atol {atol} + rtol {rtol} * "
                f"|numerical|); {int((excess > 0).sum())} of {a.size} elements disagree"
            )
    return True
