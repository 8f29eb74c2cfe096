"""tinygrad_lite.exercises: the reference solutions pass, every catalogued mistake is named,
correct answers in other forms pass, and broken functions get a verdict, never a traceback."""

import re
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lite import exercises as ex
from tinygrad_lite.exercises.core import relative_error
from tinygrad_lite.exercises.messages import text
from tinygrad_lite.exercises.text_en import MESSAGES

NAMES = list(ex.EXERCISES)
MISTAKES = [(name, m.id) for name, e in ex.EXERCISES.items() for m in e.mistakes]


def solved(name):
    """The function ``e.solution()`` defines, as a learner gets it by running that code."""
    namespace = {}
    exec(ex.get(name).solution(), namespace)  # noqa: S102 - the package's own code
    return namespace[name]


def mistake(name, mistake_id):
    return next(m for m in ex.get(name).mistakes if m.id == mistake_id)


# ------------------------------------------------------------------ the catalogue


def test_thirteen_exercises_in_teaching_order():
    assert NAMES == [
        "chain_rule_scalar",
        "sigmoid_backward",
        "tanh_backward",
        "relu_backward",
        "mul_broadcast_backward",
        "matmul_backward",
        "linear_backward",
        "softmax_cross_entropy_backward",
        "svm_loss_backward",
        "mse_backward",
        "momentum_update",
        "adam_update",
        "he_init_std",
    ]
    assert len(MISTAKES) >= 70


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_passes(name):
    verdict = ex.get(name).check(solved(name))
    assert verdict.passed, str(verdict)
    assert verdict.diagnosis is None
    assert verdict.counterexample is None
    assert "(< 1e-7: fine)" in verdict.message


@pytest.mark.parametrize(("name", "mistake_id"), MISTAKES)
def test_every_catalogued_mistake_is_named(name, mistake_id):
    wrong = mistake(name, mistake_id)
    verdict = ex.get(name).check(wrong.wrong)
    assert verdict.mistakes == (mistake_id,), str(verdict)
    assert wrong.explanation(name) in verdict.diagnosis
    assert verdict.passed is wrong.convention  # a convention is named but passes
    assert verdict.counterexample is not None


@pytest.mark.parametrize("name", NAMES)
def test_no_two_mistakes_look_alike_on_the_drawn_inputs(name):
    """Each variant differs from the right answer and from every other variant somewhere,
    so a diagnosis is never a coin toss between two mistakes."""
    e = ex.get(name)
    cases = e.draw(np.random.default_rng(0))
    variants = {"reference": e.reference, **{m.id: m.wrong for m in e.mistakes}}
    outputs = {}
    for key, fn in variants.items():
        with np.errstate(all="ignore"):
            outputs[key] = [repr(np.round(_call_or_error(fn, case), 9)) for case in cases]
    seen = {}
    for key, out in outputs.items():
        assert tuple(out) not in seen, f"{key} gives the same outputs as {seen.get(tuple(out))}"
        seen[tuple(out)] = key


def _call_or_error(fn, case):
    try:
        out = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in case])
    except ValueError:
        return np.array(np.nan)
    return np.concatenate([np.ravel(o) for o in out]) if isinstance(out, tuple) else out


@pytest.mark.parametrize("name", NAMES)
def test_every_text_exists(name):
    e = ex.get(name)
    for key in ("summary", "prompt", "todo", "hint1", "hint2", "hint3"):
        assert MESSAGES[f"{name}.{key}"]
    for m in e.mistakes:
        assert m.explanation(name)
    assert len({e.hint(1), e.hint(2), e.hint(3)}) == 3


# ------------------------------------------------------------------ learners' own code


def test_hand_written_mistakes_are_recognised():
    def sigmoid_backward(x, upstream):
        s = 1 / (1 + np.exp(-x))
        del s
        return upstream * x * (1 - x)  # the formula applied to the input

    def matmul_backward(x, W, upstream):
        return upstream @ W, x.T @ upstream

    def svm_loss_backward(scores, labels):
        n, c = scores.shape
        d = np.zeros_like(scores)
        for i in range(n):
            for j in range(c):
                if j != labels[i] and scores[i, j] - scores[i, labels[i]] + 1 >= 0:
                    d[i, j] += 1
                    d[i, labels[i]] -= 1
        return d / n

    def adam_update(w, m, v, g, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        step = lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps)
        return w - step, m, v

    def he_init_std(fan_in):
        return 1 / np.sqrt(fan_in)

    expected = {
        sigmoid_backward: "in_terms_of_input",
        matmul_backward: "dx_not_transposed",
        svm_loss_backward: "greater_or_equal",
        adam_update: "eps_inside_sqrt",
        he_init_std: "lecun_or_xavier",
    }
    for fn, mistake_id in expected.items():
        verdict = ex.get(fn.__name__).check(fn)
        assert not verdict.passed
        assert verdict.mistakes == (mistake_id,), str(verdict)


