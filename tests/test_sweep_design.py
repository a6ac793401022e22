"""Designs: points, seeds, chunks and factor settings, and one-line errors for bad sweep settings."""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qicsim.config.loader import load_config
from qicsim.config.sweep import SweepSettings
from qicsim.errors import ConfigError
from qicsim.model.contexts import CONTEXT_NAMES
from qicsim.run.runner import model_kwargs, point_seed, replication_seed
from qicsim.studies.sweep.design import apply_point, build_design, chunk_points, factors_of
from qicsim.studies.sweep.plan import make_plan


def sweep_config(experiment: str, *overrides: str):
    return load_config([f"experiment={experiment}", *overrides])


@given(n=st.integers(0, 3000), jobs=st.integers(1, 200))
def test_chunks_partition_the_points_evenly(n: int, jobs: int) -> None:
    chunks = [chunk_points(n, jobs, j) for j in range(jobs)]
    assert sorted(p for c in chunks for p in c) == list(range(n))
    sizes = [len(c) for c in chunks]
    assert max(sizes) - min(sizes) <= 1
    assert all(list(c) == sorted(c) for c in chunks)


def test_chunks_mix_the_design() -> None:
    # In the 2^9 factorial C1 varies slowest: every job of 16 gets both levels of it equally.
    config = sweep_config("context_factorial")
    design = build_design(config.sweep, config.scenario, config.run.seed)
    for job in range(16):
        points = list(chunk_points(512, 16, job))
        assert design.loc[points, "remit_clarity"].mean() == 0.5
        assert design.loc[points, "protected_time"].mean() == 0.5


def test_point_seeds_are_distinct_and_independent_of_the_replication_seeds() -> None:
    seeds = {point_seed(1, p, r) for p in range(200) for r in range(20)}
    assert len(seeds) == 4000
    assert not seeds & {replication_seed(1, r) for r in range(20)}
    assert point_seed(1, 3, 4) == point_seed(1, 3, 4) != point_seed(2, 3, 4)


def test_context_factorial_is_the_full_2_to_the_9_design() -> None:
    config = sweep_config("context_factorial")
    design = build_design(config.sweep, config.scenario, config.run.seed)
    names = list(CONTEXT_NAMES[:9])
    assert len(design) == 512
    assert design[names].drop_duplicates().shape[0] == 512
    assert set(np.unique(design[names].to_numpy())) == {0.0, 1.0}
    assert design["label"].iloc[-1] == " ".join(f"C{i}=1" for i in range(1, 10))
    assert config.scenario == "no_contexts" and config.contexts.data_support.intensity == 0


def test_point_sets_context_everywhere_and_clears_the_base_schedule() -> None:
    config = sweep_config("context_factorial", "scenario=peach", "sweep.only=[remit_clarity,protected_time]")
    design = build_design(config.sweep, config.scenario, config.run.seed)
    base = model_kwargs(config)
    assert base["contexts"]["remit_clarity"]["schedule"]  # PEACH widens its remit in week 13
    kwargs = apply_point(base, factors_of(config.sweep), design.iloc[1])
    assert kwargs["contexts"]["remit_clarity"] == {"intensity": 0.0, "sites": {}, "schedule": []}
    assert kwargs["contexts"]["protected_time"]["intensity"] == 1.0
    assert kwargs["contexts"]["alignment"] == base["contexts"]["alignment"]  # not a factor here
    assert base["contexts"]["remit_clarity"]["schedule"]  # the base is not changed


def test_integer_parameter_is_rounded_for_the_model() -> None:
    config = sweep_config("morris", "+sweep.factors.max_projects_per_home=[1,4]",
                          "sweep.only=[max_projects_per_home,voice_prob]")
    design = build_design(config.sweep, config.scenario, config.run.seed)
    factors = factors_of(config.sweep)
    for _, point in design.iterrows():
        kwargs = apply_point(model_kwargs(config), factors, point)
        assert isinstance(kwargs["max_projects_per_home"], int)
        assert kwargs["max_projects_per_home"] == round(point["max_projects_per_home"])
        assert kwargs["voice_prob"] == point["voice_prob"]


@pytest.mark.parametrize(("experiment", "points"), [("morris", 20 * 22), ("sobol", 256 * 11)])
def test_salib_designs_have_the_expected_size_and_are_seeded(experiment: str, points: int) -> None:
    config = sweep_config(experiment)
    first = build_design(config.sweep, config.scenario, config.run.seed)
    again = build_design(config.sweep, config.scenario, config.run.seed)
    other = build_design(config.sweep, config.scenario, config.run.seed + 1)
    assert len(first) == points
    factors = [f.name for f in factors_of(config.sweep)]
    assert first[factors].equals(again[factors])
    assert not first[factors].equals(other[factors])
    for factor in factors_of(config.sweep):
        lo, hi = factor.bounds
        assert first[factor.name].between(lo, hi).all()


def test_one_at_a_time_removes_each_context_from_each_base() -> None:
    config = sweep_config("one_at_a_time")
    design = build_design(config.sweep, config.scenario, config.run.seed)
    assert len(design) == 2 * 10
    assert design.groupby("base")["removed"].apply(list).to_dict() == {
        base: ["", *CONTEXT_NAMES[:9]] for base in ("all_contexts", "peach")}


