"""Safe arithmetic expressions for ``tinygrad-lite graph``: parsed, never evaluated by Python.

The text is parsed with `ast` and every node is checked against a whitelist
before anything runs: numbers, declared variable names, ``+ - * / ** @``, unary
minus, and calls to ``relu exp log tanh sigmoid sum mean`` with one argument.
Anything else (attribute access, other calls, subscripts, lambdas, comparisons,
``__import__``) is refused with an `ExpressionError` that names it. The checked
tree is then computed on Tensors by an explicit-stack walk.

>>> tree = parse_expression("relu(x*w + b)", {"x", "w", "b"})
>>> variables = parse_assignments(["x=2", "w=-3", "b=7"])
>>> float(evaluate(tree, variables).data)
1.0
>>> parse_expression("x.__class__", {"x"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tinygrad_lite.expr.ExpressionError: attribute access ('x.__class__') is not allowed; ...
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import unicodedata

import numpy as np

from tinygrad_lite.tensor import Tensor

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExpressionError",
    "evaluate",
    "parse_assignments",
    "parse_expression",
]

FUNCTIONS = ("relu", "exp", "log", "tanh", "sigmoid", "sum", "mean")
"""Callable in an expression; each is the Tensor method of that name."""
OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
MAX_LENGTH = 500
MAX_DEPTH = 40
ALLOWED = (
    "numbers, declared variable names, + - * / ** @, unary minus, and "
    f"calls to {', '.join(FUNCTIONS)} with one argument"
)

_DESCRIPTIONS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else expressions",
    ast.Call: "calls",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "f-strings",
    ast.Starred: "starred arguments",
    ast.Await: "await",
}


class ExpressionError(ValueError):
    """The expression (or a NAME=VALUE assignment) is not allowed or not valid."""


def _refuse(node: ast.AST, text: str, what: str) -> ExpressionError:
    snippet = ast.get_source_segment(text, node) or type(node).__name__
    if len(snippet) > 40:
        snippet = snippet[:37] + "..."
    return ExpressionError(f"{what} ({snippet!r}) is not allowed; allowed: {ALLOWED}")


def parse_expression(text: str, names: set[str] | frozenset[str]) -> ast.Expression:
    """Parse `text` and check every node against the whitelist; `names` are the
    declared variables. Returns the checked tree; raises `ExpressionError`."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty; example: 'relu(x*w + b)'")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        raise ExpressionError(f"cannot parse {text!r}: {err}") from None
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested deeper than {MAX_DEPTH} levels")
        children = _check(node, text, names)
        stack.extend((child, depth + 1) for child in children)
    return tree


def _check(node: ast.AST, text: str, names) -> list[ast.AST]:
    """Check one node; return the children still to check."""
    if isinstance(node, ast.BinOp):
        if type(node.op) not in OPERATORS:
            raise _refuse(node, text, f"the operator {type(node.op).__name__}")
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub):
            raise _refuse(node, text, f"the unary operator {type(node.op).__name__}")
        return [node.operand]
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _refuse(node, text, f"the constant {type(value).__name__}")
        return []
    if isinstance(node, ast.Name):
        if node.id not in names:
            declared = ", ".join(sorted(names)) or "none"
            raise ExpressionError(
                f"unknown name {node.id!r}: declare it as {node.id}=VALUE "
                f"(declared: {declared}; functions must be called: {', '.join(FUNCTIONS)})"
            )
        return []
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            raise _refuse(node, text, "a method call")
        if not (isinstance(func, ast.Name) and func.id in FUNCTIONS):
            name = func.id if isinstance(func, ast.Name) else "a computed function"
            raise _refuse(node, text, f"a call to {name}")
        if node.keywords or len(node.args) != 1:
            raise _refuse(node, text, f"{func.id} with other than exactly one argument")
        return [node.args[0]]
    if isinstance(node, ast.Attribute):
        raise _refuse(node, text, "attribute access")
    raise _refuse(node, text, _DESCRIPTIONS.get(type(node), type(node).__name__))


def parse_assignments(pairs: list[str], dtype=np.float64) -> dict[str, Tensor]:
    """``["x=2", "v=1,2,3", "M=1,2;3,4"]`` → named leaf Tensors that require grad.

    A value is a number, a comma-separated vector, or rows separated by ``;``."""
    variables: dict[str, Tensor] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = unicodedata.normalize(
            "NFKC", name.strip()
        )  # as Python reads names (fullwidth x is x)
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected NAME=VALUE (e.g. x=2 or v=1,2,3), got {pair!r}")
        if keyword.iskeyword(name):
            raise ExpressionError(f"{name!r} is a Python keyword; pick another variable name")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name; pick another variable name")
        if name in variables:
            raise ExpressionError(f"{name!r} is assigned twice")
        try:
            rows = [[float(v) for v in row.split(",")] for row in value.split(";")]
            array = np.array(rows if ";" in value else rows[0], dtype=dtype)
        except ValueError:
            raise ExpressionError(
                f"{name}: cannot read {value!r} as numbers (rows of the same length, "
                "e.g. 2 or 1,2,3 or 1,2;3,4)"
            ) from None
        if array.size == 1 and "," not in value and ";" not in value:
            array = array.reshape(())
        if not np.all(np.isfinite(array)):
            raise ExpressionError(f"{name}: values must be finite numbers, got {value!r}")
        variables[name] = Tensor(array, requires_grad=True, dtype=dtype, name=name)
    return variables


def evaluate(tree: ast.Expression, variables: dict[str, Tensor], dtype=np.float64) -> Tensor:
    """Compute a tree checked by `parse_expression` on Tensors (explicit stack, post-order).

    Numbers become `dtype` Tensors before any operator runs, so ``9**9**9`` is float
    arithmetic, not unbounded integer arithmetic. Each intermediate Tensor is named
    after its sub-expression (``x*w``) so the graph and the trace read like the input.
    """
    results: dict[int, Tensor] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in _operands(node))
            continue
        results[id(node)] = out = _apply(
            node, [results[id(c)] for c in _operands(node)], variables, dtype
        )
        if out.name is None and not isinstance(node, ast.Constant):
            out.name = ast.unparse(node)
    return results[id(tree.body)]


def _operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [node.args[0]]
    return []


def _constant(node: ast.Constant, dtype) -> Tensor:
    """A number of the expression as a Tensor; one beyond float64's range is an overflow
    (`FloatingPointError`, as overflow in the arithmetic is), not an infinity."""
    try:
        value = float(node.value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        shown = "a number"  # a float literal such as 1e999 has already become inf
        if isinstance(node.value, int):
            digits = str(node.value)
            shown = digits if len(digits) <= 20 else f"{digits[:10]}... ({len(digits)} digits)"
        raise FloatingPointError(
            f"overflow: {shown} is beyond the range of float64 (about 1.8e308)"
        )
    return Tensor(value, dtype=dtype)


def _apply(node: ast.AST, args: list[Tensor], variables: dict[str, Tensor], dtype) -> Tensor:
    if isinstance(node, ast.Constant):
        return _constant(node, dtype)
    if isinstance(node, ast.Name):
        return variables[node.id]
    if isinstance(node, ast.BinOp):
        return OPERATORS[type(node.op)](*args)
    if isinstance(node, ast.UnaryOp):
        return -args[0]
    return getattr(args[0], node.func.id)()
