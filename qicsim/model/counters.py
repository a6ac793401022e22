"""Mechanism event counts, kept per unit (each care home, and each site's NHS side) and per week.

Every mechanism counts its own events so that an analysis can trace a context to its
mechanism and on to the outcome (docs/ODD.md, "Observation"). Events that belong to a home
(an idea for it, an attendance by its staff) are counted on the home; events of NHS staff or
of the site team as a whole on the site's own unit. A site's total is its homes plus its own
unit; the run's total is the sum over all units. Each week's increments are also kept per
site, so that "the indicator moves before the outcome" can be read off the weekly series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from qicsim.model.homes import CareHome

MECHANISM_COUNTS: dict[str, str] = {
    # C1 remit clarity
    "ideas_in_scope": "voiced ideas and iterations seen to be within the remit (C1)",
    "ideas_out_of_scope": "voiced ideas and iterations not seen to be within the remit, dropped (C1)",
    "understanding_gained": "understanding of the remit gained at meetings and by doing, summed (C1)",
    # C2 prior partnership
    "partnership_trust": "trust across the NHS-care home divide of each new project's champion, summed (C2)",
    "setup_weeks": "weeks of project set-up before testing (C2)",
    # C3 hierarchy reduction
    "ideas_voiced_care_home": "ideas voiced by care home staff (C3)",
    "ideas_voiced_nhs": "ideas voiced by NHS staff",
    "ideas_voiced_low_status": "ideas voiced by members at hierarchy level low_status_level (1) or below (C3)",
    "safety_gained": "psychological safety gained at meetings, summed (C3)",
    "tie_strength_gained": "tie strength gained by co-attending meetings, summed (C3)",
    # C4 protected time
    "qic_hours_members": "QIC hours members had available, summed over weeks (C4)",
    "slack_hours_members": "members' free hours after clinical demand and protected time, summed over weeks "
                           "(process 1; by role under structure.time_model = by_role)",
    "protected_hours_paid": "protected hours paid for (whether used or not) (C4)",
    "protected_hours_used": "protected hours honoured and used for QIC work (C4)",
    "protected_hours_withdrawn": "protected hours paid but pulled back to the floor under pressure (C4)",
    # C5 alignment
    "ideas_refitted_to_priorities": "ideas outside the home's priorities reshaped to fit one of them (C5)",
    "aligned_take_ups": "projects started on one of the home's priorities",
    "day_job_hours": "project effort absorbed by routine work (C5)",
    "alignment_practice_gained": "alignment practice homes gained at meetings, summed (C5)",
    # C6 coaching
    "skill_from_coaching": "QI skill gained from coaching, summed (C6)",
    "chunks_completed": "chunks completed, i.e. successful PDSA cycles (C6)",
    "chunks_failed": "failed PDSA cycles",
    "facilitator_hours": "hours QI facilitators worked in homes: alongside staff on projects under test, or at "
                         "sessions under project_start facilitation (C6)",
    # project sizes (structure.project_sizes = by_kind; 0 under one_size)
    "projects_small_test": "projects started as a small test of change (hours of effort)",
    "projects_process_change": "projects started as a process change (a tool, training or care plans)",
    "projects_multidisciplinary_review": "projects started as a multidisciplinary review (tens of hours of effort)",
    # C7 network recruitment
    "recruitment_requests": "weeks a champion asked their contacts for a missing discipline (C7)",
    "disciplines_recruited_via_ties": "missing disciplines recruited through a tie (C7)",
    "disciplines_referred": "missing disciplines that joined through formal referral",
    "blocked_weeks": "project-weeks blocked by a missing discipline",
    # C8 meetings in care homes
    "meetings_held": "local meetings held",
    "meetings_in_care_homes": "local meetings held in a care home (C8)",
    "care_home_meetings_within_time": "care home members' meetings whose time off the floor their hours covered (C8)",
    "travel_hours": "hours spent travelling to local meetings",
    "meeting_attendances_care_home": "local meeting attendances by care home staff (C8)",
    "meeting_attendances_nhs": "local meeting attendances by NHS staff",
    # C9 learning events
    "events_held": "learning events a site took part in (C9)",
    "event_attendances": "attendances at learning events",
    "ties_formed_at_events": "new cross-site ties formed at events (C9)",
    "ideas_spread": "improvements in place elsewhere taken up for a home through a tie (C9)",
    "ideas_spread_across_sites": "of those, taken up from another site",
    # C10 data support
    "measured_cycles": "PDSA cycles that used measurement (C10)",
    "measurement_hours": "QIC hours spent measuring (C10)",
    "decisions_on_data": "measured cycles whose data informed the next step (C10)",
    # how homes start projects beyond meeting ideas, and facilitation in the home (structure.project_start)
    "event_plans_made": "homes whose members left a learning event with a plan for the action period",
    "starts_from_event_plans": "projects started from plans made at learning events",
    "manager_choices": "topics care home managers chose for their homes' projects",
    "starts_by_manager": "projects started on a topic the home's manager chose",
    "facilitation_sessions": "facilitator sessions held in homes (C6 delivered in the home)",
    "facilitation_attendances": "attendances of home members at facilitator sessions",
    "starts_with_facilitator": "projects started at a facilitator session (ideas voiced, or the facilitator's help)",
    "projects_unstuck": "stalled or blocked projects restarted at a facilitator session",
    "data_capability_from_sessions": "data capability homes gained from facilitators' measurement help, summed",
    # other processes
    "ideas_no_capacity": "ideas dropped because the home had no room for another project",
    "ideas_no_champion": "ideas dropped because no one could lead them",
    "stalled_weeks": "project-weeks stalled for want of a champion",
    "champion_takeovers": "projects or improvements taken on by a new champion",
    "members_dropped_out": "members who left the team as engagement fell",
    "members_joined": "staff who joined the team during the run (invited)",
    "members_rejoined": "of those, staff who had been members before and dropped out",
    "leavers": "staff who left their post (turnover)",
    "lapses": "implemented improvements that lapsed",
    "problems_arising": "avoidable problems (falls, infections, admissions) that arose (process 10)",
    "problem_hours": "extra staff hours open problems took (process 10)",
    # the kinds of those problems (structure.prevention = by_topic; 0 under uniform, whose stream is topic-blind)
    "problems_arising_falls": "falls among the avoidable problems that arose, expected given their number (by_topic)",
    "problems_arising_infections": "infections among them (by_topic)",
    "problems_arising_admissions": "avoidable admissions among them (by_topic)",
    "problems_arising_pressure_ulcers": "new pressure ulcers among them (by_topic)",
    # the capability trap's full loop (structure.trap = full_loop; process 10, docs/ODD.md 7.10)
    "qi_hours_off_floor": "QIC hours care home staff spent that neither backfill nor their own time covered: "
                          "taken from care (full loop)",
    "uncovered_from_qi": "share of the home's demand left uncovered because QIC hours were taken from care, "
                         "summed over weeks (full loop: worse before better)",
    "workaround_relief": "share of the home's demand covered by quick fixes instead of left uncovered, summed "
                         "over weeks (full loop: working harder)",
    "problems_from_workarounds": "expected new problems a week caused by the work-arounds in use, summed "
                                 "(full loop)",
    "skill_eroded": "QI skill lost in weeks without QI work, summed (full loop)",
    "alignment_practice_eroded": "alignment practice homes lost in weeks without QI work, summed (full loop)",
    "data_capability_eroded": "data capability homes lost in weeks without QI work, summed (full loop)",
    "lapse_hazard_from_load": "extra weekly lapse chance of improvements in place from the home's load, summed "
                              "(full loop)",
    "qi_slack_raised": "QI slack managers gave after visible payoff, summed (full loop)",
    "qi_slack_cut": "QI slack managers took back after disappointment, summed (full loop)",
}
FEW_UNITS = 6  # at most this many units are added to one by one (Counters.add_many): for speed
COUNT_NAMES: tuple[str, ...] = tuple(MECHANISM_COUNTS)
COUNT_INDEX: dict[str, int] = {name: i for i, name in enumerate(COUNT_NAMES)}


class Counters:
    """Event counts, shape (n_counts, n_units); units are homes, then sites' NHS sides.

    Args:
        n_homes: Number of care homes.
        n_sites: Number of sites.
        weeks: Weeks in the run (for the weekly increments per site).
    """

    def __init__(self, n_homes: int, n_sites: int, weeks: int) -> None:
        self.n_homes = n_homes
        self.values = np.zeros((len(COUNT_NAMES), n_homes + n_sites))
        self.weekly = np.zeros((weeks, len(COUNT_NAMES), n_sites))
        self.first_home = np.zeros(n_sites, dtype=np.int64)  # each site's homes are a run from here (set_sites)
        self._closed = np.zeros((len(COUNT_NAMES), n_sites))
        self._make_views()

    _VIEWS = ("_rows", "_homes", "_nhs", "_home_rows", "_flat", "_scalar_rows")

    def _make_views(self) -> None:
        """Views of ``values`` made once, used every week (and made again for a copy: :meth:`__setstate__`).

        ``_scalar_rows`` are memoryviews of each count's row, for :meth:`add`: reading and writing
        one element through a memoryview is plain float arithmetic on the same buffer, a tenth of
        the cost of indexing the array (which makes a NumPy scalar each time).
        """
        self._rows = list(self.values)  # one view per count: a 1-d index is cheaper than a 2-d one
        # The homes' and the sites' NHS sides' units.
        self._homes, self._nhs = self.values[:, :self.n_homes], self.values[:, self.n_homes:]
        self._home_rows = list(self._homes)
        self._flat = self.values.reshape(-1)  # every count of every unit, count by count
        self._scalar_rows = [memoryview(row) for row in self._rows]

    def __getstate__(self) -> dict[str, Any]:
        """The state to copy or pickle, without the views of ``values`` (memoryviews cannot be pickled)."""
        return {name: value for name, value in vars(self).items() if name not in self._VIEWS}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a copied or unpickled state and make its views of ``values`` again."""
        vars(self).update(state)
        self._make_views()

    def set_sites(self, homes: list[CareHome]) -> None:
        """Learn which site each home belongs to (once the world is built).

        Raises:
            ValueError: Unless homes are numbered site by site and every site has one.
        """
        site = np.array([home.site for home in sorted(homes, key=lambda h: h.index)], dtype=np.int64)
        if len(site) != self.n_homes or (np.diff(site) < 0).any() or len(np.unique(site)) != len(self.first_home):
            raise ValueError("homes must be numbered site by site, each site with at least one")
        self.first_home[:] = np.searchsorted(site, np.arange(len(self.first_home)))

    def site_unit(self, site: int) -> int:
        """Unit index of a site's NHS side."""
        return self.n_homes + site

    def add(self, name: str, unit: int, amount: float = 1.0) -> None:
        """Add to a count on one unit."""
        self._scalar_rows[COUNT_INDEX[name]][unit] += amount

    def add_many(self, name: str, units: np.ndarray, amounts: np.ndarray | float = 1.0) -> None:
        """Add to a count on many units at once (units may repeat).

        Element by element, in the order of ``units``: through ``np.add.at``, or for a few units
        through the row's memoryview, which then costs less than the call into NumPy.
        """
        index = COUNT_INDEX[name]
        if len(units) > FEW_UNITS:
            np.add.at(self._rows[index], units, amounts)
            return
        row = self._scalar_rows[index]
        if isinstance(amounts, np.ndarray):
            for unit, amount in zip(units.tolist(), amounts.tolist(), strict=True):
                row[unit] += amount
        else:
            for unit in units.tolist():
                row[unit] += amounts

    def add_many_either(self, name: str, other: str, which: np.ndarray, units: np.ndarray) -> None:
        """Add 1 to one count or another on many units at once: ``name`` where ``which``, else ``other``.

        One call into NumPy for both counts (on the flat buffer of all counts: each unit of a
        count is still added to in the order of ``units``).
        """
        row, other_row = COUNT_INDEX[name] * self.values.shape[1], COUNT_INDEX[other] * self.values.shape[1]
        np.add.at(self._flat, np.where(which, row, other_row) + units, 1.0)

    def add_homes(self, name: str, amounts: np.ndarray) -> None:
        """Add one amount per home (in home order) to a count."""
        self._home_rows[COUNT_INDEX[name]] += amounts

    def add_units(self, name: str, amounts: np.ndarray) -> None:
        """Add one amount per unit (homes, then sites' NHS sides) to a count."""
        self._rows[COUNT_INDEX[name]] += amounts

    def close_week(self, week: int) -> None:
        """Keep this week's increments per site."""
        # A site's homes in turn, then its NHS side: a fixed order, whatever the machine. (A
        # matrix product did this before, through BLAS, whose threads cost seconds a run on a
        # busy machine at 2,900 homes, and whose summation order depends on the library.)
        totals = np.add.reduceat(self._homes, self.first_home, axis=1)
        totals += self._nhs
        np.subtract(totals, self._closed, out=self.weekly[week])
        self._closed = totals

    def total(self, name: str) -> float:
        """Run total of a count."""
        return float(self.values[COUNT_INDEX[name]].sum())
