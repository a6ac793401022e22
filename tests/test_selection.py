"""Calibration across programmes with model selection (issue 21): settings, distance, particles, stop rule, runs."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qicsim.errors import ConfigError
from qicsim.studies.calibration.distance import ToleranceFloorScale, adaptive_distance_for, distance_for, observed
from qicsim.studies.calibration.programme_model import StructureModel, programmes_under
from qicsim.studies.calibration.selection import fingerprint, open_history, run_selection, stop_reason
from qicsim.studies.calibration.selection_report import predictive_checks, write_report
from qicsim.studies.calibration.selection_settings import (
    MIN_PRIORS,
    is_selection,
    load_selection,
    selection_targets,
)

PEACH_ONLY = "targets=[peach_measured_share,peach_homes_implementing,peach_spread,peach_share_led_care_home]"
SMALL = [PEACH_ONLY, "population=8", "sampler=single", "min_generations=1", "max_generations=2", "ensemble_size=20",
         "predictive_particles=3"]


def test_shipped_settings_fit_three_programmes_three_structures_and_enough_parameters() -> None:
    settings = load_selection("programmes")
    targets = selection_targets(settings)
    # Fitting SPACE's two takes their validation twins out of the held-out set; the BTS attendance stays held out.
    assert sorted(t.overlaps_validation for t in targets if t.overlaps_validation) == [
        "space_homes_changed", "space_homes_measuring"]
    assert is_selection("programmes") and not is_selection("peach")
    assert {t.programme for t in targets} >= {"PEACH", "SPACE", "MOVIT"}
    assert not any("prosper" in t.scenario.lower() for t in targets)
    assert len(settings.structures) >= 3 and "selected_2027" in settings.structures
    assert len(settings.priors) >= MIN_PRIORS
    assert settings.population >= 1000
    for name, prior in settings.priors.items():
        assert prior.range_source.strip(), name


def test_the_time_course_calibration_is_programmes_plus_one_time_course_point() -> None:
    """programmes_timecourse adds SPACE's homes measuring by week 27 to `programmes` and changes nothing else,
    so the two (and their recoveries) can be set side by side."""
    base, timed = load_selection("programmes"), load_selection("programmes_timecourse")
    assert [t for t in timed.targets if t not in base.targets] == ["space_homes_measuring_early"]
    assert set(base.targets) <= set(timed.targets)
    (added,) = [t for t in selection_targets(timed) if t.id == "space_homes_measuring_early"]
    assert added.kind == "time-course" and [p.at for p in added.points] == [27]
    same = {f: v for f, v in vars(base).items() if f not in ("name", "description", "targets", "ship_as")}
    assert same == {f: v for f, v in vars(timed).items() if f in same}
    assert timed.ship_as == "programmes_timecourse" != base.ship_as


def test_a_calibration_that_extends_a_missing_or_circular_base_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    missing.write_text("extends: nowhere\nname: x\n")
    with pytest.raises(ConfigError, match=r"^calibration\.extends: 'nowhere': .*nowhere\.yaml does not exist"):
        load_selection(str(missing))
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(f"extends: {second}\nname: first\n")
    second.write_text(f"extends: {first}\nname: second\n")
    with pytest.raises(ConfigError, match=r"^calibration\.extends: .* extends itself through the chain"):
        load_selection(str(first))
    assert not is_selection(str(first))


@pytest.mark.parametrize(("override", "key"), [
    ("structures=[selected_2027]", "calibration.structures"),
    ("structures=[selected_2027,no_such]", "calibration.structures"),
    ("targets=[no_such_target]", "calibration.targets"),
    ("targets=[space_homes_taking_part]", "calibration.targets"),  # needs a model statistic
    ("sampler=batched", "calibration.sampler"),
    ("min_generations=5", "calibration.min_generations"),  # with max_generations=4 below
    ("distance=euclid", "calibration.distance"),
    ("defensive_share=1", "calibration.defensive_share"),
    ("no_such_key=1", "calibration.no_such_key"),
    ("priors.spread_prob.lo=0.5", "calibration.priors.spread_prob"),
])
def test_bad_settings_are_one_line_naming_the_setting(override: str, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_selection("programmes", [override, "max_generations=4"])
    assert error.value.key.startswith(key)
    assert "\n" not in str(error.value)


def test_tolerance_floor_scale_is_the_mad_never_below_the_tolerance() -> None:
    scale = ToleranceFloorScale({"flat": 0.1, "wide": 0.1})
    rng = np.random.default_rng(0)
    samples = np.column_stack([np.full(200, 0.3), rng.normal(0, 2.0, 200)])
    out = scale(samples=samples, s0=np.zeros(2), s_ids=["flat", "wide"])
    wide = samples[:, 1]
    assert out[0] == 0.1  # a statistic every particle gets exactly weighs as its tolerance, not without bound
    assert out[1] == pytest.approx(np.median(np.abs(wide - np.median(wide))))
    assert out[1] > 1.0


def test_adaptive_distance_starts_as_the_scaled_distance() -> None:
    settings = load_selection("programmes")
    targets = selection_targets(settings)
    fixed = distance_for(targets)
    adaptive = adaptive_distance_for(targets)
    x0 = observed(targets)
    adaptive.initialize(t=0, get_sample=None, x_0=x0, total_sims=0)
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = {k: v + rng.normal(0, 0.3) for k, v in x0.items()}
        assert adaptive(x, x0, t=0) == pytest.approx(fixed(x, x0), rel=1e-12)


def test_a_particle_gets_its_own_replications_whatever_the_batch() -> None:
    settings = load_selection("programmes", [PEACH_ONLY])
    targets = selection_targets(settings)
    particle = {"spread_prob": 0.2, "project_effort_hours": 30.0}
    one = StructureModel("selected_2027", programmes_under("selected_2027", targets), 7, 3, batch_size=1)
    many = StructureModel("selected_2027", programmes_under("selected_2027", targets), 7, 3, batch_size=16)
    first = one(particle)
    assert first == many(particle) == one(particle)
    assert set(first) == {k for t in targets for k in t.statistic_keys()}
    other = StructureModel("peach_2026", programmes_under("peach_2026", targets), 7, 3)
    assert other.runs_of(particle, other.programmes[0])[0].seed != one.runs_of(particle, one.programmes[0])[0].seed


def _generation(t: int, qc: float | None, pc: float | None, acceptance: float = 0.5) -> dict:
    return {"t": t, "quantile_change": qc, "probability_change": pc, "acceptance": acceptance}


def test_stop_rule() -> None:
    s = load_selection("programmes", ["min_generations=3", "max_generations=6", "max_minutes=10"])
    settled = [_generation(0, None, None), _generation(1, 0.2, 0.3), _generation(2, 0.01, 0.01)]
    assert stop_reason(s, settled[:2], 0, 0) is None
    assert stop_reason(s, settled, 0, 0).startswith("settled")
    assert stop_reason(s, [*settled[:2], _generation(2, 0.01, 0.2)], 0, 0) is None  # probabilities still moving
    assert stop_reason(s, [*settled[:1], _generation(1, 0.01, 0.0)], 0, 0) is None  # fewer than min_generations
    assert stop_reason(s, [_generation(0, None, None, acceptance=0.001)], 0, 0).startswith("acceptance")
    assert stop_reason(s, [_generation(i, 0.5, 0.5) for i in range(6)], 0, 0) == "6 generations done"
    assert "time budget of 10 minutes used (run it again to go on)" in stop_reason(s, [], 601, 0)


def test_predictive_check_p_values() -> None:
    s = load_selection("programmes", [PEACH_ONLY])
    rng = np.random.default_rng(2)
    runs = pd.DataFrame({"peach_measured_share": rng.uniform(0.05, 0.15, 400),  # observed 0.1 in the middle
                         "peach_homes_implementing": rng.uniform(0.0, 0.2, 400),  # observed 0.5 beyond every run
                         "peach_spread": rng.uniform(0, 10, 400), "peach_share_led_care_home": np.full(400, 0.75)})
    checks = predictive_checks(runs, s).set_index("target")
    assert checks.loc["peach_measured_share", "p"] == pytest.approx(1.0, abs=0.1)
    assert not checks.loc["peach_measured_share", "fails"]
    assert checks.loc["peach_homes_implementing", "p"] == 0.0 and checks.loc["peach_homes_implementing", "fails"]
    assert checks.loc["peach_share_led_care_home", "p"] == 1.0  # every run at the observed value


@pytest.mark.slow  # whole calibrations: in CI's full run, not its quick pass on the other Python
def test_small_run_reports_resumes_and_refuses_another_calibration(tmp_path: Path) -> None:
    settings = load_selection("programmes", SMALL)
    folder = tmp_path / settings.name
    outcome = run_selection(settings, folder, quiet=True)
    record = json.loads((folder / "calibration.json").read_text())
    assert outcome.generations == 2 and len(record["generations"]) == 2
    for g in record["generations"]:
        assert sum(g["probabilities"].values()) == pytest.approx(1.0)
        assert 0 < g["acceptance"] <= 1 and g["ess"] > 0
    write_report(settings, folder, record)
    report = (folder / "report.md").read_text()
    for heading in ("## Convergence", "## Structures", "## Posterior", "## Posterior predictive checks"):
        assert heading in report
    ensemble = pd.read_csv(folder / "ensemble.csv")
    assert len(ensemble) == 20 and set(ensemble["structure"]) <= set(settings.structures)
    assert {"project_start", "trap", "weight", *settings.priors} <= set(ensemble.columns)
    sidecar = json.loads((folder / "ensemble.json").read_text())
    assert sidecar["fitted_validation_checks"] == []  # the PEACH targets overlap no held-out check
    assert sidecar["structures"] == pytest.approx(record["generations"][-1]["probabilities"])
    structures = pd.read_csv(folder / "structures.csv")
    assert structures["probability"].sum() == pytest.approx(1.0)
    # The same command with a larger budget goes on from the history; another population is another calibration.
    more = load_selection("programmes", [*SMALL, "max_generations=3"])
    assert fingerprint(more) == fingerprint(settings)
    run_selection(more, folder, quiet=True)
    resumed = json.loads((folder / "calibration.json").read_text())
    assert len(resumed["generations"]) == 3 and resumed["generations"][:2] == record["generations"]
    with pytest.raises(ConfigError, match="another calibration"):
        open_history(load_selection("programmes", [*SMALL, "population=9"]), folder)


@pytest.mark.slow
def test_command_line_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "qicsim.apps.cli.calibrate", "programmes", "structures=[x]",
                           "--results-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "calibration.structures" in done.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_runs_on_a_dask_cluster(tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        settings = load_selection("programmes", [*SMALL, "max_generations=1", "sampler=dask",
                                                 f"dask_scheduler={cluster.scheduler_address}"])
        outcome = run_selection(settings, tmp_path / settings.name, quiet=True)
    record = json.loads((tmp_path / settings.name / "calibration.json").read_text())
    assert outcome.generations == 1 and outcome.simulations >= settings.population
    assert sum(record["generations"][0]["probabilities"].values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_a_killed_calibration_goes_on_from_its_history(tmp_path: Path) -> None:
    import os
    import signal
    import time

    args = [sys.executable, "-m", "qicsim.apps.cli.calibrate", "programmes", *SMALL, "max_generations=40",
            "min_generations=40", "--results-dir", str(tmp_path), "--quiet"]
    record_path = tmp_path / "programmes" / "calibration.json"
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        done = 0
        while time.monotonic() < deadline and done < 1:
            time.sleep(0.5)
            with contextlib.suppress(OSError, ValueError):
                done = len(json.loads(record_path.read_text())["generations"])
        assert done >= 1, "no generation within 4 minutes"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    killed = json.loads(record_path.read_text())
    assert killed["status"] == "running"
    kept = len(killed["generations"])
    resumed = subprocess.run([*args[:-5], f"max_generations={kept + 1}", "--results-dir", str(tmp_path), "--quiet"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    after = json.loads(record_path.read_text())
    assert len(after["generations"]) == kept + 1 and after["generations"][:kept] == killed["generations"]
    assert after["status"] == "done" and [s["generations_before"] for s in after["sessions"]][-1] == kept


@pytest.mark.slow  # whole calibrations: in CI's full run, not its quick pass on the other Python
def test_recovery_cases_and_table(tmp_path: Path) -> None:
    from qicsim.studies.calibration.recovery import make_cases, recover

    settings = load_selection("programmes", [*SMALL, "max_generations=1"])
    parameters = ["care_workload_share", "protection_honour_load", "spread_prob", "measurement_value_hours"]
    with pytest.raises(ConfigError, match="at least 4"):
        make_cases(settings, parameters[:3], 2)
    cases = make_cases(settings, parameters, 2)
    assert [c.structure for c in cases] == settings.structures[:2]
    assert make_cases(settings, parameters, 2) == cases  # from the master seed
    for case in cases:
        for name, value in case.truth.items():
            prior = settings.priors[name]
            assert prior.lo + 0.1 * (prior.hi - prior.lo) <= value <= prior.hi - 0.1 * (prior.hi - prior.lo)
        assert set(case.observations) == {k for t in selection_targets(settings) for k in t.statistic_keys()}
    table = recover(settings, parameters, 2, tmp_path, quiet=True)
    assert len(table) == 2 and set(table["true_structure"]) == set(settings.structures[:2])
    assert {f"{p}_inside" for p in parameters} <= set(table.columns)
    for row in table.itertuples():
        for p in parameters:  # the verdict is the interval's
            assert getattr(row, f"{p}_inside") == (getattr(row, f"{p}_q05") <= getattr(row, f"{p}_true")
                                                  <= getattr(row, f"{p}_q95"))
    text = (tmp_path / "recovery.md").read_text()
    assert "Structure recovered (highest posterior probability) in" in text


@pytest.mark.slow  # whole calibrations: in CI's full run, not its quick pass on the other Python
def test_an_unfinished_calibration_is_not_shipped(tmp_path: Path) -> None:
    from qicsim.apps.cli.calibrate import select
    from qicsim.config.paths import config_dir
    from qicsim.errors import DataError

    with pytest.raises(DataError, match="not shipped: the calibration stopped at its budget"):
        select("programmes", [*SMALL, "max_generations=1", "ship_as=never_shipped"], tmp_path, quiet=True,
               ship_it=True)
    assert not (config_dir() / "ensemble" / "never_shipped.csv").exists()
    assert (tmp_path / "programmes" / "report.md").is_file()  # the report of what was sampled is still written


def test_defensive_transition_mixes_the_prior_and_bounds_the_weights() -> None:
    import pyabc

    from qicsim.studies.calibration.transition import DefensiveTransition

    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0, 1), b=pyabc.RV("uniform", 0, 1))
    rng = np.random.default_rng(4)
    population = pd.DataFrame({"a": rng.normal(0.5, 0.01, 300), "b": rng.normal(0.5, 0.01, 300)})
    transition = DefensiveTransition(prior, share=0.3)
    transition.fit(population, np.full(300, 1 / 300))
    points = pd.DataFrame({"a": rng.uniform(0, 1, 500), "b": rng.uniform(0, 1, 500)})
    mixture = transition.pdf(points)
    np.testing.assert_allclose(mixture, 0.3 * 1.0 + 0.7 * transition.kde.pdf(points), rtol=1e-12)
    assert np.all(1.0 / mixture <= 1 / 0.3 + 1e-12)  # prior / proposal: a weight at most 1/share of the least
    single = pyabc.Parameter({"a": 0.9, "b": 0.1})
    assert transition.pdf(single) == pytest.approx(0.3 + 0.7 * transition.kde.pdf(single))
    np.random.seed(5)
    draws = pd.DataFrame([transition.rvs_single() for _ in range(2000)])
    far = ((draws["a"] - 0.5).abs() > 0.05) | ((draws["b"] - 0.5).abs() > 0.05)
    # Only the prior's share lands away from the kernel: 0.3 x (1 - 0.1^2) = 0.297 expected, binomial SD 0.01.
    assert abs(far.mean() - 0.297) < 0.04
    with pytest.raises(ValueError):
        DefensiveTransition(prior, share=0.0)
