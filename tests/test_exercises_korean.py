"""The exercises in Korean: every message in both languages with the same fields and the same
math, Korean verdicts that name the mistake, switching back, the environment variable, and
the command line in a real process."""

import os
import re
import subprocess
import sys
from string import Formatter

import numpy as np
import pytest

from tinygrad_lite import exercises as ex
from tinygrad_lite.cli import main
from tinygrad_lite.exercises import messages
from tinygrad_lite.exercises.text_en import MESSAGES as ENGLISH
from tinygrad_lite.exercises.text_ko import MESSAGES as KOREAN

HANGUL = re.compile(r"[\uac00-\ud7a3]")
TRANSLATED = sorted(key for key in ENGLISH if not key.startswith("error."))


@pytest.fixture(autouse=True)
def _english_afterwards():
    """Every test starts and ends in English, whatever it switched to."""
    messages.set_language("en")
    yield
    messages.set_language("en")


def fields(template):
    return sorted({name for _, name, _, _ in Formatter().parse(template) if name})


def wrong_sigmoid(x, upstream):
    return upstream * x * (1 - x)  # the derivative evaluated at x instead of s


# ------------------------------------------------------------------ the two tables


def test_every_message_has_both_languages():
    assert sorted(KOREAN) == TRANSLATED  # no id missing, none extra
    assert all(KOREAN[key].strip() for key in KOREAN)


def test_raised_errors_stay_english():
    assert [key for key in ENGLISH if key.startswith("error.")]
    messages.set_language("ko")
    with pytest.raises(KeyError, match=r"exercises\.get: no exercise 'sigmoid'; choose from"):
        ex.get("sigmoid")
    with pytest.raises(ValueError, match=r"sigmoid_backward\.hint: level must be 1, 2 or 3"):
        ex.get("sigmoid_backward").hint(0)


@pytest.mark.parametrize("key", TRANSLATED)
def test_the_same_placeholders_in_both_languages(key):
    assert fields(KOREAN[key]) == fields(ENGLISH[key])


@pytest.mark.parametrize("key", TRANSLATED)
def test_every_korean_message_is_korean(key):
    assert HANGUL.search(KOREAN[key]), KOREAN[key]


# Code and formulas in a message: calls like sqrt(2 / fan_in), powers like y**2, products
# with @, transposes, names with an underscore, comparisons like x > 0.
FORMULA = re.compile(
    r"[\w.]+\([^()]*(?:\([^()]*\)[^()]*)*\)"
    r"|\w+\*\*[\w(]+\)?"
    r"|\w+(?:\.T)? @ \w+(?:\.T)?"
    r"|\b\w+_\w+\b"
    r"|(?:\b[a-z]|upstream) [<>]=? 0\b"
)
PROSE = {"Var(sum of fan_in terms w * x)"}  # words inside the parentheses: translated


@pytest.mark.parametrize("key", TRANSLATED)
def test_math_and_code_are_left_as_they_are(key):
    formulas = [f for f in FORMULA.findall(ENGLISH[key]) if f not in PROSE]
    missing = [f for f in formulas if f not in KOREAN[key]]
    assert not missing, f"{key}: {missing} not in {KOREAN[key]!r}"


def test_the_formula_check_finds_formulas():
    """The test above compares something: the pattern finds the math of a hint."""
    assert "sqrt(2 / fan_in)" in FORMULA.findall(ENGLISH["he_init_std.hint3"])
    assert "x >= 0" in FORMULA.findall(ENGLISH["relu_backward.one_at_zero"])
    assert "upstream @ W.T" in FORMULA.findall(ENGLISH["matmul_backward.hint3"])
    assert sum(len(FORMULA.findall(ENGLISH[key])) for key in TRANSLATED) > 150


def test_the_glossary_terms():
    """The first-listed terms of the Korean glossary, not their variants."""
    korean = "\n".join(KOREAN.values())
    for term in ("역전파", "연쇄 법칙", "상류 기울기", "국소 미분", "편향 보정", "학습률"):
        assert term in korean
    for variant in ("그래디언트 ", "오차역전파", "연쇄법칙", "파라미터", "러닝 레이트"):
        assert variant not in korean
    # polite written style: no plain-style sentence endings
    assert not re.search(r"(?:한다|이다|된다|있다|없다|하라)[.)]", korean)


# ------------------------------------------------------------------ choosing the language


def test_english_is_the_default_and_set_language_switches():
    e = ex.get("sigmoid_backward")
    assert ex.get_language() == "en"
    english = (e.summary, e.prompt, e.hint(1), e.template)
    ex.set_language("ko")
    assert ex.get_language() == "ko"
    assert e.summary == KOREAN["sigmoid_backward.summary"]
    assert e.prompt.startswith(KOREAN["sigmoid_backward.prompt"])
    assert "작성할 함수: def sigmoid_backward(x, upstream)" in e.prompt
    assert "dx = [ 0.25 , -0.105]" in e.prompt  # the example's numbers are the same
    assert e.hint(1) == KOREAN["sigmoid_backward.hint1"]
    ex.set_language("en")
    assert (e.summary, e.prompt, e.hint(1), e.template) == english


