"""Living relationships: ties that grow with contact and fade without it, and trust built from them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.project import Project

FADE_EVERY_WEEKS = 4  # ties fade in steps of this many weeks' decay: a whole-matrix update costs time


def update_ties(model: QICModel) -> None:
    """Ties fade without contact; new holders form ties with their colleagues.

    Every tie between people who do not work side by side loses ``tie_decay`` of its strength
    a week (contact at meetings and events renews it). A new holder's ties to their
    colleagues grow towards the colleague level, closing ``colleague_tie_growth`` of the gap a
    week from their first week in post (settling in). Both are applied every
    ``FADE_EVERY_WEEKS`` weeks, for that many weeks at once: whole-matrix updates cost time.
    After support nothing reads the ties (no meetings, invitations, recruitment or spread), so
    they are no longer followed.
    """
    if model.week % FADE_EVERY_WEEKS or not model.supported:
        return
    table = model.staff
    table.ties.fade((1.0 - model.params.tie_decay) ** FADE_EVERY_WEEKS)
    settling = table.settling.nonzero()[0]
    if not len(settling):
        return
    growth = model.params.colleague_tie_growth
    colleague_tie = model.params.colleague_tie
    level = colleague_tie * (1.0 - (1.0 - growth) ** table.weeks_in_post[settling])
    table.ties.raise_colleague_ties(settling, level)
    table.settling[settling[level >= 0.99 * colleague_tie]] = False


def strengthen_ties(model: QICModel, site: int, attendees: np.ndarray, rate: float) -> np.ndarray:
    """Co-attending a site's meeting strengthens every tie between attendees by ``rate`` of the gap to 1.

    Returns:
        The strength each attendee gained, summed over their ties.
    """
    ties = model.staff.ties.blocks[site]
    local = attendees - int(model.staff.site_start[site])
    rows = local[:, None]
    before = ties[rows, local]
    gain = min(1.0, rate) * (1.0 - before)  # ties stay within [0, 1]
    gain.flat[:: len(local) + 1] = 0.0  # no tie to oneself (np.fill_diagonal, without its checks)
    ties[rows, local] = before + gain
    return gain.sum(axis=1)


def partner_slots(model: QICModel, project: Project) -> np.ndarray:
    """The champion's partners across the NHS-care home divide: site NHS members, or the home's members."""
    table = model.staff
    if table.is_care[project.champion]:
        nhs = model.sites[project.site].nhs_staff
        return nhs[table.member[nhs]]
    staff = model.homes[project.home].staff
    return staff[table.member[staff]]


def trust_of_projects(model: QICModel, projects: list[Project]) -> np.ndarray:
    """:func:`partnership_trust` of many projects at once (a few array operations a week).

    Partners are always of the champion's site, so each champion's row of its site's block
    of ties is all that is read.
    """
    table = model.staff
    champions = np.array([p.champion for p in projects], dtype=np.int64)
    if not len(champions):
        return np.zeros(0)
    has = champions >= 0
    champion = np.maximum(champions, 0)
    home = np.array([p.home for p in projects])
    # The partners' posts are one run of slots: the site's NHS posts, or the home's posts.
    care = table.is_care[champion]
    site = table.site[champion]
    first = np.where(care, table.site_start[site], table.home_first[home])
    count = np.where(care, table.nhs_posts[site], table.home_posts[home])
    ties = table.ties.window(champion, first, count)
    slots = np.minimum(first[:, None] + np.arange(ties.shape[1])[None, :], table.n - 1)
    partners = table.member[slots] & (np.arange(ties.shape[1])[None, :] < count[:, None])
    trust = 1.0 - np.prod(1.0 - ties * partners, axis=1)
    return np.where(has, trust, 0.0)


def partnership_trust(model: QICModel, project: Project) -> float:
    """Trust across the divide from all the champion's ties to partners (C2, C3, C9 feed them).

    Each tie is a separate channel of trust: ``1 - prod(1 - tie)`` over the partners, so
    every tie counts, not only the strongest; trust grows as more of the other side are known
    and falls as ties fade.
    """
    if project.champion < 0:
        return 0.0
    partners = partner_slots(model, project)
    if not len(partners):
        return 0.0
    table = model.staff
    site = int(table.site[project.champion])
    start = int(table.site_start[site])
    row = table.ties.blocks[site][project.champion - start]
    return float(1.0 - np.prod(1.0 - row[partners - start]))
