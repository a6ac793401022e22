"""Initialisation: homes, staff posts, team membership and the partnership network."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.contexts import CONTEXT_INDEX, site_names
from qicsim.model.homes import CareHome, SiteTeam
from qicsim.model.roles import Organisation, Role
from qicsim.model.staff import StaffMember, StaffTable
from qicsim.model.topics import N_TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

# Assumption: the NHS side of every site team has a GP and a community nurse; other
# professions join by chance ("the mix differed by site", docs/evidence.md section 1, Teams).
CORE_NHS_MEMBERS = (Role.GP, Role.COMMUNITY_NURSE)
OPTIONAL_NHS_MEMBERS = (Role.GERIATRICIAN, Role.PHARMACIST, Role.THERAPIST, Role.LAY_MEMBER)
OPTIONAL_MEMBER_PROB = 0.5
# Professions often outside the team, reachable only through ties (model brief).
OUTSIDE_ROLES = (Role.DIETITIAN, Role.SPECIALIST_NURSE, Role.PHARMACIST, Role.THERAPIST,
                 Role.GERIATRICIAN)
# Assumption: the care home posts modelled are those that could take part; the order is
# the order in which posts join the team (manager first).
HOME_POSTS = (Role.CARE_HOME_MANAGER, Role.SENIOR_CARER, Role.REGISTERED_NURSE,
              Role.SENIOR_CARER, Role.REGISTERED_NURSE, Role.CARE_ASSISTANT,
              Role.CARE_ASSISTANT, Role.CARE_ASSISTANT)
CONTRACTED_HOURS = {Role.LAY_MEMBER: 8.0, Role.CARE_ASSISTANT: 36.0, Role.SENIOR_CARER: 36.0}
DEFAULT_CONTRACTED_HOURS = 37.5
LAY_WORKLOAD_SHARE = 0.75  # assumption: volunteers have other commitments too
COLLEAGUE_TIE = 0.5  # assumption: staff of the same home, or NHS staff of the same site
OUTSIDE_TIE = 0.5  # assumption: strength of an NHS member's professional tie
INITIAL_ENGAGEMENT = (0.4, 0.8)  # assumption: members' engagement at the start, uniform
BEDS_CV = 0.3  # assumption: spread of home size (coefficient of variation); at least 5 beds


def workload_mean(model: QICModel, role: Role) -> float:
    """Mean clinical demand of a role as a share of its contracted hours."""
    p = model.p
    if role == Role.LAY_MEMBER:
        return LAY_WORKLOAD_SHARE
    if role == Role.GP:
        return p.gp_workload_share
    if role >= Role.CARE_HOME_MANAGER:
        return p.care_workload_share
    return p.nhs_workload_share


def build_world(model: QICModel) -> None:
    """Create homes, site teams, staff agents, membership and initial ties.

    Args:
        model: The model whose ``homes``, ``sites``, ``staff`` and ``team_post`` are set.
    """
    rng = model.rng
    p = model.p
    roles: list[Role] = []
    sites: list[int] = []
    homes: list[int] = []
    team_post: list[bool] = []
    outside: list[bool] = []

    model.sites = []
    model.homes = []
    for s, name in enumerate(site_names(model.n_sites)):
        nhs_roles = list(CORE_NHS_MEMBERS) + [
            r for r in OPTIONAL_NHS_MEMBERS if rng.random() < OPTIONAL_MEMBER_PROB]
        outside_roles = [r for r in OUTSIDE_ROLES if r not in nhs_roles]
        start = len(roles)
        for r in nhs_roles + outside_roles:
            roles.append(r)
            sites.append(s)
            homes.append(-1)
            team_post.append(r in nhs_roles)
            outside.append(r not in nhs_roles)
        team = SiteTeam(s, name, [], np.arange(start, len(roles)))
        model.sites.append(team)
        for _ in range(model.structure.homes_per_site[s]):
            h = len(model.homes)
            nursing = bool(rng.random() < p.nursing_home_share)
            beds = int(max(5, round(rng.normal(p.beds_mean, BEDS_CV * p.beds_mean))))
            priorities = frozenset(int(t) for t in rng.choice(
                N_TOPICS, size=min(p.priorities_per_home, N_TOPICS), replace=False))
            posts = [r for r in HOME_POSTS if nursing or r != Role.REGISTERED_NURSE]
            start = len(roles)
            for i, r in enumerate(posts):
                roles.append(r)
                sites.append(s)
                homes.append(h)
                team_post.append(i < model.structure.members_per_home)
                outside.append(False)
            model.homes.append(CareHome(h, s, beds, nursing, priorities,
                                        np.arange(start, len(roles))))
            team.homes.append(h)

    table = StaffTable(roles, sites, homes)
    model.staff = table
    model.team_post = np.array(team_post)
    table.outside[:] = outside
    table.contracted_hours[:] = [CONTRACTED_HOURS.get(r, DEFAULT_CONTRACTED_HOURS) for r in roles]
    for slot in range(table.n):
        reset_post(model, slot, new_holder=False)
    table.member[:] = model.team_post
    table.engagement[table.member] = rng.uniform(*INITIAL_ENGAGEMENT, int(table.member.sum()))
    model.ever_member = table.member.copy()
    build_ties(model)


def reset_post(model: QICModel, slot: int, *, new_holder: bool) -> None:
    """Give a post a fresh holder: draws, initial state, no ties, a new agent.

    Args:
        model: The model.
        slot: Staff slot.
        new_holder: True for a replacement after turnover (the old agent is removed).
    """
    rng = model.rng
    p = model.p
    table = model.staff
    role = Role(int(table.role[slot]))
    care = table.organisation[slot] == Organisation.CARE_HOME
    table.workload_share[slot] = max(0.0, rng.normal(workload_mean(model, role), p.workload_sd))
    table.protection_draw[slot] = rng.random()
    table.engagement[slot] = 0.5
    table.skill[slot] = p.skill_initial_care if care else p.skill_initial_nhs
    table.safety[slot] = p.safety_initial_care if care else p.safety_initial_nhs
    table.member[slot] = False
    if new_holder:
        table.ties[slot, :] = 0.0
        table.ties[:, slot] = 0.0
        table.leavers[slot] += 1
        model.ever_member[slot] = False
        old = table.agents[slot]
        if old is not None:
            old.remove()
    StaffMember(model, slot)


def build_ties(model: QICModel) -> None:
    """Initial network: colleagues, professional ties, and prior partnerships (C2).

    Prior NHS-care home partnership ties are what C2 sets: each pair of an NHS team member
    and a care home member of the same site is tied with probability
    ``partnership_tie_prob * C2`` (docs/evidence.md, section 2, C2).
    """
    rng = model.rng
    p = model.p
    table = model.staff
    ties = table.ties
    c2 = CONTEXT_INDEX["prior_partnership"]
    for site in model.sites:
        nhs_team = site.nhs_staff[~table.outside[site.nhs_staff]]
        nhs_outside = site.nhs_staff[table.outside[site.nhs_staff]]
        ties[np.ix_(nhs_team, nhs_team)] = COLLEAGUE_TIE
        for m in nhs_team:
            linked = nhs_outside[rng.random(len(nhs_outside)) < p.outside_tie_prob]
            ties[m, linked] = ties[linked, m] = OUTSIDE_TIE
        prior = p.partnership_tie_prob * model.intensity[c2, site.index, 0]
        for h in site.homes:
            staff = model.homes[h].staff
            ties[np.ix_(staff, staff)] = COLLEAGUE_TIE
            members = staff[table.member[staff]]
            linked = rng.random((len(nhs_team), len(members))) < prior
            rows, cols = np.nonzero(linked)
            ties[nhs_team[rows], members[cols]] = p.partnership_tie_strength
            ties[members[cols], nhs_team[rows]] = p.partnership_tie_strength
            model.counts.add("initial_partnership_ties", h, float(len(rows)))
    np.fill_diagonal(ties, 0.0)
