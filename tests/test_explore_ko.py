"""The explorer in Korean: ``tl.explore(root, lang="ko")`` writes the page's labels and step
texts in Korean and keeps every number, formula and name of the English page.
(tests/test_explore_browser.py opens the Korean page in Chromium.)"""

import html
import json
import re
import string

import pytest
from explore_helpers import embedded_data, fan_in, neuron, two_layer_step
from korean_helpers import HANGUL, other_spellings, plain_style_endings

import tinygrad_lite as tl
from tinygrad_lite.cli import main
from tinygrad_lite.explore_words import LANGUAGES, WORDS

NOT_TRANSLATED = {"dtype"}  # an attribute's name, the same in every language


def marks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_word_with_the_same_marks(lang):
    for group, english in WORDS["en"].items():
        words = WORDS[lang][group]
        assert set(words) == set(english), (lang, group)
        for key, text in words.items():
            assert marks(text) == marks(english[key]), (lang, group, key)


def test_the_korean_words_are_korean_in_the_polite_style():
    for group, words in WORDS["ko"].items():
        for key, text in words.items():
            if key in NOT_TRANSLATED:
                assert text == WORDS["en"][group][key]
                continue
            assert HANGUL.search(text), f"{group}.{key} is not translated: {text!r}"
            assert plain_style_endings(text) == [], f"{group}.{key}: {text!r}"
            assert other_spellings(text) == [], f"{group}.{key}: {text!r}"


def backward_numbers(explorer):
    """What the backward steps show, without their words: op, upstream, gradients sent."""
    return [
        (s["op"], s["upstream"], s["inputs"]) for s in explorer.steps if s["phase"] != "forward"
    ]


@pytest.mark.parametrize("build", [neuron, fan_in, two_layer_step])
def test_korean_steps_show_the_english_numbers_and_formulas(build):
    english = tl.explore(build()[0])
    korean = tl.explore(build()[0], lang="ko")
    assert korean.lang == "ko"
    assert english.lang == "en"  # the default
    assert backward_numbers(korean) == backward_numbers(english)
    assert [s["phase"] for s in korean.steps] == [s["phase"] for s in english.steps]
    for en, ko in zip(english.steps, korean.steps, strict=True):
        assert len(ko["text"]) == len(en["text"])
        assert HANGUL.search(ko["text"][0]), ko["text"][0]  # the heading
        for en_line, ko_line in zip(en["text"], ko["text"], strict=True):
            # The part after the label (formula, numbers, names) is the English page's.
            formula = en_line.split(": ", 1)[-1]
            if "no gradient" not in formula and " (from " not in formula:
                assert formula in ko_line, (en_line, ko_line)
    roles = {t["role"] for t in korean.data["tensors"]}
    assert all(HANGUL.search(role) for role in roles), roles
    assert [t["grads"] for t in korean.data["tensors"]] == [
        t["grads"] for t in english.data["tensors"]
    ]


def test_korean_step_texts_read_as_written():
    korean = tl.explore(neuron()[0], lang="ko")
    assert korean.title == "y의 역전파"
    assert korean.steps[0]["text"] == ["순전파 3단계 중 1단계: Mul", "t1 = Mul(x, w)", "t1 = -6"]
    assert korean.steps[3]["text"][:3] == [
        "역전파 3단계 중 1단계: Tanh -> y",
        "상류 기울기: dy/dy = 1",
        "국소 미분: d tanh(t2)/dt2 = 1 - out**2",
    ]
    assert korean.steps[-1]["text"][-2:] == [
        "x에 보내는 기울기: 기울기를 보내지 않습니다 (기울기가 필요 없는 텐서입니다)",
        "w에 보내는 기울기: dy/dw = 0.42 * 2 = 0.8399",
    ]


@pytest.mark.graphviz
def test_the_korean_page_has_korean_labels_and_no_english_ones(tmp_path):
    korean = tl.explore(fan_in()[0], lang="ko")
    page = korean.save(tmp_path / "page.html").read_text(encoding="utf-8")
    assert page == korean.html
    assert '<html lang="ko">' in page
    assert "<title>loss의 역전파</title>" in page
    assert embedded_data(page) == korean.data
    for text in WORDS["ko"]["page"].values():
        assert html.escape(text, quote=True) in page, text
    table = re.search(r"const ui = (\{.*?\});", page).group(1)
    assert json.loads(table) == WORDS["ko"]["script"]  # what the script writes as you step
    markup = re.sub(r"<(style|script|svg)\b.*?</\1>", "", page, flags=re.DOTALL)
    for key, text in WORDS["en"]["page"].items():
        english = re.escape(html.escape(text, quote=True))
        assert re.search(rf"(?<!\w){english}(?!\w)", markup) is None, f"{key}: {text!r} left"
    assert page.count("<script") == 2


@pytest.mark.graphviz
def test_the_english_page_stays_english():
    page = tl.explore(neuron()[0]).html
    assert '<html lang="en">' in page
    assert "<title>Backprop of y</title>" in page
    assert "First step (Home)" in page
    assert not HANGUL.search(page)


def test_an_unknown_language_is_refused_before_backward_runs():
    y, tensors = neuron()
    with pytest.raises(ValueError, match=r"explore: lang must be one of 'en', 'ko', got 'kr'"):
        tl.explore(y, lang="kr")
    assert all(t.grad is None for t in tensors.values())


@pytest.mark.graphviz
def test_cli_graph_writes_the_korean_page(tmp_path, capsys):
    page = tmp_path / "neuron.html"
    assert (
        main(["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=7", "-o", str(page), "--lang", "ko"]) == 0
    )
    written = page.read_text(encoding="utf-8")
    assert '<html lang="ko">' in written
    assert "<title>tanh(x*w + b)의 역전파</title>" in written
    assert embedded_data(written)["steps"][0]["text"][0] == "순전파 3단계 중 1단계: Mul"
    assert "[1] Tanh -> out" in capsys.readouterr().out  # the printed trace stays as it is
    english = tmp_path / "english.html"
    assert main(["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=7", "-o", str(english)]) == 0
    assert "<title>Backprop of tanh(x*w + b)</title>" in english.read_text(encoding="utf-8")
