"""Bad input across the public API: the right exception type, a message that names the problem,
and a message that says what to do instead.

Every case is one row: what is called, the exception type it must raise (exactly that type),
a pattern the message must contain for the problem and one for the fix. The rows are grouped
by the part of the library they exercise. Tests elsewhere check some of these errors for their
type; this file is the catalogue that holds every message to the "problem + fix" rule.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from helpers import run_module

import tinygrad_lite as tl
from tinygrad_lite import Tensor, datasets, nn, optim
from tinygrad_lite.cli import main
from tinygrad_lite.data import DataLoader, train_val_test_split
from tinygrad_lite.nn import functional as F


@dataclass(frozen=True)
class Case:
    what: str
    call: Callable[..., object]
    error: type[BaseException]
    problem: str
    fix: str


def scores(n=2, c=3):
    return Tensor(np.zeros((n, c)))


def w():
    return Tensor([1.0, 2.0], requires_grad=True)


def backward_twice():
    x = w()
    y = (x * x).sum()
    y.backward()
    y.backward()


def turn_off_requires_grad_of_a_result():
    y = w() * 2
    y.requires_grad = False


def grad_of_an_unused_input():
    x, unused = w(), w()
    return tl.grad((x * 2).sum(), [unused])


def load_a_state_dict_with_every_kind_of_problem():
    net = nn.TwoLayerNet(2, 3, 2)
    state = net.state_dict()
    del state["fc2.bias"]  # missing
    state["fc3.weight"] = np.zeros((3, 2), np.float32)  # unexpected
    state["fc1.weight"] = np.zeros((3, 2), np.float32)  # mis-shaped (2, 3)
    net.load_state_dict(state)


def load_a_float64_state_into_float32_model():
    net = nn.Linear(2, 1)
    net.load_state_dict({k: v.astype(np.float64) for k, v in net.state_dict().items()})


def load_a_mis_shaped_buffer():
    net = nn.BatchNorm1d(2)
    state = net.state_dict()
    state["running_mean"] = np.zeros(3, np.float32)
    net.load_state_dict(state)


CASES = [
    # ---------------------------------------------------------------- making tensors
    Case("integer tensor that requires grad", lambda: Tensor([1, 2], requires_grad=True),
         TypeError, r"only float tensors can require grad; this one is int64",
         r"dtype=np\.float32"),
    Case("a dict is not array-like", lambda: Tensor({"a": 1}),
         TypeError, r"cannot make a tensor from dict", r"pass numbers, nested lists or an array"),
    Case("None is not array-like", lambda: Tensor(None),
         TypeError, r"cannot make a tensor from NoneType", r"pass numbers, nested lists"),
    Case("ragged nested lists", lambda: Tensor([[1.0, 2.0], [3.0]]),
         ValueError, r"data must be rectangular", r"every row of a nested list the same length"),
    Case("unknown dtype name", lambda: Tensor([1.0], dtype="float33"),
         TypeError, r"unknown dtype 'float33'", r"np\.float32, np\.float64"),
    Case("integer default dtype", lambda: tl.set_default_dtype(np.int32),
         TypeError, r"got int32", r"needs a float dtype \(np\.float32, np\.float64\)"),
    Case("a string as an operand", lambda: Tensor([1.0]) + "a",
         TypeError, r"unsupported operand type str",
         r"use a number, a list, an np\.ndarray or a Tensor"),
    Case("a float size for a factory", lambda: Tensor.zeros(2.5),
         TypeError, r"zeros: sizes must be ints, got 2\.5", r"e\.g\. zeros\(2, 3\)"),
    Case("a negative size for a factory", lambda: Tensor.randn(2, -1),
         ValueError, r"randn: .*got \(2, -1\)", r"sizes must be >= 0"),
    Case("uniform with low >= high", lambda: Tensor.uniform(1.0, 0.0, 3),
         ValueError, r"got low=1\.0, high=0\.0", r"needs low < high"),
    Case("a float seed", lambda: tl.manual_seed(1.5),
         TypeError, r"manual_seed .*got float", r"expects an int"),
    # ---------------------------------------------------------------- shapes, axes, indices
    Case("shapes that do not broadcast", lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones(4)),
         ValueError, r"Add on shape \(2, 3\) and \(4,\): operands could not be broadcast",
         r"equal or one of them is 1; reshape an operand"),
    Case("(N, 2) minus (N,): the classic missing reshape",
         lambda: Tensor(np.ones((3, 2))) - Tensor(np.ones(3)),
         ValueError, r"Sub on shape \(3, 2\) and \(3,\)", r"b\.reshape\(-1, 1\)"),
    Case("matmul with mismatched inner sizes", lambda: Tensor(np.ones((2, 3))) @ np.ones((4, 5)),
         ValueError, r"MatMul: shapes \(2, 3\) @ \(4, 5\) do not fit.*\(3\).*\(4\)",
         r"check the layer sizes, or transpose an operand"),
    Case("matmul of two vectors of different lengths",
         lambda: Tensor(np.ones(3)) @ Tensor(np.ones(4)),
         ValueError, r"last axis \(3\) must equal the right operand's length \(4\)",
         r"transpose an operand"),
    Case("matmul with a 0-d tensor", lambda: Tensor(2.0) @ Tensor(np.ones(2)),
         ValueError, r"operands must be at least 1-D, got \(\) @ \(2,\)", r"use \*"),
    Case("sum over an axis that does not exist", lambda: Tensor(np.ones((2, 3))).sum(axis=2),
         ValueError, r"sum: axis 2 is out of range for a tensor with 2 dims",
         r"use an axis from -2 to 1"),
    Case("softmax over an axis that does not exist", lambda: Tensor(np.ones(3)).softmax(axis=1),
         ValueError, r"softmax: axis 1 is out of range .* 1 dims", r"from -1 to 0"),
    Case("a float axis", lambda: Tensor(np.ones((2, 3))).max(axis=1.0),
         TypeError, r"max: axis .*got 1\.0", r"must be an int or a tuple of ints"),
    Case("the same axis twice", lambda: Tensor(np.ones((2, 3))).mean(axis=(1, -1)),
         ValueError, r"mean: repeated axis in \(1, -1\)", r"list each axis once"),
    Case("reshape to a different number of elements", lambda: Tensor(np.ones((2, 3))).reshape(4, 2),
         ValueError, r"Reshape on shape \(2, 3\): cannot reshape array of size 6",
         r"write -1 for one axis"),
    Case("two -1 in a reshape", lambda: Tensor(np.ones((2, 3))).reshape(-1, -1),
         ValueError, r"only specify one unknown dimension", r"-1 for at most one axis"),
    Case("transpose with a repeated axis", lambda: Tensor(np.ones((2, 3))).transpose(0, 0),
         ValueError, r"\(0, 0\) is not a permutation of the 2 axes", r"e\.g\. transpose\(1, 0\)"),
    Case("swapaxes with an axis that does not exist", lambda: Tensor(np.ones((2, 3))).swapaxes(0, 2),
         ValueError, r"swapaxes: axis 2 is out of range", r"use an axis from -2 to 1"),
    Case("broadcast_to a shape with fewer axes", lambda: Tensor(np.ones((2, 3))).broadcast_to((3,)),
         ValueError, r"BroadcastTo on shape \(2, 3\)", r"can only add leading axes"),
    Case("an index past the end", lambda: Tensor([1.0, 2.0, 3.0])[5],
         IndexError, r"GetItem on shape \(3,\): index 5 is out of bounds for axis 0 with size 3",
         r"from -n to n-1"),
    Case("an index array with an index past the end", lambda: Tensor(np.ones((2, 3)))[:, [0, 3]],
         IndexError, r"index 3 is out of bounds for axis 1 with size 3", r"from -n to n-1"),
    Case("more indices than axes", lambda: Tensor([1.0, 2.0])[0, 0],
         IndexError, r"too many indices", r"at most one index per axis"),
    Case("item() of several values", lambda: Tensor([1.0, 2.0]).item(),
         ValueError, r"one-element tensor, this one has shape \(2,\)", r"\.tolist\(\)"),
    Case("`if tensor:` with several values", lambda: bool(Tensor([1.0, 2.0]) > 0),
         ValueError, r"truth value of a tensor of shape \(2,\) is ambiguous",
         r"reduce it first.*by identity"),
    Case("len() of a 0-d tensor", lambda: len(Tensor(1.0)),
         TypeError, r"len\(\) of a 0-d tensor", r"\.item\(\)"),
    Case("clip with lo > hi", lambda: Tensor([1.0]).clip(2.0, 1.0),
         ValueError, r"got lo=2\.0, hi=1\.0", r"needs lo <= hi"),
    # ---------------------------------------------------------------- the graph
    Case("backward twice through a freed graph", backward_twice,
         RuntimeError, r"backward through the graph a second time.*freed",
         r"Pass retain_graph=True to the first backward\(\)"),
    Case("backward of a non-scalar", lambda: (w() * 2).backward(gradient=None),
         ValueError, r"the root has shape \(2,\), not a single value",
         r"loss\.sum\(\).*or pass gradient="),
    Case("gradient of the wrong shape", lambda: (w() * 2).backward(np.ones(3)),
         ValueError, r"gradient has shape \(3,\) but the root has shape \(2,\)",
         r"an array of shape \(2,\)"),
    Case("backward of a tensor without a graph", lambda: Tensor([1.0]).sum().backward(),
         RuntimeError, r"does not require grad", r"requires_grad=True \(and not inside no_grad\)"),
    Case("requires_grad=False on a computed tensor", turn_off_requires_grad_of_a_result,
         RuntimeError, r"only be turned off on leaves", r"\.detach\(\)"),
    Case("retain_grad on a constant", lambda: Tensor([1.0]).retain_grad(),
         RuntimeError, r"does not require grad", r"created with requires_grad=True"),
    Case("tl.grad of an input that was not used", grad_of_an_unused_input,
         ValueError, r"inputs\[0\] \(shape \(2,\)\) is not used", r"allow_unused=True"),
    Case("gradcheck of a non-scalar function", lambda: tl.gradcheck(lambda x: x * 2, np.ones(3)),
         ValueError, r"gradcheck: f must return .*scalar Tensor.*got shape \(3,\)", r"\.sum\(\)"),
    # ---------------------------------------------------------------- losses
    Case("class label past the last class", lambda: F.cross_entropy(scores(), np.array([0, 3])),
         ValueError, r"class index 3 out of range for 3 classes \(scores of shape \(2, 3\)\)",
         r"labels must lie in \[0, 2\]"),
    Case("negative class label", lambda: nn.CrossEntropyLoss()(scores(), np.array([-1, 0])),
         ValueError, r"class index -1 out of range", r"labels must lie in \[0, 2\]"),
    Case("float class labels", lambda: F.cross_entropy(scores(), np.array([0.0, 1.0])),
         TypeError, r"must be integer class indices, got dtype float64",
         r"labels\.astype\(np\.int64\)"),
    Case("one label too many", lambda: F.cross_entropy(scores(), np.array([0, 1, 2])),
         ValueError, r"got shape \(3,\)", r"must have shape \(2,\) \(class indices\) or \(2, 3\)"),
    Case("scores given as an array", lambda: F.cross_entropy(np.zeros((2, 3)), np.array([0, 1])),
         TypeError, r"scores must be a Tensor, got ndarray", r"Tensor\(scores\)"),
    Case("label rows that are not one-hot",
         lambda: F.cross_entropy(scores(), np.array([[1, 1, 0], [0, 0, 1]])),
         ValueError, r"label rows of shape \(2, 3\) must be one-hot or probabilities",
         r"each row summing to 1"),
    Case("unknown reduction", lambda: F.cross_entropy(scores(), np.array([0, 1]), reduction="avg"),
         ValueError, r"got 'avg'", r"must be 'mean', 'sum' or 'none'"),
    Case("(N, 1) prediction against an (N,) target",
         lambda: nn.MSELoss()(Tensor(np.zeros((4, 1))), np.zeros(4)),
         ValueError, r"pred has shape \(4, 1\) but target has shape \(4,\)",
         r"target\.reshape\(-1, 1\)"),
    Case("SVM label past the last class", lambda: F.svm_loss(scores(), np.array([0, 5])),
         ValueError, r"svm_loss: class index 5 out of range", r"\[0, 2\]"),
    Case("l2_penalty of no tensors", lambda: F.l2_penalty([]),
         ValueError, r"l2_penalty: params is empty", r"model\.parameters\(\)"),
    Case("l2_penalty of an array", lambda: F.l2_penalty([w(), np.ones(2)]),
         TypeError, r"params\[1\] is an ndarray, not a Tensor", r"list of Tensors"),
    Case("l2_penalty strength as a string", lambda: F.l2_penalty([w()], alpha="0.1"),
         TypeError, r"alpha must be a number, got '0\.1'", r"alpha=1e-4"),
    Case("negative l2_penalty strength", lambda: F.l2_penalty([w()], alpha=-0.1),
         ValueError, r"alpha must be >= 0 .*got -0\.1", r"alpha=1e-4"),
    # ---------------------------------------------------------------- StaticGraph
    Case("StaticGraph run with another batch size",
         lambda: tl.StaticGraph(lambda x: (x * w()).sum(), np.ones(2)).run(np.ones(3)),
         ValueError, r"input 0 has shape \(3,\), but the graph was recorded for shape \(2,\)",
         r"record another StaticGraph for this shape"),
    Case("StaticGraph input the loss never reads as a graph input",
         lambda: tl.StaticGraph(F.svm_loss, np.zeros((2, 3)), np.array([0, 1])),
         ValueError, r"input 1 does not reach the loss through any recorded op",
         r"use a loss that takes it as a graph input"),
    Case("StaticGraph of a loss with many values",
         lambda: tl.StaticGraph(lambda x: x * w(), np.ones(2)),
         ValueError, r"a Tensor with one value; got shape \(2,\)", r"\.mean\(\)"),
    # ---------------------------------------------------------------- nn
    Case("Linear fed the wrong feature count names the layer",
         lambda: nn.TwoLayerNet(4, 8, 2)(Tensor(np.ones((3, 5)))),
         ValueError, r"fc1: Linear\(4, 8\) expected input with 4 features, got shape \(3, 5\)",
         r"feed shape \(N, 4\), or change the layer's in_features"),
    Case("Linear fed an array", lambda: nn.Linear(4, 2)(np.ones((3, 4))),
         TypeError, r"expected a Tensor, got ndarray", r"wrap it: Tensor\(x\)"),
    *(
        Case(f"F.{name} fed an array", lambda name=name: getattr(F, name)(np.ones((2, 3))),
             TypeError, rf"{name}: x must be a Tensor, got ndarray", r"wrap an array: Tensor\(x\)")
        for name in ("relu", "sigmoid", "tanh", "softmax", "log_softmax")
    ),
    Case("sum over axis 1 of a 0-d tensor", lambda: Tensor(2.0).sum(1),
         ValueError, r"sum: axis 1 is out of range for a tensor with 0 dims",
         r"use an axis from -1 to 0 or axis=None"),
    Case("softmax over a tuple of axes", lambda: Tensor(np.ones((2, 2))).softmax(axis=(0, 1)),
         TypeError, r"softmax: axis must be one int, got \(0, 1\)", r"axis=-1"),
    Case("Linear with zero inputs", lambda: nn.Linear(0, 2),
         ValueError, r"in_features .*got 0", r"must be a positive int"),
    Case("Linear with an unknown init", lambda: nn.Linear(2, 2, init="gauss"),
         ValueError, r"unknown init 'gauss'", r"choose one of lecun, xavier, he, zeros"),
    Case("unknown activation name", lambda: nn.MLP([2, 3, 1], activation="gelu"),
         ValueError, r"MLP: unknown activation 'gelu'", r"choose one of relu, sigmoid, tanh, identity"),
    Case("load_state_dict: missing, unexpected and mis-shaped keys in one message",
         load_a_state_dict_with_every_kind_of_problem,
         ValueError, r"nothing was loaded.*missing keys: fc2\.bias; unexpected keys: fc3\.weight; "
         r"fc1\.weight: shape \(3, 2\) in the state, \(2, 3\) in the model",
         r"strict=False loads the matching keys"),
    Case("load_state_dict with the wrong dtype", load_a_float64_state_into_float32_model,
         ValueError, r"weight: dtype float64 in the state, float32 in the model",
         r"cast it first: array\.astype\(np\.float32\)"),
    Case("register_buffer given an array", lambda: nn.Linear(2, 2).register_buffer("n", np.ones(2)),
         TypeError, r"Linear.register_buffer: buffer 'n' must be a Tensor or None, got ndarray",
         r"wrap an array: Tensor\(array\)"),
    Case("register_buffer over a parameter",
         lambda: nn.Linear(2, 2).register_buffer("weight", Tensor.zeros(2)),
         KeyError, r"'weight' is already an attribute of this module", r"pick another name"),
    Case("load_state_dict with a mis-shaped running mean", load_a_mis_shaped_buffer,
         ValueError, r"nothing was loaded.*running_mean: shape \(3,\) in the state, \(2,\) in",
         r"in the model"),
    Case("dropout probability above 1", lambda: nn.Dropout(p=1.5),
         ValueError, r"Dropout: p is the probability of dropping .* got 1\.5", r"e\.g\. p=0\.5"),
    Case("dropout probability as a string", lambda: F.dropout(w(), p="0.5"),
         TypeError, r"dropout: p must be a number in \[0, 1\], got '0\.5'", r"e\.g\. p=0\.5"),
    Case("BatchNorm1d with no features", lambda: nn.BatchNorm1d(0),
         ValueError, r"num_features must be at least 1, got 0", r"e\.g\. BatchNorm1d\(100\)"),
    Case("BatchNorm1d with momentum above 1", lambda: nn.BatchNorm1d(3, momentum=2.0),
         ValueError, r"momentum must be in \[0, 1\] .*got 2\.0", r"momentum=0\.1"),
    Case("BatchNorm1d fed the wrong feature count",
         lambda: nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(3))(Tensor.ones(5, 2)),
         ValueError, r"1: BatchNorm1d\(3, .*\) expected input of shape \(N, 3\), got shape \(5, 4\)",
         r"place it after a layer with 3 outputs"),
    Case("BatchNorm1d training on one sample", lambda: nn.BatchNorm1d(2)(Tensor.ones(1, 2)),
         ValueError, r"needs at least 2 samples per batch in training .*got a batch of 1",
         r"use a larger batch, or call model\.eval\(\)"),
    Case("GELU without the tanh form", lambda: nn.GELU(approximate="none"),
         ValueError, r"approximate='none' is not available.*erf", r'GELU\(approximate="tanh"\)'),
    Case("BCE of values outside [0, 1]", lambda: F.binary_cross_entropy(Tensor([2.0]), [1.0]),
         ValueError, r"binary_cross_entropy: probs must lie in \[0, 1\], got values from 2\.0",
         r"for raw scores \(logits\) use binary_cross_entropy_with_logits"),
    Case("BCE with class indices as targets",
         lambda: F.binary_cross_entropy_with_logits(Tensor([0.0, 1.0]), [2, 0]),
         ValueError, r"targets must lie in \[0, 1\] .*from 0 to 2", r"use cross_entropy"),
    Case("BCE targets of another shape",
         lambda: nn.BCEWithLogitsLoss()(Tensor(np.zeros((4, 1))), np.zeros(4)),
         ValueError, r"targets have shape \(4,\) but the input has shape \(4, 1\)",
         r"targets\.reshape\(-1, 1\)"),
    Case("nll_loss of a vector", lambda: F.nll_loss(Tensor.zeros(3), [0, 1, 2]),
         ValueError, r"nll_loss: log_probs must have shape \(N, C\).*got shape \(3,\)",
         r"pass log_softmax\(scores, axis=1\)"),
    Case("orthogonal_ of a bias", lambda: nn.init.orthogonal_(Tensor.zeros(3)),
         ValueError, r"orthogonal_: needs a tensor with at least 2 axes, got shape \(3,\)",
         r"for a bias use zeros_ or normal_"),
    # ---------------------------------------------------------------- optim
    Case("optimizer with no parameters", lambda: optim.SGD([], lr=0.1),
         ValueError, r"SGD: got an empty parameter list", r"pass the Tensors to optimize"),
    Case("negative learning rate", lambda: optim.Adam([w()], lr=-0.1),
         ValueError, r"Adam: lr .*got -0\.1", r"must be in \[0\.0, inf\]"),
    Case("optimizer given the model itself", lambda: optim.Adam(nn.Linear(2, 2), lr=0.1),
         TypeError, r"Adam: got the model Linear itself", r"Adam\(model\.parameters\(\)"),
    Case("optimizer given one Tensor", lambda: optim.SGD(w(), lr=0.1),
         TypeError, r"got one Tensor", r"e\.g\. \[w\] or model\.parameters\(\)"),
    Case("optimizer given an integer tensor", lambda: optim.SGD([Tensor([1, 2])], lr=0.1),
         TypeError, r"parameter 0 has dtype int64", r"only floating-point Tensors"),
    Case("Nesterov without momentum", lambda: optim.SGD([w()], nesterov=True),
         ValueError, r"nesterov=True needs a momentum > 0", r"e\.g\. momentum=0\.9"),
    Case("Adam with eps 0", lambda: optim.Adam([w()], eps=0.0),
         ValueError, r"Adam: eps must be > 0, got 0\.0", r"the usual values are 1e-8 to 1e-7"),
    Case("RMSProp with eps 0", lambda: optim.RMSProp([w()], eps=0),
         ValueError, r"RMSProp: eps must be > 0", r"keeps lr \* g / \(sqrt\(h\) \+ eps\) finite"),
    Case("AdaGrad with eps 0", lambda: optim.AdaGrad([w()], eps=0.0),
         ValueError, r"AdaGrad: eps must be > 0", r"the usual values"),
    Case("AdamW with negative weight decay", lambda: optim.AdamW([w()], weight_decay=-0.01),
         ValueError, r"AdamW: weight_decay .*got -0\.01", r"must be in \[0\.0, inf\]"),
    Case("StepLR with step_size 0",
         lambda: optim.lr_scheduler.StepLR(optim.SGD([w()]), step_size=0),
         ValueError, r"step_size .*got 0", r"must be a positive integer"),
    # ---------------------------------------------------------------- data
    Case("DataLoader with fewer labels than samples",
         lambda: DataLoader(np.zeros((10, 2)), np.zeros(9)),
         ValueError, r"X has 10 samples but y has 9 \(shapes \(10, 2\) and \(9,\)\)",
         r"one label per sample"),
    Case("DataLoader with batch_size 0",
         lambda: DataLoader(np.zeros((10, 2)), np.zeros(10), batch_size=0),
         ValueError, r"batch_size .*got 0", r"must be an int >= 1"),
    Case("spiral with no points per class", lambda: datasets.spiral(n_per_class=0),
         ValueError, r"spiral: n_per_class .*got 0", r"must be an int >= 1"),
    Case("spiral with a float class count", lambda: datasets.spiral(n_classes=2.5),
         ValueError, r"spiral: n_classes .*got 2\.5", r"must be an int >= 1"),
    Case("moons with one point", lambda: datasets.moons(n=1),
         ValueError, r"moons: n .*got 1", r"must be an int >= 2"),
    Case("moons with a string for noise", lambda: datasets.moons(noise="0.1"),
         TypeError, r"moons: noise must be a number, got str", r"must be a number"),
    Case("moons with negative noise", lambda: datasets.moons(noise=-0.1),
         ValueError, r"moons: noise is a standard deviation.*got -0\.1", r"a number >= 0"),
    Case("grad with no inputs", lambda: tl.grad((w() * 2).sum(), []),
         ValueError, r"grad: needs at least one output and one input, got 1 output\(s\) and 0",
         r"tl\.grad\(loss, \[w, b\]\)"),
    Case("an initializer given a list", lambda: nn.init.zeros_([0.0, 1.0]),
         TypeError, r"nn.init.zeros_: expected a Tensor, got list", r"such as layer\.weight"),
    Case("He init given an array", lambda: nn.init.he_normal_(np.zeros((2, 3))),
         TypeError, r"nn.init.he_normal_: expected a Tensor, got ndarray", r"layer\.weight"),
    Case("a complex dtype", lambda: Tensor([1.0], dtype=np.complex64),
         TypeError, r"unsupported dtype complex64", r"use np\.float32"),
    Case("Sequential indexed by a name", lambda: nn.Sequential(nn.ReLU())["0"],
         TypeError, r"Sequential indices must be integers, got str", r"seq\[0\]"),
    Case("gradcheck of strings", lambda: tl.gradcheck(lambda x: x.sum(), np.array(["a"])),
         TypeError, r"gradcheck inputs must be numeric.*dtype <U1", r"np\.array\(\[1\.0"),
    Case("split with a fraction above 1",
         lambda: train_val_test_split(np.zeros((10, 2)), np.zeros(10), val=1.5),
         ValueError, r"val .*got 1\.5", r"must be in \[0, 1\)"),
]  # fmt: skip


def ones(*shape):
    return Tensor(np.ones(shape))


# The ops for building small nets (cat, where, split, the activations, ...).
CASES += [
    Case("cat of tensors that differ off the joined axis", lambda: tl.cat([ones(2, 3), ones(2, 4)]),
         ValueError, r"cat: tensor 1 has shape \(2, 4\) and tensor 0 has shape \(2, 3\)",
         r"every axis but axis 0 .* must match"),
    Case("cat given tensors, not a list", lambda: tl.cat(ones(2), ones(2)),
         TypeError, r"cat takes a list of tensors, got Tensor", r"tl\.cat\(\[a, b\], axis=0\)"),
    Case("cat of an empty list", lambda: tl.cat([]),
         ValueError, r"cat: got an empty list", r"give at least one tensor"),
    Case("cat of a tensor and an array", lambda: tl.cat([ones(2), np.ones(2)]),
         TypeError, r"cat: item 1 is a ndarray, not a Tensor", r"wrap it: Tensor\(value\)"),
    Case("stack of tensors of different shapes", lambda: tl.stack([ones(2), ones(3)]),
         ValueError, r"stack: tensor 1 has shape \(3,\) and tensor 0 has shape \(2,\)",
         r"use tl\.cat to join along an existing axis"),
    Case("stack along an axis past the end", lambda: tl.stack([ones(2), ones(2)], axis=3),
         ValueError, r"stack: axis 3 is out of range for a result with 2 dims",
         r"a new axis goes at a position from -2 to 1"),
    Case("where with a float mask", lambda: tl.where(ones(2), ones(2), 0.0),
         TypeError, r"where: condition must be a boolean mask, got dtype float64",
         r"tl\.where\(x > 0, x, 0\.0\)"),
    Case("where with shapes that do not broadcast", lambda: tl.where([True, False], ones(3), 0.0),
         ValueError, r"where: the shapes of condition \(2,\), x \(3,\) and y \(\) do not broadcast",
         r"equal or one of them is 1"),
    Case("maximum of shapes that do not broadcast", lambda: tl.maximum(ones(2), ones(3)),
         ValueError, r"Maximum on shape \(2,\) and \(3,\)", r"equal or one of them is 1"),
    Case("split sizes that do not add up", lambda: ones(5).split([2, 2]),
         ValueError, r"split: the sizes \[2, 2\] add up to 4, but the axis has length 5",
         r"make them add up to 5"),
    Case("split into pieces of size 0", lambda: ones(5).split(0),
         ValueError, r"split: a piece size must be >= 1, got 0", r"give the size of each piece"),
    Case("split by a fraction", lambda: ones(4).split(0.5),
         TypeError, r"split: expected a piece size \(int\) or a list of sizes.*got 0\.5",
         r"e\.g\. x\.split\(2\)"),
    Case("exact gelu", lambda: ones(2).gelu(approximate="none"),
         ValueError, r"gelu: only approximate='tanh' is available \(the exact form .* needs erf, "
         r"which NumPy does not have\)", r"use gelu\(approximate='tanh'\)"),
    Case("a leaky_relu slope given as text", lambda: F.leaky_relu(ones(2), "0.1"),
         TypeError, r"leaky_relu: negative_slope must be a real number, got str",
         r"e\.g\. negative_slope=0\.01"),
    Case("the unbiased variance of one value", lambda: ones(3, 1).var(axis=1),
         ValueError, r"var: .* combines 1 element\(s\), and n - correction = 1 - 1 is not positive",
         r"use correction=0, or reduce over more elements"),
    Case("unsqueeze past the end", lambda: ones(2, 3).unsqueeze(4),
         ValueError, r"unsqueeze: axis 4 is out of range for a result with 3 dims",
         r"from -3 to 2"),
    Case("cumsum without an axis", lambda: ones(2, 3).cumsum(None),
         TypeError, r"cumsum: axis must be one int, got None", r"e\.g\. axis=0"),
    Case("cumsum of a 0-d tensor", lambda: Tensor(1.0).cumsum(0),
         ValueError, r"cumsum: a 0-d tensor has no axes", r"x\.reshape\(1\)"),
    Case("flatten with its axes the wrong way round", lambda: ones(2, 3, 4).flatten(2, 1),
         ValueError, r"flatten: start_axis 2 comes after end_axis 1",
         r"give start_axis <= end_axis"),
    Case("permute with an axis missing", lambda: ones(2, 3).permute(0),
         ValueError, r"permute: \(0,\) is not a permutation of the 2 axes of shape \(2, 3\)",
         r"e\.g\. permute\(1, 0\)"),
    Case("expand to fewer axes", lambda: ones(2, 3).expand(3),
         ValueError, r"expand: cannot expand shape \(2, 3\) to \(3,\)",
         r"-1 keeps an existing axis' size"),
    Case("expand an axis that is not 1", lambda: ones(2, 3).expand(4, 3),
         ValueError, r"expand: cannot expand shape \(2, 3\) to \(4, 3\)",
         r"only axes of length 1 stretch"),
    Case("pad by a negative width", lambda: ones(2, 3).pad(-1),
         ValueError, r"pad: pad_width must be >= 0, got -1", r"slice instead \(x\[1:-1\]\)"),
    Case("pad with three pairs for two axes", lambda: ones(2, 3).pad(((1, 1),) * 3),
         ValueError, r"pad: pad_width .* does not fit a tensor with 2 dims",
         r"or 2 pairs \(before, after\), one per axis"),
    Case("pad by a fraction", lambda: ones(2).pad(1.5),
         TypeError, r"pad: pad_width must be ints, got 1\.5", r"e\.g\. pad\(1\)"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.what for c in CASES])
def test_bad_input_gets_a_clear_error(case):
    with pytest.raises(case.error) as info:
        case.call()
    check_message(case, info.value)


def check_message(case, error):
    assert type(error) is case.error, f"{case.what}: {type(error).__name__}, not {case.error}"
    message = str(error)
    assert re.search(case.problem, message), f"the problem is not named in: {message}"
    assert re.search(case.fix, message), f"the fix is not named in: {message}"


def test_failed_load_state_dict_leaves_the_model_unchanged():
    tl.manual_seed(0)
    net = nn.TwoLayerNet(2, 3, 2)
    before = net.state_dict()
    state = {name: np.full_like(a, 7.0) for name, a in before.items()}
    state["fc2.weight"] = np.zeros((2, 2), np.float32)  # the last key is the bad one
    with pytest.raises(ValueError, match=r"fc2\.weight: shape"):
        net.load_state_dict(state)
    for name, array in net.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


# ---------------------------------------------------------------- files


class Payload:
    """Unpickling this object creates the folder ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return Path.mkdir, (self.marker,)


