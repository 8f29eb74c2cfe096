"""``Tensor``: a NumPy array, its gradient, and the op that made it.

Every operation on tensors goes through :func:`apply`, which runs the op's ``forward`` on the
arrays and, when recording is on and some input requires grad, remembers the op as the
output's ``grad_fn``. Those links form the graph that ``backward()`` walks in reverse.

When two operands' dtypes differ, or an integer tensor meets exp or mean, the dtype an op
computes in comes from ``promotion.py`` (PyTorch's rule); ``_binary`` below applies it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_lite import arguments, dtypes, ops, ops_elementwise, ops_reduce, ops_shape
from tinygrad_lite import random as tl_random
from tinygrad_lite.autograd import Function, _state, run_backward
from tinygrad_lite.promotion import _floating, _is_int, _promote


def apply(fn: Function, *inputs: Tensor) -> Tensor:
    """Run ``fn`` forward on the inputs' arrays and record it in the graph when needed."""
    # fn.forward(*[t.data for t in inputs]), without building a list for 1 to 3 inputs, and
    # with single numbers (0-d) as NumPy scalars for an elementwise op: NumPy computes
    # x * y on two 0-d arrays in about 0.2 us, on the scalars they hold in 0.03 us.
    n_inputs = len(inputs)
    try:
        if n_inputs == 2:
            a, b = inputs
            x, y = a.data, b.data
            if not x.ndim and not y.ndim and fn.elementwise:
                x, y = x[()], y[()]
            data = fn.forward(x, y)
            record = a._requires_grad or b._requires_grad
        elif n_inputs == 1:
            x = inputs[0].data
            data = fn.forward(x[()] if not x.ndim and fn.elementwise else x)
            record = inputs[0]._requires_grad
        elif n_inputs == 3:  # Linear: x, weight, bias
            a, b, c = inputs
            data = fn.forward(a.data, b.data, c.data)
            record = a._requires_grad or b._requires_grad or c._requires_grad
        else:  # cat, stack, ...
            data = fn.forward(*[t.data for t in inputs])
            record = False
            for t in inputs:
                if t._requires_grad:
                    record = True
                    break
    except (ValueError, IndexError) as error:
        shapes = " and ".join(str(t.shape) for t in inputs)
        raise type(error)(f"{fn.name} on shape {shapes}: {arguments.with_fix(error)}") from None
    # out = Tensor._from_array(data), written out: every op runs this, and the method call
    # alone would add 7% to an op on small arrays (0.07 of 0.92 us for x + y on scalars).
    out = _new_object(Tensor)
    out.data = data if type(data) is np.ndarray else np.asarray(data)  # .data is an array
    out.grad = out.name = None
    out.retains_grad = False
    out._consumers_left = 0
    settings = _state.settings  # this thread's (one thread-local lookup, not three)
    if record and settings.grad_enabled:  # link the output to the op and the op to its inputs
        fn.inputs = inputs
        fn.scope = settings.scope
        fn.freed = False
        out.grad_fn = fn
        out._requires_grad = True
    else:
        out.grad_fn = None
        out._requires_grad = False
    if settings.anomaly is not None:
        settings.anomaly.after_forward(fn, inputs, out)
    return out


_new_object = object.__new__  # a global name is read faster than object.__new__, every op


