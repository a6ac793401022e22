"""Processes 5-7: project work, PDSA cycles, recruitment of missing disciplines, implementation."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import coaching, measurement, planning, recruitment, relationships, remit, turnover
from qicsim.model.draws import Draw
from qicsim.model.project import Origin, Project, Stage

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

WEEK_DRAWS = 5
"""Uniforms of each project a week (``Draw.PROJECT_WEEK``, at positions pid x 5 + k), whatever happens: """
TAKEOVER, SUCCESS, STUDY, PLAN, ITERATE = range(WEEK_DRAWS)
"""... a take-over when it has no champion, the cycle's success, its Study, the next cycle's measurement and an
iteration once implemented."""


def work_on_projects(model: QICModel) -> None:
    """A week of work on every active project, then drop members whose engagement ran out."""
    active = list(model.open.active)  # not the ideas iterated this week: they start next week
    if active:
        share_hours(model, active)
        facilitation = share_facilitation(model, active)
        draws = model.uniforms(Draw.PROJECT_WEEK, WEEK_DRAWS * len(model.projects)).tolist()
        for project in active:
            at = WEEK_DRAWS * project.pid
            advance(model, project, facilitation.get(project.pid, 0.0) if facilitation else 0.0,
                    draws[at:at + WEEK_DRAWS])
    drop_disengaged(model)


def share_hours(model: QICModel, active: list[Project]) -> None:
    """Split each person's remaining QIC hours between the projects they work on."""
    table = model.staff
    workers = []  # a post once for each project it works on
    for project in active:
        if project.champion >= 0:
            workers.append(project.champion)
        workers.extend(project.helpers)
    load = np.bincount(np.array(workers, dtype=np.intp), minlength=table.n)  # whole counts: the quotients of floats
    hours = table.project_hours
    hours[:] = 0.0
    np.divide(table.hours_left, load, out=hours, where=load > 0)


def share_facilitation(model: QICModel, active: list[Project]) -> dict[int, float]:
    """Facilitator hours of each home, split between its projects under test that have a champion."""
    hours = coaching.facilitator_hours(model)
    if not np.count_nonzero(hours):  # any(), without ndarray.any's Python-level wrapper
        return {}
    testing = [pr for pr in active if pr.stage == Stage.TESTING and pr.champion >= 0]
    per_home = np.bincount([pr.home for pr in testing], minlength=len(model.homes))
    return {pr.pid: float(hours[pr.home] / per_home[pr.home]) for pr in testing}


def advance(model: QICModel, project: Project, facilitator_hours: float, draws: list[float]) -> None:
    """One week of one project: take-over, set-up, recruitment, effort and a PDSA cycle.

    ``draws``: the project's uniforms this week (:data:`WEEK_DRAWS`).

    The effort counts the champion's trust across the divide as the week's work starts (a new
    champion who takes over this week brings theirs next week). It is read when the effort is
    spent: the week's project work changes no tie and no one's membership, and no other
    project's work changes this project's champion, so it is still what it was at the start.
    """
    counts = model.counts
    trusted = project.champion >= 0  # else no trust this week
    if project.champion < 0:
        project.champion = turnover.take_over(model, project.home, draws[TAKEOVER])
        if project.champion < 0:
            counts.add("stalled_weeks", project.home)
            return
        project.champion_holder = int(model.staff.holder[project.champion])
        counts.add("champion_takeovers", project.home)
    if project.stage == Stage.PLANNED:
        project.setup_left -= 1.0
        if project.setup_left <= 0:
            model.open.move(project, Stage.TESTING, model.week)
        return
    if (project.needs or project.wanted) and not recruitment.recruit(model, project):
        counts.add("blocked_weeks", project.home)
        model.staff.engagement[project.champion] -= model.params.stall_loss
        return
    trust = relationships.partnership_trust(model, project) if trusted else 0.0
    project.progress += spend_effort(model, project, facilitator_hours, trust)
    required = (project.chunk_hours * (1.0 - project.alignment * model.params.day_job_share)
                + project.measure_cost)
    if project.progress >= required:
        run_cycle(model, project, required, draws)