def write_not_npz(folder):
    path = folder / "model.npz"
    path.write_text("fc1.weight = [[1, 2], [3, 4]]\n")
    return path


def write_truncated(folder):
    path = folder / "model.npz"
    tl.save({"w": np.arange(1000.0)}, path)
    path.write_bytes(path.read_bytes()[:700])
    return path


def write_pickled_object(folder):
    path = folder / "model.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(folder / "payload_ran")
    np.savez(path, w=np.ones(2), evil=evil, allow_pickle=True)
    return path


def write_npy(folder):
    path = folder / "w.npy"
    np.save(path, np.ones(3))
    return path


FILE_CASES = [
    Case("tl.load of a text file", lambda folder: tl.load(write_not_npz(folder)),
         ValueError, r"is not an \.npz file", r"tl\.load reads files written by tl\.save"),
    Case("tl.load of a truncated file", lambda folder: tl.load(write_truncated(folder)),
         ValueError, r"is truncated or corrupt", r"save it again with tl\.save"),
    Case("tl.load of pickled objects", lambda folder: tl.load(write_pickled_object(folder)),
         ValueError, r"could not read the array 'evil'.*Object arrays",
         r"never unpickles.*save numeric arrays with tl\.save"),
    Case("tl.load of a single .npy array", lambda folder: tl.load(write_npy(folder)),
         ValueError, r"single-array \.npy file, not an \.npz", r"read it with np\.load\(path\)"),
    Case("tl.load of a file that does not exist", lambda folder: tl.load(folder / "nope.npz"),
         FileNotFoundError, r"'.*nope\.npz' does not exist", r"check the path"),
    Case("tl.save of an object array",
         lambda folder: tl.save({"w": np.array([None], dtype=object)}, folder / "s.npz"),
         TypeError, r"dtype object, which would need pickle", r"convert it with \.astype"),
    Case("tl.save into a folder that does not exist",
         lambda folder: tl.save({"w": np.ones(2)}, folder / "missing" / "s.npz"),
         FileNotFoundError, r"the folder '.*missing' does not exist", r"create it first"),
]  # fmt: skip


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.what for c in FILE_CASES])
def test_bad_files_get_a_clear_error_and_nothing_runs(case, tmp_path):
    before = sorted(tmp_path.iterdir())
    with pytest.raises(case.error) as info:
        case.call(tmp_path)
    check_message(case, info.value)
    assert not (tmp_path / "payload_ran").exists()  # nothing was unpickled
    written = [p for p in sorted(tmp_path.iterdir()) if p not in before]
    assert all(p.suffix in (".npz", ".npy") for p in written)  # only the inputs made above


