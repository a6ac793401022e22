"""Unit costs and the two costs of a run (qicsim.studies.policy.costs): sums, hours times unit cost, bad input."""

from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
import pytest
import yaml

import qicsim
from qicsim.errors import ConfigError
from qicsim.model.roles import HOURLY_COST_GBP, ROLE_NAMES, Role
from qicsim.studies.policy.costs import (
    FUNDER_ITEMS,
    MONEY,
    Items,
    employer_time,
    funder_costs,
    load_costs,
    parse_costs,
)

SMALL = ["structure.homes_per_site=[2,2]", "structure.collaborative_weeks=20", "structure.follow_up_weeks=8",
         "structure.learning_event_weeks=[0,10]"]


@pytest.fixture(scope="module")
def costs():
    return load_costs("default")


@pytest.fixture(scope="module")
def raw():
    from qicsim.config.loader import config_dir

    return yaml.safe_load((config_dir() / "costs" / "default.yaml").read_text())


@pytest.fixture(scope="module")
def small_run():
    return qicsim.run("peach", overrides=[*SMALL, "contexts.protected_time.intensity=1",
                                          "parameters.facilitator_hours_per_home=3"], replications=2, seed=5)


def synthetic(reps: int = 2) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A run and site table by hand: 10 protected hours of care assistants per site, 2 sites."""
    runs = pd.DataFrame({"replication": range(reps), "facilitator_hours": [100.0, 50.0][:reps],
                         "event_attendances": [20.0, 10.0][:reps],
                         **{f"hours_{r}": [0.0] * reps for r in ROLE_NAMES}})
    runs["hours_gp"] = [2.0, 1.0][:reps]
    runs["hours_care_assistant"] = [10.0, 0.0][:reps]
    sites = pd.DataFrame([{"replication": i, **{f"protected_hours_paid_{r}": 0.0 for r in ROLE_NAMES},
                           "protected_hours_paid_care_assistant": 10.0} for i in range(reps) for _ in range(2)])
    config = {"structure": {"homes_per_site": [3, 2], "collaborative_weeks": 10, "learning_event_weeks": [0, 5]},
              "contexts": {"data_support": {"intensity": 0.5}}}
    return runs, sites, config


def test_shipped_costs_cover_every_role_with_a_source_and_price_year(costs, raw) -> None:
    assert set(costs.hourly) == set(ROLE_NAMES)
    assert costs.price_year == raw["price_year"]
    for key in [f"hourly_cost_gbp.{r}" for r in ROLE_NAMES] + list(MONEY):
        source = costs.sources[key]
        assert source, key
        # every cost says the year it is priced in, and a figure not from a source says so
        assert re.search(r"\(\d{4}/\d{2}\)", source), (key, source)
    entries = [raw[k] for k in MONEY] + list(raw["hourly_cost_gbp"].values())
    assert all(e.get("source") for e in entries)


def test_hourly_costs_are_pay_with_on_costs_and_overheads_inflated_by_the_index(costs, raw) -> None:
    """By hand: pay x (1 + on-costs) x (1 + overheads), times the product of the index's yearly changes."""
    on_care, over = raw["on_costs_care_home"]["value"], raw["overheads"]["value"]
    pay = raw["hourly_cost_gbp"]["care_assistant"]
    assert pay["year"] == raw["price_year"], "guard: a figure of the price year is not inflated"
    assert costs.hourly["care_assistant"] == pytest.approx(pay["pay_per_hour"] * (1 + on_care) * (1 + over))
    nurse = raw["hourly_cost_gbp"]["community_nurse"]
    assert costs.hourly["community_nurse"] == pytest.approx(
        nurse["salary"] / raw["working_hours_per_year"]["value"] * (1 + raw["on_costs_nhs"]["value"]) * (1 + over))
    from qicsim.config.loader import config_dir

    index = yaml.safe_load((config_dir() / "costs" / "indices" / f"{raw['index']}.yaml").read_text())
    changes = index["percent_change"]
    gp = raw["hourly_cost_gbp"]["gp"]
    start, end = int(gp["year"][:4]), int(raw["price_year"][:4])
    factor = np.prod([1 + changes[f"{y}/{(y + 1) % 100:02d}"]["value"] / 100 for y in range(start + 1, end + 1)])
    assert factor > 1.2, "guard: a decade of inflation"
    assert costs.hourly["gp"] == pytest.approx(gp["value"] * factor)


def test_items_add_up_to_the_funder_total(costs) -> None:
    runs, sites, config = synthetic()
    everything = Items(backfill=True, facilitation=True, coaching_hours_per_site_week=2, funded_events=1,
                       data_support=True)
    table = funder_costs(runs, sites, config, everything, costs)
    assert (table[list(FUNDER_ITEMS)] > 0).all().all()
    np.testing.assert_allclose(table["funder_gbp"], table[list(FUNDER_ITEMS)].sum(axis=1), rtol=1e-12)


def test_each_item_is_quantity_times_unit_cost(costs) -> None:
    runs, sites, config = synthetic()
    items = Items(backfill=True, facilitation=True, coaching_hours_per_site_week=2, funded_events=1,
                  data_support=True)
    table = funder_costs(runs, sites, config, items, costs)
    visit = costs.travel_share * costs.travel_hour_gbp
    # 2 sites x 10 protected care assistant hours at the backfill rate
    assert table.loc[0, "backfill"] == pytest.approx(20 * costs.hourly["care_assistant"] * costs.backfill_factor)
    assert table.loc[1, "facilitation"] == pytest.approx(50 * (costs.facilitator_hour_gbp + visit))
    assert table.loc[0, "coaching"] == pytest.approx(2 * 2 * 10 * (costs.coach_hour_gbp + visit))
    # 1 of 2 events paid: its venue, and half the attendances
    assert table.loc[0, "events"] == pytest.approx(costs.learning_event_gbp + 20 * 0.5 * costs.event_attendee_gbp)
    # analysts at C10's intensity, and the tools' licences for 5 homes over 10 of 52 weeks
    assert table.loc[0, "data_support"] == pytest.approx(
        costs.analyst_hours_per_home_week * 5 * 10 * 0.5 * costs.analyst_hour_gbp
        + costs.data_tools_per_home_year_gbp * 5 * 10 / 52)


