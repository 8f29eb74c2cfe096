"""draw_graph, backward_frames and save_frames: DOT structure, real renders, limits."""

import re
import time
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest
from helpers import graph_tensors, leaf, micrograd

import tinygrad_lite as tl
from tinygrad_lite.graph import (
    COLOURS,
    HIGHLIGHT,
    GraphvizNotFoundError,
    backward_frames,
    draw_graph,
    save_frames,
)
from tinygrad_lite.trace import trace_backward

SVG = "{http://www.w3.org/2000/svg}"
NODE = re.compile(r"^\s*(n\d+|more) \[(.*)\]$")
EDGE = re.compile(r"^\s*(n\d+|more) -> (n\d+)")


def count_graph(root):
    """(tensors, ops, input edges)."""
    tensors = graph_tensors(root)
    fns = [t.grad_fn for t in tensors if t.grad_fn is not None]
    return len(tensors), len(fns), sum(len(fn.inputs) for fn in fns)


def grads_shown(dot):
    """{node id: the text after "grad " in its label}."""
    nodes, _ = nodes_and_edges(dot)
    return {n: m.group(1) for n, attrs in nodes.items() if (m := re.search(r"grad ([^<]*)", attrs))}


def nodes_and_edges(dot):
    """{node id: its attribute text} and the list of (tail, head) edges of the DOT source."""
    nodes, edges = {}, []
    for line in dot.source.splitlines():
        if m := EDGE.match(line):
            edges.append(m.groups())
        elif m := NODE.match(line):
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


def node_with(nodes, text):
    (found,) = [attrs for attrs in nodes.values() if text in attrs]
    return found


def cluster_paths(dot):
    """{node id: tuple of the cluster labels around it}, read from the DOT nesting."""
    path, where = [], {}
    for line in dot.source.splitlines():
        if line.strip().startswith("subgraph cluster"):
            path.append(None)
        elif path and path[-1] is None and (m := re.search(r"label=<<B>(.*?)</B>>", line)):
            path[-1] = m.group(1)
        elif line.strip() == "}" and path:
            path.pop()
        elif m := NODE.match(line):
            where[m.group(1)] = tuple(path)
    return where


def test_one_node_per_tensor_and_op_and_edges_follow_the_data():
    *_, g = micrograd()
    tensors, ops, input_edges = count_graph(g)
    nodes, edges = nodes_and_edges(draw_graph(g))
    assert len(nodes) == tensors + ops
    assert len(edges) == input_edges + ops  # every input -> its op, every op -> its output
    op_nodes = {n for n, attrs in nodes.items() if "shape=ellipse" in attrs}
    assert len(op_nodes) == ops
    for tail, head in edges:  # tensor -> op or op -> tensor, never op -> op
        assert (tail in op_nodes) != (head in op_nodes)


def test_labels_carry_values_and_gradients_after_a_trace():
    _a, _b, g = micrograd()
    before = nodes_and_edges(draw_graph(g))[0]
    assert "grad" not in node_with(before, "<B>g</B>")  # no backward yet
    trace_backward(g)
    nodes, _ = nodes_and_edges(draw_graph(g))
    assert "data 24.7041" in node_with(nodes, "<B>g</B>")
    assert "grad 1<" in node_with(nodes, "<B>g</B>")
    assert "data -4<" in node_with(nodes, "<B>a</B>")
    assert "grad 138.8338" in node_with(nodes, "<B>a</B>")
    assert "grad 645.5773" in node_with(nodes, "<B>b</B>")
    with_grad = [attrs for attrs in nodes.values() if "grad " in attrs]
    assert len(with_grad) == sum(t.requires_grad for t in graph_tensors(g))  # not the constants
    bare = nodes_and_edges(draw_graph(g, show_data=False, show_grad=False))[0]
    assert not any("data " in attrs or "grad " in attrs for attrs in bare.values())


def test_small_tensors_in_full_large_ones_summarized():
    w = tl.Tensor([[1.0, -2.0], [3.5, 4.0]], requires_grad=True, name="w")
    big = tl.Tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, name="big")
    loss = (w.sum() + big.mean()) * 1.0
    nodes, _ = nodes_and_edges(draw_graph(loss))
    assert 'data [1, -2]<BR ALIGN="LEFT"/>[3.5, 4]' in node_with(nodes, "<B>w</B>")
    big_label = node_with(nodes, "<B>big</B>")
    assert "(10, 10)" in big_label
    assert "min 0 mean 49.5 max 99" in big_label


def test_role_colours():
    w = leaf(2.0, "w")
    x = leaf(3.0, "x", requires_grad=False)
    loss = (w * x).relu()
    loss.name = "loss"
    nodes, _ = nodes_and_edges(draw_graph(loss))
    assert COLOURS["parameter"] in node_with(nodes, "<B>w</B>")
    assert COLOURS["input"] in node_with(nodes, "<B>x</B>")
    assert COLOURS["root"] in node_with(nodes, "<B>loss</B>")
    assert COLOURS["intermediate"] in node_with(nodes, "<B>t1</B>")
    assert COLOURS["op"] in node_with(nodes, "label=<Mul>")


