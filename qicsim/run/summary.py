"""The run's first screen: key outcomes in plain words, for a reader who does not know the column names.

Shares are shown as percentages and costs in whole pounds; the range is explained in the
text, because "5%/95%" alone reads as a statistic of the outcome rather than of the runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from qicsim.run.results import Results

RANGE = (0.05, 0.95)


def count(value: float) -> str:
    """A count or mean count: one decimal."""
    return f"{value:,.1f}"


def percent(value: float) -> str:
    """A share as a percentage; one decimal below 10%, where a whole number hides the difference."""
    return f"{value:.1%}" if abs(value) < 0.1 else f"{value:.0%}"


def pounds(value: float) -> str:
    """Money in whole pounds (the model's costs are not accurate to the penny)."""
    return f"£{value:,.0f}"


@dataclass(frozen=True)
class Line:
    """One outcome on the first screen: its plain name, its column in runs.csv, and how to show it."""

    label: str
    column: str
    show: Callable[[float], str] = count


LINES = (
    Line("improvements implemented", "implemented"),
    Line("homes that implemented at least one", "homes_with_implementation"),
    Line("week of the first implementation", "weeks_to_first_implementation"),
    Line("improvements spread from another home", "spread"),
    Line("improvements sustained a year after support", "sustained"),
    Line("implemented improvements still sustained", "sustained_share", percent),
    Line("PDSA cycles run", "pdsa_cycles"),
    Line("cycles that used measurement", "measured_share", percent),
    Line("projects led by care home staff", "share_led_care_home", percent),
    Line("projects led by a GP", "share_led_gp", percent),
    Line("meeting attendances by care home staff", "care_home_attendance_share", percent),
    Line("disciplines per implemented improvement", "disciplines_per_implemented"),
    Line("cost of the staff time given to the QIC", "cost_gbp", pounds),
)


def ensemble_line(name: str | None) -> list[str]:
    """The header line of a run whose replications drew their parameters from an ensemble."""
    if name is None:
        return []
    return [f"parameters drawn per replication from ensemble '{name}': it replaces the parameters it holds, "
            "including those set on the command line"]


def summary(results: Results, folder: Path | None = None, changes: list[str] | None = None) -> str:
    """A one-screen summary: key outcomes per run, mean and the range of the middle 90% of runs.

    Args:
        results: The run's tables.
        folder: Where they were written, to name at the end.
        changes: The settings changed from the scenario's, named in the header
            (:func:`qicsim.config.changes.result_changes`).

    Returns:
        The text, one line per outcome.
    """
    runs = results.runs
    cfg = results.config
    structure = cfg["structure"]
    changed = f", changed: {' '.join(changes)}" if changes else ""
    homes, sites = sum(structure["homes_per_site"]), len(structure["homes_per_site"])
    lo_pct, hi_pct = (round(q * 100) for q in RANGE)
    lines = [
        f"qicsim {metadata.version('qicsim')}: scenario '{cfg['scenario']}'{changed}",
        f"{len(runs)} replications (master seed {cfg['run']['seed']}); {homes} homes in {sites} sites; "
        f"{structure['collaborative_weeks']} weeks of support, then {structure['follow_up_weeks']} without",
        *ensemble_line(cfg["run"].get("ensemble")),
        "",
        f"{'per run':44s} {'mean':>10s}   range",
    ]
    for line in LINES:
        values = runs[line.column].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        if not len(values):
            lines.append(f"{line.label:44s} {'n/a':>10s}")
            continue
        lo, hi = np.quantile(values, RANGE)
        lines.append(f"{line.label:44s} {line.show(values.mean()):>10s}   {line.show(lo)} to {line.show(hi)}")
    lines += ["", f"range: the middle {hi_pct - lo_pct}% of the runs ({lo_pct}th to {hi_pct}th percentile), "
              "how much runs differ; not an interval for the mean"]
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)
