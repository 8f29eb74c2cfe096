"""The explorer page in a real browser: headless Chromium driven through `window.tlExplorer`,
the keyboard and clicks.

Selenium drives the Debian packages ``chromium`` and ``chromium-driver`` as installed, with no
download (Playwright's Python package expects a browser build of its own version). One browser
serves every test of the session. Outside CI the tests skip when Chromium, its driver or the
selenium package is missing; under ``CI=true`` they fail instead. Screenshots go to
``out/browser/`` (ignored by git).
"""

import os
import shutil
from pathlib import Path

import pytest
from explore_helpers import HOSTILE_NAMES, fan_in, hostile, neuron, two_layer_step

import tinygrad_lite as tl
from tinygrad_lite.trace import Labels, format_array, topological_order

pytestmark = pytest.mark.graphviz  # the page is laid out by dot
SHOTS = Path(__file__).resolve().parent.parent / "out" / "browser"
PAGES = {"neuron": neuron, "fan_in": fan_in, "two_layer": two_layer_step, "hostile": hostile}


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401, PLC0415
    except ImportError:
        return "the Python package selenium (in the test group: pip install --group test)"
    if not any(shutil.which(name) for name in ("chromium", "chromium-browser")):
        return "Chromium (apt-get install chromium chromium-driver)"
    if shutil.which("chromedriver") is None:
        return "chromedriver (apt-get install chromium-driver)"
    return None


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI runs the browser tests, but this machine lacks {missing}")
    if missing:
        pytest.skip(f"the browser tests need {missing}")
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def pages(tmp_path_factory):
    """Each page saved once: ``{name: (file URL, explorer, root)}``."""
    folder = tmp_path_factory.mktemp("pages")
    saved = {}
    for name, build in PAGES.items():
        root, _ = build()
        explorer = tl.explore(root)
        saved[name] = (explorer.save(folder / f"{name}.html").as_uri(), explorer, root)
    return saved


def open_page(browser, url):
    browser.get(url)
    assert browser.execute_script("return typeof window.tlExplorer") == "object"


def no_console_errors(browser):
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []


def expected_text(step):
    return "\n".join(line.strip() for line in step["text"])


def visible_grad_lines(browser):
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph text'))"
        ".filter(t => t.textContent.startsWith('grad ') && !t.classList.contains('hidden')).length"
    )


def press(browser, key):
    from selenium.webdriver.common.action_chains import ActionChains  # noqa: PLC0415

    ActionChains(browser).send_keys(key).perform()


@pytest.mark.parametrize("name", ["neuron", "fan_in", "two_layer"])
def test_every_step_by_keyboard_and_goto_then_every_grad(browser, pages, name):
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    url, explorer, root = pages[name]
    open_page(browser, url)
    steps = explorer.steps
    n = browser.execute_script("return tlExplorer.stepCount")
    assert n == len(steps)
    assert browser.execute_script("return tlExplorer.current().index") == 0
    assert visible_grad_lines(browser) == 0  # forward: no gradient yet

    browser.find_element("css selector", "h1").click()  # focus the page, not a control
    for i in range(1, n):
        press(browser, Keys.ARROW_RIGHT)
        current = browser.execute_script("return tlExplorer.current()")
        assert current == {
            "index": i,
            "phase": steps[i]["phase"],
            "op": steps[i]["op"],
            "text": expected_text(steps[i]),
        }
        assert browser.find_element("id", "panel").text.replace("\n", " ") == " ".join(
            line.strip() for line in steps[i]["text"]
        )
    press(browser, Keys.HOME)
    assert browser.execute_script("return tlExplorer.current().index") == 0
    press(browser, Keys.END)
    press(browser, Keys.ARROW_LEFT)
    assert browser.execute_script("return tlExplorer.current().index") == n - 2
    for i in reversed(range(n)):
        browser.execute_script("tlExplorer.goTo(arguments[0])", i)
        assert browser.execute_script("return tlExplorer.current().text") == expected_text(steps[i])
    assert browser.execute_script("tlExplorer.goTo(-5); return tlExplorer.current().index") == 0
    assert (
        browser.execute_script("tlExplorer.goTo(1e9); return tlExplorer.current().index") == n - 1
    )

    order = topological_order(root)
    labels = Labels(order)
    expected = {
        labels(t): {
            "value": format_array(t.data),
            "grad": None if t.grad is None else format_array(t.grad.data),
        }
        for t in order
    }
    assert browser.execute_script("return tlExplorer.shown()") == expected
    assert visible_grad_lines(browser) == sum(t.grad is not None for t in order)
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    no_console_errors(browser)


