"""The PSA's section of ``report.html`` in a real browser (Debian's chromium, playwright): it fits a phone.

At 1280x720 and 420 px wide the page with the PSA section never scrolls sideways (its tables scroll in
their own box) and the CEAC and tornado figures are at least 60% of the text's width (issue 22, item 5).
Skipped, with the reason, when /usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")

MEASURE = """() => {
    const page = document.documentElement, main = document.querySelector('main') || document.body;
    const style = getComputedStyle(main);
    const content = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const section = document.querySelector('#psa');
    return {client: page.clientWidth, scroll: page.scrollWidth, content: content, present: section !== null,
            figures: [...section.querySelectorAll('figure img')].map(
                i => ({src: i.getAttribute('src'), width: i.getBoundingClientRect().width, loaded: i.naturalWidth})),
            unboxed: [...section.querySelectorAll('table')].filter(
                t => !t.parentElement.classList.contains('scroll')).length};
}"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from qicsim.apps.cli.compare import main

    out = tmp_path_factory.mktemp("browser") / "cmp"
    main(["--homes", "4", "--weeks", "12", "--replications", "2", "--seed", "3", "--psa", "4",
          "--options", "baseline", "facilitation", "meetings_in_homes", "--out", str(out)])
    return out / "report.html"


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 420, "height": 800}],
                         ids=["projector-1280x720", "phone-420"])
def test_the_psa_section_fits_the_screen(report: Path, viewport: dict[str, int]) -> None:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"])
        try:
            tab = browser.new_page(viewport=viewport)
            tab.goto(report.as_uri())
            tab.wait_for_load_state("load")
            got = tab.evaluate(MEASURE)
        finally:
            browser.close()
    assert got["present"]
    assert got["scroll"] <= got["client"], f"the page scrolls sideways: {got['scroll']} > {got['client']}"
    assert [f["src"] for f in got["figures"]] == ["ceac.png", "tornado.png"]
    for figure in got["figures"]:
        assert figure["loaded"] > 0 and figure["width"] >= 0.6 * got["content"], figure
    assert got["unboxed"] == 0
