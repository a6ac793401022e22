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
    """Members take up improvements in place elsewhere, through the people they know."""
    if not is_contact_week(model):
        return
    table = model.staff
    rng = model.streams["spread"]
    in_place = [pr for pr in model.projects if pr.in_place]
    adopters = np.flatnonzero(table.member & table.is_care & (table.induction_left == 0))
    if not in_place or not len(adopters):
        return
    draws = rng.random((len(in_place), len(adopters)))
    strongest = {}
    for i, project in enumerate(in_place):
        if project.home not in strongest:
            staff = model.homes[project.home].staff
            reach = table.ties[np.ix_(staff, adopters)].max(axis=0)
            reach[table.home[adopters] == project.home] = 0.0
            strongest[project.home] = reach
        taking = np.flatnonzero(draws[i] < model.params.spread_prob * strongest[project.home])
        for j in taking:
            slot = int(adopters[j])
            home = int(table.home[slot])
            across = model.homes[home].site != project.site
            model.counts.add("ideas_spread", home)
            if across:
                model.counts.add("ideas_spread_across_sites", home)
            origin = Origin.SPREAD_ACROSS_SITES if across else Origin.SPREAD_WITHIN_SITE
            planning.plan_idea(model, home, project.topic, slot, origin, parent=project.pid)
