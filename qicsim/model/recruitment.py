"""C7, recruiting multidisciplinary help through members' networks.

A project that needs a discipline its team lacks is blocked until someone brings one in;
once nothing is missing, the team may also bring in a discipline that would help it
(``Topic.helps``). Each week the champion asks their contacts with chance equal to their ``network_use``
(readiness to ask), which starts at ``network_use_initial`` and grows at each meeting by
``network_encouragement x C7`` of the gap to 1 (members encouraged to use their networks),
fading back by ``network_use_decay`` a week. A request reaches the holder of the role whom
the site team knows best (the strongest tie from any team member, a broker included) and
brings them in with chance ``recruit_prob x tie x min(1, their available hours /
recruit_hours)``: help comes through ties, and only from professionals with time.
Without a tie, formal referral brings the role with chance ``referral_prob`` a week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.draws import Draw
from qicsim.model.roles import Role

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.project import Project


def encourage(model: QICModel, site: int, attendees: np.ndarray) -> None:
    """Attendees encouraged to use their networks become readier to ask (C7)."""
    table = model.staff
    network_use = table.network_use[attendees]  # read once: the attendees are different posts
    gain = model.params.network_encouragement * model.context("network_recruitment", site) * (1.0 - network_use)
    table.network_use[attendees] = network_use + gain


def fade(model: QICModel) -> None:
    """Readiness to ask returns towards its initial level."""
    params = model.params
    table = model.staff
    table.network_use += params.network_use_decay * (params.network_use_initial - table.network_use)


RECRUIT_DRAWS = 3 * len(Role) + 2
"""Uniforms of a project a week that lacks or wants a discipline (``Draw.RECRUIT``, keyed by the project): three
for each role it may lack (at 3 x role: ask, succeed, refer), then two for the one it wants (ask, succeed)."""


def recruit(model: QICModel, project: Project) -> bool:
    """Try to bring in each discipline the project lacks, then one that would help it.

    Returns:
        True once nothing it needs is missing (it may still want help).
    """
    params = model.params
    needs = project.needs
    draws = model.uniforms(Draw.RECRUIT, RECRUIT_DRAWS, project.pid).tolist()
    for role in sorted(needs) if len(needs) > 1 else list(needs):  # in order (sorting one costs more)
        ask, succeed, refer = draws[3 * role:3 * role + 3]
        recruited = ask_network(model, project, role, ask, succeed)
        if recruited < 0 and refer < params.referral_prob:
            recruited = referred(model, project, role)
            model.counts.add("disciplines_referred", project.home)
        if recruited >= 0:
            bring_in(project, role, recruited)
    if not project.needs and project.wanted:
        role = min(project.wanted)
        ask, succeed = draws[-2:]
        recruited = ask_network(model, project, role, ask, succeed)
        if recruited >= 0:
            project.recruited.append(recruited)
            project.disciplines.add(role)
            project.wanted.discard(role)
    return not project.needs


def referred(model: QICModel, project: Project, role: int) -> int:
    """The professional a formal referral brings: the role's post at the project's own site, if any."""
    table = model.staff
    holders = table.holders[role]
    local = holders[table.site[holders] == project.site]
    return int((local if len(local) else holders)[0])


def bring_in(project: Project, role: int, slot: int) -> None:
    """A needed discipline joins the project: the professional is recruited and nothing of the role is missing."""
    project.recruited.append(slot)
    project.disciplines.add(role)
    project.needs.discard(role)


def known_by_team(model: QICModel, site: int) -> np.ndarray:
    """Each post's strongest tie to any member of a site's team (project work does not change ties)."""
    table = model.staff
    return table.ties.strongest_from(table.members_of_site(site), site)


def ask_network(model: QICModel, project: Project, role: int, ask: float, succeed: float) -> int:
    """The champion asks their contacts for a role (with chance ``network_use``).

    Returns:
        The slot of the professional brought in, or -1.
    """
    table = model.staff
    if ask >= table.network_use.item(project.champion):
        return -1
    model.counts.add("recruitment_requests", project.home)
    params = model.params
    # Tie strengths and time shares are at most 1: a draw at or above ``recruit_prob`` fails whoever
    # is asked, so the strengths are read only for the draws that may succeed.
    if succeed >= params.recruit_prob:
        return -1
    holders = table.holders[role]
    strengths = model.this_week(("known_by_team", project.site), lambda: known_by_team(model, project.site))[holders]
    best = int(strengths.argmax())
    recruit_hours = params.recruit_hours if params.recruit_hours > 1e-9 else 1e-9  # max(recruit_hours, 1e-9)
    time_share = table.available.item(int(holders[best])) / recruit_hours
    time_share = 1.0 if time_share > 1.0 else time_share  # min(1, time_share)
    if succeed >= params.recruit_prob * strengths[best] * time_share:
        return -1
    model.counts.add("disciplines_recruited_via_ties", project.home)
    return int(holders[best])
