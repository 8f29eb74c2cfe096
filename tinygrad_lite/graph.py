"""Drawing the recorded graph: `draw_graph`, `backward_frames` and `save_frames`.

A graph is drawn as a `graphviz.Digraph`: one box per tensor (name, shape, value,
gradient) and one ellipse per op, with edges following the data (input tensor →
op → output tensor). Building it needs no Graphviz program; only rendering it
(``.render``, ``.pipe``, Jupyter display) runs ``dot``.

>>> import tinygrad_lite as tl
>>> x = tl.Tensor(2.0, requires_grad=True, name="x")
>>> y = (x * x).relu()
>>> dot = tl.draw_graph(y)
>>> dot.source.count("->")  # x -> Mul twice, Mul -> t1, t1 -> ReLU, ReLU -> t2
5
"""

from __future__ import annotations

import html
import io
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import graphviz
import numpy as np

from tinygrad_lite.diagram import BOUNDED_LAYOUT, Diagram, GraphvizNotFoundError, RenderTimeoutError
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.trace import (
    SMALL,
    Labels,
    describe_local,
    format_array,
    record_backward,
    summarize,
    topological_order,
)

__all__ = [
    "GraphvizNotFoundError",
    "RenderTimeoutError",
    "backward_frames",
    "draw_graph",
    "save_frames",
]

COLOURS = {
    "parameter": "#c6e5b3",  # a leaf that requires grad: what training changes
    "input": "#dde6f5",  # a leaf that does not: data and constants
    "intermediate": "#ffffff",
    "root": "#f9c5c0",  # the tensor backward starts from (the loss)
    "op": "#ffe7a3",
}
HIGHLIGHT = "#d62728"


# ---------------------------------------------------------------- labels


def _escape(text: str) -> str:
    """Text for an HTML-like Graphviz label: markup characters escaped, control
    characters written as ``\\xNN``, and backslashes doubled (Graphviz reads ``\\N``
    as the node's id even in an HTML label, and ``\\\\`` as one backslash)."""
    printable = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in str(text))
    return html.escape(printable, quote=True).replace("\\", "\\\\")


def _value_lines(a: np.ndarray) -> list[str]:
    """A value as lines of text: in full when small (one line per row), else a summary."""
    if a.ndim >= 2 and a.size <= SMALL:
        rows = a.reshape(-1, a.shape[-1])
        return [format_array(row) for row in rows]
    if a.size > SMALL:
        return [summarize(a)]
    return [format_array(a)]


MAX_NAME = 120
"""Names longer than this are shortened on the picture (Graphviz refuses labels over 16 KB)."""


def _shorten(name: str) -> str:
    """`name` as drawn: whole when short, else its start and end and its length."""
    if len(name) <= MAX_NAME:
        return name
    return f"{name[:80]}…{name[-20:]} ({len(name):,} characters)"


def _tensor_label(label: str, tensor, grad, role: str, show_data, show_grad, highlight) -> str:
    shape = "" if tensor.ndim == 0 else f" {tuple(tensor.shape)}"
    cells = [f"<B>{_escape(_shorten(label))}</B>{_escape(shape)}"]
    if show_data and label != format_array(tensor.data):  # an unnamed constant shows its value
        cells.append("data " + '<BR ALIGN="LEFT"/>'.join(map(_escape, _value_lines(tensor.data))))
    if show_grad and grad is not None:
        cells.append("grad " + '<BR ALIGN="LEFT"/>'.join(map(_escape, _value_lines(grad))))
    border = f' COLOR="{HIGHLIGHT}" BORDER="3"' if highlight else ' BORDER="1"'
    row = "".join(f'<TD BALIGN="LEFT">{cell}</TD>' for cell in cells)
    return (
        f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{COLOURS[role]}"><TR>{row}</TR></TABLE>>'
    )


def _role_of(tensor, root) -> str:
    if tensor is root:
        return "root"
    if tensor.grad_fn is not None:
        return "intermediate"
    return "parameter" if tensor.requires_grad else "input"


def _local_formulas(fn) -> list[str]:
    """The local-derivative formula split per input when it reads ``f1, f2`` for two
    inputs; otherwise the whole formula for every input."""
    formula = (describe_local(fn) or "").split(": ")[0].split("  (")[0]  # the formula only
    parts = [p.strip() for p in formula.split(",")]
    return parts if len(parts) == len(fn.inputs) else [formula] * len(fn.inputs)


# ---------------------------------------------------------------- the drawing


@dataclass(frozen=True)
class _Style:
    """The options `draw_graph` and `backward_frames` share."""

    show_data: bool = True
    show_grad: bool = True
    rankdir: str = "LR"
    group_modules: bool = True
    show_local_grads: bool = False
    max_nodes: int = 400

    def __post_init__(self) -> None:
        if self.rankdir not in {"LR", "TB", "RL", "BT"}:
            raise ValueError(
                f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', not {self.rankdir!r}"
            )
        if self.max_nodes < 1:
            raise ValueError(f"draw_graph: max_nodes must be at least 1, got {self.max_nodes}")