# ---------------------------------------------------------------- the command line

CLI_CASES = [
    ([], r"the following arguments are required: COMMAND"),
    (["nope"], r"invalid choice: 'nope' \(choose from .*demo"),
    (["demo", "--epochs", "0"], r"argument --epochs: expected a positive integer, got 0"),
    (["demo", "--lr", "fast"], r"argument --lr: expected a positive number, got 'fast'"),
    (["demo", "--out"], r"argument --out: expected one argument"),
    (["graph", "x*y", "x=1"], r"unknown name 'y': declare it as y=VALUE"),
]


@pytest.mark.parametrize(("argv", "message"), CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_bad_command_lines_exit_2_with_a_usage_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("usage: tinygrad-lite")  # the fix: how to call it
    assert re.search(message, captured.err), captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_bad_command_line_in_a_real_process_has_no_traceback(tmp_path):
    done = run_module("demo", "--epochs", "many", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: tinygrad-lite demo")
    assert "argument --epochs: expected a positive integer, got 'many'" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_catalogue_has_at_least_40_distinct_cases():
    whats = [c.what for c in CASES + FILE_CASES] + [" ".join(a) for a, _ in CLI_CASES]
    assert len(set(whats)) == len(whats) >= 40


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Adam", "an Adam"), ("SGD", "an SGD"), ("RMSProp", "an RMSProp"), ("MLP", "an MLP"),
     ("Linear", "a Linear"), ("Momentum", "a Momentum"), ("TwoLayerNet", "a TwoLayerNet"),
     ("int", "an int"), ("str", "a str"), ("ndarray", "an ndarray"), ("LBFGS", "an LBFGS"),
     ("Tensor", "a Tensor"), ("NoneType", "a NoneType")],
)  # fmt: skip
def test_messages_put_the_right_article_before_a_class_name(word, expected):
    from tinygrad_lite.arguments import a_or_an  # noqa: PLC0415

    assert a_or_an(word) == expected


def test_an_optimizer_given_a_number_says_an_int():
    with pytest.raises(TypeError, match=r"SGD: parameter 0 is an int, not a Tensor"):
        optim.SGD([3])
