"""Measurement for change: a champion's decision, and C10's home data capability.

Each home holds a ``data_capability`` (0-1: tools, routine data, help reading it), at
``routine_data_capability`` without support. Data support (C10) closes ``data_support_rate x
C10`` of the gap to 1 each week; without it capability returns towards the routine level by
``data_capability_decay`` a week.

At the start of each chunk the champion decides whether to measure the coming cycle.
Measuring costs ``measurement_hours x (1 - capability_cost_saving x capability)`` QIC hours,
added to the chunk's work, so it draws on the same hours as everything else (protected ones
included). Its expected value, in project hours, is ``measurement_value_hours x belief x
quality``: ``belief`` is the mean of the champion's own belief that measuring helps and their
site team's mean belief (both learned from past measured cycles), and ``quality =
capability x (1 + skill) / 2`` is how usable the data look to someone of their skill. The
champion measures with chance ``1 / (1 + exp(-(value - cost) / decision_noise_hours))``.
After a measured cycle the data inform the next step with chance ``quality``; the champion's
belief moves ``belief_learning_rate`` of the way to that result (1 informed, 0 not). Data
that informed the step make the next cycle likelier to succeed, and a success confirmed by
data makes the improvement less likely to lapse (the team believes it works).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.project import Project

import numpy as np


def update_data_capability(model: QICModel) -> None:
    """Data support builds each home's data capability; without it capability fades (C10)."""
    params = model.params
    capability = model.home_state.data_capability
    support = model.context("data_support")[model.home_state.site]
    # (np.count_nonzero: any() and all() without the Python-level wrappers of ndarray.any and .all)
    if not np.count_nonzero(support) and not np.count_nonzero(capability != params.routine_data_capability):
        return  # nothing to build and nothing to fade
    capability += params.data_support_rate * support * (1.0 - capability)
    capability -= params.data_capability_decay * (capability - params.routine_data_capability)
    np.minimum(np.maximum(capability, 0.0, out=capability), 1.0, out=capability)  # np.clip, without its checks


def cost_hours(model: QICModel, home: int) -> float:
    """QIC hours measuring one cycle takes in a home."""
    params = model.params
    capability = model.home_state.data_capability.item(home)
    return params.measurement_hours * (1.0 - params.capability_cost_saving * capability)


def data_quality(model: QICModel, champion: int, home: int) -> float:
    """How usable a champion of this skill finds this home's data, 0-1."""
    return model.home_state.data_capability.item(home) * (1.0 + model.staff.skill.item(champion)) / 2.0


def expected_value_hours(model: QICModel, project: Project) -> float:
    """What the champion expects measuring the next cycle to be worth, in project hours."""
    table = model.staff
    own = table.measurement_belief.item(project.champion)
    team_belief = model.this_week(("team_belief", project.site), lambda: team_mean_belief(model, project.site))
    team_belief = own if team_belief is None else team_belief
    belief = 0.5 * (own + team_belief)
    return model.params.measurement_value_hours * belief * data_quality(model, project.champion, project.home)


def team_mean_belief(model: QICModel, site: int) -> float | None:
    """Mean belief that measuring helps of a site team's members, taken once a week (the team's shared view)."""
    team = model.staff.members_of_site(site)
    # sum / count is what ndarray.mean computes, without its Python-level wrapper.
    return float(np.add.reduce(model.staff.measurement_belief[team])) / len(team) if len(team) else None


def plan_cycle(model: QICModel, project: Project, draw: float) -> None:
    """Decide whether the coming cycle is measured (``draw``, a uniform): its expected value against its cost."""
    if project.champion < 0:
        project.measuring = False
        return
    cost = cost_hours(model, project.home)
    margin = expected_value_hours(model, project) - cost
    project.measuring = bool(draw < 1.0 / (1.0 + math.exp(-margin / model.params.decision_noise_hours)))
    project.measure_cost = cost if project.measuring else 0.0


def study(model: QICModel, project: Project, draw: float) -> bool:
    """The Study of a cycle: whether its data (if measured) informed the next step (``draw``, a uniform).

    Returns:
        True if the cycle was measured and its data informed the next step.
    """
    project.last_informed = False
    if not project.measuring:
        return False
    table = model.staff
    champion = project.champion
    project.measured_cycles += 1
    if project.week_first_measured < 0:  # a time course of measuring homes (SPACE's target) reads it
        project.week_first_measured = model.week
    table.hours_measurement[champion] += project.measure_cost
    hours = table.hours_projects.item(champion) - project.measure_cost
    table.hours_projects[champion] = hours if hours > 0.0 else 0.0  # max(0, hours)
    model.counts.add("measured_cycles", project.home)
    model.counts.add("measurement_hours", project.home, project.measure_cost)
    informed = draw < data_quality(model, champion, project.home)
    belief = table.measurement_belief.item(champion)
    table.measurement_belief[champion] = belief + model.params.belief_learning_rate * (float(informed) - belief)
    if informed:
        project.last_informed = True
        project.decisions_on_data += 1
        model.counts.add("decisions_on_data", project.home)
    return informed
