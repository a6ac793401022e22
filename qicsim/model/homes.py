"""Care homes and site teams: the places staff work, the teams they form, and each home's state."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class CareHome:
    """A care home's fixed description.

    Attributes:
        index: Home index, 0 .. n_homes - 1.
        site: Site index.
        beds: Number of beds.
        nursing: Nursing home (has registered nurses) or residential.
        priorities: Topic indices the home already works on.
        staff: Staff slots of the home's posts.
    """

    index: int
    site: int
    beds: int
    nursing: bool
    priorities: frozenset[int]
    staff: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class SiteTeam:
    """One collaborative team per site.

    Attributes:
        index: Site index.
        name: ``site_1`` ...
        homes: Home indices of the site.
        nhs_staff: Staff slots of NHS posts at the site (team and outside professionals).
    """

    index: int
    name: str
    homes: list[int]
    nhs_staff: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class HomeTable:
    """The changing state of every care home, one array element per home.

    Attributes:
        beds: Beds per home (fixed).
        site: Site of each home (fixed).
        load: This week's demand multiplier: season times the pressure of open problems.
        post_load: ``load`` followed by the season's multiplier (the load of NHS posts).
        uncovered: Share of this week's demand the home's staff could not cover (0 when within hours).
        care_demand: This week's clinical demand of the home's modelled posts, in hours (process 1).
        problems: Open avoidable problems (falls, infections, unplanned admissions being handled).
        problem_inflow: Expected new problems a week with no improvement in place and no rushed care.
        reference_problems: Open problems at the reference load (inflow x problem_weeks).
        in_place: Improvements in place in the home.
        kind_inflow: Under ``structure.prevention = by_topic``: each kind's expected new problems a week with no
            improvement in place and no rushed care, shape (homes, kinds); None under uniform.
        rate_ratios: Under by_topic: rate ratios by topic and kind (:func:`qicsim.model.prevention.rate_ratio_table`).
        remaining: Under by_topic: the share of each kind's inflow the improvements in place leave, (homes, kinds).
        data_capability: Tools, routine data and help reading it, 0-1 (C10 builds it).
        alignment_practice: How far the home's QIC work is fitted to its routine and priorities, 0-1 (C5).
        facilitator_hours: Facilitator hours delivered this week (C6).
        facilitation_credit: Caseload hours banked towards the home's next facilitator session
            (``structure.project_start`` facilitation); drawn at the first week of sessions.
        qi_slack: Share of their free time the home's members give QI (its manager's, learned: the
            capability trap's full loop; under firefighting the constant ``slack_use`` is read instead).
        post_slack: ``qi_slack`` followed by ``slack_use`` (the NHS posts'); ``qi_slack`` is a view of it.
        workarounds: Stock of work-arounds in use, in shares of a week's demand covered by quick fixes (full loop).
        qic_hours_seen: QIC hours the home's staff had spent up to last week (full loop: this week's are the
            difference).
        problems_in_review: Open problems summed over the weeks of the manager's current review period (full loop).
        problems_reviewed: Mean open problems of the manager's last review period (full loop).
        in_place_seen: Improvements in place at the last review (to count the period's new ones; full loop).
        events_seen: Counts of the events a manager learns from, per home, at the last review (full loop).

    Args:
        beds: Beds of each home.
        sites: Site of each home.
    """

    def __init__(self, beds: list[int], sites: list[int]) -> None:
        n = len(beds)
        self.n = n
        self.beds = np.array(beds, dtype=np.float64)
        self.site = np.array(sites, dtype=np.int64)
        # Each post's load: a home's (the first n elements), or the season's (the last) for NHS
        # posts; ``load`` is a view of the homes' part.
        self.post_load = np.ones(n + 1)
        self.load = self.post_load[:n]
        self.uncovered = np.zeros(n)
        self.care_demand = np.zeros(n)
        self.problems = np.zeros(n)
        self.problem_inflow = np.zeros(n)
        self.reference_problems = np.zeros(n)
        self.in_place = np.zeros(n)
        # structure.prevention = by_topic (qicsim.model.prevention): the reference inflow of each kind of problem,
        # (homes, kinds), the rate ratios by topic and kind, and the share of each kind's inflow left by the
        # improvements in place; None under uniform.
        self.kind_inflow: np.ndarray | None = None
        self.rate_ratios: np.ndarray | None = None
        self.remaining: np.ndarray | None = None
        self.data_capability = np.zeros(n)
        self.alignment_practice = np.zeros(n)
        self.facilitator_hours = np.zeros(n)
        self.facilitation_credit: np.ndarray | None = None
        # The capability trap's full loop (qicsim.model.capability).
        self.post_slack = np.zeros(n + 1)
        self.qi_slack = self.post_slack[:n]
        self.workarounds = np.zeros(n)
        self.qic_hours_seen = np.zeros(n)
        self.problems_in_review = np.zeros(n)
        self.problems_reviewed = np.zeros(n)
        self.in_place_seen = np.zeros(n)
        self.events_seen = np.zeros((5, n))
