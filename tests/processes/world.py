"""A small world for the process tests: two sites of two residential homes, and ways to set its state.

The world is built by the public constructor with settings that take the noise out of what
the tests read: every home residential (the same six posts in each: a manager, two senior
carers, three care assistants; the manager and the first senior carer in the team), no
winter (season 1), no spread of workload (each post's share is its role's mean) and open
problems at the reference stock, so that every home's load is exactly 1. Each site's NHS
team always has a GP and a community nurse; the specialist nurse and the dietitian are
always outside professionals. Other NHS roles join a team by chance, so tests find posts by
role (:func:`post`) rather than by slot number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qicsim.model import QICModel
from qicsim.model.counters import COUNT_INDEX
from qicsim.model.draws import Draw
from qicsim.model.project import Origin, Project, Stage
from qicsim.model.roles import Role
from qicsim.model.topics import TOPICS

SEED = 2024
SMALL_WORLD: dict[str, Any] = {
    "homes_per_site": [2, 2],
    "collaborative_weeks": 12,
    "follow_up_weeks": 8,
    "learning_event_weeks": [],
    "nursing_home_share": 0.0,  # every home residential: the same posts in each
    "winter_amplitude": 0.0,  # season 1 every week
    "workload_sd": 0.0,  # each post's workload share is its role's mean
}


def small_world(contexts: dict[str, Any] | None = None, *, week: int = 0, seed: int = SEED,
                **settings: Any) -> QICModel:
    """A model of two sites of two homes at the start of ``week``, nothing yet done that week.

    Args:
        contexts: Context intensities, as for :class:`QICModel`.
        week: The week the test's process runs in.
        seed: Seed of the model.
        **settings: Structure or parameter values replacing those of ``SMALL_WORLD`` and the defaults.
    """
    model = QICModel(seed=seed, contexts=contexts, **(SMALL_WORLD | settings))
    at_week(model, week)
    return model


def at_week(model: QICModel, week: int) -> None:
    """Move the model's calendar to ``week`` (a new week: nothing computed once a week is kept)."""
    model.week = week
    model._this_week.clear()


def posts(model: QICModel, role: Role, *, home: int | None = None, site: int | None = None) -> np.ndarray:
    """Slots of a role's posts, in one home (care home roles) or at one site (NHS roles)."""
    table = model.staff
    chosen = table.role == role
    if home is not None:
        chosen &= table.home == home
    if site is not None:
        chosen &= table.site == site
    return np.flatnonzero(chosen)


def post(model: QICModel, role: Role, *, home: int | None = None, site: int | None = None, nth: int = 0) -> int:
    """The ``nth`` post of a role in a home or at a site."""
    return int(posts(model, role, home=home, site=site)[nth])


def home_members(model: QICModel, home: int) -> np.ndarray:
    """Slots of a home's team members."""
    staff = model.homes[home].staff
    return staff[model.staff.member[staff]]


def join(model: QICModel, slot: int, *, engagement: float | None = None) -> None:
    """Make a post's holder a team member out of induction (with a given engagement)."""
    table = model.staff
    table.member[slot] = table.ever_member[slot] = True
    table.induction_left[slot] = 0
    if engagement is not None:
        table.engagement[slot] = engagement


def set_tie(model: QICModel, a: int, b: int, strength: float) -> None:
    """Set the (symmetric) tie between two posts of the same site."""
    table = model.staff
    site = int(table.site[a])
    assert table.site[b] == site, "set_tie is for posts of one site"
    i, j = a - int(table.site_start[site]), b - int(table.site_start[site])
    table.ties.blocks[site][i, j] = table.ties.blocks[site][j, i] = strength


def clear_ties(model: QICModel, slot: int) -> None:
    """Remove every tie of one post."""
    model.staff.ties.clear(np.array([slot]))


def topic(name: str) -> int:
    """Index of a topic by name."""
    return next(i for i, t in enumerate(TOPICS) if t.name == name)


