"""The committed reference output (results/reference/context_factorial) stays true to the code.

It must be the shipped experiment as the code would run it now (same fingerprint: same
design, base settings, replications, seed and qicsim version), its dataset must be intact,
and re-analysing it must give the committed tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qicsim.config.loader import load_config
from qicsim.studies.analysis import analyse
from qicsim.studies.end_to_end.run import load_bases
from qicsim.studies.sweep import load_dataset
from qicsim.studies.sweep.plan import make_plan

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference" / "context_factorial"


def test_reference_is_the_shipped_experiment_as_the_code_runs_it(tmp_path: Path) -> None:
    data, manifest = load_dataset(REFERENCE)  # checks the SHA-256 recorded at collection
    plan = make_plan(load_config(["experiment=context_factorial"]), tmp_path)
    assert manifest["fingerprint"] == plan.fingerprint, "regenerate: python experiments/context_factorial.py"
    assert len(data) == 512 * 10 == plan.n_points * plan.replications


@pytest.mark.slow
def test_reanalysing_the_reference_gives_the_committed_tables(tmp_path: Path) -> None:
    copy = tmp_path / "context_factorial"
    copy.mkdir()
    for name in ("design.json", "dataset.json", "dataset.parquet"):
        (copy / name).write_bytes((REFERENCE / name).read_bytes())
    # dataset.json also hashes the CSV export, which is not committed; only the Parquet is checked.
    out = analyse(copy)
    for table in ("main_effects.csv", "interactions.csv", "cmo_table.csv", "qca_solutions.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / table), pd.read_csv(REFERENCE / "analysis" / table))
    assert (out / "report.md").read_text().split("## Main effects")[1] == \
        (REFERENCE / "analysis" / "report.md").read_text().split("## Main effects")[1]


@pytest.mark.parametrize(("experiment", "overrides"), [
    ("ensemble_one_at_a_time", []),
    ("ensemble_factorial", ["sweep.only=[remit_clarity,hierarchy_reduction,protected_time,alignment,qi_coaching]",
                            "run.replications=10", "sweep.jobs=10"]),
])
def test_ensemble_references_are_the_experiments_as_the_code_runs_them(
        experiment: str, overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preliminary ensemble sweeps (experiments/ensemble_conclusions.py) over the committed prior ensemble."""
    root = REFERENCE.parents[2]
    monkeypatch.chdir(root)  # the ensemble is named by its path from the repository's root
    data, manifest = load_dataset(REFERENCE.parent / experiment)
    args = [f"experiment={experiment}", "sweep.ensemble=results/reference/prior_ensemble.csv", *overrides]
    config = load_config(args)
    plan = make_plan(config, tmp_path, load_bases(config.sweep.bases, args) if config.sweep.bases else None)
    assert manifest["fingerprint"] == plan.fingerprint, "regenerate: python experiments/ensemble_conclusions.py"
    assert len(data) == plan.n_points * plan.replications and data["ensemble_set"].nunique() == 10
