"""The budget search's report on a hand-made search whose answers are known (no model run), and end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qicsim.studies.policy.budget import Item, best_mix
from qicsim.studies.policy.budget_report import analyse, reference_key, write_budget_report, year_shares
from qicsim.studies.policy.glossary import SEARCH_TERMS
from qicsim.studies.policy.mix import Search

# Two items at 0/1 (a costs GBP 100, b GBP 200), budget 300: all four mixes fit. Per mix, four runs:
#   sustained: none 0, a 2, b 1 (dominated by a: dearer, does less), a+b 4 or 2 (mean 3);
#   QALYs lost: none 1.0, a 0.9, b 0.95, a+b 0.8; reference-case cost: 1000, 1200, 1250, 1500.
SUSTAINED = {(0.0, 0.0): [0, 0, 0, 0], (1.0, 0.0): [2, 2, 2, 2], (0.0, 1.0): [1, 1, 1, 1], (1.0, 1.0): [4, 2, 4, 2]}
QALYS_LOST = {(0.0, 0.0): 1.0, (1.0, 0.0): 0.9, (0.0, 1.0): 0.95, (1.0, 1.0): 0.8}
NHS_PSS = {(0.0, 0.0): 1000.0, (1.0, 0.0): 1200.0, (0.0, 1.0): 1250.0, (1.0, 1.0): 1500.0}
WEEKS = 78  # support: 52 weeks in year 1, 26 in year 2, none in year 3 (follow-up)


def runs_of(key: tuple[float, float]) -> pd.DataFrame:
    funder = 100.0 * key[0] + 200.0 * key[1]
    events = {(0.0, 0.0): (60.0, 30.0, 10.0)}.get(key, (50.0, 20.0, 5.0))
    return pd.DataFrame({
        "replication": range(4), "option": "mix", "seed": range(4), "funder_gbp": funder,
        "sustained": np.array(SUSTAINED[key], dtype=float), "qalys_lost": QALYS_LOST[key],
        "cost_nhs_pss_gbp": NHS_PSS[key], "programme_gbp": 30.0, "nhs_time_gbp": 0.0,
        **{f"events_gbp_year_{y + 1}": v for y, v in enumerate(events)}})


@pytest.fixture(scope="module")
def found() -> Search:
    runs = {key: runs_of(key) for key in SUSTAINED}

    def evaluate(mix):
        table = runs[(mix["a"], mix["b"])]
        return table["funder_gbp"].to_numpy(), table["sustained"].to_numpy()

    items = [Item("a", lambda x: 100.0 * x, levels=[0, 1]), Item("b", lambda x: 200.0 * x, levels=[0, 1])]
    result = best_mix(evaluate, items, budget=300.0)
    return Search(result=result, unit_cost={"a": 100.0, "b": 200.0}, table=result.table, runs=runs,
                  levels={"a": (0.0, 1.0), "b": (0.0, 1.0)}, weeks=WEEKS)


def test_the_best_mix_its_runners_up_and_its_chances_match_hand_computed_values(found) -> None:
    tables = analyse(found, 300.0, (20000.0,), seed=1)
    shown = tables["budget"]
    assert shown["mix"].tolist() == ["a=1,b=1", "a=1", "none"]  # the frontier; b (dominated by a) never shown
    best = shown.iloc[0]
    assert best["sustained_mean"] == pytest.approx(3.0)
    assert best["icer"] == pytest.approx((300 - 100) / (3 - 2))
    # Runs 0 and 2: a+b alone best (4); runs 1 and 3: a+b and a tie at 2 and share.
    assert best["p_best_sustained"] == pytest.approx(0.75)
    assert tables["budget_mixes"].set_index("mix")["p_best_sustained"].sum() == pytest.approx(1.0)
    # Net monetary benefit at GBP 20k per QALY against none: 20000 x (1.0 - 0.8) - (1500 - 1000) = 3500.
    assert best["nmb_20000"] == pytest.approx(3500.0)
    assert best["qalys_gained"] == pytest.approx(0.2)
    assert best["p_best_nmb_20000"] == 1.0
    assert best["p_over_budget"] == 0.0
    assert tables["budget_mixes"].set_index("mix").loc["b=1", "status"] == "dominated"


def test_why_the_best_mix_wins_is_the_effect_lost_without_each_item(found) -> None:
    why = analyse(found, 300.0, (20000.0,), seed=1)["budget_why"].set_index("item")
    # Without a: b alone, 1 (loses 2 of the gain of 3); without b: a alone, 2 (loses 1).
    assert why.loc["a", "sustained_lost"] == pytest.approx(2.0)
    assert why.loc["b", "sustained_lost"] == pytest.approx(1.0)
    assert why.loc["a", "share_of_gain"] == pytest.approx(2 / 3)
    assert why.loc["b", "share_of_gain"] == pytest.approx(1 / 3)
    assert why.loc["b", "planned_cost_saved"] == pytest.approx(200.0)
    assert why.loc["a", "qalys_lost_without_item"] == pytest.approx(0.95 - 0.8)


def test_budget_impact_by_year_spreads_spending_over_support_and_events_as_they_fall(found) -> None:
    assert year_shares(WEEKS, 3) == pytest.approx([52 / 78, 26 / 78, 0.0])
    years = analyse(found, 300.0, (20000.0,), seed=1)["budget_by_year"]
    best = years[years["mix"] == "a=1,b=1"].set_index("year")
    assert best["funder_gbp"].sum() == pytest.approx(300.0)
    assert best.loc[1, "funder_gbp"] == pytest.approx(300.0 * 52 / 78)
    assert best.loc[3, "funder_gbp"] == 0.0
    # Year 1: (funder 300 + programme 30) x 52/78 + events 50; against none: 30 x 52/78 + 60.
    assert best.loc[1, "nhs_pss_gbp"] == pytest.approx(330 * 52 / 78 + 50)
    assert best.loc[1, "offsets_gbp"] == pytest.approx(10.0)
    assert best.loc[1, "extra_nhs_pss_gbp"] == pytest.approx(300 * 52 / 78 - 10)
    assert best.loc[3, "extra_nhs_pss_gbp"] == pytest.approx(-5.0)


def test_the_comparator_is_every_item_at_its_lowest_level_even_when_a_free_mix_does_more(found) -> None:
    # Make b free: "b=1" then costs nothing and sustains 1, but the baseline mix is still "none".
    items = [Item("a", lambda x: 100.0 * x, levels=[0, 1]), Item("b", lambda x: 0.0 * x, levels=[0, 1])]

    def evaluate(mix):
        table = found.runs[(mix["a"], mix["b"])]
        return table["funder_gbp"].to_numpy(), table["sustained"].to_numpy()

    result = best_mix(evaluate, items, budget=300.0)
    free = Search(result=result, unit_cost={"a": 100.0, "b": 0.0}, table=result.table, runs=found.runs,
                  levels=found.levels, weeks=WEEKS)
    assert reference_key(free) == (0.0, 0.0) == reference_key(found)


def test_the_report_is_written_in_three_formats_with_its_glossary(found, tmp_path) -> None:
    from qicsim.studies.policy.appraisal import Case

    case = Case(budget=300.0, replications=4, seed=1, ensemble=None)
    write_budget_report(tmp_path, found, case, (20000.0, 30000.0))
    md, page = (tmp_path / "budget.md").read_text(), (tmp_path / "budget.html").read_text()
    for term in SEARCH_TERMS:
        assert f"| {term} " in md and f"<dt>{term}</dt>" in page
    assert "name='viewport'" in page and '<div class="scroll"><table' in page
    assert "75% of runs" in md  # the best's chance of being best, with its Wilson interval
    assert "| 1 (support) " in md and "| 2 (26 weeks of support, then follow-up) " in md and "| 3 (follow-up) " in md
    assert "b=1" not in pd.read_csv(tmp_path / "budget.csv")["mix"].tolist()
    sheets = pd.read_excel(tmp_path / "budget.xlsx", sheet_name=None)
    assert {"mixes_shown", "all_mixes", "why", "by_year", "glossary"} <= set(sheets)
    per_run = pd.read_csv(tmp_path / "budget_replications.csv")
    assert len(per_run) == 4 * 4 and {"level_a", "level_b"} <= set(per_run.columns)


PAGE_FITS = """() => {
    const page = document.documentElement;
    const outside = [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > page.clientWidth + 0.5)
        .map(e => e.tagName);
    return {client: page.clientWidth, scroll: page.scrollWidth, outside: outside,
            boxed: [...document.querySelectorAll('table')].every(t => t.parentElement.classList.contains('scroll'))};
}"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium: apt-get install chromium")
@pytest.mark.parametrize("width", [1280, 420])
def test_budget_page_never_scrolls_sideways_in_a_real_browser(found, tmp_path, width) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")
    from qicsim.studies.policy.appraisal import Case

    write_budget_report(tmp_path, found, Case(budget=300.0, replications=4, seed=1, ensemble=None), (20000.0,))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": width, "height": 800})
            tab.goto((tmp_path / "budget.html").as_uri())
            got = tab.evaluate(PAGE_FITS)
        finally:
            browser.close()
    assert got["client"] == width
    assert got["scroll"] <= got["client"] and got["outside"] == [] and got["boxed"], got


