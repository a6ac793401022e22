"""The weekly series: a few site-level measures recorded at the end of every week."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.project import Stage

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

SERIES: dict[str, str] = {
    "implemented": "improvements implemented so far (cumulative)",
    "in_place": "improvements in place at the end of the week",
    "active_projects": "projects being planned or tested",
    "pdsa_cycles": "PDSA cycles run so far (cumulative)",
    "attendances": "meeting and event attendances so far (cumulative)",
    "members": "staff in the QIC team",
    "mean_engagement": "mean engagement of team members",
    "qic_hours": "QIC hours available to the team this week",
}
SERIES_NAMES: tuple[str, ...] = tuple(SERIES)


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
        for project in model.projects:
            s = project.site
            if project.week_implemented >= 0:
                row[s, 0] += 1
            if project.stage in (Stage.IMPLEMENTED, Stage.SUSTAINED):
                row[s, 1] += 1
            elif project.stage in (Stage.PLANNED, Stage.TESTING):
                row[s, 2] += 1
            row[s, 3] += project.cycles
        attendances = model.attendances + model.event_attendances
        row[:, 4] = np.bincount(table.site, weights=attendances, minlength=n)
        members = table.member
        row[:, 5] = np.bincount(table.site[members], minlength=n)
        engagement = np.bincount(table.site[members], weights=table.engagement[members], minlength=n)
        row[:, 6] = np.divide(engagement, row[:, 5], out=np.zeros(n), where=row[:, 5] > 0)
        row[:, 7] = np.bincount(table.site, weights=model.qic_hours, minlength=n)