def test_a_korean_verdict_names_the_mistake_in_korean():
    ex.set_language("ko")
    verdict = ex.get("sigmoid_backward").check(wrong_sigmoid)
    assert not verdict.passed
    assert verdict.mistakes == ("in_terms_of_input",)
    assert verdict.diagnosis == KOREAN["sigmoid_backward.in_terms_of_input"]
    shown = str(verdict)
    assert shown.startswith("sigmoid_backward: 실패\n무작위로 뽑은 입력 7개에서")
    assert "(>= 1e-4: 틀림)" in shown
    assert "예상되는 실수: 미분을 s가 아니라 x에서 계산했습니다" in shown
    assert "틀린 결과가 나온 가장 작은 입력:\n  x = [" in shown
    assert "  기댓값 dx = [" in shown
    assert "  실제 결과 dx = [" in shown
    for english in ("Checked", "Likely", "Smallest", "expected", "received", "FAILED", "wrong"):
        assert english not in shown
    page = verdict._repr_html_()
    assert "sigmoid_backward: 실패</b>" in page
    assert "예상되는 실수:</b>" in page
    assert "word-break: keep-all" in page  # Korean lines break between words, not inside


def test_english_html_is_unchanged_by_the_korean_line_breaking():
    page = ex.get("sigmoid_backward").check(wrong_sigmoid)._repr_html_()
    assert page.startswith('<div style="border-left: 4px solid #cf222e; padding-left: 8px">')


def test_every_catalogued_mistake_is_named_in_korean():
    ex.set_language("ko")
    for name, e in ex.EXERCISES.items():
        for mistake in e.mistakes:
            verdict = e.check(mistake.wrong)
            assert mistake.id in verdict.mistakes, (name, mistake.id)
            assert mistake.explanation(name) in verdict.diagnosis
            assert HANGUL.search(verdict.diagnosis)


def test_switching_back_to_english_gives_the_english_verdict():
    e = ex.get("sigmoid_backward")
    before = str(e.check(wrong_sigmoid))
    ex.set_language("ko")
    korean = str(e.check(wrong_sigmoid))
    ex.set_language("en")
    after = str(e.check(wrong_sigmoid))
    assert after == before
    assert korean != before
    assert "Likely mistake: The derivative was evaluated at x instead of at s" in after


def test_a_verdict_keeps_the_language_it_was_made_in():
    ex.set_language("ko")
    verdict = ex.get("mse_backward").check(lambda pred, target: (pred - target) / pred.size)
    ex.set_language("en")
    shown = str(verdict)
    assert shown.startswith("mse_backward: 실패\n")
    assert "예상되는 실수: 제곱에서 나오는 2가 빠졌습니다" in shown
    assert "Likely" not in shown
    assert "expected" not in shown


def test_the_other_verdicts_in_korean():
    ex.set_language("ko")
    e = ex.get("linear_backward")

    def mutates(x, W, b, upstream):
        W -= 1
        return upstream @ W.T, x.T @ upstream, upstream.sum(axis=0)

    def raises(x, W, b, upstream):
        return upstream @ W  # the shapes do not fit: NumPy raises

    cases = [
        (lambda x, W, b, up: None, "None을 반환했습니다"),
        (lambda x, W, b, up: up, "값 3개를 반환해야 하는데, 반환한 것은 ndarray 하나입니다"),
        (mutates, "linear_backward 함수가 인자 W의 값을 그 자리에서 바꾸었습니다"),
        (raises, "linear_backward 함수를 실행하는 중에 예외가 발생했습니다: ValueError"),
    ]
    for fn, words in cases:
        assert words in ex.get("linear_backward").check(fn).message
    shape = e.check(lambda x, W, b, up: (up @ W.T, x.T @ up, up))
    assert "db의 모양이 (1, 1)입니다. (1,)이어야 합니다. b에 대한 기울기는 b와 모양이" in (
        shape.message
    )
    template = ex.get("relu_backward").template
    compile(template, "template.py", "exec")  # still valid Python with Korean inside
    assert 'raise NotImplementedError("x > 0인 곳에서는 dx = upstream' in template
    namespace = {}
    exec(template, namespace)  # noqa: S102 - the package's own template
    verdict = ex.get("relu_backward").check(namespace["relu_backward"])
    assert str(verdict) == "relu_backward: 아직 풀지 않음\n" + KOREAN["verdict.not_attempted"]


def test_list_in_korean(capsys):
    ex.set_language("ko")
    ex.get("he_init_std").check(lambda fan_in: np.sqrt(1 / fan_in))
    ex.list()
    printed = capsys.readouterr().out.splitlines()
    assert printed[12].endswith("[실패]  He 초기화의 표준편차")
    assert len(printed) == 13


