"""Residents' outcomes and net benefit (qicsim.studies.policy.outcomes): known answers, pairing, bad input."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from qicsim.errors import ConfigError
from qicsim.studies.policy.costs import PERSPECTIVES, UnitCosts, load_costs
from qicsim.studies.policy.outcomes import (
    EVENT_RATES,
    Outcomes,
    events_cost_by_year,
    load_outcomes,
    net_benefit,
    parse_outcomes,
    resident_outcomes,
    weekly_by_kind,
)
from qicsim.studies.policy.prices import parse_index


@pytest.fixture(scope="module")
def costs():
    return load_costs()


@pytest.fixture(scope="module")
def raw():
    from qicsim.config.loader import config_dir

    return yaml.safe_load((config_dir() / "outcomes" / "default.yaml").read_text())


def test_shipped_outcomes_have_a_source_for_every_figure_and_costs_at_the_price_year(costs, raw) -> None:
    outcomes = load_outcomes("default", costs)
    assert set(outcomes.events) == set(EVENT_RATES)
    for kind, fields in raw["events"].items():
        for name, entry in fields.items():
            assert entry["source"], (kind, name)
            assert outcomes.sources[f"events.{kind}.{name}"]
    # the admission's cost: the reference cost times the index from its year to the price year
    entry = raw["unit_costs_gbp"]["admission"]
    factor = costs.index.factor(entry["year"], costs.price_year)
    assert factor > 1.1, "guard: seven years of inflation"
    assert outcomes.unit_costs["admission"] == pytest.approx(entry["value"] * factor)
    # a fall's QALY loss: disutility x weeks / 52
    falls = raw["events"]["falls"]
    assert outcomes.events["falls"]["qaly_loss"] == pytest.approx(
        falls["disutility"]["value"] * falls["disutility_weeks"]["value"] / 52)
    assert outcomes.events["admissions"]["qaly_loss"] == raw["events"]["admissions"]["qaly_loss"]["value"]


def toy_outcomes() -> Outcomes:
    """Round numbers: a fall costs GBP 100 (one conveyance), an infection GBP 10 (a GP contact), an admission 1000."""
    def event(conveyance: float, admission: float, gp: float, qaly: float) -> dict[str, float]:
        return {"conveyance_share": conveyance, "ae_share": 0.0, "admission_share": admission,
                "gp_consultations": gp, "qaly_loss": qaly}

    return Outcomes(events={"falls": event(1.0, 0.0, 0.0, 0.01), "infections": event(0.0, 0.0, 1.0, 0.002),
                            "admissions": event(0.0, 1.0, 0.0, 0.02), "pressure_ulcers": event(0.0, 0.0, 5.0, 0.03)},
                    bed_days_per_admission=5.0,
                    unit_costs={"conveyance": 100.0, "ae_attendance": 0.0, "admission": 1000.0,
                                "gp_consultation": 10.0},
                    wtp=(20000.0, 30000.0), sources={})


def test_resident_outcomes_by_hand() -> None:
    """Rates 2 : 1 : 1 split a topic-blind run's problems; each week's problems are discounted at its week."""
    config = {"parameters": {"falls_per_bed_year": 2.0, "infections_per_bed_year": 1.0,
                             "avoidable_admissions_per_bed_year": 1.0, "pressure_ulcers_per_bed_year": 5.0},
              "structure": {"prevention": "uniform"}}
    rows = [(week, "problems_arising", value) for week, value in ((0, 4.0), (26, 0.0), (52, 8.0))]
    mechanisms = pd.DataFrame([{"replication": 0, "site": 0, "week": w, "mechanism": m, "value": v}
                               for w, m, v in rows])
    weekly = weekly_by_kind(mechanisms, config)
    out = resident_outcomes(weekly, toy_outcomes(), {"": 0.10, "_flat": 0.0}).iloc[0]
    assert (out["falls"], out["infections"], out["admissions"]) == pytest.approx((6.0, 3.0, 3.0))
    assert out["pressure_ulcers"] == 0.0  # not in the topic-blind stream, whatever its rate
    assert out["conveyances"] == pytest.approx(6.0)
    assert out["hospital_admissions"] == pytest.approx(3.0)
    assert out["bed_days"] == pytest.approx(15.0)
    assert out["gp_consultations"] == pytest.approx(3.0)
    per_problem_qaly = 0.5 * 0.01 + 0.25 * 0.002 + 0.25 * 0.02
    per_problem_cost = 0.5 * 100 + 0.25 * 10 + 0.25 * 1000
    assert out["qalys_lost_flat"] == pytest.approx(12 * per_problem_qaly)
    assert out["events_gbp_flat"] == pytest.approx(12 * per_problem_cost)
    discounted = 4.0 + 8.0 / 1.10  # week 0 in full, week 52 a year on
    assert out["qalys_lost"] == pytest.approx(discounted * per_problem_qaly)
    assert out["events_gbp"] == pytest.approx(discounted * per_problem_cost)
    # By year, undiscounted (a budget impact): weeks 0 and 26 in year 1, week 52 in year 2.
    years = events_cost_by_year(weekly, toy_outcomes()).iloc[0]
    assert years.to_dict() == pytest.approx({"events_gbp_year_1": 4 * per_problem_cost,
                                             "events_gbp_year_2": 8 * per_problem_cost})
    assert years.sum() == pytest.approx(out["events_gbp_flat"])


def test_a_by_topic_runs_kinds_are_read_as_the_model_counted_them() -> None:
    """Under structure.prevention = by_topic the kinds come from the model's own counts, not the rates' shares."""
    config = {"parameters": {"falls_per_bed_year": 2.0, "infections_per_bed_year": 1.0,
                             "avoidable_admissions_per_bed_year": 1.0, "pressure_ulcers_per_bed_year": 1.0},
              "structure": {"prevention": "by_topic"}}
    counted = {"problems_arising": 10.0, "problems_arising_falls": 1.0, "problems_arising_infections": 2.0,
               "problems_arising_admissions": 3.0, "problems_arising_pressure_ulcers": 4.0}
    mechanisms = pd.DataFrame([{"replication": 0, "site": 0, "week": 52, "mechanism": m, "value": v}
                               for m, v in counted.items()])
    out = resident_outcomes(weekly_by_kind(mechanisms, config), toy_outcomes(), {"_flat": 0.0}).iloc[0]
    assert [out[k] for k in EVENT_RATES] == [1.0, 2.0, 3.0, 4.0]
    assert out["gp_consultations"] == pytest.approx(2.0 * 1.0 + 4.0 * 5.0)
    assert out["qalys_lost_flat"] == pytest.approx(1 * 0.01 + 2 * 0.002 + 3 * 0.02 + 4 * 0.03)
    assert out["events_gbp_flat"] == pytest.approx(1 * 100 + 2 * 10 + 3 * 1000 + 4 * 50)


def per_rep_by_hand() -> pd.DataFrame:
    """Two options on two replications; b averts events and costs more."""
    rows = []
    for option, qalys, cost, sustained, falls in (("base", [2.0, 3.0], [100.0, 100.0], [1.0, 1.0], [10.0, 12.0]),
                                                  ("b", [1.5, 2.0], [1100.0, 1300.0], [3.0, 5.0], [8.0, 9.0])):
        for rep in range(2):
            row = {"option": option, "replication": rep, "qalys_lost": qalys[rep],
                   "qalys_lost_sensitivity": qalys[rep] * 1.1, "events_gbp": 50.0 * falls[rep],
                   "sustained": sustained[rep], "falls": falls[rep], "infections": 0.0, "admissions": 0.0,
                   "pressure_ulcers": 0.0, "conveyances": falls[rep], "hospital_admissions": 0.0, "bed_days": 0.0}
            for perspective in PERSPECTIVES:
                row[f"cost_{perspective}_gbp"] = cost[rep]
            row["cost_nhs_pss_gbp_sensitivity"] = cost[rep] * 1.01
            rows.append(row)
    return pd.DataFrame(rows)


def test_net_benefit_by_hand() -> None:
    table = net_benefit(per_rep_by_hand(), "base", (20000.0, 30000.0), seed=1).set_index("option")
    row = table.loc["b"]
    assert row["compared_with"] == "base"
    assert row["falls_averted"] == pytest.approx(((10 - 8) + (12 - 9)) / 2)
    assert row["qalys_gained"] == pytest.approx(((2 - 1.5) + (3 - 2)) / 2)
    assert row["offsets_gbp"] == pytest.approx(50 * 2.5)
    assert row["inc_cost_nhs_pss_gbp"] == pytest.approx((1000 + 1200) / 2)
    assert row["nmb_20000"] == pytest.approx(20000 * 0.75 - 1100)
    assert row["nmb_30000"] == pytest.approx(30000 * 0.75 - 1100)
    assert row["nmb_30000_sensitivity"] == pytest.approx(30000 * 0.75 * 1.1 - 1100 * 1.01)
    assert row["extra_sustained"] == pytest.approx(3.0)
    assert row["nmb_20000_per_extra_sustained"] == pytest.approx((20000 * 0.75 - 1100) / 3)
    for column in ("qalys_gained", "nmb_20000", "falls_averted"):
        assert row[f"{column}_lo"] <= row[column] <= row[f"{column}_hi"]
    assert row["qalys_gained_lo"] < row["qalys_gained_hi"], "guard: the two replications differ"


def test_net_benefit_is_zero_against_itself_and_per_sustained_undefined_without_extra() -> None:
    per_rep = per_rep_by_hand()
    same = per_rep[per_rep["option"] == "base"].assign(option="copy")
    table = net_benefit(pd.concat([per_rep[per_rep["option"] == "base"], same]), "base", (20000.0,), seed=2)
    row = table.iloc[0]
    for column in ("qalys_gained", "offsets_gbp", "nmb_20000", "falls_averted", "inc_cost_societal_gbp"):
        assert row[column] == row[f"{column}_lo"] == row[f"{column}_hi"] == 0.0
    assert np.isnan(row["nmb_20000_per_extra_sustained"])


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["events"]["falls"]["conveyance_share"].update(value=1.5),
     "x.yaml: events.falls.conveyance_share: 1.5 is out of range"),
    (lambda r: r["events"]["falls"]["disutility"].pop("source"), "x.yaml: events.falls.disutility.source: missing"),
    (lambda r: r["events"]["falls"].update(qaly_loss={"value": 0.01, "source": "s"}),
     "x.yaml: events.falls: gives both qaly_loss and disutility"),
    (lambda r: r["events"]["admissions"].pop("qaly_loss"), "x.yaml: events.admissions: gives no QALY loss"),
    (lambda r: r["events"].pop("infections"), "x.yaml: events.infections: missing"),
    (lambda r: r["events"].update(ulcers={}), "x.yaml: events.ulcers: unknown key"),
    (lambda r: r["unit_costs_gbp"]["admission"].update(year="2016"),
     "x.yaml: unit_costs_gbp.admission.year: '2016' is not a financial year"),
    (lambda r: r["unit_costs_gbp"]["admission"].update(value="dear"),
     "x.yaml: unit_costs_gbp.admission: 'dear' is out of range"),
    (lambda r: r.update(wtp_gbp_per_qaly=20000), "x.yaml: wtp_gbp_per_qaly: 20000 is not a list of amounts"),
    (lambda r: r.update(horizon=5), "x.yaml: horizon: unknown key"),
])
def test_bad_outcome_input_gives_one_line_naming_the_file_and_field(costs, raw, change, message) -> None:
    bad = copy.deepcopy(raw)
    change(bad)
    with pytest.raises(ConfigError) as error:
        parse_outcomes(bad, costs, "x.yaml")
    assert str(error.value).startswith(message), str(error.value)
    assert "\n" not in str(error.value)


def test_costs_are_inflated_with_the_cost_files_index(raw) -> None:
    """A toy index doubling prices from 2016/17 to 2017/18: the admission's cost doubles at price year 2017/18."""
    index = parse_index({"name": "toy", "source": "s", "first_year": "2013/14",
                         "percent_change": {"2014/15": 0.0, "2015/16": 0.0, "2016/17": 0.0, "2017/18": 100.0}},
                        "toy.yaml")
    costs = UnitCosts(hourly={}, scalars={}, sources={}, price_year="2017/18", index=index)
    outcomes = parse_outcomes(raw, costs, "x.yaml")
    assert outcomes.unit_costs["admission"] == pytest.approx(2 * raw["unit_costs_gbp"]["admission"]["value"])
    assert outcomes.unit_costs["conveyance"] == pytest.approx(2 * raw["unit_costs_gbp"]["conveyance"]["value"])


