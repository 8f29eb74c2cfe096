"""`tl.explore`: the page's steps are the engine's, its numbers are `.grad`'s, it is safe and
small, and the CLI writes it. (tests/test_explore_browser.py drives the page in Chromium.)"""

import html
import json
import re
import time

import numpy as np
import pytest
from explore_helpers import HOSTILE_NAMES, embedded_data, fan_in, hostile, neuron, two_layer_step
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_lite as tl
from tinygrad_lite.cli import main
from tinygrad_lite.trace import format_array, topological_order, trace_backward


def engine_steps(trace):
    """What the page must hold for each backward step, from a `trace_backward` trace."""
    return [
        (
            step.op,
            format_array(step.upstream),
            [
                {
                    "label": g.label,
                    "gradient": None if g.gradient is None else format_array(g.gradient),
                }
                for g in step.inputs
            ],
        )
        for step in trace
    ]


def page_steps(explorer):
    return [
        (s["op"], s["upstream"], s["inputs"]) for s in explorer.steps if s["phase"] == "backward"
    ]


def final_grads(explorer):
    """``{name: the gradient text the page shows after its last step}``."""
    return {
        t["name"]: t["grads"][-1]["text"] if t["grads"] else None for t in explorer.data["tensors"]
    }


def grads_of(root):
    """``{label: format_array(.grad)}`` of every tensor of the graph, as the page names them."""
    order = topological_order(root)
    labels = tl.trace.Labels(order)
    return {labels(t): None if t.grad is None else format_array(t.grad.data) for t in order}


# ---------------------------------------------------------------- the steps are the engine's


@pytest.mark.parametrize("build", [neuron, fan_in, two_layer_step, hostile])
def test_backward_steps_are_trace_backwards(build):
    root, _ = build()
    explorer = tl.explore(root)
    twin, _ = build()
    assert page_steps(explorer) == engine_steps(trace_backward(twin))
    assert explorer.trace.root is root
    assert explorer.step_count == len(explorer.steps)


@pytest.mark.parametrize("build", [neuron, fan_in, two_layer_step])
def test_forward_steps_follow_the_ops_in_order_with_their_values(build):
    root, _ = build()
    explorer = tl.explore(root)
    made = [t for t in topological_order(root) if t.grad_fn is not None]
    forward = [s for s in explorer.steps if s["phase"] == "forward"]
    assert [s["op"] for s in forward] == [t.grad_fn.name for t in made]
    assert [s["text"][-1].split(" = ", 1)[1] for s in forward] == [
        format_array(t.data) for t in made
    ]
    phases = [s["phase"] for s in explorer.steps]
    assert phases == ["forward"] * len(made) + ["backward"] * (len(phases) - len(made))


@pytest.mark.parametrize("build", [neuron, fan_in, two_layer_step])
def test_last_step_shows_every_grad_as_backward_leaves_it(build):
    root, _ = build()
    explorer = tl.explore(root)
    expected = grads_of(root)
    assert final_grads(explorer) == expected
    assert any(v is not None for v in expected.values())
    twin, _ = build()
    trace_backward(twin)
    assert grads_of(twin) == expected  # explore's backward pass is trace_backward's


def test_neuron_numbers():
    y, t = neuron()
    explorer = tl.explore(y)
    assert t["w"].grad.item() == pytest.approx(0.8399, abs=1e-4)
    assert explorer.steps[-1]["text"][-1] == "to w: dy/dw = 0.42 * 2 = 0.8399"
    assert explorer.steps[3]["text"][:3] == [
        "Backward step 1 of 3: Tanh -> y",
        "upstream gradient: dy/dy = 1",
        "local derivative: d tanh(t2)/dt2 = 1 - out**2",
    ]


def test_fan_in_is_shown_as_a_sum():
    a = tl.Tensor(3.0, requires_grad=True, name="a")
    c = a * a + a
    c.name = "c"
    explorer = tl.explore(c)
    lines = [line for s in explorer.steps for line in s["text"]]
    assert "  dc/da = 1 (from Add -> c) + 3 (from Mul -> t1) = 4" in lines
    assert "  dc/da = 1 (from Add -> c) + 3 (from Mul -> t1) + 3 (from Mul -> t1) = 7" in lines
    assert a.grad.item() == 7.0
    versions = explorer.data["tensors"][0]["grads"]
    assert [v["text"] for v in versions] == ["1", "4", "7"]  # the running sum, step by step


