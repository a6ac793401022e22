"""Held-out validation (qicsim.studies.validation): the criteria, that checks can fail, bad input, the files."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qicsim
from qicsim.apps.cli.validate import main
from qicsim.model.parameters import omit_later_settings
from qicsim.run.output import sha256
from qicsim.run.runner import model_kwargs, simulate
from qicsim.studies.validation import TARGETS, validate
from qicsim.studies.validation.criteria import Band, Predictive
from qicsim.studies.validation.report import FILES, write_report
from qicsim.studies.validation.retention import original_members_in_post

BY_KEY = {target.key: target for target in TARGETS}


def only(*keys: str) -> tuple:
    return tuple(BY_KEY[key] for key in keys)


# --- the criteria


def test_band_passes_inside_and_fails_outside() -> None:
    assert Band(0.2, 0.4).judge(np.array([0.25, 0.35])).passed
    assert not Band(0.2, 0.4).judge(np.array([0.45, 0.5])).passed


def test_predictive_count_uses_the_runs_own_distribution() -> None:
    # 0 of 4 observed: passes while at least 5% of runs give 0, fails when none does.
    assert Predictive(0).judge(np.array([0] * 5 + [1] * 95)).passed
    assert not Predictive(0).judge(np.array([0] * 4 + [2] * 96)).passed


def test_predictive_binomial_matches_the_binomial_tails() -> None:
    # Every run at p = 0.5, 7 trials: P(X <= 3) = P(X >= 4) = 0.5, P(X >= 3) = 99/128.
    verdict = Predictive(3, trials=7).judge(np.full(10, 0.5))
    assert verdict.passed and "P(X <= 3) = 0.500" in verdict.detail and "P(X >= 3) = 0.773" in verdict.detail
    # At p = 0.02 seeing 3 of 7 has chance 1 - P(X <= 2) = 3.2e-4: fails.
    assert not Predictive(3, trials=7).judge(np.full(10, 0.02)).passed


def test_predictive_lower_bound_checks_the_upper_tail_only() -> None:
    assert Predictive(4, at_least=True).judge(np.array([1] * 90 + [5] * 10)).passed
    assert not Predictive(4, at_least=True).judge(np.array([1] * 97 + [4] * 3)).passed


def test_predictive_probability_of_a_reported_value_is_two_sided() -> None:
    values = np.arange(10.0)  # 4 of 10 at or below 3, 7 of 10 at or above it
    assert Band(2.0, 4.0, point=3.0).predictive_p(values) == pytest.approx(0.8)
    assert Band(2.0, 4.0, point=9.5).predictive_p(values) == 0.0  # beyond every run
    assert Band(2.0, 4.0, point=4.5).predictive_p(np.full(5, 4.5)) == 1.0  # capped at 1
    assert Band(2.0, 4.0).describe() == Band(2.0, 4.0, point=3.0).describe()  # the criterion is unchanged


def test_predictive_probability_of_a_bound_is_the_share_inside_it() -> None:
    assert Band(0.0, 0.2).predictive_p(np.array([0.1, 0.3, 0.15, 0.5])) == pytest.approx(0.5)
    assert Band(0.5, 1.0).predictive_p(np.array([0.4, 0.45])) == 0.0


def test_predictive_probability_of_a_count() -> None:
    assert Predictive(0).predictive_p(np.array([0, 0, 0, 1])) == 1.0  # 2 x min(0.75, 1), capped
    assert Predictive(2).predictive_p(np.array([0, 1, 2, 3, 4])) == pytest.approx(1.0)  # 2 x 3/5, capped
    assert Predictive(3).predictive_p(np.array([0] * 19 + [3])) == pytest.approx(0.1)  # 2 x 1/20
    assert Predictive(4, at_least=True).predictive_p(np.array([1, 2, 4, 5])) == pytest.approx(0.5)
    # 3 of 7 at p = 0.02 for every run: 2 x P(X >= 3) = 2 x (1 - P(X <= 2)).
    q = 0.02
    upper = 1 - sum(math.comb(7, k) * q**k * (1 - q) ** (7 - k) for k in range(3))
    assert Predictive(3, trials=7).predictive_p(np.full(10, q)) == pytest.approx(2 * upper, rel=1e-9)


def test_every_reported_point_lies_in_its_band() -> None:
    points = [t for t in TARGETS if isinstance(t.criterion, Band) and t.criterion.point is not None]
    assert len(points) == 5  # PEACH's retention and attendance, the Breakthrough Series' attendance, PROSPER's two
    assert all(t.criterion.lo <= t.criterion.point <= t.criterion.hi for t in points)


def test_a_row_says_whether_its_predictive_check_fails() -> None:
    from qicsim.studies.validation.check import judge

    target = BY_KEY["event_attendance"]
    near, far = judge(target, pd.Series([2.5, 3.0, 3.5, 2.8])), judge(target, pd.Series([6.0, 7.0, np.nan]))
    assert near["predictive_p"] == pytest.approx(1.0) and not near["predictive_fails"]
    assert far["predictive_p"] == 0.0 and far["predictive_fails"] and far["replications_used"] == 2
    empty = judge(target, pd.Series([np.nan, np.nan]))
    assert np.isnan(empty["predictive_p"]) and empty["predictive_fails"] and not empty["passed"]


# --- checks that can fail: a deliberately wrong configuration fails the relevant check


@pytest.mark.slow
def test_retention_matches_the_turnover_rates() -> None:
    report = validate(replications=20, seed=11, targets=only("care_members_in_post"))
    row = report.table.iloc[0]
    # First members: each home's manager (20% a year) and one senior carer (30% a year) at the default
    # members_per_home = 2; in post after 78 weeks with chance (1 - rate) ** 1.5.
    expected = 0.5 * 0.8 ** 1.5 + 0.5 * 0.7 ** 1.5
    assert abs(row["simulated_mean"] - expected) < 3 * row["mean_se"], (row["simulated_mean"], expected)
    assert row["passed"]


def test_no_turnover_fails_the_retention_check() -> None:
    wrong = validate(replications=3, seed=11, targets=only("care_members_in_post"),
                     overrides=["parameters.care_turnover_per_year=0", "parameters.manager_turnover_per_year=0"])
    assert wrong.table.iloc[0]["simulated_mean"] == 1.0
    assert not wrong.table.iloc[0]["passed"]


def test_data_support_fails_the_measurement_checks() -> None:
    keys = ("teams_measuring", "iterative_pdsa")
    wrong = validate(replications=10, seed=3, targets=only(*keys), overrides=["contexts.data_support.intensity=1"])
    failed = wrong.table.set_index("key")["passed"]
    assert not failed["teams_measuring"], wrong.table["detail"].tolist()
    assert not failed["iterative_pdsa"], wrong.table["detail"].tolist()


def test_no_learning_events_fail_the_attendance_check() -> None:
    wrong = validate(replications=3, seed=3, targets=only("event_attendance"),
                     overrides=["parameters.event_attendance=0"])
    assert not wrong.table.iloc[0]["passed"]


def test_the_rerun_is_the_replication_in_the_tables() -> None:
    config = qicsim.scenario_config("peach", replications=2, seed=5)
    results = simulate(config)
    leavers = results.mechanism_totals().set_index("seed")["leavers"]
    for seed in results.runs["seed"]:
        model = qicsim.QICModel(seed=int(seed), **model_kwargs(config)).run()
        assert model.counts.total("leavers") == leavers[seed]
        share = original_members_in_post(config, int(seed))
        assert 0.0 < share < 1.0


def test_quantities_are_read_per_replication() -> None:
    report = validate(replications=4, seed=2, targets=only("sustained_interventions", "widest_reach",
                                                           "monthly_data", "space_homes_measuring"))
    assert set(report.table["key"]) == {"sustained_interventions", "widest_reach", "monthly_data",
                                        "space_homes_measuring"}
    assert (report.table["replications_used"] + report.table["replications_left_out"] == 4).all()
    assert set(report.seeds) == {"peach", "space"}


# --- bad input: one line, exit code 2, nothing written


@pytest.mark.parametrize(("argv", "expected"), [
    (["--replications", "0"], "run.replications"),
    (["notasetting"], "notasetting"),
    (["parameters.no_such_rate=1"], "parameters.no_such_rate"),
    (["contexts.data_support.intensity=2"], "contexts.data_support.intensity"),
])
def test_bad_input_is_one_line(argv: list[str], expected: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert not (tmp_path / "out").exists()


def test_an_ensemble_reaches_every_replication(tmp_path: Path) -> None:
    # A one-row ensemble without turnover: every replication, and its rerun, must draw it.
    path = tmp_path / "still.csv"
    pd.DataFrame({"weight": [1.0], "care_turnover_per_year": [0.0], "manager_turnover_per_year": [0.0]}).to_csv(
        path, index=False)
    report = validate(replications=3, seed=1, ensemble=str(path), targets=only("care_members_in_post"))
    assert report.table.iloc[0]["simulated_mean"] == 1.0
    assert report.ensemble_file is not None and report.ensemble_file["sha256"] == sha256(path)


def test_checks_an_ensembles_calibration_fitted_are_shown_apart_not_counted(tmp_path: Path) -> None:
    from qicsim.studies.validation.report import markdown

    path = tmp_path / "fitted.csv"
    pd.DataFrame({"weight": [1.0], "spread_prob": [0.15]}).to_csv(path, index=False)
    path.with_suffix(".json").write_text(json.dumps({"fitted_validation_checks": ["space_homes_changed"]}))
    report = validate(replications=3, seed=1, ensemble=str(path),
                      targets=only("space_homes_changed", "space_homes_measuring"))
    table = report.table.set_index("key")
    assert table.loc["space_homes_changed", "fitted"] and not table.loc["space_homes_measuring", "fitted"]
    assert table.loc["space_homes_changed", "held_out"].startswith("no:")
    text = markdown(report)
    held = int(table.loc["space_homes_measuring", "passed"])
    assert f"{held} of 1 checks pass" in text
    assert "so not counted: SPACE homes that made improvements (" in text
    # Without the sidecar every check is held out and the table keeps its columns.
    path.with_suffix(".json").unlink()
    plain = validate(replications=3, seed=1, ensemble=str(path), targets=only("space_homes_changed"))
    assert "fitted" not in plain.table.columns


def test_an_output_folder_holding_a_result_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "validation.md").write_text("an earlier result")
    with pytest.raises(SystemExit) as exit_info:
        main(["--replications", "1", "--out", str(out)])
    assert exit_info.value.code == 2
    assert "already holds a result" in capsys.readouterr().err
    assert (out / "validation.md").read_text() == "an earlier result"


# --- the files


@pytest.mark.slow
def test_the_command_writes_table_and_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "validation"
    main(["--replications", "2", "--seed", "9", "--out", str(out)])
    assert f"of {len(TARGETS)} held-out checks pass" in capsys.readouterr().out
    table = pd.read_csv(out / "validation.csv")
    assert list(table["key"]) == [target.key for target in TARGETS]
    assert set(table["passed"]) <= {True, False}
    record = json.loads((out / "provenance.json").read_text())
    assert set(record["seeds"]) == {"peach", "bts_nursing_homes", "prosper", "space"}
    assert all(len(s["replication_seeds"]) == 2 and s["master_seed"] == 9 for s in record["seeds"].values())
    assert record["configs"]["prosper"]["structure"]["homes_per_site"] == [30, 30, 30]
    assert record["ensemble"] is None and record["packages"]["numpy"]
    assert record["sha256"] == {name: sha256(out / name) for name in FILES}
    text = (out / "validation.md").read_text()
    assert "| check | programme |" in text and "Posterior predictive checks" in text
    assert set(table["predictive_fails"]) <= {True, False} and table["predictive_p"].between(0, 1).all()
    assert (table["predictive_fails"] == (table["predictive_p"] < 0.05)).all()
    values = pd.read_csv(out / "values.csv")
    assert len(values) == 2 * len(TARGETS) and set(values["key"]) == set(table["key"])
    assert (out / "validation.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_write_report_refuses_to_write_over_a_report(tmp_path: Path) -> None:
    report = validate(replications=1, seed=1, targets=only("teams_measuring"))
    write_report(report, tmp_path / "v", ["test"])
    with pytest.raises(qicsim.DataError, match="already holds a result"):
        write_report(report, tmp_path / "v", ["test"])


# --- the committed reference table (results/validation/) stays true to the code

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "validation"


def reference_record() -> dict:
    return json.loads((REFERENCE / "provenance.json").read_text())


def test_reference_table_is_intact_and_has_the_current_targets() -> None:
    record = reference_record()
    assert record["sha256"] == {name: sha256(REFERENCE / name) for name in FILES}, "a reference file was edited"
    table = pd.read_csv(REFERENCE / "validation.csv")
    assert list(table["key"]) == [t.key for t in TARGETS], "regenerate: qicsim-validate (see docs/validation.md)"
    assert list(table["criterion"]) == [t.criterion.describe() for t in TARGETS], "a criterion changed"
    assert record["ensemble"] is None, "the reference is at the point defaults"


def test_reference_configs_are_the_shipped_scenarios() -> None:
    record = reference_record()
    for name, recorded in record["configs"].items():
        run = recorded["run"]
        current = dataclasses.asdict(qicsim.scenario_config(name, replications=run["replications"], seed=run["seed"]))
        current.pop("sweep")
        current = json.loads(json.dumps(current, default=str))
        # Settings added since the reference was made count at their defaults.
        for group in ("structure", "parameters"):
            current[group] = omit_later_settings(current[group], current["structure"])
            recorded[group] = omit_later_settings(recorded[group], recorded["structure"])
        assert current == recorded, f"{name} changed: regenerate the reference"


@pytest.mark.slow
def test_rerunning_peach_gives_the_reference_values() -> None:
    record = reference_record()
    seeds = record["seeds"]["peach"]
    peach = tuple(t for t in TARGETS if t.scenario == "peach")
    report = validate(replications=len(seeds["replication_seeds"]), seed=seeds["master_seed"], targets=peach)
    committed = pd.read_csv(REFERENCE / "validation.csv").set_index("key")
    for row in report.table.itertuples():
        assert row.simulated_mean == pytest.approx(committed.loc[row.key, "simulated_mean"], rel=1e-9, abs=1e-12)
        assert row.passed == bool(committed.loc[row.key, "passed"])


@pytest.mark.slow  # child processes
def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "qicsim-validate"
    if not script.is_file():
        pytest.fail(f"no qicsim-validate console script next to {sys.executable}; pip install -e .")
    shown = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0 and "--ensemble" in shown.stdout
    refused = subprocess.run([str(script), "--seed", "-1", "--out", str(tmp_path / "v")], capture_output=True,
                             text=True, timeout=120, check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()] and "run.seed" in refused.stderr
    assert not (tmp_path / "v").exists()


def _table(passed: list[bool], fitted: list[bool] | None = None) -> pd.DataFrame:
    table = pd.DataFrame({"key": ["a", "b", "c"][: len(passed)], "programme": "peach",
                          "name": ["check a", "check b", "check c"][: len(passed)], "criterion": "in [0, 1]",
                          "simulated_mean": 0.5, "simulated_p5": 0.1, "simulated_p95": 0.9, "passed": passed})
    if fitted is not None:
        table["fitted"] = fitted
    return table


def test_side_by_side_shows_changed_verdicts_and_leaves_fitted_checks_uncounted(tmp_path) -> None:
    from qicsim.studies.validation.side_by_side import read_table, side_by_side

    text = side_by_side(_table([True, False]), _table([True, True, False], fitted=[False, True, False]),
                        "old", "new")
    rows = [line for line in text.splitlines() if line[:10] in ("| check a ", "| check b ", "| check c ")]
    assert [r.split("|")[1].strip() for r in rows] == ["check a", "check b", "check c"]  # the old table's order
    assert rows[1].split("|")[-2].strip() == "yes" and rows[0].split("|")[-2].strip() == ""  # b: fail -> pass
    assert "pass (fitted)" in rows[1] and "not run" in rows[2]
    assert "- old: 1 of 2 held-out checks pass." in text
    assert "- new: 1 of 2 held-out checks pass (1 fitted, not counted)." in text
    (tmp_path / "validation.csv").write_text("key,passed\na,True\n")
    from qicsim.errors import DataError

    with pytest.raises(DataError, match="has no column 'programme'") as error:
        read_table(tmp_path)
    assert "\n" not in str(error.value)
