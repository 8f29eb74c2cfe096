"""Graphs the explorer tests build (imported as ``from explore_helpers import ...``).

Each builder makes a fresh graph, so a test can build one for the page and an identical one
to run `trace_backward` on, and compare the two.
"""

import json
import re

import numpy as np

import tinygrad_lite as tl
from tinygrad_lite import nn

HOSTILE_NAMES = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")


def neuron():
    """The README's neuron ``y = tanh(x*w + b)``; returns ``y`` and its tensors by name."""
    x = tl.Tensor(2.0, name="x")
    w = tl.Tensor(-3.0, requires_grad=True, name="w")
    b = tl.Tensor(7.0, requires_grad=True, name="b")
    y = (x * w + b).tanh()
    y.name = "y"
    return y, {"x": x, "w": w, "b": b}


def fan_in():
    """``h`` feeds two ops (a fan-in in backward) and ``bias`` (3,) broadcasts over (2, 3)."""
    x = tl.Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]), dtype=np.float64, name="x")
    bias = tl.Tensor(np.array([0.1, -0.2, 0.3]), requires_grad=True, dtype=np.float64, name="bias")
    scale = tl.Tensor(0.5, requires_grad=True, dtype=np.float64, name="scale")
    h = x * scale + bias
    h.name = "h"
    loss = (h * h).sum() + (h * 0.5).sum()
    loss.name = "loss"
    return loss, {"x": x, "bias": bias, "scale": scale, "h": h}


def two_layer_step(hidden=16, batch=8, seed=0):
    """A TwoLayerNet(2, hidden, 3)'s cross-entropy on one batch (its modules are clusters)."""
    tl.manual_seed(seed)
    model = nn.TwoLayerNet(2, hidden, 3)
    rng = np.random.default_rng(seed)
    X = tl.Tensor(rng.normal(size=(batch, 2)).astype(np.float32), name="X")
    y = tl.Tensor(np.arange(batch) % 3, name="y")
    loss = nn.CrossEntropyLoss()(model(X), y)
    loss.name = "loss"
    return loss, dict(model.named_parameters())


def hostile():
    """Tensors named to break out of HTML and out of a <script> element."""
    a = tl.Tensor(3.0, requires_grad=True, name=HOSTILE_NAMES[0])
    c = a * a + a
    c.name = HOSTILE_NAMES[1]
    return c, {HOSTILE_NAMES[0]: a}


def embedded_data(page: str) -> dict:
    """The JSON the page's script reads, parsed from the page text."""
    match = re.search(
        r'<script type="application/json" id="tl-data">(.*?)</script>', page, re.DOTALL
    )
    assert match, "the page has no data element"
    return json.loads(match.group(1))
