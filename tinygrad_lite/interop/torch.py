"""The same network in PyTorch: ``to_torch``, ``from_torch``, ``torch_state_dict``,
``load_torch_state_dict`` and ``compare``.

Each layer maps to the PyTorch layer of the same name, with the same parameter names, so a
``TwoLayerNet``'s ``fc1.weight`` is ``fc1.weight`` in PyTorch too. One thing differs: a
``Linear`` weight here has shape ``(in, out)`` and the layer computes ``x @ W + b``, while
PyTorch stores ``(out, in)`` and computes ``x @ W.T + b``; every conversion transposes it.

``torch_state_dict`` needs only NumPy; the other functions need PyTorch, the ``[torch]``
extra (``pip install "tinygrad-lite[torch]"``), imported when one of them is called::

    from tinygrad_lite.interop import from_torch, to_torch

    torch_net = to_torch(net)            # a torch.nn.Sequential: fc1, act, fc2
    net_again = from_torch(torch_net)    # a TwoLayerNet again, with the same weights

>>> from tinygrad_lite import nn
>>> from tinygrad_lite.interop import torch_state_dict
>>> net = nn.TwoLayerNet(2, 4, 3)
>>> {name: array.shape for name, array in torch_state_dict(net).items()}
{'fc1.weight': (4, 2), 'fc1.bias': (4,), 'fc2.weight': (3, 4), 'fc2.bias': (3,)}
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite import nn
from tinygrad_lite.nn.layers import ACTIVATIONS
from tinygrad_lite.tensor import Tensor

__all__ = [
    "from_torch",
    "load_torch_state_dict",
    "to_torch",
    "torch_state_dict",
]

INSTALL_HINT = 'pip install "tinygrad-lite[torch]"'


@dataclass(frozen=True)
class Layer:
    """One row of the layer table: a tinygrad_lite layer and its PyTorch counterpart."""

    ours: type[nn.Module]
    torch_name: str  # the class in torch.nn
    to_torch: Callable[[Any], dict[str, Any]]  # our layer -> the PyTorch constructor's arguments
    from_torch: Callable[[Any], dict[str, Any]]  # the PyTorch layer -> our constructor's arguments


def _no_settings(_: Any) -> dict[str, Any]:
    """For a layer built without arguments on either side (the activations)."""
    return {}


def _softplus_from_torch(t: Any) -> dict[str, Any]:
    if t.beta != 1:
        raise ValueError(
            f"from_torch: Softplus(beta={t.beta}) has no counterpart: nn.Softplus computes "
            "log(1 + exp(x)), which is beta=1"
        )
    return {}


def _batchnorm_from_torch(t: Any) -> dict[str, Any]:
    if not t.track_running_stats or t.momentum is None:
        raise ValueError(
            "from_torch: BatchNorm1d without running statistics, or with momentum=None (a "
            "cumulative average), has no counterpart: nn.BatchNorm1d keeps running statistics "
            "with a momentum in [0, 1]"
        )
    return {
        "num_features": t.num_features,
        "eps": t.eps,
        "momentum": t.momentum,
        "affine": t.affine,
    }


# Adding a layer is one line here, as long as its parameters and buffers have the same names on
# both sides: (our layer, PyTorch's, its arguments from ours, our arguments from PyTorch's).
LAYERS = [
    Layer(
        nn.Linear,
        "Linear",
        lambda m: {
            "in_features": m.in_features,
            "out_features": m.out_features,
            "bias": m.bias is not None,
        },
        lambda t: {
            "in_features": t.in_features,
            "out_features": t.out_features,
            "bias": t.bias is not None,
            "init": "zeros",  # the weights are copied in next: draw no random numbers
        },
    ),
    Layer(nn.ReLU, "ReLU", _no_settings, _no_settings),
    Layer(nn.Identity, "Identity", _no_settings, _no_settings),
    Layer(nn.Sigmoid, "Sigmoid", _no_settings, _no_settings),
    Layer(nn.Tanh, "Tanh", _no_settings, _no_settings),
    Layer(nn.Softmax, "Softmax", lambda m: {"dim": m.axis}, lambda t: {"axis": t.dim}),
    Layer(
        nn.LeakyReLU,
        "LeakyReLU",
        lambda m: {"negative_slope": m.negative_slope},
        lambda t: {"negative_slope": t.negative_slope},
    ),
    Layer(nn.ELU, "ELU", lambda m: {"alpha": m.alpha}, lambda t: {"alpha": t.alpha}),
    Layer(nn.Softplus, "Softplus", _no_settings, _softplus_from_torch),
    Layer(nn.SiLU, "SiLU", _no_settings, _no_settings),
    Layer(
        nn.GELU,
        "GELU",
        lambda m: {"approximate": m.approximate},
        lambda t: {"approximate": t.approximate},  # "none" (the exact GELU) is refused
    ),
    Layer(
        nn.Flatten,
        "Flatten",
        lambda m: {"start_dim": m.start_axis, "end_dim": m.end_axis},
        lambda t: {"start_axis": t.start_dim, "end_axis": t.end_dim},
    ),
    Layer(nn.Dropout, "Dropout", lambda m: {"p": m.p}, lambda t: {"p": t.p}),
    Layer(
        nn.BatchNorm1d,
        "BatchNorm1d",
        lambda m: {
            "num_features": m.num_features,
            "eps": m.eps,
            "momentum": m.momentum,
            "affine": m.affine,
        },
        _batchnorm_from_torch,
    ),
]

ACTIVATION_NAMES = {cls: name for name, cls in ACTIVATIONS.items()}
"""The activation layers TwoLayerNet and MLP are built with, and their names ("relu", ...)."""

TRANSPOSED = {(nn.Linear, "weight")}
"""Parameters stored transposed in PyTorch: ours is (in, out), PyTorch's (out, in)."""