def test_a_raised_call_names_the_output_that_was_wrong_not_every_output():
    """dW = x @ upstream raises where D != N, which fails dx and db too; the diagnosis blames
    only dW and names one mistake (it once also blamed db on dx = upstream @ W)."""
    verdict = ex.get("linear_backward").check(mistake("linear_backward", "dW_not_transposed").wrong)
    assert verdict.mistakes == ("dW_not_transposed",)
    assert verdict.diagnosis.startswith("dW: ")
    assert "raised ValueError" in verdict.message


def test_two_mistakes_in_two_outputs_are_both_named():
    def linear_backward(x, W, b, upstream):
        return upstream @ W.T, upstream.T @ x, upstream

    verdict = ex.get("linear_backward").check(linear_backward)
    assert set(verdict.mistakes) == {"dW_transposed", "db_not_summed"}
    assert "dW: " in verdict.diagnosis
    assert "db: " in verdict.diagnosis


def test_an_unknown_mistake_gets_no_invented_diagnosis():
    verdict = ex.get("tanh_backward").check(lambda x, upstream: upstream * np.cos(x))
    assert not verdict.passed
    assert verdict.diagnosis is None
    assert verdict.mistakes == ()


def test_an_unknown_mistake_beside_a_known_one_is_reported():
    def mul_broadcast_backward(a, b, upstream):
        return upstream * b + 1.0, upstream * a  # da: unknown; db: not summed

    verdict = ex.get("mul_broadcast_backward").check(mul_broadcast_backward)
    assert verdict.mistakes == ("db_not_summed",)
    assert text("verdict.unexplained", outputs="da") in verdict.diagnosis


# ------------------------------------------------------------------ correct in other forms


def _as_float32(fn):
    def in_float32(*args):
        args = [
            a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in args
        ]
        out = fn(*args)
        if isinstance(out, tuple):
            return tuple(np.asarray(o, dtype=np.float32) for o in out)
        return np.float32(out)

    return in_float32


@pytest.mark.parametrize("name", NAMES)
def test_a_float32_solution_passes(name):
    verdict = ex.get(name).check(_as_float32(solved(name)))
    assert verdict.passed, str(verdict)


def test_other_algebraic_forms_pass():
    def sigmoid_backward(x, upstream):
        return upstream * np.exp(-x) / (1 + np.exp(-x)) ** 2

    def tanh_backward(x, upstream):
        return upstream / np.cosh(x) ** 2

    def relu_backward(x, upstream):
        return np.where(x > 0, upstream, 0.0)

    def chain_rule_scalar(x, w, b):
        y = np.tanh(x * w + b)
        return w - w * y * y, x - x * y * y, float(1 - y * y)

    def softmax_cross_entropy_backward(scores, labels):
        log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        onehot = labels[:, None] == np.arange(scores.shape[1])
        return (np.exp(log_p) - onehot) / len(scores)

    def svm_loss_backward(scores, labels):
        n, c = scores.shape
        d = np.zeros((n, c))
        for i in range(n):
            for j in range(c):
                if j != labels[i] and scores[i, j] + 1 > scores[i, labels[i]]:
                    d[i, j] += 1 / n
                    d[i, labels[i]] -= 1 / n
        return d

    def mse_backward(pred, target):
        return (pred + pred - target - target) / np.prod(pred.shape)

    def momentum_update(w, v, g, lr, momentum):
        return w + momentum * v - lr * g, momentum * v - lr * g

    def adam_update(w, m, v, g, t, lr, beta1, beta2, eps):
        m = m + (1 - beta1) * (g - m)
        v = v + (1 - beta2) * (g * g - v)
        lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        eps_t = eps * np.sqrt(1 - beta2**t)
        return w - lr_t * m / (np.sqrt(v) + eps_t), m, v

    def he_init_std(fan_in):
        return (2 / fan_in) ** 0.5

    for fn in (
        sigmoid_backward,
        tanh_backward,
        relu_backward,
        chain_rule_scalar,
        softmax_cross_entropy_backward,
        svm_loss_backward,
        mse_backward,
        momentum_update,
        adam_update,
        he_init_std,
    ):
        verdict = ex.get(fn.__name__).check(fn)
        assert verdict.passed, str(verdict)
        assert verdict.diagnosis is None