def test_forward_steps_show_values_in_order(browser, pages):
    url, _, _ = pages["neuron"]
    open_page(browser, url)
    shown = browser.execute_script("tlExplorer.goTo(0); return tlExplorer.shown()")
    assert shown["t1"] == {"value": "-6", "grad": None}  # x * w, the first op
    assert shown["y"] == {"value": None, "grad": None}  # not computed yet
    assert shown["w"] == {"value": "-3", "grad": None}  # a leaf is there from the start
    shown = browser.execute_script("tlExplorer.goTo(3); return tlExplorer.shown()")
    assert shown["y"] == {"value": "0.7616", "grad": "1"}  # backward starts: dy/dy = 1
    assert shown["w"]["grad"] is None  # not reached yet
    dimmed = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph g.node.dim')).length"
    )
    assert dimmed == 5  # Tanh has run; Add, Mul, t2, t1 and w wait (x gets no gradient)


def test_step_fragment_opens_and_follows_the_step(browser, pages):
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    url, _, _ = pages["fan_in"]
    browser.get(url + "#step=3")
    assert browser.execute_script("return tlExplorer.current().index") == 2
    browser.execute_script("tlExplorer.goTo(4)")
    assert browser.execute_script("return location.hash") == "#step=5"
    browser.execute_script("location.hash = '#step=2'")
    WebDriverWait(browser, 5).until(
        lambda b: b.execute_script("return tlExplorer.current().index") == 1
    )
    no_console_errors(browser)


def test_controls_are_labelled_buttons_and_play_pauses(browser, pages):
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    url, explorer, _ = pages["neuron"]
    open_page(browser, url)
    unnamed = browser.execute_script(
        "return Array.from(document.querySelectorAll('button'))"
        ".filter(b => !(b.getAttribute('aria-label') || b.textContent).trim()).length"
    )
    assert unnamed == 0
    assert browser.execute_script("return document.querySelectorAll('#stepbar button').length") == (
        explorer.step_count
    )
    browser.find_element("id", "next").click()
    assert browser.execute_script("return tlExplorer.current().index") == 1
    browser.find_element("css selector", "#stepbar li:last-child button").click()
    assert browser.execute_script("return tlExplorer.current().index") == explorer.step_count - 1
    browser.find_element("css selector", "h1").click()
    press(browser, Keys.SPACE)
    play = browser.find_element("id", "play")
    assert play.get_attribute("aria-pressed") == "true"
    assert browser.execute_script("return tlExplorer.current().index") == 0  # replays from 0
    press(browser, Keys.SPACE)
    assert play.get_attribute("aria-pressed") == "false"
    assert play.text == "Play"


def test_clicking_a_node_shows_its_details(browser, pages):
    url, explorer, _ = pages["two_layer"]
    open_page(browser, url)
    browser.execute_script("tlExplorer.goTo(tlExplorer.stepCount - 1)")
    nodes = {t["name"]: t["node"] for t in explorer.data["tensors"]}

    def details_of(name):
        click_node(browser, nodes[name])
        return browser.find_element("id", "details")

    details = details_of("fc2.bias")
    assert details.find_element("css selector", "h2").text == "fc2.bias"
    assert "(3,)" in details.text
    assert "float32" in details.text
    cells = details.find_elements("css selector", "table.values:not(.heatmap) td")
    assert len(cells) == 6  # value and gradient, 3 numbers each
    details = details_of("t1")  # (8, 16): a summary and a heatmap
    assert "shape (8, 16): min" in details.text
    assert len(details.find_elements("css selector", "table.heatmap tr")) == 2 * 8  # value, grad
    no_console_errors(browser)


