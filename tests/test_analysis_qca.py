"""Crisp-set QCA (qicsim.studies.analysis.qca): truth table, minimised solutions, fit and necessity."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from helpers.analysis import factorial

from qicsim.errors import ConfigError
from qicsim.studies.analysis.qca import DEFAULT_RULE, OutcomeRule, crisp_qca, qca

SHARE = DEFAULT_RULE.column


def share(expr) -> callable:
    """Outcomes where most homes implement exactly when ``expr(values)`` holds (noise far from 0.5)."""
    def outcomes(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = len(next(iter(values.values())))
        return {SHARE: np.where(expr(values), 0.8, 0.2) + 0.05 * rng.uniform(-1, 1, n)}
    return outcomes


@pytest.fixture(scope="module")
def c4_result():
    data, design = factorial(share(lambda v: v["C4"] == 1))
    return qca(data, design)


def test_default_rule() -> None:
    assert (DEFAULT_RULE.column, DEFAULT_RULE.threshold) == ("homes_with_implementation_share", 0.5)
    assert DEFAULT_RULE.label == "most homes implement at least one improvement"
    assert list(DEFAULT_RULE.applies(np.array([0.5, 0.51, np.nan]))) == [False, True, False]


def test_c4_alone_is_sufficient_and_necessary(c4_result) -> None:
    q = c4_result
    assert q.conditions == tuple(f"C{i}" for i in range(1, 10))
    assert q.parsimonious.expression == "C4" and q.complex.expression == "C4"
    for sol in (q.parsimonious, q.complex):
        assert sol.fit.consistency == 1 and sol.fit.coverage == 1
        (term,) = sol.terms
        assert (term.expression, term.coverage, term.unique_coverage) == ("C4", 1, 1)
    necessity = q.necessity.set_index("condition")
    assert necessity.loc["C4", "necessary"] and necessity.loc["C4", "consistency"] == 1
    assert necessity["necessary"].sum() == 1
    assert necessity.loc["~C4", "consistency"] == 0
    assert necessity.loc["C1", "consistency"] == pytest.approx(0.5)
    assert (q.n_cases, q.n_outcome, q.n_dropped) == (2 ** 9 * 4, 2 ** 8 * 4, 0)


def test_truth_table_rows(c4_result) -> None:
    table = c4_result.truth_table
    assert len(table) == 2 ** 9 and set(table["n"]) == {4}
    assert (table["status"] == "sufficient").sum() == 2 ** 8
    assert (table.loc[table["C4"] == 1, "consistency"] == 1).all()
    assert (table.loc[table["C4"] == 0, "status"] == "not sufficient").all()
    assert not table.duplicated(subset=[f"C{i}" for i in range(1, 10)]).any()


def test_conjunction() -> None:
    data, design = factorial(share(lambda v: (v["C1"] == 1) & (v["C2"] == 1)), codes=("C1", "C2", "C3"))
    q = qca(data, design)
    assert q.parsimonious.expression == q.complex.expression == "C1*C2"
    assert q.parsimonious.fit.consistency == 1 and q.parsimonious.fit.coverage == 1
    necessity = q.necessity.set_index("condition")["necessary"]
    assert necessity["C1"] and necessity["C2"] and not necessity["C3"]


def test_solution_format_negation_and_term_order() -> None:
    codes = tuple(f"C{i}" for i in range(1, 7))
    rule = lambda v: ((v["C1"] == 1) & (v["C4"] == 1)) | ((v["C2"] == 0) & (v["C6"] == 1))  # noqa: E731
    data, design = factorial(share(rule), codes=codes, replications=1)
    q = qca(data, design)
    assert q.parsimonious.expression == "C1*C4 + ~C2*C6"
    covered = rule({c: data[f["name"]].to_numpy() for c, f in zip(codes, design["factors"], strict=True)})
    terms = {t.expression: t for t in q.parsimonious.terms}
    only_first = (data["remit_clarity"] == 1) & (data["protected_time"] == 1) & ~(
        (data["prior_partnership"] == 0) & (data["qi_coaching"] == 1))
    assert terms["C1*C4"].coverage == pytest.approx(16 / covered.sum())
    assert terms["C1*C4"].unique_coverage == pytest.approx(only_first.sum() / covered.sum())
    assert q.parsimonious.fit.coverage == 1 and q.parsimonious.fit.consistency == 1


def test_consistency_cutoff_decides_sufficiency() -> None:
    # C1 present: 3 of 4 runs have the outcome (0.75); C1 absent: none.
    members = pd.DataFrame({"C1": [1] * 4 + [0] * 4, "C2": [0, 1, 0, 1] * 2})
    outcome = np.array([1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
    assert crisp_qca(members, outcome, consistency_cutoff=0.8).parsimonious.expression == "C1*~C2"
    loose = crisp_qca(members, outcome, consistency_cutoff=0.5)
    assert loose.parsimonious.expression == "C1"
    assert loose.parsimonious.fit.consistency == pytest.approx(0.75)
    assert loose.parsimonious.fit.coverage == 1


def test_remainders_are_dont_cares_for_the_parsimonious_solution_only() -> None:
    observed = {(1, 1, 1): True, (1, 1, 0): True, (0, 0, 0): False, (0, 0, 1): False, (1, 0, 0): False}
    members = pd.DataFrame(list(observed), columns=["C1", "C2", "C3"])
    q = crisp_qca(members, np.array(list(observed.values())))
    status = q.truth_table.set_index(["C1", "C2", "C3"])["status"]
    unobserved = set(itertools.product([0, 1], repeat=3)) - set(observed)
    assert {k for k, s in status.items() if s == "remainder"} == unobserved
    assert q.complex.expression == "C1*C2"
    assert q.parsimonious.expression == "C2"  # covers remainders 010 and 011, no observed non-outcome case


def test_min_cases_turns_rare_configurations_into_remainders() -> None:
    members = pd.DataFrame({"C1": [1, 1, 1, 0], "C2": [1, 1, 1, 1]})
    q = crisp_qca(members, np.array([1, 1, 1, 0], dtype=bool), min_cases=2)
    status = q.truth_table.set_index(["C1", "C2"])["status"]
    assert status[(0, 1)] == "remainder" and status[(1, 1)] == "sufficient"


def test_no_sufficient_configuration_and_tautology() -> None:
    members = pd.DataFrame({"C1": [0, 1, 0, 1], "C2": [0, 0, 1, 1]})
    none = crisp_qca(members, np.zeros(4, dtype=bool))
    assert none.parsimonious.expression == "0" and none.parsimonious.terms == ()
    every = crisp_qca(members, np.ones(4, dtype=bool))
    assert every.parsimonious.expression == "1" and every.parsimonious.fit.coverage == 1


def test_custom_rule_and_missing_outcomes() -> None:
    data, design = factorial(lambda v, rng: {"cost_gbp": 100 + 50 * v["C2"]}, codes=("C1", "C2"), replications=3)
    data.loc[0, "cost_gbp"] = np.nan
    rule = OutcomeRule("cost_gbp", 120, "an expensive collaborative")
    q = qca(data, design, rule)
    assert q.parsimonious.expression == "C2" and q.n_dropped == 1 and q.n_cases == len(data) - 1
    assert q.rule.rule == "cost_gbp > 120"
    table = q.solution_table()
    assert list(table["solution"]) == ["parsimonious", "parsimonious", "complex", "complex"]
    assert list(table["level"]) == ["solution", "term", "solution", "term"]


def test_parameter_factors_are_conditions() -> None:
    """A two-level parameter factor is a condition (member at its high level), named by the parameter."""
    data, design = factorial(share(lambda v: v["C1"] == 1), codes=("C1", "C2"), replications=2)
    name = design["factors"][1]["name"]
    factors = [design["factors"][0], {"name": "care_turnover_per_year", "code": "care_turnover_per_year",
                                      "kind": "parameter", "bounds": [0.15, 0.45], "levels": [0.15, 0.45],
                                      "integer": False}]
    data = data.rename(columns={name: "care_turnover_per_year"})
    data["care_turnover_per_year"] = np.where(data["care_turnover_per_year"] == 1, 0.45, 0.15)
    q = qca(data, {**design, "factors": factors})
    assert q.conditions == ("C1", "care_turnover_per_year")
    assert q.parsimonious.expression == "C1"
    assert set(q.truth_table["care_turnover_per_year"]) == {0, 1}


def test_bad_input() -> None:
    data, design = factorial(share(lambda v: v["C1"] == 1), codes=("C1", "C2"), replications=2)
    partial = [{**f, "levels": [0.2, 1.0], "bounds": [0.2, 1.0]} for f in design["factors"]]
    low = data.assign(**{f["name"]: data[f["name"]].replace(0.0, 0.2) for f in design["factors"]})
    with pytest.raises(ConfigError, match="no context factor"):  # contexts at 0.2 or 1 are not crisp sets
        qca(low, {**design, "factors": partial})
    with pytest.raises(ConfigError, match="no such column"):
        qca(data, design, OutcomeRule("nothing", 0.5, "x"))
    with pytest.raises(ConfigError, match="not 0 or 1"):
        crisp_qca(pd.DataFrame({"C1": [0.5, 1]}), np.array([True, False]))
    with pytest.raises(ConfigError, match="consistency_cutoff"):
        crisp_qca(pd.DataFrame({"C1": [0, 1]}), np.array([True, False]), consistency_cutoff=0)
