"""The validation figure: each target's simulated values over replications against its criterion."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display is needed or assumed
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from qicsim.studies.validation.criteria import Band, Predictive
from qicsim.studies.validation.targets import TARGETS, Target

COLUMNS = 4


def observed_marker(target: Target) -> float | None:
    """Where the observation sits on the simulated quantity's scale (a share for ``trials``), or None."""
    criterion = target.criterion
    if isinstance(criterion, Predictive):
        return criterion.observed / criterion.trials if criterion.trials else float(criterion.observed)
    return None


def draw_validation(table: pd.DataFrame, values: pd.DataFrame, path: Path) -> Path:
    """Draw one panel per target: its values over replications and what passes.

    Each panel is a histogram of the per-replication values, with the band that passes shaded
    or the observed count (as a share for binomial checks) as a dashed line, and the verdict.

    Args:
        table: The validation table (``key``, ``passed``).
        values: Per-replication values (``key``, ``replication``, ``value``).
        path: PNG file to write.

    Returns:
        The path written.
    """
    targets = {t.key: t for t in TARGETS}
    keys = list(table["key"])
    rows = math.ceil(len(keys) / COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(4.2 * COLUMNS, 2.9 * rows), squeeze=False)
    verdicts = table.set_index("key")["passed"]
    for ax, key in zip(axes.flat, keys, strict=False):
        target = targets[key]
        data = values.loc[values["key"] == key, "value"].dropna()
        ax.hist(data, bins=20, color="0.55")
        if isinstance(target.criterion, Band):
            ax.axvspan(target.criterion.lo, target.criterion.hi, color="tab:green", alpha=0.2)
        marker = observed_marker(target)
        if marker is not None:
            ax.axvline(marker, color="tab:red", linestyle="--")
        ax.axvline(data.mean(), color="black")
        verdict = "pass" if verdicts[key] else "FAIL"
        ax.set_title(f"{target.scenario}: {target.name}\n[{verdict}]", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    legend = [Patch(color="tab:green", alpha=0.2, label="band that passes"),
              Line2D([], [], color="tab:red", linestyle="--", label="observed (share of the units observed)"),
              Line2D([], [], color="black", label="simulated mean")]
    fig.legend(handles=legend, loc="lower right", fontsize=8, ncols=3)
    fig.supxlabel("simulated value per replication (shares, counts or people)", fontsize=9, x=0.3)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
