"""Processes 5-7: project work, PDSA cycles, recruitment of missing disciplines, implementation."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import planning, turnover
from qicsim.model.project import Origin, Project, Stage

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def work_on_projects(model: QICModel) -> None:
    """A week of work on every active project, then drop members whose engagement ran out."""
    active = [pr for pr in model.projects if pr.active]
    if active:
        share_hours(model, active)
        for project in active:
            advance(model, project)
    drop_disengaged(model)


def share_hours(model: QICModel, active: list[Project]) -> None:
    """Split each person's remaining QIC hours between the projects they work on."""
    table = model.staff
    load = np.zeros(table.n)
    for project in active:
        if project.champion >= 0:
            load[project.champion] += 1.0
        for helper in project.helpers:
            load[helper] += 1.0
    model.project_hours = np.divide(model.hours_left, load, out=np.zeros(table.n), where=load > 0)


def advance(model: QICModel, project: Project) -> None:
    """One week of one project: take-over, set-up, recruitment, effort and a PDSA cycle."""
    counts = model.counts
    if project.champion < 0:
        project.champion = turnover.try_takeover(model, project.home)
        if project.champion < 0:
            counts.add("stalled_weeks", project.home)
            return
        project.champion_uid = model.staff.agents[project.champion].unique_id
        counts.add("champion_takeovers", project.home)
    if project.stage == Stage.PLANNED:
        project.setup_left -= 1.0
        if project.setup_left <= 0:
            project.move(Stage.TESTING, model.week)
        return
    if project.needs and not recruit(model, project):
        counts.add("blocked_weeks", project.home)
        model.staff.engagement[project.champion] -= model.p.stall_loss
        return
    effort = spend_effort(model, project)
    project.progress += effort
    required = project.chunk_hours * (1.0 - project.alignment * model.p.day_job_share)
    if project.progress >= required:
        run_cycle(model, project, required)


def recruit(model: QICModel, project: Project) -> bool:
    """Try to bring in each missing discipline (C7 acts here).

    Through the team's ties: chance ``C7 * recruit_prob * strength`` of the strongest tie
    from any member of the site team to a holder of the role; without a tie, formal
    referral at ``referral_prob``.

    Returns:
        True once nothing is missing.
    """
    p = model.p
    rng = model.rng
    table = model.staff
    site_members = np.flatnonzero(table.member & (table.site == project.site))
    c7 = model.context("network_recruitment", project.site)
    for role in sorted(project.needs):
        holders = np.flatnonzero(table.role == role)
        strengths = (table.ties[np.ix_(site_members, holders)].max(axis=0) if len(site_members)
                     else np.zeros(len(holders)))
        best = int(np.argmax(strengths))
        if rng.random() < c7 * p.recruit_prob * strengths[best]:
            counts_name, recruit_slot = "disciplines_recruited_via_ties", int(holders[best])
        elif rng.random() < p.referral_prob:
            # Formal referral goes to the role's post at the project's own site, if any.
            local = holders[table.site[holders] == project.site]
            counts_name, recruit_slot = "disciplines_referred", int((local if len(local) else holders)[0])
        else:
            continue
        project.recruited.append(recruit_slot)
        project.disciplines.add(role)
        project.needs.discard(role)
        model.counts.add(counts_name, project.home)
    return not project.needs


def spend_effort(model: QICModel, project: Project) -> float:
    """Hours put in this week, discounted by the trust between champion and partners (C2)."""
    p = model.p
    table = model.staff
    champion_hours = model.project_hours[project.champion]
    table.hours_projects[project.champion] += champion_hours
    team_hours = champion_hours
    for helper in project.helpers:
        hours = p.helper_share * model.project_hours[helper]
        table.hours_projects[helper] += hours
        team_hours += hours
    for slot in project.recruited:
        table.hours_projects[slot] += p.recruit_hours
    trust = planning.partnership_trust(model, project)
    collaboration = p.collaboration_floor + (1.0 - p.collaboration_floor) * trust
    return team_hours * collaboration + p.recruit_hours * len(project.recruited)


def run_cycle(model: QICModel, project: Project, required: float) -> None:
    """A PDSA cycle on the current chunk (process 6), and implementation when done (7).

    Measuring costs hours (cut by C10 data support) and happens only when the champion's
    slack covers it. Small chunks (C6) and skill make success likelier; a measured cycle
    teaches, lifting the next cycle's chance.
    """
    p = model.p
    rng = model.rng
    table = model.staff
    counts = model.counts
    champion = project.champion
    cost = p.measurement_hours * (1.0 - p.data_support_saving * model.context("data_support", project.site))
    measured = bool(model.slack[champion] >= cost and rng.random() < p.measure_intent)
    success_prob = math.exp(-project.chunk_hours / p.chunk_success_scale)
    success_prob += (1.0 - success_prob) * p.skill_weight * table.skill[champion]
    if project.last_measured:
        success_prob += p.measured_learning_bonus
    project.cycles += 1
    project.last_measured = measured
    if measured:
        project.measured_cycles += 1
        table.hours_measurement[champion] += cost
        counts.add("measured_cycles", project.home)
        counts.add("measurement_hours", project.home, cost)
    coaching = model.context("qi_coaching", project.site) if model.supported else 0.0
    table.skill[champion] = min(1.0, table.skill[champion] + p.skill_gain + p.coaching_skill_gain * coaching)
    team = [champion, *project.helpers]
    if rng.random() < success_prob:
        project.chunks_done += 1
        project.progress = 0.0
        counts.add("chunks_completed", project.home)
        counts.add("day_job_hours", project.home,
                   project.chunk_hours * project.alignment * p.day_job_share)
        table.engagement[team] = np.minimum(1.0, table.engagement[team] + p.engagement_gain)
        if project.chunks_done >= project.n_chunks:
            implement(model, project)
    else:
        project.progress = required * (1.0 - p.failure_setback)
        counts.add("chunks_failed", project.home)
        table.engagement[champion] -= p.engagement_loss


def implement(model: QICModel, project: Project) -> None:
    """All chunks done: the improvement is in place; it may be iterated (process 7)."""
    project.move(Stage.IMPLEMENTED, model.week)
    if model.supported and model.rng.random() < model.p.iterate_prob:
        planning.plan_idea(model, project.home, project.topic, project.champion,
                           Origin.ITERATION, parent=project.pid)


def close_unfinished(model: QICModel) -> None:
    """When support ends, the teams disband: unfinished projects are abandoned (an assumption).

    What was implemented stays in place and is followed for sustainment (process 9).
    """
    for project in model.projects:
        if project.active:
            project.move(Stage.ABANDONED, model.week)


def drop_disengaged(model: QICModel) -> None:
    """Members whose engagement fell below the threshold leave the team (process 6)."""
    table = model.staff
    np.clip(table.engagement, 0.0, 1.0, out=table.engagement)
    leaving = np.flatnonzero(table.member & (table.engagement < model.p.dropout_engagement))
    for slot in leaving:
        turnover.release_member(model, int(slot))
        model.counts.add("members_dropped_out", int(model.unit[slot]))
