"""`tinygrad-lite gradcheck`: the table of every op, and that it catches a wrong backward."""

import numpy as np
import pytest

from tinygrad_lite import opcheck, ops
from tinygrad_lite.autograd import Function
from tinygrad_lite.cli import main
from tinygrad_lite.tensor import apply


class CubeWithWrongSecondDerivative(Function):
    """x**3 whose backward is right in value but built from constants: no second derivative."""

    def forward(self, x):
        return x**3

    def backward(self, grad, x, out):
        return grad * 3 * ops.value(x) ** 2  # ops.value: the array, even under create_graph


class CubeWithWrongFirstDerivative(Function):
    """x**3 with the factor 3 forgotten."""

    def forward(self, x):
        return x**3

    def backward(self, grad, x, out):
        return grad * x * x


def test_every_op_passes_and_the_table_lists_each_one(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    for check in opcheck.CHECKS:
        assert check.name in out
    assert f"{len(opcheck.CHECKS)} ops: {len(opcheck.CHECKS)} passed first order" in out
    assert "FAILED" not in out


def test_the_table_covers_every_differentiable_tensor_op():
    names = {c.name.split(" ")[0] for c in opcheck.CHECKS}
    api_ops = {
        "add", "sub", "mul", "div", "pow", "neg", "matmul", "linear", "exp", "log", "sqrt", "abs",
        "relu", "identity", "sigmoid", "tanh", "clip", "sum", "mean", "max", "min", "reshape",
        "flatten", "transpose", "T", "getitem", "softmax", "log_softmax",
    }  # fmt: skip
    small_net_ops = {
        "sin", "cos", "log1p", "expm1", "sign", "leaky_relu", "elu", "softplus", "silu", "gelu",
        "maximum", "minimum", "where", "var", "std", "logsumexp", "prod", "cumsum", "cat",
        "stack", "split", "unsqueeze", "squeeze", "flatten", "permute", "expand", "view", "flip",
        "pad",
    }  # fmt: skip
    assert api_ops | small_net_ops <= names


@pytest.mark.parametrize(
    ("op", "first", "second"),
    [
        (CubeWithWrongFirstDerivative, "FAILED", None),
        (CubeWithWrongSecondDerivative, "ok", "FAILED"),
    ],
)
def test_a_wrong_backward_fails_the_command(monkeypatch, capsys, op, first, second):
    wrong = opcheck.OpCheck("cube", lambda x: apply(op(), x), ((3,),))
    monkeypatch.setattr(opcheck, "CHECKS", (wrong,))
    assert main(["gradcheck"]) == 1
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("cube"))
    assert row.split()[2] == first
    if second:
        assert row.split()[-1] == second


def test_one_op_only(capsys):
    assert main(["gradcheck", "--op", "tanh", "--op", "relu"]) == 0
    out = capsys.readouterr().out
    assert "2 ops: 2 passed first order" in out


def test_op_names_match_in_any_case_with_or_without_underscores(capsys):
    assert main(["gradcheck", "--op", "Linear", "--op", "LogSoftmax", "--op", "LOG_SOFTMAX"]) == 0
    out = capsys.readouterr().out
    assert "2 ops: 2 passed first order" in out
    assert [r.check.name for r in opcheck.run_checks(["MatMul", "t"])] == ["matmul", "T"]


def test_unknown_op_is_a_usage_error(capsys):
    assert main(["gradcheck", "--op", "tan"]) == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    assert "unknown op 'tan'" in err


@pytest.mark.parametrize(
    "domain", ["any", "positive", "probability", "nonzero", "away_from_kinks", "distinct"]
)
def test_drawn_inputs_respect_their_domain(domain):
    x = opcheck.draw_input((50,), domain, np.random.default_rng(0))
    if domain == "positive":
        assert (x > 0).all()
    if domain == "probability":
        assert (x >= 0.1).all()
        assert (x <= 0.9).all()
    if domain in ("nonzero", "away_from_kinks"):
        assert (np.abs(x) >= 0.1).all()
    if domain == "away_from_kinks":
        assert (np.abs(np.abs(x) - 0.5) >= 0.1).all()
    if domain == "distinct":
        assert np.diff(np.sort(x)).min() >= 0.3 - 1e-12
