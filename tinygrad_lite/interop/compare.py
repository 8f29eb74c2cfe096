"""Does the network compute what PyTorch computes? ``compare`` runs both and measures.

    from tinygrad_lite.interop import compare, to_torch

    print(compare(net, to_torch(net), X))   # largest differences of outputs and gradients

Needs PyTorch, the ``[torch]`` extra, imported when ``compare`` is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite import nn
from tinygrad_lite.higher_order import grad as tl_grad
from tinygrad_lite.interop.torch import _import_torch, _tensors
from tinygrad_lite.tensor import Tensor

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    """What ``compare`` measured: the largest absolute difference between the two networks'
    outputs, and between their gradients of each parameter (compared in PyTorch's layout),
    with the largest absolute value of each (``scale``, keyed ``"output"`` and by parameter
    name), to judge a difference by. ``print()`` shows them as a table.

    >>> import numpy as np
    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.interop import compare, to_torch
    >>> net = nn.Linear(2, 3)
    >>> result = compare(net, to_torch(net), np.ones((4, 2), np.float32))
    >>> print(str(result).splitlines()[0])
                         largest |difference|  largest |value|
    >>> result.output < 1e-6, sorted(result.scale)
    (True, ['bias', 'output', 'weight'])
    """

    output: float
    gradients: dict[str, float]
    scale: dict[str, float]

    @property
    def largest(self) -> float:
        """The largest of all the differences."""
        return max([self.output, *self.gradients.values()])

    def __str__(self) -> str:
        rows = [("output", self.output, self.scale["output"])]
        rows += [(f"gradient of {k}", diff, self.scale[k]) for k, diff in self.gradients.items()]
        width = max(len(what) for what, _, _ in rows)
        lines = [f"{'':{width}}  largest |difference|  largest |value|"]
        lines += [f"{what:{width}}  {diff:<20.3g}  {value:.3g}" for what, diff, value in rows]
        return "\n".join(lines)


def compare(model: nn.Module, torch_module: Any, x: Any, gradient: Any = None) -> Comparison:
    """Run ``model`` and ``torch_module`` forward on ``x`` and backward from the same upstream
    gradient, and return the largest differences of the outputs and of every parameter's
    gradient (matched by name; ``Linear`` weights compared in PyTorch's layout).

    ``gradient`` is the upstream gradient dL/doutput; by default a fixed random array (random,
    so that a gradient sent to the wrong element shows; fixed, so the numbers repeat). ``x``
    is converted to the dtype of the model's parameters. Each model runs in its own train/eval
    mode, and neither keeps a trace: no ``.grad`` changes, and running statistics
    (BatchNorm1d) are put back. A Dropout in training mode is a ValueError (each library draws
    its own mask): call ``.eval()`` first. ``print()`` the result to see the table.

    >>> import numpy as np
    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.interop import compare, to_torch
    >>> net = nn.TwoLayerNet(2, 4, 3)
    >>> result = compare(net, to_torch(net), np.ones((5, 2), np.float32))
    >>> sorted(result.gradients), result.largest < 1e-5
    (['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight'], True)
    """
    torch = _import_torch("compare")
    if not isinstance(model, nn.Module):
        raise TypeError(f"compare: expected a tinygrad_lite nn.Module, got {type(model).__name__}")
    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(
            f"compare: expected a torch.nn.Module, got {type(torch_module).__name__} "
            "(to_torch(model) makes one)"
        )
    ours = {key: (p, layout) for key, p, layout in _tensors(model) if p.requires_grad}
    theirs = {key: p for key, p in torch_module.named_parameters() if p.requires_grad}
    if ours.keys() != theirs.keys():
        only_ours, only_theirs = (
            sorted(ours.keys() - theirs.keys()),
            sorted(theirs.keys() - ours.keys()),
        )
        raise ValueError(
            f"compare: the two models' parameters differ: only here {only_ours}, only in "
            f"PyTorch {only_theirs}; compare a model with to_torch(model) or with a PyTorch "
            "module whose parameters have the same names"
        )
    for key, (p, layout) in ours.items():
        if layout(p.data).shape != tuple(theirs[key].shape):
            raise ValueError(
                f"compare: parameter {key} has shape {layout(p.data).shape} here (in PyTorch's "
                f"layout) and {tuple(theirs[key].shape)} in PyTorch"
            )
    _check_no_random_dropout(model.named_modules(), nn.Dropout, "here")
    _check_no_random_dropout(torch_module.named_modules(), torch.nn.Dropout, "in PyTorch")
    x = np.asarray(x.data if isinstance(x, Tensor) else x)
    params = [p for p, _ in ours.values()]
    if params and x.dtype.kind == "f":
        x = x.astype(params[0].dtype, copy=False)

    # A forward in training mode moves BatchNorm1d's running statistics: they are put back
    # after the backward passes (PyTorch's backward checks they were not changed before).
    buffers = [(b, b.data.copy()) for _, b in model.named_buffers()]
    torch_buffers = [(b, b.clone()) for _, b in torch_module.named_buffers()]
    try:
        out = model(Tensor(x))
        torch_out = torch_module(torch.tensor(x))
        if tuple(torch_out.shape) != out.shape:
            raise ValueError(
                f"compare: the outputs differ in shape: {out.shape} here, "
                f"{tuple(torch_out.shape)} from PyTorch"
            )
        if gradient is None:
            gradient = np.random.default_rng(0).standard_normal(out.shape)
        upstream = np.broadcast_to(np.asarray(gradient), out.shape).astype(out.dtype)
        grads = tl_grad(out, params, grad_outputs=Tensor(upstream), allow_unused=True)
        torch_grads = torch.autograd.grad(  # in our order of the parameters, not PyTorch's
            torch_out, [theirs[key] for key in ours], torch.tensor(upstream), allow_unused=True
        )
    finally:
        for b, data in buffers:
            b.data[...] = data
        with torch.no_grad():
            for b, data in torch_buffers:
                b.copy_(data)
    output = torch_out.detach().numpy()
    differences = {}
    scale = {"output": _largest_difference(output, 0)}
    for (key, (_, layout)), g, tg in zip(ours.items(), grads, torch_grads, strict=True):
        other = tg.numpy() if tg is not None else 0
        differences[key] = _largest_difference(layout(g.data) if g is not None else 0, other)
        scale[key] = _largest_difference(other, 0)
    return Comparison(_largest_difference(out.data, output), differences, scale)


def _check_no_random_dropout(modules: Any, dropout: type, where: str) -> None:
    for path, module in modules:
        if isinstance(module, dropout) and module.training and module.p > 0:
            raise ValueError(
                f"compare: Dropout {path!r} {where} is in training mode, where each library "
                "draws its own random mask, so the outputs cannot agree; call .eval() on both "
                "models first (compare(model.eval(), torch_model.eval(), x))"
            )


def _largest_difference(a: Any, b: Any) -> float:
    difference = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
    return float(difference.max()) if difference.size else 0.0
