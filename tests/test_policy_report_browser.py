"""The report of ``qicsim compare`` in a real browser: Debian's chromium driven by playwright (no download).

A report a board can read on a projector and on a phone (issue 22, item 5): at 1280x720 and at 420 px
wide the page never scrolls sideways (a wide table scrolls inside its own box), and every figure is at
least 60% of the text's width. The report comes from a small, fast comparison (4 homes, 20 weeks,
2 runs per option), opened from its folder as a file. Skipped, with the reason, when /usr/bin/chromium
or playwright is missing (CI: ``apt-get install -y chromium``; playwright from the ``test`` extra).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,  # a comparison and a browser: several seconds
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")

MIN_FIGURE_SHARE = 0.6  # of the content's width


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from qicsim.apps.cli.compare import main

    out = tmp_path_factory.mktemp("browser") / "cmp"
    main(["--homes", "4", "--weeks", "20", "--replications", "2", "--seed", "3", "--budget", "20000",
          "--options", "baseline", "backfill_care_home", "facilitation", "meetings_in_homes", "full",
          "--out", str(out)])
    return out / "report.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"])
        yield launched
        launched.close()


MEASURE = """() => {
    const page = document.documentElement, main = document.querySelector('main') || document.body;
    const style = getComputedStyle(main);
    const content = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const outside = [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > page.clientWidth + 0.5)
        .map(e => e.tagName + (e.className ? '.' + e.className : ''));
    return {viewport: window.innerWidth, client: page.clientWidth, scroll: page.scrollWidth,
            body: document.body.scrollWidth, content: content, outside: outside,
            figures: [...document.querySelectorAll('figure img')].map(
                i => ({src: i.getAttribute('src'), width: i.getBoundingClientRect().width, loaded: i.naturalWidth})),
            tables: [...document.querySelectorAll('table')].map(
                t => ({boxed: t.parentElement.classList.contains('scroll'),
                       box: t.parentElement.getBoundingClientRect().width}))};
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 420, "height": 800}],
                         ids=["projector-1280x720", "phone-420"])
def test_report_fits_the_screen_and_its_figures_fill_the_text(report: Path, browser: object,
                                                              viewport: dict[str, int]) -> None:
    tab = browser.new_page(viewport=viewport)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    try:
        tab.goto(report.as_uri())
        tab.wait_for_load_state("load")
        assert tab.locator("meta[name=viewport]").count() == 1
        got = tab.evaluate(MEASURE)
    finally:
        tab.close()
    print(viewport, {k: got[k] for k in ("client", "scroll", "body", "content")},
          [round(f["width"] / got["content"], 3) for f in got["figures"]])
    assert errors == []
    assert got["viewport"] == viewport["width"]
    assert got["scroll"] <= got["client"], f"the page scrolls sideways: {got['scroll']} > {got['client']}"
    assert got["body"] <= got["client"]
    assert got["outside"] == [], "elements beyond the right edge, outside a scrolling box"
    assert len(got["figures"]) == 3
    for figure in got["figures"]:
        assert figure["loaded"] > 0, figure["src"]
        assert figure["width"] >= MIN_FIGURE_SHARE * got["content"], figure
    assert got["tables"] and all(t["boxed"] and t["box"] <= got["content"] + 0.5 for t in got["tables"])
