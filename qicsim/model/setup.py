"""Initialisation: homes, staff posts, team membership and the partnership network."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import prevention, problems
from qicsim.model.contexts import site_names
from qicsim.model.draws import Draw
from qicsim.model.homes import CareHome, HomeTable, SiteTeam
from qicsim.model.roles import ROLE_NAMES, Organisation, Role
from qicsim.model.staff import StaffMember, StaffTable
from qicsim.model.topics import N_TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.parameters import Parameters

# Assumption: the NHS side of every site team has a GP and a community nurse; other
# professions join by chance ("the mix differed by site", docs/evidence.md section 1, Teams).
CORE_NHS_MEMBERS = (Role.GP, Role.COMMUNITY_NURSE)
# Each joins with probability parameters.optional_member_prob.
OPTIONAL_NHS_MEMBERS = (Role.GERIATRICIAN, Role.PHARMACIST, Role.THERAPIST, Role.LAY_MEMBER)
# Professions often outside the team, reachable only through ties (docs/ODD.md, section 2).
OUTSIDE_ROLES = (Role.DIETITIAN, Role.SPECIALIST_NURSE, Role.PHARMACIST, Role.THERAPIST,
                 Role.GERIATRICIAN)
# Assumption: the care home posts modelled are those that could take part; the first
# members_per_home of them (manager first) are in the team at the start.
HOME_POSTS = (Role.CARE_HOME_MANAGER, Role.SENIOR_CARER, Role.REGISTERED_NURSE,
              Role.SENIOR_CARER, Role.REGISTERED_NURSE, Role.CARE_ASSISTANT,
              Role.CARE_ASSISTANT, Role.CARE_ASSISTANT)
# Posts on carers' contracted hours (parameters.carer_contracted_hours).
CARER_ROLES = (Role.SENIOR_CARER, Role.CARE_ASSISTANT)
# Under structure.time_model = "by_role", the setting holding each care home role's discretionary
# share of contracted time (docs/ODD.md 7.1; docs/sources.md rows 31-33).
DISCRETIONARY_SHARE: dict[Role, str] = {
    Role.CARE_HOME_MANAGER: "manager_discretionary_share",
    Role.REGISTERED_NURSE: "nurse_discretionary_share",
    Role.SENIOR_CARER: "senior_carer_discretionary_share",
    Role.CARE_ASSISTANT: "care_assistant_discretionary_share",
}


def contracted_hours(params: Parameters, role: Role) -> float:
    """A post's contracted hours a week: a lay member's, a carer's, or everyone else's."""
    if role == Role.LAY_MEMBER:
        return params.lay_member_hours
    if role in CARER_ROLES:
        return params.carer_contracted_hours
    return params.contracted_hours


def workload_mean(model: QICModel, role: Role) -> float:
    """Mean clinical demand of a role as a share of its contracted hours, at usual load.

    NHS roles have their own shares (GP, lay member, other NHS staff) under either time model.
    A care home role's is ``care_workload_share`` under ``structure.time_model = "one_share"``,
    and 1 - the role's discretionary share (:data:`DISCRETIONARY_SHARE`) under ``"by_role"``:
    what a manager can direct in a week is not what a care assistant on a rota can.
    """
    params = model.params
    if role == Role.LAY_MEMBER:
        return params.lay_workload_share
    if role == Role.GP:
        return params.gp_workload_share
    if role >= Role.CARE_HOME_MANAGER:
        if model.structure.time_model == "by_role":
            return 1.0 - getattr(params, DISCRETIONARY_SHARE[role])
        return params.care_workload_share
    return params.nhs_workload_share


def protection_targets(names: list[str]) -> set[Role]:
    """The roles protected time is offered to (C4), from ``parameters.protected_roles``."""
    roles: set[Role] = set()
    for name in names:
        if name == "all":
            roles.update(Role)
        elif name in ("care_home", "nhs"):
            wanted = Organisation.CARE_HOME if name == "care_home" else Organisation.NHS
            roles.update(r for r in Role if (r >= Role.CARE_HOME_MANAGER) == (wanted == Organisation.CARE_HOME))
        else:
            roles.add(Role(ROLE_NAMES.index(name)))
    return roles


def build_world(model: QICModel) -> None:
    """Create homes, site teams, staff agents, membership, home state and initial ties.

    Args:
        model: The model whose ``homes``, ``sites``, ``home_state`` and ``staff`` are set.
    """
    rng = model.draws.sequence(Draw.SETUP)
    params = model.params
    roles: list[Role] = []
    sites: list[int] = []
    homes: list[int] = []
    team_post: list[bool] = []
    initial_member: list[bool] = []

    for s, name in enumerate(site_names(model.n_sites)):
        nhs_roles = list(CORE_NHS_MEMBERS) + [
            r for r in OPTIONAL_NHS_MEMBERS if rng.random() < params.optional_member_prob]
        outside_roles = [r for r in OUTSIDE_ROLES if r not in nhs_roles]
        start = len(roles)
        for r in nhs_roles + outside_roles:
            roles.append(r)
            sites.append(s)
            homes.append(-1)
            team_post.append(r in nhs_roles)
            initial_member.append(r in nhs_roles)
        team = SiteTeam(s, name, [], np.arange(start, len(roles)))
        model.sites.append(team)
        for _ in range(model.structure.homes_per_site[s]):
            h = len(model.homes)
            nursing = bool(rng.random() < params.nursing_home_share)
            beds = int(max(params.beds_min, round(rng.normal(params.beds_mean, params.beds_cv * params.beds_mean))))
            priorities = frozenset(int(t) for t in rng.choice(
                N_TOPICS, size=min(params.priorities_per_home, N_TOPICS), replace=False))
            posts = [r for r in HOME_POSTS if nursing or r != Role.REGISTERED_NURSE]
            start = len(roles)
            for i, r in enumerate(posts):
                roles.append(r)
                sites.append(s)
                homes.append(h)
                team_post.append(True)
                initial_member.append(i < model.structure.members_per_home)
            model.homes.append(CareHome(h, s, beds, nursing, priorities, np.arange(start, len(roles))))
            team.homes.append(h)

    table = StaffTable(roles, sites, homes, len(model.homes))
    model.staff = table
    for home in model.homes:
        table.home_first[home.index], table.home_posts[home.index] = home.staff[0], len(home.staff)
    for site in model.sites:
        assert not len(site.nhs_staff) or site.nhs_staff[0] == table.site_start[site.index], "NHS posts first"
        table.nhs_posts[site.index] = len(site.nhs_staff)
    table.team_post[:] = team_post
    table.outside[:] = ~table.team_post
    # Each role's value once, then looked up by each post's role.
    targets = protection_targets(params.protected_roles)
    table.protection_target[:] = np.array([role in targets for role in Role])[table.role]
    table.contracted_hours[:] = np.array([contracted_hours(params, role) for role in Role])[table.role]
    care = table.care_slots
    table.hours_per_home[:] = np.bincount(table.home[care], weights=table.contracted_hours[care],
                                          minlength=len(model.homes))
    table.workload_mean[:] = np.array([workload_mean(model, role) for role in Role])[table.role]
    # What a new holder starts with where it depends on the post's role (fixed for the run).
    care = table.is_care
    table.start_skill[:] = np.where(care, params.skill_initial_care, params.skill_initial_nhs)
    table.start_safety[:] = np.where(care, params.safety_initial_care, params.safety_initial_nhs)
    table.induction_weeks[:] = np.where(table.role == Role.CARE_HOME_MANAGER, params.manager_induction_weeks,
                                        params.induction_weeks)
    reset_holders(model, np.arange(table.n), rng.standard_normal(table.n), rng.random(table.n), new_holder=False)
    for slot in range(table.n):  # one agent per post for the whole run
        StaffMember(model, slot)
    members = np.array(initial_member)
    table.member[:] = members
    table.ever_member[:] = members
    table.engagement[members] = rng.uniform(params.initial_engagement_min, params.initial_engagement_max,
                                        int(members.sum()))
    table.understanding[members] = params.understanding_initial
    build_home_state(model)
    set_colleagues(table)
    build_ties(model, rng)


def build_home_state(model: QICModel) -> None:
    """Each home's data capability, alignment practice and open problems at the start."""
    params = model.params
    state = HomeTable([home.beds for home in model.homes], [home.site for home in model.homes])
    model.home_state = state
    state.data_capability[:] = params.routine_data_capability
    if model.structure.prevention == "by_topic":  # four streams, each cut by its own topics (process 10)
        state.kind_inflow = problems.kind_inflow(params, state.beds)
        state.rate_ratios = prevention.rate_ratio_table(params)
        state.remaining = np.ones_like(state.kind_inflow)
        state.problem_inflow[:] = state.kind_inflow.sum(axis=1)
    else:
        state.problem_inflow[:] = problems.reference_inflow(params, state.beds)
    state.reference_problems[:] = state.problem_inflow * params.problem_weeks
    state.problems[:] = state.reference_problems * params.initial_problem_load
    state.post_slack[:] = params.slack_use  # managers start from the one share (the full loop learns it)
    state.problems_reviewed[:] = state.problems


