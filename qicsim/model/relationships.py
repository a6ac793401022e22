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
    return np.add.reduce(gain, axis=1)  # gain.sum(axis=1), without its Python-level wrapper


def partnership_trust(model: QICModel, project: Project) -> float:
    """Trust across the divide from all the champion's ties to partners (C2, C3, C9 feed them).

    Each tie is a separate channel of trust: ``1 - prod(1 - tie)`` over the partners, so
    every tie counts, not only the strongest; trust grows as more of the other side are known
    and falls as ties fade. The partners are the team members on the other side of the divide:
    the site's NHS members for a care home champion, the home's members for an NHS champion.
    Either is one run of slots of the champion's site, so one row of its block of ties is read.

    The product is taken in slot order, one factor at a time, as NumPy's product of the same
    factors is (a plain loop of multiplications): a few factors cost less in Python than in calls
    into NumPy.
    """
    champion = project.champion
    if champion < 0:
        return 0.0
    table = model.staff
    site = project.site  # the champion's: a project's champion works at its site
    start = table.site_start.item(site)
    if table.is_care.item(champion):
        first, count = start, table.nhs_posts.item(site)
    else:
        first, count = table.home_first.item(project.home), table.home_posts.item(project.home)
    ties = table.ties.blocks[site][champion - start, first - start: first - start + count].tolist()
    untrusting = 1.0
    for tie, partner in zip(ties, table.member[first: first + count].tolist(), strict=True):
        if partner:
            untrusting *= 1.0 - tie
    return 1.0 - untrusting
