"""Nesterov momentum against the form the course notes write, not only against itself.

The notes take the gradient at the look-ahead point explicitly::

    g = grad L(W + mu*v);   v = mu*v - lr*g;   W = W + v

The library keeps the look-ahead point phi = W + mu*v as the parameter, so that the
gradient ``backward()`` gives is the one at the look-ahead point, and updates it as
``v' = mu*v - lr*grad L(phi);  phi += -mu*v + (1 + mu)*v'``. The two are the same method:
after every step the library's parameter equals the notes' ``W + mu*v``.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite import optim


def loss(w):
    """A non-quadratic loss, so the look-ahead gradient differs from the gradient at W."""
    return (w**4 / 4 + w * w - w * 3).sum()


def hand_gradient(w):
    return w**3 + 2 * w - 3


def notes_nesterov(w, lr, mu, steps):
    """The notes' form, in NumPy: the W path and the velocity after every step."""
    v = np.zeros_like(w)
    ws, vs = [], []
    for _ in range(steps):
        g = hand_gradient(w + mu * v)  # the gradient at the look-ahead point W + mu*v
        v = mu * v - lr * g
        w = w + v
        ws.append(w)
        vs.append(v)
    return ws, vs


start = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=4)


@settings(deadline=None)
@given(
    start=start,
    lr=st.floats(0.001, 0.1),
    mu=st.floats(0.0, 0.99, exclude_min=True),
    use_sgd=st.booleans(),
)
def test_library_parameter_is_the_notes_look_ahead_point(start, lr, mu, use_sgd):
    w0 = np.array(start, dtype=np.float64)
    p = tl.Tensor(w0.copy(), requires_grad=True)
    opt = (
        optim.SGD([p], lr=lr, momentum=mu, nesterov=True)
        if use_sgd
        else optim.Nesterov([p], lr=lr, momentum=mu)
    )
    ws, vs = notes_nesterov(w0, lr, mu, steps=25)
    for w, v in zip(ws, vs, strict=True):
        opt.zero_grad()
        loss(p).backward()
        opt.step()
        np.testing.assert_allclose(p.data, w + mu * v, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(opt.state[0]["v"], v, rtol=1e-10, atol=1e-12)


def test_both_forms_end_at_the_minimum_and_differ_from_plain_momentum():
    # The minimum of w^4/4 + w^2 - 3w is at w = 1 (1 + 2 - 3 = 0).
    w0 = np.array([-1.5, 2.5])
    ws, _ = notes_nesterov(w0, lr=0.05, mu=0.9, steps=300)
    p = tl.Tensor(w0.copy(), requires_grad=True)
    opt = optim.Nesterov([p], lr=0.05)
    q = tl.Tensor(w0.copy(), requires_grad=True)
    plain = optim.Momentum([q], lr=0.05)
    for step in range(300):
        for param, o in ((p, opt), (q, plain)):
            o.zero_grad()
            loss(param).backward()
            o.step()
        if step == 2:  # early on, looking ahead changes the path
            assert np.abs(p.data - q.data).max() > 1e-3
    np.testing.assert_allclose(ws[-1], 1.0, atol=1e-9)
    np.testing.assert_allclose(p.data, 1.0, atol=1e-9)