def test_fan_in_with_broadcasting_sums_to_grad():
    loss, t = fan_in()
    explorer = tl.explore(loss)
    sums = [line for s in explorer.steps for line in s["text"] if line.startswith("  dloss/dh")]
    assert len(sums) == 2  # h feeds h * h twice and h * 0.5 once
    assert sums[-1].endswith(f"= {format_array(t['h'].grad.data)}")
    assert final_grads(explorer)["bias"] == format_array(t["bias"].grad.data)
    assert t["bias"].grad.shape == (3,)


def test_gradients_already_in_grad_are_part_of_the_sum():
    y, t = neuron()
    y.backward(retain_graph=True)
    explorer = tl.explore(y)
    assert t["w"].grad.item() == pytest.approx(2 * 0.8399, abs=1e-4)
    assert final_grads(explorer)["w"] == format_array(t["w"].grad.data)
    assert (
        "  dy/dw = 0.8399 (already in .grad) + 0.8399 (from Mul -> t1) = 1.6799"
        in (explorer.steps[-1]["text"])
    )


@settings(max_examples=30)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    data=st.data(),
)
def test_page_grads_match_backward_on_drawn_shapes(shapes, data):
    values = [
        data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3, width=64)))
        for shape in shapes.input_shapes
    ]

    def build():
        x = tl.Tensor(values[0], requires_grad=True, dtype=np.float64, name="x")
        w = tl.Tensor(values[1], requires_grad=True, dtype=np.float64, name="w")
        return ((x * w).tanh() + x).sum()

    root = build()
    explorer = tl.explore(root)
    assert page_steps(explorer) == engine_steps(trace_backward(build()))
    assert final_grads(explorer) == grads_of(root)


# ---------------------------------------------------------------- bad input


def test_bad_arguments_are_refused_before_anything_runs(tmp_path):
    y, t = neuron()
    with pytest.raises(TypeError, match="explore: root must be a Tensor, got float"):
        tl.explore(3.0)
    with pytest.raises(ValueError, match="explore: max_nodes must be an integer >= 1, got 0"):
        tl.explore(y, max_nodes=0)
    with pytest.raises(TypeError, match="explore: title must be a str or None, got int"):
        tl.explore(y, title=3)
    with pytest.raises(ValueError, match=r"gradient has shape \(2,\) but the root has shape \(\)"):
        tl.explore(y, gradient=np.ones(2))
    with pytest.raises(ValueError, match="explore: root is a leaf tensor"):
        tl.explore(t["w"])
    assert all(x.grad is None for x in t.values())
    explorer = tl.explore(y)
    with pytest.raises(ValueError, match=r"Explorer.save: .*page.txt.* does not end in .html"):
        explorer.save(tmp_path / "page.txt")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the page


@pytest.mark.graphviz
@pytest.mark.parametrize("build", [neuron, fan_in, two_layer_step, hostile])
def test_page_embeds_the_steps_and_makes_no_network_reference(build, tmp_path):
    root, _ = build()
    explorer = tl.explore(root)
    path = explorer.save(tmp_path / "page.html")
    page = path.read_text(encoding="utf-8")
    assert page == explorer.html
    assert embedded_data(page) == json.loads(json.dumps(explorer.data))
    assert re.search(r"https?:|//[a-z]", page, re.IGNORECASE) is None
    assert re.search(r"<(link|img|iframe|object|embed|image)\b", page, re.IGNORECASE) is None
    assert "window.tlExplorer" in page
    assert page.count("<script") == 2  # the data and the page's own script, nothing else


@pytest.mark.graphviz
def test_names_are_escaped_everywhere():
    root, _ = hostile()
    page = tl.explore(root, title=HOSTILE_NAMES[0]).html
    assert "<img" not in page
    assert "alert(1)</script>" not in page
    assert page.count("<script") == 2
    assert page.count("</script>") == 2
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the names are there, as text
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page  # in the JSON too


