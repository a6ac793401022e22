"""Live charts of a run so far, with a faint baseline run under them (the compare tab is compare.py).

All live panels share the week axis (0 to the end of follow-up), so that what moves first can
be read across panels; sums are over all sites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.figure import Figure

from qicsim.apps.dashboard.frames import Frames
from qicsim.apps.dashboard.view import DPI, font
from qicsim.model.contexts import BY_NAME
from qicsim.model.counters import COUNT_INDEX
from qicsim.model.series import SERIES_INDEX

if TYPE_CHECKING:
    from qicsim.apps.dashboard.live_model import DashboardModel
    from qicsim.model import QICModel


def indicator(context: str) -> str:
    """The mechanism count that traces a context (``qicsim.model.contexts.CONTEXTS``)."""
    return BY_NAME[context].indicator


def site_total(model: QICModel, name: str) -> np.ndarray:
    """A weekly series summed over sites, for the weeks simulated so far."""
    return model.series.values[: model.week, :, SERIES_INDEX[name]].sum(axis=1)


def count_by_week(model: QICModel, name: str, cumulative: bool = True) -> np.ndarray:
    """A mechanism count summed over sites per week (or its running total), for the weeks so far."""
    weekly = model.counts.weekly[: model.week, COUNT_INDEX[name]].sum(axis=1)
    return np.cumsum(weekly) if cumulative else weekly


def mark_support(ax: object, model: QICModel) -> None:
    """A dashed line where support ends, dotted lines at learning events."""
    for week in model.event_weeks:
        ax.axvline(week, color="grey", linestyle=":", linewidth=0.6)
    ax.axvline(model.support_weeks, color="black", linestyle="--", linewidth=0.8)


PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Improvements", ("being tested", "in place", "implemented")),
    ("Attendances so far", ("care home staff", "NHS staff")),
    ("QIC hours a week", ("members' hours",)),
    ("Members' mean, 0 to 1", ("engagement", "feeling safe to speak")),
    ("Tests of change so far", ("tests run", "measured")),
    ("mechanism", ("so far",)),
)
"""Each panel's title and its lines' names, in plain words (the last panel is titled by its context)."""

MECHANISM_TITLES: dict[str, str] = {
    "ideas_in_scope": "C1: ideas in the remit",
    "partnership_trust": "C2: trust of champions",
    "ideas_voiced_care_home": "C3: care staff's ideas",
    "qic_hours_members": "C4: members' QIC hours",
    "day_job_hours": "C5: work as day job",
    "chunks_completed": "C6: small steps done",
    "disciplines_recruited_via_ties": "C7: help via contacts",
    "care_home_meetings_within_time": "C8: meetings they made",
    "ideas_spread": "C9: improvements spread",
    "decisions_on_data": "C10: decisions on data",
}
"""A short title for each context's mechanism count (``MECHANISM_COUNTS`` has the full line)."""

# Okabe-Ito, the colour-blind-safe palette (Okabe and Ito 2008): the lines of a panel, and the sites.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CHARTS_PX = (510, 425)  # the live charts' size in pixels: the right half of a projector's main area
BASELINE_ALPHA = 0.35  # the baseline's lines: faint, dashed, under the current run's


def panel_values(model: DashboardModel, focus: str) -> list[list[np.ndarray]]:
    """The values of every line of :data:`PANELS`, for the weeks simulated so far."""
    values = model.series.values[: model.week]
    members = values[:, :, SERIES_INDEX["members"]]
    engagement = (values[:, :, SERIES_INDEX["mean_engagement"]] * members).sum(axis=1)
    total_members = members.sum(axis=1)
    # No member left: engagement is missing that week (a gap in the line, as safety), not 0.
    engagement = np.divide(engagement, total_members, out=np.full(len(engagement), np.nan), where=total_members > 0)
    return [
        [site_total(model, "active_projects"), site_total(model, "in_place"), site_total(model, "implemented")],
        [site_total(model, "attendances_care_home"),
         site_total(model, "attendances") - site_total(model, "attendances_care_home")],
        [site_total(model, "qic_hours")],
        [engagement, model.safety_by_week[: model.week]],
        [site_total(model, "pdsa_cycles"), site_total(model, "measured_cycles")],
        [count_by_week(model, indicator(focus))],
    ]


def panel_tops(values: list[list[np.ndarray]]) -> list[float]:
    """Each panel's highest value (0 if none yet)."""
    return [max((float(np.nanmax(v)) for v in lines if len(v) and np.isfinite(v).any()), default=0.0)
            for lines in values]