CONTAINERS = (nn.Sequential, nn.TwoLayerNet, nn.MLP)
"""Models whose forward applies their children in order: each becomes a torch.nn.Sequential
with the same child names. Only these classes exactly: a subclass may change forward."""


def _import_torch(function: str) -> Any:
    """The torch module, or an ImportError that says which extra to install."""
    try:
        import torch  # noqa: PLC0415 (optional dependency, imported when needed)
    except ImportError:
        raise ImportError(
            f"tinygrad_lite.interop.{function} needs PyTorch, which is not installed: "
            f"{INSTALL_HINT}"
        ) from None
    return torch


def _supported() -> str:
    return ", ".join(sorted({c.__name__ for c in CONTAINERS} | {r.torch_name for r in LAYERS}))


def _row_for(layer: nn.Module, function: str, path: str) -> Layer:
    for row in LAYERS:
        if type(layer) is row.ours:
            return row
    where = f" (at {path!r})" if path else ""
    raise TypeError(
        f"{function}: {type(layer).__name__}{where} has no PyTorch counterpart here; "
        f"supported are {_supported()} (a model of your own: build it from these, e.g. "
        "inside nn.Sequential)"
    )


# ---------------------------------------------------------------- tinygrad_lite -> PyTorch


def to_torch(model: nn.Module) -> Any:
    """An equivalent ``torch.nn.Module``, with the weights and buffers (BatchNorm1d's running
    statistics) copied, ``Linear`` weights transposed, every module's settings and train/eval
    mode carried over.

    ``Sequential``, ``TwoLayerNet`` and ``MLP`` become a ``torch.nn.Sequential`` whose children
    keep their names (``fc1``, ``act``, ``fc2``), so the parameter names match. PyTorch's
    parameters have the same dtype as ours and require grad where ours do. A layer with no
    PyTorch counterpart is a TypeError that names it.

    >>> import torch
    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.interop import to_torch
    >>> torch_net = to_torch(nn.TwoLayerNet(2, 100, 3))
    >>> [name for name, _ in torch_net.named_children()]
    ['fc1', 'act', 'fc2']
    >>> torch_net(torch.zeros(5, 2)).shape
    torch.Size([5, 3])
    """
    torch = _import_torch("to_torch")
    if not isinstance(model, nn.Module):
        raise TypeError(f"to_torch: expected a tinygrad_lite nn.Module, got {type(model).__name__}")
    _check_convertible(model, "to_torch")  # before building anything
    return _module_to_torch(torch, model)


def _check_convertible(model: nn.Module, function: str) -> None:
    for path, module in model.named_modules():
        if type(module) not in CONTAINERS:
            _row_for(module, function, path)
            continue
        for name, member in module._members.items():
            if isinstance(member, Tensor):  # its forward cannot use it: the layers run alone
                raise TypeError(
                    f"{function}: {type(module).__name__} {path!r} holds a tensor of its own, "
                    f"{name!r}, which a torch.nn.Sequential cannot hold; put it in a layer"
                )


