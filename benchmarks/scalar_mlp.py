"""Workload 7, a scalar MLP: micrograd's demo network written neuron by neuron.

The network of micrograd's demo, 2 -> 16 -> 16 -> 1 with ReLU hidden layers, as a learner
writes it after the lecture: every weight is a single-number tensor, a neuron is
``sum(w * x for w, x in zip(ws, xs), b)``, Python loops run over the points, the neurons and
the weights. One SGD step per run on 16 two-moons points:

    loss = mean over points of relu(1 - y * score) + ALPHA * sum of p * p over every weight
    p   -= LR * dloss/dp

about 11,000 ops on single numbers per step. The model code (``loss_of``) is written once
and run by the engine (float64 0-d tensors), by micrograd 0.1.0 and by PyTorch (float64 0-d
tensors), each only when importable. The floor computes the same step on Python floats, its
backward written out by hand.

The target is the engine's time against micrograd's, in the same process: at most 1.0x.
A second row, without a target, times the same steps with Python's default garbage collector
on (``median_times(..., gc_on=True)``): what a learner's program sees.

Run alone: ``python benchmarks/scalar_mlp.py [--quick]``.
"""

from __future__ import annotations

import itertools

import numpy as np
from common import GC_ON, Row, load_micrograd, median_times, median_times_gc_on, run_alone
from small_net import make_problem

SIZES = (2, 16, 16, 1)
N_POINTS = 16
ALPHA = 1e-4
LR = 0.1


def problem_lists() -> tuple[list, list, list]:
    """The points, labels (+-1) and weights as Python floats.

    ``layers[k][j]`` is neuron j of layer k: (its input weights, its bias).
    """
    problem = make_problem(N_POINTS)
    layers = []
    for k in range(1, len(SIZES)):
        W, b = problem[f"W{k}"].astype(np.float64), problem[f"b{k}"].astype(np.float64)
        layers.append([(W[:, j].tolist(), float(b[j])) for j in range(W.shape[1])])
    X = problem["x"].astype(np.float64).tolist()
    Y = problem["y"][:, 0].astype(np.float64).tolist()
    return X, Y, layers


def flat(layers: list) -> list:
    """Every weight of the network, micrograd's order: per neuron its weights, then its bias."""
    return [p for layer in layers for ws, b in layer for p in (*ws, b)]