def test_modules_are_clusters_and_parameters_sit_in_their_layer():
    tl.manual_seed(0)
    net = tl.nn.TwoLayerNet(3, 4, 2)
    x = tl.Tensor(np.ones((2, 3), dtype=np.float32), name="x")
    loss = tl.nn.MSELoss()(net(x), tl.Tensor(np.zeros((2, 2), dtype=np.float32)))
    dot = draw_graph(loss)
    nodes, _ = nodes_and_edges(dot)
    where = cluster_paths(dot)
    id_of = dict(nodes.items())

    def cluster_of(text):
        (node,) = [n for n, attrs in id_of.items() if text in attrs]
        return where[node]

    assert cluster_of("<B>fc1.weight</B>") == ("TwoLayerNet", "fc1: Linear")
    assert cluster_of("<B>fc2.bias</B>") == ("TwoLayerNet", "fc2: Linear")
    assert cluster_of("label=<ReLU>") == ("TwoLayerNet", "act: ReLU")
    assert cluster_of("<B>x</B>") == ()  # the input belongs to no layer
    assert {"fc1: Linear", "act: ReLU", "fc2: Linear", "TwoLayerNet"} <= {
        label for path in where.values() for label in path
    }
    assert "cluster" not in draw_graph(loss, group_modules=False).source


def test_a_parameter_shared_by_two_layers_sits_in_their_common_module():
    # Weight tying: both layers use one tensor, so it belongs to neither layer's box, only to
    # the model around them.
    tl.manual_seed(0)
    net = tl.nn.Sequential(tl.nn.Linear(3, 3), tl.nn.ReLU(), tl.nn.Linear(3, 3))
    net[2].weight = net[0].weight
    x = tl.Tensor(np.ones((2, 3), dtype=np.float32), name="x")
    dot = draw_graph(net(x).sum())
    nodes, _ = nodes_and_edges(dot)
    where = cluster_paths(dot)
    (shared,) = [n for n, attrs in nodes.items() if "(3, 3)" in attrs and "weight" in attrs]
    assert where[shared] == ("Sequential",)
    (bias,) = [n for n, attrs in nodes.items() if "<B>2.bias</B>" in attrs]
    assert where[bias] == ("Sequential", "2: Linear")


def test_local_derivatives_on_the_edges():
    x, y = leaf(2.0, "x"), leaf(3.0, "y")
    z = (x * y).exp()
    _, edges = nodes_and_edges(draw_graph(z))
    source = draw_graph(z, show_local_grads=True).source
    assert "label=<d(x*y)/dx = y>" in source
    assert "label=<d(x*y)/dy = x>" in source
    assert "label=<d exp(a)/da = exp(a) = out>" in source  # x*y has no name: a
    assert source.count("label=<d") == 3 == len(edges) - 2


def test_a_freed_graph_can_still_be_drawn():
    x = leaf(2.0, "x")
    y = x * x + 1
    y.backward()
    nodes, edges = nodes_and_edges(draw_graph(y))
    assert (len(nodes), len(edges)) == (6, 6)  # x, Mul, t1, 1, Add, y
    assert "grad 4" in node_with(nodes, "<B>x</B>")


def test_a_leaf_alone_is_one_node():
    nodes, edges = nodes_and_edges(draw_graph(leaf(1.0, "x")))
    assert (len(nodes), edges) == (1, [])


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(leaf(1.0, "x"), rankdir="diagonal")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(leaf(1.0, "x"), max_nodes=0)
    with pytest.raises(TypeError, match="root must be a Tensor, got ndarray"):
        draw_graph(np.ones(3))
    with pytest.raises(TypeError, match="root must be a Tensor, got float"):
        trace_backward(1.0)


def test_a_100k_op_chain_is_capped_quickly_without_recursion():
    x = tl.Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = y + 1.0
    start = time.perf_counter()
    dot = draw_graph(y, max_nodes=60)
    elapsed = time.perf_counter() - start
    nodes, edges = nodes_and_edges(dot)
    total = 1 + 100_000 + 1 + 100_000  # x, each sum, the one shared constant 1.0, each Add
    assert len(nodes) == 61
    assert f"… {total - 60:,} more nodes" in nodes["more"]
    # The shared constant 1.0 comes after all its 100k Adds, so it is cut: a dashed edge from
    # "more" into each drawn Add (n1, n3, ..., n59), and one more for n59's cut sum input.
    cut_inputs = [("more", f"n{i}") for i in range(1, 60, 2)] + [("more", "n59")]
    assert [e for e in edges if e[0] == "more"] == cut_inputs
    assert elapsed < 10, f"draw_graph took {elapsed:.1f} s on a 100k-op chain"