def test_the_best_mix_under_each_rival_structure_is_found_again_from_its_runs_alone(found, tmp_path) -> None:
    from qicsim.studies.policy.appraisal import Case

    # Runs 0 and 2 drew structure s1, runs 1 and 3 s2. Under s1: a+b sustains 4 in both, the best alone.
    # Under s2: a+b and a both sustain 2, so the cheaper a is best (the tie shared in the chance of being best).
    drawn = np.array(["s1", "s2", "s1", "s2"])
    runs = {key: table.assign(structure=drawn) for key, table in found.runs.items()}
    split = Search(result=found.result, unit_cost=found.unit_cost, table=found.table, runs=runs, levels=found.levels,
                   weeks=WEEKS)
    table = analyse(split, 300.0, (20000.0,), seed=1)["budget_by_structure"].set_index("structure")
    assert table.loc["s1", "mix"] == "a=1,b=1" and table.loc["s2", "mix"] == "a=1"
    assert table.loc["s1", "sustained_mean"] == pytest.approx(4.0) and table.loc["s2", "sustained_mean"] == 2.0
    assert table.loc["s1", "p_best_sustained"] == 1.0 and table.loc["s2", "p_best_sustained"] == pytest.approx(0.5)
    assert table["runs"].tolist() == [2, 2] and table["same_as_overall"].tolist() == [True, False]

    write_budget_report(tmp_path, split, Case(budget=300.0, replications=4, seed=1, ensemble=None), (20000.0,))
    md = (tmp_path / "budget.md").read_text()
    answer = md.split("\n## ")[0]  # the disagreement is stated in the answer, before the first section
    assert "The rival structures disagree on the best mix (under s1," in answer
    assert "## Under each rival structure" in md
    assert '<section id="structures">' in (tmp_path / "budget.html").read_text()
    assert "by_structure" in pd.read_excel(tmp_path / "budget.xlsx", sheet_name=None)
    assert pd.read_csv(tmp_path / "budget_by_structure.csv")["mix"].tolist() == ["a=1,b=1", "a=1"]


def test_without_rival_structures_there_is_no_structure_table_or_section(found, tmp_path) -> None:
    from qicsim.studies.policy.appraisal import Case

    assert analyse(found, 300.0, (), seed=1)["budget_by_structure"].empty
    write_budget_report(tmp_path, found, Case(budget=300.0, replications=4, seed=1, ensemble=None))
    assert not (tmp_path / "budget_by_structure.csv").exists()
    md = (tmp_path / "budget.md").read_text()
    assert "Under each rival structure" not in md and "rival structures disagree" not in md
