"""`tinygrad-lite exercises [check FILE.py]`: real answer files, graded in a child process."""

import pytest
from helpers import run_module

from tinygrad_lite import exercises as ex
from tinygrad_lite.cli import main


def grade(capsys, path, *extra):
    code = main(["exercises", "check", str(path), *extra])
    return code, capsys.readouterr()


def test_list(capsys):
    assert main(["exercises"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 13
    assert lines[0] == " 1. chain_rule_scalar: " + ex.get("chain_rule_scalar").summary
    assert lines[12].startswith("13. he_init_std: ")
    assert "exercises check FILE.py" in captured.err


def test_every_solution_passes_and_exits_0(tmp_path, capsys):
    answers = tmp_path / "answers.py"
    answers.write_text("\n\n".join(e.solution() for e in ex.EXERCISES.values()))
    code, captured = grade(capsys, answers)
    assert code == 0, captured.out
    assert captured.out.count(": passed\n") == 13
    assert captured.out.rstrip().endswith("13 of 13 exercises in answers.py passed.")
    code, _ = grade(capsys, answers, "--all")
    assert code == 0


def test_one_wrong_answer_exits_1_and_names_the_mistake(tmp_path, capsys):
    answers = tmp_path / "answers.py"
    answers.write_text(
        ex.get("relu_backward").solution()
        + "\n\ndef mse_backward(pred, target):\n    return (pred - target) / pred.size\n"
    )
    code, captured = grade(capsys, answers)
    assert code == 1
    assert "relu_backward: passed" in captured.out
    assert "mse_backward: FAILED" in captured.out
    assert "Likely mistake: The 2 from the square is missing" in captured.out
    assert "1 of 2 exercises in answers.py passed." in captured.out
    assert "Not in the file: chain_rule_scalar, sigmoid_backward" in captured.out


def test_templates_are_not_attempted_and_exit_1(tmp_path, capsys):
    answers = tmp_path / "answers.py"
    answers.write_text(ex.get("he_init_std").template)
    code, captured = grade(capsys, answers)
    assert code == 1
    assert "he_init_std: not attempted yet" in captured.out


def test_missing_exercises_fail_only_with_all(tmp_path, capsys):
    answers = tmp_path / "answers.py"
    answers.write_text(ex.get("he_init_std").solution())
    assert grade(capsys, answers)[0] == 0
    code, captured = grade(capsys, answers, "--all")
    assert code == 1
    assert "Not in the file: chain_rule_scalar" in captured.out


def test_the_file_runs_in_its_own_process_as_an_import(tmp_path, capsys):
    helper = tmp_path / "my_math.py"
    helper.write_text("import numpy as np\n\ndef sig(x):\n    return 1 / (1 + np.exp(-x))\n")
    answers = tmp_path / "answers.py"
    answers.write_text(
        "import sys\nfrom my_math import sig\n"  # a neighbour module imports, as with `python`
        "print('top level runs')\n"
        "def sigmoid_backward(x, upstream):\n    return upstream * sig(x) * (1 - sig(x))\n"
        "if __name__ == '__main__':\n    sys.exit(3)\n"
    )
    code, captured = grade(capsys, answers)
    assert code == 0, captured
    assert "top level runs" in captured.out
    assert "sigmoid_backward: passed" in captured.out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def relu_backward(x, upstream)\n    return x\n", "answers.py could not run: SyntaxError"),
        ("import numpy as np\n\nnp.zeros(2)[5]\n", "IndexError: index 5 is out of bounds"),
        ("import sys\nsys.exit(0)\n", "answers.py could not run: SystemExit: 0"),
        ("x = 1\n", "answers.py defines none of the exercise functions"),
    ],
)
def test_a_file_that_cannot_be_graded_exits_1(tmp_path, capsys, source, message):
    answers = tmp_path / "answers.py"
    answers.write_text(source)
    code, captured = grade(capsys, answers)
    assert code == 1
    assert message in captured.out


def test_a_file_that_ends_the_process_is_not_a_pass(tmp_path, capsys):
    answers = tmp_path / "answers.py"
    answers.write_text("import os\n\ndef he_init_std(fan_in):\n    return 1.0\n\nos._exit(0)\n")
    code, captured = grade(capsys, answers)
    assert code == 1
    assert "ended the process (exit code 0) before the check finished" in captured.err


def test_a_file_that_runs_forever_is_stopped(tmp_path, capsys):
    answers = tmp_path / "answers.py"
    answers.write_text("while True:\n    pass\n")
    code, captured = grade(capsys, answers, "--timeout", "3")
    assert code == 1
    assert "did not finish within 3 s" in captured.err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["exercises", "check", str(tmp_path / "nowhere.py")]) == 2
    assert "nowhere.py: no such file" in capsys.readouterr().err
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    assert main(["exercises", "check", str(notes)]) == 2
    assert "expected a Python file (.py)" in capsys.readouterr().err
    assert main(["exercises", "check"]) == 2
    assert main(["exercises", "grade"]) == 2
    capsys.readouterr()


def test_python_dash_m(tmp_path):
    answers = tmp_path / "answers.py"
    answers.write_text(ex.get("tanh_backward").solution())
    result = run_module("exercises", "check", "answers.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tanh_backward: passed" in result.stdout