def test_fingerprint_changes_with_what_fixes_the_data_only(tmp_path: Path) -> None:
    def fingerprint(*overrides: str) -> str:
        return make_plan(sweep_config("context_factorial", *overrides), tmp_path).fingerprint

    same = fingerprint()
    assert fingerprint("sweep.job=3", "sweep.analyse=false", "run.figure=false") == same
    for change in ("run.seed=1", "run.replications=3", "sweep.jobs=8", "parameters.voice_prob=0.3",
                   "sweep.only=[alignment]"):
        assert fingerprint(change) != same, change


@pytest.mark.parametrize(("override", "key", "allowed"), [
    ("sweep.design=latin", "sweep.design", "one of none, factorial, morris, sobol, one_at_a_time"),
    ("sweep.jobs=0", "sweep.jobs", "a whole number in [1, 100000]"),
    ("sweep.job=16", "sweep.job", "a whole number in [0, 15]"),
    ("+sweep.factors.happiness=[0,1]", "sweep.factors.happiness", "a context (e.g. protected_time)"),
    ("sweep.factors.protected_time=[0,2]", "sweep.factors.protected_time", "numbers in [0, 1]"),
    ("sweep.factors.protected_time=[1,1]", "sweep.factors.protected_time", "at least 2 distinct levels"),
    ("sweep.only=[happiness]", "sweep.only", "some of remit_clarity"),
    ("sweep.name=../x", "sweep.name", "a name without / or a leading dot"),
    ("experiment=factorial", "experiment",
     "one of context_factorial, ensemble_factorial, ensemble_one_at_a_time, morris, one_at_a_time, sobol"),
    ("+sweep.factors.care_turnover_per_year=[0.1,1.5]", "sweep.factors.care_turnover_per_year", "numbers in [0, 0.99]"),
    ("+sweep.factors.care_turnover_per_year=[0.3]", "sweep.factors.care_turnover_per_year",
     "at least 2 distinct levels"),
    ("sweep.ensemble_draws=3", "sweep.ensemble", "an ensemble name or CSV path"),
    ("sweep.ensemble_draws=-1", "sweep.ensemble_draws", "a whole number in [0, 10000]"),
    ("sweep.ensemble=x.csv", "sweep.ensemble_draws", "the number of parameter sets to draw"),
    ("sweep.ensemble=/no/such.csv sweep.ensemble_draws=2", "sweep.ensemble", "a CSV file with a 'weight' column"),
])
def test_bad_sweep_setting_is_one_line_exit_2(override: str, key: str, allowed: str, cli, tmp_path: Path) -> None:
    args = [override] if override.startswith("experiment=") else ["experiment=context_factorial", *override.split()]
    proc = cli(args, tmp_path)
    assert proc.returncode == 2, proc.stderr[-1500:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"qicsim: error: {key}:") and allowed in lines[0]
    assert not (tmp_path / "results" / "sweeps" / "context_factorial" / "chunks").exists()


@pytest.mark.parametrize(("overrides", "key"), [
    (("sweep.sobol_base_samples=100",), "sweep.sobol_base_samples"),
    (("sweep.factors.voice_prob=[0.5,0.1]",), "sweep.factors.voice_prob"),
])
def test_bad_salib_setting_is_rejected(overrides: tuple[str, ...], key: str) -> None:
    experiment = "sobol" if "sobol" in overrides[0] else "morris"
    with pytest.raises(ConfigError, match=rf"^{key}:"):
        sweep_config(experiment, *overrides)


def test_new_factor_without_plus_is_explained() -> None:
    with pytest.raises(ConfigError, match=r"^sweep.factors.voice: a new factor; allowed: add it with a leading '\+'"):
        sweep_config("morris", "sweep.factors.voice=[0,1]")


def test_morris_levels_must_be_even() -> None:
    with pytest.raises(ConfigError, match=r"^sweep.morris_levels: .*an even whole number"):
        sweep_config("morris", "sweep.morris_levels=3")


def test_slurm_launcher_config_composes_with_the_documented_settings(cli, tmp_path: Path) -> None:
    proc = cli(["experiment=context_factorial", "hydra/launcher=slurm", "hydra.launcher.partition=compute",
                "--cfg", "all", "--resolve"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-1500:]
    out = proc.stdout
    assert "SlurmLauncher" in out
    for setting in ("partition: compute", "timeout_min: 60", "array_parallelism: 64",
                    "submitit_folder: results/sweeps/context_factorial/.submitit/%j",
                    "dir: results/sweeps/context_factorial"):
        assert setting in out, setting


def test_every_sweep_setting_is_documented_with_its_default() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "sweeps.md").read_text()
    for f in fields(SweepSettings):
        assert f"| `sweep.{f.name}` |" in text, f.name
        if f.name != "name":
            default = f.default if f.default is not MISSING else f.default_factory()
            shown = {True: "true", False: "false"}.get(default, default) if isinstance(default, bool) else default
            shown = "[]" if shown == [] else "{}" if shown == {} else '""' if shown == "" else shown
            assert f"| `sweep.{f.name}` | `{shown}` |" in text, f.name
