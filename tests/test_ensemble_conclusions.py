"""Conclusions over an ensemble (issue 12, item 5): robust conclusions, QCA across thresholds, PRIM, crossed designs.

Synthetic datasets with known answers; the last test runs a tiny crossed sweep end to end (slow).
"""

from __future__ import annotations

import itertools
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers.analysis import context_factor, factorial, manifest, one_at_a_time

from qicsim.config.loader import load_config
from qicsim.errors import ConfigError
from qicsim.studies.analysis.pipeline import run_analyses
from qicsim.studies.analysis.qca import DEFAULT_RULE, qca_thresholds
from qicsim.studies.analysis.report import render_report
from qicsim.studies.analysis.robust_conclusions import ROBUST_SHARE, robust_conclusions, summarise
from qicsim.studies.analysis.scenarios import discover, scenario_discovery
from qicsim.studies.sweep.design import apply_point
from qicsim.studies.sweep.ensemble_draws import SET_COLUMN, draw_sets
from qicsim.studies.sweep.plan import make_plan

SHARE = DEFAULT_RULE.column
N_SETS = 20


def ensemble_one_at_a_time(fails: dict[str, set[int]], rng: np.random.Generator) -> tuple[pd.DataFrame, dict, set]:
    """N_SETS parameter sets of a one-at-a-time design in which removing each context lowers
    ``implemented`` by 5 (noise sd 0.1), except in the sets ``fails[context]`` names (effect 0).

    Each set has a parameter ``slack_use``: 0.9 in the sets where remit_clarity's removal fails,
    uniform on [0.3, 0.6] elsewhere, and a ``voice_prob`` unrelated to anything.
    """
    parts = []
    points = None
    for k in range(N_SETS):
        effects = {c: (0.0 if k in bad else -5.0) for c, bad in fails.items()}
        data, design = one_at_a_time(effects, replications=10, seed=k)
        points = design["points"]
        data["point"] += k * points
        data[SET_COLUMN] = k
        data["slack_use"] = 0.9 if k in fails.get("remit_clarity", set()) else rng.uniform(0.3, 0.6)
        data["voice_prob"] = rng.uniform(0.1, 0.4)
        parts.append(data)
    design["points"] = points * N_SETS
    return pd.concat(parts, ignore_index=True), design, set()


def test_robust_at_95_percent_and_not_at_80() -> None:
    """Removing C4 fails in 1 of 20 sets (holds in 95%: robust); C1 fails in 4 (80%: depends on slack_use)."""
    rng = np.random.default_rng(3)
    data, design, _ = ensemble_one_at_a_time({"protected_time": {7}, "remit_clarity": {1, 5, 9, 13}}, rng)
    result = robust_conclusions(data, design, ["implemented"], n_boot=200)
    table = result.conclusions.set_index("item")
    c4 = table.loc["removing C4 protected_time from peach"]
    c1 = table.loc["removing C1 remit_clarity from peach"]
    assert (c4["verdict"], c4["holds_in"], c4["share"], c4["robust"]) == ("lowers", 19, 0.95, True)
    assert (c1["verdict"], c1["holds_in"], c1["share"], c1["robust"]) == ("lowers", 16, 0.8, False)
    assert c1["depends_on"].startswith("slack_use (r = -")  # it holds where slack_use is low
    assert c4["depends_on"] == ""
    other = table.loc["removing C2 prior_partnership from peach"]  # no effect planted: no clear effect everywhere
    assert other["verdict"] == "no clear effect" and other["robust"]
    assert result.n_sets == N_SETS and set(result.set_parameters.columns) == {"slack_use", "voice_prob"}
    assert len(result.verdicts) == N_SETS * 10  # C1-C10 removed in turn


