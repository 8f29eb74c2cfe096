"""The base class every optimizer shares.

An optimizer holds a list of parameters (Tensors) and, for each one, a small dict of
state (a velocity, a running average, a step count). The state is keyed by the
parameter's *position* in that list, so ``state_dict()`` is plain arrays and numbers
that ``tl.save`` can write, and a run resumed from a saved state continues bit for bit.

Optimizers touch only ``p.data`` (updated in place) and ``p.grad`` (read, never kept,
never changed). A parameter whose ``grad`` is ``None`` is skipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_lite.arguments import a_or_an

if TYPE_CHECKING:
    from tinygrad_lite.tensor import Tensor

_STATE_KEY = re.compile(r"state\.(\d+)\.(\w+)")


def check_number(
    owner: str,
    name: str,
    value: Any,
    low: float = 0.0,
    high: float = math.inf,
    finite: bool = True,
) -> float:
    """Return ``value`` as a Python float after checking ``low <= value <= high`` and, unless
    ``finite=False``, that it is finite (``lr=inf`` would turn every weight into inf or NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if finite and not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value}")
    if not (low <= value <= high) or math.isnan(value):
        raise ValueError(f"{owner}: {name} must be in [{low}, {high}], got {value}")
    return value


def check_eps(owner: str, eps: Any) -> float:
    """``eps`` of an adaptive optimizer: a number > 0. At eps = 0 a coordinate whose gradient
    has always been 0 (a dead ReLU unit) gets the step 0 / 0 = NaN and spoils the weights."""
    value = check_number(owner, "eps", eps)
    if value == 0:
        raise ValueError(
            f"{owner}: eps must be > 0, got 0.0; it keeps lr * g / (sqrt(h) + eps) finite where "
            "the running average h is still 0 (the usual values are 1e-8 to 1e-7)"
        )
    return value


def require_closure(owner: str, closure: Any, does: str) -> None:
    """Refuse ``closure=None`` for optimizers that must evaluate the loss themselves;
    ``does`` says what the closure has to do."""
    if closure is None:
        raise TypeError(f"{owner}.step needs a closure that {does}: opt.step(closure)")


def loss_value(loss: Any) -> float:
    """What a closure returned (a one-element Tensor, an array or a number) as a float."""
    return float(loss.item() if hasattr(loss, "item") else loss)


