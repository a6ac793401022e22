"""The report of ``qicsim compare`` for people who do not program: report.md, report.html, report.xlsx."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from helpers.ensembles import write_two_structures

from qicsim.apps.cli.compare import main
from qicsim.studies.policy.costs import FUNDER_ITEMS, load_costs
from qicsim.studies.policy.glossary import CHEERS, GLOSSARY, OPTION_NAMES, SECTIONS, plain_option
from qicsim.studies.policy.report import SAME, interval_text, pick, sensitivity


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "cmp"
    main(["--homes", "4", "--weeks", "20", "--replications", "2", "--seed", "3", "--budget", "20000",
          "--options", "baseline", "facilitation", "full", "meetings_in_homes", "--out", str(out)])
    return out


@pytest.mark.slow
def test_report_files_exist_and_html_has_table_and_figures(folder) -> None:
    for name in ("report.md", "report.html", "report.xlsx"):
        assert (folder / name).stat().st_size > 0, name
    page = (folder / "report.html").read_text()
    assert "<table" in page and plain_option("facilitation") in page
    for figure in ("ce_plane.png", "acceptability.png", "cost_breakdown.png"):
        assert f'src="{figure}"' in page
        assert (folder / figure).is_file()
    md = (folder / "report.md").read_text()
    assert md.count("\n- **") == 4, "one plain paragraph per option"
    assert "three assumptions" in md and "cannot tell you" in md


@pytest.mark.slow
def test_xlsx_has_every_unit_cost_on_the_inputs_sheet(folder) -> None:
    sheets = pd.read_excel(folder / "report.xlsx", sheet_name=None)
    assert {"options", "incremental", "acceptability", "inputs", "glossary"} <= set(sheets)
    assert list(sheets["options"]["option_name"]) == [plain_option(o) for o in sheets["options"]["option"]]
    costs = load_costs()
    inputs = sheets["inputs"].set_index("input")
    expected = {**{f"hourly_cost_gbp.{r}": v for r, v in costs.hourly.items()}, **costs.scalars}
    assert set(inputs.index) == set(expected)
    for key, value in expected.items():
        assert inputs.loc[key, "value_gbp"] == pytest.approx(value)
        assert isinstance(inputs.loc[key, "source"], str) and inputs.loc[key, "source"]
    assert len(sheets["options"]) == 4


def test_pick_and_repricing_on_a_hand_made_case() -> None:
    # a: cheap, few; b: backfill-heavy, many. Budget 100: b fits only when backfill is 50% cheaper.
    rows = []
    for rep in range(2):
        rows.append({"option": "a", "replication": rep, "sustained": 2.0, **dict.fromkeys(FUNDER_ITEMS, 0.0),
                     "coaching": 10.0})
        rows.append({"option": "b", "replication": rep, "sustained": 5.0, **dict.fromkeys(FUNDER_ITEMS, 0.0),
                     "backfill": 150.0})
    per_rep = pd.DataFrame(rows)
    per_rep["funder_gbp"] = per_rep[list(FUNDER_ITEMS)].sum(axis=1)
    assert pick(per_rep.groupby("option")[["funder_gbp", "sustained"]].mean().reset_index(), 100.0) == "a"
    table = sensitivity(per_rep, 100.0)
    top = table.iloc[0]
    assert top["item"] == "backfill" and top["changes_pick"] and top["pick_low"] == "b" and top["pick_high"] == "a"
    coaching = table.set_index("item").loc["coaching"]
    assert not coaching["changes_pick"]
    assert coaching["cost_per_sustained_change"] == pytest.approx(0.5)


def test_markdown_text_keeps_plain_names_and_disarms_markup() -> None:
    from qicsim.studies.policy.report import markdown_text

    assert markdown_text("backfill_care_home") == "backfill_care_home"
    assert markdown_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert markdown_text("[click](http:evil.example)") == r"\[click\](http:evil.example)"
    assert markdown_text("a|b *c* `d` _e_ ~f~ \\g") == r"a\|b \*c\* \`d\` \_e\_ \~f\~ \\g"
    assert markdown_text("two\nlines\r") == "two lines "


@pytest.mark.parametrize(("value", "written"), [
    ('=HYPERLINK("http:evil.example", "click")', '\'=HYPERLINK("http:evil.example", "click")'),
    ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("baseline", "baseline"), ("a=b", "a=b"), (-1.5, -1.5), (None, None),
])
def test_spreadsheet_text_neutralises_what_would_start_a_formula(value, written) -> None:
    from qicsim.studies.policy.report import spreadsheet_text

    assert spreadsheet_text(value) == written


HOSTILE = ('=HYPERLINK("http:evil.example", "click")', "<img src=x onerror=alert(1)>")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A comparison of the baseline and two options whose file names are a formula and HTML (issue 24 item 11)."""
    from qicsim.config.loader import config_dir

    folder = tmp_path_factory.mktemp("hostile")
    text = (config_dir() / "funding" / "coaching.yaml").read_text()
    paths = []
    for name in HOSTILE:
        path = folder / f"{name}.yaml"
        path.write_text(text)
        paths.append(str(path))
    out = folder / "cmp"
    main(["--homes", "4", "--weeks", "20", "--replications", "2", "--seed", "3", "--options", "baseline", *paths,
          "--out", str(out)])
    return out


