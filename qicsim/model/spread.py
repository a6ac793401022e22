"""Spread of improvements between homes, along ties (process 7).

People pass on what works to those they know. In each contact week (every
``meeting_interval_weeks`` during support), every care home member not in induction may
take up each improvement in place in another home: with chance ``spread_prob`` times their
strongest tie to that home's staff. Ties across homes of a site grow at local meetings; ties
across sites form at learning events (C9) and fade without contact, so an improvement
reaches another site only through someone met there. A take-up goes to planning for the
member's own home.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import planning
from qicsim.model.calendar import is_contact_week
from qicsim.model.project import Origin

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def share_along_ties(model: QICModel) -> None:
    """Members take up improvements in place elsewhere, through the people they know.

    Only members with a tie to the improvement's home can take it up, so each improvement
    draws once for each of them (in slot order), not once for every member of the collaborative.
    """
    if not is_contact_week(model):
        return
    table = model.staff
    rng = model.streams["spread"]
    in_place = [pr for pr in model.open_projects if pr.in_place]
    adopter = table.member & table.is_care & (table.induction_left == 0)
    if not in_place or not adopter.any():
        return
    reached = reach_of_homes(model, sorted({project.home for project in in_place}), adopter)
    for project in in_place:
        slots, reach = reached[project.home]
        if not len(slots):
            continue
        taking = slots[rng.random(len(slots)) < model.params.spread_prob * reach]
        for slot in taking.tolist():
            home = int(table.home[slot])
            across = model.homes[home].site != project.site
            model.counts.add("ideas_spread", home)
            if across:
                model.counts.add("ideas_spread_across_sites", home)
            origin = Origin.SPREAD_ACROSS_SITES if across else Origin.SPREAD_WITHIN_SITE
            planning.plan_idea(model, home, project.topic, slot, origin, parent=project.pid)


def reach_of_homes(model: QICModel, homes: list[int], adopter: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each home, the adopters of other homes tied to its staff and each one's strongest tie to them.

    Ties within a site are read one site at a time (a home's posts are contiguous, so one
    block read and one reduction serve all the site's homes); cross-site ties home by home.

    Returns:
        Home to (slots ascending, strengths), all strengths above 0.
    """
    table = model.staff
    reached = {}
    by_site: dict[int, list[int]] = {}
    for home in homes:
        by_site.setdefault(model.homes[home].site, []).append(home)
    for site, site_homes in by_site.items():
        start, stop = int(table.site_start[site]), int(table.site_stop[site])
        local = start + adopter[start:stop].nonzero()[0]
        if len(local):
            rows = np.concatenate([model.homes[home].staff for home in site_homes]) - start
            first = np.cumsum([0] + [len(model.homes[home].staff) for home in site_homes[:-1]])
            strongest = np.maximum.reduceat(table.ties.blocks[site][rows[:, None], local - start], first, axis=0)
            strongest[table.home[local][None, :] == np.array(site_homes)[:, None]] = 0.0  # not one's own home
        for i, home in enumerate(site_homes):
            reach = strongest[i] if len(local) else np.zeros(0)
            reached[home] = with_cross_site(model, home, local, reach, adopter)
    return reached


def with_cross_site(model: QICModel, home: int, local: np.ndarray, reach: np.ndarray,
                    adopter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add the adopters at other sites tied to a home's staff; keep the positive reaches, by slot."""
    _, other, strength = model.staff.ties.cross_ties_of(model.homes[home].staff)
    keep = adopter[other]
    if keep.any():
        local = np.concatenate([local, other[keep]])
        reach = np.concatenate([reach, strength[keep]])
        order = np.lexsort((-reach, local))  # by slot, strongest first
        local, reach = local[order], reach[order]
        first = np.concatenate([[True], local[1:] != local[:-1]])
        local, reach = local[first], reach[first]
    positive = reach > 0
    return local[positive], reach[positive]
