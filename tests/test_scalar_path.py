"""Single numbers: the engine computes 0-d values as NumPy scalars, the user still sees arrays.

Elementwise ops on 0-d tensors (a graph of single numbers, micrograd-style) hand their
``forward`` and ``backward`` NumPy scalars instead of 0-d arrays, which NumPy computes with
several times faster. These tests pin that path (it is taken, and only for elementwise ops),
that it gives what the array path gives, value and dtype, against float64 central
differences, and that nothing of it leaks out: ``.data`` and ``.grad.data`` stay arrays.
"""

import numpy as np
import pytest

from tinygrad_lite import Tensor


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_0d_leaf_grad_stays_an_array_when_gradients_add_up(dtype):
    x = Tensor(2.0, requires_grad=True, dtype=dtype)
    (x * x).backward()
    (x * x).backward()  # adds into the .grad of the first backward
    assert type(x.grad.data) is np.ndarray
    assert x.grad.dtype == dtype
    assert x.grad.item() == 8.0
    x.grad.data[...] = 0  # an array can be written in place; a NumPy scalar could not
    assert x.grad.item() == 0.0
