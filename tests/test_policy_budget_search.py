"""``qicsim compare --optimise``: the budget search on the model, end to end, and its bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from qicsim.apps.cli.compare import main
from qicsim.run.api import scenario_config as compose
from qicsim.studies.policy.mix import default_levels, mix_option, parse_levels
from qicsim.studies.policy.options import BASELINE, SCENARIO, load_option

TINY = ["--homes", "4", "--weeks", "20", "--replications", "2", "--seed", "5"]


def test_a_mix_of_zeros_is_the_baseline() -> None:
    zero = mix_option({})
    base = load_option(BASELINE)
    assert zero.events == base.events
    assert zero.items == base.items
    composed = [compose(SCENARIO, list(o.overrides)) for o in (zero, base)]
    assert composed[0].contexts == composed[1].contexts
    assert composed[0].parameters.facilitator_hours_per_home == composed[1].parameters.facilitator_hours_per_home == 0


@pytest.mark.slow
def test_search_runs_end_to_end_within_budget(tmp_path) -> None:
    out = tmp_path / "b"
    budget = 8000.0
    main([*TINY, "--optimise", "--budget", str(budget), "--levels", "protected_time=0,1", "facilitation=0,3",
          "coaching=0", "data_support=0,1", "extra_events=0", "meetings_in_homes=0,1", "--out", str(out)])
    table = pd.read_csv(out / "budget.csv")
    assert (table["planned_cost"] <= budget).all()
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["sustained_mean"].is_monotonic_decreasing
    assert 0 <= table["p_best_sustained"].iloc[0] <= 1
    mixes = pd.read_csv(out / "budget_mixes.csv")
    assert set(table["mix"]) <= set(mixes.loc[mixes["status"] == "frontier", "mix"])  # never a dominated mix
    assert mixes["p_best_sustained"].sum() == pytest.approx(1.0)
    assert mixes["p_best_nmb_20000"].sum() == pytest.approx(1.0)
    per_run = pd.read_csv(out / "budget_replications.csv")
    assert (per_run.groupby("mix")["seed"].apply(tuple).nunique()) == 1  # the same runs for every mix
    years = pd.read_csv(out / "budget_by_year.csv")
    best = years[years["rank"] == 1]
    assert best["funder_gbp"].sum() == pytest.approx(per_run.loc[per_run["mix"] == table["mix"].iloc[0],
                                                                 "funder_gbp"].mean())
    assert len(best) == 2  # 20 weeks of support and 52 of follow-up: two years
    md = (out / "budget.md").read_text()
    assert "the mix with most sustained improvements is" in md and "Why the best mix wins" in md
    assert {"mixes_shown", "all_mixes", "why", "by_year", "inputs"} <= set(pd.read_excel(out / "budget.xlsx",
                                                                                         sheet_name=None))
    assert (out / "budget.html").is_file() and (out / "provenance.json").is_file()


@pytest.mark.parametrize("argv", [["--optimise", "--budget", "-1"], ["--optimise"],
                                  ["--optimise", "--budget", "1000", "--levels", "bananas=0,1"],
                                  ["--optimise", "--budget", "1000", "--levels", "facilitation=0,x"]])
def test_bad_search_input_is_one_line_exit_2(argv, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*TINY, *argv, "--out", str(tmp_path / "never")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert not (tmp_path / "never").exists()


def test_levels_replace_only_the_named_item() -> None:
    levels = parse_levels(["facilitation=3,0,1.5,1.5"])
    assert levels["facilitation"] == (0.0, 1.5, 3.0)
    assert levels["coaching"] == default_levels()["coaching"]
