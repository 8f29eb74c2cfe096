"""`tinygrad-lite graph`: the safe expression parser and the command itself."""

import contextlib
import io
import os
import shlex
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from helpers import run_module
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_lite.cli import main
from tinygrad_lite.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    evaluate,
    parse_assignments,
    parse_expression,
)

# ---------------------------------------------------------------- the parser

REFUSED = {
    "__import__('os').system('touch X')": "a method call",
    "__import__('os')": "a call to __import__",
    "open('X', 'w')": "a call to open",
    "x.__class__": "attribute access",
    "x.data": "attribute access",
    "x[0]": "subscripts",
    "(lambda: 1)()": "a call to a computed function",
    "lambda: x": "lambda",
    "x < 1": "comparisons",
    "x if x else x": "if/else",
    "x and x": "and/or",
    "[x]": "lists",
    "(x, x)": "tuples",
    "{x: x}": "dicts",
    "[y for y in x]": "comprehensions",
    "(y := x)": "assignment",
    "'abc'": "the constant str",
    "True": "the constant bool",
    "2j": "the constant complex",
    "f'{x}'": "f-strings",
    "~x": "the unary operator Invert",
    "+x": "the unary operator UAdd",
    "not x": "the unary operator Not",
    "x // 2": "the operator FloorDiv",
    "x % 2": "the operator Mod",
    "x << 1": "the operator LShift",
    "exp(x, x)": "exactly one argument",
    "exp(x=x)": "exactly one argument",
    "relu()": "exactly one argument",
    "exp(*x)": "starred arguments",
    "print(x)": "a call to print",
    "eval('1')": "a call to eval",
}


@pytest.mark.parametrize(("text", "named"), REFUSED.items())
def test_refused_constructs_are_named(text, named):
    with pytest.raises(ExpressionError, match="is not allowed") as err:
        parse_expression(text, {"x"})
    assert named in str(err.value)


def test_unknown_names_and_bad_syntax():
    with pytest.raises(ExpressionError, match="unknown name 'y': declare it as y=VALUE"):
        parse_expression("x * y", {"x"})
    with pytest.raises(ExpressionError, match="unknown name 'os'"):
        parse_expression("os", {"x"})
    with pytest.raises(ExpressionError, match="cannot parse"):
        parse_expression("x +", {"x"})
    with pytest.raises(ExpressionError, match="cannot parse"):
        parse_expression("x = 1", {"x"})
    with pytest.raises(ExpressionError, match="cannot parse"):
        parse_expression("x\0", {"x"})
    with pytest.raises(ExpressionError, match="empty"):
        parse_expression("  ", {"x"})


def test_overlong_and_too_deep_input_is_refused():
    with pytest.raises(ExpressionError, match=f"the limit is {MAX_LENGTH}"):
        parse_expression("x+" * MAX_LENGTH + "x", {"x"})
    with pytest.raises(ExpressionError, match=f"deeper than {MAX_DEPTH}"):
        parse_expression("-" * (MAX_DEPTH + 1) + "x", {"x"})
    with pytest.raises(ExpressionError, match="cannot parse"):  # nesting the parser refuses
        parse_expression("(" * 240 + "x" + ")" * 240, {"x"})
    parse_expression("-" * (MAX_DEPTH - 1) + "x", {"x"})  # just inside the limit


def test_evaluate_computes_on_float_tensors_and_names_subexpressions():
    variables = parse_assignments(["x=2", "w=-3", "b=1"])
    out = evaluate(parse_expression("relu(x*w + b) + exp(x) / 2 ** 3", set(variables)), variables)
    assert out.item() == pytest.approx(np.exp(2) / 8)
    assert out.dtype == np.float64
    assert out.name == "relu(x * w + b) + exp(x) / 2 ** 3"
    assert out.grad_fn.inputs[0].name == "relu(x * w + b)"


def test_unary_minus_is_recorded_as_neg():
    variables = parse_assignments(["x=2", "w=3"])
    out = evaluate(parse_expression("-(x*w) + -x", set(variables)), variables)
    assert out.item() == -8.0
    assert out.grad_fn.inputs[0].grad_fn.name == "Neg"
    out.backward()
    assert variables["x"].grad.item() == -4.0  # d(-xw - x)/dx = -w - 1


def test_a_long_refused_construct_is_shortened_in_the_message():
    text = "open('" + "a" * 60 + "')"
    with pytest.raises(ExpressionError, match=r"\(\"open\('a{31}\.\.\.\"\) is not allowed"):
        parse_expression(text, set())


