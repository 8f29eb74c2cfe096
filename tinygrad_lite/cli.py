"""The ``tinygrad-lite`` command (also ``python -m tinygrad_lite``).

Each subcommand is one ``add_parser`` block in ``build_parser`` and one
``_cmd_<name>(args) -> int`` function. Results go to stdout, one per line; progress bars
and hints go to stderr. Bad arguments exit with code 2 and a usage line (argparse's
rule); a failure while running (e.g. an output folder that cannot be written) prints
one ``error:`` line and exits with code 1, without a traceback.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_lite as tl
from tinygrad_lite import nn, optim
from tinygrad_lite.data import DataLoader, train_val_test_split
from tinygrad_lite.explore_words import LANGUAGES, WORDS
from tinygrad_lite.train import History, evaluate, fit


class CommandError(Exception):
    """A failure to report as one line on stderr, with exit code 1."""


def _number(
    text: str, kind: Callable[[str], Any], accept: Callable[[Any], bool], expected: str
) -> Any:
    """``kind(text)`` if it parses and ``accept`` says yes; else argparse's usage error
    "expected <expected>, got <text>" (exit code 2)."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not accept(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
    return value


def _positive_int(text: str) -> int:
    return _number(text, int, lambda n: n >= 1, "a positive integer")


def _non_negative_int(text: str) -> int:
    return _number(text, int, lambda n: n >= 0, "an integer >= 0")


