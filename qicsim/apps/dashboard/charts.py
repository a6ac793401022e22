"""Live charts of a run so far, and the compare view (the same seed with and without a context).

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
from qicsim.model.contexts import BY_NAME
from qicsim.model.counters import COUNT_INDEX, MECHANISM_COUNTS
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
    ("projects by stage", ("being planned or tested", "in place", "implemented so far")),
    ("meeting attendances so far", ("care home staff", "NHS staff")),
    ("QIC hours this week", ("members' QIC hours",)),
    ("engagement and safety (members' mean)", ("engagement", "psychological safety")),
    ("measurement use so far", ("PDSA cycles", "of those measured")),
    ("mechanism so far", ("indicator",)),
)


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


class LiveCharts:
    """Six panels of the run so far on one shared week axis, built once and updated in place.

    Args:
        model: The dashboard's model (its weeks and calendar fix the axes).
        focus: The context whose mechanism count the last panel shows.
    """

    def __init__(self, model: DashboardModel, focus: str) -> None:
        self.focus = focus
        self.fig = Figure(figsize=(9.5, 5.2), dpi=80)
        self.axes = self.fig.subplots(2, 3, sharex=True).ravel()
        self.lines = []
        for ax, (title, names) in zip(self.axes, PANELS, strict=True):
            if title.startswith("mechanism"):
                title = f"mechanism ({focus.replace('_', ' ')}) so far"
                names = (MECHANISM_COUNTS[indicator(focus)][:48],)
            self.lines.append([ax.plot([], [], label=name, linewidth=1.4)[0] for name in names])
            mark_support(ax, model)
            ax.set_title(title, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6, loc="upper left", frameon=False)
            ax.set_xlim(0, model.total_weeks)
        self.axes[3].set_ylim(0, 1)
        for ax in self.axes[3:]:
            ax.set_xlabel("week", fontsize=7)
        self.fig.tight_layout(pad=0.6)  # once: the layout does not change from frame to frame
        self.tops = [0.0] * len(self.axes)
        self.frames = Frames(self.fig, [line for lines in self.lines for line in lines])
        self.update(model)

    def update(self, model: DashboardModel) -> Figure:
        """Show the weeks simulated so far; returns the figure."""
        weeks = np.arange(model.week)
        for i, (ax, lines, values) in enumerate(zip(self.axes, self.lines, panel_values(model, self.focus),
                                                    strict=True)):
            for line, series in zip(lines, values, strict=True):
                line.set_data(weeks, series)
            if i != 3:  # engagement and safety stay on 0-1
                top = max((float(np.nanmax(v)) for v in values if len(v) and np.isfinite(v).any()), default=0.0)
                if top > self.tops[i] or self.tops[i] == 0.0:
                    # The axis grows in round steps, so that the background is redrawn only now and then.
                    self.tops[i] = round_up(max(top * 1.05, 1.0))
                    ax.set_ylim(0, self.tops[i])
                    self.frames.invalidate()
        return self.fig

    def png(self) -> bytes:
        """The current frame as PNG (see :class:`qicsim.apps.dashboard.frames.Frames`)."""
        return self.frames.png()


def round_up(value: float) -> float:
    """The next of 1, 2, 5, 10, 20, 50, ... at or above ``value``."""
    step = 10.0 ** np.floor(np.log10(value))
    return float(next(m * step for m in (1, 2, 5, 10) if m * step >= value))


def run_pair(kwargs_with: dict, kwargs_without: dict, seed: int) -> tuple[QICModel, QICModel]:
    """Run two conditions to the end on the same seed (in this process: the view draws the models)."""
    from qicsim.run.evaluator import Replication, run_model

    return run_model(Replication(seed, kwargs_with)), run_model(Replication(seed, kwargs_without))


def draw_compare(with_context: QICModel, without_context: QICModel, context: str, levels: tuple[float, float],
                 fig: Figure | None = None) -> Figure:
    """Side by side: the outcome and the context's mechanism, with and without it, same seed, shared y.

    Args:
        with_context: The run with the context at ``levels[0]``.
        without_context: The same seed with it at ``levels[1]``.
        context: The context's name.
        levels: Its intensity in each run.
        fig: A figure to draw on (cleared), or None.

    Returns:
        The figure.
    """
    if fig is None:
        fig = Figure(figsize=(9.5, 4.6), dpi=80)
    fig.clear()
    axes = fig.subplots(2, 2, sharex=True, sharey="row")
    count = indicator(context)
    for col, (model, level) in enumerate(zip((with_context, without_context), levels, strict=True)):
        weeks = np.arange(model.week)
        for site in range(model.n_sites):
            axes[0, col].plot(weeks, model.series.values[:, site, SERIES_INDEX["implemented"]][: model.week],
                              label=model.sites[site].name, linewidth=1.2)
        axes[1, col].plot(weeks, count_by_week(model, count), color="#8c564b")
        total = int(site_total(model, "implemented")[-1])
        axes[0, col].set_title(f"{context.replace('_', ' ')} = {level:g}: {total} improvements implemented",
                               fontsize=8)
        for ax in axes[:, col]:
            mark_support(ax, model)
            ax.tick_params(labelsize=7)
        axes[1, col].set_xlabel("week", fontsize=7)
    axes[0, 0].set_ylabel("implemented so far", fontsize=7)
    axes[1, 0].set_ylabel(MECHANISM_COUNTS[count][:40] + "\n(so far)", fontsize=6)
    axes[0, 0].legend(fontsize=6, loc="upper left", frameon=False)
    fig.tight_layout(pad=0.6)
    return fig
