"""The QIC model: a care-home quality improvement collaborative, one step a week."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import mesa
import numpy as np

from qicsim.model import (
    alignment,
    capability,
    events,
    facilitation,
    measurement,
    meetings,
    projects,
    recruitment,
    relationships,
    spread,
    starts,
    sustainment,
    turnover,
)
from qicsim.model.batch import Batch
from qicsim.model.contexts import CONTEXT_INDEX, resolve_intensities
from qicsim.model.counters import Counters
from qicsim.model.draws import Draw, KeyedDraws
from qicsim.model.homes import CareHome, HomeTable, SiteTeam
from qicsim.model.mediators import Mediation
from qicsim.model.open_projects import OpenProjects
from qicsim.model.parameters import Parameters, Structure, build, checked_seed
from qicsim.model.project import Project
from qicsim.model.series import WeeklySeries
from qicsim.model.setup import build_world
from qicsim.model.staff import StaffTable

T = TypeVar("T")


class QICModel(mesa.Model):
    """A Quality Improvement Collaborative across care homes (docs/ODD.md).

    Build it from plain values; every setting not given takes its default::

        model = QICModel(seed=1, contexts={"protected_time": 1.0}, homes_per_site=[5, 5])
        model.run()

    Args:
        seed: Seed of the run; the same seed and settings give the same run.
        contexts: Context name to intensity, or to ``{"intensity", "sites", "schedule"}``
            (see :func:`qicsim.model.contexts.resolve_intensities`). Contexts not named are 0.
        hold: Mediator name to its trajectory from another run (see
            :mod:`qicsim.model.mediators`): the model overwrites that state with it every week.
        record: Mediator names whose trajectories the run keeps (``model.mediation.recorded``).
        **settings: Any field of :class:`qicsim.model.parameters.Structure` or
            :class:`qicsim.model.parameters.Parameters`.

    Raises:
        ConfigError: For an unknown setting or a value out of range.
    """

    def __init__(self, seed: int | None = None, contexts: dict[str, Any] | None = None, *,
                 hold: dict[str, np.ndarray] | None = None, record: tuple[str, ...] = (),
                 **settings: Any) -> None:
        super().__init__(rng=checked_seed(seed))
        structure_names = set(Structure.__dataclass_fields__)
        self.structure: Structure = build(
            Structure, {k: v for k, v in settings.items() if k in structure_names}, "structure")
        self.params: Parameters = build(
            Parameters, {k: v for k, v in settings.items() if k not in structure_names},
            "parameters")
        self.seed = seed
        self.n_sites = len(self.structure.homes_per_site)
        self.total_weeks = self.structure.total_weeks
        self.support_weeks = self.structure.collaborative_weeks
        self.intensity = resolve_intensities(contexts, self.n_sites, self.total_weeks)
        # Every draw is keyed by (seed, stream, week, entity, position): qicsim.model.draws.
        self.draws = KeyedDraws(self.seed)
        self.ideas = 0  # ideas that reached planning so far: each idea's draws are keyed by its number
        self.event_weeks = sorted(set(self.structure.learning_event_weeks))
        # One draw per scheduled event: a site holds the event while the draw is below its
        # C9 intensity, so raising C9 only ever adds events (common random numbers).
        self.event_draws = self.draws.uniforms(Draw.EVENT_HELD, 0, 0, len(self.structure.learning_event_weeks))

        self.week = 0
        self._this_week: dict[Any, Any] = {}
        self.sites: list[SiteTeam] = []
        self.homes: list[CareHome] = []
        self.home_state: HomeTable
        self.staff: StaffTable
        self.projects: list[Project] = []  # every project, in creation order (``pid``)
        n_homes = sum(self.structure.homes_per_site)
        # The projects still active or in place, with running counts per home: what the weekly
        # processes scan.
        self.open = OpenProjects(n_homes)
        self.counts = Counters(n_homes, self.n_sites, self.total_weeks)
        build_world(self)
        self.counts.set_sites(self.homes)
        self.series = WeeklySeries(self.total_weeks, self.n_sites)
        self.mediation = Mediation(self, hold or {}, record)
        self.in_place_at_support_end = np.zeros(n_homes)
        self.engagement_at_support_end = float("nan")
        self.members_at_support_end = 0
        self.batch: Batch | None = None  # the batch it steps in (own_batch): a batch of one unless given

    def context(self, name: str, site: int | None = None, *, week: int | None = None) -> Any:
        """Intensity of a context: the one accessor every mechanism reads its context through.

        Args:
            name: Context name, e.g. ``"protected_time"``.
            site: A site index for one site's intensity, or None for every site's.
            week: The week (default: this week).

        Returns:
            A float in [0, 1] for one site, else an array with one intensity per site.
        """
        week = self.week if week is None else week
        if site is None:
            return self.intensity[CONTEXT_INDEX[name], :, week]
        return self.intensity.item(CONTEXT_INDEX[name], site, week)

    def uniforms(self, draw: Draw, n: int, entity: int = 0) -> np.ndarray:
        """This week's uniforms of a stream, positions 0..n-1 of ``entity`` (:mod:`qicsim.model.draws`)."""
        return self.draws.uniforms(draw, self.week, entity, n)

    def uniform(self, draw: Draw, entity: int = 0) -> float:
        """This week's first uniform of a stream for ``entity``."""
        return self.draws.uniform(draw, self.week, entity)

    def this_week(self, key: Any, compute: Callable[[], T]) -> T:
        """A value computed once a week: ``compute()`` the first time ``key`` is asked for this week.

        Only for values that nothing changes later in the same week's processes.
        """
        if key not in self._this_week:
            self._this_week[key] = compute()
        return self._this_week[key]

    @property
    def supported(self) -> bool:
        """Whether the collaborative still supports the teams this week."""
        return self.week < self.support_weeks

    def own_batch(self) -> Batch:
        """The batch this model steps in: a batch of one, made the first time it is asked for."""
        if self.batch is None:
            Batch([self])
        return self.batch

    def step(self) -> None:
        """Advance one week: processes 1-10 of docs/ODD.md section 3, in order (:meth:`Batch.step`).

        ``ownership.Process`` lists what the week calls, in this order: the names the staff columns'
        owners are given by (tests/test_state_ownership.py checks the list and the order).

        Raises:
            RuntimeError: For a model in a batch of more than one: the batch steps it.
        """
        batch = self.own_batch()
        if batch.size > 1:
            raise RuntimeError(f"this replication runs in a batch of {batch.size}: step the batch")
        batch.step()

    def step_social_to_trap(self) -> None:
        """Processes 2-9 of the week, and the full trap loop: what runs replication by replication."""
        self.mediation.at("time")
        turnover.apply_turnover(self)  # 2
        relationships.update_ties(self)
        meetings.hold_local_meetings(self)  # 3 and 4
        facilitation.hold_sessions(self)  # 3b and 4: sessions in homes (project_start facilitation)
        events.hold_learning_event(self)  # 8, and plans for the action period (4)
        self.mediation.at("social")
        starts.start_by_managers(self)  # 4: managers' topics (project_start beyond meetings)
        spread.share_along_ties(self)  # 7 (spread)
        projects.work_on_projects(self)  # 5, 6 and 7
        measurement.update_data_capability(self)  # C10
        self.mediation.at("capability")
        sustainment.update_sustainment(self)  # 9
        capability.update_trap(self)  # 10: the trap's full loop (nothing under firefighting)

    def close_week(self) -> None:
        """After process 10: what fades, the week's records, the end of support, the next week."""
        self.open.forget_finished()
        if self.supported:  # after support no meeting renews them and nothing reads them
            alignment.fade(self)
            recruitment.fade(self)
        self.series.record(self)
        self.counts.close_week(self.week)
        if self.week == self.support_weeks - 1:
            projects.close_unfinished(self)
            self.snapshot_support_end()
        self.week += 1
        self.running = self.week < self.total_weeks

    def __getstate__(self) -> dict[str, Any]:
        """The state to copy or pickle, without the batch: a copy steps in a batch of one of its own."""
        state = dict(vars(self))
        state["batch"] = None
        return state

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
        """Run all remaining weeks with Mesa's own loop (:meth:`mesa.Model.run_model`).

        Returns:
            The model itself, for chaining.
        """
        self.run_model()
        return self