def test_facilitation_is_priced_from_the_hours_facilitators_delivered_at_sessions(costs) -> None:
    """Under project_start = facilitation the run's facilitator hours are its sessions' hours, and those are paid."""
    run = qicsim.run("peach", overrides=[*SMALL, "structure.project_start=facilitation",
                                         "parameters.facilitation_hours_per_week=8"], replications=2, seed=5)
    mechanisms = run.mechanisms
    sessions = mechanisms[mechanisms["mechanism"] == "facilitation_sessions"].groupby("replication")["value"].sum()
    hours = run.runs.set_index("replication")["facilitator_hours"]
    assert (sessions > 0).all()
    np.testing.assert_allclose(hours, sessions * run.config["parameters"]["facilitation_session_hours"])
    table = funder_costs(run.runs, run.sites, run.config, Items(facilitation=True), costs)
    visit = costs.travel_share * costs.travel_hour_gbp
    np.testing.assert_allclose(table["facilitation"], hours * (costs.facilitator_hour_gbp + visit))


def test_employer_time_is_hours_times_hourly_cost(costs) -> None:
    runs, _, _ = synthetic()
    values = employer_time(runs, costs)
    assert values.iloc[0] == pytest.approx(2 * costs.hourly["gp"] + 10 * costs.hourly["care_assistant"])
    assert values.iloc[1] == pytest.approx(costs.hourly["gp"])


def test_nothing_bought_costs_the_funder_nothing(costs, small_run) -> None:
    table = funder_costs(small_run.runs, small_run.sites, small_run.config, Items(), costs)
    assert small_run.runs["protected_hours_paid"].sum() > 0, "guard: the run paid protected hours"
    assert (table["funder_gbp"] == 0).all()


def test_backfill_by_role_matches_the_runs_protected_cost(costs, small_run) -> None:
    """The site table's per-role hours add up to the run's, and priced at the model's wages give its cost."""
    runs, sites = small_run.runs, small_run.sites
    by_role = sites.groupby("replication")[[f"protected_hours_paid_{r}" for r in ROLE_NAMES]].sum()
    np.testing.assert_allclose(by_role.sum(axis=1), runs.set_index("replication")["protected_hours_paid"])
    model_wages = copy.deepcopy(costs)
    model_wages.hourly.update({r.name.lower(): HOURLY_COST_GBP[r] for r in Role})
    table = funder_costs(runs, sites, small_run.config, Items(backfill=True), model_wages)
    np.testing.assert_allclose(table["backfill"],
                               runs["cost_protected_time_gbp"].to_numpy() * costs.backfill_factor, rtol=1e-9)


def test_employer_time_matches_the_runs_cost_at_model_wages(costs, small_run) -> None:
    # priced at the model's own wages, the staff time is the run's cost of staff time
    model_wages = copy.deepcopy(costs)
    model_wages.hourly.update({r.name.lower(): HOURLY_COST_GBP[r] for r in Role})
    np.testing.assert_allclose(employer_time(small_run.runs, model_wages), small_run.runs["cost_gbp"], rtol=1e-9)


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["hourly_cost_gbp"]["gp"].update(value="a lot"), "hourly_cost_gbp.gp: 'a lot' is not a number"),
    (lambda r: r["coach_hour_gbp"].update(salary=-1), "coach_hour_gbp.salary: -1 is negative"),
    (lambda r: r["coach_hour_gbp"].update(value=40), "coach_hour_gbp: gives value and salary"),
    (lambda r: r["coach_hour_gbp"].pop("year"), "coach_hour_gbp.year: missing is no price year"),
    (lambda r: r["coach_hour_gbp"].update(year="2023"), "coach_hour_gbp.year: '2023' is not a financial year"),
    (lambda r: r["coach_hour_gbp"].update(year="2009/10"), "coach_hour_gbp.year: 2009/10 is outside the price index"),
    (lambda r: r["coach_hour_gbp"].update(employer="council"), "coach_hour_gbp.employer: 'council' is not an employer"),
    (lambda r: r.update(price_year="2031/32"), "price_year: 2031/32 is outside the price index"),
    (lambda r: r.update(index="rpi"), "index: 'rpi' has no file"),
    (lambda r: r["discount_rate"].update(value=3.5), "discount_rate: 3.5 is not a discount rate"),
    (lambda r: r.pop("price_year"), "price_year: missing"),
    (lambda r: r["hourly_cost_gbp"].pop("dietitian"), "hourly_cost_gbp.dietitian: role without a cost"),
    (lambda r: r.update(porter=1), "porter: unknown key"),
    (lambda r: r["hourly_cost_gbp"].update(porter=1), "hourly_cost_gbp.porter: unknown role"),
])
def test_bad_unit_costs_give_one_line(raw, change, message) -> None:
    bad = copy.deepcopy(raw)
    change(bad)
    with pytest.raises(ConfigError) as error:
        parse_costs(bad, "costs")
    assert message in str(error.value)
    assert "\n" not in str(error.value)
