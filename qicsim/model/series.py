"""The weekly series: site-level measures recorded at the end of every week.

Beside the outcomes (improvements implemented and in place, cycles, attendances) it keeps
a few home states (data capability, alignment practice, open problems, load). What each
mechanism did each week (safety gained, understanding gained, QIC hours available, ...) is
in ``Counters.weekly``, so that "the mediator moves before the outcome" can be read week by
week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.counters import COUNT_INDEX
from qicsim.model.project import SPREAD_ORIGINS
from qicsim.model.roles import Role

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

SERIES: dict[str, str] = {
    "implemented": "improvements implemented so far (cumulative)",
    "spread_implemented": "of those, improvements spread from another home (cumulative)",
    "projects_led_care_home": "projects led by care home staff so far (cumulative)",
    "measured_cycles": "PDSA cycles measured so far (cumulative)",
    "in_place": "improvements in place at the end of the week",
    "active_projects": "projects being planned or tested",
    "pdsa_cycles": "PDSA cycles run so far (cumulative)",
    "attendances": "local meeting attendances so far (cumulative)",
    "attendances_care_home": "of those, by care home staff (cumulative)",
    "event_attendances": "learning event attendances so far (cumulative)",
    "members": "staff in the QIC team",
    "mean_engagement": "mean engagement of team members",
    "qic_hours": "QIC hours members had available this week",
    "data_capability": "mean data capability of the site's homes (C10)",
    "alignment_practice": "mean alignment practice of the site's homes (C5)",
    "open_problems": "open avoidable problems in the site's homes (process 10)",
    "mean_load": "mean demand multiplier of the site's homes (process 10)",
}
SERIES_NAMES: tuple[str, ...] = tuple(SERIES)
SERIES_INDEX: dict[str, int] = {name: i for i, name in enumerate(SERIES_NAMES)}
HOME_STATES = {"data_capability": "data_capability", "alignment_practice": "alignment_practice",
               "open_problems": "problems", "mean_load": "load"}
"""Series read off a state of each home: the mean over the site's homes (open problems: the total).
They are one run of columns of ``SERIES``, in this order, recorded as one slice."""
HOME_COLUMNS = slice(SERIES_INDEX["data_capability"], SERIES_INDEX["data_capability"] + len(HOME_STATES))
assert SERIES_NAMES[HOME_COLUMNS] == tuple(HOME_STATES), "HOME_STATES must follow the order of SERIES"


PROJECT_SERIES = ("implemented", "spread_implemented", "projects_led_care_home", "measured_cycles",
                  "in_place", "active_projects", "pdsa_cycles", "attendances", "attendances_care_home",
                  "event_attendances", "qic_hours")
"""Series read off the projects' weeks and the weekly mechanism counts, not recorded one by one."""
CUMULATIVE_COUNTS = {"measured_cycles": ("measured_cycles",), "pdsa_cycles": ("chunks_completed", "chunks_failed"),
                     "attendances": ("meeting_attendances_care_home", "meeting_attendances_nhs"),
                     "attendances_care_home": ("meeting_attendances_care_home",),
                     "event_attendances": ("event_attendances",)}
"""Cumulative series that are running sums of weekly mechanism counts."""


class WeeklySeries:
    """Array of shape (weeks, sites, series), filled one week at a time.

    The staff and home measures are recorded at the end of each week; the project measures
    (``PROJECT_SERIES``) are worked out from the projects' creation, implementation and
    ending weeks and from the weekly mechanism counts whenever ``values`` is read, so that
    the weekly step does not walk every project.

    Args:
        weeks: Weeks in the run.
        n_sites: Number of sites.
    """

    def __init__(self, weeks: int, n_sites: int) -> None:
        self._values = np.zeros((weeks, n_sites, len(SERIES_NAMES)))
        self.n_sites = n_sites
        self._model: QICModel | None = None
        self._first_home: np.ndarray | None = None  # each site's homes: a run from here (Counters')
        self._home_columns = np.zeros(0)  # the HOME_STATES, one row each
        self._divisor = np.zeros(0)  # of each site's sums of them: its homes, or 1 for a total

    @property
    def values(self) -> np.ndarray:
        """The series so far: weeks not yet simulated are 0."""
        if self._model is not None:
            fill_project_series(self._model, self._values)
        return self._values

    def record(self, model: QICModel) -> None:
        """Record the week that has just been simulated."""
        self._model = model
        table = model.staff
        state = model.home_state
        row = self._values[model.week]
        col = SERIES_INDEX
        if self._first_home is None:
            # Homes are numbered site by site (Counters.set_sites checks it): each site's are
            # one run, so the sums are one reduceat, in a fixed order.
            self._first_home = model.counts.first_home
            self._home_columns = np.zeros((len(HOME_STATES), state.n))
            self._divisor = np.ones((len(HOME_STATES), self.n_sites))
            means = [name != "open_problems" for name in HOME_STATES]
            self._divisor[means] = np.diff(np.append(self._first_home, state.n))
        sites = table.site[table.member]
        members = np.bincount(sites, minlength=self.n_sites)
        engagement = np.bincount(sites, weights=table.engagement[table.member], minlength=self.n_sites)
        row[:, col["members"]] = members
        row[:, col["mean_engagement"]] = engagement / np.maximum(members, 1)
        columns = self._home_columns
        for i, column in enumerate(HOME_STATES.values()):
            columns[i] = getattr(state, column)
        sums = np.add.reduceat(columns, self._first_home, axis=1)
        row[:, HOME_COLUMNS] = np.divide(sums, self._divisor, out=sums).T


def fill_project_series(model: QICModel, values: np.ndarray) -> None:
    """Write the project measures of every simulated week into ``values`` (weeks, sites, series)."""
    weeks_done = model.week
    n_weeks, n_sites = values.shape[:2]
    col = SERIES_INDEX
    projects = model.projects
    week = np.arange(n_weeks)[:, None]
    if projects:
        site = np.array([p.site for p in projects])
        created = np.array([p.week_created for p in projects])
        implemented = np.array([p.week_implemented for p in projects])
        ended = np.array([p.week_ended for p in projects])
        spread = np.array([p.origin in SPREAD_ORIGINS for p in projects])
        care_led = np.array([p.led_by_role >= Role.CARE_HOME_MANAGER for p in projects])
        onehot = np.eye(n_sites)[site]  # (projects, sites)
        is_implemented = (implemented >= 0) & (implemented <= week)  # (weeks, projects)
        not_ended = (ended < 0) | (ended > week)
        exists = created <= week
        by_site = {
            "implemented": is_implemented,
            "spread_implemented": is_implemented & spread,
            "projects_led_care_home": exists & care_led,
            "in_place": is_implemented & not_ended,
            "active_projects": exists & ~is_implemented & not_ended,
        }
        for name, mask in by_site.items():
            values[:, :, col[name]] = mask.astype(np.float64) @ onehot
    else:
        for name in ("implemented", "spread_implemented", "projects_led_care_home", "in_place", "active_projects"):
            values[:, :, col[name]] = 0.0
    weekly = model.counts.weekly  # (weeks, counts, sites)
    for name, counts in CUMULATIVE_COUNTS.items():
        values[:, :, col[name]] = np.cumsum(weekly[:, [COUNT_INDEX[c] for c in counts]].sum(axis=1), axis=0)
    values[:, :, col["qic_hours"]] = weekly[:, COUNT_INDEX["qic_hours_members"]]
    values[weeks_done:, :, [col[name] for name in PROJECT_SERIES]] = 0.0