class LiveCharts:
    """Six panels of the run so far on one shared week axis, built once and updated in place.

    Args:
        model: The dashboard's model (its weeks and calendar fix the axes).
        focus: The context whose mechanism count the last panel shows.
        baseline: A finished run drawn faintly under the current one (same colours, dashed), or None.
        tops: The y-axis tops, kept by the caller across runs of one scenario, so that runs are read on
            the same axes; raised here (in round steps) only when a run goes above them.
    """

    def __init__(self, model: DashboardModel, focus: str, baseline: DashboardModel | None = None,
                 tops: list[float] | None = None) -> None:
        self.focus = focus
        self.fig = Figure(figsize=(CHARTS_PX[0] / DPI, CHARTS_PX[1] / DPI), dpi=DPI)
        self.axes = self.fig.subplots(3, 2, sharex=True).ravel()
        self.lines = []
        self.tops = tops if tops is not None else [0.0] * len(PANELS)
        base_values = panel_values(baseline, focus) if baseline is not None else None
        if base_values is not None:
            for i, top in enumerate(panel_tops(base_values)):
                self.tops[i] = max(self.tops[i], round_up(max(top * 1.05, 1.0)))
        for i, (ax, (title, names)) in enumerate(zip(self.axes, PANELS, strict=True)):
            if title == "mechanism":
                title = MECHANISM_TITLES[indicator(focus)]
            colours = OKABE_ITO[: len(names)]
            self.lines.append([ax.plot([], [], label=name, linewidth=2, color=colour)[0]
                               for name, colour in zip(names, colours, strict=True)])
            if base_values is not None:
                weeks = np.arange(baseline.week)
                for series, colour in zip(base_values[i], colours, strict=True):
                    ax.plot(weeks, series, color=colour, linewidth=1.6, linestyle="--", alpha=BASELINE_ALPHA)
            mark_support(ax, model)
            ax.set_title(title, fontsize=font(), pad=3)
            ax.tick_params(labelsize=font(), pad=1)
            ax.margins(x=0)
            if len(names) > 1:
                ax.legend(fontsize=font(), loc="upper left", frameon=False, handlelength=1.0, borderpad=0.1,
                          labelspacing=0.15, handletextpad=0.3, borderaxespad=0.1)
            ax.set_xlim(0, model.total_weeks)
            ax.set_xticks([0, 52, 104])
            ax.spines[["top", "right"]].set_visible(False)
        self.axes[3].set_ylim(0, 1.6)  # engagement and safety stay on 0-1; room above for the legend
        self.axes[3].set_yticks([0, 0.5, 1])
        self.axes[4].set_xlabel("week", fontsize=font(), labelpad=0)
        self.axes[5].set_xlabel("week", fontsize=font(), labelpad=0)
        for i, ax in enumerate(self.axes):
            if i != 3 and self.tops[i] > 0:
                ax.set_ylim(0, self.tops[i] * headroom(len(PANELS[i][1])))
        self.fig.tight_layout(pad=0.3, h_pad=0.4, w_pad=0.6)  # once: the layout does not change between frames
        self.frames = Frames(self.fig, [line for lines in self.lines for line in lines])
        self.update(model)

    def update(self, model: DashboardModel) -> Figure:
        """Show the weeks simulated so far; returns the figure."""
        weeks = np.arange(model.week)
        values = panel_values(model, self.focus)
        for lines, series_list in zip(self.lines, values, strict=True):
            for line, series in zip(lines, series_list, strict=True):
                line.set_data(weeks, series)
        for i, (ax, top) in enumerate(zip(self.axes, panel_tops(values), strict=True)):
            if i != 3 and (top > self.tops[i] or self.tops[i] == 0.0):
                # The axis grows in round steps, so that the background is redrawn only now and then.
                self.tops[i] = round_up(max(top * 1.05, 1.0))
                ax.set_ylim(0, self.tops[i] * headroom(len(PANELS[i][1])))
                self.frames.invalidate()
        return self.fig

    def png(self) -> bytes:
        """The current frame as PNG (see :class:`qicsim.apps.dashboard.frames.Frames`)."""
        return self.frames.png()


def headroom(lines: int) -> float:
    """How far above a panel's top its y-axis goes: room for a legend of ``lines`` rows above the lines."""
    return 1.0 + 0.3 * lines if lines > 1 else 1.05


def round_up(value: float) -> float:
    """The next of 1, 2, 5, 10, 20, 50, ... at or above ``value``."""
    step = 10.0 ** np.floor(np.log10(value))
    return float(next(m * step for m in (1, 2, 5, 10) if m * step >= value))
