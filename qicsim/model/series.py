"""The weekly series: a few site-level measures recorded at the end of every week."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

SERIES: dict[str, str] = {
    "implemented": "improvements implemented so far (cumulative)",
    "in_place": "improvements in place at the end of the week",
    "active_projects": "projects being planned or tested",
    "pdsa_cycles": "PDSA cycles run so far (cumulative)",
    "attendances": "local meeting attendances so far (cumulative)",
    "event_attendances": "learning event attendances so far (cumulative)",
    "members": "staff in the QIC team",
    "mean_engagement": "mean engagement of team members",
    "qic_hours": "QIC hours available to the team this week",
}
SERIES_NAMES: tuple[str, ...] = tuple(SERIES)
SERIES_INDEX: dict[str, int] = {name: i for i, name in enumerate(SERIES_NAMES)}


class WeeklySeries:
    """Array of shape (weeks, sites, series), filled one week at a time.

    Args:
        weeks: Weeks in the run.
        n_sites: Number of sites.
    """

    def __init__(self, weeks: int, n_sites: int) -> None:
        self.values = np.zeros((weeks, n_sites, len(SERIES_NAMES)))
        self.n_sites = n_sites

    def record(self, model: QICModel) -> None:
        """Record the week that has just been simulated."""
        table = model.staff
        n = self.n_sites
        row = self.values[model.week]
        col = SERIES_INDEX
        for project in model.projects:
            s = project.site
            if project.week_implemented >= 0:
                row[s, col["implemented"]] += 1
            if project.in_place:
                row[s, col["in_place"]] += 1
            elif project.active:
                row[s, col["active_projects"]] += 1
            row[s, col["pdsa_cycles"]] += project.cycles
        row[:, col["attendances"]] = np.bincount(table.site, weights=model.attendances, minlength=n)
        row[:, col["event_attendances"]] = np.bincount(table.site, weights=model.event_attendances, minlength=n)
        members = np.bincount(table.site[table.member], minlength=n)
        engagement = np.bincount(table.site[table.member], weights=table.engagement[table.member], minlength=n)
        row[:, col["members"]] = members
        row[:, col["mean_engagement"]] = np.divide(engagement, members, out=np.zeros(n), where=members > 0)
        row[:, col["qic_hours"]] = np.bincount(table.site, weights=model.qic_hours, minlength=n)
