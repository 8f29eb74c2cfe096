"""The backprop explorer: one web page that steps through a graph's forward and backward pass.

`explore(root)` runs ``root``'s backward pass as `trace_backward` does (so ``.grad`` is left on
every tensor) and records what each step shows: in the forward steps, each op's output value in
the order the ops ran; in the backward steps, the upstream gradient, the local derivative and the
gradient sent to each input, with the real tensor names and numbers. The page draws the graph
with `draw_graph` (laid out by Graphviz's ``dot`` when the page is built) and steps through it
with buttons, the keyboard or a ``#step=N`` link. It needs no network: its script and style are
inline, and its data is JSON inside the page.

>>> import tinygrad_lite as tl
>>> x = tl.Tensor(2.0, requires_grad=True, name="x")
>>> y = (x * x).relu()
>>> explorer = tl.explore(y)
>>> explorer.step_count  # 2 forward steps (Mul, ReLU), then 2 backward steps
4
>>> x.grad.item()  # the backward pass ran, as trace_backward runs it
4.0
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_lite.explore_words import LANGUAGES, WORDS
from tinygrad_lite.graph import _value_lines, draw_graph
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.trace import (
    Trace,
    _derivative_notation,
    _describe_input,
    _factor,
    describe_local,
    format_array,
    format_number,
    summarize,
    topological_order,
    trace_backward,
)

__all__ = ["Explorer", "explore"]

TABLE_SIDE = 8
"""Arrays of at most 8 x 8 are shown in the details as a table; larger ones as a heatmap."""
HEATMAP_SIDE = 16
"""A heatmap has at most this many rows and columns (blocks of the array are averaged)."""


class Explorer:
    """A self-contained HTML page that steps through one graph's forward and backward pass.

    ``explorer.html`` is the page as a string (Graphviz lays the graph out the first time it
    is asked for), ``explorer.save("page.html")`` writes it, and in Jupyter the page shows
    inline. ``explorer.step_count`` is the number of steps: the forward ones, then the
    backward ones. ``explorer.lang`` is the language of the page's labels and step texts
    (``"en"`` or ``"ko"``, chosen in `explore`).

    >>> import tinygrad_lite as tl
    >>> a = tl.Tensor(3.0, requires_grad=True, name="a")
    >>> page = tl.explore(a * a)
    >>> page.steps[1]["text"][-1]  # backward through a * a: a gets gradient twice, added up
    '  dt1/da = 3 (from Mul -> t1) + 3 (from Mul -> t1) = 6'
    """

    def __init__(
        self, title: str, trace: Trace, diagram: Any, data: dict[str, Any], lang: str = "en"
    ):
        self.title = title
        self.trace = trace
        """The backward pass the page shows, as `trace_backward` returns it."""
        self.diagram = diagram
        """The `graphviz.Digraph` the page shows (gradients as after the last step)."""
        self.data = data
        """What the page's script reads: the steps, and every drawn tensor and op."""
        self.lang = lang
        self._html: str | None = None

    @property
    def steps(self) -> list[dict[str, Any]]:
        """Every step: ``phase`` ("forward" or "backward"), ``op`` and ``text`` (its lines)."""
        return self.data["steps"]

    @property
    def step_count(self) -> int:
        return len(self.data["steps"])

    @property
    def html(self) -> str:
        """The page: one HTML document with the graph (SVG), the data (JSON), script and style."""
        if self._html is None:
            svg = self.diagram.pipe(format="svg").decode("utf-8")
            self._html = _fill_template(self.title, _inline_svg(svg), self.data, self.lang)
        return self._html

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to `path` (ending in ``.html`` or ``.htm``, UTF-8) and return the path."""
        path = Path(path)
        if path.suffix.lower() not in {".html", ".htm"}:
            raise ValueError(
                f"Explorer.save: {str(path)!r} does not end in .html; the explorer is a web "
                "page (use draw_graph(root).render(...) for a picture)"
            )
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """The page in a sandboxed iframe (scripts run inside it, nothing outside)."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'title="{html.escape(self.title, quote=True)}" '
            'style="width: 100%; height: 640px; border: 1px solid #ccc"></iframe>'
        )

    def _repr_mimebundle_(self, **_options) -> dict[str, str]:
        """The page for front ends that run it, and the graph after the last step as a
        picture (SVG) for viewers that show no HTML pages (a static notebook viewer)."""
        return {
            "text/html": self._repr_html_(),
            "image/svg+xml": self.diagram.pipe(format="svg").decode("utf-8"),
            "text/plain": repr(self),
        }

    def __repr__(self) -> str:
        return f"<Explorer {self.title!r}: {self.step_count} steps>"


