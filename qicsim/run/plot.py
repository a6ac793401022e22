"""The run's figure: improvements implemented over time, one panel per site on a shared y-axis.

At most :data:`MAX_PANELS` panels: a run of 1,000 sites drew 1,000 panels for over 10 minutes, in
a figure nobody could read. With more sites, the first :data:`MAX_PANELS` are drawn and the title
says how many of them are shown; every site is in the run's tables (``weekly.csv``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display is needed or assumed
import matplotlib.pyplot as plt
import pandas as pd

BAND = (0.05, 0.95)
MAX_PANELS = 24  # 6 rows of 4: about 11 x 16 inches, drawn in a second or two


def draw_band(stats: pd.DataFrame, n_reps: int, path: Path, *, title: str, support_weeks: int,
              event_weeks: list[int]) -> Path:
    """Draw the figure from its quantiles: rows ``(site, week)``, columns 0.05, 0.5 and 0.95.

    Each site has its own panel (facets, so that the bands do not cover each other), and all
    panels share the y-axis, so that sites can be compared by height. Only the first
    :data:`MAX_PANELS` sites are drawn.

    Args:
        stats: The quantiles over replications, per site and week.
        n_reps: Replications they summarise.
        path: PNG file to write.
        title: Figure title: the scenario and any settings changed from it.
        support_weeks: Week support ends (a dashed line).
        event_weeks: Learning event weeks (dotted lines).

    Returns:
        The path written.
    """
    every_site = list(stats.index.get_level_values("site").unique())
    sites = every_site[:MAX_PANELS]
    columns = min(len(sites), 4)
    rows = -(-len(sites) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns + 1, 2.6 * rows + 0.9), dpi=110,
                             sharex=True, sharey=True, squeeze=False)
    colours = plt.get_cmap("tab10").colors
    for i, (ax, site) in enumerate(zip(axes.ravel(), sites, strict=False)):
        frame = stats.xs(site, level="site")
        weeks = frame.index.to_numpy()
        ax.plot(weeks, frame[0.5], color=colours[i % len(colours)])
        ax.fill_between(weeks, frame[BAND[0]], frame[BAND[1]], color=colours[i % len(colours)], alpha=0.2)
        for week in event_weeks:
            ax.axvline(week, color="grey", linestyle=":", linewidth=0.8)
        ax.axvline(support_weeks, color="black", linestyle="--", linewidth=1.0)
        ax.set_title(site, fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes.ravel()[len(sites):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("week", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("implemented (cumulative)", fontsize=8)
    cut = len(sites) < len(every_site)
    shown = f"; the first {len(sites)} of {len(every_site)} sites (all in weekly.csv)" if cut else ""
    fig.suptitle(f"{title}\nmedian and {int(BAND[0] * 100)}-{int(BAND[1] * 100)}% band over {n_reps} replications; "
                 f"dotted: learning events, dashed: support ends{shown}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def figure_title(scenario: str, changes: list[str]) -> str:
    """``qicsim: <scenario>`` and the settings changed from it, the first three named.

    Args:
        scenario: The scenario's name.
        changes: The settings changed from it (:func:`qicsim.config.changes.result_changes`).
    """
    text = f"qicsim: {scenario}"
    if changes:
        shown = ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
        text += f" with {shown}"
    return text