class Optimizer:
    """Base class: a parameter list, ``lr``, per-parameter state, ``step`` and ``zero_grad``.

    Subclasses set ``self.state_names`` (the per-parameter state they keep: arrays
    shaped like the parameter, plus an integer ``"step"`` where they count updates) and
    implement ``update(i, w, g)``, which changes the array ``w`` in place given the
    gradient array ``g`` of parameter number ``i``.

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0], requires_grad=True)
    >>> opt = tl.optim.SGD([w], lr=0.1)
    >>> (w * 3).sum().backward()
    >>> opt.step(); opt.zero_grad()
    >>> w.data, w.grad
    (array([0.7], dtype=float32), None)
    """

    #: optimizer-wide numbers saved by state_dict (subclasses may add to it)
    scalar_names: tuple[str, ...] = ("lr",)

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        name = type(self).__name__
        if hasattr(params, "named_parameters"):
            raise TypeError(
                f"{name}: got the model {type(params).__name__} itself; pass its parameters: "
                f"{name}(model.parameters(), lr=...)"
            )
        if hasattr(params, "data"):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors, e.g. [w] or model.parameters(), got one Tensor"
            )
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list; pass the Tensors to optimize")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            data = getattr(p, "data", None)
            if not isinstance(data, np.ndarray) or not hasattr(p, "grad"):
                raise TypeError(
                    f"{name}: parameter {i} is {a_or_an(type(p).__name__)}, not a Tensor"
                )
            if not np.issubdtype(data.dtype, np.floating):
                raise TypeError(
                    f"{name}: parameter {i} has dtype {data.dtype}; only floating-point Tensors can be optimized"
                )
            if id(p) in seen:
                raise ValueError(
                    f"{name}: parameter {i} appears more than once in the parameter list"
                )
            seen.add(id(p))
        self.lr = check_number(name, "lr", lr)
        self.state_names: tuple[str, ...] = ()
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to ``None`` (the next backward starts afresh)."""
        for p in self.params:
            p.grad = None

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if one is given.

        The closure (optional here, as in PyTorch) zeroes the grads, computes the loss,
        calls ``loss.backward()`` and returns the loss.
        """
        loss = closure() if closure is not None else None
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            self.update(i, p.data, self._grad_array(i, p))
        return loss

    def update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        """Change ``w`` (the data of parameter ``i``) in place, given its gradient ``g``."""
        raise NotImplementedError(f"{type(self).__name__} must implement update(i, w, g)")

    def _grad_array(self, i: int, p: Tensor) -> np.ndarray:
        grad = p.grad
        g = grad.data if hasattr(grad, "data") else np.asarray(grad)
        if g.shape != p.data.shape:
            raise ValueError(
                f"{type(self).__name__}: parameter {i} has shape {p.data.shape} but its grad has shape {g.shape}"
            )
        return g.astype(p.data.dtype, copy=False)

    # ---------------------------------------------------------------- saving and resuming

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's numbers as a flat dict of plain values.

        ``"lr"`` (schedulers change it) and the other ``scalar_names``, then
        ``"state.<i>.<name>"`` for each parameter's state: copies of arrays, and ``int``
        step counts. The other hyperparameters come from the constructor.
        """
        out: dict[str, Any] = {name: getattr(self, name) for name in self.scalar_names}
        for i, state in enumerate(self.state):
            for key, value in state.items():
                out[f"state.{i}.{key}"] = value.copy() if isinstance(value, np.ndarray) else value
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a ``state_dict()``; every key, shape and dtype is checked before anything changes."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{name}.load_state_dict: expected a dict, got {type(state_dict).__name__}"
            )
        scalars = {}
        for key in self.scalar_names:
            if key not in state_dict:
                raise ValueError(f"{name}.load_state_dict: missing key {key!r}")
            value = state_dict[key]
            if isinstance(value, np.ndarray) and value.shape == ():
                value = value.item()
            low = 0.0 if key == "lr" else -math.inf  # other scalars, e.g. best_loss, may be inf
            scalars[key] = check_number(
                f"{name}.load_state_dict", key, value, low=low, finite=key == "lr"
            )
        states: list[dict[str, Any]] = [{} for _ in self.params]
        for key, value in state_dict.items():
            if key in self.scalar_names:
                continue
            match = _STATE_KEY.fullmatch(key)
            if (
                match is None
                or match.group(2) not in self.state_names
                or int(match.group(1)) >= len(self.params)
            ):
                raise ValueError(
                    f"{name}.load_state_dict: unexpected key {key!r}; this optimizer has {len(self.params)} "
                    f"parameters and keeps {list(self.state_names)} per parameter"
                )
            i, field = int(match.group(1)), match.group(2)
            states[i][field] = self._checked_state_value(key, field, value, self.params[i].data)
        for i, state in enumerate(states):
            if state and set(state) != set(self.state_names):
                raise ValueError(
                    f"{name}.load_state_dict: parameter {i} has state {sorted(state)}, expected {sorted(self.state_names)}"
                )
        for key, value in scalars.items():
            setattr(self, key, value)
        self.state = states

    def _checked_state_value(self, key: str, field: str, value: Any, w: np.ndarray) -> Any:
        where = f"{type(self).__name__}.load_state_dict: {key}"
        if field == "step":
            if (
                isinstance(value, np.ndarray)
                and value.shape == ()
                and np.issubdtype(value.dtype, np.integer)
            ):
                value = value.item()
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(
                    f"{where} must be a non-negative integer step count, got {value!r}"
                )
            return int(value)
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{where} must be a NumPy array, got {type(value).__name__}")
        if value.shape != w.shape or value.dtype != w.dtype:
            raise ValueError(
                f"{where} has shape {value.shape} and dtype {value.dtype}; "
                f"the parameter has shape {w.shape} and dtype {w.dtype}"
            )
        return value.copy()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr})"
