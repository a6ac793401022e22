"""The ensemble as an input (qicsim/config/ensemble.py): reading and checking the file, reproducible draws,
runs, streamed runs and sweep chunks that apply them, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers.ensembles import CANDIDATE_2027, PEACH_2026, two_structures
from pandas.testing import assert_frame_equal

from qicsim import scenario_config
from qicsim.config.ensemble import NO_DRAW, draw, drawn_kwargs, load_ensemble
from qicsim.errors import ConfigError
from qicsim.run.runner import replication_seed, simulate
from qicsim.run.stream import load_results

SMALL = ["structure.homes_per_site=[3,3]"]


def write_ensemble(folder: Path, rows: list[dict], name: str = "ens.csv") -> Path:
    path = folder / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def two_rows(tmp_path: Path) -> Path:
    return write_ensemble(tmp_path, [
        {"voice_prob": 0.1, "induction_weeks": 2, "weight": 1.0},
        {"voice_prob": 0.6, "induction_weeks": 8, "weight": 3.0},
    ])


def test_load_normalises_weights_and_keeps_whole_numbers(two_rows: Path) -> None:
    ensemble = load_ensemble(str(two_rows))
    np.testing.assert_allclose(ensemble.weights, [0.25, 0.75])
    assert list(ensemble.parameters.columns) == ["voice_prob", "induction_weeks"]
    assert len(ensemble.sha256) == 64 and ensemble.source == str(two_rows)
    row, values = draw(ensemble, 123)
    assert isinstance(values["induction_weeks"], int) and isinstance(values["voice_prob"], float)
    assert values == {"voice_prob": [0.1, 0.6][row], "induction_weeks": [2, 8][row]}


def test_draws_are_reproducible_and_follow_the_weights(two_rows: Path) -> None:
    ensemble = load_ensemble(str(two_rows))
    seeds = [replication_seed(7, i) for i in range(4000)]
    rows = np.array([draw(ensemble, s)[0] for s in seeds])
    assert rows.tolist() == [draw(ensemble, s)[0] for s in seeds]  # same seed, same row
    # Share of row 1 is 0.75; its standard error at 4000 draws is 0.0068: 4 SE is 0.027.
    assert abs(rows.mean() - 0.75) < 0.027


def test_without_ensemble_kwargs_are_unchanged() -> None:
    kwargs = {"voice_prob": 0.3}
    assert drawn_kwargs(kwargs, None, 5) == (kwargs, NO_DRAW)


@pytest.mark.parametrize(("rows", "problem"), [
    ([{"voice_prob": 0.2}], "no 'weight' column"),
    ([{"no_such_parameter": 0.2, "weight": 1}], "'no_such_parameter' is not a parameter"),
    ([{"voice_prob": 1.5, "weight": 1}], "row 1: parameters.voice_prob 1.5 is out of range"),
    ([{"induction_weeks": 2.5, "weight": 1}], "is not a whole number"),
    ([{"voice_prob": 0.2, "weight": -1}, {"voice_prob": 0.3, "weight": 2}], "a weight is negative"),
    ([{"voice_prob": 0.2, "weight": 0}], "all weights are zero"),
    ([{"voice_prob": 0.2, "weight": None}], "a weight is missing"),
    ([{"protected_roles": 0.2, "weight": 1}], "is not a parameter an ensemble can set"),
])
def test_bad_ensemble_file_one_line_error(tmp_path: Path, rows: list[dict], problem: str) -> None:
    path = write_ensemble(tmp_path, rows)
    with pytest.raises(ConfigError) as caught:
        load_ensemble(str(path))
    message = str(caught.value)
    assert message.startswith("run.ensemble: ") and "\n" not in message
    assert problem in message


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^run\.ensemble: .*does not exist; allowed: a shipped ensemble"):
        load_ensemble(str(tmp_path / "nope.csv"))
    with pytest.raises(ConfigError, match=r"^run\.ensemble: .*configs/ensemble/nope\.csv does not exist"):
        load_ensemble("nope")
    empty = tmp_path / "empty.csv"
    empty.write_text("voice_prob,weight\n")
    with pytest.raises(ConfigError, match="has no rows"):
        load_ensemble(str(empty))


def test_config_validates_the_ensemble(tmp_path: Path, two_rows: Path) -> None:
    config = scenario_config("peach", overrides=[f"run.ensemble={two_rows}"])
    assert config.run.ensemble == str(two_rows)
    bad = write_ensemble(tmp_path, [{"voice_prob": 2, "weight": 1}], "bad.csv")
    with pytest.raises(ConfigError, match=r"^run\.ensemble: "):
        scenario_config("peach", overrides=[f"run.ensemble={bad}"])


def test_ensemble_of_one_row_equals_setting_its_parameters(tmp_path: Path) -> None:
    path = write_ensemble(tmp_path, [{"voice_prob": 0.6, "induction_weeks": 9, "tie_gain": 0.1, "weight": 1}])
    drawn = simulate(scenario_config("peach", overrides=[*SMALL, f"run.ensemble={path}"], replications=3, seed=5))
    direct = simulate(scenario_config("peach", overrides=[
        *SMALL, "parameters.voice_prob=0.6", "parameters.induction_weeks=9", "parameters.tie_gain=0.1"],
        replications=3, seed=5))
    default = simulate(scenario_config("peach", overrides=SMALL, replications=3, seed=5))
    assert drawn.runs["ensemble_draw"].tolist() == [0, 0, 0]
    assert "ensemble_draw" not in direct.runs
    for name in drawn.TABLES:
        ours = getattr(drawn, name).drop(columns="ensemble_draw", errors="ignore")
        assert_frame_equal(ours, getattr(direct, name), check_exact=True, obj=name)
    assert not drawn.runs.drop(columns="ensemble_draw").equals(default.runs)  # guard: the draw changed something


def test_the_ensemble_replaces_a_parameter_set_on_the_command_line(tmp_path: Path) -> None:
    path = write_ensemble(tmp_path, [{"voice_prob": 0.6, "weight": 1}])
    both = simulate(scenario_config("peach", overrides=[*SMALL, f"run.ensemble={path}", "parameters.voice_prob=0.1"],
                                  replications=2, seed=8))
    ensemble_only = simulate(scenario_config("peach", overrides=[*SMALL, f"run.ensemble={path}"],
                                             replications=2, seed=8))
    assert_frame_equal(both.runs, ensemble_only.runs, check_exact=True)


def test_streamed_run_equals_serial_run_with_ensemble(tmp_path: Path, two_rows: Path) -> None:
    config = scenario_config("peach", overrides=[*SMALL, f"run.ensemble={two_rows}"], replications=4, seed=11)
    serial = simulate(config)
    assert set(serial.runs["ensemble_draw"]) <= {0, 1}
    expected = [draw(load_ensemble(str(two_rows)), s)[0] for s in serial.runs["seed"]]
    assert serial.runs["ensemble_draw"].tolist() == expected
    from qicsim.run.output import write_run

    streamed = write_run(config, tmp_path / "out")
    again = load_results(tmp_path / "out", streamed.config)
    for name in serial.TABLES:
        assert_frame_equal(getattr(again, name), getattr(serial, name), check_exact=True, obj=name)
    from qicsim.run.summary import summary

    header = summary(serial).splitlines()[2]
    assert header.startswith(f"parameters drawn per replication from ensemble '{two_rows}'")
    assert "replaces the parameters it holds" in header
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert provenance["ensemble"]["sha256"] == load_ensemble(str(two_rows)).sha256
    assert provenance["ensemble"]["path"] == str(two_rows)


def _sweep_rows(tmp_path: Path, ensemble: Path, jobs: int) -> pd.DataFrame:
    from qicsim.studies.sweep.chunks import chunk_path
    from qicsim.studies.sweep.jobs import run_job
    from qicsim.studies.sweep.plan import make_plan

    config = scenario_config("peach", overrides=[
        *SMALL, "experiment=context_factorial", "sweep.only=[protected_time]", f"sweep.jobs={jobs}",
        "sweep.analyse=false", f"run.ensemble={ensemble}"], replications=2, seed=3)
    plan = make_plan(config, tmp_path / f"sweep-{jobs}")
    for job in range(plan.sweep.jobs):
        run_job(plan, job)
    manifest = json.loads((plan.folder / "design.json").read_text())
    assert manifest["ensemble"]["sha256"] == load_ensemble(str(ensemble)).sha256
    return pd.concat([pq.read_table(chunk_path(plan.folder, j)).to_pandas() for j in range(plan.sweep.jobs)],
                     ignore_index=True)


def test_sweep_chunks_apply_the_draw_and_one_job_equals_two(tmp_path: Path, two_rows: Path) -> None:
    one = _sweep_rows(tmp_path, two_rows, 1)
    two = _sweep_rows(tmp_path, two_rows, 2)
    assert_frame_equal(one, two, check_exact=True)
    ensemble = load_ensemble(str(two_rows))
    assert one["ensemble_draw"].tolist() == [draw(ensemble, int(s))[0] for s in one["seed"]]


def test_the_ensemble_changes_a_sweeps_fingerprint(tmp_path: Path, two_rows: Path) -> None:
    from qicsim.studies.sweep.plan import make_plan

    base = ["experiment=context_factorial", "sweep.only=[protected_time]"]
    without = make_plan(scenario_config("peach", overrides=base), tmp_path / "a")
    with_it = make_plan(scenario_config("peach", overrides=[*base, f"run.ensemble={two_rows}"]), tmp_path / "b")
    assert without.fingerprint != with_it.fingerprint
    assert "ensemble" not in without.manifest()


def test_cli_refuses_a_bad_ensemble_in_one_line(cli, tmp_path: Path) -> None:
    bad = write_ensemble(tmp_path, [{"voice_prob": 0.2, "weight": 1}, {"voice_prob": 7, "weight": 1}], "bad.csv")
    proc = cli([f"run.ensemble={bad}", "run.replications=1", *SMALL], tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qicsim: error: run.ensemble: ")
    assert "row 2: parameters.voice_prob 7.0 is out of range" in lines[0]
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").rglob("provenance.json"))


def test_the_shipped_peach_ensemble_loads_and_matches_its_metadata() -> None:
    from qicsim.studies.calibration.settings import load_settings

    ensemble = load_ensemble("peach")
    meta = json.loads(Path(ensemble.source).with_suffix(".json").read_text())
    assert meta["sha256"] == ensemble.sha256 and meta["particles"] == len(ensemble)
    assert meta["calibration"] == "peach" and meta["epsilon"] <= 1.0  # every target within its tolerance
    priors = load_settings("peach").priors
    assert set(ensemble.parameters.columns) == set(priors)
    for name, prior in priors.items():
        assert ensemble.parameters[name].between(prior.lo, prior.hi).all(), name
    results = simulate(scenario_config("peach", overrides=[*SMALL, "run.ensemble=peach"], replications=2, seed=1))
    assert results.runs["ensemble_draw"].between(0, len(ensemble) - 1).all()


def test_a_model_averaged_ensemble_draws_structure_and_parameters_together(tmp_path: Path) -> None:
    rows = two_structures()
    path = write_ensemble(tmp_path, rows)
    ensemble = load_ensemble(str(path))
    assert ensemble.switches == ["project_start", "time_model", "project_sizes", "trap"]
    assert ensemble.numeric()["trap"].tolist() == [0.0, 1.0]  # the index among the choices
    drawn = [draw(ensemble, seed) for seed in range(200)]
    assert {row for row, _ in drawn} == {0, 1}
    for row, values in drawn:  # a row's structure comes with its own parameters
        assert values["project_start"] == rows[row]["project_start"] and values["voice_prob"] == rows[row]["voice_prob"]
    # A run takes each replication's structure from its row: the same as setting that structure and parameter.
    averaged = simulate(scenario_config("peach", overrides=[*SMALL, f"run.ensemble={path}"], replications=6, seed=3))
    for replication, row in enumerate(averaged.runs["ensemble_draw"].tolist()):
        one = simulate(scenario_config("peach", overrides=[
            *SMALL, f"structure={rows[row]['structure']}", f"parameters.voice_prob={rows[row]['voice_prob']}"],
            replications=6, seed=3))
        mine = averaged.runs.iloc[[replication]].drop(columns="ensemble_draw").reset_index(drop=True)
        assert_frame_equal(mine, one.runs.iloc[[replication]].reset_index(drop=True), check_exact=True)
    assert set(averaged.runs["ensemble_draw"]) == {0, 1}


def test_a_bad_structure_switch_in_an_ensemble_is_one_line(tmp_path: Path) -> None:
    path = write_ensemble(tmp_path, [{"trap": "sometimes", "voice_prob": 0.1, "weight": 1.0}])
    with pytest.raises(ConfigError, match=r"row 1: structure\.trap 'sometimes' is not allowed") as error:
        load_ensemble(str(path))
    assert "\n" not in str(error.value) and "full_loop" in str(error.value)


def _two_structures(tmp_path: Path) -> Path:
    """A model-averaged ensemble: two rows of peach_2026 (weights 1 and 3), one of candidate_2027."""
    rows = [{**PEACH_2026, "voice_prob": 0.1, "weight": 1.0}, {**CANDIDATE_2027, "voice_prob": 0.6, "weight": 4.0},
            {**PEACH_2026, "voice_prob": 0.3, "weight": 3.0}]
    return write_ensemble(tmp_path, rows)


def test_at_structure_draws_only_that_structures_rows(tmp_path: Path) -> None:
    from qicsim.config.ensemble import describe, split_name

    path = _two_structures(tmp_path)
    assert split_name(f"{path}@peach_2026") == (str(path), "peach_2026")
    assert split_name("peach") == ("peach", None)
    assert split_name("/home/me@host/ens.csv") == ("/home/me@host/ens.csv", None)  # '@' in a path
    assert split_name("me@host.csv") == ("me@host.csv", None)
    given = load_ensemble(f"{path}@peach_2026")
    assert given.parameters["voice_prob"].tolist() == [0.1, 0.3]
    np.testing.assert_allclose(given.weights, [0.25, 0.75])  # renormalised within the structure
    assert set(given.parameters["project_start"]) == {"meetings"}
    assert describe(given)["structure"] == "peach_2026" and "structure" not in describe(load_ensemble(str(path)))
    assert given.sha256 == load_ensemble(str(path)).sha256  # the same file
    results = simulate(scenario_config("peach", overrides=[*SMALL, f"run.ensemble={path}@peach_2026"],
                                       replications=4, seed=3))
    assert set(results.runs["ensemble_draw"]) <= {0, 1}  # rows of the restricted table


@pytest.mark.parametrize(("suffix", "problem"), [("@peach_2027", "has no rows of structure 'peach_2027'"),
                                                 ("", "is not model-averaged")])
def test_a_bad_at_structure_is_one_line(tmp_path: Path, suffix: str, problem: str) -> None:
    path = _two_structures(tmp_path) if suffix else write_ensemble(tmp_path, [{"voice_prob": 0.1, "weight": 1}])
    with pytest.raises(ConfigError, match=problem) as error:
        load_ensemble(f"{path}{suffix or '@peach_2026'}")
    assert "\n" not in str(error.value) and str(error.value).startswith("run.ensemble")


def test_compare_under_one_structure_draws_its_rows_of_a_model_averaged_ensemble(tmp_path: Path) -> None:
    from qicsim.studies.policy.appraisal import Case, case_ensemble

    averaged = str(_two_structures(tmp_path))
    plain = str(write_ensemble(tmp_path, [{"voice_prob": 0.1, "weight": 1}], name="plain.csv"))
    assert case_ensemble(Case(ensemble=averaged, structure="peach_2026")) == f"{averaged}@peach_2026"
    assert case_ensemble(Case(ensemble=averaged)) == averaged  # no structure named: all rows
    assert case_ensemble(Case(ensemble=plain, structure="peach_2026")) == plain  # one structure's fit already
    chosen = f"{averaged}@candidate_2027"  # a structure named in the ensemble is kept
    assert case_ensemble(Case(ensemble=chosen, structure="peach_2026")) == chosen
    assert case_ensemble(Case(ensemble=None, structure="peach_2026")) is None


def test_the_commands_share_one_default_ensemble() -> None:
    from qicsim.apps.cli import compare, plot, validate
    from qicsim.config.ensemble import load_ensemble as load
    from qicsim.config.schema import DEFAULT_ENSEMBLE
    from qicsim.studies.policy.appraisal import Case

    assert len(load(DEFAULT_ENSEMBLE)) > 0  # shipped
    assert compare.parser().parse_args([]).ensemble == DEFAULT_ENSEMBLE
    assert plot.parser().parse_args(["peach"]).ensemble == DEFAULT_ENSEMBLE
    assert Case().ensemble == DEFAULT_ENSEMBLE
    assert validate.parser().parse_args(["--ensemble"]).ensemble == DEFAULT_ENSEMBLE  # the flag alone
    assert validate.parser().parse_args([]).ensemble is None  # without it: point defaults
    assert validate.parser().parse_args(["--ensemble", "other"]).ensemble == "other"


def test_validate_refuses_a_setting_taken_as_the_ensemble(capsys: pytest.CaptureFixture[str]) -> None:
    from qicsim.apps.cli import validate

    with pytest.raises(SystemExit) as stop:
        validate.main(["--ensemble", "structure=peach_2026"])
    assert stop.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--ensemble" in err and "is a setting" in err


def test_a_model_averaged_ensemble_says_when_it_replaces_a_structure_set_for_the_run(tmp_path: Path) -> None:
    from qicsim.config.ensemble import structure_mismatch

    path = str(write_ensemble(tmp_path, two_structures()))
    peach = dict(PEACH_2026)
    peach.pop("structure")
    note = structure_mismatch(path, peach)
    assert note is not None and "model-averaged" in note and "project_start=meetings" in note and "@<structure>" in note
    assert structure_mismatch(f"{path}@peach_2026", peach) is None  # one structure's rows: as fitted
    defaults = {"project_start": "facilitation", "time_model": "one_share", "project_sizes": "one_size",
                "trap": "full_loop"}
    assert structure_mismatch(path, defaults) is None  # the default structure: nothing set to replace
