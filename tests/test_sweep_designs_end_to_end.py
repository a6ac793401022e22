"""Every shipped design, made small, runs through the real command to a dataset and a report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qicsim.studies.sweep import load_dataset

SMALL = ("structure.homes_per_site=[3,3]", "sweep.jobs=2")
CASES = {
    "morris": (("sweep.only=[protected_time,alignment,voice_prob]", "sweep.morris_trajectories=4",
                "run.replications=2"), 4 * (3 + 1), "## Morris screening", "morris.csv"),
    "sobol": (("sweep.only=[protected_time,alignment,qi_coaching]", "sweep.sobol_base_samples=8",
               "run.replications=2"), 8 * (3 + 2), "## Sobol indices", "sobol.csv"),
    "one_at_a_time": (("sweep.only=[protected_time,alignment]", "run.replications=3"), 2 * 3, "## Removal",
                      "removal_effects.csv"),
}


@pytest.mark.parametrize("experiment", list(CASES))
def test_design_runs_collects_and_analyses(experiment: str, cli, tmp_path: Path) -> None:
    overrides, points, section, table = CASES[experiment]
    proc = cli([f"experiment={experiment}", *SMALL, *overrides], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    folder, = (tmp_path / "results" / "sweeps").iterdir()
    assert folder.name.startswith(f"{experiment}-only-"), folder.name  # a subset of the design has its own folder
    data, manifest = load_dataset(folder)
    replications = manifest["replications"]
    assert manifest["design"] == experiment and manifest["points"] == points
    assert len(data) == points * replications
    assert data.groupby("point")["seed"].nunique().eq(replications).all()
    assert section in (folder / "analysis" / "report.md").read_text()
    result = pd.read_csv(folder / "analysis" / table)
    assert len(result) > 0 and result.select_dtypes("number").notna().any().any()