def test_missing_dot_builds_but_rendering_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    *_, g = micrograd()
    dot = draw_graph(g)
    assert isinstance(dot, graphviz.Digraph)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        dot.pipe(format="svg")
    with pytest.raises(graphviz.ExecutableNotFound, match="brew install graphviz"):
        dot.render(tmp_path / "g", format="svg")
    bundle = dot._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "digraph" in bundle["text/plain"]
    assert "apt-get install graphviz" in bundle["text/plain"]
    with pytest.raises(GraphvizNotFoundError):
        save_frames(backward_frames(g), tmp_path / "frames")
    assert list(tmp_path.iterdir()) == []  # render checks for dot before it writes anything


# ---------------------------------------------------------------- frames


def test_one_frame_per_backward_step_and_no_grad_touched():
    a, b, g = micrograd()
    frames = backward_frames(g)
    assert a.grad is None
    assert b.grad is None
    trace = trace_backward(g)
    assert len(frames) == len(trace)
    last, _ = nodes_and_edges(frames[-1])
    assert "grad 138.8338" in node_with(last, "<B>a</B>")
    assert grads_shown(frames[-1]) == grads_shown(draw_graph(g))
    assert len(grads_shown(frames[0])) == 3  # the root and the two inputs of its op


def test_frames_fill_in_gradients_and_highlight_the_current_op():
    x, w = leaf(3.0, "x"), leaf(-2.0, "w")
    y = (x * w).relu()
    frames = backward_frames(y)
    assert len(frames) == 2
    first, _ = nodes_and_edges(frames[0])
    second, _ = nodes_and_edges(frames[1])
    assert HIGHLIGHT in node_with(first, "label=<ReLU>")
    assert HIGHLIGHT not in node_with(first, "label=<Mul>")
    assert HIGHLIGHT in node_with(second, "label=<Mul>")
    assert "grad" not in node_with(first, "<B>x</B>")
    assert "grad 0<" in node_with(second, "<B>x</B>")  # relu was off (and no "-0")
    assert HIGHLIGHT in node_with(second, "<B>x</B>")


# ---------------------------------------------------------------- real renders


@pytest.mark.graphviz
def test_svg_render_parses_and_holds_every_node_and_edge():
    *_, g = micrograd()
    trace_backward(g)
    tensors, ops, input_edges = count_graph(g)
    svg = ET.fromstring(draw_graph(g).pipe(format="svg"))
    groups = [el.get("class") for el in svg.iter(f"{SVG}g")]
    assert groups.count("node") == tensors + ops
    assert groups.count("edge") == input_edges + ops
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "grad 138.8338" in texts


@pytest.mark.graphviz
def test_adversarial_names_render_with_dot():
    name = 'a<b>{c}|d"'
    w = tl.Tensor([1.0, 2.0], requires_grad=True, name=name)
    x = tl.Tensor([3.0, -1.0], name="x & y\n\x00 ] ; } -> <TABLE>")
    loss = (w * x).sum()
    loss.name = "\\N {loss} <br/> \\G\\"
    svg = ET.fromstring(draw_graph(loss, show_local_grads=True).pipe(format="svg"))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert name in texts
    assert "x & y\\x0a\\x00 ] ; } -> <TABLE>" in texts
    assert "\\N {loss} <br/> \\G\\" in texts


@pytest.mark.graphviz
def test_module_clusters_render():
    tl.manual_seed(0)
    net = tl.nn.TwoLayerNet(3, 4, 2)
    loss = net(tl.Tensor(np.ones((1, 3), dtype=np.float32))).sum()
    svg = ET.fromstring(draw_graph(loss).pipe(format="svg"))
    cluster_titles = {
        el.find(f"{SVG}text").text
        for el in svg.iter(f"{SVG}g")
        if el.get("class") == "cluster" and el.find(f"{SVG}text") is not None
    }
    assert {"TwoLayerNet", "fc1: Linear", "act: ReLU", "fc2: Linear"} <= cluster_titles


@pytest.mark.graphviz
def test_jupyter_display_is_svg():
    *_, g = micrograd()
    bundle = draw_graph(g)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


@pytest.mark.graphviz
def test_save_frames_as_gif_and_as_numbered_pngs(tmp_path):
    from PIL import Image  # noqa: PLC0415 (Pillow is optional)

    x, w = leaf(3.0, "x"), leaf(-2.0, "w")
    frames = backward_frames((x * w + 1).tanh())
    assert len(frames) == 3
    (gif,) = save_frames(frames, tmp_path / "backprop.gif")
    with Image.open(gif) as image:
        assert image.n_frames == 3
    written = save_frames(frames, tmp_path / "pngs")
    assert [p.name for p in written] == ["frame_000.png", "frame_001.png", "frame_002.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backprop.gif", "pngs"]
    assert sorted(p.name for p in (tmp_path / "pngs").iterdir()) == [p.name for p in written]
    with pytest.raises(ValueError, match="no frames"):
        save_frames([], tmp_path / "none.gif")
