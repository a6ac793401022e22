"""Process 2: staff turnover and induction, champions lost and found, members joining and rejoining."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.calendar import is_meeting_week
from qicsim.model.draws import Draw, normal
from qicsim.model.roles import Role
from qicsim.model.setup import reset_holders

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

WEEKS_PER_YEAR = 52.0


def weekly_hazard(per_year: float) -> float:
    """Weekly leaving probability that compounds to ``per_year`` over 52 weeks."""
    return 1.0 - (1.0 - per_year) ** (1.0 / WEEKS_PER_YEAR)


def apply_turnover(model: QICModel) -> None:
    """Staff leave at a weekly hazard; replacements go through induction (process 2).

    Care home staff leave at about 30% a year (docs/evidence.md, section 3), managers at their
    own rate. A new holder has no ties, initial (low) QI skill, no understanding of the
    remit and no membership, and spends ``induction_weeks`` (a manager
    ``manager_induction_weeks``) in induction. Projects the leaver championed stall until
    someone takes them on. In meeting weeks, members invite colleagues they are tied to, and
    people who dropped out can come back the same way once their engagement has recovered.
    """
    params = model.params
    table = model.staff
    hazard = table.leaving_hazard
    if hazard is None:
        hazard = np.where(table.is_care, weekly_hazard(params.care_turnover_per_year),
                          weekly_hazard(params.nhs_turnover_per_year))
        hazard[table.role == Role.CARE_HOME_MANAGER] = weekly_hazard(params.manager_turnover_per_year)
        table.leaving_hazard = hazard
    np.maximum(table.induction_left - 1, 0, out=table.induction_left)
    table.weeks_in_post += 1
    leaving = (model.uniforms(Draw.TURNOVER_LEAVE, table.n) < hazard).nonzero()[0]
    if len(leaving):
        for slot in leaving.tolist():
            release_member(model, slot)
        model.counts.add_many("leavers", table.unit[leaving])
        k = len(leaving)
        draws = model.uniforms(Draw.NEW_HOLDER, 3 * k)  # three per leaver, leavers in slot order
        reset_holders(model, leaving, normal(draws[:k], draws[k:2 * k]), draws[2 * k:], new_holder=True)
    table.engagement += params.engagement_recovery * (params.new_holder_engagement - table.engagement) * ~table.member
    if is_meeting_week(model):
        invite_colleagues(model)


def release_member(model: QICModel, slot: int) -> None:
    """Take a person off the team and off every project they champion.

    Args:
        model: The model.
        slot: Staff slot of the person leaving the team (or their post).
    """
    table = model.staff
    table.member[slot] = False
    table.qic_hours[slot] = table.hours_left[slot] = 0.0  # off the team: no QIC time left this week
    # A care home post champions only its own home's projects; an NHS post, any of its site's.
    home = int(table.home[slot])
    homes = [home] if home >= 0 else model.sites[int(table.site[slot])].homes
    for project in (project for h in homes for project in model.open.at_home[h]):
        if project.champion == slot and (project.active or project.in_place):
            # Only a champion lost after implementation threatens sustainment (pattern 5).
            project.champion_lost = project.champion_lost or project.in_place
            project.champion = -1
        elif slot in project.helpers:
            project.helpers.remove(slot)


def invite_colleagues(model: QICModel) -> None:
    """Members invite colleagues of their own home (or site NHS team) into the team.

    A post that can be in the team, whose holder is not a member and not in induction, is
    invited with chance ``invite_prob`` times the strongest tie to a member of its home (or,
    for NHS posts, of its site's NHS team) and accepts with chance equal to its engagement.
    A home's team holds at most ``max_members_per_home`` of its staff.
    """
    params = model.params
    table = model.staff
    candidates = (table.team_post & ~table.member & (table.induction_left == 0)).nonzero()[0]
    draws = model.uniforms(Draw.INVITE, 2 * len(candidates)).reshape(2, -1)  # a pair per candidate, whatever happens
    if not len(candidates) or not np.count_nonzero(table.member):
        return
    # A post's colleagues are its home's staff, or its site's NHS team: the members among them
    # are the ones who can invite it.
    strongest = table.ties.strongest_to_colleagues(candidates, table.member)
    joining = candidates[(draws[0] < params.invite_prob * strongest) & (draws[1] < table.engagement[candidates])]
    if not len(joining):
        return
    in_team = np.bincount(table.home[table.member & table.is_care], minlength=len(model.homes))
    for slot in joining.tolist():
        home = int(table.home[slot])
        if home >= 0:
            if in_team[home] >= params.max_members_per_home:
                continue
            in_team[home] += 1
        table.member[slot] = True
        unit = int(table.unit[slot])
        model.counts.add("members_joined", unit)
        if table.ever_member[slot]:
            model.counts.add("members_rejoined", unit)
        table.ever_member[slot] = True


def find_champion(model: QICModel, home: int) -> int:
    """The most engaged team member among a home's staff not in induction, or -1 if none."""
    staff = model.homes[home].staff
    table = model.staff
    members = staff[table.member[staff] & (table.induction_left[staff] == 0)]
    if not len(members):
        return -1
    return int(members[np.argmax(table.engagement[members])])


def take_over(model: QICModel, project_home: int, draw: float) -> int:
    """A member of the home takes on a project without a champion if ``draw`` is below ``takeover_prob``.

    Returns:
        The new champion's slot, or -1.
    """
    if draw >= model.params.takeover_prob:
        return -1
    return find_champion(model, project_home)
