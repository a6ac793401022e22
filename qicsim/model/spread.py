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

from typing import TYPE_CHECKING, NamedTuple

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
    The improvements draw in turn from the spread stream and nothing else draws from it, so the
    week's draws are made at once; take-ups then go to planning in the same order, improvement by
    improvement.
    """
    if not is_contact_week(model):
        return
    table = model.staff
    in_place = list(model.open.in_place)
    adopter = table.member & table.is_care & (table.induction_left == 0)
    if not in_place or not np.count_nonzero(adopter):
        return
    homes = [project.home for project in in_place]
    candidates = reach_of_homes(model, np.array(sorted(set(homes))), adopter)
    # Each improvement's candidates, one run after another (the runs of their homes, in the improvements' order).
    # (Array methods rather than NumPy's functions of the same name: those add a Python-level wrapper.)
    at = candidates.homes.searchsorted(homes)
    first, count = candidates.first[at], candidates.count[at]
    offset = count.cumsum() - count
    index = np.arange(int(offset[-1] + count[-1])) + (first - offset).repeat(count)
    draws = model.streams["spread"].random(len(index))
    taken = (draws < model.params.spread_prob * candidates.reach[index]).nonzero()[0]
    if not len(taken):
        return
    improvement = np.arange(len(in_place)).repeat(count)
    for i, slot in zip(improvement[taken].tolist(), candidates.slot[index[taken]].tolist(), strict=True):
        project = in_place[i]
        home = int(table.home[slot])
        across = model.homes[home].site != project.site
        model.counts.add("ideas_spread", home)
        if across:
            model.counts.add("ideas_spread_across_sites", home)
        origin = Origin.SPREAD_ACROSS_SITES if across else Origin.SPREAD_WITHIN_SITE
        planning.plan_idea(model, home, project.topic, slot, origin, parent=project.pid)


class Candidates(NamedTuple):
    """Adopters tied to the staff of some homes: for each home, a run of (slot, strongest tie) by slot.

    Attributes:
        homes: The homes, ascending.
        first: Each home's first row.
        count: Each home's number of rows.
        slot: Each row's adopter.
        reach: Each row's strongest tie between the adopter and the home's staff (above 0).
    """

    homes: np.ndarray
    first: np.ndarray
    count: np.ndarray
    slot: np.ndarray
    reach: np.ndarray


def reach_of_homes(model: QICModel, homes: np.ndarray, adopter: np.ndarray) -> Candidates:
    """For each home, the adopters of other homes tied to its staff and each one's strongest tie to them.

    Ties within a site are read one site at a time: the adopters' columns of the site's block,
    reduced over each home's run of rows (a home's posts are contiguous). The cross-site ties
    of all the homes' staff are read at once (:func:`cross_site_candidates`). The candidates
    (home, adopter, tie) are then sorted once, so that each home keeps its strongest tie to each adopter: a few calls a
    week rather than a few per home.

    Args:
        model: The model.
        homes: The homes whose improvements may spread, ascending (at least one).
        adopter: Whether each post's holder can take up an improvement.

    Returns:
        Each home's adopters (slots ascending) and strengths, all strengths above 0.
    """
    table = model.staff
    by_site: dict[int, list[int]] = {}
    for home in homes.tolist():
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
    if table.ties.m:
        cross_site_candidates(model, homes, adopter, home_of, slot_of, reach_of)
    home, slot, reach = np.concatenate(home_of), np.concatenate(slot_of), np.concatenate(reach_of)
    order = np.lexsort((-reach, slot, home))  # by home, then slot, strongest first
    home, slot, reach = home[order], slot[order], reach[order]
    # Each home's strongest tie to each adopter: the first of each (home, slot).
    first = np.ones(len(home), dtype=bool)
    first[1:] = (home[1:] != home[:-1]) | (slot[1:] != slot[:-1])
    home, slot, reach = home[first], slot[first], reach[first]
    first = home.searchsorted(homes)  # every home here is one of ``homes``
    count = np.empty_like(first)
    count[:-1] = first[1:] - first[:-1]
    count[-1] = len(home) - first[-1]
    return Candidates(homes, first, count, slot, reach)


def cross_site_candidates(model: QICModel, homes: np.ndarray, adopter: np.ndarray, home_of: list[np.ndarray],
                          slot_of: list[np.ndarray], reach_of: list[np.ndarray]) -> None:
    """Append the candidates tied across sites: a tie from a post of one of ``homes`` to an adopter at another site.

    One pass over the list of cross-site ties, either end being the home's post (a tie across
    sites joins posts of different homes, so the adopter is never of the home itself).
    """
    table = model.staff
    a, b, w = table.ties.cross
    wanted = np.zeros(len(model.homes) + 1, dtype=bool)  # the last element stands for "no home" (NHS posts)
    wanted[homes] = True
    in_wanted_home = wanted[table.home]
    tied = w > 0.0
    for post, other in ((a, b), (b, a)):
        keep = in_wanted_home[post] & adopter[other] & tied
        home_of.append(table.home[post[keep]])
        slot_of.append(other[keep])
        reach_of.append(w[keep])