def test_summarise_shares_and_cutoff() -> None:
    """Shares are exact; at the cutoff a conclusion is robust, below it not."""
    verdicts = pd.DataFrame({"analysis": "x", "outcome": "y", "item": np.repeat(["a", "b"], 10),
                             "set": np.tile(np.arange(10), 2),
                             "verdict": ["raises"] * 9 + ["lowers"] + ["raises"] * 8 + ["lowers"] * 2,
                             "estimate": 0.0})
    params = pd.DataFrame({"p": np.arange(10.0)})
    table = summarise(verdicts, params).set_index("item")
    assert table.loc["a", "share"] == 0.9 and table.loc["a", "robust"]
    assert table.loc["b", "share"] == 0.8 and not table.loc["b", "robust"]
    assert table.loc["b", "depends_on"].startswith("p (r = -")
    assert ROBUST_SHARE == 0.9
    with pytest.raises(ConfigError, match="robust_share"):
        summarise(verdicts, params, robust_share=0)


def test_factorial_conclusions_per_set() -> None:
    """Main-effect signs and ranks and QCA necessity, per set: C1 matters in every set, C2 in half."""
    parts, design = [], None
    for k in range(4):
        def outcomes(v, rng, k=k):
            n = len(v["C1"])
            # odd sets: C2 gates most of C1's effect (cells 0.2, 0.2, 0.44, 0.8); even sets: C1 alone
            share = 0.2 + 0.6 * v["C1"] * (0.4 + 0.6 * v["C2"] if k % 2 else 1) + 0.02 * rng.uniform(-1, 1, n)
            return {SHARE: share, "implemented": 10 * share}
        data, design = factorial(outcomes, codes=("C1", "C2"), replications=6, seed=k)
        data["point"] += 4 * k
        data[SET_COLUMN] = k
        parts.append(data)
    design["points"] = 16
    result = robust_conclusions(pd.concat(parts, ignore_index=True), design, ["implemented"], n_boot=200)
    table = result.conclusions.set_index(["analysis", "item"])
    assert table.loc[("main effect", "C1 remit_clarity"), ["verdict", "share"]].tolist() == ["raises", 1.0]
    assert table.loc[("rank", "C1 remit_clarity"), ["verdict", "share"]].tolist() == ["ranks 1", 1.0]
    assert table.loc[("QCA necessity", "C1"), ["verdict", "share"]].tolist() == ["necessary", 1.0]
    assert table.loc[("QCA necessity", "C2"), "share"] == 0.5  # necessary only where C2 gates C1
    assert not table.loc[("QCA necessity", "C2"), "robust"]


def test_necessity_is_undefined_where_no_run_has_the_outcome() -> None:
    """A set where no run has the outcome gives no necessity verdict, not "not necessary"."""
    parts = []
    for k in range(2):
        def outcomes(v, rng, k=k):
            n = len(v["C1"])
            return {SHARE: (0.2 + 0.6 * v["C1"] * k) + 0.02 * rng.uniform(-1, 1, n)}
        data, design = factorial(outcomes, codes=("C1", "C2"), replications=4, seed=k)
        data["point"] += 4 * k
        data[SET_COLUMN] = k
        parts.append(data)
    design["points"] = 8
    result = robust_conclusions(pd.concat(parts, ignore_index=True), design, [SHARE], n_boot=50)
    verdicts = result.verdicts.query("analysis == 'QCA necessity' and item == 'C1'").set_index("set")["verdict"]
    assert verdicts.to_dict() == {0: "undefined: no run has the outcome", 1: "necessary"}


def test_no_sets_is_an_error() -> None:
    data, design = one_at_a_time({}, replications=3)
    with pytest.raises(ConfigError, match="no ensemble_set"):
        robust_conclusions(data, design)


def test_replications_drawing_their_own_sets_are_analysed_as_usual() -> None:
    """run.ensemble: each replication's ``ensemble_draw`` differs, no set holds a design; the usual removal effects."""
    data, design = one_at_a_time({"protected_time": -5.0}, replications=6)
    data["ensemble_draw"] = np.arange(len(data)) % 7
    a = run_analyses(data, design, ["implemented"], n_boot=50)
    assert a.robust is None and a.removal is not None
    with pytest.raises(ConfigError, match="different numbers of points"):
        robust_conclusions(data, design, set_column="ensemble_draw")


def threshold_case(replications: int) -> tuple[pd.DataFrame, dict]:
    """share = 0.15 + 0.5 C1 + 0.2 C2 (+-0.02): cells 0.15, 0.35, 0.65, 0.85; C3 irrelevant."""
    def outcomes(v, rng):
        n = len(v["C1"])
        return {SHARE: 0.15 + 0.5 * v["C1"] + 0.2 * v["C2"] + 0.02 * rng.uniform(-1, 1, n)}
    return factorial(outcomes, codes=("C1", "C2", "C3"), replications=replications)


