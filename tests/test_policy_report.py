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
