"""The slide figure: an outcome panel, the mechanism panel, and the outcome per site as facets.

Every condition is drawn on the same axes (median line and 5-95% band over replications), in
the same colour in every panel; panels of one kind share their y-axis, so that heights can be
compared across sites at a glance. The figure is 16:9, 1920x1080 pixels at 100 dpi, its text
at least 20 px (legible from the back of a room); titles, legends and axis labels are plain
words (the config keys are in the figure's .json); colours are Okabe-Ito's, and the second
condition's band is hatched, so that overlapping bands stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from qicsim.model.counters import MECHANISM_COUNTS
from qicsim.model.series import SERIES

BAND = (0.05, 0.5, 0.95)
SLIDE_INCHES = (19.2, 10.8)  # 16:9: 1920x1080 pixels at the default 100 dpi
FONT = 15  # points: 21 px at 100 dpi, the smallest text on the slide
# Okabe-Ito: apart under every common colour-vision deficiency (tests/test_dashboard_controls.py checks them).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
HATCHES = (None, "///", "\\\\", "...", "xx")


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


def draw_condition(ax: plt.Axes, stats: pd.DataFrame, colour: str, label: str | None, index: int = 0) -> None:
    """A median line and a 5-95% band: the first condition's band filled, the others' hatched."""
    weeks = stats.index.to_numpy()
    ax.plot(weeks, stats[BAND[1]], color=colour, label=label, linewidth=2.6)
    hatch = HATCHES[index % len(HATCHES)]
    if hatch is None:
        ax.fill_between(weeks, stats[BAND[0]], stats[BAND[2]], color=colour, alpha=0.2, linewidth=0)
    else:
        ax.fill_between(weeks, stats[BAND[0]], stats[BAND[2]], facecolor="none", edgecolor=colour, hatch=hatch,
                        linewidth=0, alpha=0.7)


def wrap(text: str, width: int) -> str:
    """A description over as many lines as it needs (never cut with "...")."""
    return "\n".join(textwrap.wrap(text, width))


PLAIN_SERIES = {
    "implemented": "improvements implemented so far",
    "spread_implemented": "improvements spread from another home so far",
    "projects_led_care_home": "projects led by care home staff so far",
    "measured_cycles": "tests of change measured so far",
    "pdsa_cycles": "tests of change (PDSA cycles) so far",
    "attendances": "local meeting attendances so far",
    "attendances_care_home": "meeting attendances by care home staff so far",
    "event_attendances": "learning event attendances so far",
    "members": "staff in the QIC teams",
    "qic_hours": "members' QIC hours this week",
}
"""Outcomes whose description in ``SERIES`` leans on the one before it, or says "cumulative"."""


def plain_series(outcome: str) -> str:
    """A weekly series in words: ``implemented`` -> ``improvements implemented so far``."""
    return PLAIN_SERIES.get(outcome, SERIES[outcome].replace(" (cumulative)", ""))


def mark_calendar(ax: plt.Axes, support_weeks: int, event_weeks: list[int]) -> None:
    """Dotted lines at learning events, a dashed line where support ends."""
    for week in event_weeks:
        ax.axvline(week, color="grey", linestyle=":", linewidth=0.7)
    ax.axvline(support_weeks, color="black", linestyle="--", linewidth=0.9)


def draw_slide(curves: list[Curves], path: Path, *, title: str, outcome: str, mechanism: str,
               support_weeks: int, event_weeks: list[int], weeks: int, n_reps: int, seed: int,
               dpi: int = 100, ensemble: str | None = None, note: str | None = None) -> Path:
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
        seed: The master seed all conditions share (recorded in the figure's .json, not on the slide).
        dpi: Resolution; 100 gives 1920x1080 pixels.
        ensemble: The parameter ensemble each replication drew from, or None for the point defaults.
        note: A line for the subtitle's end (where the rival structures disagree), or None.

    Returns:
        The path written.
    """
    fig = slide_figure(curves, title=title, outcome=outcome, mechanism=mechanism, support_weeks=support_weeks,
                       event_weeks=event_weeks, weeks=weeks, n_reps=n_reps, dpi=dpi, ensemble=ensemble,
                       note=note)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)  # the whole 16:9 page: constrained layout keeps every text inside it
    plt.close(fig)
    return path