def test_qca_thresholds_table() -> None:
    """Which results hold at which thresholds, known from the cells' values."""
    data, design = threshold_case(replications=8)
    t = qca_thresholds(data, design)
    assert t.thresholds == (0.3, 0.4, 0.5, 0.6, 0.7)
    assert t.solutions.set_index("threshold")["solution"].to_dict() == {
        0.3: "C1 + C2", 0.4: "C1", 0.5: "C1", 0.6: "C1", 0.7: "C1*C2"}
    summary = t.summary.set_index(["kind", "result"])
    assert summary.loc[("necessity", "C1"), "holds_at"] == "0.4, 0.5, 0.6, 0.7"
    assert not summary.loc[("necessity", "C1"), "holds_at_every_threshold"]
    assert summary.loc[("necessity", "C2"), "holds_at"] == "0.7"
    assert summary.loc[("sufficiency", "C1*C2"), "holds_at_every_threshold"]
    assert summary.loc[("sufficiency", "C1"), "holds_at"] == "0.3, 0.4, 0.5, 0.6"
    # 64 runs: C1 holds 32 runs (enough), C1*C2 only 16 positive cases (fewer than 30: warned)
    assert summary.loc[("sufficiency", "C1"), "warning"] == ""
    assert summary.loc[("sufficiency", "C1*C2"), "min_positive"] == 16
    assert summary.loc[("sufficiency", "C1*C2"), "warning"] == "fewer than 30 positive cases"
    row = t.results.query("threshold == 0.7 and result == 'C2' and kind == 'necessity'").iloc[0]
    assert (row["consistency"], row["coverage"], row["n_positive"], row["few_cases"]) == (1.0, 0.5, 16, True)
    assert ("necessity", "C3") not in summary.index  # never necessary
    with pytest.raises(ConfigError, match="qca_thresholds"):
        qca_thresholds(data, design, thresholds=(0.5, 0.5))


def test_few_positive_cases_warn_in_report() -> None:
    """Fewer than 30 runs with the outcome: the QCA section and the thresholds table warn."""
    data, design = threshold_case(replications=2)  # 16 runs in all
    a = run_analyses(data, design, [SHARE], n_boot=50)
    report = render_report(a)
    assert "## QCA across outcome thresholds" in report
    assert "**Warning:** only 8 runs have the outcome (fewer than 30)" in report
    assert "rest on fewer than 30 positive cases" in report
    data, design = threshold_case(replications=20)  # 160 runs: C1 has 80 positive cases at t = 0.5
    report = render_report(run_analyses(data, design, [SHARE], n_boot=50))
    assert "**Warning:** only" not in report


def test_prim_finds_a_planted_box() -> None:
    """Runs of interest are 95% likely inside a >= 0.6, b <= 0.3 and 5% outside: PRIM's box is that one."""
    rng = np.random.default_rng(0)
    n = 3000
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n), "c": rng.uniform(0, 1, n)})
    inside = (x["a"] >= 0.6) & (x["b"] <= 0.3)
    y = np.where(inside, rng.uniform(size=n) < 0.95, rng.uniform(size=n) < 0.05)
    s = discover(x, y, threshold=0.8)
    box = s.boxes.iloc[0]
    assert box["density"] >= 0.8 and box["coverage"] >= 0.7
    limits = s.limits[s.limits["box"] == 1].set_index("input")
    assert set(limits.index) == {"a", "b"}  # c is irrelevant and left free
    assert abs(limits.loc["a", "low"] - 0.6) < 0.05 and abs(limits.loc["b", "high"] - 0.3) < 0.08
    assert s.trajectories["chosen"].sum() == len(s.boxes)