def reset_holders(model: QICModel, slots: np.ndarray, workload_z: np.ndarray, protection: np.ndarray, *,
                  new_holder: bool) -> None:
    """Give posts fresh holders in one call: draws, initial state, no ties, a new holder number.

    The post's agent stays (one Mesa agent per post for the whole run); what changes is the
    person holding it, numbered by ``StaffTable.holder`` (a new number for each new holder).

    Args:
        model: The model.
        slots: Staff slots, each at most once.
        workload_z: A standard normal per slot: the holder's workload share is the role's mean plus
            ``workload_sd`` times it (at least 0).
        protection: A uniform per slot: the holder's protection draw (offered protected time while below C4).
        new_holder: True for replacements after turnover (they start in induction, with no
            ties and no membership).
    """
    params = model.params
    table = model.staff
    k = len(slots)
    # Most weeks one post changes hands: its slot and single values read and write the columns
    # without fancy indexing, which costs more than the rest here.
    at: int | np.ndarray = int(slots[0]) if k == 1 else slots
    shares = table.workload_mean[at] + params.workload_sd * (workload_z[0] if k == 1 else workload_z)
    table.workload_share[at] = np.maximum(0.0, shares)
    table.protection_draw[at] = protection[0] if k == 1 else protection
    table.engagement[at] = params.new_holder_engagement
    table.skill[at] = table.start_skill[at]
    table.safety[at] = table.start_safety[at]
    table.understanding[at] = 0.0
    table.network_use[at] = params.network_use_initial
    table.measurement_belief[at] = params.measurement_belief_initial
    table.member[at] = False
    table.ever_member[at] = False
    table.weeks_in_post[at] = 0
    table.holder[at] = table.holders_seen if k == 1 else np.arange(table.holders_seen, table.holders_seen + k)
    table.holders_seen += k
    if new_holder:
        table.ties.clear(slots)
        table.leavers[at] += 1
        table.settling[at] = True
        table.induction_left[at] = table.induction_weeks[at]


