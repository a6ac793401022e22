"""The report of ``qicsim compare`` for people who do not program: report.md, report.html, report.xlsx."""

from __future__ import annotations

import pandas as pd
import pytest

from qicsim.apps.cli.compare import main
from qicsim.studies.policy.costs import FUNDER_ITEMS, load_costs
from qicsim.studies.policy.report import pick, sensitivity


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "cmp"
    main(["--homes", "4", "--weeks", "20", "--replications", "2", "--seed", "3", "--budget", "20000",
          "--options", "baseline", "facilitation", "full", "--out", str(out)])
    return out


@pytest.mark.slow
def test_report_files_exist_and_html_has_table_and_figures(folder) -> None:
    for name in ("report.md", "report.html", "report.xlsx"):
        assert (folder / name).stat().st_size > 0, name
    page = (folder / "report.html").read_text()
    assert "<table" in page and "facilitation" in page
    for figure in ("ce_plane.png", "acceptability.png", "cost_breakdown.png"):
        assert f'src="{figure}"' in page
        assert (folder / figure).is_file()
    md = (folder / "report.md").read_text()
    assert md.count("\n- **") == 3, "one plain paragraph per option"
    assert "three assumptions" in md and "cannot tell you" in md


@pytest.mark.slow
def test_xlsx_has_every_unit_cost_on_the_inputs_sheet(folder) -> None:
    sheets = pd.read_excel(folder / "report.xlsx", sheet_name=None)
    assert {"options", "incremental", "acceptability", "inputs"} <= set(sheets)
    costs = load_costs()
    inputs = sheets["inputs"].set_index("input")
    expected = {**{f"hourly_cost_gbp.{r}": v for r, v in costs.hourly.items()}, **costs.scalars}
    assert set(inputs.index) == set(expected)
    for key, value in expected.items():
        assert inputs.loc[key, "value_gbp"] == pytest.approx(value)
        assert isinstance(inputs.loc[key, "source"], str) and inputs.loc[key, "source"]
    assert len(sheets["options"]) == 3


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
    assert holding == ["options", "incremental", "acceptability"]


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
    assert (tmp_path / "report.html").read_text().count("budget") == 0
