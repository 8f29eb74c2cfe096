"""The exercises' NumPy solutions (what ``solution()`` shows a learner) are right on their own:
each backward against float64 central differences of its forward, on Hypothesis-drawn shapes and
values; each update rule against the library's optimizer; He's std against ``nn.init``."""

import math

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
from hypothesis import given

import tinygrad_lite as tl
from tinygrad_lite import Tensor, nn, optim
from tinygrad_lite.exercises import activations, layers, losses, training
from tinygrad_lite.nn import functional as F


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(data, shape, lo=-3.0, hi=3.0):
    return data.draw(hnp.arrays(np.float64, shape, elements=floats(lo, hi)))


def close(actual, numeric):
    np.testing.assert_allclose(actual, numeric, rtol=1e-5, atol=1e-7)


@given(x=floats(-2, 2), w=floats(-2, 2), b=floats(-2, 2))
def test_chain_rule_scalar(x, w, b):
    numeric = tl.numerical_grad(lambda x, w, b: (x * w + b).tanh(), x, w, b)
    for got, want in zip(activations.chain_rule_scalar(x, w, b), numeric, strict=True):
        close(got, want)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_activations(shape, data):
    x = arrays(data, shape).copy()
    x[np.abs(x) < 1e-3] = 0.5  # ReLU: away from its kink
    upstream = arrays(data, shape, -2.0, 2.0)
    for solution, op in [
        (activations.sigmoid_backward, Tensor.sigmoid),
        (activations.tanh_backward, Tensor.tanh),
        (activations.relu_backward, Tensor.relu),
    ]:
        (numeric,) = tl.numerical_grad(lambda t, op=op: (op(t) * upstream).sum(), x)
        close(solution(x, upstream), numeric)


@given(n=st.integers(1, 4), d=st.integers(1, 4), m=st.integers(1, 4), data=st.data())
def test_layers(n, d, m, data):
    a, b, up_nd = arrays(data, (n, d)), arrays(data, (d,)), arrays(data, (n, d))
    numeric = tl.numerical_grad(lambda p, q: (p * q * up_nd).sum(), a, b)
    for got, want in zip(layers.mul_broadcast_backward(a, b, up_nd), numeric, strict=True):
        close(got, want)

    W, bias, up = arrays(data, (d, m)), arrays(data, (m,)), arrays(data, (n, m))
    numeric = tl.numerical_grad(lambda p, q: ((p @ q) * up).sum(), a, W)
    for got, want in zip(layers.matmul_backward(a, W, up), numeric, strict=True):
        close(got, want)
    numeric = tl.numerical_grad(lambda p, q, r: ((p @ q + r) * up).sum(), a, W, bias)
    for got, want in zip(layers.linear_backward(a, W, bias, up), numeric, strict=True):
        close(got, want)


@given(n=st.integers(1, 5), c=st.integers(2, 5), data=st.data())
def test_losses(n, c, data):
    scores = arrays(data, (n, c))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    (numeric,) = tl.numerical_grad(lambda s: F.cross_entropy(s, labels), scores)
    close(losses.softmax_cross_entropy_backward(scores, labels), numeric)

    margins = scores - scores[np.arange(n), labels][:, None] + 1.0
    if np.all(np.abs(margins) > 1e-3):  # away from the hinge's kinks
        (numeric,) = tl.numerical_grad(lambda s: F.svm_loss(s, labels), scores)
        close(losses.svm_loss_backward(scores, labels), numeric)

    pred, target = arrays(data, (n, c)), arrays(data, (n, c))
    (numeric,) = tl.numerical_grad(lambda p: F.mse_loss(p, target), pred)
    close(losses.mse_backward(pred, target), numeric)


@given(
    size=st.integers(1, 4),
    lr=floats(1e-4, 1.0),
    momentum=floats(0.0, 0.99),
    steps=st.integers(1, 4),
    data=st.data(),
)
def test_momentum_update_follows_the_library_optimizer(size, lr, momentum, steps, data):
    w = arrays(data, (size,))
    param = Tensor(w.copy(), dtype=np.float64, requires_grad=True)
    opt = optim.Momentum([param], lr=lr, momentum=momentum)
    v = np.zeros(size)
    for _ in range(steps):
        g = arrays(data, (size,))
        param.grad = Tensor(g, dtype=np.float64)
        opt.step()
        w, v = training.momentum_update(w, v, g, lr, momentum)
        np.testing.assert_allclose(param.data, w, rtol=1e-12, atol=1e-12)


@given(
    size=st.integers(1, 4),
    lr=floats(1e-4, 0.5),
    beta1=floats(0.0, 0.99),
    beta2=floats(0.5, 0.9999),
    eps=floats(1e-8, 0.1),
    steps=st.integers(1, 4),
    data=st.data(),
)
def test_adam_update_follows_the_library_optimizer(size, lr, beta1, beta2, eps, steps, data):
    w = arrays(data, (size,))
    param = Tensor(w.copy(), dtype=np.float64, requires_grad=True)
    opt = optim.Adam([param], lr=lr, betas=(beta1, beta2), eps=eps)
    m = v = np.zeros(size)
    for t in range(1, steps + 1):
        g = arrays(data, (size,))
        param.grad = Tensor(g, dtype=np.float64)
        opt.step()
        w, m, v = training.adam_update(w, m, v, g, t, lr, beta1, beta2, eps)
        np.testing.assert_allclose(param.data, w, rtol=1e-10, atol=1e-12)


def test_he_init_std_is_the_std_of_nn_init_he_normal():
    tl.manual_seed(0)
    weight = Tensor(np.zeros((400, 500)), dtype=np.float64)
    nn.init.he_normal_(weight)
    assert training.he_init_std(400) == math.sqrt(2 / 400)
    assert abs(weight.data.std() / training.he_init_std(400) - 1) < 0.01