def set_colleagues(table: StaffTable) -> None:
    """Who works side by side: staff of the same home, and NHS team posts of the same site."""
    nhs_team = table.team_post & ~table.is_care
    for site, colleague in enumerate(table.ties.colleague):
        slots = np.arange(table.site_start[site], table.site_stop[site])
        home = table.home[slots]
        team = nhs_team[slots]
        colleague[...] = ((home[:, None] == home[None, :]) & (home[:, None] >= 0)) | (team[:, None] & team[None, :])
        np.fill_diagonal(colleague, False)


def build_ties(model: QICModel, rng: np.random.Generator) -> None:
    """Initial network: colleagues, professional ties, and prior partnerships (C2).

    Prior NHS-care home partnership ties are what C2 sets: each pair of an NHS team member
    and a care home member of the same site is tied with probability
    ``partnership_tie_prob * C2`` (docs/evidence.md, section 2, C2). All of them are within
    a site.
    """
    params = model.params
    table = model.staff
    for site in model.sites:
        ties = table.ties.blocks[site.index]
        start = int(table.site_start[site.index])
        # Colleagues (staff of one home, the site's NHS team) are tied at the colleague level.
        ties[table.ties.colleague[site.index]] = params.colleague_tie
        nhs_team = site.nhs_staff[table.team_post[site.nhs_staff]] - start
        nhs_outside = site.nhs_staff[table.outside[site.nhs_staff]] - start
        # One draw per pair of a team member and an outside professional, member by member (a
        # table of team x outside, drawn at once: the same draws in the same order).
        rows, cols = (rng.random((len(nhs_team), len(nhs_outside))) < params.outside_tie_prob).nonzero()
        ties[nhs_team[rows], nhs_outside[cols]] = ties[nhs_outside[cols], nhs_team[rows]] = params.outside_tie_strength
        prior = params.partnership_tie_prob * model.context("prior_partnership", site.index, week=0)
        # One draw per pair of an NHS team member and a home's member, whatever C2 (so that
        # conditions share the rest of set-up's draws), home by home: a block of team x members for
        # each home, drawn for the whole site at once, in the same order.
        members = [model.homes[h].staff[table.member[model.homes[h].staff]] - start for h in site.homes]
        in_home = np.array([len(m) for m in members])  # members of each home
        block_start = (len(nhs_team) * in_home).cumsum() - len(nhs_team) * in_home  # of each home's block
        member_start = in_home.cumsum() - in_home  # of each home's members among all of the site's
        tied = (rng.random(int(len(nhs_team) * in_home.sum())) < prior).nonzero()[0]
        home = block_start.searchsorted(tied, side="right") - 1
        row, col = np.divmod(tied - block_start[home], in_home[home])
        team, member = nhs_team[row], np.concatenate(members)[member_start[home] + col]
        ties[team, member] = ties[member, team] = params.partnership_tie_strength
        np.fill_diagonal(ties, 0.0)