def _module_to_torch(torch: Any, module: nn.Module) -> Any:
    if type(module) in CONTAINERS:
        children = [(name, _module_to_torch(torch, m)) for name, m in module._members.items()]
        converted = torch.nn.Sequential(OrderedDict(children))  # keeps the names
    else:
        row = _row_for(module, "to_torch", module._path)
        converted = getattr(torch.nn, row.torch_name)(**row.to_torch(module))
        for name, p in module._members.items():
            if isinstance(p, Tensor):
                array = p.data.T if (type(module), name) in TRANSPOSED else p.data
                parameter = torch.nn.Parameter(torch.tensor(array), requires_grad=p.requires_grad)
                setattr(converted, name, parameter)
        for name, b in module._buffers.items():  # BatchNorm1d's running statistics
            if b is not None:
                setattr(converted, name, torch.tensor(b.data))
    converted.training = module.training  # this module's mode only; its children set theirs
    return converted


# ---------------------------------------------------------------- PyTorch -> tinygrad_lite


def from_torch(module: Any) -> nn.Module:
    """The tinygrad_lite model equivalent to a PyTorch module, with the weights and buffers
    copied, ``Linear`` weights transposed, every module's settings and train/eval mode
    carried over. A setting with no counterpart here (``GELU()``'s exact form,
    ``Softplus(beta=2)``) is an error.

    A ``torch.nn.Sequential`` becomes a ``TwoLayerNet`` or an ``MLP`` when its children have
    those models' names and layers (what ``to_torch`` makes of them), else an
    ``nn.Sequential`` of the converted layers (named ``0``, ``1``, ...). A layer with no
    counterpart is a TypeError that names it.

    >>> import torch
    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.interop import from_torch, to_torch
    >>> net = from_torch(torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh()))
    >>> net[0].weight.shape  # transposed: (in, out) here, (out, in) in PyTorch
    (2, 8)
    >>> type(from_torch(to_torch(nn.TwoLayerNet(2, 4, 3)))).__name__
    'TwoLayerNet'
    """
    torch = _import_torch("from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    for path, m in module.named_modules():  # check everything before building anything
        if not isinstance(m, torch.nn.Sequential):
            _torch_row_for(torch, m, path)
    return _module_from_torch(torch, module)


def _torch_row_for(torch: Any, module: Any, path: str) -> Layer:
    for row in LAYERS:
        if type(module) is getattr(torch.nn, row.torch_name):  # exactly: a subclass may differ
            return row
    where = f" (at {path!r})" if path else ""
    raise TypeError(
        f"from_torch: PyTorch's {type(module).__name__}{where} has no tinygrad_lite "
        f"counterpart; supported are {_supported()}"
    )


def _module_from_torch(torch: Any, module: Any) -> nn.Module:
    if isinstance(module, torch.nn.Sequential):
        converted = _sequential_from_torch(
            [(name, _module_from_torch(torch, m)) for name, m in module.named_children()]
        )
    else:
        row = _torch_row_for(torch, module, "")
        converted = row.ours(**row.from_torch(module))
        for name, p in module.named_parameters(recurse=False):
            array = p.detach().cpu().numpy()
            tensor = getattr(converted, name)
            tensor.data = (array.T if (row.ours, name) in TRANSPOSED else array).copy()
            tensor.requires_grad = p.requires_grad
        for name, b in module.named_buffers(recurse=False):
            getattr(converted, name).data = b.detach().cpu().numpy().copy()
    converted.training = module.training  # this module's mode only, as in _module_to_torch
    return converted


def _sequential_from_torch(children: list[tuple[str, nn.Module]]) -> nn.Module:
    """A TwoLayerNet or an MLP when the children have its names and layers (Linear, then
    one activation between each pair of Linears), else an nn.Sequential."""
    names = [name for name, _ in children]
    layers = [layer for _, layer in children]
    linears, activations = layers[0::2], layers[1::2]
    activation_names = {ACTIVATION_NAMES.get(type(a)) for a in activations}
    if not linears or any(type(f) is not nn.Linear for f in linears):
        return nn.Sequential(*layers)
    if len(activation_names) > 1 or None in activation_names:
        return nn.Sequential(*layers)
    act = activation_names.pop() if activation_names else "relu"  # one Linear: no activation
    sizes = [linears[0].in_features] + [f.out_features for f in linears]
    candidates = [nn.MLP(sizes, activation=act, init="zeros")]
    if len(sizes) == 3:
        candidates.append(nn.TwoLayerNet(*sizes, activation=act, init="zeros"))
    for model in candidates:
        if list(model._members) == names:
            for name, layer in children:  # the converted layers, with their weights
                setattr(model, name, layer)
            return model
    return nn.Sequential(*layers)


# ---------------------------------------------------------------- state dicts


def torch_state_dict(model: nn.Module) -> dict[str, np.ndarray]:
    """The model's state dict in PyTorch's layout, as NumPy arrays: the keys of
    ``to_torch(model).state_dict()``, ``Linear`` weights transposed to ``(out, in)``.

    Needs no PyTorch. To save it for PyTorch yourself::

        torch.save({k: torch.from_numpy(v) for k, v in torch_state_dict(net).items()}, "net.pt")

    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.interop import torch_state_dict
    >>> state = torch_state_dict(nn.Linear(2, 3))
    >>> {name: array.shape for name, array in state.items()}  # weight as (out, in)
    {'weight': (3, 2), 'bias': (3,)}
    """
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"torch_state_dict: expected a tinygrad_lite nn.Module, got {type(model).__name__}"
        )
    _check_convertible(model, "torch_state_dict")
    return {key: torch_layout(p.data).copy() for key, p, torch_layout in _tensors(model)}


