"""Projects of different sizes in PEACH: ``structure.project_sizes = by_kind`` moves effort and completion.

PEACH as shipped, 20 replications under each structure on the same replication seeds (common
random numbers: the planning stream draws the same effort factors). Tolerances:

- effort: a voiced project's effort over its kind's mean hours is the lognormal factor (mean 1);
  pooled over the run's voiced projects, its mean lies within 3 standard errors of 1 under both
  structures, so the mean effort per project moves by what the kinds imply (their mean hours
  over the topics the teams took up, against ``project_effort_hours``).
- completion: the share of projects implemented within support rises under ``by_kind``
  (paired difference over replications > 3 standard errors), and within ``by_kind`` small
  tests are implemented more often than process changes, and those more than multidisciplinary
  reviews (each pooled difference > 3 binomial standard errors).

About 10 s on the reference machine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import qicsim
from qicsim.model.parameters import Parameters

REPLICATIONS = 20
SEED = 20160901
SUPPORT_WEEKS = 78
KIND_HOURS = {"one_size": Parameters.project_effort_hours, "small_test": Parameters.small_test_hours,
              "process_change": Parameters.process_change_hours,
              "multidisciplinary_review": Parameters.multidisciplinary_review_hours}
KIND_COUNTS = ("projects_small_test", "projects_process_change", "projects_multidisciplinary_review")


@pytest.fixture(scope="module")
def projects() -> dict[str, pd.DataFrame]:
    tables = {}
    for sizes in ("one_size", "by_kind"):
        config = qicsim.scenario_config("peach", [f"structure.project_sizes={sizes}"],
                                        replications=REPLICATIONS, seed=SEED)
        results = qicsim.simulate(config)
        table = results.projects.copy()
        table["effort"] = table["chunks"] * table["chunk_hours"]
        week = table["week_implemented"].astype(float).fillna(-1)
        table["implemented_in_support"] = (week >= 0) & (week < SUPPORT_WEEKS)
        mechanisms = results.mechanisms.pivot_table(index="replication", columns="mechanism", values="value",
                                                    aggfunc="sum")[list(KIND_COUNTS)]
        tables[sizes] = table
        tables[f"{sizes}_mechanisms"] = mechanisms
    return tables


def within_3_se_of(values: pd.Series, target: float) -> bool:
    se = values.std(ddof=1) / np.sqrt(len(values))
    return abs(values.mean() - target) < 3 * se


@pytest.mark.parametrize("sizes", ["one_size", "by_kind"])
def test_a_voiced_projects_effort_averages_its_kinds_hours(projects, sizes):
    voiced = projects[sizes].query("origin == 'voiced'")
    factor = voiced["effort"] / voiced["kind"].map(KIND_HOURS)
    assert len(voiced) > 200 and within_3_se_of(factor, 1.0), factor.mean()


def test_by_kind_moves_the_mean_effort_per_project_as_its_kinds_imply(projects):
    one, kinds = (projects[s].query("origin == 'voiced'") for s in ("one_size", "by_kind"))
    implied = kinds["kind"].map(KIND_HOURS).mean()  # the kinds' mean hours over the topics taken up
    assert set(kinds["kind"]) == {"small_test", "process_change", "multidisciplinary_review"}
    assert implied < Parameters.project_effort_hours  # PEACH's topics: most changes are smaller than 40 h
    ratio = kinds["effort"].mean() / one["effort"].mean()
    assert ratio == pytest.approx(implied / Parameters.project_effort_hours, rel=0.15), (ratio, implied)


def test_by_kind_raises_the_share_of_projects_implemented_within_support(projects):
    shares = {s: projects[s].groupby("replication")["implemented_in_support"].mean() for s in ("one_size", "by_kind")}
    difference = shares["by_kind"] - shares["one_size"]
    se = difference.std(ddof=1) / np.sqrt(len(difference))
    assert difference.mean() > 3 * se, (difference.mean(), se)


def test_smaller_kinds_are_implemented_more_often(projects):
    by_kind = projects["by_kind"].groupby("kind")["implemented_in_support"].agg(["mean", "size"])
    order = ["small_test", "process_change", "multidisciplinary_review"]
    for bigger, smaller in zip(order[1:], order[:-1], strict=True):
        p, q = by_kind.loc[smaller], by_kind.loc[bigger]
        se = np.sqrt(p["mean"] * (1 - p["mean"]) / p["size"] + q["mean"] * (1 - q["mean"]) / q["size"])
        assert p["mean"] - q["mean"] > 3 * se, (smaller, p["mean"], bigger, q["mean"], se)


def test_starts_by_kind_are_counted(projects):
    counted = projects["by_kind_mechanisms"]
    started = projects["by_kind"].groupby(["replication", "kind"]).size().unstack(fill_value=0)
    for kind in ("small_test", "process_change", "multidisciplinary_review"):
        np.testing.assert_array_equal(counted[f"projects_{kind}"].to_numpy(), started[kind].to_numpy())
    assert projects["one_size_mechanisms"].to_numpy().sum() == 0
    assert (projects["one_size"]["kind"] == "one_size").all()