# ------------------------------------------------------------------ broken functions


@pytest.mark.parametrize("name", NAMES)
def test_the_template_is_not_attempted_yet(name):
    e = ex.get(name)
    namespace = {}
    exec(e.template, namespace)  # noqa: S102 - the package's own code
    verdict = e.check(namespace[name])
    assert verdict.status == "not_attempted"
    assert not verdict.passed
    assert verdict.message == text("verdict.not_attempted")
    assert "not attempted yet" in str(verdict)


def test_a_function_that_raises_gets_the_error_and_its_line():
    def relu_backward(x, upstream):
        mask = x > 0
        return upstream * mask.nonexistent

    verdict = ex.get("relu_backward").check(relu_backward)
    assert not verdict.passed
    assert "relu_backward raised AttributeError" in verdict.message
    line = relu_backward.__code__.co_firstlineno + 2
    assert f"(line {line} of relu_backward)" in verdict.message
    assert "AttributeError" in verdict.counterexample.received


def test_none_wrong_count_wrong_shape_dtype_and_non_numbers_are_named():
    matmul = ex.get("matmul_backward")
    cases = {
        "It returned None": lambda x, W, up: None,
        "It returned a tuple of 1, where 2 values were expected: return dx, dW.": lambda x, W, up: (
            up @ W.T,
        ),
        "It returned a single ndarray, where 2 values were expected": lambda x, W, up: np.stack(
            [x, x]
        ),
        "dW has shape": lambda x, W, up: (up @ W.T, up.T @ x),
        "dx has dtype int64": lambda x, W, up: ((up @ W.T).astype(np.int64), x.T @ up),
        "dW is a str": lambda x, W, up: (up @ W.T, "dW"),
    }
    for expected, fn in cases.items():
        verdict = matmul.check(fn)
        assert not verdict.passed
        assert expected in verdict.message, verdict.message
    shape = matmul.check(cases["dW has shape"])
    assert "the shape of W" in shape.message
    assert shape.mistakes == ("dW_transposed",)


@pytest.mark.parametrize(
    ("name", "fn", "changed"),
    [
        (
            "relu_backward",
            lambda x, upstream: np.multiply(upstream, x > 0, out=upstream),
            "upstream",
        ),
        ("momentum_update", "in_place_momentum", "w"),
        ("softmax_cross_entropy_backward", "in_place_softmax", "scores"),
    ],
)
def test_a_function_that_changes_its_inputs_is_failed(name, fn, changed):
    def in_place_momentum(w, v, g, lr, momentum):
        v = momentum * v - lr * g
        w += v
        return w, v

    def in_place_softmax(scores, labels):
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        p[np.arange(len(p)), labels] -= 1
        return p / len(p)

    fn = {"in_place_momentum": in_place_momentum, "in_place_softmax": in_place_softmax}.get(fn, fn)
    verdict = ex.get(name).check(fn)
    assert not verdict.passed
    assert f"changed its argument {changed} in place" in verdict.message
    assert verdict.counterexample.inputs  # the input before the call, unchanged


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, upstream: object(),
        lambda x, upstream: [[1.0], [2.0, 3.0]],
        lambda x, upstream: (_ for _ in ()).throw(SystemExit(3)),
        lambda x, upstream: x[np.nan],
        lambda x, upstream: np.full_like(x, np.nan),
        lambda x, upstream: upstream.reshape(-1, 1),
        lambda x, upstream: x.astype(complex),
        lambda x, upstream: {"dx": x},
        print,
    ],
)
def test_check_never_raises(fn, capsys):
    verdict = ex.get("sigmoid_backward").check(fn)
    assert not verdict.passed
    assert verdict.status == "failed"
    assert str(verdict)
    assert verdict._repr_html_()
    capsys.readouterr()


def test_endless_recursion_is_a_verdict():
    def tanh_backward(x, upstream):
        return tanh_backward(x, upstream)

    verdict = ex.get("tanh_backward").check(tanh_backward)
    assert "raised RecursionError" in verdict.message


def test_not_a_function():
    verdict = ex.get("he_init_std").check(np.sqrt(2 / 10))
    assert not verdict.passed
    assert "got an object of type float64" in verdict.message


# ------------------------------------------------------------------ the API around check


