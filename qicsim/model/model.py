"""The QIC model: a care-home quality improvement collaborative, one step a week."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from qicsim.contexts import CONTEXT_INDEX, resolve_intensities
from qicsim.model import events, meetings, projects, sustainment, turnover, workload
from qicsim.model.counters import Counters
from qicsim.model.homes import CareHome, SiteTeam
from qicsim.model.project import Project
from qicsim.model.series import WeeklySeries
from qicsim.model.setup import build_world
from qicsim.model.staff import StaffTable
from qicsim.parameters import Parameters, Structure, build


class QICModel(mesa.Model):
    """A Quality Improvement Collaborative across care homes (docs/ODD.md).

    Build it from plain values; every setting not given takes its default::

        model = QICModel(seed=1, contexts={"protected_time": 1.0}, homes_per_site=[5, 5])
        model.run()

    Args:
        seed: Seed of the run; the same seed and settings give the same run.
        contexts: Context name to intensity, or to ``{"intensity", "sites", "schedule"}``
            (see :func:`qicsim.contexts.resolve_intensities`). Contexts not named are 0.
        **settings: Any field of :class:`qicsim.parameters.Structure` or
            :class:`qicsim.parameters.Parameters`.

    Raises:
        ConfigError: For an unknown setting or a value out of range.
    """

    def __init__(self, seed: int | None = None, contexts: dict[str, Any] | None = None,
                 **settings: Any) -> None:
        super().__init__(rng=seed)
        structure_names = set(Structure.__dataclass_fields__)
        self.structure: Structure = build(
            Structure, {k: v for k, v in settings.items() if k in structure_names}, "structure")
        self.p: Parameters = build(
            Parameters, {k: v for k, v in settings.items() if k not in structure_names},
            "parameters")
        self.seed = seed
        self.n_sites = len(self.structure.homes_per_site)
        self.total_weeks = self.structure.total_weeks
        self.support_weeks = self.structure.collaborative_weeks
        self.intensity = resolve_intensities(contexts, self.n_sites, self.total_weeks)
        self.event_weeks = sorted(set(self.structure.learning_event_weeks))
        # One draw per scheduled event: a site holds the event while the draw is below its
        # C9 intensity, so raising C9 only ever adds events (common random numbers).
        self.event_draws = self.rng.random(len(self.structure.learning_event_weeks))

        self.sites: list[SiteTeam] = []
        self.homes: list[CareHome] = []
        self.staff: StaffTable
        self.projects: list[Project] = []
        self.week = 0
        n_homes = sum(self.structure.homes_per_site)
        self.counts = Counters(n_homes, self.n_sites)
        build_world(self)
        n = self.staff.n
        # Counting unit of each post: its home, or its site's NHS side.
        self.unit = np.where(self.staff.home >= 0, self.staff.home, n_homes + self.staff.site)
        self.qic_hours = np.zeros(n)
        self.hours_left = np.zeros(n)
        self.slack = np.zeros(n)
        self.protected_now = np.zeros(n, dtype=bool)
        self.unprotected_hours = np.zeros(n)
        self.project_hours = np.zeros(n)
        self.attendances = np.zeros(n)
        self.event_attendances = np.zeros(n)
        self.home_load = np.ones(n_homes)
        self.feedback_factor = np.ones(n_homes)
        self.series = WeeklySeries(self.total_weeks, self.n_sites)
        self.in_place_at_support_end = np.zeros(n_homes)
        self.engagement_at_support_end = float("nan")
        self.members_at_support_end = 0

    # --- context access: each mechanism reads only its own context
    def context(self, name: str, site: int) -> float:
        """Intensity of a context at a site this week.

        Args:
            name: Context name, e.g. ``"protected_time"``.
            site: Site index.

        Returns:
            The intensity in [0, 1].
        """
        return float(self.intensity[CONTEXT_INDEX[name], site, self.week])

    def context_by_staff(self, name: str) -> np.ndarray:
        """Intensity of a context this week at each staff slot's site."""
        return self.intensity[CONTEXT_INDEX[name], self.staff.site, self.week]

    @property
    def supported(self) -> bool:
        """Whether the collaborative still supports the teams this week."""
        return self.week < self.support_weeks

    @property
    def running(self) -> bool:  # type: ignore[override]
        """Whether weeks remain to be simulated."""
        return self.week < self.total_weeks

    @running.setter
    def running(self, value: bool) -> None:
        # mesa.Model sets ``running`` in its constructor; the run's end follows the weeks.
        pass

    def step(self) -> None:
        """Advance one week: processes 1-10 of the model brief, in order."""
        if not self.running:
            return
        workload.update_time(self)  # 1
        turnover.apply_turnover(self)  # 2
        meetings.hold_local_meetings(self)  # 3 and 4
        events.hold_learning_event(self)  # 8
        projects.work_on_projects(self)  # 5, 6 and 7
        sustainment.update_sustainment(self)  # 9
        workload.apply_feedback(self)  # 10
        self.series.record(self)
        if self.week == self.support_weeks - 1:
            projects.close_unfinished(self)
            self.snapshot_support_end()
        self.week += 1

    def snapshot_support_end(self) -> None:
        """Keep what the run looks like in the last week of support."""
        for project in self.projects:
            if project.in_place:
                self.in_place_at_support_end[project.home] += 1
        members = self.staff.member
        self.members_at_support_end = int(members.sum())
        self.engagement_at_support_end = (
            float(self.staff.engagement[members].mean()) if members.any() else float("nan"))

    def run(self) -> QICModel:
        """Run all remaining weeks.

        Returns:
            The model itself, for chaining.
        """
        while self.running:
            self.step()
        return self
