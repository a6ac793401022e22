"""One command for the commissioner (issue 22): the comparison, the budget search and the PSA into one folder.

``qicsim compare --optimise --psa N`` writes all three parts (md + html + xlsx); the comparison's report carries
the search's and the PSA's sections and sheets, and every copy of a number agrees with the CSV file it came from.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qicsim.apps.cli.compare import Progress, duration, main
from qicsim.studies.policy import budget_report, psa
from qicsim.studies.policy.glossary import SECTIONS, search_glossary
from qicsim.studies.policy.mix import affordable_on_grid

SMALL = ["--options", "baseline", "coaching", "--homes", "8", "--weeks", "52", "--replications", "2", "--seed", "3",
         "--ensemble", "none"]
LEVELS = ["--levels", "protected_time=0", "facilitation=0,3", "coaching=0", "data_support=0", "extra_events=0",
          "meetings_in_homes=0,1"]
COMPARISON = ("options.csv", "replications.csv", "incremental.csv", "incremental_perspectives.csv", "outcomes.csv",
              "acceptability.csv", "ce_plane.png", "acceptability.png", "cost_breakdown.png", "report.md",
              "report.html", "report.xlsx", "provenance.json")
SEARCH = ("budget.md", "budget.html", "budget.xlsx", "budget.csv", "budget_mixes.csv", "budget_replications.csv",
          "budget_by_year.csv", "budget_why.csv")


def numbers_agree(book: pd.DataFrame, table: pd.DataFrame, what: str) -> None:
    """Every numeric column of a CSV file and its copy in a spreadsheet sheet agree to 1e-10."""
    assert len(book) == len(table), what
    for column in table.select_dtypes("number").columns:
        np.testing.assert_allclose(book[column].astype(float), table[column].astype(float), rtol=1e-10,
                                   err_msg=f"{what}.{column}")


def text_of(page: str) -> str:
    """A page's text without tags (inline ones leave no space), entities decoded and spaces collapsed."""
    inline = re.sub(r"</?(strong|a)\b[^>]*>", "", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", inline))).strip()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "cmp"
    # 8 homes over a year: enough for facilitators to sustain improvements (a smaller case buys nothing)
    main([*SMALL, "--budget", "200000", "--optimise", *LEVELS, "--psa", "3", "--out", str(out)])
    return out


def test_one_command_writes_the_comparison_the_search_and_the_psa(folder) -> None:
    for name in (*COMPARISON, *SEARCH, *psa.FILES, *psa.FIGURES):
        assert (folder / name).stat().st_size > 0, name
    record = json.loads((folder / "provenance.json").read_text())
    assert record["psa"]["draws"] == 3
    search = record["budget_search"]
    assert search["replications_per_mix"] == 2 and search["method"] == "grid"
    assert search["mixes_run"] == len(pd.read_csv(folder / "budget_mixes.csv"))  # every affordable mix of the grid
    # The options and every mix ran on the same seeds (common random numbers across the parts).
    options = pd.read_csv(folder / "replications.csv")
    mixes = pd.read_csv(folder / "budget_replications.csv")
    assert set(options["seed"]) == set(mixes["seed"])


def test_the_report_carries_the_search_after_the_answer_and_the_psa_before_the_assumptions(folder) -> None:
    md = (folder / "report.md").read_text()
    heading = f"## {budget_report.SECTION_HEADING}"
    assert md.count(heading) == 1 and md.count(f"## {psa.HEADING}") == 1
    assert md.index(heading) < md.index(f"## {SECTIONS['options']}") < md.index(f"## {psa.HEADING}") \
        < md.index(f"## {SECTIONS['assumptions']}")
    assert "[budget.html](budget.html)" in md
    page = (folder / "report.html").read_text()
    assert page.count(f'<section id="{budget_report.SECTION_ID}">') == 1 and page.count('<section id="psa">') == 1
    assert page.index(f'<section id="{budget_report.SECTION_ID}">') < page.index('<section id="options">')
    assert '<a href="budget.html">budget.html</a>' in page
    # Every term of the search's section is in the report's glossary, in both formats and the spreadsheet.
    terms = pd.read_excel(folder / "report.xlsx", sheet_name="glossary")["term"].tolist()
    for term in search_glossary():
        assert f"| {term} " in md and f"<dt>{html.escape(term)}</dt>" in page and term in terms, term
    # The search's pages link back to the report.
    assert "[report.html](report.html)" in (folder / "budget.md").read_text()
    assert '<a href="report.html">report.html</a>' in (folder / "budget.html").read_text()


def test_md_html_and_xlsx_say_the_same(folder) -> None:
    budget = pd.read_csv(folder / "budget.csv")
    best = budget.iloc[0]
    # The search's answer: the same sentences in report.md, report.html and budget.md (the best mix by name).
    budget_md = (folder / "budget.md").read_text()
    answer = budget_md.split("\n\n")[1]
    assert best["mix_in_words"] in answer
    assert best["mix"] != "none"  # a real mix (facilitators and meetings in homes), so its words are tested
    md, page = (folder / "report.md").read_text(), text_of((folder / "report.html").read_text())
    assert answer in md
    assert answer.replace("**", "") in page
    # The spreadsheets: report.xlsx's search and PSA sheets, and budget.xlsx, agree with their CSV files.
    sheets = pd.read_excel(folder / "report.xlsx", sheet_name=None)
    assert {"options", "incremental", "outcomes", *budget_report.SHEETS, *psa.SHEETS} <= set(sheets)
    for sheet, name in {**budget_report.SHEETS, **psa.SHEETS}.items():
        numbers_agree(sheets[sheet], pd.read_csv(folder / name), sheet)
    numbers_agree(sheets["options"], pd.read_csv(folder / "options.csv"), "options")
    book = pd.read_excel(folder / "budget.xlsx", sheet_name=None)
    numbers_agree(book["mixes_shown"], budget, "budget.xlsx mixes_shown")
    numbers_agree(sheets["budget_shown"], book["mixes_shown"], "report.xlsx against budget.xlsx")


def test_every_long_part_says_how_far_it_is_on_stderr(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("qicsim.apps.cli.compare.PROGRESS_EVERY", 0.0)  # these parts are short: a line each run
    main([*SMALL, "--budget", "200000", "--optimise", *LEVELS, "--psa", "2", "--out", str(tmp_path / "cmp")])
    err = capsys.readouterr().err
    for part, last in (("options (2 runs each)", "2 of 2 options run"), ("budget search (2 runs per mix)", "mixes run"),
                       ("PSA (2 draws)", "4 of 4 runs")):
        lines = [x for x in err.splitlines() if x.startswith(f"qicsim compare: {part}: ")]
        assert lines and last in lines[-1], (part, err)
    mixes = len(pd.read_csv(tmp_path / "cmp" / "budget_mixes.csv"))
    assert f"{mixes} of {mixes} mixes run" in err  # the number of mixes is known before they run (the grid)


def test_without_optimise_there_is_no_search_and_levels_alone_are_refused(tmp_path, capsys) -> None:
    main([*SMALL, "--budget", "200000", "--out", str(tmp_path / "cmp")])
    assert not any((tmp_path / "cmp" / name).exists() for name in SEARCH)
    md = (tmp_path / "cmp" / "report.md").read_text()
    assert budget_report.SECTION_HEADING not in md and "| Chance of overspending " not in md
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main([*SMALL, "--levels", "facilitation=0,1", "--out", str(tmp_path / "never")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--levels" in err and "--optimise" in err
    assert not (tmp_path / "never").exists()


def test_a_budget_that_buys_no_mix_is_one_line_and_leaves_no_folder(tmp_path, capsys) -> None:
    # Found only after the options and the pilot have run: nothing is written before every part has run.
    with pytest.raises(SystemExit) as stop:
        main([*SMALL, "--budget", "1000", "--optimise", "--levels", "protected_time=0", "facilitation=1.5,3",
              "coaching=0", "data_support=0", "extra_events=0", "meetings_in_homes=0", "--out",
              str(tmp_path / "never")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "buys no mix" in err, err
    assert not (tmp_path / "never").exists()


def test_affordable_mixes_of_the_grid_are_counted_before_they_run() -> None:
    # a at 0/1/2 (GBP 10 each), b at 0/1 (GBP 5): planned costs 0, 5, 10, 15, 20, 25; four fit GBP 15.
    levels = {"a": (0.0, 1.0, 2.0), "b": (0.0, 1.0)}
    assert affordable_on_grid(levels, {"a": 10.0, "b": 5.0}, 15.0, max_grid=6) == 4
    assert affordable_on_grid(levels, {"a": 10.0, "b": 5.0}, 0.0, max_grid=6) == 1
    assert affordable_on_grid(levels, {"a": 10.0, "b": 5.0}, 15.0, max_grid=5) is None  # differential evolution


def test_progress_lines_give_the_time_left_and_are_not_too_many(capsys, monkeypatch) -> None:
    clock = iter([0.0, 2.0, 12.5, 15.0, 20.0, 100.0, 105.0])
    monkeypatch.setattr("qicsim.apps.cli.compare.time.monotonic", lambda: next(clock))
    progress = Progress("part", "things done", every=10.0)  # starts at 0 s
    progress(1, 4)  # 2 s: too soon for a first line
    progress(2, 4)  # 12.5 s: 6.25 s a thing, 2 left
    progress(3, 4)  # 15 s: within 10 s of the last line, not printed
    progress(4, 4)  # 20 s: the last line of a part that printed
    short = Progress("short", "things done", every=10.0)  # starts at 100 s
    short(1, 1)  # 105 s: a part over within 10 s prints nothing
    assert capsys.readouterr().err.splitlines() == [
        "qicsim compare: part: 2 of 4 things done, 12 s so far, about 12 s left",
        "qicsim compare: part: 4 of 4 things done, 20 s so far"]
    clock = iter([0.0, 11.0])
    unknown = Progress("search", "mixes run", every=10.0)
    unknown(3, None)  # an unknown total: no time left
    assert capsys.readouterr().err == "qicsim compare: search: 3 mixes run, 11 s so far\n"


@pytest.mark.parametrize(("seconds", "words"), [(0.4, "0 s"), (45, "45 s"), (136, "2 min 16 s"),
                                                (3900, "1 h 05 min")])
def test_durations_are_written_in_words(seconds, words) -> None:
    assert duration(seconds) == words


PAGE = """() => {
    const page = document.documentElement, main = document.querySelector('main') || document.body;
    const style = getComputedStyle(main);
    const content = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {client: page.clientWidth, scroll: page.scrollWidth, content: content,
            outside: [...document.querySelectorAll('body *')]
                .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > page.clientWidth + 0.5)
                .map(e => e.tagName),
            figures: [...document.querySelectorAll('figure img')].map(i => i.getBoundingClientRect().width),
            boxed: [...document.querySelectorAll('table')].every(t => t.parentElement.classList.contains('scroll'))};
}"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium: apt-get install chromium")
@pytest.mark.parametrize("width", [1280, 420])
def test_the_report_with_its_search_and_psa_fits_the_screen_in_a_real_browser(folder, width) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"])
        try:
            for page, figures in (("report.html", 5), ("budget.html", 0)):  # the comparison's 3 and the PSA's 2
                tab = browser.new_page(viewport={"width": width, "height": 720})
                tab.goto((folder / page).as_uri())
                tab.wait_for_load_state("load")
                got = tab.evaluate(PAGE)
                tab.close()
                assert got["scroll"] <= got["client"] and got["outside"] == [], (page, got)
                assert got["boxed"], page
                assert len(got["figures"]) == figures, page
                assert all(w >= 0.6 * got["content"] for w in got["figures"]), (page, got)
        finally:
            browser.close()