def test_prompt_template_hints_and_solution():
    e = ex.get("sigmoid_backward")
    assert "def sigmoid_backward(x, upstream)" in e.prompt
    assert ">>> sigmoid_backward(np.array([0.0, 2.0]), np.array([1.0, -1.0]))" in e.prompt
    assert "dx = [ 0.25 , -0.105]" in e.prompt  # computed by the reference
    assert e.template == (
        "import numpy as np\n\n\ndef sigmoid_backward(x, upstream):\n"
        '    raise NotImplementedError("compute s = sigmoid(x), then dx = upstream * ds/dx")\n'
    )
    assert "s * (1 - s)" in e.hint(3)
    assert "def sigmoid_backward" in e.solution()
    with pytest.raises(ValueError, match=r"sigmoid_backward.hint: level must be 1, 2 or 3, got 4"):
        e.hint(4)


def test_get_an_unknown_name():
    with pytest.raises(KeyError, match="no exercise 'sigmoid'; choose from: chain_rule_scalar"):
        ex.get("sigmoid")


def test_list_prints_and_returns_the_exercises_with_the_last_result(capsys):
    ex.get("mse_backward").check(solved("mse_backward"))
    ex.get("he_init_std").check(lambda fan_in: 1.0)
    returned = ex.list()
    printed = capsys.readouterr().out.splitlines()
    assert [e.name for e in returned] == NAMES
    assert len(printed) == 13
    assert re.match(r" 1\. chain_rule_scalar +\[", printed[0])
    assert "[passed]  gradient of the mean squared error" in printed[9]
    assert "[failed]" in printed[12]
    assert ex.list(show=False) == returned
    assert capsys.readouterr().out == ""


def test_verdict_text_and_html():
    verdict = ex.get("mse_backward").check(lambda pred, target: (pred - target) / pred.size)
    shown = str(verdict)
    assert shown.startswith("mse_backward: FAILED\nChecked mse_backward on 7 drawn inputs")
    assert "(>= 1e-4: wrong)" in shown
    assert "Likely mistake: The 2 from the square is missing" in shown
    assert "Smallest failing input:\n  pred = [" in shown
    assert "expected dpred = " in shown
    assert "received dpred = " in shown
    page = verdict._repr_html_()
    assert "mse_backward: FAILED</b>" in page
    assert "The 2 from the square is missing" in page
    assert "<pre>" in page


def test_relative_error_follows_cs231n():
    assert relative_error(np.array([1.0, -2.0]), np.array([1.0, -2.0])) == 0.0
    assert relative_error(np.array([0.0]), np.array([0.0])) == 0.0
    assert relative_error(np.array([1.0]), np.array([1.5])) == pytest.approx(0.5 / 1.5)
    assert relative_error(np.array([np.nan]), np.array([1.0])) == np.inf
    assert relative_error(np.array([np.nan]), np.array([np.nan])) == 0.0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == 2.0


def test_the_readme_shows_the_verdict_check_prints_and_the_catalogue_size():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    practise = readme[readme.index("## Practise") :]
    shown = re.search(r"```text\n(.*?)```", practise, flags=re.DOTALL).group(1)

    def sigmoid_backward(x, upstream):
        return upstream * x * (1 - x)

    assert shown == f"{ex.get('sigmoid_backward').check(sigmoid_backward)}\n"
    assert f"{len(MISTAKES)} in all" in practise
    assert f"holds {len(NAMES)} graded exercises" in practise


def test_a_second_language_needs_only_a_second_table(monkeypatch, capsys):
    """With a table whose every message is its id (fields kept), no English is left in what a
    learner reads: the logic holds no sentences of its own."""
    from string import Formatter  # noqa: PLC0415

    from tinygrad_lite.exercises import messages  # noqa: PLC0415

    def ids_only(message_id, english):
        fields = [f"{{{name}}}" for _, name, _, _ in Formatter().parse(english) if name]
        return " ".join([f"[{message_id}]", *fields])

    table = {key: ids_only(key, value) for key, value in MESSAGES.items()}
    monkeypatch.setitem(messages.LANGUAGES, "xx", table)
    monkeypatch.setattr(messages, "LANGUAGE", "xx")

    e = ex.get("linear_backward")
    verdict = e.check(lambda x, W, b, up: (up @ W.T, up.T @ x, up))
    shown = "\n".join(
        [str(verdict), verdict._repr_html_(), e.prompt, e.template, e.hint(2), e.summary]
    )
    ex.list()
    shown += capsys.readouterr().out
    words = re.sub(r"\[[\w.]+\]", "", shown)  # without the message ids
    for english in ("Checked", "Likely", "Smallest", "expected", "received", "FAILED", "Write"):
        assert english not in words
    assert verdict.diagnosis == "dW: [matmul.dW_transposed] db: [linear_backward.db_not_summed]"
    assert "[counterexample.expected] dx = [[" in str(verdict)