def draw_graph(
    root: Tensor,
    show_data: bool = True,
    show_grad: bool = True,
    rankdir: str = "LR",
    group_modules: bool = True,
    show_local_grads: bool = False,
    max_nodes: int = 400,
) -> Diagram:
    """The graph that computed `root`, as a `graphviz.Digraph`.

    Colours: parameters (leaves that require grad) green, inputs and constants
    blue, ops yellow, `root` red. Call `trace_backward(root)` first to see a
    gradient on every tensor, not just the leaves.

    Parameters
    ----------
    root
        The tensor to draw the graph of (usually the loss).
    show_data, show_grad
        Show each tensor's value and (when it has one) ``.grad``.
        Small tensors are shown in full, larger ones as min/mean/max.
    rankdir
        ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
    group_modules
        Draw the ops recorded inside each ``nn.Module`` call as a labelled
        box (``fc1: Linear``), nested as the modules are.
    show_local_grads
        Label each input → op edge with the op's local derivative.
    max_nodes
        Draw at most this many tensor and op nodes (those nearest `root`);
        the rest are summarized by one "… N more" node.

    Examples
    --------
    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor(-3.0, requires_grad=True, name="w")
    >>> y = (w * 2.0).tanh()
    >>> y.backward()
    >>> dot = tl.draw_graph(y)          # needs no Graphviz until you render it
    >>> "Tanh" in dot.source and "w" in dot.source
    True
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: root must be a Tensor, got {type(root).__name__}")
    order = topological_order(root)
    grads = {id(t): t.grad.data for t in order if t.grad is not None}
    style = _Style(show_data, show_grad, rankdir, group_modules, show_local_grads, max_nodes)
    return _draw(root, order, Labels(order), grads, style)


def _draw(root, order, labels, grads, style: _Style, highlight=frozenset()) -> Diagram:
    """Build the Digraph. `grads` maps ``id(tensor)`` to the gradient to show;
    `highlight` holds the ids of the nodes (tensors and ops) to draw in red."""
    dot = Diagram(name="backprop", graph_attr={"rankdir": style.rankdir, **BOUNDED_LAYOUT})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="9", color="#555555")

    # The nodes, root first: a tensor, then the op that made it. Cutting this list
    # keeps, for every drawn tensor, all the ops that consume it.
    nodes = []
    for t in reversed(order):
        nodes.append(t)
        if t.grad_fn is not None:
            nodes.append(t.grad_fn)
    drawn = nodes[: style.max_nodes]
    ids = {id(node): f"n{i}" for i, node in enumerate(drawn)}
    dot.node_ids = ids  # which DOT node draws which tensor or op (the explorer's page uses it)

    scope_of = _scopes(drawn) if style.group_modules else {}
    clusters: dict[tuple[str, ...], list[tuple[str, dict]]] = defaultdict(list)
    for node in drawn:
        lit = id(node) in highlight
        if isinstance(node, Tensor):
            label = _tensor_label(
                labels(node), node, grads.get(id(node)), _role_of(node, root),
                style.show_data, style.show_grad, lit,
            )  # fmt: skip
            attrs = {"shape": "plain", "label": label}
        else:
            attrs = {"shape": "ellipse", "style": "filled", "fillcolor": COLOURS["op"],
                     "label": f"<{_escape(node.name)}>"}  # fmt: skip
            if lit:
                attrs.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
        clusters[scope_of.get(id(node), ())].append((ids[id(node)], attrs))
    _add_clusters(dot, clusters)

    more = "more"
    cut = len(nodes) - len(drawn)
    if cut:
        dot.node(more, f"… {cut:,} more nodes (max_nodes={style.max_nodes})",
                 shape="note", style="dashed")  # fmt: skip
    for node in drawn:
        if isinstance(node, Tensor):  # the op -> the tensor it made
            fn = node.grad_fn
            if fn is not None and id(fn) in ids:
                dot.edge(ids[id(fn)], ids[id(node)])
            elif fn is not None:
                dot.edge(more, ids[id(node)], style="dashed")
            continue
        formulas = _local_formulas(node) if style.show_local_grads else None
        for i, x in enumerate(node.inputs):  # every input -> the op
            attrs = {"label": f"<{_escape(formulas[i])}>"} if formulas else {}
            if id(x) in ids:
                dot.edge(ids[id(x)], ids[id(node)], **attrs)
            else:
                dot.edge(more, ids[id(node)], style="dashed", **attrs)
    return dot


def _scopes(drawn: list) -> dict[int, tuple[str, ...]]:
    """The module scope to draw each node in: an op in the scope it was recorded in,
    the tensor it made beside it, and a parameter in the innermost scope that all of
    the ops using it share (``fc1.weight`` inside ``fc1: Linear``). Every op that
    uses a drawn tensor is drawn too, so `drawn` holds all the users that matter."""
    scope: dict[int, tuple[str, ...]] = {}
    users: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for node in drawn:
        if isinstance(node, Tensor):
            continue
        scope[id(node)] = node.scope
        for x in node.inputs:
            users[id(x)].append(node.scope)
    for node in drawn:
        if isinstance(node, Tensor) and node.grad_fn is not None:
            scope[id(node)] = node.grad_fn.scope
        elif isinstance(node, Tensor) and node.requires_grad and users[id(node)]:
            scope[id(node)] = _common_prefix(users[id(node)])
    return scope


def _common_prefix(scopes: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = scopes[0]
    for scope in scopes[1:]:
        while scope[: len(prefix)] != prefix:
            prefix = prefix[:-1]
    return prefix


def _add_clusters(dot: Diagram, clusters: dict[tuple[str, ...], list]) -> None:
    """Declare nodes inside nested ``cluster`` subgraphs, one per module scope.

    Graphviz copies a subgraph into its parent when it is added, so the scopes are
    built deepest first; no recursion."""
    paths = set()
    for scope in clusters:
        paths.update(scope[:depth] for depth in range(len(scope) + 1))
    graphs = {}
    for number, path in enumerate(sorted(paths, key=lambda p: (len(p), p))):
        if not path:
            graphs[path] = dot
            continue
        label = f"<<B>{_escape(path[-1])}</B>>"
        graphs[path] = Diagram(
            name=f"cluster_{number}",
            graph_attr={"label": label, "style": "rounded,dashed", "color": "#888888"},
        )
    for path, nodes in clusters.items():
        for name, attrs in nodes:
            graphs[path].node(name, **attrs)
    for path in sorted(paths - {()}, key=lambda p: (len(p), p), reverse=True):
        graphs[path[:-1]].subgraph(graphs[path])


# ---------------------------------------------------------------- frames


def backward_frames(root: Tensor, gradient=None, **options) -> list[Diagram]:
    """The graph after each backward step, for animating backprop.

    Frame ``i`` shows the gradients known after step ``i`` (the root's seed from the
    start) with the op of step ``i`` and the tensors it sent gradient to in red.
    There is one frame per op, in the order the backward pass ran. This runs its own
    backward pass (graph kept) but changes no ``.grad``: the gradients live in the
    frames. `options` are those of `draw_graph` (``rankdir``, ``show_data``, …).

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor(-3.0, requires_grad=True, name="w")
    >>> y = (w * 2.0).tanh()
    >>> frames = tl.backward_frames(y)
    >>> len(frames)   # one per op: Tanh, then Mul
    2
    """
    trace = record_backward(root, gradient, accumulate=False)
    style = replace(_Style(), **options)
    grads = {id(root): trace.seed}
    frames = []
    for step in trace:
        grads.update((id(g.tensor), g.total) for g in step.inputs if g.total is not None)
        current = {id(step.fn)} | {id(g.tensor) for g in step.inputs if g.gradient is not None}
        frames.append(_draw(root, trace.order, trace.labels, dict(grads), style, current))
    return frames


def save_frames(frames: list[graphviz.Digraph], path: str | os.PathLike, duration_ms: int = 900):
    """Save frames from `backward_frames` as an animated GIF (`path` ends in ``.gif``;
    needs Pillow) or as ``frame_000.png``, ``frame_001.png``, … in the folder `path`
    (created if missing). Writes nothing else. Returns the list of files written.

    >>> import os, tempfile
    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.graph import save_frames
    >>> w = tl.Tensor(-3.0, requires_grad=True, name="w")
    >>> path = os.path.join(tempfile.mkdtemp(), "backprop.gif")
    >>> save_frames(tl.backward_frames((w * 2.0).tanh()), path)  # doctest: +SKIP
    """
    path = Path(path)
    if not frames:
        raise ValueError("save_frames: got no frames (a graph with no ops has no backward steps)")
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(RuntimeError("save_frames: 'dot' was not found on PATH"))
    if path.suffix.lower() != ".gif":
        path.mkdir(parents=True, exist_ok=True)
        written = []
        for i, frame in enumerate(frames):
            file = path / f"frame_{i:03d}.png"
            file.write_bytes(frame.pipe(format="png"))
            written.append(file)
        return written
    try:
        from PIL import Image  # noqa: PLC0415 (optional: only GIFs need Pillow)
    except ImportError:
        raise ImportError(
            "save_frames: writing a GIF needs Pillow: pip install pillow "
            "(or pass a folder path to save numbered PNG files instead)"
        ) from None
    images = [Image.open(io.BytesIO(frame.pipe(format="png"))).convert("RGB") for frame in frames]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    padded = []
    for im in images:  # labels grow as gradients fill in: pad every frame to one size
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, (0, 0))
        padded.append(canvas)
    padded[0].save(path, save_all=True, append_images=padded[1:], duration=duration_ms, loop=0)
    return [path]