def test_hostile_names_show_as_text_and_run_nothing(browser, pages):
    from selenium.common.exceptions import NoAlertPresentException  # noqa: PLC0415

    url, explorer, _ = pages["hostile"]
    open_page(browser, url)
    for i in range(explorer.step_count):
        browser.execute_script("tlExplorer.goTo(arguments[0])", i)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 (reading it is the check)
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.execute_script("return document.scripts.length") == 2
    assert set(HOSTILE_NAMES) <= set(browser.execute_script("return tlExplorer.shown()"))
    assert HOSTILE_NAMES[0] in browser.find_element("id", "panel").text
    svg_text = browser.find_element("id", "graph").text
    assert HOSTILE_NAMES[0] in svg_text
    assert HOSTILE_NAMES[1] in svg_text
    no_console_errors(browser)


def click_node(browser, node):
    browser.execute_script(
        "Array.from(document.querySelectorAll('#graph g.node'))"
        ".find(g => g.querySelector('title').textContent === arguments[0])"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        node,
    )


def test_screenshots_of_the_backward_panel(browser, pages):
    """The fan-in step of h (its gradient as a sum, h's details open) and the TwoLayerNet's
    last step; docs/explorer.png is the first, copied by hand."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    url, explorer, _ = pages["fan_in"]
    open_page(browser, url)
    fan_in_step = max(
        i
        for i, s in enumerate(explorer.steps)
        if any(x.startswith("  dloss/dh") for x in s["text"])
    )
    browser.execute_script("tlExplorer.goTo(arguments[0])", fan_in_step)
    click_node(browser, next(t["node"] for t in explorer.data["tensors"] if t["name"] == "h"))
    assert "dloss/dh = " in browser.find_element("id", "panel").text
    assert browser.find_element("css selector", "#details h2").text == "h"
    shots = [SHOTS / "explorer_fan_in.png"]
    assert browser.save_screenshot(str(shots[0]))
    url, explorer, _ = pages["two_layer"]
    open_page(browser, url)
    browser.execute_script("tlExplorer.goTo(tlExplorer.stepCount - 1)")
    shots.append(SHOTS / "explorer_two_layer.png")
    assert browser.save_screenshot(str(shots[1]))
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in shots)


def test_the_korean_page_walks_and_speaks_korean(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    root, _ = neuron()
    explorer = tl.explore(root, lang="ko")
    open_page(browser, explorer.save(tmp_path / "neuron_ko.html").as_uri())
    assert browser.execute_script("return document.documentElement.lang") == "ko"
    assert browser.find_element("id", "next").text == "다음 \u25b6"
    assert browser.find_element("id", "play").get_attribute("aria-label") == "재생"
    assert browser.find_element("id", "stepbar").get_attribute("aria-label").startswith("단계")
    browser.find_element("css selector", "h1").click()
    for i in range(1, explorer.step_count):
        press(browser, Keys.ARROW_RIGHT)
        assert browser.execute_script("return tlExplorer.current().text") == expected_text(
            explorer.steps[i]
        )
    last = explorer.step_count
    assert browser.find_element("id", "counter").text == f"{last}단계 중 {last}단계 (역전파)"
    assert browser.find_element("css selector", "#panel h2").text.startswith("역전파 ")
    click_node(browser, next(t["node"] for t in explorer.data["tensors"] if t["name"] == "w"))
    details = browser.find_element("id", "details").text
    for word in ("역할", "기울기", "리프 텐서"):  # role, gradient, leaf tensor
        assert word in details
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SHOTS / "explorer_ko.png"))
    browser.find_element("css selector", "h1").click()
    press(browser, Keys.SPACE)
    assert browser.find_element("id", "play").text == "일시 정지"
    press(browser, Keys.SPACE)
    assert browser.find_element("id", "play").text == "재생"
    no_console_errors(browser)
