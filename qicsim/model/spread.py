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
    in_place = list(model.open.in_place)
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

    Ties within a site are read one site at a time: the adopters' columns of the site's block,
    reduced over each home's run of rows (a home's posts are contiguous). The cross-site ties
    of all the homes' staff are read at once. The candidates (home, adopter, tie) are then
    sorted once, so that each home keeps its strongest tie to each adopter: a few calls a
    week rather than a few per home.

    Args:
        model: The model.
        homes: The homes whose improvements may spread, ascending (at least one).
        adopter: Whether each post's holder can take up an improvement.

    Returns:
        Home to (slots ascending, strengths), all strengths above 0.
    """
    table = model.staff
    by_site: dict[int, list[int]] = {}
    for home in homes:
        by_site.setdefault(model.homes[home].site, []).append(home)
    home_of, slot_of, reach_of = [], [], []
    for site, site_wanted in by_site.items():
        start = int(table.site_start[site])
        local = adopter[start: int(table.site_stop[site])].nonzero()[0]  # index in the site's block
        if not len(local):
            continue
        slots = start + local
        # A site's homes are numbered consecutively and their runs of posts follow in order.
        first_home = model.sites[site].homes[0]
        runs = table.home_first[first_home: first_home + len(model.sites[site].homes)] - start
        strongest = np.maximum.reduceat(table.ties.blocks[site].take(local, axis=1), runs, axis=0)
        these = np.array(site_wanted)
        strongest = strongest[these - first_home]
        # Positive ties to adopters of other homes (not one's own home).
        row, column = ((strongest > 0.0) & (table.home[slots] != these[:, None])).nonzero()
        home_of.append(these[row])
        slot_of.append(slots[column])
        reach_of.append(strongest[row, column])
    own, other, strength = table.ties.cross_ties_of(np.concatenate([model.homes[home].staff for home in homes]))
    keep = adopter[other]
    home_of.append(table.home[own[keep]])
    slot_of.append(other[keep])
    reach_of.append(strength[keep])
    home, slot, reach = np.concatenate(home_of), np.concatenate(slot_of), np.concatenate(reach_of)
    order = np.lexsort((-reach, slot, home))  # by home, then slot, strongest first
    home, slot, reach = home[order], slot[order], reach[order]
    # Each home's strongest tie to each adopter: the first of each (home, slot).
    first = np.ones(len(home), dtype=bool)
    first[1:] = (home[1:] != home[:-1]) | (slot[1:] != slot[:-1])
    home, slot, reach = home[first], slot[first], reach[first]
    bounds = [*np.searchsorted(home, homes).tolist(), len(home)]  # every home here is one of ``homes``
    return {h: (slot[bounds[i]: bounds[i + 1]], reach[bounds[i]: bounds[i + 1]]) for i, h in enumerate(homes)}
