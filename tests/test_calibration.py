"""Calibration (qicsim/calibration): settings and their errors, statistics and distance, particle seeds,
the epsilon floor, resuming, and recovery of known parameters on a synthetic case."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qicsim.errors import ConfigError
from qicsim.model.parameters import Parameters
from qicsim.studies.calibration.particles import particle_seeds, plain_values
from qicsim.studies.calibration.posterior import Posterior, effective_sample_size, marginals, weighted_quantile
from qicsim.studies.calibration.settings import CalibrationSettings, Prior, Target, load_settings, validate
from qicsim.studies.calibration.smc import FloorEpsilon, fingerprint
from qicsim.studies.calibration.targets import HELD_OUT, ScaledMaxDistance, statistics

SMALL = ["structure.homes_per_site=[4,4,4]"]


def test_shipped_settings_are_valid_and_sourced() -> None:
    settings = load_settings("peach")
    assert len(settings.priors) == 8 and len(settings.targets) == 5
    defaults = Parameters()
    for name, prior in settings.priors.items():
        assert prior.lo < getattr(defaults, name) < prior.hi, name  # the default is a plausible value
        assert "assumption" in prior.range_source, name  # every range is labelled an assumption
    for name, target in settings.targets.items():
        assert name not in HELD_OUT and target.source and target.tolerance > 0


@pytest.mark.parametrize(("override", "message"), [
    ("no_such_key=1", r"^calibration\.no_such_key: "),
    ("population=1", r"^calibration\.population: 1 is too small"),
    ("sampler=mpi", r"^calibration\.sampler: 'mpi' is not a sampler"),
    ("sampler=dask", r"^calibration\.dask_scheduler: empty with sampler=dask"),
    ("priors.voice_prob.lo=0.1", r"^calibration\.priors\.voice_prob\.hi: "),  # a prior needs both ends
    ("priors.slack_use.hi=1.5", r"^calibration\.priors\.slack_use\.hi: 1\.5 is out of range; allowed: a number in"),
    ("priors.slack_use.lo=0.95", r"^calibration\.priors\.slack_use: lo 0\.95 is not below hi 0\.9"),
    ("population=abc", r"^calibration\.population: "),
])
def test_bad_settings_give_one_line(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings("peach", [override])
    assert "\n" not in str(caught.value)


def test_a_held_out_target_is_refused_from_the_command_line() -> None:
    held = ["targets.sustained_share.value=0.3", "targets.sustained_share.tolerance=0.1",
            "targets.sustained_share.source=x"]
    with pytest.raises(ConfigError, match=r"^calibration\.targets\.sustained_share: held out for validation"):
        load_settings("peach", held)


def test_held_out_and_unknown_names_are_refused_by_validate() -> None:
    base = load_settings("peach")
    for name in ("teams_used_measurement", "no_such_statistic"):
        bad = dataclasses.replace(base, targets={name: Target(0.0, 1.0, "x")})
        with pytest.raises(ConfigError, match=rf"^calibration\.targets\.{name}: "):
            validate(bad)
    with pytest.raises(ConfigError, match=r"^calibration\.priors\.protected_roles: not a numeric parameter"):
        validate(dataclasses.replace(base, priors={"protected_roles": Prior(0, 1, "x")}))


def test_missing_settings_file() -> None:
    with pytest.raises(ConfigError, match=r"^calibration: .*nope\.yaml does not exist"):
        load_settings("nope")


def test_distance_is_the_largest_scaled_deviation() -> None:
    distance = ScaledMaxDistance({"a": 0.1, "b": 2.0})
    assert distance({"a": 0.25, "b": 3.0}, {"a": 0.2, "b": 0.0}) == pytest.approx(1.5)
    assert distance({"a": 0.2, "b": 1.0}, {"a": 0.2, "b": 0.0}) == pytest.approx(0.5)
    assert distance({"a": math.nan, "b": 0.0}, {"a": 0.2, "b": 0.0}) == math.inf


def test_statistics_average_over_replications_and_skip_undefined() -> None:
    rows = [{"measured_share": 0.1, "homes_with_implementation": 3, "share_led_gp": math.nan},
            {"measured_share": 0.3, "homes_with_implementation": 6, "share_led_gp": 0.5}]
    out = statistics(rows, 12, ("measured_share", "homes_with_implementation_share", "share_led_gp"))
    assert out == pytest.approx({"measured_share": 0.2, "homes_with_implementation_share": 0.375, "share_led_gp": 0.5})
    assert math.isnan(statistics(rows[:1], 12, ("share_led_gp",))["share_led_gp"])


def test_particle_seeds_depend_on_master_seed_and_particle_only() -> None:
    particle = {"slack_use": 0.5, "induction_weeks": 3.6}
    assert plain_values(particle) == {"induction_weeks": 4, "slack_use": 0.5}
    seeds = particle_seeds(7, plain_values(particle), 3)
    assert seeds == particle_seeds(7, plain_values(dict(reversed(particle.items()))), 3)  # order does not matter
    assert len(set(seeds)) == 3
    assert seeds != particle_seeds(8, plain_values(particle), 3)
    assert seeds != particle_seeds(7, plain_values({**particle, "slack_use": 0.5000001}), 3)


def test_epsilon_never_below_its_floor() -> None:
    eps = FloorEpsilon(alpha=0.5, floor=1.0)
    frame = pd.DataFrame({"distance": [0.2, 0.4, 0.6, 3.0], "w": [1.0, 1.0, 1.0, 1.0]})
    eps.initialize(0, lambda: frame, lambda: [], 5, {})
    assert eps(0) == 1.0
    wide = pd.DataFrame({"distance": [2.0, 4.0, 6.0], "w": [1.0, 1.0, 1.0]})
    eps.update(1, lambda: wide, lambda: [], 0.5, {})
    assert eps(1) == pytest.approx(4.0)


def test_fingerprint_ignores_budget_but_not_what_is_sampled() -> None:
    base = load_settings("peach")
    assert fingerprint(base) == fingerprint(dataclasses.replace(base, n_procs=1, generations=20, max_minutes=5))
    assert fingerprint(base) != fingerprint(dataclasses.replace(base, population=100))
    assert fingerprint(base) != fingerprint(dataclasses.replace(base, seed=1))


def test_weighted_quantiles_and_width_ratios() -> None:
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 1, 4000)
    assert weighted_quantile(values, np.ones(4000), 0.05) == pytest.approx(0.05, abs=0.01)
    # Weights proportional to the value make the distribution triangular: median sqrt(0.5).
    assert weighted_quantile(values, values, 0.5) == pytest.approx(math.sqrt(0.5), abs=0.02)
    settings = load_settings("peach")
    params = pd.DataFrame({n: rng.uniform(p.lo, p.hi, 4000) for n, p in settings.priors.items()})
    params["slack_use"] = rng.uniform(0.55, 0.65, 4000)  # a tenth of its prior range
    table = marginals(Posterior(params, np.full(4000, 1 / 4000), 0, 1.0), settings).set_index("parameter")
    assert table.loc["slack_use", "identified"] == "pinned down"
    assert table.loc["slack_use", "width_ratio"] == pytest.approx(1 / 6, abs=0.02)
    assert (table.drop(index="slack_use")["identified"] == "free").all()
    assert effective_sample_size(np.full(50, 0.02)) == pytest.approx(50)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1)


def tiny_settings(tmp_path: Path, **changes) -> CalibrationSettings:
    base = load_settings("peach", ["sampler=single", "ship_as=null", "predictive_particles=4",
                                   "predictive_replications=1"])
    return dataclasses.replace(base, overrides=list(SMALL), **changes)


@pytest.mark.slow
def test_killed_calibration_resumes_and_refuses_another(tmp_path: Path) -> None:
    from qicsim.studies.calibration.smc import read_record, run_smc

    settings = tiny_settings(tmp_path, population=8, replications=1, generations=1, epsilon_floor=0.0)
    first = run_smc(settings, tmp_path / "c", quiet=True)
    assert first.generations == 1 and first.stopped == "1 generations done"
    more = run_smc(dataclasses.replace(settings, generations=2), tmp_path / "c", quiet=True)
    assert more.generations == 2 and more.simulations > first.simulations
    record = read_record(tmp_path / "c")
    assert [s["generations_before"] for s in record["sessions"]] == [0, 1]
    with pytest.raises(ConfigError, match=r"^calibration\.name: .* holds another calibration"):
        run_smc(dataclasses.replace(settings, seed=5), tmp_path / "c", quiet=True)


@pytest.mark.slow
def test_recovers_known_parameters_on_a_synthetic_case(tmp_path: Path) -> None:
    """The model at a known parameter set, calibrated to its own output: the truth in the 90% interval.

    Two parameters: care_workload_share off-centre (0.85, a quarter into its prior) and
    slack_use at 0.6. Targets: the means of 40 replications at the truth (seeds apart from
    the fit's), tolerances about 1.2 standard deviations of a particle's 4-replication mean
    (measured at the truth: 0.15 and 0.03 for single runs). Guard against a test that
    cannot fail: care_workload_share's interval must be narrower than its prior's.
    """
    from qicsim.studies.calibration.posterior import marginals
    from qicsim.studies.calibration.report import load_posterior
    from qicsim.studies.calibration.smc import model_of, run_smc

    truth = {"care_workload_share": 0.85, "slack_use": 0.6}
    priors = {"care_workload_share": Prior(0.7275, 1.2125, "test"), "slack_use": Prior(0.3, 0.9, "test")}
    names = ("homes_with_implementation_share", "measured_share")
    settings = tiny_settings(tmp_path, population=40, replications=4, generations=4, priors=priors,
                             targets={n: Target(0.0, 1.0, "synthetic") for n in names}, seed=99)
    model = model_of(settings)
    observed = statistics(model.rows(truth, replications=40, master_seed=12345), model.homes, names)
    settings = dataclasses.replace(settings, targets={
        "homes_with_implementation_share": Target(observed["homes_with_implementation_share"], 0.09, "synthetic"),
        "measured_share": Target(observed["measured_share"], 0.02, "synthetic")})
    run_smc(validate(settings), tmp_path / "recovery", quiet=True)
    _, posterior = load_posterior(tmp_path / "recovery")
    table = marginals(posterior, settings).set_index("parameter")
    for name, value in truth.items():
        assert table.loc[name, "q05"] <= value <= table.loc[name, "q95"], (name, table.loc[name].to_dict())
    assert table.loc["care_workload_share", "width_ratio"] < 0.8, table.to_dict()


@pytest.mark.slow
def test_cli_refuses_bad_settings_in_one_line(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "qicsim-calibrate"
    proc = subprocess.run([str(script), "peach", "population=0"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == ["qicsim-calibrate: error: calibration.population: 0 is too small; allowed: a whole number >= 2"]
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_single_process_calibration_is_reproducible(tmp_path: Path) -> None:
    from qicsim.studies.calibration.report import load_posterior
    from qicsim.studies.calibration.smc import run_smc

    settings = tiny_settings(tmp_path, population=8, replications=1, generations=2, epsilon_floor=0.0)
    frames = []
    for folder in ("a", "b"):
        run_smc(settings, tmp_path / folder, quiet=True)
        _, posterior = load_posterior(tmp_path / folder)
        frames.append((posterior.parameters, posterior.weights))
    pd.testing.assert_frame_equal(frames[0][0], frames[1][0], check_exact=True)
    np.testing.assert_array_equal(frames[0][1], frames[1][1])
    other = run_smc(dataclasses.replace(settings, seed=3), tmp_path / "c", quiet=True)
    assert other.generations == 2
    assert not load_posterior(tmp_path / "c")[1].parameters.equals(frames[0][0])  # guard: the seed matters