@pytest.mark.graphviz
def test_json_escapes_line_separators_and_ampersands():
    a = tl.Tensor(1.0, requires_grad=True, name="a\u2028b\u2029c&d")
    page = tl.explore(a * 2.0).html
    data = page.split('id="tl-data">', 1)[1].split("</script>", 1)[0]
    assert "\u2028" not in data
    assert "\u2029" not in data
    assert "&" not in data
    assert "a\\u2028b\\u2029c\\u0026d" in data
    assert embedded_data(page)["tensors"][0]["name"] == "a\u2028b\u2029c&d"


@pytest.mark.graphviz
def test_two_layer_net_page_is_small_and_quick():
    start = time.perf_counter()
    loss, _ = two_layer_step(hidden=16, batch=8)
    page = tl.explore(loss).html
    seconds = time.perf_counter() - start
    assert len(page.encode("utf-8")) < 1_000_000
    assert seconds < 5
    assert "fc1: Linear" in page  # the module clusters
    assert "fc2: Linear" in page


@pytest.mark.graphviz
def test_max_nodes_caps_the_drawing_not_the_steps():
    x = tl.Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(300):
        y = y * 1.001
    explorer = tl.explore(y, max_nodes=40)
    assert explorer.step_count == 600
    assert len(explorer.data["tensors"]) + len(explorer.data["ops"]) == 40
    assert "more nodes (max_nodes=40)" in explorer.html
    assert explorer.html.count('class="node"') == 41  # 40 and the "… N more" note


@pytest.mark.graphviz
def test_notebook_display_is_the_page_in_a_sandboxed_iframe_and_a_picture():
    y, _ = neuron()
    explorer = tl.explore(y)
    frame = explorer._repr_html_()
    assert frame.startswith("<iframe srcdoc=")
    assert 'sandbox="allow-scripts"' in frame
    srcdoc = frame.split('srcdoc="', 1)[1].split('"', 1)[0]
    assert html.unescape(srcdoc) == explorer.html
    bundle = explorer._repr_mimebundle_(include=None, exclude=None)
    assert bundle["text/html"] == frame
    assert "<svg" in bundle["image/svg+xml"]


# ---------------------------------------------------------------- the command line


@pytest.mark.graphviz
def test_cli_graph_writes_the_explorer(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=7", "-o", "page.html"]) == 0
    captured = capsys.readouterr()
    assert "dout/dw = 0.8399" in captured.out  # the trace is printed, as for a picture
    assert "wrote: page.html" in captured.out
    data = embedded_data((tmp_path / "page.html").read_text(encoding="utf-8"))
    grads = {t["name"]: t["grads"][-1]["text"] for t in data["tensors"] if t["grads"]}
    assert grads["w"] == "0.8399"  # one backward pass, not two
    assert grads["x"] == "-1.2599"  # dout/dx = w * (1 - out**2) = -3 * 0.42


def test_cli_graph_refuses_other_suffixes_and_needs_graphviz(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "x*x", "x=3", "-o", "page.xhtml"]) == 2
    assert "or .html (the explorer)" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    assert main(["graph", "x*x", "x=3", "-o", "page.html"]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.graphviz
def test_demo_writes_the_explorer_without_changing_training(tmp_path, capsys, monkeypatch):
    args = ["demo", "--epochs", "2", "--hidden", "4", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "with")]) == 0
    page = (tmp_path / "with" / "explorer.html").read_text(encoding="utf-8")
    assert "TwoLayerNet: the first training step, on 8 points" in page
    assert "wrote: " + str(tmp_path / "with" / "explorer.html") in capsys.readouterr().out
    monkeypatch.setattr("tinygrad_lite.cli._write_explorer", lambda *a: [])
    assert main([*args, "--out", str(tmp_path / "without")]) == 0
    with_page, without = (tl.load(tmp_path / d / "weights.npz") for d in ("with", "without"))
    assert all(np.array_equal(with_page[k], without[k]) for k in without)
    assert (tmp_path / "with" / "losses.csv").read_text() == (
        tmp_path / "without" / "losses.csv"
    ).read_text()
