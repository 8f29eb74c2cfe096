"""tinygrad_lite: a small reverse-mode autograd engine on NumPy, for teaching.

>>> import tinygrad_lite as tl
>>> a = tl.Tensor(2.0, requires_grad=True)
>>> b = tl.Tensor(-3.0, requires_grad=True)
>>> c = (a * b + 1).relu() + a * a
>>> c.backward()
>>> a.grad.item(), b.grad.item()
(4.0, 0.0)
"""

__version__ = "0.1.0"

from tinygrad_lite import data, datasets, nn, optim, train
from tinygrad_lite.anomaly import AnomalyError, detect_anomaly
from tinygrad_lite.autograd import enable_grad, is_grad_enabled, no_grad
from tinygrad_lite.checkpoint import load_checkpoint, save_checkpoint
from tinygrad_lite.custom import custom_op
from tinygrad_lite.dtypes import get_default_dtype, set_default_dtype
from tinygrad_lite.explore import Explorer, explore
from tinygrad_lite.functions import cat, maximum, minimum, stack, where
from tinygrad_lite.gradcheck import GradcheckError, gradcheck, gradcheck_report, numerical_grad
from tinygrad_lite.graph import backward_frames, draw_graph
from tinygrad_lite.higher_order import grad, gradgradcheck, hessian, hvp
from tinygrad_lite.random import manual_seed
from tinygrad_lite.serialization import load, save
from tinygrad_lite.static import StaticGraph
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.trace import trace_backward

__all__ = [
    "AnomalyError",
    "Explorer",
    "GradcheckError",
    "StaticGraph",
    "Tensor",
    "backward_frames",
    "cat",
    "custom_op",
    "data",
    "datasets",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "explore",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradcheck_report",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "load",
    "load_checkpoint",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "numerical_grad",
    "optim",
    "save",
    "save_checkpoint",
    "set_default_dtype",
    "stack",
    "trace_backward",
    "train",
    "where",
]