class Tensor:
    """A NumPy array that remembers how it was computed, so gradients can flow back.

    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor(3.0, requires_grad=True)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad.item()   # dy/dx = 2x + 2
    8.0
    """

    __slots__ = (
        "__weakref__",
        "_consumers_left",  # during backward only: ops using this tensor yet to send a gradient
        "_grad_sum",  # during backward only: the sum of the gradients sent to it so far
        "_owns_grad_sum",  # and whether only the backward loop holds that array
        "_requires_grad",
        "data",
        "grad",
        "grad_fn",
        "name",
        "retains_grad",
    )
    __array_ufunc__ = None  # ``ndarray * Tensor`` calls Tensor.__rmul__ and returns a Tensor
    __hash__ = object.__hash__  # == compares elementwise, yet tensors can be dict keys

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None
    ) -> None:
        self.data = dtypes.to_array(data.data if isinstance(data, Tensor) else data, dtype)
        self.grad: Tensor | None = None
        self.grad_fn: Function | None = None
        self.name = name
        self.retains_grad = False
        self._consumers_left = 0
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_array(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap an array without copying or checking (the library's internal fast path)."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.grad_fn = None
        t.name = None
        t.retains_grad = False
        t._consumers_left = 0
        t._requires_grad = requires_grad
        return t

    # ------------------------------------------------------------ attributes

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self.data.dtype.kind != "f":
            raise TypeError(
                f"only float tensors can require grad; this one is {self.data.dtype} "
                "(integer tensors hold labels and indices). Use dtype=np.float32 if it is data."
            )
        if not flag and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on leaves; use .detach()")
        self._requires_grad = bool(flag)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user, not by an op (only leaves get ``.grad`` by default)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed."""
        return self.transpose()

    # ------------------------------------------------------------ conversions

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a one-element tensor, this one has shape {self.shape}; pick one "
                "element first (t[0].item()) or take all values with .tolist()"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory, never requires grad)."""
        return Tensor._from_array(self.data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.array(self.data, dtype=dtype, copy=copy)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor: it holds one value; read it with .item()")
        return len(self.data)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; reduce it "
                "first, e.g. bool((a > 0).data.all()), and find a tensor in a list by identity "
                "(any(t is u for u in items)), not with `in` or =="
            )
        return bool(self.data)

    def __repr__(self) -> str:
        values = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extra = f", grad_fn=<{self.grad_fn.name}>" if self.grad_fn is not None else ""
        if self.grad_fn is None and self._requires_grad:
            extra = ", requires_grad=True"
        name = f", name={self.name!r}" if self.name else ""
        return f"Tensor({values}, shape={self.shape}, dtype={self.dtype}{extra}{name})"

    # ------------------------------------------------------------ gradients

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``gradient`` is d(loss)/d(self), needed when ``self`` is not a scalar. The graph's saved
        values are freed afterwards unless ``retain_graph=True``; ``create_graph=True`` records
        the backward pass itself, so the gradients can be differentiated again. All or nothing:
        a pass stopped by an error or Ctrl-C changes no ``.grad`` and frees nothing.
        """
        seed = self._seed_gradient(gradient, create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        run_backward(
            self,
            seed,
            retain_graph=retain_graph,
            create_graph=create_graph,
            wrap=Tensor._from_array,
        )

    def _seed_gradient(self, gradient: Any, create_graph: bool) -> Any:
        """dRoot/dRoot: ones for a scalar root, or the given ``gradient`` checked for shape."""
        if not self._requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad, so it has no graph to walk back "
                "through; create the inputs with requires_grad=True (and not inside no_grad)"
            )
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: the root has shape {self.shape}, not a single value; reduce it "
                    "first (e.g. loss.sum() or loss.mean()) or pass gradient= of that shape"
                )
            seed = np.empty_like(self.data)  # dRoot/dRoot = 1 (as np.ones_like, 3x cheaper)
            seed[...] = 1
        else:
            seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward: gradient has shape {seed.shape} but the root has shape "
                    f"{self.shape}; they must match: pass one value of dLoss/droot per element "
                    f"of the root, an array of shape {self.shape}"
                )
            seed = seed.astype(self.dtype)
        if create_graph:
            if isinstance(gradient, Tensor) and gradient.dtype == self.dtype:
                return gradient  # keep its graph: the result may be differentiated w.r.t. it
            return Tensor._from_array(seed)
        return seed

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate tensor too (leaves always get it)."""
        if not self._requires_grad:
            raise RuntimeError(
                "retain_grad() on a tensor that does not require grad; only tensors computed "
                "from inputs created with requires_grad=True get a gradient"
            )
        if self.grad_fn is not None:
            self.retains_grad = True

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad`` becomes None)."""
        self.grad = None

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return the tensor."""
        self.requires_grad = flag
        return self

    # ------------------------------------------------------------ factories

    @classmethod
    def _factory(cls, data: np.ndarray, requires_grad: bool, dtype: Any) -> Tensor:
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.parse_dtype(dtype)
        return cls(data.astype(dtype, copy=False), requires_grad=requires_grad)

    @classmethod
    def zeros(cls, *shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        return cls._factory(np.zeros(arguments.sizes(shape, "zeros")), requires_grad, dtype)

    @classmethod
    def ones(cls, *shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        return cls._factory(np.ones(arguments.sizes(shape, "ones")), requires_grad, dtype)

    @classmethod
    def randn(cls, *shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """Standard normal samples from the library generator (``tl.manual_seed``)."""
        draws = tl_random.generator().standard_normal(arguments.sizes(shape, "randn"))
        return cls._factory(draws, requires_grad, dtype)

    @classmethod
    def rand(cls, *shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """Uniform samples in [0, 1) from the library generator."""
        draws = tl_random.generator().random(arguments.sizes(shape, "rand"))
        return cls._factory(draws, requires_grad, dtype)

    @classmethod
    def uniform(
        cls, low: float, high: float, shape: Any, requires_grad: bool = False, dtype: Any = None
    ) -> Tensor:
        """Uniform samples in [low, high) from the library generator."""
        if not low < high:
            raise ValueError(f"uniform needs low < high, got low={low}, high={high}")
        shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
        draws = tl_random.generator().uniform(low, high, shape)
        return cls._factory(draws, requires_grad, dtype)

    @classmethod
    def arange(cls, n: int, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """0, 1, ..., n-1 as int64 (or ``dtype``)."""
        return cls(np.arange(n), requires_grad=requires_grad, dtype=dtype)

    @classmethod
    def eye(cls, n: int, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        return cls._factory(np.eye(n), requires_grad, dtype)

    # ------------------------------------------------------------ operands

    def _operand(self, other: Any) -> Tensor:
        """A Tensor for the other operand. A scalar takes this tensor's dtype, unless it is of
        a higher kind (bool < integer < float): a float scalar with an integer tensor takes the
        default float dtype, an integer scalar with a bool tensor int64.

        A NumPy scalar or 0-d array counts as a scalar: ``x32 * np.float64(0.5)`` stays
        float32, as in PyTorch.
        """
        if isinstance(other, Tensor):
            return other
        if type(other) in (float, int) and self.data.dtype.kind == "f":  # the usual x * 2.0
            return _constant(other, self.data.dtype)
        if isinstance(other, np.ndarray) and other.ndim == 0:
            other = other[()]  # the NumPy scalar it holds
        if isinstance(other, np.bool_):  # NumPy's bool is no numbers.Number; Python's is
            other = bool(other)
        if isinstance(other, numbers.Number) and not isinstance(other, complex):
            kind = self.data.dtype.kind
            if kind == "f" or isinstance(other, bool | numbers.Integral):
                dtype = self.data.dtype if kind != "b" or isinstance(other, bool) else np.int64
            else:
                dtype = dtypes.get_default_dtype()
            return Tensor._from_array(np.array(other, dtype=dtype))
        if isinstance(other, np.ndarray | list | tuple):
            return Tensor(other)
        raise TypeError(
            f"unsupported operand type {type(other).__name__} for a Tensor operation; "
            "use a number, a list, an np.ndarray or a Tensor"
        )

    def __add__(self, other: Any) -> Tensor:
        return _binary(ops.Add(), self, self._operand(other))

    def __radd__(self, other: Any) -> Tensor:
        return _binary(ops.Add(), self._operand(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(ops.Sub(), self, self._operand(other))

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(ops.Sub(), self._operand(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(ops.Mul(), self, self._operand(other))

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(ops.Mul(), self._operand(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return _divide(self, self._operand(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return _divide(self._operand(other), self)

    def __pow__(self, other: Any) -> Tensor:
        return _binary(ops.Pow(), self, self._operand(other))

    def __rpow__(self, other: Any) -> Tensor:
        return _binary(ops.Pow(), self._operand(other), self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg(), self)

    def __matmul__(self, other: Any) -> Tensor:
        return _matmul(self, self._operand(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _matmul(self._operand(other), self)

    # Comparisons give boolean tensors and are not differentiable.
    def _compare(self, other: Any, compare: Any) -> Tensor:
        return Tensor._from_array(np.asarray(compare(self.data, ops.value(self._operand(other)))))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    # ------------------------------------------------------------ elementwise

    def exp(self) -> Tensor:
        return apply(ops.Exp(), _floating(self))

    def log(self) -> Tensor:
        return apply(ops.Log(), _floating(self))

    def sqrt(self) -> Tensor:
        return apply(ops.Sqrt(), _floating(self))

    def abs(self) -> Tensor:
        return apply(ops.Abs(), self)

    def relu(self) -> Tensor:
        return apply(ops.ReLU(), self)

    def identity(self) -> Tensor:
        return apply(ops.Identity(), self)

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid(), _floating(self))

    def tanh(self) -> Tensor:
        return apply(ops.Tanh(), _floating(self))

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """Limit values to [lo, hi] (either end may be None); gradient passes on [lo, hi]."""
        if lo is None and hi is None:
            raise ValueError("clip needs at least one of lo, hi")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"clip needs lo <= hi, got lo={lo}, hi={hi}")
        x = self
        if x.data.dtype.kind != "f" and all(b is None or _is_int(b) for b in (lo, hi)):
            lo, hi = (None if b is None else int(b) for b in (lo, hi))  # integers stay integers
        else:
            x = _floating(x)  # an integer tensor with a float bound: the default float dtype
            # Python floats: a NumPy float64 bound would turn a float32 tensor into float64.
            lo, hi = (None if b is None else float(b) for b in (lo, hi))
        return apply(ops.Clip(lo, hi), x)

    # ------------------------------------------------------------ reductions

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        axes = arguments.normalize_axis(axis, self.ndim, "sum")
        return apply(ops_reduce.Sum(axes, keepdims), self)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        axes = arguments.normalize_axis(axis, self.ndim, "mean")
        if self.data.size == 0:  # fine when each mean still has elements: (0, 3) over axis 1
            averaged = 0 if axes is None else math.prod(self.shape[a] for a in axes)
            if averaged == 0:
                raise ValueError(
                    f"mean over zero elements (shape {self.shape}, axis={axis}) is 0/0, "
                    "undefined; check for an empty batch before averaging"
                )
        return apply(ops_reduce.Mean(axes, keepdims), _floating(self))

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        axes = arguments.normalize_axis(axis, self.ndim, "max")
        return apply(ops_reduce.Max(axes, keepdims), self)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        axes = arguments.normalize_axis(axis, self.ndim, "min")
        return apply(ops_reduce.Min(axes, keepdims), self)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the largest value (an int64 tensor; not differentiable)."""
        if axis is not None:
            axis = arguments.single_axis(axis, self.ndim, "argmax")
        return Tensor._from_array(np.asarray(np.argmax(self.data, axis=axis, keepdims=keepdims)))

    # ------------------------------------------------------------ shape

    def reshape(self, *shape: Any) -> Tensor:
        """Same values, new shape (one -1 allowed), as ``np.reshape``."""
        return apply(ops.Reshape(arguments.shape_args(shape, "reshape")), self)

    def flatten(self, start_axis: int = 0, end_axis: int = -1) -> Tensor:
        """Merge the axes from ``start_axis`` to ``end_axis`` (both included) into one; with no
        argument, every element in one axis (a 1-D tensor).

        >>> Tensor.zeros(2, 3, 4).flatten(1).shape
        (2, 12)
        """
        if self.ndim == 0 or (start_axis == 0 and end_axis == -1):
            return self.reshape(-1)
        start = arguments.one_axis(start_axis, self.ndim, "flatten")
        end = arguments.one_axis(end_axis, self.ndim, "flatten")
        if start > end:
            raise ValueError(
                f"flatten: start_axis {start_axis} comes after end_axis {end_axis} in a tensor "
                f"with {self.ndim} dims; give start_axis <= end_axis"
            )
        merged = math.prod(self.shape[start : end + 1])
        return self.reshape(*self.shape[:start], merged, *self.shape[end + 1 :])

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes; with no argument, reverse them (as ``np.transpose``)."""
        axes = (
            arguments.shape_args(axes, "transpose") if axes else tuple(reversed(range(self.ndim)))
        )
        in_range = all(-self.ndim <= a < self.ndim for a in axes)  # -1 is the last axis
        if not in_range or sorted(a % self.ndim for a in axes) != list(range(self.ndim)):
            raise ValueError(
                f"transpose: {axes} is not a permutation of the {self.ndim} axes; name each "
                f"axis once, e.g. transpose{tuple(reversed(range(self.ndim)))}"
            )
        return apply(ops.Transpose(tuple(a % self.ndim for a in axes)), self)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        if self.ndim == 0:
            raise ValueError("swapaxes: a 0-d tensor has no axes to swap; it needs no swapping")
        order = list(range(self.ndim))
        (axis1,), (axis2,) = (
            arguments.normalize_axis(a, self.ndim, "swapaxes") for a in (axis1, axis2)
        )
        order[axis1], order[axis2] = order[axis2], order[axis1]
        return self.transpose(*order)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return apply(ops.BroadcastTo(tuple(shape)), self)

    def __getitem__(self, index: Any) -> Tensor:
        return apply(ops.GetItem(_index_arrays(index)), self)

    def scatter_add(self, index: Any, shape: Sequence[int]) -> Tensor:
        """A zero tensor of ``shape`` with this tensor added at ``index`` (GetItem's adjoint)."""
        return apply(ops.ScatterAdd(_index_arrays(index), tuple(shape)), self)

    # ------------------------------------------------------------ softmax family

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``, computed without overflow."""
        axis = arguments.single_axis(axis, self.ndim, "softmax")
        return apply(ops.Softmax(axis), _floating(self))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """log(softmax(x)) along ``axis``, computed without overflow or log(0)."""
        axis = arguments.single_axis(axis, self.ndim, "log_softmax")
        return apply(ops.LogSoftmax(axis), _floating(self))

    # ------------------------------------------------------------ more elementwise functions

    def sin(self) -> Tensor:
        """``sin(x)`` elementwise (x in radians).

        >>> x = Tensor(0.0, requires_grad=True)
        >>> x.sin().backward()
        >>> x.grad.item()   # cos(0)
        1.0
        """
        return apply(ops_elementwise.Sin(), _floating(self))

    def cos(self) -> Tensor:
        """``cos(x)`` elementwise (x in radians)."""
        return apply(ops_elementwise.Cos(), _floating(self))

    def log1p(self) -> Tensor:
        """``log(1 + x)``, exact even where x is tiny."""
        return apply(ops_elementwise.Log1p(), _floating(self))

    def expm1(self) -> Tensor:
        """``exp(x) - 1``, exact even where x is tiny."""
        return apply(ops_elementwise.Expm1(), _floating(self))

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of each value; its gradient is 0 everywhere."""
        return apply(ops_elementwise.Sign(), self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """``x`` where x > 0, else ``negative_slope * x``.

        >>> Tensor([-2.0, 3.0]).leaky_relu(0.25).tolist()
        [-0.5, 3.0]
        """
        slope = arguments.real_number(negative_slope, "negative_slope", "leaky_relu", "0.01")
        return apply(ops_elementwise.LeakyReLU(slope), self)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """``x`` where x > 0, else ``alpha * (exp(x) - 1)``."""
        alpha = arguments.real_number(alpha, "alpha", "elu", "1.0")
        return apply(ops_elementwise.ELU(alpha), _floating(self))

    def softplus(self) -> Tensor:
        """``log(1 + exp(x))``, a smooth relu, computed without overflow for large x."""
        return apply(ops_elementwise.Softplus(), _floating(self))

    def silu(self) -> Tensor:
        """``x * sigmoid(x)`` (also called swish)."""
        return apply(ops_elementwise.SiLU(), _floating(self))

    def gelu(self, approximate: str = "tanh") -> Tensor:
        """GELU in its tanh form: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

        The exact form ``x * Phi(x)`` needs erf, which NumPy lacks; the tanh form stays
        within 5e-4 of it (PyTorch's ``approximate="tanh"``).

        >>> round(Tensor(1.0).gelu().item(), 4)
        0.8412
        """
        if approximate != "tanh":
            why = (
                "the exact form x * Phi(x) needs erf, which NumPy does not have"
                if approximate == "none"
                else f"got approximate={approximate!r}"
            )
            raise ValueError(
                f"gelu: only approximate='tanh' is available ({why}); use "
                "gelu(approximate='tanh'), within 5e-4 of the exact form"
            )
        return apply(ops_elementwise.GELU(), _floating(self))

    # ------------------------------------------------------------ more reductions

    def var(self, axis: Any = None, keepdims: bool = False, correction: float = 1) -> Tensor:
        """The variance: squared deviations from the mean, summed and divided by
        ``n - correction`` (PyTorch's default 1 gives the unbiased sample variance; 0 gives
        NumPy's ``np.var``).

        >>> round(Tensor([1.0, 2.0, 3.0, 4.0]).var().item(), 4)  # 5 / (4 - 1)
        1.6667
        """
        axes = arguments.normalize_axis(axis, self.ndim, "var")
        correction = arguments.real_number(correction, "correction", "var", "0")
        n = ops_reduce.reduced_count(self.shape, axes)
        if n - correction <= 0:
            raise ValueError(
                f"var: each variance of shape {self.shape} over axis={axis} combines {n} "
                f"element(s), and n - correction = {n} - {correction:g} is not positive (a "
                "division by zero or less); use correction=0, or reduce over more elements"
            )
        return apply(ops_reduce.Var(axes, keepdims, correction), _floating(self))

    def std(self, axis: Any = None, keepdims: bool = False, correction: float = 1) -> Tensor:
        """The standard deviation, ``sqrt(var(...))`` (the same arguments as :meth:`var`)."""
        return self.var(axis, keepdims, correction).sqrt()

    def logsumexp(self, axis: Any, keepdims: bool = False) -> Tensor:
        """``log(sum(exp(x)))`` along ``axis`` (None for all), without overflow for large x."""
        axes = arguments.normalize_axis(axis, self.ndim, "logsumexp")
        return apply(ops_reduce.LogSumExp(axes, keepdims), _floating(self))

    def prod(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The product of the elements; its gradient is right even where some are 0.

        >>> x = Tensor([2.0, 0.0, 5.0], requires_grad=True)
        >>> x.prod().backward()
        >>> x.grad.tolist()
        [0.0, 10.0, 0.0]
        """
        axes = arguments.normalize_axis(axis, self.ndim, "prod")
        return apply(ops_reduce.Prod(axes, keepdims), self)

    def cumsum(self, axis: int) -> Tensor:
        """Running totals along ``axis``: element i is the sum of elements 0 to i."""
        return apply(ops_reduce.CumSum(arguments.one_axis(axis, self.ndim, "cumsum")), self)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the smallest value (an int64 tensor; not differentiable)."""
        if axis is not None:
            axis = arguments.single_axis(axis, self.ndim, "argmin")
        return Tensor._from_array(np.asarray(np.argmin(self.data, axis=axis, keepdims=keepdims)))

    # ------------------------------------------------------------ more shape operations

    def unsqueeze(self, axis: int) -> Tensor:
        """The same values with a new axis of length 1 at position ``axis``.

        >>> Tensor([1.0, 2.0]).unsqueeze(1).shape
        (2, 1)
        """
        position = arguments.new_axis(axis, self.ndim, "unsqueeze")
        return self.reshape(*self.shape[:position], 1, *self.shape[position:])

    def squeeze(self, axis: Any = None) -> Tensor:
        """The same values without axes of length 1: all of them, or those in ``axis`` (as in
        PyTorch, a named axis whose length is not 1 is kept)."""
        axes = arguments.normalize_axis(axis, self.ndim, "squeeze")
        chosen = range(self.ndim) if axes is None else axes
        return self.reshape(*(n for i, n in enumerate(self.shape) if n != 1 or i not in chosen))

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for :meth:`reshape` (any tensor can be viewed here)."""
        return self.reshape(*shape)

    def permute(self, *axes: Any) -> Tensor:
        """Reorder the axes: ``permute(2, 0, 1)`` puts axis 2 first; name every axis once."""
        axes = arguments.shape_args(axes, "permute")
        in_range = all(-self.ndim <= a < self.ndim for a in axes)
        if not in_range or sorted(a % self.ndim for a in axes) != list(range(self.ndim)):
            raise ValueError(
                f"permute: {axes} is not a permutation of the {self.ndim} axes of shape "
                f"{self.shape}; name each axis once, e.g. permute{tuple(range(self.ndim))[::-1]}"
            )
        return apply(ops.Transpose(tuple(a % self.ndim for a in axes)), self)

    def expand(self, *shape: Any) -> Tensor:
        """:meth:`broadcast_to` with PyTorch's name; a size of -1 keeps that axis' size."""
        shape = arguments.shape_args(shape, "expand")
        lead = len(shape) - self.ndim  # new axes in front
        sizes = tuple(
            self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape)
        )
        pairs = zip(self.shape, sizes[lead:], strict=False)  # unequal lengths: lead < 0 below
        stretchable = all(old in (1, new) for old, new in pairs)
        if lead < 0 or any(n < 0 for n in sizes) or not stretchable:
            raise ValueError(
                f"expand: cannot expand shape {self.shape} to {shape}; only axes of length 1 "
                "stretch: give one size per axis (-1 keeps an existing axis' size) and sizes "
                "for any new leading axes"
            )
        return self.broadcast_to(sizes)

    def flip(self, axis: Any) -> Tensor:
        """Reverse the order of the elements along ``axis`` (an int or a tuple of ints)."""
        return apply(ops_shape.Flip(arguments.normalize_axis(axis, self.ndim, "flip")), self)

    def pad(self, pad_width: Any, value: float = 0.0) -> Tensor:
        """Surround with ``value``, NumPy's ``pad_width`` form: ``n``, ``(before, after)`` or
        one ``(before, after)`` per axis.

        >>> Tensor([1.0, 2.0]).pad((1, 2)).tolist()
        [0.0, 1.0, 2.0, 0.0, 0.0]
        """
        widths = arguments.pad_widths(pad_width, self.ndim)
        fill = arguments.real_number(value, "value", "pad", "0.0")
        return apply(ops_shape.Pad(widths, fill), self)

    def split(self, split_size_or_sections: Any, axis: int = 0) -> tuple[Tensor, ...]:
        """Cut into pieces along ``axis``: an int is the size of every piece (the last one may
        be shorter), a list gives each piece's size. Each piece is a slice, so their gradients
        all land in this tensor's one gradient (0 where a piece was not used).

        >>> [p.tolist() for p in Tensor([1.0, 2.0, 3.0]).split(2)]
        [[1.0, 2.0], [3.0]]
        """
        axis = arguments.one_axis(axis, self.ndim, "split")
        pieces, start = [], 0
        for size in arguments.split_sizes(split_size_or_sections, self.shape[axis]):
            pieces.append(self[(slice(None),) * axis + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    # ------------------------------------------------------------ the operators as methods

    def add(self, other: Any) -> Tensor:
        """``self + other``."""
        return self + other

    def sub(self, other: Any) -> Tensor:
        """``self - other``."""
        return self - other

    def mul(self, other: Any) -> Tensor:
        """``self * other``."""
        return self * other

    def div(self, other: Any) -> Tensor:
        """``self / other``."""
        return self / other

    def matmul(self, other: Any) -> Tensor:
        """``self @ other``."""
        return self @ other

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return self**exponent

    def neg(self) -> Tensor:
        """``-self``."""
        return -self

    # ------------------------------------------------------------ dtype conversions
    # Last in the class: the methods named int and float would hide the built-in types from
    # the annotations of any method written after them.

    def to(self, dtype: Any) -> Tensor:
        """The values as ``dtype``; the tensor itself when it already has that dtype.

        A float-to-float cast is an op (``Cast``): the gradient flows back through it, in the
        original dtype. A cast to an integer or bool dtype gives a tensor outside the graph
        (integers have no gradient).

        >>> import numpy as np
        >>> x = Tensor([1.5, 2.5], requires_grad=True)
        >>> (x.to(np.float64) * 2).sum().backward()
        >>> x.grad.dtype, x.long().tolist()
        (dtype('float32'), [1, 2])
        """
        dtype = dtypes.parse_dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if dtype.kind == "f":
            return apply(ops.Cast(dtype), self)
        return Tensor._from_array(self.data.astype(dtype))

    def float(self) -> Tensor:
        """``self.to(np.float32)``, as PyTorch's ``.float()``."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """``self.to(np.float64)``, as PyTorch's ``.double()``."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """``self.to(np.int64)``: truncated toward zero, outside the graph, as PyTorch's ``.long()``."""
        return self.to(np.int64)

    def int(self) -> Tensor:
        """``self.to(np.int32)``: truncated toward zero, outside the graph, as PyTorch's ``.int()``."""
        return self.to(np.int32)


# ---------------------------------------------------------------- running binary ops


def _binary(fn: Function, a: Tensor, b: Tensor) -> Tensor:
    """``apply(fn, a, b)``, the operands first brought to one dtype as PyTorch does (API.md).

    Operands of one dtype, the usual case (a Python number already took the tensor's dtype),
    pass with one identity test: NumPy's built-in dtypes are single objects.
    """
    if a.data.dtype is not b.data.dtype:
        a, b = _promote(a, b)
    return apply(fn, a, b)


def _divide(a: Tensor, b: Tensor) -> Tensor:
    """``a / b``: as :func:`_binary`, and integers divide into the default float dtype."""
    if a.data.dtype is not b.data.dtype:
        a, b = _promote(a, b)
    if a.data.dtype.kind != "f":  # then b is no float either
        a, b = _floating(a), _floating(b)
    return apply(ops.Div(), a, b)


# The constant Tensors of ``x * 2.0``, one per (value, dtype). A plain dict: a loss like
# ``1 - y * score`` is rebuilt every step, and a weak cache would drop and remake its constant
# each time. The size limit keeps a loop over many different numbers from growing it forever.
_constants: dict[tuple[Any, np.dtype], Tensor] = {}
_MAX_CONSTANTS = 1024


def _constant(number: float, dtype: np.dtype) -> Tensor:
    """A read-only Tensor holding a Python number, shared by every op that uses that number.

    A chain of ``x * 1.0001`` then records one constant instead of one per op (draw_graph
    shows it once, with an edge to each op that reads it).
    """
    if number == 0:  # 0.0 == -0.0, yet x * -0.0 must keep its sign: zeros are not shared
        return Tensor._from_array(np.array(number, dtype=dtype))
    key = (number, dtype)
    t = _constants.get(key)
    if t is None:
        if len(_constants) >= _MAX_CONSTANTS:
            _constants.clear()
        data = np.array(number, dtype=dtype)
        data.flags.writeable = False  # shared: nobody may change it in place
        t = _constants[key] = Tensor._from_array(data)
    return t


def _index_arrays(index: Any) -> Any:
    """The index as GetItem keeps it: Tensors and arrays inside become arrays of its own.

    Backward reads the index again later; a copy keeps the gradient in the right places even
    if the caller refills its index array (a reused batch buffer) before calling backward.
    """
    if isinstance(index, tuple):
        return tuple(_own_index(i) for i in index)
    if isinstance(index, list):
        return np.array(index)
    return _own_index(index)


def _own_index(i: Any) -> Any:
    if isinstance(i, Tensor):
        return i.data.copy()
    return i.copy() if isinstance(i, np.ndarray) else i


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with NumPy's rules (a 1-D operand is a row on the left, a column on the right)."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"MatMul: operands must be at least 1-D, got {a.shape} @ {b.shape}; use *")
    k_left = a.shape[-1]
    k_right = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if k_left != k_right:
        right = "second-to-last axis" if b.ndim >= 2 else "length"
        raise ValueError(
            f"MatMul: shapes {a.shape} @ {b.shape} do not fit: the left operand's last axis "
            f"({k_left}) must equal the right operand's {right} ({k_right}); check the layer "
            "sizes, or transpose an operand (b.T)"
        )
    return _binary(ops.MatMul(), a, b)  # one node, also for a matrix-vector product
