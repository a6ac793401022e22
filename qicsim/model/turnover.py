"""Process 2: staff turnover, champions lost and found, and members joining the team."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.setup import reset_post

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

WEEKS_PER_YEAR = 52.0
NEW_MEMBER_ENGAGEMENT = 0.5  # assumption


def weekly_hazard(per_year: float) -> float:
    """Weekly leaving probability that compounds to ``per_year`` over 52 weeks."""
    return 1.0 - (1.0 - per_year) ** (1.0 / WEEKS_PER_YEAR)


def apply_turnover(model: QICModel) -> None:
    """Staff leave at a weekly hazard; replacements start afresh (process 2).

    Care home staff leave at about 30% a year (docs/evidence.md, section 3). A new holder
    has no ties, initial (low) QI skill and no membership; projects the leaver championed
    stall until someone takes them on. During support, a team post whose new holder has
    never been a member may join the team.
    """
    p = model.p
    table = model.staff
    hazard = np.where(table.is_care, weekly_hazard(p.care_turnover_per_year),
                      weekly_hazard(p.nhs_turnover_per_year))
    leaving = np.flatnonzero(model.rng.random(table.n) < hazard)
    for slot in leaving:
        release_member(model, int(slot))
        model.counts.add("leavers", int(model.unit[slot]))
        reset_post(model, int(slot), new_holder=True)
    if len(leaving):
        model.qic_hours[leaving] = model.hours_left[leaving] = 0.0
    if model.supported:
        join_team(model)


def release_member(model: QICModel, slot: int) -> None:
    """Take a person off the team and off every project they champion.

    Args:
        model: The model.
        slot: Staff slot of the person leaving the team (or their post).
    """
    model.staff.member[slot] = False
    for project in model.projects:
        if project.champion == slot and (project.active or project.in_place):
            # Only a champion lost after implementation threatens sustainment (pattern 5).
            project.champion_lost = project.champion_lost or project.in_place
            project.champion = -1
        elif slot in project.helpers:
            project.helpers.remove(slot)


def join_team(model: QICModel) -> None:
    """New holders of team posts join the team at ``rejoin_prob`` a week."""
    table = model.staff
    eligible = np.flatnonzero(model.team_post & ~table.member & ~model.ever_member)
    if not len(eligible):
        return
    joining = eligible[model.rng.random(len(eligible)) < model.p.rejoin_prob]
    table.member[joining] = True
    model.ever_member[joining] = True
    table.engagement[joining] = NEW_MEMBER_ENGAGEMENT
    model.counts.add_many("members_joined", model.unit[joining])


def find_champion(model: QICModel, home: int) -> int:
    """The most engaged team member among a home's staff, or -1 if it has none."""
    staff = model.homes[home].staff
    members = staff[model.staff.member[staff]]
    if not len(members):
        return -1
    return int(members[np.argmax(model.staff.engagement[members])])


def try_takeover(model: QICModel, project_home: int) -> int:
    """Weekly chance that a member of the home takes on a project without a champion.

    Returns:
        The new champion's slot, or -1.
    """
    if model.rng.random() >= model.p.takeover_prob:
        return -1
    return find_champion(model, project_home)