def _positive_float(text: str) -> float:
    return _number(text, float, lambda x: math.isfinite(x) and x > 0, "a positive number")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-lite",
        description="A small reverse-mode autograd engine on NumPy, for teaching.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {tl.__version__}")
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="train a two-layer net on the spiral data and save its curves, weights and graph",
        description="Train a TwoLayerNet (2 -> hidden -> 3, ReLU) with softmax cross-entropy "
        "and Adam on the 3-class spiral; print the initial loss, the last epoch's "
        "diagnostics and the accuracies; write losses.csv, loss.png (with matplotlib), "
        "weights.npz, the backprop graph of the first batch before training, with every "
        "gradient (graph.dot, graph.svg with Graphviz) and, with Graphviz, explorer.html (the "
        "first training step on 8 points, to step through in a browser) to --out.",
    )
    demo.add_argument("--epochs", type=_positive_int, default=300, help="default: %(default)s")
    demo.add_argument(
        "--hidden", type=_positive_int, default=100, help="hidden units (default: %(default)s)"
    )
    demo.add_argument(
        "--lr", type=_positive_float, default=0.01, help="Adam learning rate (default: %(default)s)"
    )
    demo.add_argument("--seed", type=_non_negative_int, default=0, help="default: %(default)s")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("tinygrad_lite_out"),
        help="output folder (default: ./%(default)s)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar and no hints on stderr")
    demo.set_defaults(run=_cmd_demo)

    graph = sub.add_parser(
        "graph",
        help="run backward on an expression, print the chain rule, draw the graph",
        description="Compute EXPR from the NAME=VALUE variables, run backward, print each step "
        "of the chain rule with its numbers, and (with -o) draw the backprop graph. EXPR is "
        "parsed, never run as Python: it may use numbers, the declared names, + - * / ** @, "
        "unary minus and relu exp log tanh sigmoid sum mean. Anything else is refused with "
        "exit code 2; a math error (log of a negative, overflow) exits with code 1.",
        epilog='example: tinygrad-lite graph "relu(x*w + b)" x=2 w=-3 b=7 -o graph.svg',
    )
    graph.add_argument("expr", metavar="EXPR", help='an expression, e.g. "relu(x*w + b)"')
    graph.add_argument(
        "values",
        metavar="NAME=VALUE",
        nargs="*",
        help="a variable: x=2, a vector v=1,2,3 or a matrix M=1,2;3,4 (float64, requires grad)",
    )
    graph.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write the graph: .svg, .png or .pdf (need Graphviz) or .dot (the DOT source); "
        ".html writes the explorer, a page that steps through forward and backward (needs Graphviz)",
    )
    graph.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="default: LR")
    graph.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="the language of the explorer page (-o page.html): en (default) or ko (Korean)",
    )
    graph.add_argument(
        "--local-grads", action="store_true", help="label each edge with its local derivative"
    )
    graph.set_defaults(run=_cmd_graph, usage=graph.format_usage())

    compare = sub.add_parser(
        "compare-optimizers",
        help="run SGD, Momentum, Nesterov, AdaGrad, RMSProp and Adam on a 2-D function",
        description="Run the six optimizers from the function's start point, each with the "
        "learning rate stored for that function, and print each one's final point and value "
        "of f (one line per optimizer). With -o, draw the paths over the contours, one panel "
        "per optimizer; that needs matplotlib (pip install 'tinygrad-lite[plot]'): without "
        "it the numbers are still printed, then the command fails with exit code 1.",
        epilog="example: tinygrad-lite compare-optimizers --function rosenbrock -o paths.png",
    )
    compare.add_argument(
        "--function",
        choices=["anisotropic", "saddle", "rosenbrock", "double_well"],
        default="anisotropic",
        help="anisotropic: x^2/20 + y^2 from (-7, 2); saddle: x^2 + y^4/4 - y^2/2 from "
        "(-1.5, 0.001); rosenbrock: (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2); "
        "double_well: a tilted double well on a tanh plateau, from (2.3, 0.5) "
        "(default: %(default)s)",
    )
    compare.add_argument(
        "--steps", type=_positive_int, help="default: the function's own (30, 60, 1000 or 200)"
    )
    compare.add_argument("-o", "--output", type=Path, help="write the figure: .png, .svg or .pdf")
    compare.set_defaults(run=_cmd_compare_optimizers, usage=compare.format_usage())

    check = sub.add_parser(
        "gradcheck",
        help="check every op's backward against central differences and print a table",
        description="For each op, draw inputs inside its domain, weight its output with a "
        "random upstream gradient, and compare backward (first order) and, for smooth ops, "
        "double backward (second order) with central differences in float64. Exit code 1 "
        "if any check fails.",
    )
    check.add_argument(
        "--op", action="append", metavar="NAME", help="check only this op (repeatable)"
    )
    check.add_argument("--seed", type=_non_negative_int, default=0, help="default: %(default)s")
    check.set_defaults(run=_cmd_gradcheck, usage=check.format_usage())

    # --lang may come before or after `check`; SUPPRESS keeps an absent one from hiding the other
    language = argparse.ArgumentParser(add_help=False)
    language.add_argument(
        "--lang",
        choices=["en", "ko"],
        default=argparse.SUPPRESS,
        help="language of the prompts and verdicts (default: $TINYGRAD_LITE_LANG, else en)",
    )
    exercises = sub.add_parser(
        "exercises",
        parents=[language],
        help="list the backprop exercises, or grade a file of answers",
        description="Without a subcommand, list the exercises in teaching order. "
        "'check FILE.py' runs FILE.py in a separate Python process (its top level runs, as "
        "on import), checks every function it defines that is named after an exercise, and "
        "prints a verdict for each. Exit code 0 only if every one found passes (with --all: "
        "and none is missing).",
        epilog="example: tinygrad-lite exercises check my_answers.py",
    )
    exercises.set_defaults(run=_cmd_exercises_list)
    exercises_sub = exercises.add_subparsers(dest="exercises_cmd", metavar="SUBCOMMAND")
    grade = exercises_sub.add_parser(
        "check", help="grade the exercise functions that FILE.py defines", parents=[language]
    )
    grade.add_argument("file", type=Path, metavar="FILE.py", help="the learner's Python file")
    grade.add_argument(
        "--all", action="store_true", help="fail if an exercise has no function in FILE.py"
    )
    grade.add_argument(
        "--timeout",
        type=_positive_float,
        default=120.0,
        help="seconds FILE.py may run (default: %(default)s)",
    )
    grade.set_defaults(run=_cmd_exercises_check, usage=grade.format_usage())

    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits after --help (0) and on bad arguments (2)
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return args.run(args)
    except (CommandError, OSError) as err:
        print(f"tinygrad-lite {args.cmd}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"tinygrad-lite {args.cmd}: interrupted", file=sys.stderr)
        return 130


def _usage_error(args: argparse.Namespace, message: str) -> int:
    """A bad argument found after parsing, reported as argparse reports one: the usage line,
    then ``tinygrad-lite <command>: error: <message>``; returns exit code 2."""
    print(f"{args.usage}tinygrad-lite {args.cmd}: error: {message}", file=sys.stderr)
    return 2


# ---------------------------------------------------------------- demo


def _cmd_demo(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)

    def hint(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    tl.manual_seed(args.seed)
    X, y = tl.datasets.spiral()
    (X_train, y_train), (X_val, y_val), _ = train_val_test_split(
        X, y, val=0.2, test=0.0, seed=args.seed
    )
    model = nn.TwoLayerNet(2, args.hidden, 3)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    train_all = DataLoader(X_train, y_train, batch_size=len(X_train), shuffle=False)
    val_all = DataLoader(X_val, y_val, batch_size=len(X_val), shuffle=False)
    # The graph is drawn from the first training batch before the first update, while the
    # gradients are large; a loader with the same seed gives the same first batch.
    first_batch = next(iter(DataLoader(X_train, y_train, batch_size=32, seed=args.seed)))
    graph = _draw_first_batch(model, loss_fn, *first_batch)

    initial = (*evaluate(model, loss_fn, train_all), *evaluate(model, loss_fn, val_all))
    explorer = _write_explorer(out, model, loss_fn, X_train[:8], y_train[:8], hint)
    print(f"initial loss: {initial[0]:.4f} (ln 3 = {math.log(3):.4f}: a uniform guess)")
    history = fit(
        model,
        loss_fn,
        optimizer,
        DataLoader(X_train, y_train, batch_size=32, seed=args.seed),
        epochs=args.epochs,
        val_loader=val_all,
        progress=not args.quiet,
        diagnostics=True,
    )
    for line in _diagnostics_lines(history):
        print(line)
    _, train_accuracy = evaluate(model, loss_fn, train_all)
    print(f"train accuracy: {train_accuracy:.4f}")
    print(f"val accuracy: {history.val_accuracy[-1]:.4f}")

    # One row per epoch, with epoch 0 = the untrained model.
    columns = (history.loss, history.accuracy, history.val_loss, history.val_accuracy)
    rows = [(0, *initial)] + [
        (i + 1, *values) for i, values in enumerate(zip(*columns, strict=True))
    ]
    written = [_write_losses_csv(out / "losses.csv", rows)]
    if (png := _plot_losses(out / "loss.png", rows, hint)) is not None:
        written.append(png)
    tl.save(model.state_dict(), out / "weights.npz")
    written.append(out / "weights.npz")
    written += _write_graph(out, graph, hint)
    written += explorer
    for path in written:
        print(f"wrote: {path}")
    return 0


def _diagnostics_lines(history: History) -> list[str]:
    epoch = history.epochs
    lines = [f"diagnostics (epoch {epoch}; update/weight ~1e-3 is healthy):"]
    for name, norms in history.grad_norm.items():
        ratio = history.update_ratio[name][-1]
        lines.append(f"  {name}: grad norm {norms[-1]:.2e}, update/weight {ratio:.2e}")
    dead = history.dead_relu[-1]
    lines.append(f"  dead ReLU units: {'none' if dead is None else f'{dead:.1%}'}")
    return lines


def _write_losses_csv(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["epoch", "loss", "accuracy", "val_loss", "val_accuracy"])
        for epoch, *values in rows:
            writer.writerow([epoch, *(f"{v:.6g}" for v in values)])
    return path


def _plot_losses(path: Path, rows: list[tuple], hint: Callable[[str], None]) -> Path | None:
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional, and slow to import
    except ImportError:
        hint("hint: install matplotlib (pip install 'tinygrad-lite[plot]') to also get loss.png")
        return None
    epoch, loss, _, val_loss, _ = zip(*rows, strict=True)
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(epoch, loss, label="train")
    ax.plot(epoch, val_loss, label="validation")
    ax.axhline(math.log(3), color="grey", linestyle=":", label="ln 3 (uniform guess)")
    ax.set(xlabel="epoch (0 = untrained)", ylabel="softmax cross-entropy", yscale="log")
    ax.set_title("TwoLayerNet on the spiral")
    ax.legend()
    fig.savefig(path, dpi=100)
    return path


def _draw_first_batch(model: nn.Module, loss_fn: nn.Module, X: tl.Tensor, y: tl.Tensor) -> Any:
    """The backprop graph of the loss on one batch: every tensor, the parameters included,
    with its value and its gradient. The model's gradients are cleared afterwards."""
    from tinygrad_lite.graph import draw_graph  # noqa: PLC0415 - only demo and graph draw
    from tinygrad_lite.trace import trace_backward  # noqa: PLC0415

    loss = loss_fn(model(tl.Tensor(X.data, name="X")), tl.Tensor(y.data, name="y"))
    loss.name = "loss"
    trace_backward(loss)
    dot = draw_graph(loss)  # the labels take every .grad now, before zero_grad clears them
    model.zero_grad()
    return dot


def _write_graph(out: Path, dot: Any, hint: Callable[[str], None]) -> list[Path]:
    """graph.dot, and graph.svg when Graphviz is installed."""
    written = [out / "graph.dot"]
    written[0].write_text(dot.source)
    if shutil.which("dot") is None:
        hint("hint: install Graphviz (apt-get/brew/conda install graphviz) to also get graph.svg")
        return written
    try:
        svg = dot.pipe(format="svg")
    except RuntimeError as err:  # dot failed (an OSError such as its timeout is caught in main)
        raise CommandError(str(err)) from None
    (out / "graph.svg").write_bytes(svg)
    return [*written, out / "graph.svg"]


def _write_explorer(
    out: Path, model: nn.Module, loss_fn: nn.Module, X: Any, y: Any, hint: Callable[[str], None]
) -> list[Path]:
    """The explorer page of the untrained network's first step on a few points."""
    if shutil.which("dot") is None:
        hint(
            "hint: install Graphviz (apt-get/brew/conda install graphviz) to also get explorer.html"
        )
        return []
    loss = loss_fn(model(tl.Tensor(X, name="X")), tl.Tensor(y, name="y"))
    loss.name = "loss"
    explorer = tl.explore(loss, title="TwoLayerNet: the first training step, on 8 points")
    model.zero_grad()  # the explorer ran a backward pass; training starts from no gradient
    return [explorer.save(out / "explorer.html")]


# ---------------------------------------------------------------- graph

GRAPH_FORMATS = {
    ".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot", ".html": "html",
}  # fmt: skip


def _cmd_graph(args: argparse.Namespace) -> int:
    from tinygrad_lite.expr import (  # noqa: PLC0415 - only this command parses expressions
        ExpressionError,
        evaluate,
        parse_assignments,
        parse_expression,
    )
    from tinygrad_lite.graph import GraphvizNotFoundError, draw_graph  # noqa: PLC0415
    from tinygrad_lite.trace import trace_backward  # noqa: PLC0415

    out: Path | None = args.output
    try:
        if out is not None and out.suffix.lower() not in GRAPH_FORMATS:
            raise ExpressionError(
                f"-o {out}: use .svg, .png, .pdf or .dot, or .html (the explorer)"
            )
        variables = parse_assignments(args.values)
        tree = parse_expression(args.expr, set(variables))
    except ExpressionError as err:  # a usage error: nothing has run
        return _usage_error(args, str(err))

    try:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            root = evaluate(tree, variables)
            if not root.requires_grad:
                raise CommandError(f"{args.expr!r} uses no variable: nothing to differentiate")
            if root.grad_fn is not None:
                print(f"out = {root.name}")
                root.name = "out"
            gradient = None if root.data.size == 1 else np.ones_like(root.data)
            explorer = None
            if out is not None and GRAPH_FORMATS[out.suffix.lower()] == "html":
                title = WORDS[args.lang]["steps"]["title"].format(root=args.expr)
                explorer = tl.explore(root, gradient=gradient, title=title, lang=args.lang)
                trace = explorer.trace  # the page's backward pass: the same steps
            else:
                trace = trace_backward(root, gradient)
    except (ArithmeticError, ValueError, TypeError) as err:  # overflow, x @ scalar, ...
        raise CommandError(f"cannot compute {args.expr!r}: {err}") from None
    if gradient is not None:
        print(f"(out has shape {root.shape}: backward starts from ones, as for out.sum())")
    print(trace)

    if out is None:
        print("hint: add -o graph.svg to draw the graph", file=sys.stderr)
        return 0
    if explorer is not None:
        try:
            explorer.save(out)
        except GraphvizNotFoundError as err:
            raise CommandError(str(err)) from None
        print(f"wrote: {out}")
        return 0
    fmt = GRAPH_FORMATS[out.suffix.lower()]
    dot = draw_graph(root, rankdir=args.rankdir, show_local_grads=args.local_grads)
    if fmt == "dot":
        out.write_text(dot.source, encoding="utf-8")
    else:
        try:
            rendered = dot.pipe(format=fmt)
        except (GraphvizNotFoundError, RuntimeError) as err:  # no dot, or dot failed
            raise CommandError(str(err)) from None
        out.write_bytes(rendered)
    print(f"wrote: {out}")
    return 0


# ---------------------------------------------------------------- compare-optimizers

FIGURE_FORMATS = (".png", ".svg", ".pdf")


def _cmd_compare_optimizers(args: argparse.Namespace) -> int:
    from tinygrad_lite import plots, testfunctions  # noqa: PLC0415 - only this command uses them

    out: Path | None = args.output
    if out is not None and out.suffix.lower() not in FIGURE_FORMATS:
        return _usage_error(args, f"-o {out}: use .png, .svg or .pdf")
    objective = testfunctions.get(args.function)
    paths = testfunctions.compare_optimizers(objective, steps=args.steps)
    x0, y0 = objective.start
    print(f"{objective.name} from ({x0:g}, {y0:g}), {args.steps or objective.steps} steps")
    for name, path in paths.items():
        x, y = path[-1]
        print(
            f"{name}: lr {objective.lrs[name]:g}, final point ({x:.4f}, {y:.4f}), "
            f"f = {objective.value(x, y):.6g}"
        )
    if out is None:
        print("hint: add -o paths.png to draw the paths", file=sys.stderr)
        return 0
    try:
        figure = plots.plot_optimizer_paths(objective, paths)
    except ImportError as err:
        raise CommandError(f"cannot draw {out}: {err}") from None
    figure.savefig(out, dpi=100)
    print(f"wrote: {out}")
    return 0


# ---------------------------------------------------------------- gradcheck


def _cmd_gradcheck(args: argparse.Namespace) -> int:
    from tinygrad_lite import opcheck  # noqa: PLC0415 - only this command uses it

    known = [c.name for c in opcheck.CHECKS]
    known_keys = {opcheck.op_key(name) for name in known}  # --op Linear finds "linear"
    unknown = [name for name in args.op or [] if opcheck.op_key(name) not in known_keys]
    if unknown:
        return _usage_error(args, f"unknown op {unknown[0]!r}; choose from: {', '.join(known)}")
    tl.manual_seed(args.seed)
    results = opcheck.run_checks(args.op)
    print(opcheck.format_table(results))
    failed = [r for r in results if not r.first_order_ok or r.second_order_ok is False]
    return 1 if failed else 0


# ---------------------------------------------------------------- exercises


def _exercises_language(args: argparse.Namespace) -> str:
    """The language of the exercises' texts: --lang if given, else $TINYGRAD_LITE_LANG."""
    from tinygrad_lite.exercises import messages  # noqa: PLC0415

    if hasattr(args, "lang"):
        messages.set_language(args.lang)
    return messages.get_language()


def _cmd_exercises_list(args: argparse.Namespace) -> int:
    from tinygrad_lite import exercises  # noqa: PLC0415 - only this command uses them
    from tinygrad_lite.exercises.messages import text  # noqa: PLC0415

    _exercises_language(args)
    for number, exercise in enumerate(exercises.list(show=False), start=1):
        print(f"{number:2d}. {exercise.name}: {exercise.summary}")
    print(text("list.cli_hint"), file=sys.stderr)
    return 0


def _cmd_exercises_check(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from tinygrad_lite.exercises.messages import text  # noqa: PLC0415

    path: Path = args.file
    language = _exercises_language(args)
    if not path.is_file():
        return _usage_error(args, f"{path}: no such file")
    if path.suffix != ".py":
        return _usage_error(args, f"{path}: expected a Python file (.py)")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "tinygrad_lite.exercises.grade",
            str(path.resolve()),
            str(report),
        ]
        try:
            child = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=False,
                env={**os.environ, "TINYGRAD_LITE_LANG": language},  # the child speaks it too
            )
        except subprocess.TimeoutExpired:
            raise CommandError(
                f"{path} did not finish within {args.timeout:g} s (an endless loop?); "
                "raise the limit with --timeout"
            ) from None
        sys.stdout.write(child.stdout)
        sys.stderr.write(child.stderr)
        if not report.is_file():
            raise CommandError(
                f"{path} ended the process (exit code {child.returncode}) before the check finished"
            )
        result = json.loads(report.read_text(encoding="utf-8"))
    if "error" in result or not result["checked"]:
        return 1
    if result["missing"]:
        print(text("grade.missing", names=", ".join(result["missing"])))
    if len(result["passed"]) < len(result["checked"]):
        return 1
    return 1 if args.all and result["missing"] else 0
