"""The run's figure: improvements implemented over time by site, with an interval band."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display is needed or assumed
import matplotlib.pyplot as plt
import pandas as pd

BAND = (0.05, 0.95)


def draw_band(stats: pd.DataFrame, n_reps: int, path: Path, *, title: str, support_weeks: int,
              event_weeks: list[int]) -> Path:
    """Draw the figure from its quantiles: rows ``(site, week)``, columns 0.05, 0.5 and 0.95.

    Args:
        stats: The quantiles over replications, per site and week.
        n_reps: Replications they summarise.
        path: PNG file to write.
        title: Figure title.
        support_weeks: Week support ends (a dashed line).
        event_weeks: Learning event weeks (dotted lines).

    Returns:
        The path written.
    """
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for site, frame in stats.groupby(level="site"):
        weeks = frame.index.get_level_values("week")
        line, = ax.plot(weeks, frame[0.5], label=site)
        ax.fill_between(weeks, frame[BAND[0]], frame[BAND[1]], color=line.get_color(), alpha=0.2)
    for week in event_weeks:
        ax.axvline(week, color="grey", linestyle=":", linewidth=0.8)
    ax.axvline(support_weeks, color="black", linestyle="--", linewidth=1.0)
    ax.text(support_weeks + 1, ax.get_ylim()[1] * 0.95, "support ends", fontsize=8, va="top")
    ax.set_xlabel("week (dotted: learning events)")
    ax.set_ylabel("improvements implemented (cumulative)")
    ax.set_title(f"{title}\nmedian and {int(BAND[0] * 100)}-{int(BAND[1] * 100)}% band over {n_reps} replications",
                 fontsize=10)
    ax.legend(title="site", fontsize=8, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
