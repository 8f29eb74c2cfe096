"""The tinygrad-lite command: `demo` end to end, usage errors, and `python -m tinygrad_lite`."""

import csv
import sys
import time

import numpy as np
import pytest
from helpers import run_module

import tinygrad_lite as tl
from tinygrad_lite import nn
from tinygrad_lite.cli import main
from tinygrad_lite.trace import format_array


def results(stdout):
    """The 'name: value' result lines of stdout as a dict (the first of each name)."""
    out = {}
    for line in stdout.splitlines():
        name, sep, value = line.partition(": ")
        if sep and not line.startswith(" "):
            out.setdefault(name, []).append(value)
    return out


def run_demo(tmp_path, capsys, *extra):
    out = tmp_path / "out"
    code = main(["demo", "--out", str(out), *extra])
    captured = capsys.readouterr()
    return code, out, captured


# ------------------------------------------------------------------ demo


def test_demo_with_few_epochs_writes_its_files(tmp_path, capsys):
    code, out, captured = run_demo(tmp_path, capsys, "--epochs", "3", "--hidden", "10")
    assert code == 0
    assert captured.err == ""  # no progress bar off a terminal, no hints: all tools present
    found = results(captured.out)
    assert float(found["initial loss"][0].split()[0]) > 0
    assert "ln 3 = 1.0986" in found["initial loss"][0]
    assert 0.0 <= float(found["train accuracy"][0]) <= 1.0
    assert 0.0 <= float(found["val accuracy"][0]) <= 1.0
    assert "fc1.weight: grad norm" in captured.out
    assert "dead ReLU units:" in captured.out
    for name in ("losses.csv", "loss.png", "weights.npz", "graph.dot"):
        assert (out / name).is_file()
        assert str(out / name) in found["wrote"]

    with (out / "losses.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3]  # epoch 0: the untrained model
    assert float(rows[0]["loss"]) == pytest.approx(
        float(found["initial loss"][0].split()[0]), abs=1e-4
    )
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}

    weights = tl.load(out / "weights.npz")
    model = nn.TwoLayerNet(2, 10, 3)
    model.load_state_dict(weights)
    assert weights["fc1.weight"].shape == (2, 10)

    source = (out / "graph.dot").read_text()
    assert source.startswith("digraph")
    assert source.count("label=<Linear>") == 2  # the op x @ W + b of fc1 and of fc2
    assert "label=<CrossEntropy>" in source
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.graphviz
def test_demo_renders_the_graph_as_svg(tmp_path, capsys):
    code, out, _ = run_demo(tmp_path, capsys, "--epochs", "1", "--hidden", "4")
    assert code == 0
    assert "<svg" in (out / "graph.svg").read_text()


def test_demo_defaults_reach_95_percent_quickly(tmp_path, capsys):
    start = time.perf_counter()
    code, _, captured = run_demo(tmp_path, capsys)
    seconds = time.perf_counter() - start
    assert code == 0
    assert float(results(captured.out)["train accuracy"][0]) >= 0.95
    assert seconds < 30


def test_demo_is_repeatable_with_a_seed(tmp_path, capsys):
    weights = []
    for run in ("a", "b"):
        assert (
            main(["demo", "--epochs", "2", "--seed", "3", "--quiet", "--out", str(tmp_path / run)])
            == 0
        )
        weights.append(tl.load(tmp_path / run / "weights.npz"))
    capsys.readouterr()
    assert weights[0].keys() == weights[1].keys()
    assert all(np.array_equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_demo_without_matplotlib_hints_on_stderr(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    code, out, captured = run_demo(tmp_path, capsys, "--epochs", "1")
    assert code == 0
    assert not (out / "loss.png").exists()
    assert (out / "losses.csv").is_file()
    assert "install matplotlib" in captured.err
    assert "loss.png" not in captured.out


def test_demo_without_graphviz_writes_only_the_dot_source(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("tinygrad_lite.cli.shutil.which", lambda name: None)
    code, out, captured = run_demo(tmp_path, capsys, "--epochs", "1")
    assert code == 0
    assert (out / "graph.dot").is_file()
    assert not (out / "graph.svg").exists()
    assert "install Graphviz" in captured.err


def test_quiet_silences_hints(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("tinygrad_lite.cli.shutil.which", lambda name: None)
    code, _, captured = run_demo(tmp_path, capsys, "--epochs", "1", "--quiet")
    assert code == 0
    assert captured.err == ""


def test_out_that_is_a_file_is_a_clean_error(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    code = main(["demo", "--epochs", "1", "--out", str(target)])
    captured = capsys.readouterr()
    assert code == 1
    assert "tinygrad-lite demo: error: --out" in captured.err
    assert "Traceback" not in captured.err + captured.out


# ------------------------------------------------------------------ usage


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["demo", "--epochs", "0"],
        ["demo", "--epochs", "ten"],
        ["demo", "--lr", "-1"],
        ["demo", "--lr", "nan"],
        ["demo", "--hidden", "2.5"],
        ["demo", "--seed", "-3"],
        ["demo", "--unknown"],
        # refused after parsing, reported the same way
        ["graph", "x.real", "x=1"],
        ["graph", "x", "x=1", "-o", "graph.txt"],
        ["compare-optimizers", "-o", "paths.txt"],
        ["gradcheck", "--op", "tan"],
    ],
)
def test_bad_arguments_exit_2_with_usage(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("usage: tinygrad-lite")
    assert "error:" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"]])
def test_help_exits_0(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tinygrad-lite")
    assert "demo" in out


def test_python_dash_m_help():
    done = run_module("--help", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: tinygrad-lite" in done.stdout
    assert "demo" in done.stdout


def test_ctrl_c_exits_130_with_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("tinygrad_lite.cli._cmd_gradcheck", interrupted)
    assert main(["gradcheck"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "tinygrad-lite gradcheck: interrupted\n"


def test_demo_graph_is_the_first_batch_before_training_with_every_gradient(tmp_path, capsys):
    code, out, _ = run_demo(tmp_path, capsys, "--epochs", "2", "--hidden", "3", "--seed", "5")
    assert code == 0
    source = (out / "graph.dot").read_text()
    tensors = [line for line in source.splitlines() if "shape=plain" in line]
    assert len(tensors) >= 9  # X, y, 4 parameters, 2 Linear outputs, ReLU, the loss
    for line in tensors:  # every tensor, the parameters included; not the data X and y
        assert ("grad " in line) != ("<B>X</B>" in line or "<B>y</B>" in line), line
    assert "<B>X</B> (32, 2)" in source  # the first batch of 32, not 4 samples
    tl.manual_seed(5)  # the demo's model before any update
    untrained = nn.TwoLayerNet(2, 3, 3)
    weight = format_array(untrained.fc2.weight.data.reshape(-1, 3)[0])
    assert f'<B>fc2.weight</B> (3, 3)</TD><TD BALIGN="LEFT">data {weight}' in source
    (loss_line,) = [line for line in tensors if "<B>loss</B>" in line]
    loss = float(loss_line.split("data ")[1].split("<")[0])
    assert loss > 0.9  # about ln 3 = 1.0986 before training; far lower after 2 epochs