def loss_of(layers: list, X: list, Y: list):
    """The learner's code: works on any number type with + * relu (Tensor, Value, torch)."""
    scores = []
    for point in X:
        xs = point
        for k, layer in enumerate(layers):
            last = k == len(layers) - 1
            acts = []
            for ws, b in layer:
                act = sum((w * x for w, x in zip(ws, xs, strict=True)), b)
                acts.append(act if last else act.relu())
            xs = acts
        scores.append(xs[0])
    losses = [(1 + -y * score).relu() for y, score in zip(Y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in flat(layers))
    return data_loss + reg_loss


class Floor:
    """The floor: Python floats, forward and backward by hand."""

    def __init__(self) -> None:
        self.X, self.Y, self.layers = problem_lists()

    def loss_and_grads(self) -> tuple[float, list[float]]:
        layers, n = self.layers, len(self.X)
        grads = [[[[0.0] * len(ws), 0.0] for ws, _ in layer] for layer in layers]  # [dws, db]
        data_loss = 0.0
        for point, y in zip(self.X, self.Y, strict=True):
            xs, inputs, pres = (
                point,
                [],
                [],
            )  # each layer's input and pre-activation, kept for backward
            for k, layer in enumerate(layers):
                pre = [sum((w * x for w, x in zip(ws, xs, strict=True)), b) for ws, b in layer]
                inputs.append(xs)
                pres.append(pre)
                xs = pre if k == len(layers) - 1 else [max(v, 0.0) for v in pre]
            margin = 1 + -y * xs[0]
            if margin <= 0:  # relu'(margin) = 0: this point sends no gradient
                continue
            data_loss += margin
            d_out = [-y / n]  # d(mean of relu(1 - y * score))/dscore
            for k in reversed(range(len(layers))):
                if k < len(layers) - 1:  # d relu(pre)/dpre = 1[pre > 0]
                    d_out = [d if p > 0 else 0.0 for d, p in zip(d_out, pres[k], strict=True)]
                d_in = [0.0] * len(inputs[k])
                for (ws, _), g, d in zip(layers[k], grads[k], d_out, strict=True):
                    g[1] += d  # d pre/d b = 1
                    for i, (w, x) in enumerate(zip(ws, inputs[k], strict=True)):
                        g[0][i] += d * x  # d pre/d w = x
                        d_in[i] += d * w  # d pre/d x = w
                d_out = d_in
        params = flat(layers)
        loss = data_loss * (1.0 / n) + ALPHA * sum(p * p for p in params)
        flat_grads = [g for layer in grads for gw, gb in layer for g in (*gw, gb)]
        return loss, [g + 2 * ALPHA * p for g, p in zip(flat_grads, params, strict=True)]

    def step(self) -> None:
        _, grads = self.loss_and_grads()
        new = iter([p - LR * g for p, g in zip(flat(self.layers), grads, strict=True)])
        self.layers = [[([next(new) for _ in ws], next(new)) for ws, _ in l] for l in self.layers]

    def weights(self) -> list[float]:
        return flat(self.layers)


class _ZeroDTensors:
    """What the engine and PyTorch versions share: weights are 0-d tensors with ``.grad``
    (None when cleared) and ``.item()``."""

    layers: list
    params: list
    X: list
    Y: list

    def loss_and_grads(self) -> tuple[float, list[float]]:
        loss = loss_of(self.layers, self.X, self.Y)
        loss.backward()
        grads = [p.grad.item() for p in self.params]
        for p in self.params:
            p.grad = None
        return loss.item(), grads

    def weights(self) -> list[float]:
        return [p.item() for p in self.params]


class Engine(_ZeroDTensors):
    """The engine: every weight a float64 0-d Tensor; the update written out on ``.data``."""

    def __init__(self) -> None:
        from tinygrad_lite import Tensor  # noqa: PLC0415

        self.X, self.Y, layers = problem_lists()

        def weight(v: float) -> Tensor:
            return Tensor(v, requires_grad=True, dtype=np.float64)

        self.layers = [[([weight(w) for w in ws], weight(b)) for ws, b in l] for l in layers]
        self.params = flat(self.layers)

    def step(self) -> None:
        loss_of(self.layers, self.X, self.Y).backward()
        for p in self.params:
            p.data -= LR * p.grad.data
            p.grad = None


class Micrograd:
    """micrograd 0.1.0's ``Value`` for every weight, its demo's zero_grad and update."""

    def __init__(self, Value) -> None:
        self.X, self.Y, layers = problem_lists()
        self.layers = [[([Value(w) for w in ws], Value(b)) for ws, b in l] for l in layers]
        self.params = flat(self.layers)

    def loss_and_grads(self) -> tuple[float, list[float]]:
        loss = loss_of(self.layers, self.X, self.Y)
        loss.backward()
        grads = [p.grad for p in self.params]
        for p in self.params:
            p.grad = 0.0
        return loss.data, grads

    def step(self) -> None:
        loss_of(self.layers, self.X, self.Y).backward()
        for p in self.params:
            p.data -= LR * p.grad
            p.grad = 0.0

    def weights(self) -> list[float]:
        return [p.data for p in self.params]


class Torch(_ZeroDTensors):
    """PyTorch eager: every weight a float64 0-d tensor."""

    def __init__(self, torch) -> None:
        self.torch = torch
        self.X, self.Y, layers = problem_lists()

        def weight(v: float):
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        self.layers = [[([weight(w) for w in ws], weight(b)) for ws, b in l] for l in layers]
        self.params = flat(self.layers)

    def step(self) -> None:
        loss_of(self.layers, self.X, self.Y).backward()
        with self.torch.no_grad():
            for p in self.params:
                p -= LR * p.grad  # noqa: PLW2901 (in place)
                p.grad = None


def versions(torch=None, Value=None) -> dict:
    found = {"numpy": Floor(), "engine": Engine()}
    if Value is not None:
        found["micrograd"] = Micrograd(Value)
    if torch is not None:
        found["torch"] = Torch(torch)
    return found


def check(torch=None, Value=None) -> None:
    """Every version gives the floor's loss and gradients (float64, to rounding), and the
    same weights after two SGD steps."""
    found = versions(torch, Value)
    floor = found["numpy"]
    loss, grads = floor.loss_and_grads()
    assert np.count_nonzero(grads) > len(grads) // 2, "most weights should get a gradient"
    for name, version in found.items():
        other_loss, other_grads = version.loss_and_grads()
        np.testing.assert_allclose(other_loss, loss, rtol=1e-12, err_msg=f"scalar mlp: {name}")
        np.testing.assert_allclose(
            other_grads, grads, rtol=1e-9, atol=1e-15, err_msg=f"scalar mlp: {name} gradients"
        )
    for version in found.values():
        version.step()
        version.step()
    for name, version in found.items():
        np.testing.assert_allclose(
            version.weights(), floor.weights(), rtol=1e-12, err_msg=f"scalar mlp: {name} steps"
        )


def run(quick: bool = False, torch=None) -> list[Row]:
    Value = load_micrograd()
    check(torch, Value)
    steps = {name: version.step for name, version in versions(torch, Value).items()}
    t = median_times(steps, rounds=3 if quick else 21)
    t_gc = median_times_gc_on(steps, quick)  # informational, no target: as a learner's Python
    n_weights = sum(len(ws) + 1 for ws, _ in itertools.chain(*problem_lists()[2]))
    case = f"2-16-16-1 neuron by neuron ({n_weights} weights), {N_POINTS} points, SGD step"
    return [
        Row.from_versions("scalar mlp", case, "ms/step", t, 1.0, scale=1e3, versus="micrograd"),
        Row.from_versions("scalar mlp", case + GC_ON, "ms/step", t_gc, None, scale=1e3),
    ]


def check_quick() -> None:
    """The correctness check alone, micrograd included when installed (the test suite runs this)."""
    check(Value=load_micrograd())


if __name__ == "__main__":
    run_alone(__doc__, run)