def test_integer_powers_become_float_arithmetic():
    variables = parse_assignments(["x=1"])
    start = time.perf_counter()
    with pytest.raises(FloatingPointError), np.errstate(over="raise"):
        evaluate(parse_expression("x * 9**9**9", {"x"}), variables)
    assert time.perf_counter() - start < 5  # no unbounded integer arithmetic


def test_assignments():
    v = parse_assignments(["x=2", "v = 1, 2,3", "M=1,2;3,4"])
    assert v["x"].shape == ()
    assert v["v"].data.tolist() == [1.0, 2.0, 3.0]
    assert v["M"].data.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert all(t.requires_grad and t.name == name for name, t in v.items())
    for bad, message in [
        (["x"], "expected NAME=VALUE"),
        (["1x=2"], "expected NAME=VALUE"),
        (["x=a"], "cannot read 'a'"),
        (["M=1,2;3"], "rows of the same length"),
        (["x=nan"], "finite"),
        (["relu=1"], "function name"),
        (["x=1", "x=2"], "assigned twice"),
    ]:
        with pytest.raises(ExpressionError, match=message):
            parse_assignments(bad)


# ---------------------------------------------------------------- the command


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_prints_the_chain_rule_trace(in_tmp, capsys):
    assert main(["graph", "relu(x*w + b)", "x=2", "w=-3", "b=1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("out = relu(x * w + b)\nBackward pass of out = 0, from dout/dout = 1.")
    assert "dout/d(x * w + b) = 1 * 0 = 0" in out
    assert "dout/dx = 0" in out
    assert list(in_tmp.iterdir()) == []  # no -o: nothing written


def test_micrograd_style_numbers(in_tmp, capsys):
    assert main(["graph", "x*x*x + 2*x", "x=3"]) == 0
    out = capsys.readouterr().out
    assert "Backward pass of out = 33" in out
    assert "dout/dx = 29" in out  # 3x^2 + 2
    assert "accumulates" in out


def test_vectors_and_matrices(in_tmp, capsys):
    assert main(["graph", "sum(v*v)", "v=1,2,3"]) == 0
    assert "dout/dv = [2, 4, 6]" in capsys.readouterr().out
    assert main(["graph", "A @ B", "A=1,2;3,4", "B=1,0;0,1"]) == 0
    out = capsys.readouterr().out
    assert "out has shape (2, 2): backward starts from ones" in out
    assert "dout/dA = [[1, 1], [1, 1]]" in out


@pytest.mark.graphviz
@pytest.mark.parametrize("ext", ["svg", "png", "pdf"])
def test_writes_rendered_graph(in_tmp, capsys, ext):
    assert main(["graph", "tanh(x*w)", "x=0.5", "w=2", "-o", f"graph.{ext}"]) == 0
    assert f"wrote: graph.{ext}" in capsys.readouterr().out
    assert sorted(p.name for p in in_tmp.iterdir()) == [f"graph.{ext}"]  # nothing else written
    data = (in_tmp / f"graph.{ext}").read_bytes()
    if ext == "svg":
        texts = [t.text for t in ET.fromstring(data).iter("{http://www.w3.org/2000/svg}text")]
        assert "x * w" in texts
        assert "Tanh" in texts
    else:
        assert data.startswith(b"\x89PNG" if ext == "png" else b"%PDF")


def test_writes_dot_source_without_graphviz(in_tmp, monkeypatch):
    monkeypatch.setenv("PATH", str(in_tmp))  # no dot on PATH
    assert main(["graph", "x*x", "x=3", "-o", "g.dot", "--local-grads", "--rankdir", "TB"]) == 0
    source = (in_tmp / "g.dot").read_text()
    assert source.startswith("digraph")
    assert "rankdir=TB" in source
    assert "d(x*x)/dx = x" in source


def test_missing_graphviz_fails_with_install_hint(in_tmp, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(in_tmp))
    assert main(["graph", "x*x", "x=3", "-o", "g.svg"]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err
    assert "Traceback" not in err
    assert list(in_tmp.iterdir()) == []


def test_unknown_extension_is_a_usage_error(in_tmp, capsys):
    assert main(["graph", "x*x", "x=3", "-o", "g.jpg"]) == 2
    err = capsys.readouterr()
    assert "use .svg, .png, .pdf or .dot" in err.err
    assert err.out == ""  # refused before anything ran
    assert list(in_tmp.iterdir()) == []


def test_refused_expression_runs_nothing_and_writes_nothing(in_tmp, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    code = main(["graph", "__import__('os').system('touch X')", "x=1", "-o", "graph.svg"])
    assert code == 2
    captured = capsys.readouterr()
    assert "is not allowed" in captured.err
    assert "usage: tinygrad-lite graph" in captured.err
    assert captured.out == ""
    assert calls == []
    assert list(in_tmp.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x.__class__", "x=1"], "attribute access"),
        (["y * 2", "x=1"], "unknown name 'y'"),
        (["x", "x=oops"], "cannot read 'oops'"),
        (["x+" * 300 + "x", "x=1"], "the limit is"),
    ],
)
def test_bad_input_exits_2(in_tmp, capsys, argv, message):
    assert main(["graph", *argv]) == 2
    assert message in capsys.readouterr().err
    assert list(in_tmp.iterdir()) == []


def test_math_errors_exit_1(in_tmp, capsys):
    assert main(["graph", "log(x)", "x=-1", "-o", "g.dot"]) == 1
    assert "invalid value" in capsys.readouterr().err
    assert main(["graph", "x * 9**9**9", "x=1"]) == 1
    assert "overflow" in capsys.readouterr().err
    assert main(["graph", "2 * 3"]) == 1
    assert "uses no variable" in capsys.readouterr().err
    assert list(in_tmp.iterdir()) == []


def test_missing_output_folder_exits_1(in_tmp, capsys):
    assert main(["graph", "x*x", "x=3", "-o", "no/such/dir/g.dot"]) == 1
    assert "error:" in capsys.readouterr().err


def test_runs_as_a_module(in_tmp):
    done = run_module("graph", "x*x", "x=3")
    assert done.returncode == 0, done.stderr
    assert "dout/dx = 6" in done.stdout


# ---------------------------------------------------------------- hostile input: never a traceback


@pytest.mark.parametrize("expr", ["x * 1" + "0" * 400, "x * 1e999", "-1e999 + x", "x ** 2e308"])
def test_numbers_beyond_float64_are_an_overflow_exit_1(in_tmp, capsys, expr):
    assert main(["graph", expr, "x=2"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "overflow" in captured.err
    assert "inf" not in captured.out


FX, FW = "\uff58", "\uff57"  # fullwidth x and w, which Python reads as x and w


def test_fullwidth_declared_names_are_normalised_like_the_expression(in_tmp, capsys):
    assert main(["graph", f"{FX} * {FW}", f"{FX}=3", f"{FW}=2"]) == 0
    assert "dout/dx = 2" in capsys.readouterr().out
    assert main(["graph", "x * 2", f"{FX}=3"]) == 0
    assert "dout/dx = 2" in capsys.readouterr().out
    assert main(["graph", "x", "x=1", f"{FX}=2"]) == 2
    assert "'x' is assigned twice" in capsys.readouterr().err
    assert main(["graph", "x", "if=1"]) == 2
    assert "'if' is a Python keyword" in capsys.readouterr().err


def test_the_help_example_has_a_live_path(in_tmp, capsys):
    assert main(["graph", "--help"]) == 0
    example = capsys.readouterr().out.split("example: tinygrad-lite graph ")[1].split(" -o ")[0]
    expr, *values = shlex.split(example)
    assert main(["graph", expr, *values]) == 0
    out = capsys.readouterr().out
    for name in ("x", "w", "b"):
        (line,) = [ln for ln in out.splitlines() if ln.strip().startswith(f"dout/d{name} =")]
        assert not line.rstrip().endswith("= 0"), line


CHARACTERS = f"xywvM0123456789.e+-*/@() ,;=relusmexpoglntahig_{FX}"
ASSIGNMENTS = ["x=2", "y=-1", "w=0", "v=1,2", "M=1,2;3,4", "x=1e308", f"{FX}=1", "y=1e-320"]


@settings(max_examples=300, deadline=None)
@given(
    expr=st.text(alphabet=CHARACTERS, max_size=30),
    values=st.lists(st.sampled_from(ASSIGNMENTS) | st.text(CHARACTERS, max_size=8), max_size=3),
)
def test_no_input_gives_a_traceback(expr, values):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["graph", expr, *values])  # any exception fails the test
    assert code in (0, 1, 2)
    if code == 1:
        assert stderr.getvalue().count("\n") == 1, stderr.getvalue()
