"""Process 4: ideas become planned projects (remit C1, alignment C5, coaching C6, set-up C2)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import alignment, coaching, measurement, project_sizes, relationships, remit, turnover
from qicsim.model.draws import Draw, normal
from qicsim.model.project import OWN_ORIGINS, Origin, Project
from qicsim.model.topics import TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

SCOPE_CHECKED = (Origin.VOICED, Origin.ITERATION, Origin.EVENT_PLAN)
"""Origins whose idea must be seen to fall within the remit (C1): the members' own proposals. A manager's topic
is chosen with the remit in mind (the chance of choosing rises with understanding), a facilitator keeps a
session's ideas within it, and an improvement spread from elsewhere is in scope already."""

IDEA_DRAWS = 8
"""Uniforms each idea that reaches planning draws (``Draw.PLANNING``, keyed by the idea's number in the run),
whatever becomes of it: scope, refit, refitted topic, lead, the effort's two (a normal), the kind of change and
whether its first cycle is measured."""


def plan_idea(model: QICModel, home: int, topic: int, voicer: int, origin: Origin,
              parent: int = -1) -> Project | None:
    """Turn an idea for a home into a planned project, or drop it.

    A voiced idea, a plan made at a learning event, or a next iteration, must be seen to fall within the
    remit (C1, through the voicer's understanding; :data:`SCOPE_CHECKED`). An
    idea outside the home's priorities may be refitted to one of them (C5, through the home's
    alignment practice). The home must have room for another project and someone able to lead it
    (:func:`choose_champion`).

    Args:
        model: The model.
        home: Home the idea is for.
        topic: Topic index.
        voicer: Staff slot of whoever proposed it.
        origin: How the idea arose.
        parent: Project iterated or spread, or -1.

    Returns:
        The new project, or None if the idea was dropped.
    """
    params = model.params
    counts = model.counts
    draws = model.draws.uniforms(Draw.PLANNING, model.week, model.ideas, IDEA_DRAWS).tolist()
    model.ideas += 1
    scope_draw, refit_draw, topic_draw, lead_draw = draws[:4]
    if origin in SCOPE_CHECKED:
        if scope_draw >= remit.scope_probability(model, voicer):
            counts.add("ideas_out_of_scope", home)
            return None
        counts.add("ideas_in_scope", home)
    priorities = sorted(model.homes[home].priorities)
    fit = topic in priorities
    if refit_draw < alignment.refit_probability(model, home, fit):
        topic = priorities[int(topic_draw * len(priorities))]
        fit = True
        counts.add("ideas_refitted_to_priorities", home)
    open_projects = model.open  # its running counts per home answer both questions
    duplicate = origin != Origin.ITERATION and open_projects.open_topic[home][topic] > 0
    if open_projects.active_at_home[home] >= params.max_projects_per_home or duplicate:
        counts.add("ideas_no_capacity", home)
        return None
    champion = choose_champion(model, home, voicer, lead_draw)
    if champion < 0:
        counts.add("ideas_no_champion", home)
        return None
    return start_project(model, home, topic, champion, origin, fit, parent, draws[4:])


def lead_probability(model: QICModel, slot: int) -> float:
    """Chance an NHS member who voices an idea leads it: rises smoothly with their QIC hours."""
    params = model.params
    hours = model.staff.qic_hours.item(slot)
    return 1.0 / (1.0 + math.exp(-(hours - params.lead_hours_min) / params.lead_hours_spread))


def choose_champion(model: QICModel, home: int, voicer: int, lead_draw: float) -> int:
    """Who leads a new project.

    A member voicer who works in the home; an NHS member voicer if they have the time
    (:func:`lead_probability`; GPs rarely do); else the home's most engaged member.
    """
    table = model.staff
    if table.member.item(voicer) and table.induction_left.item(voicer) == 0:
        if table.home.item(voicer) == home:
            return voicer
        if not table.is_care.item(voicer) and lead_draw < lead_probability(model, voicer):
            return voicer
    return turnover.find_champion(model, home)


def start_project(model: QICModel, home: int, topic: int, champion: int, origin: Origin,
                  fit: bool, parent: int, draws: list[float]) -> Project:
    """Create the project and its plan: effort by its kind of change, chunks sized by the champion's QI skill (C6).

    ``draws``: four uniforms, the effort's two (a normal), the kind of change's and the first cycle's measurement's.
    """
    params = model.params
    table = model.staff
    site = model.homes[home].site
    counts = model.counts
    mean_effort = params.project_effort_hours * (1.0 if origin in OWN_ORIGINS else params.spread_effort_share)
    # Lognormal with the given mean.
    sigma = params.project_effort_sigma
    z = float(normal(np.array(draws[0:1]), np.array(draws[1:2]))[0])
    effort = mean_effort * math.exp(-sigma**2 / 2 + sigma * z)
    kind = project_sizes.choose_kind(model, home, topic, parent, draws[2])  # structure.project_sizes
    effort = project_sizes.effort_of(model, kind, effort)
    project = Project(
        pid=len(model.projects), topic=topic, home=home, site=site, champion=champion,
        champion_holder=int(table.holder[champion]), led_by_role=int(table.role[champion]),
        origin=origin, alignment=alignment.project_alignment(model, home, fit), effort_hours=effort,
        week_created=model.week, parent=parent, kind=kind)
    if fit:
        counts.add("aligned_take_ups", home)
    coaching.coach(model, site, champion)  # planning with the coach is a coaching contact
    chunk = coaching.chunk_target(model, champion)
    project.n_chunks = project_sizes.chunks(model, kind, effort, chunk)  # the kind sets the least number
    project.chunk_hours = effort / project.n_chunks
    assign_team(model, project)
    trust = relationships.partnership_trust(model, project)
    counts.add("partnership_trust", home, trust)
    project.setup_left = params.setup_weeks_max * (1.0 - trust)
    counts.add("setup_weeks", home, project.setup_left)
    model.projects.append(project)
    model.open.start(project, model.week)
    measurement.plan_cycle(model, project, draws[3])
    return project


def assign_team(model: QICModel, project: Project) -> None:
    """Helpers: NHS team members of the site whose role the topic needs."""
    table = model.staff
    project.disciplines = {table.role.item(project.champion)}
    needed = set(NEEDS[project.topic]) - project.disciplines  # sets of its own: recruitment changes them
    if needed:
        nhs = model.sites[project.site].nhs_staff
        roles, members = table.role[nhs].tolist(), table.member[nhs].tolist()
        for role in sorted(needed):
            # The first NHS member of the site with the role, if any.
            helper = next((i for i, (r, m) in enumerate(zip(roles, members, strict=True)) if r == role and m), -1)
            if helper >= 0:
                project.helpers.append(int(nhs[helper]))
                project.disciplines.add(role)
    project.needs = needed - project.disciplines
    project.wanted = set(HELPS[project.topic]) - project.disciplines


NEEDS = tuple(frozenset(int(role) for role in topic.needs) for topic in TOPICS)
"""Each topic's ``needs`` as role values."""
HELPS = tuple(frozenset(int(role) for role in topic.helps) for topic in TOPICS)
"""Each topic's ``helps`` as role values."""
