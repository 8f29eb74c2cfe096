"""Module, the base class of every layer and model, and Sequential.

A Module finds its parameters by looking at its attributes: every Tensor assigned as an
attribute is a parameter, every Module a child. Both are kept in the order they were
assigned, so `named_parameters()` lists them as the model was written (Tensors inside
lists or dicts are not found: give each its own attribute). A Tensor registered with
`register_buffer` is state that is not trained (BatchNorm's running mean): `state_dict()`
holds it, `parameters()` does not::

    >>> from tinygrad_lite import nn
    >>> net = nn.TwoLayerNet(2, 4, 3)
    >>> [name for name, _ in net.named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    >>> net.fc1.weight.name
    'fc1.weight'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from tinygrad_lite.arguments import a_or_an
from tinygrad_lite.autograd import module_scope
from tinygrad_lite.tensor import Tensor


class Module:
    """Base class: subclasses call `super().__init__()`, assign layers and parameters as
    attributes, and define `forward`. Calling the module runs `forward`.

    >>> from tinygrad_lite import Tensor, nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = Tensor(2.0, requires_grad=True)
    ...         self.shift = Tensor(1.0, requires_grad=True)
    ...     def forward(self, x):
    ...         return x * self.scale + self.shift
    >>> model = Affine()
    >>> model(Tensor(3.0)).item(), [name for name, _ in model.named_parameters()]
    (7.0, ['scale', 'shift'])
    """

    def __init__(self) -> None:
        # Everything below is bookkeeping, set with object.__setattr__ so that it is not
        # mistaken for a parameter or a child.
        object.__setattr__(self, "_members", {})  # name -> parameter Tensor or child Module
        object.__setattr__(self, "_buffers", {})  # name -> buffer Tensor (see register_buffer)
        object.__setattr__(self, "_path", "")  # dotted name inside the outermost model
        object.__setattr__(self, "_scope", type(self).__name__)  # see _scope_label
        object.__setattr__(self, "training", True)

    # ---------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        members = self.__dict__.get("_members")
        if members is None:
            raise AttributeError(
                f"{type(self).__name__}: cannot assign {name!r} before Module.__init__() "
                "ran; call super().__init__() first in your __init__"
            )
        if name in self._buffers:  # a buffer stays a buffer when it is given a new value
            self._check_buffer(name, value)
            self._buffers[name] = value
            if value is not None:
                value.name = _join(self._path, name)
        elif isinstance(value, Module | Tensor):
            members[name] = value
            _set_names(value, name, self._path)
        else:
            members.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._members.pop(name, None)
        self._buffers.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Keep `tensor` as state that is saved but not trained, under the attribute `name`.

        A buffer (BatchNorm's running mean, a step count) is in `state_dict()`, so checkpoints
        save it and `load_state_dict` checks and restores it, but not in `parameters()`, so no
        optimizer changes it. Assigning `self.<name> = t` later replaces the buffer's Tensor.

        >>> import tinygrad_lite as tl
        >>> from tinygrad_lite import nn
        >>> m = nn.Module()
        >>> m.register_buffer("count", tl.Tensor.zeros(1))
        >>> list(m.state_dict()), m.parameters()
        (['count'], [])
        """
        owner = f"{type(self).__name__}.register_buffer"
        if not isinstance(name, str):
            raise TypeError(f"{owner}: name must be a str such as 'running_mean', got {name!r}")
        if not name.isidentifier():
            raise ValueError(
                f"{owner}: name must be a Python identifier (no dots or spaces) such as "
                f"'running_mean', got {name!r}"
            )
        if name in self._members or (hasattr(self, name) and name not in self._buffers):
            raise KeyError(
                f"{owner}: {name!r} is already an attribute of this module; pick another name "
                "for the buffer"
            )
        self._check_buffer(name, tensor, owner)
        self._buffers[name] = tensor
        if tensor is not None:
            tensor.name = _join(self._path, name)
        object.__setattr__(self, name, tensor)

    def _check_buffer(self, name: str, value: Any, owner: str | None = None) -> None:
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(
                f"{owner or type(self).__name__}: buffer {name!r} must be a Tensor or None, got "
                f"{type(value).__name__}; wrap an array: Tensor(array)"
            )
        if value is not None and value.requires_grad:
            raise ValueError(
                f"{owner or type(self).__name__}: buffer {name!r} requires grad, but buffers "
                "are not trained; pass tensor.detach(), or assign it as a parameter instead"
            )

    # ---------------------------------------------------------------- traversal
    def children(self) -> Iterator[Module]:
        """The direct child modules, in the order they were assigned."""
        for member in self._members.values():
            if isinstance(member, Module):
                yield member

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named `prefix`, "" by default) and every module inside it, each
        with its dotted name: `("", net), ("fc1", net.fc1), ...`."""
        yield prefix, self
        for name, member in self._members.items():
            if isinstance(member, Module):
                yield from member.named_modules(_join(prefix, name))

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """Every parameter with its dotted name (`fc1.weight`), in definition order.
        A Tensor shared by two layers is listed once, under its first name."""
        seen: set[int] = set()
        for name, p in self._all_parameters(""):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def _all_parameters(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        for name, member in self._members.items():
            if isinstance(member, Module):
                yield from member._all_parameters(_join(prefix, name))
            else:
                yield _join(prefix, name), member

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """Every buffer with its dotted name (`bn.running_mean`), in definition order;
        buffers set to None are left out."""
        for prefix, module in self.named_modules():
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield _join(prefix, name), buffer

    def parameters(self) -> list[Tensor]:
        """Every parameter, in definition order (what an optimizer takes)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set the `.grad` of every parameter to None."""
        for p in self.parameters():
            p.zero_grad()

    # ---------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Put this module and all its children in training mode (`.training = mode`) and
        return the module. Dropout and BatchNorm1d behave differently in the two modes."""
        for _, module in self.named_modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Put this module and all its children in evaluation mode (`.training = False`)."""
        return self.train(False)

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's and every buffer's array, keyed by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update((name, b.data.copy()) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Copy the arrays of `state` into the parameters and buffers, in place.

        Every key, shape and dtype is checked before anything changes; all problems are
        reported together in one ValueError, and a failed load leaves the model exactly
        as it was. `strict=False` ignores missing and unexpected keys (a shape or dtype
        mismatch is still an error).
        """
        params = dict(self.named_parameters())
        params.update(self.named_buffers())
        problems = []
        missing: list[str] = []
        unexpected: list[str] = []
        if strict:
            missing = [name for name in params if name not in state]
            unexpected = [name for name in state if name not in params]
            if missing:
                problems.append(f"missing keys: {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected keys: {', '.join(map(str, unexpected))}")
        arrays = {}
        for name, p in params.items():
            if name not in state:
                continue
            value = state[name]
            array = value.data if isinstance(value, Tensor) else value
            if not isinstance(array, np.ndarray):
                problems.append(f"{name}: expected a NumPy array, got {type(value).__name__}")
            elif array.shape != p.shape:
                problems.append(f"{name}: shape {array.shape} in the state, {p.shape} in the model")
            elif array.dtype != p.dtype:
                problems.append(
                    f"{name}: dtype {array.dtype} in the state, {p.dtype} in the model "
                    f"(cast it first: array.astype(np.{p.dtype}))"
                )
            else:
                arrays[name] = array
        if problems:
            keys_differ = strict and (missing or unexpected)
            hint = " (strict=False loads the matching keys and skips the others)"
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: nothing was loaded, because of "
                + "; ".join(problems)
                + (hint if keys_differ else "")
            )
        for name, array in arrays.items():
            params[name].data[...] = array

    # ---------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run `forward` inside a module scope, so the recorded ops can be drawn grouped by
        module (the label is `"fc1: Linear"`, or the class name for the outermost model)."""
        with module_scope(self._scope):  # _scope_label(), kept up to date with _path
            return self.forward(*args, **kwargs)

    def _scope_label(self) -> str:
        """How graphs label the ops this module records: `"fc1: Linear"`, or the class name."""
        attr = self._path.rpartition(".")[2]
        return f"{attr}: {type(self).__name__}" if attr else type(self).__name__

    def _label(self) -> str:
        """How error messages name this module: `fc1: Linear(2, 100)`."""
        return f"{self._path}: {self!r}" if self._path else repr(self)

    def extra_repr(self) -> str:
        """The arguments shown inside the parentheses of `repr()`; layers override it."""
        return ""

    def __repr__(self) -> str:
        children = [(name, m) for name, m in self._members.items() if isinstance(m, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): {_indent(repr(m))}" for name, m in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class Sequential(Module):
    """Layers applied one after the other: `Sequential(Linear(2, 8), ReLU(), Linear(8, 3))`.

    The children are named "0", "1", ... (parameters `0.weight`, `2.bias`, ...) and can be
    read back with `seq[i]`, `len(seq)` and `for layer in seq`.

    >>> from tinygrad_lite import Tensor, nn
    >>> net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> net(Tensor.zeros(3, 2)).shape
    (3, 1)
    """

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: layer {i} is {a_or_an(type(layer).__name__)}, expected a Module"
                )
            setattr(self, str(i), layer)

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.children():
            x = layer(x)
        return x

    def __getitem__(self, index: int) -> Module:
        layers = list(self.children())
        if not isinstance(index, int):
            raise TypeError(
                f"Sequential indices must be integers, got {type(index).__name__}; use seq[0] "
                "for the first layer"
            )
        if not -len(layers) <= index < len(layers):
            raise IndexError(f"Sequential index {index} out of range for {len(layers)} layers")
        return layers[index]

    def __len__(self) -> int:
        return sum(1 for _ in self.children())

    def __iter__(self) -> Iterator[Module]:
        return self.children()


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _set_names(member: Tensor | Module, name: str, parent_path: str) -> None:
    """Name a newly attached parameter, or re-prefix every name inside a newly attached
    module, with its full dotted path (`fc1.weight`) for error messages and graph pictures."""
    path = _join(parent_path, name)
    if isinstance(member, Tensor):
        member.name = path
        return
    for sub_name, module in member.named_modules(path):
        object.__setattr__(module, "_path", sub_name)
        object.__setattr__(module, "_scope", module._scope_label())
    for sub_name, p in member.named_parameters():
        p.name = _join(path, sub_name)
    for sub_name, b in member.named_buffers():
        b.name = _join(path, sub_name)