def _tensors(model: nn.Module) -> list[tuple[str, Tensor, Callable[[np.ndarray], np.ndarray]]]:
    """``(key, tensor, to PyTorch's layout)`` for every parameter and buffer, in the order and
    with the keys of PyTorch's state dict (each module's parameters, then its buffers)."""
    found = []
    for path, module in model.named_modules():
        params = [(name, p) for name, p in module._members.items() if isinstance(p, Tensor)]
        buffers = [(name, b) for name, b in module._buffers.items() if b is not None]
        for name, t in params + buffers:
            key = f"{path}.{name}" if path else name
            transposed = (type(module), name) in TRANSPOSED
            found.append((key, t, np.transpose if transposed else np.asarray))
    return found


def load_torch_state_dict(model: nn.Module, state: Mapping[str, Any]) -> None:
    """Copy a state dict in PyTorch's layout (``torch_module.state_dict()``, or NumPy arrays
    with the same keys and shapes) into ``model``, in place, transposing ``Linear`` weights.

    Every key, shape and dtype is checked against ``torch_state_dict(model)`` first; all
    problems are reported together in one ValueError, and a failed load changes nothing.
    From a file PyTorch saved: ``load_torch_state_dict(net, torch.load("net.pt"))``. NumPy
    arrays need no PyTorch:

    >>> import numpy as np
    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.interop import load_torch_state_dict, torch_state_dict
    >>> net, copy = nn.Linear(2, 3), nn.Linear(2, 3)
    >>> load_torch_state_dict(copy, torch_state_dict(net))
    >>> np.array_equal(copy.weight.data, net.weight.data)
    True
    """
    expected = torch_state_dict(model)
    arrays = {key: _as_array(value) for key, value in state.items()}
    problems = []
    missing = [key for key in expected if key not in arrays]
    unexpected = [key for key in arrays if key not in expected]
    if missing:
        problems.append(f"missing keys: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {', '.join(map(str, unexpected))}")
    for key, want in expected.items():
        got = arrays.get(key)
        if got is None:
            continue
        if not isinstance(got, np.ndarray):
            problems.append(f"{key}: expected an array or a torch tensor, got {type(got).__name__}")
        elif got.shape != want.shape:
            problems.append(f"{key}: shape {got.shape} in the state, {want.shape} expected")
        elif got.dtype != want.dtype:
            problems.append(
                f"{key}: dtype {got.dtype} in the state, {want.dtype} in the model "
                f"(convert it first, e.g. tensor.to(torch.{want.dtype}))"
            )
    if problems:
        raise ValueError(
            "load_torch_state_dict: nothing was loaded, because of "
            + "; ".join(problems)
            + " (the state must have PyTorch's layout: Linear weights of shape (out, in))"
        )
    # The transpose is its own inverse: PyTorch's layout back to ours.
    ours = {key: torch_layout(arrays[key]) for key, _, torch_layout in _tensors(model)}
    model.load_state_dict(ours)


def _as_array(value: Any) -> Any:
    """A torch tensor's values as a NumPy array; anything else as it is."""
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value