def explore(
    root: Tensor,
    *,
    gradient: Any = None,
    max_nodes: int = 200,
    title: str | None = None,
    lang: str = "en",
) -> Explorer:
    """Run ``root``'s backward pass and return a page that steps through it (an `Explorer`).

    The backward pass is `trace_backward`'s: gradients accumulate into the leaves and every
    intermediate tensor keeps its ``.grad``. ``gradient`` is dRoot/dRoot for a non-scalar
    root (as in ``root.backward(gradient)``). At most `max_nodes` tensor and op nodes are
    drawn (those nearest `root`), as in `draw_graph`; `title` heads the page (default:
    "Backprop of <root's name>"). ``lang="ko"`` writes the page's buttons, headings, labels
    and step texts in Korean (the numbers, formulas and names stay as they are).

    The page's steps: one forward step per op in the order the ops ran (its output value
    appears), then one backward step per op in the order backward ran them (the upstream
    gradient, the local derivative, the gradient sent to each input; a tensor used more than
    once shows its gradient as the sum of its parts). ``#step=N`` in the page's address opens
    step N (counted from 1, as the page shows it). The page defines ``window.tlExplorer``
    with ``stepCount``, ``goTo(i)`` (0-based), ``current()`` and ``shown()`` for scripts.

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor(-3.0, requires_grad=True, name="w")
    >>> page = tl.explore((w * 2.0).tanh(), title="a tiny neuron")
    >>> [step["phase"] for step in page.steps]
    ['forward', 'forward', 'backward', 'backward']
    >>> tl.explore((w * 2.0).tanh(), lang="ko").steps[0]["text"][0]
    '순전파 2단계 중 1단계: Mul'
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"explore: root must be a Tensor, got {type(root).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"explore: max_nodes must be an integer >= 1, got {max_nodes!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"explore: title must be a str or None, got {type(title).__name__}")
    if lang not in LANGUAGES:
        raise ValueError(
            f"explore: lang must be one of {', '.join(map(repr, LANGUAGES))}, got {lang!r}"
        )
    if root.grad_fn is None:
        raise ValueError(
            "explore: root is a leaf tensor (no op made it), so there is no step to show; "
            "pass a tensor computed from others, e.g. the loss"
        )
    before = _grads_before(root)
    trace = trace_backward(root, gradient)
    diagram = draw_graph(root, max_nodes=max_nodes)
    words = WORDS[lang]["steps"]
    title = title if title is not None else words["title"].format(root=trace.root_label)
    data = _page_data(trace, before, diagram.node_ids, words)
    return Explorer(title, trace, diagram, data, lang)


def _grads_before(root: Tensor) -> dict[int, np.ndarray]:
    """The ``.grad`` each tensor of the graph already holds: the backward pass adds to it."""
    return {id(t): t.grad.data.copy() for t in topological_order(root) if t.grad is not None}


# ---------------------------------------------------------------- the page's data


def _page_data(
    trace: Trace, before: dict[int, np.ndarray], node_ids: dict[int, str], words: dict[str, str]
) -> dict[str, Any]:
    """The steps, the drawn tensors and the drawn ops, as the page's script reads them, in
    the language of `words` (one of `WORDS`' ``steps`` tables)."""
    forward, created = _forward_steps(trace, node_ids, words)
    backward, versions, backward_of = _backward_steps(trace, before, node_ids, len(forward), words)
    labels = trace.labels
    tensors, uses = [], {}
    for t in trace.order:
        if id(t) not in node_ids:
            continue  # not drawn (max_nodes)
        label = labels(t)
        uses[label] = uses.get(label, 0) + 1
        key = label if uses[label] == 1 else f"{label} #{uses[label]}"  # two tensors, one name
        versions_of_t = versions.get(id(t), [])
        tensors.append(_tensor_data(t, key, trace, created, versions_of_t, node_ids, words))
    ops = []
    for t in trace.order:
        fn = t.grad_fn
        if fn is None or id(fn) not in node_ids:
            continue
        operands = ", ".join(labels(x) for x in fn.inputs)
        ops.append({
            "node": node_ids[id(fn)], "op": fn.name,
            "forward": created[id(t)], "backward": backward_of.get(id(fn)),
            "text": [f"{labels(t)} = {fn.name}({operands})",
                     words["local"].format(formula=describe_local(fn) or words["not_described"])],
        })  # fmt: skip
    return {"steps": forward + backward, "tensors": tensors, "ops": ops}


def _forward_steps(trace: Trace, node_ids: dict[int, str], words: dict[str, str]):
    """One step per op, in the order the forward pass ran them, and the step that made each
    tensor (``created``, keyed by ``id``)."""
    labels = trace.labels
    made = [t for t in trace.order if t.grad_fn is not None]
    steps, created = [], {}
    for number, out in enumerate(made):
        created[id(out)] = number
        fn = out.grad_fn
        operands = ", ".join(labels(x) for x in fn.inputs)
        steps.append({
            "phase": "forward", "op": fn.name, "node": node_ids.get(id(fn)),
            "touched": [node_ids[id(out)]] if id(out) in node_ids else [],
            "text": [
                words["forward_step"].format(number=number + 1, count=len(made), op=fn.name),
                f"{labels(out)} = {fn.name}({operands})",
                f"{labels(out)} = {format_array(out.data)}",
            ],
        })  # fmt: skip
    return steps, created


def _backward_steps(trace: Trace, before, node_ids: dict[int, str], first: int, words):
    """One step per backward step of `trace` (numbered on from `first`), each tensor's
    gradient as ``versions`` (``(step, gradient from that step on)``), and the step of each op.

    A tensor that receives gradient more than once (a fan-in) gets a line that adds the
    parts, as the chain rule does; a ``.grad`` held from before is one of the parts."""
    d = _derivative_notation(trace.root_label)
    parts: dict[int, list[tuple[np.ndarray, str]]] = {}
    versions: dict[int, list[tuple[int, np.ndarray]]] = {}
    for key, grad in before.items():
        parts[key] = [(grad, words["already"])]
        versions[key] = [(-1, grad)]
    root = id(trace.root)
    seed = trace.seed + before[root] if root in before else trace.seed
    versions.setdefault(root, []).append((first, seed))
    steps, backward_of = [], {}
    for number, step in enumerate(trace.steps):
        backward_of[id(step.fn)] = first + number
        heading = words["backward_step"].format(
            number=number + 1, count=len(trace), op=step.op, output=step.output
        )
        text = [
            heading,
            words["upstream"].format(gradient=f"{d(step.output)} = {format_array(step.upstream)}"),
            words["local"].format(formula=step.formula or words["not_described"]),
        ]
        touched = []
        for g in step.inputs:
            if g.gradient is None:
                text.append(words["to_input"].format(input=g.label, gradient=words["no_gradient"]))
                continue
            sent = _describe_input(replace(g, accumulated=False), step, d)
            text.append(words["to_input"].format(input=g.label, gradient=sent))
            key = id(g.tensor)
            source = words["from_op"].format(op=step.op, output=step.output)
            parts.setdefault(key, []).append((g.gradient, source))
            total = g.total + before[key] if key in before else g.total
            versions.setdefault(key, []).append((first + number, total))
            if len(parts[key]) > 1:
                terms = " + ".join(f"{_factor(p)} ({source})" for p, source in parts[key])
                text.append(f"  {d(g.label)} = {terms} = {format_array(total)}")
            if key in node_ids:
                touched.append(node_ids[key])
        steps.append({
            "phase": "backward", "op": step.op, "node": node_ids.get(id(step.fn)),
            "touched": touched, "text": text, "upstream": format_array(step.upstream),
            "inputs": [{"label": g.label,
                        "gradient": None if g.gradient is None else format_array(g.gradient)}
                       for g in step.inputs],
        })  # fmt: skip
    return steps, versions, backward_of


def _tensor_data(t: Tensor, key: str, trace, created, versions, node_ids, words):
    if t is trace.root:
        role = words["root"]
    elif t.grad_fn is not None:
        role = words["made_by"].format(op=t.grad_fn.name)
    else:
        role = words["trained_leaf"] if t.requires_grad else words["input_leaf"]
    return {
        "name": key,
        "node": node_ids[id(t)],
        "role": role,
        "shape": str(tuple(t.shape)),
        "dtype": str(t.dtype),
        "created": created.get(id(t), -1),
        "value": _view(t.data),
        "grads": [dict(_view(g), step=step) for step, g in versions],
    }


def _view(a: np.ndarray) -> dict[str, Any]:
    """An array as the page shows it: ``text`` (as the trace prints it), ``lines`` (as the
    graph's node shows it), and for the details a ``table`` or a ``heatmap``."""
    a = np.asarray(a)
    view: dict[str, Any] = {"text": format_array(a), "lines": _value_lines(a)}
    if a.ndim == 0:
        return view
    grid = a.reshape(1, -1) if a.ndim == 1 else a.reshape(-1, a.shape[-1])
    if a.ndim <= 2 and max(grid.shape) <= TABLE_SIDE:
        view["table"] = [[format_number(x) for x in row] for row in grid]
    else:
        view["summary"] = f"shape {a.shape}: {summarize(a)}"
        grid = _blocks(_blocks(grid.astype(np.float64), 0), 1)
    view["scale"] = _scale(grid)
    return view


def _blocks(grid: np.ndarray, axis: int) -> np.ndarray:
    """At most HEATMAP_SIDE rows (or columns): each the mean of a block of the original ones."""
    n = grid.shape[axis]
    if n <= HEATMAP_SIDE:
        return grid
    starts = np.linspace(0, n, HEATMAP_SIDE, endpoint=False).astype(int)
    sums = np.add.reduceat(grid, starts, axis=axis)
    sizes = np.diff(np.append(starts, n))
    return sums / (sizes if axis == 1 else sizes[:, None])


def _scale(grid: np.ndarray) -> list[list[float]]:
    """Values divided by the largest magnitude (-1 to 1), for the colour of each cell."""
    with np.errstate(all="ignore"):
        grid = np.nan_to_num(grid.astype(np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
        top = float(np.abs(grid).max()) if grid.size else 0.0
        scaled = grid / top if top > 0 else np.zeros_like(grid)
    return np.round(scaled, 3).tolist()


# ---------------------------------------------------------------- the page


def _inline_svg(svg: str) -> str:
    """``dot``'s SVG as an element inside HTML: no XML prolog, no DOCTYPE, no namespace
    addresses (the HTML parser places ``<svg>`` in the SVG namespace by itself)."""
    svg = svg[svg.index("<svg") :]
    return re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)


def _json_for_script(data: dict[str, Any]) -> str:
    """JSON that cannot end the ``<script>`` element it sits in, nor break a JS parser."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(char, escaped)
    return text


def _fill_template(title: str, svg: str, data: dict[str, Any], lang: str) -> str:
    template = resources.files("tinygrad_lite").joinpath("explorer.html").read_text("utf-8")
    words = WORDS[lang]
    values = {key: html.escape(text, quote=True) for key, text in words["page"].items()}
    values.update(
        lang=lang,
        ui=_json_for_script(words["script"]),  # what the script writes as you step
        title=html.escape(title, quote=True),
        svg=svg,
        data=_json_for_script(data),
    )
    # Only elements carrying the nonce may run or style (the page's policy). A hash of the
    # content: the same graph gives the same page, and no name in it can contain its own hash.
    values["nonce"] = hashlib.sha256("".join(values.values()).encode("utf-8")).hexdigest()[:32]
    # One pass, so a value that happens to contain "{{data}}" is never filled in again.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], template)