def test_a_bad_outcome_file_on_the_command_line_is_one_line_and_exit_2(raw, tmp_path, capsys) -> None:
    from qicsim.apps.cli.compare import main

    bad = copy.deepcopy(raw)
    bad["bed_days_per_admission"]["value"] = -3
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(SystemExit) as stop:
        main(["--outcomes", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.strip().count("\n") == 0 and f"{path}: bed_days_per_admission: -3 is out of range" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("structure", [None, "selected_2027_by_topic"])
def test_compare_counts_the_models_problems_and_an_identical_option_averts_nothing(costs, structure) -> None:
    """The events split the run's problems_arising exactly; a copy of the baseline gains nothing, paired by seed.

    Under prevention by topic the kinds are the model's own counts, pressure ulcers among them; topic-blind
    runs have none.
    """
    import qicsim
    from qicsim.studies.policy.appraisal import Case, compare
    from qicsim.studies.policy.options import load_option

    outcomes = load_outcomes("default", costs)
    base = load_option("baseline")
    case = Case(homes=4, weeks=20, replications=2, seed=11, ensemble=None, structure=structure)
    per_rep, configs = compare([base, replace(base, name="copy")], case, costs, outcomes)
    first = per_rep[per_rep["option"] == "baseline"]
    runs = qicsim.run("peach", overrides=configs["baseline"]["overrides"], replications=2, seed=11).runs
    np.testing.assert_allclose(first[list(EVENT_RATES)].sum(axis=1), runs["problems_arising"])
    assert ((first["pressure_ulcers"] > 0) if structure else (first["pressure_ulcers"] == 0)).all()
    assert (first["qalys_lost"] > 0).all() and (first["events_gbp"] > 0).all()
    table = net_benefit(per_rep, "baseline", outcomes.wtp, seed=11).iloc[0]
    assert table["qalys_gained"] == 0.0 and table["nmb_30000"] == 0.0 and table["falls_averted"] == 0.0
