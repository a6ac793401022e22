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
from qicsim.model.draws import Draw
from qicsim.model.project import Origin

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def share_along_ties(model: QICModel) -> None:
    """Members take up improvements in place elsewhere, through the people they know.

    Only members with a tie to the improvement's home can take it up, so each improvement
    draws once for each of them (in slot order), not once for every member of the collaborative.
    The week's draws are made at once (``Draw.SPREAD``, one per improvement and candidate, in that
    order); take-ups then go to planning in the same order, improvement by improvement.
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
    draws = model.uniforms(Draw.SPREAD, len(index))
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

    Ties within a site are read for every home at once (:func:`within_site_candidates`), the
    cross-site ties of all the homes' staff too (:func:`cross_site_candidates`). The candidates
    (home, adopter, tie) are then sorted once, so that each home keeps its strongest tie to each
    adopter: a few calls a week rather than a few per home.

    Args:
        model: The model.
        homes: The homes whose improvements may spread, ascending (at least one).
        adopter: Whether each post's holder can take up an improvement.

    Returns:
        Each home's adopters (slots ascending) and strengths, all strengths above 0.
    """
    home_of: list[np.ndarray] = []
    slot_of: list[np.ndarray] = []
    reach_of: list[np.ndarray] = []
    adopters = adopter.nonzero()[0]
    if len(adopters):
        within_site_candidates(model, homes, adopters, home_of, slot_of, reach_of)
    if model.staff.ties.m:
        cross_site_candidates(model, homes, adopter, home_of, slot_of, reach_of)
    if not home_of:
        empty = np.zeros(0, dtype=np.int64)
        home_of, slot_of, reach_of = [empty], [empty], [np.zeros(0)]
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


def within_site_candidates(model: QICModel, homes: np.ndarray, adopters: np.ndarray, home_of: list[np.ndarray],
                           slot_of: list[np.ndarray], reach_of: list[np.ndarray]) -> None:
    """Append the candidates tied within their site: each home's strongest tie to each adopter of its site.

    One table for every home: a row for each post of the homes (a home's posts are one run of
    slots), a column for each adopter of the post's site (a site's adopters are one run of
    ``adopters``; rows of smaller sites are padded with the post's tie to itself, 0). The ties
    are read from the sites' blocks at once, and the rows of each home reduced to their maximum.

    Args:
        model: The model.
        homes: The homes, ascending.
        adopters: The slots of the posts whose holders can take up an improvement, ascending.
        home_of: The candidates' homes are appended to it.
        slot_of: Their adopters are appended to it.
        reach_of: Their strengths are appended to it.
    """
    table = model.staff
    ties = table.ties
    adopter_site = table.site[adopters]
    site_first = adopter_site.searchsorted(np.arange(len(ties.start)))  # each site's first adopter
    site_count = np.bincount(adopter_site, minlength=len(ties.start))
    # The posts of the homes, home after home (rows), and the first row of each home.
    posts = table.home_posts[homes]
    run_start = posts.cumsum() - posts
    post = np.arange(int(run_start[-1] + posts[-1])) + (table.home_first[homes] - run_start).repeat(posts)
    site = table.site[post]
    width = int(np.maximum.reduce(site_count[site]))
    if not width:
        return
    column = np.arange(width)
    valid = column < site_count[site][:, None]
    adopter = adopters[np.minimum(site_first[site][:, None] + column, len(adopters) - 1)]
    adopter = np.where(valid, adopter, post[:, None])  # padding: the post itself, tied 0
    strongest = np.maximum.reduceat(ties.between(post, adopter), run_start, axis=0)  # (homes, width)
    adopter = adopter[run_start]
    # Positive ties to adopters of other homes (not one's own home; padding is the home's own post).
    row, col = ((strongest > 0.0) & (table.home[adopter] != homes[:, None])).nonzero()
    home_of.append(homes[row])
    slot_of.append(adopter[row, col])
    reach_of.append(strongest[row, col])


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
