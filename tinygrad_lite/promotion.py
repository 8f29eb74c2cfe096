"""Dtype promotion: which dtype an op computes in when its operands' dtypes differ.

The rules are PyTorch's (API.md), not NumPy's: a float tensor meeting an integer or bool
tensor keeps its own dtype (``float32 * int64 -> float32``, where NumPy gives float64), and
ops such as exp or mean turn integers into the default float dtype. ``tensor.py`` calls these
helpers before it runs an op; they never run when both operands already share a dtype.

This module sits below ``tensor.py`` (which imports it), so it never names the Tensor class:
it makes new tensors with the class of the tensors it is given.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

from tinygrad_lite import dtypes, ops
from tinygrad_lite.autograd import _state

if TYPE_CHECKING:
    from tinygrad_lite.tensor import Tensor


def _promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Two operands of different dtypes, as PyTorch combines them (NumPy's rule differs).

    A float tensor meeting an integer or bool tensor keeps its own dtype: the other one is
    converted (``float32 * int64 -> float32``, where NumPy gives float64; an integer tensor
    has no gradient, so nothing is lost). Two floats, two integers, or bool and integer
    give the wider dtype, which is what NumPy computes from them as they are.
    """
    a_float, b_float = a.data.dtype.kind == "f", b.data.dtype.kind == "f"
    if a_float and not b_float:
        return a, _converted(b, a)
    if b_float and not a_float:
        return _converted(a, b), b
    return a, b


def _converted(integers: Tensor, float_operand: Tensor) -> Tensor:
    """An integer or bool tensor's values in the dtype of the float tensor it meets.

    When the op will be recorded (the float tensor requires grad), so is the conversion, as
    a ``Cast`` node, though its result needs no gradient (integers have none): a drawing then
    shows where the integers enter, and a ``StaticGraph`` replay converts the values it is
    fed (integer targets of ``mse_loss``). Backward never walks it.
    """
    fn = ops.Cast(float_operand.data.dtype)
    out = type(float_operand)._from_array(fn.forward(integers.data))  # a new Tensor
    if _state.settings.grad_enabled and float_operand._requires_grad:
        fn.inputs, fn.scope, fn.freed = (integers,), _state.settings.scope, False
        out.grad_fn = fn
    return out


def _floating(t: Tensor) -> Tensor:
    """``t`` for a float tensor; an integer or bool one as the default float dtype (exp, log,
    mean... of integers give floats, as in PyTorch, not NumPy's float64)."""
    if t.data.dtype.kind == "f":
        return t
    return t.to(dtypes.get_default_dtype())


def _is_int(value: Any) -> bool:
    """True for an integer bound or setting (a Python or NumPy int), False for a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