@pytest.mark.parametrize("bad", ["fr", "kr", "", None, 1])
def test_an_unknown_language_is_a_clear_error_and_changes_nothing(bad):
    ex.set_language("ko")
    with pytest.raises(
        ValueError, match=r"exercises.set_language: unknown language .*use 'en' or 'ko'"
    ):
        ex.set_language(bad)
    assert ex.get_language() == "ko"


def test_set_language_accepts_any_case_and_spaces():
    ex.set_language(" KO ")
    assert ex.get_language() == "ko"


# ------------------------------------------------------------------ the environment variable


def python(code, **environment):
    """``code`` in a fresh interpreter with ``environment`` added; stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if k != "TINYGRAD_LITE_LANG"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**env, **environment},
    )
    assert result.returncode == 0, result.stderr
    return result


SHOW = (
    "from tinygrad_lite import exercises as ex\n"
    "print(ex.get_language(), ex.get('tanh_backward').summary)\n"
)


def test_the_environment_variable_sets_the_starting_language():
    assert python(SHOW).stdout == "en backward of y = tanh(x)\n"
    assert python(SHOW, TINYGRAD_LITE_LANG="ko").stdout == "ko y = tanh(x)의 역전파\n"
    assert python(SHOW, TINYGRAD_LITE_LANG="ko ").stdout.startswith("ko ")


def test_set_language_wins_over_the_environment_variable():
    code = "from tinygrad_lite import exercises as ex\nex.set_language('en')\n" + SHOW
    assert python(code, TINYGRAD_LITE_LANG="ko").stdout == "en backward of y = tanh(x)\n"


def test_an_unknown_value_of_the_variable_warns_and_keeps_english():
    result = python(SHOW, TINYGRAD_LITE_LANG="kr")
    assert result.stdout == "en backward of y = tanh(x)\n"
    assert "TINYGRAD_LITE_LANG: unknown language 'kr'; use 'en' or 'ko'" in result.stderr
    assert "the exercises use English" in result.stderr


# ------------------------------------------------------------------ the command line


ANSWERS = (
    "import numpy as np\n\n\n"
    "def mse_backward(pred, target):\n    return (pred - target) / pred.size\n\n\n"
    "def he_init_std(fan_in):\n    return np.sqrt(2 / fan_in)\n"
)


def cli(tmp_path, *args, **environment):
    """``python -m tinygrad_lite ARGS`` in a fresh process, with ``environment`` added."""
    (tmp_path / "answers.py").write_text(ANSWERS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TINYGRAD_LITE_LANG"}
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_lite", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={**env, **environment},
    )


def test_the_cli_with_the_variable_prints_korean(tmp_path):
    result = cli(tmp_path, "exercises", "check", "answers.py", TINYGRAD_LITE_LANG="ko")
    assert result.returncode == 1
    out = result.stdout
    assert "mse_backward: 실패\n" in out
    assert "예상되는 실수: 제곱에서 나오는 2가 빠졌습니다" in out
    assert "he_init_std: 통과\n" in out
    assert "answers.py의 연습 문제 2개 가운데 1개를 통과했습니다." in out
    assert "파일에 없는 연습 문제: chain_rule_scalar" in out
    assert "Likely" not in out
    listed = cli(tmp_path, "exercises", TINYGRAD_LITE_LANG="ko")
    assert listed.returncode == 0
    assert " 3. tanh_backward: y = tanh(x)의 역전파\n" in listed.stdout
    assert "`tinygrad-lite exercises check FILE.py`를 실행하십시오" in listed.stderr


def test_lang_on_the_command_line_wins_over_the_variable(tmp_path):
    result = cli(
        tmp_path, "exercises", "check", "answers.py", "--lang", "en", TINYGRAD_LITE_LANG="ko"
    )
    assert "Likely mistake: The 2 from the square is missing" in result.stdout
    assert "1 of 2 exercises in answers.py passed." in result.stdout
    assert "Not in the file: chain_rule_scalar" in result.stdout


def test_lang_ko_before_or_after_check(tmp_path, capsys):
    (tmp_path / "answers.py").write_text(ANSWERS, encoding="utf-8")
    for args in (
        ["--lang", "ko", "check", str(tmp_path / "answers.py")],
        ["check", str(tmp_path / "answers.py"), "--lang", "ko"],
    ):
        assert main(["exercises", *args]) == 1
        out = capsys.readouterr().out
        assert "mse_backward: 실패" in out
        assert "파일에 없는 연습 문제: chain_rule_scalar" in out
        messages.set_language("en")
    assert main(["exercises", "--lang", "ko"]) == 0
    assert " 2. sigmoid_backward: s = sigmoid(x) = 1 / (1 + exp(-x))의 역전파" in (
        capsys.readouterr().out
    )


def test_an_unknown_lang_is_a_usage_error(capsys):
    assert main(["exercises", "--lang", "fr"]) == 2
    assert "invalid choice: 'fr' (choose from 'en', 'ko')" in capsys.readouterr().err