@pytest.mark.slow
def test_option_names_are_text_in_every_xlsx_sheet_never_a_formula(hostile) -> None:
    import openpyxl

    book = openpyxl.load_workbook(hostile / "report.xlsx")
    formula = f"'{HOSTILE[0]}"
    holding = []
    for sheet in book.worksheets:
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"], sheet.title  # no live formula anywhere
        found = [c for c in cells if c.value == formula]
        assert all(c.data_type == "s" for c in found)
        assert not [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
        if found:
            holding.append(sheet.title)
    assert holding == ["options", "incremental", "acceptability", "outcomes", "perspectives"]


@pytest.mark.slow
def test_option_names_are_escaped_in_report_md_and_html(hostile) -> None:
    md = (hostile / "report.md").read_text()
    assert "<img" not in md
    assert "**&lt;img src=x onerror=alert(1)&gt;**" in md  # its paragraph, bold, as text
    assert "| &lt;img src=x onerror=alert(1)&gt; " in md  # its row of the table
    html = (hostile / "report.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_without_a_budget_and_without_an_effect_the_headline_says_why(tmp_path) -> None:
    # Issue 24 item 10: it said "No option fits the budget." when there was no budget.
    from qicsim.studies.policy.appraisal import acceptability_curve, incremental, summarise
    from qicsim.studies.policy.report import write_report

    rows = []
    for option, coaching in (("baseline", 0.0), ("coaching", 100.0)):
        for rep in range(3):
            rows.append({"option": option, "replication": rep, "seed": rep, **dict.fromkeys(FUNDER_ITEMS, 0.0),
                         "coaching": coaching, "funder_gbp": coaching, "employer_time_gbp": 10.0,
                         "implemented": 0.0, "sustained": 0.0, "homes_reached": 0.0})
    per_rep = pd.DataFrame(rows)
    per_rep.to_csv(tmp_path / "replications.csv", index=False)
    summarise(per_rep, None, 1).to_csv(tmp_path / "options.csv", index=False)
    incremental(per_rep, 1).to_csv(tmp_path / "incremental.csv", index=False)
    acceptability_curve(per_rep, 1000.0).to_csv(tmp_path / "acceptability.csv", index=False)
    write_report(tmp_path, load_costs(), None)
    headline = (tmp_path / "report.md").read_text().splitlines()[2]
    assert "budget" not in headline
    assert headline.startswith("No option that costs the funder something leads to sustained improvements")
    page = (tmp_path / "report.html").read_text()
    assert page.split('id="glossary"')[0].count("budget") == 0  # the CHEERS table says what the question is
    assert "Budget line" not in page  # the glossary has no words for what is not there


@pytest.mark.slow
def test_the_reader_sees_plain_option_names_never_code_names(folder) -> None:
    options = pd.read_csv(folder / "options.csv")["option"]
    for name in ("report.md", "report.html"):
        text = (folder / name).read_text()
        for option in options:
            assert plain_option(option) in text, (name, option)
        for code in OPTION_NAMES:
            if "_" in code:
                assert code not in text, (name, code)


# Words of health economics and of the model that a reader may not know: each must be in the glossary.
JARGON = ("backfill", "frontier", "acceptability", "willingness to pay", "ICER", "dominated", "extended dominance",
          "net benefit", "95% CI of the mean", "spread of runs", "protected time", "ensemble", "sustained improvement",
          "baseline", "cost-effectiveness plane", "budget line", "CHEERS", "simulated run", "unit cost")


@pytest.mark.slow
def test_every_term_used_is_in_the_glossary_of_md_and_html(folder) -> None:
    terms = [term.lower() for term in GLOSSARY]
    md, page = (folder / "report.md").read_text(), (folder / "report.html").read_text()
    body = md.split(f"## {SECTIONS['glossary']}")[0].lower()
    for word in JARGON:
        if word.lower() in body:  # used before the glossary: it must be defined there
            assert any(word.lower() in term for term in terms), word
    assert sum(word.lower() in body for word in JARGON) >= 10  # the check above is not vacuous
    for term in GLOSSARY:
        assert f"| {term} " in md.split(f"## {SECTIONS['glossary']}")[1]
        assert f"<dt>{term}</dt>" in page


@pytest.mark.slow
def test_every_number_in_the_options_table_has_an_interval_or_says_why_not(folder) -> None:
    md = (folder / "report.md").read_text()
    rows = [line for line in md.split(f"## {SECTIONS['options']}")[1].split("\n\n")[2].splitlines()[2:]]
    assert len(rows) == 4
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        for cell in cells:
            if cell in ("yes", "no"):
                continue
            assert re.search(r"\(.*\d.* to .*\d.*\)$", cell) or cell.endswith(f"({SAME})") or cell == "nothing" \
                or "(no " in cell, cell
    for equal in re.finditer(r"\(([^()]*?) to ([^()]*?)\)", md):  # no interval whose ends read the same
        assert equal.group(1).split()[-1] != equal.group(2), equal.group(0)
    assert "95% CI of the mean" in md and "spread of runs" in md


@pytest.mark.parametrize(("args", "expected"), [
    ((7000.0, 6990.0, 7040.0, True), "£7.00k (£6.99k to £7.04k)"),  # not "£7k (£7k to £7k)"
    ((7000.0, 7000.0, 7000.0, True), f"£7k ({SAME})"),
    ((0.0, 0.0, 0.0, True), "nothing"),
    ((2.0, 2.0, 2.0, False), f"2.0 ({SAME})"),
    ((2.04, 2.01, 2.06, False), "2.04 (2.01 to 2.06)"),
    ((0.3, 0.0, 1.0, False), "0.3 (0.0 to 1.0)"),
    ((float("nan"), float("nan"), float("nan"), True), "- (no interval)"),
    ((5.0, float("nan"), float("nan"), False), "5.0 (no interval)"),
    ((25000.0, 20000.0, 31000.0, True), "£25k (£20k to £31k)"),
    ((5000.0, 0.0, 9000.0, True), "£5k (£0 to £9k)"),  # not "(nothing to £9k)"
])
def test_interval_text_keeps_ends_apart_and_says_when_there_is_no_interval(args, expected) -> None:
    assert interval_text(*args) == expected


@pytest.mark.slow
def test_cheers_table_has_the_28_items_each_placed_or_said_why_not(folder) -> None:
    assert [n for n, *_ in CHEERS] == list(range(1, 29))
    page = (folder / "report.html").read_text()
    md = (folder / "report.md").read_text()
    for number, topic, where, text in CHEERS:
        assert topic in md and topic in page
        if where is None:
            assert text.startswith("Not reported: ") and len(text) > len("Not reported: ") + 10, number
        else:
            assert where in SECTIONS and f'id="{where}"' in page, number  # the link leads somewhere
            assert f'href="#{where}"' in page


@pytest.mark.slow
def test_report_names_model_version_ensemble_and_validation(folder) -> None:
    import json
    from importlib import metadata

    from qicsim.config.schema import DEFAULT_ENSEMBLE
    from qicsim.studies.policy.glossary import VALIDATION_RECORD

    record = json.loads((folder / "provenance.json").read_text())
    assert len(VALIDATION_RECORD) == 2
    for name in ("report.md", "report.html"):
        text = (folder / name).read_text()
        assert f"qicsim {metadata.version('qicsim')}" in text
        assert record["ensemble"]["sha256"][:12] in text and f"'{DEFAULT_ENSEMBLE}'" in text.replace("&#x27;", "'")
        assert VALIDATION_RECORD[0] in text.replace("&#x27;", "'")


def test_ce_plane_draws_the_budget_line_and_tells_baseline_and_meetings_in_homes_apart(tmp_path) -> None:
    from qicsim.studies.policy.figures import OKABE_ITO, ce_plane, style

    options = ["baseline", "meetings_in_homes", "coaching"]
    per_rep = pd.DataFrame([{"option": o, "replication": r, "sustained": float(i + r), "funder_gbp": 100.0 * i + 10}
                            for i, o in enumerate(options) for r in range(3)])
    increments = pd.DataFrame({"option": options, "cost": [10.0, 110.0, 210.0], "effect": [1.0, 2.0, 3.0],
                               "on_frontier": [True, True, True]})
    drawn = ce_plane(per_rep, increments, tmp_path / "ce.png", budget=5010.0)
    assert (tmp_path / "ce.png").stat().st_size > 0
    assert drawn["budget_line"] == pytest.approx(5.0)  # GBP thousand, less the baseline's mean cost
    base, meetings = drawn["looks"]["baseline"], drawn["looks"]["meetings_in_homes"]
    assert base["color"] != meetings["color"] and base["marker"] != meetings["marker"]
    assert ce_plane(per_rep, increments, tmp_path / "ce2.png")["budget_line"] is None
    looks = [style(i) for i in range(16)]
    assert all(look["color"] in OKABE_ITO for look in looks)
    assert len({(look["color"], look["marker"], look["filled"]) for look in looks}) == 16
    assert len({(look["color"], look["filled"]) for look in looks[:9]}) == 9  # the nine shipped options


def test_measures_the_report_does_not_know_are_shown_in_more_measures(tmp_path) -> None:
    from qicsim.studies.policy.appraisal import acceptability_curve, incremental, summarise
    from qicsim.studies.policy.report import write_report

    rows = []
    for option, coaching in (("baseline", 0.0), ("coaching", 100.0)):
        for rep in range(3):
            rows.append({"option": option, "replication": rep, "seed": rep, **dict.fromkeys(FUNDER_ITEMS, 0.0),
                         "coaching": coaching, "funder_gbp": coaching, "employer_time_gbp": 10.0,
                         "implemented": 1.0 + rep, "sustained": 1.0 + rep, "homes_reached": 1.0})
    per_rep = pd.DataFrame(rows)
    per_rep.to_csv(tmp_path / "replications.csv", index=False)
    table = summarise(per_rep, None, 1)
    table = table.assign(falls_averted=[1.5, 2.5], falls_averted_lo=[1.0, 2.0], falls_averted_hi=[2.0, 3.0])
    table.to_csv(tmp_path / "options.csv", index=False)
    incremental(per_rep, 1).to_csv(tmp_path / "incremental.csv", index=False)
    acceptability_curve(per_rep, 1000.0).to_csv(tmp_path / "acceptability.csv", index=False)
    write_report(tmp_path, load_costs(), None)
    md = (tmp_path / "report.md").read_text()
    more = md.split(f"## {SECTIONS['measures']}")[1].split("## ")[0]
    assert "Falls averted" in more and "2.5 (2.0 to 3.0)" in more
    assert "Improvements made" in more
    # coaching costs more for the same improvements: the paragraph names what dominates it
    assert f"**{plain_option('coaching')}** costs" in md
    assert f"{plain_option('baseline')} does as much or more for less (this option is dominated)" in md


@pytest.mark.slow
def test_residents_outcomes_and_perspectives_reference_case_first(folder) -> None:
    import json

    md, page = (folder / "report.md").read_text(), (folder / "report.html").read_text()
    for key in ("residents", "perspectives"):
        assert f"## {SECTIONS[key]}" in md and f'<section id="{key}">' in page
    residents = md.split(f"## {SECTIONS['residents']}")[1].split("\n## ")[0]
    header = next(line for line in residents.splitlines() if line.startswith("| Option"))
    for title in ("QALYs gained", "Falls averted", "Infections averted", "Avoidable admissions averted",
                  "Hospital bed days averted", "Ambulance conveyances averted", "Cost offsets",
                  "Net monetary benefit at £20k per QALY", "Net monetary benefit at £30k per QALY",
                  "Net benefit per extra sustained improvement"):
        assert title in header, title
    outcomes = pd.read_csv(folder / "outcomes.csv")
    rows = [line for line in residents.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == len(outcomes)  # every option but the baseline
    for row in rows:  # every NMB has its interval (or says it is the same in every run)
        nmb = [c.strip() for c in row.strip("|").split("|")][9]
        assert "95% CI of the mean" in nmb or SAME in nmb or nmb == "nothing", nmb
    perspectives = md.split(f"## {SECTIONS['perspectives']}")[1].split("\n## ")[0]
    header = next(line for line in perspectives.splitlines() if line.startswith("| Option"))
    order = [header.index(p) for p in ("NHS and personal social services (reference case)", "Funder only",
                                       "Societal")]
    assert order == sorted(order)  # the reference case first, the others beside it
    assert "Judged from the NHS and personal social services perspective" in md
    sheets = pd.read_excel(folder / "report.xlsx", sheet_name=None)
    assert {"outcomes", "perspectives", "outcome_inputs"} <= set(sheets)
    recorded = json.loads((folder / "provenance.json").read_text())["outcomes"]
    inputs = sheets["outcome_inputs"].set_index("input")
    for name, price in recorded["unit_costs_gbp"].items():
        assert inputs.loc[f"outcomes.unit_costs_gbp.{name}", "value_gbp"] == pytest.approx(price)
        assert inputs.loc[f"outcomes.unit_costs_gbp.{name}", "source"] == recorded["sources"][f"unit_costs_gbp.{name}"]
    for kind, fields in recorded["per_event"].items():
        for field, value in fields.items():
            assert inputs.loc[f"outcomes.events.{kind}.{field}", "value_gbp"] == pytest.approx(value)


def test_cheers_and_limits_say_what_the_analysis_now_does() -> None:
    from qicsim.studies.policy.report import LIMITS

    answered = {number: where for number, _, where, _ in CHEERS}
    assert answered[8] == "perspectives" and answered[11] == "residents" and answered[13] == "residents"
    assert answered[10] is not None and answered[15] is not None
    text = {number: said for number, *_, said in CHEERS}
    assert "reference case" in text[8] and "3.5%" in text[10] and "QALY" in text[13]
    assert not any("mixed years" in x or "not residents' health" in x for x in LIMITS)
    for term in ("QALY", "Net monetary benefit", "Perspective", "Discounting", "Price year", "Cost offset",
                 "Net benefit per sustained improvement", "Events averted"):
        assert term in GLOSSARY, term


def _per_rep_by_structure(pick_under_b: str) -> pd.DataFrame:
    """Two options on four runs; runs 0-1 drew structure a (facilitation best), runs 2-3 structure b."""
    rows = []
    for option in ("baseline", "facilitation", "coaching"):
        for rep in range(4):
            structure = "a" if rep < 2 else "b"
            best = "facilitation" if structure == "a" else pick_under_b
            rows.append({"option": option, "replication": rep, "seed": rep, "structure": structure,
                         "funder_gbp": 0.0 if option == "baseline" else 1000.0,
                         "sustained": {True: 3.0, False: 1.0}[option == best] if option != "baseline" else 0.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("under_b", "agree"), [("facilitation", True), ("coaching", False)])
def test_the_pick_under_each_structure_and_whether_they_agree(under_b: str, agree: bool) -> None:
    from qicsim.studies.policy.report import by_structure

    table, sentence, agreed = by_structure(_per_rep_by_structure(under_b), 5000.0)
    assert agreed is agree
    assert table["Structure"].tolist() == ["a", "b"] and table["Runs"].tolist() == [2, 2]
    assert table["Share of runs"].tolist() == ["50%", "50%"]
    assert table["Pick"].tolist() == [plain_option("facilitation"), plain_option(under_b)]
    if agree:
        assert sentence.startswith("The rival structures agree")
    else:
        assert sentence.startswith("The rival structures disagree") and plain_option("coaching") in sentence
    assert by_structure(_per_rep_by_structure(under_b).drop(columns="structure"), 5000.0) is None


@pytest.mark.slow
def test_compare_over_a_model_averaged_ensemble_reports_each_structure(tmp_path) -> None:
    ensemble = write_two_structures(tmp_path)
    small = ["--homes", "4", "--weeks", "20", "--replications", "6", "--seed", "3", "--budget", "20000",
             "--options", "baseline", "facilitation", "--ensemble", str(ensemble)]
    main([*small, "--out", str(tmp_path / "all")])
    per_rep = pd.read_csv(tmp_path / "all" / "replications.csv")
    assert set(per_rep["structure"]) == {"peach_2026", "candidate_2027"}
    assert per_rep.groupby("seed")["structure"].nunique().eq(1).all()  # one draw per run, shared by options
    for name in ("report.md", "report.html"):
        text = (tmp_path / "all" / name).read_text()
        assert SECTIONS["structures"] in text and "The rival structures" in text
    main([*small, "--structure", "peach_2026", "--out", str(tmp_path / "one")])  # that structure's rows only
    assert set(pd.read_csv(tmp_path / "one" / "replications.csv")["structure"]) == {"peach_2026"}


def test_the_default_ensemble_is_model_averaged_and_the_report_splits_by_structure(folder) -> None:
    from qicsim.config.ensemble import model_averaged
    from qicsim.config.schema import DEFAULT_ENSEMBLE

    has_structures = model_averaged(DEFAULT_ENSEMBLE)
    assert ("structure" in pd.read_csv(folder / "replications.csv").columns) is has_structures
    assert (SECTIONS["structures"] in (folder / "report.md").read_text()) is has_structures


def test_the_limits_say_what_the_settings_were_calibrated_to_for_each_ensemble(tmp_path) -> None:
    from qicsim.studies.policy.appraisal import Case
    from qicsim.studies.policy.report import limits

    def rest(ensemble: str | None) -> str:
        return next(x for x in limits(Case(ensemble=ensemble)) if x.startswith("Effects rest on"))

    assert "calibrated to three collaboratives (PEACH, SPACE and MOVIT), with rival model structures" in rest(
        "programmes")
    assert "calibrated to one collaborative (PEACH, 29 care homes)" in rest("peach")
    assert "point values" in rest(None) and "calibrated" not in rest(None)
    assert "provenance.json" in limits(None)[2]
    own = tmp_path / "mine.csv"  # a user's ensemble with no record beside it claims no calibration
    own.write_text("care_workload_share\n0.9\n")
    assert "does not say what it was calibrated to" in rest(str(own)) and "PEACH" not in rest(str(own))
