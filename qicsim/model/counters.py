"""Mechanism event counts, kept per unit (each care home, and each site's NHS side).

Every mechanism counts its own events so that an analysis can trace a context to its
mechanism and on to the outcome (model brief, "Outcomes and mechanism tracing"). Events
that belong to a home (an idea for it, an attendance by its staff) are counted on the
home; events of NHS staff or of the site team as a whole on the site's own unit. A site's
total is its homes plus its own unit; the run's total is the sum over all units.
"""

from __future__ import annotations

import numpy as np

MECHANISM_COUNTS: dict[str, str] = {
    # C1 remit clarity
    "ideas_in_scope": "voiced ideas within the remit (C1)",
    "ideas_out_of_scope": "voiced ideas outside the remit, dropped (C1)",
    # C2 prior partnership
    "initial_partnership_ties": "NHS-care home ties present at the start (C2)",
    "setup_weeks": "weeks of project set-up before testing (C2)",
    # C3 hierarchy reduction
    "ideas_voiced_care_home": "ideas voiced by care home staff (C3)",
    "ideas_voiced_nhs": "ideas voiced by NHS staff",
    "ideas_voiced_low_status": "ideas voiced by members of hierarchy level 1 or below (C3)",
    "safety_gained": "psychological safety gained at meetings, summed (C3)",
    "tie_strength_gained": "tie strength gained by co-attending meetings, summed (C3)",
    # C4 protected time
    "attendances_enabled_by_protection": "attendances the member had time for only because of protected time (C4)",
    "protected_hours": "protected, paid QIC hours (C4)",
    # C5 alignment
    "ideas_set_aside_unaligned": "ideas outside the home's priorities set aside (C5)",
    "aligned_take_ups": "projects started on one of the home's priorities",
    "day_job_hours": "project effort absorbed by routine work (C5)",
    # C6 coaching
    "coached_plans": "plans cut into small chunks with coaching (C6)",
    "chunks_completed": "chunks completed, i.e. successful PDSA cycles (C6)",
    "chunks_failed": "failed PDSA cycles",
    # C7 network recruitment
    "disciplines_recruited_via_ties": "missing disciplines recruited through a tie (C7)",
    "disciplines_referred": "missing disciplines that joined through formal referral",
    "blocked_weeks": "project-weeks blocked by a missing discipline",
    # C8 meetings in care homes
    "meetings_held": "local meetings held",
    "meetings_in_care_homes": "local meetings held in a care home (C8)",
    "care_home_attendances_in_homes": "care home staff attendances at meetings in care homes (C8)",
    "travel_hours": "hours spent travelling to local meetings",
    # C9 learning events
    "events_held": "learning events a site took part in (C9)",
    "event_attendances": "attendances at learning events",
    "ideas_spread_at_events": "ideas taken up from another site at an event (C9)",
    "ties_formed_at_events": "new cross-site ties formed at events (C9)",
    "ideas_spread_locally": "ideas spread to another home of the site at meetings",
    # C10 data support
    "measured_cycles": "PDSA cycles that used measurement (C10)",
    "measurement_hours": "hours spent measuring (C10)",
    # other processes
    "ideas_no_capacity": "ideas dropped because the home had no room for another project",
    "ideas_no_champion": "ideas dropped because no one could lead them",
    "stalled_weeks": "project-weeks stalled for want of a champion",
    "champion_takeovers": "projects or improvements taken on by a new champion",
    "members_dropped_out": "members who left the team as engagement fell",
    "members_joined": "staff who joined the team during the run",
    "leavers": "staff who left their post (turnover)",
    "lapses": "implemented improvements that lapsed",
    "hours_freed_by_feedback": "care home staff hours freed by working improvements (process 10)",
}
COUNT_NAMES: tuple[str, ...] = tuple(MECHANISM_COUNTS)
COUNT_INDEX: dict[str, int] = {name: i for i, name in enumerate(COUNT_NAMES)}


class Counters:
    """Event counts, shape (n_counts, n_units); units are homes, then sites' NHS sides.

    Args:
        n_homes: Number of care homes.
        n_sites: Number of sites.
    """

    def __init__(self, n_homes: int, n_sites: int) -> None:
        self.n_homes = n_homes
        self.values = np.zeros((len(COUNT_NAMES), n_homes + n_sites))

    def site_unit(self, site: int) -> int:
        """Unit index of a site's NHS side."""
        return self.n_homes + site

    def add(self, name: str, unit: int, amount: float = 1.0) -> None:
        """Add to a count on one unit."""
        self.values[COUNT_INDEX[name], unit] += amount

    def add_many(self, name: str, units: np.ndarray, amounts: np.ndarray | float = 1.0) -> None:
        """Add to a count on many units at once (units may repeat)."""
        np.add.at(self.values[COUNT_INDEX[name]], units, amounts)

    def total(self, name: str) -> float:
        """Run total of a count."""
        return float(self.values[COUNT_INDEX[name]].sum())
