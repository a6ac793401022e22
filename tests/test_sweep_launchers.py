"""The same small factorial through the basic, joblib and submitit-local launchers and the
Python API gives the same dataset, value for value (seeds derive from the master seed,
not from the process that runs a point)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers.sweep import FOLDER, POINTS, REPLICATIONS, SMALL_SWEEP, dataset_of

from qicsim.run.runner import point_seed
from qicsim.studies.end_to_end import run_sweep
from qicsim.studies.sweep import load_dataset

pytestmark = pytest.mark.slow  # whole sweeps, in this process or through the command

LAUNCHERS = ("basic", "joblib", "submitit_local")


@pytest.fixture(scope="module")
def api_dataset(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = run_sweep(overrides=list(SMALL_SWEEP), folder=tmp_path_factory.mktemp("api") / "sweep")
    data, manifest = load_dataset(folder)
    assert manifest["points"] == POINTS
    return data


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_launcher_gives_the_api_dataset(launcher: str, api_dataset: pd.DataFrame, cli, tmp_path: Path) -> None:
    proc = cli([*SMALL_SWEEP, f"hydra/launcher={launcher}"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    folder = tmp_path / "results" / "sweeps" / FOLDER
    data = dataset_of(folder)
    pd.testing.assert_frame_equal(data, api_dataset, check_exact=True)
    # The CSV export holds the same rows.
    csv = pd.read_csv(folder / "dataset.csv")
    assert len(csv) == POINTS * REPLICATIONS
    assert csv["seed"].tolist() == data["seed"].tolist()


def test_dataset_has_every_point_replication_and_derived_seed(api_dataset: pd.DataFrame) -> None:
    assert len(api_dataset) == POINTS * REPLICATIONS
    pairs = list(zip(api_dataset["point"], api_dataset["replication"], strict=True))
    assert pairs == [(p, r) for p in range(POINTS) for r in range(REPLICATIONS)]
    expected = [point_seed(20160901, p, r) for p, r in pairs]
    assert api_dataset["seed"].tolist() == expected
    assert len(set(expected)) == len(expected)
    # Each factor is at 0 in half the points and 1 in the other half (a full 2^3 design).
    for factor in ("protected_time", "alignment", "qi_coaching"):
        assert api_dataset.groupby(factor)["point"].nunique().tolist() == [POINTS // 2, POINTS // 2]
    assert {"implemented", "cost_gbp", "mech_ideas_in_scope"} <= set(api_dataset.columns)


def test_api_workers_give_the_serial_dataset(api_dataset: pd.DataFrame, tmp_path: Path) -> None:
    folder = run_sweep(overrides=list(SMALL_SWEEP), folder=tmp_path / "sweep", workers=2)
    pd.testing.assert_frame_equal(load_dataset(folder)[0], api_dataset, check_exact=True)


def test_cli_sweep_collects_and_analyses_when_the_multirun_ends(cli, tmp_path: Path) -> None:
    args = [a for a in SMALL_SWEEP if not a.startswith("sweep.analyse")]
    proc = cli(args, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    folder = tmp_path / "results" / "sweeps" / FOLDER
    report = (folder / "analysis" / "report.md").read_text()
    assert "## Main effects on `implemented`" in report and "## Simulated CMO table" in report
    assert (folder / "analysis" / "main_effects.csv").is_file()
    assert f"qicsim: analysis in {Path('results/sweeps', FOLDER, 'analysis/report.md')}" in proc.stdout