def spend_effort(model: QICModel, project: Project, facilitator_hours: float, trust: float) -> float:
    """Hours put in this week, discounted by the trust between champion and partners (C2).

    Facilitator hours (C6) are added as they are: the facilitator works alongside the champion.
    """
    params = model.params
    table = model.staff
    hours_projects, by_role, role = table.hours_projects, project.hours_by_role, table.role
    project_hours = table.project_hours
    team_hours = project_hours.item(project.champion)  # a float: arithmetic on NumPy scalars costs more
    hours_projects[project.champion] += team_hours
    by_role[role[project.champion]] += team_hours
    for helper in project.helpers:
        hours = params.helper_share * project_hours.item(helper)
        team_hours += hours
        hours_projects[helper] += hours
        by_role[role[helper]] += hours
    recruited_hours = 0.0
    for slot in project.recruited:
        # A recruited professional gives what their own week allows (min(recruit_hours, available)).
        available = table.available.item(slot)
        hours = available if available < params.recruit_hours else params.recruit_hours
        recruited_hours += hours
        hours_projects[slot] += hours
        by_role[role[slot]] += hours
    if facilitator_hours:
        model.counts.add("facilitator_hours", project.home, facilitator_hours)
    collaboration = params.collaboration_floor + (1.0 - params.collaboration_floor) * trust
    return team_hours * collaboration + recruited_hours + facilitator_hours


def run_cycle(model: QICModel, project: Project, required: float, draws: list[float]) -> None:
    """A PDSA cycle on the current chunk (process 6), and implementation when done (7).

    ``draws``: the project's uniforms this week (:data:`WEEK_DRAWS`).

    Small chunks and skill make success likelier; a cycle whose data informed the next step
    (:func:`qicsim.model.measurement.study`) lifts the next cycle's chance.
    """
    params = model.params
    table = model.staff
    counts = model.counts
    champion = project.champion
    skill = table.skill.item(champion)
    success_prob = math.exp(-project.chunk_hours / params.chunk_success_scale)
    success_prob += (1.0 - success_prob) * params.skill_weight * skill
    if project.last_informed:
        success_prob += params.measured_learning_bonus
    success = draws[SUCCESS] < success_prob
    informed = measurement.study(model, project, draws[STUDY])
    project.cycles += 1
    skill += params.skill_gain
    table.skill[champion] = 1.0 if skill > 1.0 else skill  # min(1, skill + gain)
    coaching.coach(model, project.site, champion)
    remit.learn_by_doing(model, champion)
    team = [champion, *project.helpers]
    if success:
        project.chunks_done += 1
        project.progress = 0.0
        project.data_confirmed = project.data_confirmed or informed
        counts.add("chunks_completed", project.home)
        counts.add("day_job_hours", project.home,
                   project.chunk_hours * project.alignment * params.day_job_share)
        engagement = table.engagement
        for slot in team:  # a champion and helpers of other roles: different posts
            gained = engagement[slot] + params.engagement_gain
            engagement[slot] = 1.0 if gained > 1.0 else gained  # np.minimum's result, NaN included
        if project.chunks_done >= project.n_chunks:
            implement(model, project, draws[ITERATE])
            return
    else:
        project.progress = (required - project.measure_cost) * (1.0 - params.failure_setback)
        counts.add("chunks_failed", project.home)
        table.engagement[champion] -= params.engagement_loss
    measurement.plan_cycle(model, project, draws[PLAN])


def implement(model: QICModel, project: Project, iterate_draw: float) -> None:
    """All chunks done: the improvement is in place; it may be iterated (process 7, ``iterate_draw`` a uniform)."""
    model.open.move(project, Stage.IMPLEMENTED, model.week)
    project.measuring, project.measure_cost = False, 0.0
    if model.supported and iterate_draw < model.params.iterate_prob:
        planning.plan_idea(model, project.home, project.topic, project.champion,
                           Origin.ITERATION, parent=project.pid)


def close_unfinished(model: QICModel) -> None:
    """When support ends, the teams disband: unfinished projects are abandoned (an assumption).

    What was implemented stays in place and is followed for sustainment (process 9).
    """
    for project in list(model.open.active):
        model.open.move(project, Stage.ABANDONED, model.week)
    model.open.forget_finished()


def drop_disengaged(model: QICModel) -> None:
    """Members whose engagement fell below the threshold leave the team (process 6)."""
    table = model.staff
    # np.clip's own result, without its Python-level checks (which cost more than the clipping)
    np.minimum(np.maximum(table.engagement, 0.0, out=table.engagement), 1.0, out=table.engagement)
    leaving = (table.member & (table.engagement < model.params.dropout_engagement)).nonzero()[0]
    for slot in leaving.tolist():
        turnover.release_member(model, slot)
        model.counts.add("members_dropped_out", int(table.unit[slot]))
