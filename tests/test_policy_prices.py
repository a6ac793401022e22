"""One price year and money over time (qicsim.studies.policy.prices), and the perspectives' costs: known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qicsim.errors import ConfigError
from qicsim.model.roles import ROLE_NAMES
from qicsim.studies.policy.costs import (
    CARE_HOME_ROLES,
    NHS_ROLES,
    PERSPECTIVES,
    Items,
    UnitCosts,
    load_costs,
    perspective_costs,
    programme_costs,
    staff_time,
)
from qicsim.studies.policy.prices import discount_factors, inflate, parse_index, spread_factor

INDEX = parse_index({"name": "toy", "source": "by hand", "first_year": "2020/21",
                     "percent_change": {"2021/22": 10.0, "2022/23": {"value": -50.0, "source": "x"}}}, "toy.yaml")


def test_inflation_multiplies_the_yearly_changes_and_deflates_back() -> None:
    assert inflate(100.0, "2020/21", "2021/22", INDEX) == pytest.approx(110.0)
    assert inflate(100.0, "2020/21", "2022/23", INDEX) == pytest.approx(55.0)  # 100 x 1.1 x 0.5
    assert inflate(55.0, "2022/23", "2020/21", INDEX) == pytest.approx(100.0)
    assert inflate(7.0, "2021/22", "2021/22", INDEX) == 7.0


@pytest.mark.parametrize(("raw", "message"), [
    ({"name": "x", "source": "y", "first_year": "2020/21", "percent_change": {"2022/23": 1.0}},
     "toy.yaml: percent_change.2022/23: does not follow 2020/21 year by year"),
    ({"name": "x", "source": "y", "first_year": "2020/22", "percent_change": {"2021/22": 1.0}},
     "toy.yaml: first_year: '2020/22' is not a financial year"),
    ({"name": "x", "source": "y", "first_year": "2020/21", "percent_change": {"2021/22": "high"}},
     "toy.yaml: percent_change.2021/22: 'high' is not a percent change"),
    ({"name": "x", "first_year": "2020/21", "percent_change": {"2021/22": 1.0}}, "toy.yaml: source: missing"),
])
def test_a_bad_index_is_one_line_naming_the_file_and_field(raw, message) -> None:
    with pytest.raises(ConfigError) as error:
        parse_index(raw, "toy.yaml")
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_a_year_outside_the_index_is_refused() -> None:
    with pytest.raises(ConfigError, match="2019/20 is outside the price index"):
        inflate(1.0, "2019/20", "2021/22", INDEX)


def test_discounting_is_by_week_at_the_annual_rate() -> None:
    factors = discount_factors(np.array([0, 26, 52, 104]), 0.035)
    np.testing.assert_allclose(factors, [1.0, 1.035 ** -0.5, 1 / 1.035, 1 / 1.035 ** 2])
    assert discount_factors(3, 0.0).tolist() == [1.0, 1.0, 1.0]
    # a sum spent evenly over 2 weeks: the mean of the two weeks' factors
    assert spread_factor(2, 0.10) == pytest.approx((1 + 1.1 ** (-1 / 52)) / 2)
    assert spread_factor(0, 0.10) == 1.0


def toy_costs(rate: float = 0.0) -> UnitCosts:
    """Round unit costs: every NHS hour GBP 10, every care home hour GBP 2."""
    hourly = {r: 10.0 if r in NHS_ROLES else 2.0 for r in ROLE_NAMES}
    scalars = {"qi_lead_hours_per_site_week": 1.0, "qi_lead_hour_gbp": 50.0, "programme_manager_hours_per_week": 2.0,
               "programme_manager_hour_gbp": 30.0, "learning_event_gbp": 1000.0, "materials_per_home_gbp": 7.0,
               "discount_rate": rate}
    return UnitCosts(hourly=hourly, scalars=scalars, sources={}, price_year="2023/24")


def test_staff_time_is_split_by_employer() -> None:
    runs = pd.DataFrame({"replication": [0], **{f"hours_{r}": [0.0] for r in ROLE_NAMES}})
    runs["hours_gp"], runs["hours_care_assistant"], runs["hours_lay_member"] = 3.0, 5.0, 4.0
    table = staff_time(runs, toy_costs())
    assert "lay_member" in NHS_ROLES and "care_assistant" in CARE_HOME_ROLES
    assert table.loc[0, "nhs_time_gbp"] == pytest.approx(3 * 10 + 4 * 10)
    assert table.loc[0, "care_home_time_gbp"] == pytest.approx(5 * 2)


def test_programme_costs_by_hand() -> None:
    """2 sites, 5 homes, 10 weeks, 3 events of which the funder pays 1."""
    config = {"structure": {"homes_per_site": [3, 2], "collaborative_weeks": 10, "learning_event_weeks": [0, 4, 9]},
              "contexts": {"data_support": {"intensity": 0.0}}}
    runs = pd.DataFrame({"replication": [0, 1]})
    total = programme_costs(runs, config, Items(funded_events=1), toy_costs())
    expected = 1 * 2 * 10 * 50 + 2 * 10 * 30 + (3 - 1) * 1000 + 7 * 5
    assert total.tolist() == pytest.approx([expected, expected])


def test_perspectives_add_up_and_are_discounted_evenly_over_support() -> None:
    table = pd.DataFrame({"funder_gbp": [100.0], "programme_gbp": [20.0], "nhs_time_gbp": [5.0],
                          "care_home_time_gbp": [7.0]})
    flat = perspective_costs(table, weeks=4, rate=0.0, events_gbp=pd.Series([3.0]))
    assert flat.loc[0, "cost_funder_gbp"] == 100.0
    assert flat.loc[0, "cost_nhs_pss_gbp"] == pytest.approx(100 + 20 + 5 + 3)
    assert flat.loc[0, "cost_societal_gbp"] == pytest.approx(100 + 20 + 5 + 3 + 7)
    rate = 0.035
    spread = np.mean([(1 + rate) ** (-w / 52) for w in range(104)])
    discounted = perspective_costs(table, weeks=104, rate=rate, suffix="_x")
    assert discounted.loc[0, "cost_funder_gbp_x"] == pytest.approx(100 * spread)
    assert discounted.loc[0, "cost_societal_gbp_x"] == pytest.approx(132 * spread)
    assert spread < 0.97, "guard: two years of discounting matter"
    assert PERSPECTIVES[0] == "nhs_pss", "the reference case comes first"


def test_compare_tables_carry_each_perspective_reference_case_first(tmp_path) -> None:
    from qicsim.apps.cli.compare import main

    out = tmp_path / "cmp"
    main(["--options", "baseline", "coaching", "--homes", "4", "--weeks", "20", "--replications", "2",
          "--seed", "3", "--ensemble", "none", "--out", str(out)])
    per_rep = pd.read_csv(out / "replications.csv")
    costs = load_costs()
    for suffix, rate in (("", costs.discount_rate), ("_sensitivity", costs.discount_rate_sensitivity)):
        spread = spread_factor(20, rate)
        np.testing.assert_allclose(per_rep[f"cost_funder_gbp{suffix}"], per_rep["funder_gbp"] * spread)
        np.testing.assert_allclose(per_rep[f"cost_societal_gbp{suffix}"] - per_rep[f"cost_nhs_pss_gbp{suffix}"],
                                   per_rep["care_home_time_gbp"] * spread)
    np.testing.assert_allclose(per_rep["nhs_time_gbp"] + per_rep["care_home_time_gbp"], per_rep["employer_time_gbp"])
    table = pd.read_csv(out / "incremental_perspectives.csv")
    assert list(pd.unique(table["perspective"])) == list(PERSPECTIVES)
    funder = table[(table["perspective"] == "funder") & (table["effect_measure"] == "sustained")]
    plain = pd.read_csv(out / "incremental.csv")
    # the funder's view, discounted, keeps the undiscounted table's verdicts
    assert funder.set_index("option")["status"].to_dict() == plain.set_index("option")["status"].to_dict()
    options = pd.read_csv(out / "options.csv")
    assert {f"cost_{p}_gbp" for p in PERSPECTIVES} <= set(options.columns)


def test_a_bad_discount_rate_on_the_command_line_is_one_line(tmp_path, capsys) -> None:
    from qicsim.apps.cli.compare import main

    with pytest.raises(SystemExit) as stop:
        main(["--discount-rate", "3.5", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.strip().count("\n") == 0 and "--discount-rate: 3.5 is not a discount rate" in err
    assert not (tmp_path / "out").exists()
