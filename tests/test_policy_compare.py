"""Funding options and ``qicsim compare``: common seeds, a free baseline, nothing bought changes nothing, bad input."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
import yaml

import qicsim
from qicsim.apps.cli.compare import main
from qicsim.errors import ConfigError
from qicsim.run.api import scenario_config as compose
from qicsim.run.runner import replication_seed
from qicsim.studies.policy.appraisal import Case, compare, summarise
from qicsim.studies.policy.costs import Items, load_costs
from qicsim.studies.policy.glossary import plain_option
from qicsim.studies.policy.options import (
    BASELINE,
    SCENARIO,
    Option,
    event_weeks,
    homes_per_site,
    load_option,
    option_names,
    parse_option,
)

CASE = Case(homes=4, weeks=20, replications=2, seed=11)
SHIPPED = ("baseline", "peach", "backfill_care_home", "coaching", "facilitation", "data_support", "extra_events",
           "meetings_in_homes", "full")


@pytest.fixture(scope="module")
def costs():
    return load_costs()


@pytest.fixture(scope="module")
def compared(costs):
    options = [load_option(n) for n in ("baseline", "peach", "full")]
    return compare(options, CASE, costs)[0]


def test_every_shipped_option_loads_and_composes() -> None:
    assert set(option_names()) == set(SHIPPED)
    assert option_names()[0] == BASELINE
    for name in SHIPPED:
        option = load_option(name)
        assert option.description, name
        compose(SCENARIO, list(option.overrides))  # raises ConfigError for a bad override


def test_baseline_costs_the_funder_nothing(compared) -> None:
    base = compared[compared["option"] == BASELINE]
    assert len(base) == CASE.replications
    assert (base["funder_gbp"] == 0).all()
    assert (base["employer_time_gbp"] > 0).all(), "guard: staff still give time"
    assert (compared.loc[compared["option"] == "full", "funder_gbp"] > 0).all()


def test_every_option_runs_on_the_same_seed_list(compared) -> None:
    expected = [replication_seed(CASE.seed, i) for i in range(CASE.replications)]
    for name, group in compared.groupby("option"):
        assert group.sort_values("replication")["seed"].tolist() == expected, name


def test_an_option_that_buys_nothing_changes_nothing_and_costs_nothing(costs) -> None:
    nothing = Option(name="nothing", description="", overrides=(), events=None, items=Items())
    case = replace(CASE, weeks=None, homes=4, ensemble=None)
    per_rep, _ = compare([nothing], case, costs)
    plain = qicsim.run(SCENARIO, overrides=["structure.homes_per_site=[1,1,1,1]"], replications=2, seed=CASE.seed)
    assert (per_rep["funder_gbp"] == 0).all()
    assert per_rep["implemented"].tolist() == plain.runs["implemented"].tolist()
    assert per_rep["sustained"].tolist() == plain.runs["sustained"].tolist()
    assert per_rep["homes_reached"].tolist() == plain.runs["homes_with_implementation"].tolist()


def test_summary_intervals_bracket_means_and_ratios_are_cost_over_effect() -> None:
    per_rep = pd.DataFrame({"option": ["a"] * 4, "replication": range(4), "seed": range(4),
                            "funder_gbp": [100.0, 200.0, 300.0, 400.0], "employer_time_gbp": [1.0] * 4,
                            "implemented": [2.0, 2.0, 4.0, 4.0], "sustained": [1.0, 1.0, 2.0, 1.0],
                            "homes_reached": [1.0] * 4, "backfill": [100.0, 200.0, 300.0, 400.0],
                            "facilitation": 0.0, "coaching": 0.0, "events": 0.0, "data_support": 0.0})
    row = summarise(per_rep, budget=240.0, seed=1).iloc[0]
    assert row["funder_gbp"] == 250.0
    assert row["funder_gbp_lo"] <= 250.0 <= row["funder_gbp_hi"]
    assert row["funder_gbp_per_implemented"] == pytest.approx(250 / 3)
    assert row["funder_gbp_per_sustained"] == pytest.approx(250 / 1.25)
    assert row["funder_gbp_per_sustained_lo"] <= row["funder_gbp_per_sustained"] <= row["funder_gbp_per_sustained_hi"]
    assert not row["within_budget"]
    assert row["share_of_replications_within_budget"] == 0.5


def test_event_weeks_and_homes_per_site() -> None:
    assert event_weeks(4, 78) == [0, 26, 51, 77]
    assert event_weeks(1, 10) == [0]
    assert event_weeks(0, 10) == []
    assert homes_per_site(30) == [8, 8, 7, 7]
    assert homes_per_site(2) == [1, 1]


@pytest.mark.parametrize(("raw", "message"), [
    ({"items": {"backfill": "yes"}}, "items.backfill: 'yes' is not true or false"),
    ({"items": {"funded_events": -1}}, "items.funded_events: -1 is not a number >= 0"),
    ({"items": {"catering": 1}}, "items.catering: unknown item"),
    ({"events": 1.5}, "events: 1.5 is not a count"),
    ({"budget": 1}, "budget: unknown key"),
])
def test_bad_option_gives_one_line(raw, message) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_option("x", raw, "x.yaml")


def run_cli(argv, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    return stop.value.code, capsys.readouterr().err


def test_incremental_table_compares_each_option_with_the_baseline() -> None:
    """A hand-made case: b costs 150 more for 2 more sustained improvements; c costs more and does less."""
    from qicsim.studies.policy.appraisal import acceptability_curve, incremental

    per_rep = pd.DataFrame({"option": ["baseline"] * 2 + ["b"] * 2 + ["c"] * 2, "replication": [0, 1] * 3,
                            "seed": [7, 8] * 3, "funder_gbp": [0.0, 0.0, 100.0, 200.0, 300.0, 300.0],
                            "sustained": [1.0, 1.0, 2.0, 4.0, 0.0, 1.0]})
    table = incremental(per_rep, seed=1).set_index("option")
    assert table.loc["baseline", "status"] == "baseline"
    assert table.loc["b", "icer_vs_baseline"] == pytest.approx(150 / 2)
    assert table.loc["b", "on_frontier"]
    assert table.loc["c", "status"] == "dominated"
    curve = acceptability_curve(per_rep, wtp_max=1000)
    at_most = curve[curve["wtp"] == 1000].set_index("option")["probability"]
    assert at_most["b"] == 1.0  # at GBP 1000 per improvement b's net benefit beats the baseline in both draws
    assert curve[curve["wtp"] == 0].set_index("option")["probability"]["baseline"] == 1.0


def test_negative_budget_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    code, err = run_cli(["--budget", "-5", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and "--budget" in err
    assert not (tmp_path / "out").exists()


def test_a_budget_that_is_not_a_number_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    code, err = run_cli(["--budget", "lots", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and "--budget" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("change", "key"), [
    (lambda r: r["hourly_cost_gbp"]["gp"].update(value="lots"), "hourly_cost_gbp.gp"),
    (lambda r: r["hourly_cost_gbp"].pop("gp"), "role without a cost"),
])
def test_bad_cost_file_is_one_line_and_exit_2(tmp_path, capsys, change, key) -> None:
    from qicsim.config.loader import config_dir

    raw = yaml.safe_load((config_dir() / "costs" / "default.yaml").read_text())
    change(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    code, err = run_cli(["--costs", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and key in err
    assert not (tmp_path / "out").exists()


def test_compare_writes_the_table_provenance_and_figures(tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    main(["--options", "baseline", "coaching", "--homes", "4", "--weeks", "20", "--replications", "2",
          "--seed", "3", "--budget", "1000", "--out", str(out)])
    table = pd.read_csv(out / "options.csv")
    assert table["option"].tolist() == ["baseline", "coaching"]
    for column in ("funder_gbp", "employer_time_gbp", "implemented", "sustained", "homes_reached",
                   "funder_gbp_per_implemented", "funder_gbp_per_sustained"):
        assert {column, f"{column}_lo", f"{column}_hi"} <= set(table.columns), column
    assert table["within_budget"].tolist() == [True, False]  # 2 coach hours x 4 sites x 20 weeks > GBP 1000
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["replication_seeds"] == [replication_seed(3, i) for i in range(2)]
    assert provenance["ensemble"]["rows"] > 0
    assert "sources" in provenance["unit_costs"]
    for figure in ("ce_plane.png", "cost_breakdown.png", "acceptability.png"):
        assert (out / figure).stat().st_size > 0, figure
    increments = pd.read_csv(out / "incremental.csv")
    assert increments.set_index("option").loc["baseline", "status"] == "baseline"
    assert set(increments["option"]) == {"baseline", "coaching"}
    curve = pd.read_csv(out / "acceptability.csv")
    assert curve.groupby("wtp")["probability"].sum().to_numpy() == pytest.approx(1.0)
    # at no willingness to pay, the free baseline is best in every replication where coaching costs more
    assert curve[(curve["wtp"] == 0) & (curve["option"] == "baseline")]["probability"].item() == 1.0


@pytest.mark.slow
def test_qicsim_compare_is_dispatched_before_hydra(tmp_path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "from qicsim.apps.cli.main import main; main()",
                           "compare", "--budget", "-1",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("qicsim compare: error: --budget")
    assert done.stderr.strip().count("\n") == 0


def test_the_same_seed_gives_the_same_tables(costs, compared) -> None:
    again, _ = compare([load_option(n) for n in ("baseline", "peach", "full")], CASE, costs)
    pd.testing.assert_frame_equal(again, compared)
    pd.testing.assert_frame_equal(summarise(again, None, CASE.seed), summarise(compared, None, CASE.seed))


def test_an_option_can_target_some_homes_and_the_funder_pays_only_for_those(costs) -> None:
    """Targeting by site: protected time bought for sites 1 and 2 of 4 is paid (backfill) only there."""
    targeted = ("contexts.protected_time.intensity=0", "+contexts.protected_time.sites.site_1=1.0",
                "+contexts.protected_time.sites.site_2=1.0", "parameters.protected_roles=[care_home]")
    everywhere = ("contexts.protected_time.intensity=1.0", "parameters.protected_roles=[care_home]")
    half = Option(name="half", description="", overrides=targeted, events=None, items=Items(backfill=True))
    full = Option(name="all", description="", overrides=everywhere, events=None, items=Items(backfill=True))
    case = replace(CASE, ensemble=None)
    per_rep, _ = compare([half, full], case, costs)
    paid = per_rep.groupby("option")["funder_gbp"].sum()
    assert 0 < paid["half"] < paid["all"]
    sites = qicsim.run(SCENARIO, overrides=["structure.homes_per_site=[1,1,1,1]", *targeted], replications=2,
                       seed=CASE.seed).sites
    hours = sites[[c for c in sites.columns if c.startswith("protected_hours_paid_")]].sum(axis=1)
    assert (hours[sites["site"].isin(["site_3", "site_4"])] == 0).all()
    assert (hours[sites["site"].isin(["site_1", "site_2"])] > 0).all()


@pytest.mark.parametrize(("argv", "start"), [
    (["--homes", "100000"], "qicsim compare: error: --homes: 100000 is out of range; allowed: an integer in [1, 400]"),
    (["--homes", "0"], "qicsim compare: error: --homes: 0 is out of range"),
    (["--weeks", "100000"], "qicsim compare: error: --weeks: 100000 is out of range; allowed: an integer in [1, 520]"),
])
def test_homes_and_weeks_out_of_range_name_the_flag_typed(argv, start, tmp_path, capsys) -> None:
    # Issue 24 item 10: --homes 100000 was reported as structure.homes_per_site[0].
    code, err = run_cli([*argv, "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and err.startswith(start), err
    assert "structure." not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_without_baseline_the_comparator_is_said_not_silent(tmp_path, capsys) -> None:
    # Issue 24 item 10: without `baseline` the first option silently became the one compared with.
    out = tmp_path / "cmp"
    main(["--options", "coaching", "facilitation", "--homes", "4", "--weeks", "20", "--replications", "2",
          "--seed", "3", "--out", str(out)])
    err = capsys.readouterr().err  # the command's notes (the runner may add one on the ensemble's structure, and
    # the command its progress lines)
    assert [line for line in err.strip().splitlines() if line.startswith("qicsim compare: note:")] == [
        "qicsim compare: note: no option named baseline (zero spend): every option is compared with coaching, the "
        "first given"]
    assert json.loads((out / "provenance.json").read_text())["compared_with"] == "coaching"
    report = (out / "report.md").read_text()
    coach = plain_option("coaching")  # the reader sees plain names (issue 22 item 5)
    assert f"each option is compared with the first one given, **{coach}**" in report
    assert "compared with the zero-spend baseline" not in report
    assert f"compared with {coach}" in (out / "report.html").read_text()
