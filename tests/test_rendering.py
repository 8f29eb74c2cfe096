"""Rendering a Diagram: a bounded layout, a timeout on every path, and `.save` / `.render`
writing exactly the file asked for."""

import stat
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite.cli import main
from tinygrad_lite.diagram import RenderTimeoutError
from tinygrad_lite.graph import backward_frames, draw_graph, save_frames
from tinygrad_lite.trace import trace_backward

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def rnn_like_loss(steps=80):
    """``h = tanh(h @ W + x_t)`` for `steps` steps: one weight reused by every step."""
    rng = np.random.default_rng(0)
    W = tl.Tensor(rng.normal(size=(4, 4)).astype(np.float32), requires_grad=True, name="W")
    h = tl.Tensor(np.zeros((1, 4), np.float32), name="h0")
    for t in range(steps):
        x_t = tl.Tensor(rng.normal(size=(1, 4)).astype(np.float32), name=f"x{t}")
        h = (h @ W + x_t).tanh()
    return h.sum()


def times_one_chain(steps=100):
    t = tl.Tensor([1.0, 2.0], requires_grad=True, name="t")
    for _ in range(steps):
        t = t * 1.0
    return t.sum()


def svg_nodes(svg_bytes):
    svg = ET.fromstring(svg_bytes)
    return [el for el in svg.iter("{http://www.w3.org/2000/svg}g") if el.get("class") == "node"]


# ---------------------------------------------------------------- bounded layout


@pytest.mark.graphviz
@pytest.mark.parametrize("build", [rnn_like_loss, times_one_chain])
def test_graphs_reusing_one_tensor_lay_out_in_seconds(build, tmp_path):
    loss = build()
    trace_backward(loss)
    diagram = draw_graph(loss)
    start = time.perf_counter()
    svg = diagram.pipe(format="svg")  # 60-90 s (RNN) and minutes (t * 1.0) unbounded
    elapsed = time.perf_counter() - start
    assert len(svg_nodes(svg)) == len(diagram.source.split("[label=")) - 1
    assert elapsed < 10, f"dot took {elapsed:.1f} s"
    start = time.perf_counter()
    diagram.save(tmp_path / "graph.png")
    diagram._repr_mimebundle_()
    assert time.perf_counter() - start < 20


@pytest.mark.graphviz
def test_backward_frames_of_the_rnn_loop_render_in_seconds(tmp_path):
    frames = backward_frames(rnn_like_loss(steps=40))
    start = time.perf_counter()
    written = save_frames(frames[-2:], tmp_path / "frames")
    assert [p.read_bytes()[:8] for p in written] == [PNG_MAGIC, PNG_MAGIC]
    assert time.perf_counter() - start < 20


# ---------------------------------------------------------------- timeout


