"""`tinygrad-lite compare-optimizers`: numbers on stdout, the figure with -o, exit codes."""

import re
import sys

import pytest

from tinygrad_lite import testfunctions
from tinygrad_lite.cli import main

pytest.importorskip("matplotlib", reason="drawing the paths needs the [plot] extra (matplotlib)")

LINE = re.compile(
    r"(\w+): lr ([\d.e-]+), final point \((-?[\d.]+), (-?[\d.]+)\), f = (-?[\d.e+-]+)"
)


def parse(stdout):
    return {m[1]: (float(m[3]), float(m[4]), float(m[5])) for m in LINE.finditer(stdout)}


def test_writes_a_png_and_prints_every_optimizer(tmp_path, capsys):
    out = tmp_path / "paths.png"
    assert main(["compare-optimizers", "--function", "anisotropic", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    stdout = capsys.readouterr().out
    lines = stdout.splitlines()
    assert lines[0] == "anisotropic from (-7, 2), 30 steps"
    assert lines[-1] == f"wrote: {out}"
    results = parse(stdout)
    assert list(results) == ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]
    expected = testfunctions.compare_optimizers(testfunctions.anisotropic)
    for name, (x, y, f) in results.items():
        assert (x, y) == pytest.approx(tuple(expected[name][-1]), abs=1e-4)
        assert f == pytest.approx(testfunctions.anisotropic.value(x, y), rel=1e-3, abs=1e-6)
    assert "lr 0.95," in lines[1]  # SGD's stored learning rate


@pytest.mark.parametrize(("function", "suffix", "magic"), [
    ("rosenbrock", ".svg", b"<?xml"),
    ("saddle", ".pdf", b"%PDF"),
    ("double_well", ".png", b"\x89PNG"),
])  # fmt: skip
def test_other_functions_and_formats(tmp_path, capsys, function, suffix, magic):
    out = tmp_path / f"paths{suffix}"
    assert main(["compare-optimizers", "--function", function, "--steps", "5", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(magic)
    stdout = capsys.readouterr().out
    assert stdout.startswith(f"{function} from ")
    assert ", 5 steps\n" in stdout
    assert len(parse(stdout)) == 6


def test_without_output_prints_the_numbers_and_a_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["compare-optimizers", "--function", "saddle"]) == 0
    captured = capsys.readouterr()
    results = parse(captured.out)
    assert len(results) == 6
    assert results["Adam"][2] < -0.24  # reached a minimum (f = -1/4)
    assert "hint: add -o paths.png" in captured.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [
    ["--function", "himmelblau"],
    ["--function"],
    ["--steps", "0"],
    ["--steps", "many"],
    ["-o", "paths.gif"],
])  # fmt: skip
def test_usage_errors_exit_2_and_write_nothing(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    assert main(["compare-optimizers", *argv]) == 2
    captured = capsys.readouterr()
    assert "usage: tinygrad-lite compare-optimizers" in captured.err
    assert "error:" in captured.err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_an_image_request_fails_after_the_numbers(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    out = tmp_path / "paths.png"
    assert main(["compare-optimizers", "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert len(parse(captured.out)) == 6
    assert 'pip install "tinygrad-lite[plot]"' in captured.err
    assert not out.exists()


def test_an_unwritable_output_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "missing-folder" / "paths.png"
    assert main(["compare-optimizers", "--steps", "2", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tinygrad-lite compare-optimizers: error:")
    assert "Traceback" not in err


def test_help_names_the_functions(capsys):
    assert main(["compare-optimizers", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for name in ("anisotropic", "saddle", "rosenbrock", "double_well", "exit code 1"):
        assert name in help_text