def slide_figure(curves: list[Curves], *, title: str, outcome: str, mechanism: str, support_weeks: int,
                 event_weeks: list[int], weeks: int, n_reps: int, dpi: int = 100,
                 ensemble: str | None = None, note: str | None = None) -> plt.Figure:
    """The slide as a figure (:func:`draw_slide`'s arguments, less the path and seed)."""
    sites = sorted(curves[0].weekly["site"].unique())
    fig = plt.figure(figsize=SLIDE_INCHES, dpi=dpi, layout="constrained")
    columns = max(len(sites), 2)
    grid = fig.add_gridspec(2, columns, height_ratios=[1.35, 1])
    half = columns // 2
    ax_outcome = fig.add_subplot(grid[0, :half])
    ax_mechanism = fig.add_subplot(grid[0, half:])
    facets = [fig.add_subplot(grid[1, 0])]
    facets += [fig.add_subplot(grid[1, i], sharey=facets[0], sharex=facets[0]) for i in range(1, len(sites))]
    for i, curve in enumerate(curves):
        colour = COLOURS[i % len(COLOURS)]
        draw_condition(ax_outcome, outcome_quantiles(curve.weekly, outcome, by_site=False), colour, curve.label, i)
        replications = sorted(curve.weekly["replication"].unique())
        draw_condition(ax_mechanism, mechanism_quantiles(curve.mechanisms_weekly, mechanism, weeks, replications),
                       colour, None, i)
        per_site = outcome_quantiles(curve.weekly, outcome, by_site=True)
        for ax, site in zip(facets, sites, strict=True):
            draw_condition(ax, per_site.xs(site, level="site"), colour, None, i)
    for ax in [ax_outcome, ax_mechanism, *facets]:
        mark_calendar(ax, support_weeks, event_weeks)
        ax.set_xlim(0, weeks - 1)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=FONT)
        ax.spines[["top", "right"]].set_visible(False)
    outcome_words = plain_series(outcome)
    ax_outcome.set_title(wrap(f"{outcome_words[0].upper()}{outcome_words[1:]}, all sites", 48), fontsize=FONT + 3)
    ax_outcome.set_ylabel(wrap(outcome_words, 30), fontsize=FONT)
    mechanism_words = MECHANISM_COUNTS[mechanism]
    ax_mechanism.set_title(wrap(f"How: {mechanism_words}, so far, all sites", 52), fontsize=FONT + 3)
    ax_mechanism.set_ylabel("count so far", fontsize=FONT)
    ax_outcome.set_xlabel("week (dotted: learning events; dashed: support ends)", fontsize=FONT)
    ax_mechanism.set_xlabel("week", fontsize=FONT)
    # Below the panels, one entry per condition: a long label would cover the curves inside a panel.
    fig.legend(*ax_outcome.get_legend_handles_labels(), loc="outside lower center",
               ncol=min(len(curves), 3), fontsize=FONT + 2, frameon=False)
    for ax, site in zip(facets, sites, strict=True):
        ax.set_title(site.replace("_", " ").capitalize(), fontsize=FONT + 1)
        ax.set_xlabel("week", fontsize=FONT)
        if ax is not facets[0]:
            ax.tick_params(labelleft=False)
    facets[0].set_ylabel(wrap(f"{outcome_words}, by site", 24), fontsize=FONT)
    parameters = ("default parameters" if not ensemble else
                  "each run's structure and parameters drawn from the calibrated ensemble" if drawn_together(ensemble)
                  else "each run's parameters drawn from the calibrated ensemble")
    compared = " against ".join(c.label for c in curves)
    scenario, _, shared = title.partition(" (")
    if not any(c.label.startswith(scenario) for c in curves):  # what all share, unless a label says it already
        compared = f"{scenario}: {compared}"
    if shared:
        compared += f" ({shared}"
    detail = (f"{n_reps} runs per condition on the same run numbers ({parameters}); "
              f"line: median; band: {int(BAND[0] * 100)}-{int(BAND[2] * 100)}% of runs")
    if note:
        detail += f". Note: {note}"
    fig.suptitle(f"{wrap(compared, 90)}\n{wrap(detail, 110)}", fontsize=FONT + 4)
    return fig


def drawn_together(ensemble: str) -> bool:
    """Whether each run draws its structure with its parameters (a model-averaged ensemble, not one structure's)."""
    from qicsim.config.ensemble import model_averaged, split_name

    return split_name(ensemble)[1] is None and model_averaged(ensemble)