@pytest.fixture
def stuck_dot(tmp_path, monkeypatch):
    """A `dot` on PATH that never finishes (a real program, killed by the timeout)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return tmp_path


def small_diagram(timeout=0.5):
    x = tl.Tensor(2.0, requires_grad=True, name="x")
    diagram = draw_graph((x * x).relu())
    diagram.timeout = timeout
    return diagram


def test_every_rendering_path_stops_a_stuck_dot_with_a_clear_message(stuck_dot):
    out = stuck_dot / "out"
    out.mkdir()
    diagram = small_diagram()
    calls = {
        "pipe": lambda: diagram.pipe(format="svg"),
        "render": lambda: diagram.render(out / "g", format="svg"),
        "render png": lambda: diagram.render(out / "g.png"),
        "save": lambda: diagram.save(out / "g.png"),
    }
    for name, call in calls.items():
        start = time.perf_counter()
        with pytest.raises(RenderTimeoutError, match=r"within 0.5 s.*max_nodes=.*timeout"):
            call()
        assert time.perf_counter() - start < 10, name
    assert list(out.iterdir()) == []  # nothing half-written
    frames = backward_frames((tl.Tensor(2.0, requires_grad=True) * 3.0).relu())
    frames[0].timeout = 0.5
    with pytest.raises(RenderTimeoutError):
        save_frames(frames[:1], out / "frames")


def test_jupyter_display_of_a_stuck_dot_shows_the_message(stuck_dot):
    bundle = small_diagram()._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "did not finish drawing the graph within 0.5 s" in bundle["text/plain"]


def test_cli_graph_with_a_stuck_dot_exits_1_with_one_line(stuck_dot, monkeypatch, capsys):
    monkeypatch.setattr("tinygrad_lite.diagram.Diagram.timeout", 0.5)
    code = main(["graph", "x*x", "x=2", "-o", str(stuck_dot / "g.svg")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "did not finish drawing the graph within 0.5 s" in err
    assert not (stuck_dot / "g.svg").exists()


# ---------------------------------------------------------------- save and render


@pytest.mark.graphviz
@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf", ".PNG"])
def test_save_writes_exactly_the_named_picture(tmp_path, suffix):
    diagram = small_diagram(timeout=60)
    path = tmp_path / f"graph{suffix}"
    assert diagram.save(path) == str(path)
    head = path.read_bytes()[:8]
    expected = {".png": PNG_MAGIC, ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix.lower()]
    assert head.startswith(expected)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.graphviz
def test_render_with_a_picture_suffix_writes_that_file_only(tmp_path):
    diagram = small_diagram(timeout=60)
    assert diagram.render(tmp_path / "graph.png") == str(tmp_path / "graph.png")
    assert diagram.render(tmp_path / "g.svg", format="svg") == str(tmp_path / "g.svg")
    assert diagram.render("h.pdf", directory=tmp_path) == str(tmp_path / "h.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg", "graph.png", "h.pdf"]
    assert (tmp_path / "graph.png").read_bytes().startswith(PNG_MAGIC)
    assert (tmp_path / "g.svg").read_bytes().startswith(b"<?xml")


@pytest.mark.graphviz
def test_render_without_a_picture_suffix_keeps_graphvizs_convention(tmp_path):
    diagram = small_diagram(timeout=60)
    assert diagram.render(tmp_path / "g", format="svg") == str(tmp_path / "g.svg")
    assert (tmp_path / "g").read_text().startswith("digraph")
    assert diagram.render(tmp_path / "h", format="png", cleanup=True) == str(tmp_path / "h.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g", "g.svg", "h.png"]


def test_a_format_that_contradicts_the_suffix_is_refused(tmp_path):
    diagram = small_diagram()
    with pytest.raises(ValueError, match=r"ends in \.svg but format='png'; drop format="):
        diagram.render(tmp_path / "g.svg", format="png")
    assert list(tmp_path.iterdir()) == []


def test_save_with_a_dot_suffix_writes_the_source(tmp_path):
    diagram = small_diagram()
    diagram.save(tmp_path / "graph.gv")
    assert (tmp_path / "graph.gv").read_text() == diagram.source


# ---------------------------------------------------------------- long names


@pytest.mark.graphviz
def test_a_name_longer_than_graphviz_accepts_is_shortened_on_the_picture():
    x = tl.Tensor(2.0, requires_grad=True, name="x" * 40_000)
    y = x * 3.0
    y.name = "é" * 20_000
    diagram = draw_graph(y)
    svg = diagram.pipe(format="svg").decode()
    assert len(svg_nodes(svg.encode())) == 4  # x, the constant 3, Mul, y
    assert "40,000 characters" in svg
    assert "x" * 40 in svg
    assert x.name == "x" * 40_000  # the tensor keeps its name


@pytest.mark.graphviz
def test_view_renders_the_named_picture_and_opens_it(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("graphviz.view", lambda path, quiet=False: opened.append(path))
    assert small_diagram(timeout=60).view(tmp_path / "g.svg") == str(tmp_path / "g.svg")
    assert opened == [tmp_path / "g.svg"]
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]