def test_prim_over_a_sweep() -> None:
    """Most homes implement exactly when C1 and C3 are present: the box is C1 = 1 and C3 = 1."""
    def outcomes(v, rng):
        n = len(v["C1"])
        return {SHARE: np.where((v["C1"] == 1) & (v["C3"] == 1), 0.8, 0.2) + 0.05 * rng.uniform(-1, 1, n)}
    data, design = factorial(outcomes, codes=("C1", "C2", "C3", "C4"), replications=10)
    s = scenario_discovery(data, design)
    first = s.boxes.iloc[0]
    assert (first["coverage"], first["density"]) == (1.0, 1.0)
    limits = s.limits[s.limits["box"] == 1].set_index("input")
    assert set(limits.index) == {"remit_clarity", "hierarchy_reduction"}
    assert (limits["low"] > 0).all() and (limits["high"] == 1).all()  # 0 excluded: the context present


def write_ensemble(path: Path, rows: dict[str, list[float]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_crossed_design_and_parameter_sets(tmp_path: Path) -> None:
    """Each point under each set; the set's parameters reach the model; a factor wins over the ensemble."""
    csv = write_ensemble(tmp_path / "e.csv", {"weight": [1, 0, 3], "slack_use": [0.3, 0.5, 0.9],
                                              "project_effort_hours": [20, 40, 60]})
    config = load_config(["experiment=context_factorial", "sweep.only=[protected_time,alignment]",
                          f"sweep.ensemble={csv}", "sweep.ensemble_draws=6",
                          "+sweep.factors.slack_use=[0.1,0.2]", "sweep.only=[protected_time,slack_use]"])
    plan = make_plan(config, tmp_path / "sweep")
    design = plan.design
    assert len(design) == 4 * 6 and list(design[SET_COLUMN]) == list(np.repeat(np.arange(6), 4))
    assert set(design["ensemble_draw"]) <= {0, 2}  # row 1 has weight 0
    assert plan.manifest()["ensemble_sets"]["parameters"] == ["project_effort_hours"]  # slack_use is a factor
    again = make_plan(config, tmp_path / "sweep")
    assert again.fingerprint == plan.fingerprint and again.design.equals(design)
    point = design.iloc[5]
    kwargs = apply_point(plan.base_kwargs[point["base"]], plan.factors, point, plan.ensemble_parameters)
    assert kwargs["project_effort_hours"] == point["project_effort_hours"]
    assert kwargs["slack_use"] == point["slack_use"] == 0.2  # the factor's level, not the set's value
    other = load_config(["experiment=context_factorial", "sweep.only=[protected_time]", f"sweep.ensemble={csv}",
                         "sweep.ensemble_draws=6", "run.seed=99"])
    assert make_plan(other, tmp_path / "o").fingerprint != plan.fingerprint


@pytest.mark.parametrize(("rows", "message"), [
    ({"weight": [1.0], "happiness": [0.5]}, "'happiness' is not a parameter"),
    ({"weight": [1.0], "slack_use": [1.5]}, "slack_use"),
    ({"weight": [-1.0], "slack_use": [0.5]}, "a weight is negative"),
    ({"weight": [0.0], "slack_use": [0.5]}, "all weights are zero"),
])
def test_bad_ensemble_is_one_line_naming_sweep_ensemble(tmp_path: Path, rows: dict, message: str) -> None:
    path = write_ensemble(tmp_path / "bad.csv", rows)
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        draw_sets(str(path), 2, 1)
    assert str(error.value).startswith("sweep.ensemble: ") and "\n" not in str(error.value)


def test_not_both_ensembles(tmp_path: Path) -> None:
    csv = write_ensemble(tmp_path / "e.csv", {"weight": [1, 1], "slack_use": [0.3, 0.9]})
    config = load_config(["experiment=context_factorial", "sweep.only=[protected_time]", f"sweep.ensemble={csv}",
                          "sweep.ensemble_draws=2", f"run.ensemble={csv}"])
    with pytest.raises(ConfigError, match="set together with run"):
        make_plan(config, tmp_path / "sweep")


def test_draws_follow_the_weights(tmp_path: Path) -> None:
    """2,000 draws from weights 1:3 pick the heavy row 75% of the time (+-4%: about 4.1 sd)."""
    csv = write_ensemble(tmp_path / "e.csv", {"weight": [1, 3], "slack_use": [0.3, 0.9]})
    rows = draw_sets(str(csv), 2000, 5).table["ensemble_draw"]
    assert abs((rows == 1).mean() - 0.75) < 0.04


def factorial_with_parameter(k_sets: int = 2) -> tuple[pd.DataFrame, dict]:
    """A 2x2 factorial of C4 and care_turnover_per_year, crossed with sets (for the pipeline)."""
    factors = [context_factor("C4"), {"name": "care_turnover_per_year", "code": "care_turnover_per_year",
                                      "kind": "parameter", "bounds": [0.15, 0.45], "levels": [0.15, 0.45],
                                      "integer": False}]
    rng = np.random.default_rng(1)
    rows = []
    for k, (c4, turnover) in itertools.product(range(k_sets), itertools.product([0.0, 1.0], [0.15, 0.45])):
        point = len(rows) // 5
        for r in range(5):
            share = 0.2 + 0.5 * c4 * (turnover < 0.3) + 0.02 * rng.uniform(-1, 1)
            rows.append({"point": point, "base": "no_contexts", "label": "", "protected_time": c4,
                         "care_turnover_per_year": turnover, "replication": r, "seed": len(rows),
                         SET_COLUMN: k, "slack_use": 0.3 + 0.1 * k, SHARE: share, "implemented": 20 * share})
    design = manifest("factorial", factors, 4 * k_sets, 5)
    return pd.DataFrame(rows), design


def test_pipeline_with_a_parameter_condition_and_sets() -> None:
    """A parameter factor is a QCA condition, and the report has the ensemble and PRIM sections."""
    data, design = factorial_with_parameter()
    a = run_analyses(data, design, ["implemented"], n_boot=50)
    assert a.qca is not None and a.qca.conditions == ("C4", "care_turnover_per_year")
    assert a.qca.parsimonious.expression == "C4*~care_turnover_per_year"
    assert a.robust is not None and a.robust.n_sets == 2
    assert a.scenarios is not None and len(a.scenarios.boxes) >= 1
    report = render_report(a)
    for heading in ("## Conclusions over the ensemble", "## QCA across outcome thresholds",
                    "## Scenario discovery (PRIM)"):
        assert heading in report


@pytest.mark.slow
def test_crossed_sweep_end_to_end(tmp_path: Path) -> None:
    """A tiny one-at-a-time sweep over 2 sets of a hand-written ensemble: dataset, conclusions, files."""
    from qicsim.studies.end_to_end import run_sweep

    csv = write_ensemble(tmp_path / "e.csv", {"weight": [1, 1], "slack_use": [0.3, 0.9]})
    folder = run_sweep("ensemble_one_at_a_time", [
        f"sweep.ensemble={csv}", "sweep.ensemble_draws=2", "sweep.bases=[peach]", "run.replications=2",
        "sweep.only=[protected_time]", "sweep.jobs=2", "structure.homes_per_site=[3,3]"],
        folder=tmp_path / "sweep")
    data = pd.read_parquet(folder / "dataset.parquet")
    assert len(data) == 2 * 2 * 2 and set(data[SET_COLUMN]) == {0, 1}
    assert (data.groupby(SET_COLUMN)["slack_use"].nunique() == 1).all()
    analysis = folder / "analysis"
    conclusions = pd.read_csv(analysis / "robust_conclusions.csv")
    assert set(conclusions["item"]) == {"removing C4 protected_time from peach"}
    assert (analysis / "prim_boxes.csv").is_file() and "## Conclusions over the ensemble" in \
        (analysis / "report.md").read_text()


def test_prim_logs_nothing_at_info(caplog: pytest.LogCaptureFixture) -> None:
    """ema-workbench's peeling steps ("... points remaining ...") are not logged where INFO is shown (a sweep's log)."""
    def outcomes(v, rng):
        return {SHARE: np.where(v["C1"] == 1, 0.8, 0.2) + 0.05 * rng.uniform(-1, 1, len(v["C1"]))}
    data, design = factorial(outcomes, codes=("C1", "C2"), replications=5)
    with caplog.at_level(logging.INFO):  # as Hydra's job logging sets the root logger
        scenario_discovery(data, design)
    assert not [r for r in caplog.records if r.name.startswith("EMA")], [r.getMessage() for r in caplog.records]