def add_project(model: QICModel, home: int, champion: int, *, topic_name: str = "oral_health",
                stage: Stage = Stage.TESTING, n_chunks: int = 1, chunk_hours: float = 1000.0,
                alignment: float = 0.0, week_implemented: int | None = None,
                origin: Origin = Origin.VOICED) -> Project:
    """Open a project in a home, moved to ``stage``, with a known plan and nothing else on it.

    The open lists are left as a week's end leaves them (``OpenProjects.forget_finished``), so
    an implemented project is no longer in the active list.

    The default topic (oral health) needs and wants no discipline, so no recruitment happens;
    the default chunk (1,000 hours) is far beyond a week's effort, so no cycle runs.
    """
    table = model.staff
    project = Project(
        pid=len(model.projects), topic=topic(topic_name), home=home, site=model.homes[home].site,
        champion=champion, champion_holder=int(table.holder[champion]) if champion >= 0 else -1,
        led_by_role=int(table.role[champion]) if champion >= 0 else -1, origin=origin, alignment=alignment,
        effort_hours=n_chunks * chunk_hours, week_created=model.week, n_chunks=n_chunks, chunk_hours=chunk_hours)
    if champion >= 0:
        project.disciplines = {int(table.role[champion])}
    model.projects.append(project)
    model.open.start(project, model.week)
    if stage in (Stage.TESTING, Stage.IMPLEMENTED, Stage.SUSTAINED):
        model.open.move(project, Stage.TESTING, model.week)
    if stage in (Stage.IMPLEMENTED, Stage.SUSTAINED):
        model.open.move(project, Stage.IMPLEMENTED, model.week if week_implemented is None else week_implemented)
        project.chunks_done = n_chunks
    if stage == Stage.SUSTAINED:
        model.open.move(project, Stage.SUSTAINED, model.week)
    model.open.forget_finished()  # as at the start of a week: the lists hold only what is open there
    return project


class FixedDraws:
    """Stands in for a model's draws (``model.draws``): every uniform of the chosen streams is ``value``.

    With no stream named, every stream is fixed; the others are the model's own draws. It records the
    streams asked for (``asked``), so that a test can check what a process drew.

    Args:
        real: The model's own draws (:class:`qicsim.model.draws.KeyedDraws`).
        value: The uniform every fixed draw returns.
        streams: The streams to fix (none: all of them).
    """

    def __init__(self, real: Any, value: float = 0.0, *streams: Draw) -> None:
        self.real, self.value, self.streams = real, value, set(streams)
        self.asked: list[Draw] = []

    def _fixed(self, draw: Draw) -> bool:
        self.asked.append(draw)
        return not self.streams or draw in self.streams

    def uniforms(self, draw: Draw, week: int, entity: int, n: int) -> np.ndarray:
        return np.full(n, self.value) if self._fixed(draw) else self.real.uniforms(draw, week, entity, n)

    def uniform(self, draw: Draw, week: int, entity: int) -> float:
        return self.value if self._fixed(draw) else self.real.uniform(draw, week, entity)


def fix_draws(model: QICModel, value: float = 0.0, *streams: Draw) -> FixedDraws:
    """Fix the uniforms of some streams of a model (all: none named) at ``value``; returns the stand-in."""
    model.draws = FixedDraws(model.draws, value, *streams)
    return model.draws


class PoissonMeans:
    """Stands in for :func:`qicsim.model.draws.poisson` (monkeypatched where a process imported it): draws no
    count and keeps the means it was asked for (``means``), so that a test can check a rate against its formula.

    A process batched over replications (:mod:`qicsim.model.batch`) asks with one row per replication; a test
    runs one model, so ``means`` keeps that row."""

    def __init__(self) -> None:
        self.means: np.ndarray | None = None

    def __call__(self, draws: np.ndarray, mean: np.ndarray) -> np.ndarray:
        means = np.array(mean, dtype=float)
        self.means = means[0] if means.ndim == 2 else means
        return np.zeros(np.shape(draws), dtype=np.int64)


def count(model: QICModel, name: str, unit: int | None = None) -> float:
    """A mechanism count on one unit (a home, or ``n_homes + site``), or its run total."""
    if unit is None:
        return model.counts.total(name)
    return float(model.counts.values[COUNT_INDEX[name], unit])
