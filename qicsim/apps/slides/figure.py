"""The slide figure: an outcome panel, the mechanism panel, and the outcome per site as facets.

Every condition is drawn on the same axes (median line and 5-95% band over replications), in
the same colour in every panel; panels of one kind share their y-axis, so that heights can be
compared across sites at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from qicsim.model.counters import MECHANISM_COUNTS
from qicsim.model.series import SERIES

BAND = (0.05, 0.5, 0.95)


@dataclass
class Curves:
    """One condition's weekly tables, as drawn.

    Attributes:
        label: What differs in this condition.
        weekly: The runner's ``weekly`` table (replication, week, site, measure, value).
        mechanisms_weekly: The runner's ``mechanisms_weekly`` table (rows only where a count moved).
    """

    label: str
    weekly: pd.DataFrame
    mechanisms_weekly: pd.DataFrame


def outcome_quantiles(weekly: pd.DataFrame, outcome: str, by_site: bool) -> pd.DataFrame:
    """Quantiles over replications of a weekly measure, summed over sites unless ``by_site``.

    Returns:
        Rows ``week`` (or ``site, week``), columns the quantiles of :data:`BAND`.
    """
    data = weekly[weekly["measure"] == outcome]
    keys = ["replication", "site", "week"] if by_site else ["replication", "week"]
    per_run = data.groupby(keys)["value"].sum()
    return per_run.groupby(level=keys[1:]).quantile(list(BAND)).unstack()


def mechanism_quantiles(mechanisms_weekly: pd.DataFrame, mechanism: str, weeks: int,
                        replications: list[int]) -> pd.DataFrame:
    """Quantiles over replications of a mechanism count summed over sites, cumulative by week."""
    data = mechanisms_weekly[mechanisms_weekly["mechanism"] == mechanism]
    grid = (data.groupby(["replication", "week"])["value"].sum().unstack("week")
            .reindex(index=replications, columns=range(weeks), fill_value=0.0).fillna(0.0))
    cumulative = pd.DataFrame(np.cumsum(grid.to_numpy(), axis=1), index=grid.index, columns=grid.columns)
    return cumulative.quantile(list(BAND)).T.rename_axis("week")


def draw_condition(ax: plt.Axes, stats: pd.DataFrame, colour: str, label: str | None) -> None:
    """A median line and a 5-95% band."""
    weeks = stats.index.to_numpy()
    ax.plot(weeks, stats[BAND[1]], color=colour, label=label, linewidth=1.6)
    ax.fill_between(weeks, stats[BAND[0]], stats[BAND[2]], color=colour, alpha=0.18, linewidth=0)


def shorten(text: str, width: int = 62) -> str:
    """A description cut to fit above a panel."""
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def mark_calendar(ax: plt.Axes, support_weeks: int, event_weeks: list[int]) -> None:
    """Dotted lines at learning events, a dashed line where support ends."""
    for week in event_weeks:
        ax.axvline(week, color="grey", linestyle=":", linewidth=0.7)
    ax.axvline(support_weeks, color="black", linestyle="--", linewidth=0.9)


def draw_slide(curves: list[Curves], path: Path, *, title: str, outcome: str, mechanism: str,
               support_weeks: int, event_weeks: list[int], weeks: int, n_reps: int, seed: int,
               dpi: int = 100, ensemble: str | None = None) -> Path:
    """Draw and save the slide figure.

    Args:
        curves: One entry per condition, in the order given.
        path: PNG to write (its folder is made).
        title: What all conditions share (scenario and shared overrides).
        outcome: A weekly series (``qicsim.model.series.SERIES``).
        mechanism: A mechanism count (``qicsim.model.counters.MECHANISM_COUNTS``).
        support_weeks: Week support ends.
        event_weeks: Learning event weeks.
        weeks: Weeks in each run.
        n_reps: Replications per condition.
        seed: The master seed all conditions share.
        dpi: Resolution; 100 keeps a slide PNG small.
        ensemble: The parameter ensemble each replication drew from, or None for the point defaults.

    Returns:
        The path written.
    """
    sites = sorted(curves[0].weekly["site"].unique())
    colours = plt.get_cmap("tab10").colors
    fig = plt.figure(figsize=(11, 6.6), dpi=dpi)
    grid = fig.add_gridspec(2, max(len(sites), 2), height_ratios=[1.25, 1], hspace=0.5, wspace=0.25)
    half = max(len(sites), 2) // 2
    ax_outcome = fig.add_subplot(grid[0, :half])
    ax_mechanism = fig.add_subplot(grid[0, half:])
    facets = [fig.add_subplot(grid[1, 0])]
    facets += [fig.add_subplot(grid[1, i], sharey=facets[0], sharex=facets[0]) for i in range(1, len(sites))]
    for i, curve in enumerate(curves):
        colour = colours[i % len(colours)]
        draw_condition(ax_outcome, outcome_quantiles(curve.weekly, outcome, by_site=False), colour, curve.label)
        replications = sorted(curve.weekly["replication"].unique())
        draw_condition(ax_mechanism, mechanism_quantiles(curve.mechanisms_weekly, mechanism, weeks, replications),
                       colour, None)
        per_site = outcome_quantiles(curve.weekly, outcome, by_site=True)
        for ax, site in zip(facets, sites, strict=True):
            draw_condition(ax, per_site.xs(site, level="site"), colour, None)
    for ax in [ax_outcome, ax_mechanism, *facets]:
        mark_calendar(ax, support_weeks, event_weeks)
        ax.set_xlim(0, weeks - 1)
        ax.tick_params(labelsize=8)
    ax_outcome.set_title(f"outcome: {outcome}, all sites\n{shorten(SERIES[outcome])}", fontsize=9)
    ax_mechanism.set_title(f"mechanism: {mechanism}, all sites, cumulative\n{shorten(MECHANISM_COUNTS[mechanism])}",
                           fontsize=9)
    ax_outcome.set_xlabel("week (dotted: learning events; dashed: support ends)", fontsize=8)
    ax_mechanism.set_xlabel("week", fontsize=8)
    # Above the panels, one entry per condition: a long override would cover the curves inside a panel.
    fig.legend(*ax_outcome.get_legend_handles_labels(), loc="lower center", bbox_to_anchor=(0.5, 0.925),
               ncol=min(len(curves), 3), fontsize=8, frameon=False)
    for ax, site in zip(facets, sites, strict=True):
        ax.set_title(site, fontsize=9)
        ax.set_xlabel("week", fontsize=8)
        if ax is not facets[0]:
            ax.tick_params(labelleft=False)
    facets[0].set_ylabel(outcome, fontsize=8)
    parameters = f"parameters drawn from ensemble {ensemble}" if ensemble else "point defaults"
    fig.suptitle(f"qicsim {title}: {' vs '.join(c.label for c in curves)}\n{n_reps} replications per condition on "
                 f"the same seeds (master seed {seed}; {parameters}); median and "
                 f"{int(BAND[0] * 100)}-{int(BAND[2] * 100)}% band",
                 fontsize=10, y=1.04)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path
