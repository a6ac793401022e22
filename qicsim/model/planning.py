"""Process 4: ideas become planned projects (remit C1, alignment C5, coaching C6, set-up C2)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import turnover
from qicsim.model.project import Origin, Project, Stage
from qicsim.model.topics import TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

EFFORT_SIGMA = 0.5  # assumption: lognormal spread of project effort


def plan_idea(model: QICModel, home: int, topic: int, voicer: int, origin: Origin,
              parent: int = -1) -> Project | None:
    """Turn an idea for a home into a planned project, or drop it.

    A voiced idea must fall within the remit (C1). An idea outside the home's priorities is
    set aside at a rate set by C5. The home must have room for another project and someone
    able to lead it: the voicer if they work in the home, or an NHS voicer with enough QIC
    hours (GPs rarely have them), else the home's most engaged member.

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
    p = model.p
    rng = model.rng
    counts = model.counts
    site = model.homes[home].site
    if origin == Origin.VOICED:
        scope = p.remit_scope_floor + (1.0 - p.remit_scope_floor) * model.context("remit_clarity", site)
        if rng.random() >= scope:
            counts.add("ideas_out_of_scope", home)
            return None
        counts.add("ideas_in_scope", home)
    fit = topic in model.homes[home].priorities
    c5 = model.context("alignment", site)
    if not fit and rng.random() < p.alignment_filter * c5:
        counts.add("ideas_set_aside_unaligned", home)
        return None
    at_home = [pr for pr in model.projects if pr.home == home]
    active = sum(pr.active for pr in at_home)
    duplicate = origin != Origin.ITERATION and any(
        pr.topic == topic and (pr.active or pr.in_place) for pr in at_home)
    if active >= p.max_projects_per_home or duplicate:
        counts.add("ideas_no_capacity", home)
        return None
    champion = choose_champion(model, home, voicer)
    if champion < 0:
        counts.add("ideas_no_champion", home)
        return None
    return start_project(model, home, topic, champion, origin, fit, parent)


def choose_champion(model: QICModel, home: int, voicer: int) -> int:
    """Who leads: the voicer if able, else the home's most engaged member, else nobody."""
    table = model.staff
    if table.member[voicer] and (table.home[voicer] == home or (
            not table.is_care[voicer] and model.qic_hours[voicer] >= model.p.lead_hours_min)):
        return voicer
    return turnover.find_champion(model, home)


def start_project(model: QICModel, home: int, topic: int, champion: int, origin: Origin,
                  fit: bool, parent: int) -> Project:
    """Create the project and its plan (chunks with or without coaching)."""
    p = model.p
    rng = model.rng
    table = model.staff
    site = model.homes[home].site
    counts = model.counts
    mean_effort = p.project_effort_hours * (1.0 if origin == Origin.VOICED else p.spread_effort_share)
    # Lognormal with the given mean.
    effort = float(mean_effort * rng.lognormal(-EFFORT_SIGMA**2 / 2, EFFORT_SIGMA))
    alignment = model.context("alignment", site) * (1.0 if fit else p.unaligned_fit)
    project = Project(
        pid=len(model.projects), topic=topic, home=home, site=site, champion=champion,
        champion_uid=table.agents[champion].unique_id, led_by_role=int(table.role[champion]),
        origin=origin, alignment=alignment, effort_hours=effort, week_created=model.week,
        parent=parent)
    if fit:
        counts.add("aligned_take_ups", home)
    coached = rng.random() < (model.context("qi_coaching", site) if model.supported else 0.0)
    chunk = p.chunk_hours_coached if coached else p.chunk_hours_uncoached
    project.coached = coached
    project.n_chunks = max(1, math.ceil(effort / chunk))
    project.chunk_hours = effort / project.n_chunks
    if coached:
        counts.add("coached_plans", home)
    assign_team(model, project)
    project.setup_left = p.setup_weeks_max * (1.0 - partnership_trust(model, project))
    counts.add("setup_weeks", home, project.setup_left)
    project.move(Stage.PLANNED, model.week)
    model.projects.append(project)
    return project


def assign_team(model: QICModel, project: Project) -> None:
    """Helpers: NHS team members of the site whose role the topic needs."""
    table = model.staff
    project.disciplines = {int(table.role[project.champion])}
    needed = set(int(r) for r in TOPICS[project.topic].needs) - project.disciplines
    nhs = model.sites[project.site].nhs_staff
    for role in sorted(needed):
        candidates = nhs[(table.role[nhs] == role) & table.member[nhs]]
        if len(candidates):
            helper = int(candidates[0])
            project.helpers.append(helper)
            project.disciplines.add(role)
    project.needs = needed - project.disciplines


def partner_slots(model: QICModel, project: Project) -> np.ndarray:
    """Slots across the NHS-care home divide from the champion."""
    table = model.staff
    if table.is_care[project.champion]:
        nhs = model.sites[project.site].nhs_staff
        return nhs[table.member[nhs]]
    return model.homes[project.home].staff


def partnership_trust(model: QICModel, project: Project) -> float:
    """Strongest tie between the champion and a partner across the divide (C2, C3 feed it)."""
    partners = partner_slots(model, project)
    if project.champion < 0 or not len(partners):
        return 0.0
    return float(model.staff.ties[project.champion, partners].max())
