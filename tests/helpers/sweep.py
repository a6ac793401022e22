"""A small designed sweep, shared by the sweep tests: 3 contexts at 0/1, 2 small sites."""

from __future__ import annotations

import pandas as pd

SMALL_SWEEP = (
    "experiment=context_factorial",
    "sweep.only=[protected_time,alignment,qi_coaching]",
    "run.replications=3",
    "sweep.jobs=3",
    "sweep.analyse=false",
    "structure.homes_per_site=[3,3]",
)
POINTS = 8
FOLDER = "context_factorial-only-protected_time-alignment-qi_coaching"  # a subset has its own folder
REPLICATIONS = 3


def dataset_of(folder) -> pd.DataFrame:
    """The collected dataset of a sweep folder."""
    return pd.read_parquet(folder / "dataset.parquet")
