"""Hand a model to PyTorch or to ONNX: the same network, the same weights, the same outputs.

- ``to_torch(model)`` / ``from_torch(module)``: the equivalent module on the other side.
- ``torch_state_dict(model)`` / ``load_torch_state_dict(model, state)``: weights in PyTorch's
  layout, as NumPy arrays.
- ``compare(model, torch_module, x)``: the largest differences of outputs and gradients.
- ``export_onnx(model_or_fn, example_inputs, path)``: an ONNX file of the recorded forward.

PyTorch (the ``[torch]`` extra) and the ``onnx`` package (the ``[onnx]`` extra) are imported
only when a function that needs them is called; without them, that call raises an
ImportError that says what to install.
"""

from tinygrad_lite.interop.compare import Comparison, compare
from tinygrad_lite.interop.onnx import export_onnx
from tinygrad_lite.interop.torch import (
    from_torch,
    load_torch_state_dict,
    to_torch,
    torch_state_dict,
)

__all__ = [
    "Comparison",
    "compare",
    "export_onnx",
    "from_torch",
    "load_torch_state_dict",
    "to_torch",
    "torch_state_dict",
]
